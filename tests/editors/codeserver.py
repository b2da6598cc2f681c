"""Real VS Code for tests: the packaged .vsix installed into code-server, driven by Playwright.

code-server and playwright-core are installed by ``scripts/setup.d/60-editors.sh`` into
``$PROSEPY_CACHE/code-server``; everything the editor writes (user data, extensions, XDG dirs,
the browser profile) goes to a temporary directory, never to the home directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CACHE = Path(os.environ.get("PROSEPY_CACHE", Path.home() / ".cache" / "prosepy"))
EDITORS = CACHE / "code-server" / "node_modules"
CODE_SERVER = EDITORS / ".bin" / "code-server"
CHROMIUM = Path("/usr/bin/chromium")


def missing() -> str | None:
    """Why the code-server test cannot run here, or None."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "node/npm not installed"
    if not (EXTENSION / "node_modules").is_dir():
        return "extension/node_modules missing (run scripts/setup test)"
    if not CODE_SERVER.exists() or not (EDITORS / "playwright-core").is_dir():
        return f"code-server/playwright-core not in {EDITORS} (run scripts/setup test)"
    if not CHROMIUM.exists():
        return "chromium not installed (run scripts/setup test as root)"
    return None


def build_vsix() -> Path:
    """Package the extension unless the .vsix is newer than every source it is built from."""
    version = json.loads((EXTENSION / "package.json").read_text())["version"]
    vsix = EXTENSION / "build" / f"prosepy-{version}.vsix"
    sources = [EXTENSION / "package.json", EXTENSION / "README.md", ROOT / "pyproject.toml"]
    sources += [ROOT / "setup.py", ROOT / "CHANGELOG.md"]
    sources += list((EXTENSION / "src").rglob("*.ts")) + list((EXTENSION / "media").rglob("*"))
    # the .vsix ships the prosepy wheel, built from these
    sources += list((ROOT / "server").rglob("*.py")) + list((ROOT / "explain").rglob("*.py"))
    if vsix.exists() and vsix.stat().st_mtime > max(p.stat().st_mtime for p in sources):
        return vsix
    subprocess.run(
        ["npm", "run", "--silent", "package"], cwd=EXTENSION, check=True, stdout=subprocess.DEVNULL
    )
    assert vsix.exists(), f"npm run package did not write {vsix}"
    return vsix


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class CodeServer:
    url: str
    home: Path
    workspace: Path
    log: Path
    env: dict[str, str]

    def flow(
        self,
        steps: list[str],
        file: str,
        expect_inline: str = "5050",
        timeout_s: float = 600,
        prefix: str = "vscode",
        extra_env: dict[str, str] | None = None,
        script: str = "vscode_flow.mjs",
    ) -> dict[str, Any]:
        """Run ``script`` (a flow beside this file); returns what each step saw (raises with
        the log if it failed)."""
        env = dict(self.env)
        env.update(
            URL=self.url,
            FILE=file,
            STEPS=",".join(steps),
            EXPECT_INLINE=expect_inline,
            SCREENSHOTS=str(SCREENSHOTS),
            SHOT_PREFIX=prefix,
            PLAYWRIGHT_DIR=str(EDITORS),
            PROFILE_DIR=str(self.home / "chromium-profile"),
            **(extra_env or {}),
        )
        proc = subprocess.run(
            ["node", str(Path(__file__).with_name(script))],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        lines = proc.stdout.strip().splitlines()
        seen: dict[str, Any] = json.loads(lines[-1]) if lines else {}
        if proc.returncode != 0:
            server_log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise AssertionError(
                f"editor flow failed: {seen.get('errors')}\n--- flow log ---\n{proc.stderr[-4000:]}"
                f"\n--- code-server log ---\n{server_log}\n--- prosepy server log ---\n"
                f"{self.server_log()[-4000:]}"
            )
        return seen

    def server_log(self) -> str:
        """The extension's 'prosepy: Server' output channel, as code-server wrote it to disk."""
        logs = sorted((self.home / "user-data" / "logs").rglob("*prosepy*Server*.log"))
        return "\n".join(p.read_text(errors="replace") for p in logs)


@contextmanager
def code_server(
    tmp: Path,
    files: dict[str, str],
    settings: dict[str, Any],
    extra_env: dict[str, str] | None = None,
    trusted: bool = True,
) -> Iterator[CodeServer]:
    """Start code-server with the packaged extension over a workspace holding ``files``.

    ``trusted=False`` turns workspace trust on and opens the folder in Restricted Mode.
    """
    home = tmp / "home"
    workspace = tmp / "workspace"
    for d in (home, workspace, home / "user-data" / "User", home / "extensions"):
        d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text, encoding="utf-8")
    user_settings = {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "security.workspace.trust.enabled": not trusted,
        # untrusted: open in Restricted Mode without asking
        "security.workspace.trust.startupPrompt": "never",
        "telemetry.telemetryLevel": "off",
        "extensions.ignoreRecommendations": True,
        "update.mode": "none",
        "editor.hover.delay": 300,
        "prosepy.server.pythonPath": sys.executable,
        **settings,
    }
    # a setting given as None is not written at all (a user who never touched it)
    user_settings = {k: v for k, v in user_settings.items() if v is not None}
    (home / "user-data" / "User" / "settings.json").write_text(json.dumps(user_settings, indent=2))
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PROSEPY_CACHE=str(CACHE),
        **(extra_env or {}),
    )
    common = ["--user-data-dir", str(home / "user-data")]
    common += ["--extensions-dir", str(home / "extensions")]
    subprocess.run(
        [str(CODE_SERVER), *common, "--install-extension", str(build_vsix())],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    log = tmp / "code-server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                str(CODE_SERVER),
                *common,
                "--auth",
                "none",
                "--bind-addr",
                f"127.0.0.1:{port}",
                "--disable-telemetry",
                "--disable-update-check",
                *(["--disable-workspace-trust"] if trusted else []),
                "--disable-getting-started-override",
                str(workspace),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "HTTP server listening" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")
                raise AssertionError(f"code-server did not start:\n{text}")
            time.sleep(0.2)
        yield CodeServer(f"http://127.0.0.1:{port}/?folder={workspace}", home, workspace, log, env)
    finally:
        # code-server's children (extension host, the prosepy server) share its session
        _stop_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _stop_group(proc, signal.SIGKILL)
            proc.wait()


def _stop_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
