"""The headline flow in headless Neovim through plain LSP: any editor gets every feature.

``nvim_flow.lua`` uses only standard requests (codeAction, codeAction/resolve,
workspace/executeCommand, inlayHint, hover) and Neovim's default handlers (applyEdit,
publishDiagnostics). Runs on Debian's Neovim 0.7.2.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

NVIM = shutil.which("nvim")
ROOT = Path(__file__).resolve().parents[2]
HEADLINE = "# nl: 计算 1 到 100 的和\n"
SCRIPTED_CODE = "total = sum(range(1, 101))\nprint(total)"
EXPLANATION = "It adds up the whole numbers from 1 to 100 and prints the total, 5050."

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(NVIM is None, reason="neovim not installed (run scripts/setup test)"),
]


def nvim_flow(tmp: Path, steps: list[str], env: dict[str, str], timeout_s: float = 300) -> Any:
    source = tmp / "headline.py"
    source.write_text(HEADLINE, encoding="utf-8")
    result = tmp / "seen.json"
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    full_env = dict(os.environ)
    full_env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_STATE_HOME=str(home / ".local/state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PROSEPY_PYTHON=sys.executable,
        # the bundled model and other caches stay where setup put them
        PROSEPY_CACHE=os.environ.get("PROSEPY_CACHE", str(Path.home() / ".cache" / "prosepy")),
        FLOW_FILE=str(source),
        FLOW_RESULT=str(result),
        FLOW_STEPS=",".join(steps),
        **env,
    )
    lua = Path(__file__).with_name("nvim_flow.lua")
    proc = subprocess.run(
        [str(NVIM), "--headless", "--clean", "-i", "NONE", "-c", f"luafile {lua}"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=tmp,
    )
    seen = json.loads(result.read_text()) if result.exists() else {}
    assert proc.returncode == 0, f"nvim flow failed: {seen.get('errors')}\n{proc.stderr[-4000:]}"
    return seen


@pytest.fixture
def scripted(tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "model.json"
    replies = [f"```python\n{SCRIPTED_CODE}\n```", EXPLANATION]
    script.write_text(json.dumps({"replies": replies}))
    return {"PROSEPY_SCRIPTED_MODEL": str(script)}


@pytest.mark.parametrize("no_resolve", ["0", "1"], ids=["resolve", "command"])
def test_neovim_generate_run_error_hover(
    tmp_path: Path, scripted: dict[str, str], no_resolve: str
) -> None:
    steps = ["generate", "run", "error", "hover", "explain"]
    seen = nvim_flow(tmp_path, steps, {**scripted, "FLOW_NO_RESOLVE": no_resolve})

    gen = seen["generate"]
    assert "Generate code: 计算 1 到 100 的和" in gen["titles"]
    assert gen["via"] == ("command" if no_resolve == "1" else "resolve")
    assert gen["text"].splitlines() == [HEADLINE.strip(), *SCRIPTED_CODE.splitlines()]

    run = seen["run"]
    assert run["ok"] is True and run["stdout"] == "5050\n"
    assert {"line": 1, "label": "→ 5050"} in run["hints"]

    err = seen["error"]
    assert err["ok"] is False
    on_line = [d for d in err["diagnostics"] if d["line"] == err["line"]]
    assert on_line and "ZeroDivisionError" in on_line[0]["message"], err["diagnostics"]

    assert "total" in seen["hover"]["text"], seen["hover"]

    assert seen["explain"]["text"].strip() == EXPLANATION, seen["explain"]


@pytest.mark.model
def test_neovim_generate_with_real_model(tmp_path: Path) -> None:
    seen = nvim_flow(tmp_path, ["generate", "run"], {}, timeout_s=600)
    lines = seen["generate"]["text"].splitlines()
    assert lines[0] == HEADLINE.strip()
    assert any(line.strip() and not line.startswith("#") for line in lines[1:]), lines
    assert seen["run"]["ok"] is True, seen["run"]
    shown = [h["label"] for h in seen["run"]["hints"]] + [seen["run"]["stdout"]]
    assert any("5050" in s for s in shown), seen["run"]


GUARD = 'try:\n    1 / 0\nexcept ZeroDivisionError:\n    print("cannot divide by zero")'


@pytest.mark.parametrize("no_resolve", ["0", "1"], ids=["resolve", "command"])
def test_neovim_fix_this_error(tmp_path: Path, no_resolve: str) -> None:
    """The "Fix this error" quick fix in Neovim through plain LSP: on the run's diagnostic,
    the model's guard is offered because it ran, applied, and the file then runs."""
    script = tmp_path / "model.json"
    replies = [f"```python\n{SCRIPTED_CODE}\n```", f"```python\n{GUARD}\n```"]
    script.write_text(json.dumps({"replies": replies}))
    env = {"PROSEPY_SCRIPTED_MODEL": str(script), "FLOW_NO_RESOLVE": no_resolve}
    seen = nvim_flow(tmp_path, ["generate", "error", "fix"], env)
    assert "ZeroDivisionError" in seen["error"]["diagnostics"][0]["message"]
    fix = seen["fix"]
    # resolved, the title says what changed (as a command, the listing's title)
    titles = {
        "0": "Fix ZeroDivisionError: adds 3 lines from line 4",
        "1": "Fix this error (ZeroDivisionError) with the model",
    }
    assert fix["title"] == titles[no_resolve]
    assert fix["via"] == ("command" if no_resolve == "1" else "resolve")
    assert GUARD in fix["text"] and "\n1 / 0\n" not in fix["text"] + "\n", fix["text"]
    assert fix["text"].startswith("# nl: 计算 1 到 100 的和\n" + SCRIPTED_CODE)
    assert fix["ok"] is True and fix["stdout"] == "5050\ncannot divide by zero\n", fix
