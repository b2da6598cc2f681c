"""The headline flow in real VS Code: code-server with the packaged .vsix, driven by Playwright.

Open a file holding ``# nl: 计算 1 到 100 的和``, take the "Generate code" quick fix, see the
code inserted, run the file from the command palette, see ``5050`` drawn at the end of its
line, hover a line and read the explanation, open the setup report. Screenshots of every step
land in ``artifacts/screenshots/``. One flow uses the scripted test double (deterministic);
one uses the real bundled model.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.editors import codeserver

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(codeserver.missing() is not None, reason=str(codeserver.missing())),
]

HEADLINE = "# nl: 计算 1 到 100 的和\n"
SCRIPTED_CODE = "total = sum(range(1, 101))\nprint(total)"
EXPLANATION = "It adds up the whole numbers from 1 to 100 and prints the total, 5050."


def test_vscode_headline_flow_with_scripted_model(tmp_path: Path) -> None:
    script = tmp_path / "model.json"
    # slow enough (~2 s) for the status bar to show the generation in progress
    # the second reply answers "Explain Selection with the Model"
    replies = [f"```python\n{SCRIPTED_CODE}\n```", EXPLANATION]
    script.write_text(json.dumps({"replies": replies, "token_delay_s": 0.1}))
    steps = ["open", "status", "generate", "run", "hover"]
    steps += ["edit", "statement", "error", "cancel", "explain", "doctor", "restart"]
    with codeserver.code_server(
        tmp_path, {"headline.py": HEADLINE}, {}, {"PROSEPY_SCRIPTED_MODEL": str(script)}
    ) as cs:
        seen = cs.flow(steps, "headline.py", prefix="vscode-scripted")
        log = cs.server_log()

    assert seen["open"]["text"].startswith("# nl: 计算 1 到 100 的和")
    assert seen["status"]["text"].startswith("prosepy: ")
    assert "starting" not in seen["status"]["text"]

    # the quick fix came from the server, and its edit landed under the comment
    assert "Generate code: 计算 1 到 100 的和" in seen["generate"]["titles"]
    lines = seen["generate"]["text"].splitlines()
    assert lines[0] == "# nl: 计算 1 到 100 的和"
    assert lines[1:3] == SCRIPTED_CODE.splitlines()
    # the status bar followed the model: generating with a token count, then ready
    statuses = seen["generate"]["statuses"]
    assert any(re.fullmatch(r"prosepy: generating · \d+ tok", s) for s in statuses), statuses
    assert statuses[-1] == "prosepy: model ready", statuses

    # the run's value is drawn once, as a decoration, at the end of `total = ...`
    inline = seen["run"]["inline"]
    drawn = [x["text"] for x in inline if "→ 5050" in x["text"]]
    assert drawn == ["→ 5050"], inline

    # hovering `total` on the generated line explains it
    assert seen["hover"]["token"] == "total"
    assert "total" in seen["hover"]["text"], seen["hover"]

    # typing on `total = ...` dropped its stale value (decoration and inlay hint alike)
    assert not any("5050" in x["text"] for x in seen["edit"]["all"]), seen["edit"]

    # Alt+P R on that line runs just that statement, and its (new) value is drawn again
    assert [x["text"] for x in seen["statement"]["inline"] if "5050" in x["text"]] == ["→ 5050"]

    # a raising line typed below, run with the Alt+P F chord: the exception at its line
    errors = [x["text"] for x in seen["error"]["inline"] if "ZeroDivisionError" in x["text"]]
    assert errors and errors[0].startswith("✗ ZeroDivisionError"), seen["error"]
    assert seen["error"]["squiggle"] is True

    # an endless loop, cancelled with Alt+P X: the run ends and says so where it ran
    cancelled = [x["text"] for x in seen["cancel"]["inline"] if "Cancelled" in x["text"]]
    assert cancelled and cancelled[0].startswith("✗ Cancelled"), seen["cancel"]

    # the model's explanation of the selected lines opens beside the code
    explained = " ".join(seen["explain"]["text"].split())  # the markdown view wraps lines
    assert EXPLANATION in explained and "total = sum(range(1, 101))" in explained, explained

    report = seen["doctor"]["text"]
    assert "prosepy" in report and "[python]" in report

    # "Restart Language Server" starts a new server, which has not loaded the model yet
    assert seen["restart"]["text"] == "prosepy: model not loaded", seen["restart"]
    started = "-m prosepy.server serve (setting prosepy.server.pythonPath)"
    assert log.count(started) == 2, log[-2000:]


def test_vscode_palette_generate_finds_the_action_by_its_kind(tmp_path: Path) -> None:
    """ "Generate Code from Comment" picks the server's action by its kind
    (quickfix.prosepy.generate), not by its title; the run's value is drawn from the
    server's prosepy/inlineResults."""
    script = tmp_path / "model.json"
    script.write_text(json.dumps({"replies": [f"```python\n{SCRIPTED_CODE}\n```"]}))
    with codeserver.code_server(
        tmp_path, {"headline.py": HEADLINE}, {}, {"PROSEPY_SCRIPTED_MODEL": str(script)}
    ) as cs:
        seen = cs.flow(["open", "generate_palette", "run"], "headline.py", prefix="vscode-kind")
    assert seen["generate"]["text"].splitlines()[1:3] == SCRIPTED_CODE.splitlines()
    drawn = [x["text"] for x in seen["run"]["inline"] if "→ 5050" in x["text"]]
    assert drawn == ["→ 5050"], seen["run"]


@pytest.mark.model
def test_vscode_headline_flow_with_real_model(tmp_path: Path) -> None:
    """The bundled Qwen2.5-Coder-0.5B writes the code (taken from the palette this time); the
    run must show 5050 inline, as a value or as the last printed line."""
    steps = ["open", "generate_palette", "run", "hover", "explain"]
    # no interpreter setting: the extension finds the environment setup made in the workspace
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / ".venv").symlink_to(Path(sys.prefix))
    settings = {"prosepy.server.pythonPath": ""}
    with codeserver.code_server(tmp_path, {"headline.py": HEADLINE}, settings) as cs:
        seen = cs.flow(steps, "headline.py", timeout_s=900, prefix="vscode-real-model")
        log = cs.server_log()
    assert "(environment made by setup in " in log, log[:2000]
    code = seen["generate"]["text"].splitlines()
    assert code[0] == "# nl: 计算 1 到 100 的和"
    assert any(line.strip() and not line.startswith("#") for line in code[1:]), code
    assert any("5050" in x["text"] for x in seen["run"]["inline"]), seen["run"]
    # whatever the model wrote, hovering its first line explains it
    assert seen["hover"]["text"].strip(), seen["hover"]
    # and the model explains the selected lines in words after the quoted code
    words = seen["explain"]["text"].rsplit("```", 1)[-1]
    assert len(words.split()) >= 3, seen["explain"]


def test_vscode_gives_up_on_a_crashing_server_with_a_clear_error(tmp_path: Path) -> None:
    """A server that keeps dying is restarted ``maxRestarts`` times, then the user is told."""
    crashing = tmp_path / "crashing-python"
    crashing.write_text(
        "#!/bin/bash\n"
        "# starts the real server, which is killed two seconds later\n"
        "( exec >/dev/null 2>&1; sleep 2; kill -9 $$ ) &\n"
        f'exec "{sys.executable}" "$@"\n'
    )
    crashing.chmod(0o755)
    settings = {"prosepy.server.pythonPath": str(crashing), "prosepy.server.maxRestarts": 2}
    with codeserver.code_server(tmp_path, {"headline.py": HEADLINE}, settings) as cs:
        seen = cs.flow(["open", "crash"], "headline.py", prefix="vscode-crash")
        log = cs.server_log()
    assert "stopped 3 times in three minutes" in seen["crash"]["toast"], seen["crash"]
    assert "server stopped" in seen["crash"]["status"]
    assert log.count("restarting it") == 2, log[-3000:]


@pytest.mark.model
def test_vscode_first_use_with_only_the_vsix(tmp_path: Path) -> None:
    """A fresh VS Code with only the .vsix: no checkout on the extension's path, no
    ``prosepy.server.pythonPath``. On first use the extension creates the server's environment
    in its global storage from the wheel it ships (dependencies from PyPI), installs the model
    with progress, offers the walkthrough; then the headline request generates and runs."""
    steps = ["open", "setup", "generate", "run"]
    settings = {"prosepy.server.pythonPath": None}
    # the model comes from the shared cache (PROSEPY_CACHE), as `prosepy model install` keeps it
    with codeserver.code_server(tmp_path, {"headline.py": HEADLINE}, settings) as cs:
        seen = cs.flow(steps, "headline.py", timeout_s=1800, prefix="vscode-first-use")
        log = cs.server_log()
        storage = list((cs.home / "user-data" / "User" / "globalStorage").glob("prosepy.*"))
    assert "(the environment prosepy manages in VS Code's storage)" in log, log[-3000:]
    # the server ran from the environment in the global storage, made from the shipped wheel
    (env,) = [p / "server-env" for p in storage if (p / "server-env").is_dir()]
    assert f"starting {env}/bin/python -m prosepy.server serve" in log, log[-3000:]
    stamp = json.loads((env / "prosepy-install.json").read_text())
    assert re.fullmatch(r"prosepy-[\d.]+-py3-none-any\.whl:\d+:\d+", stamp["wheel"]), stamp
    assert str(codeserver.ROOT) not in (env / "pyvenv.cfg").read_text()
    installed = list(env.glob("lib/python3*/site-packages/prosepy/server/cli.py"))
    assert installed, "prosepy is not installed in the managed environment"
    # the progress notification showed what was happening, then the walkthrough was offered
    messages = seen["setup"]["messages"]
    # sampled twice a second: which of pip's steps were on screen at those moments varies
    pip_steps = re.compile(r"installing|collecting|downloading|processing")
    assert any(pip_steps.search(m) for m in messages), messages
    assert "the model is installed" in seen["setup"]["ready"], seen["setup"]
    walkthrough = seen["setup"]["walkthrough"]
    for step in ("Install the model", "Check the setup", "Your first # nl: request"):
        assert step in walkthrough, walkthrough
    code = seen["generate"]["text"].splitlines()
    assert code[0] == "# nl: 计算 1 到 100 的和"
    assert any(line.strip() and not line.startswith("#") for line in code[1:]), code
    assert any("5050" in x["text"] for x in seen["run"]["inline"]), seen["run"]


def _user_env(folder: Path, marker: str) -> Path:
    """A venv (the user's project environment) holding a module prosepy's own Python lacks."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    (site,) = folder.glob("lib/python3*/site-packages")
    (site / "usermarker.py").write_text(f"WHERE = {marker!r}\n")
    return folder / "bin" / "python"


def test_vscode_runs_with_the_users_python_and_follows_a_change(tmp_path: Path) -> None:
    """``prosepy.run.python`` reaches the server as ``run.python``: the snippet imports a
    module only the user's environment has; switching the setting to another environment
    takes effect at the next run, without restarting anything."""
    first = _user_env(tmp_path / "env-a", "env-a")
    second = _user_env(tmp_path / "env-b", "env-b")
    source = "# nl: (not used here)\nimport usermarker\nusermarker.WHERE\n"
    settings = {"prosepy.run.python": str(first)}
    with codeserver.code_server(tmp_path, {"where.py": source}, settings) as cs:
        seen = cs.flow(
            ["open", "run", "switch_python"],
            "where.py",
            expect_inline="env-a",
            prefix="vscode-user-python",
            extra_env={"SWITCH_PYTHON": str(second), "EXPECT_AFTER": "env-b"},
        )
        log = cs.server_log()
    assert any(x["text"] == "→ 'env-a'" for x in seen["run"]["inline"]), seen["run"]
    after = [x["text"] for x in seen["switch_python"]["inline"] if "env-" in x["text"]]
    assert after == ["→ 'env-b'"], seen["switch_python"]
    # one server all along
    assert log.count("-m prosepy.server serve (") == 1, log[-2000:]
    # its log line reached the log channel once, at its own level, without the client
    # library's "[Info  - 10:31:02 AM]" prefix
    serving = [line for line in log.splitlines() if "serving code-server" in line]
    assert len(serving) == 1 and "[info] prosepy: prosepy " in serving[0], serving


@pytest.mark.parametrize("trusted", [False, True], ids=["restricted", "trusted"])
def test_vscode_restricted_mode_runs_nothing_the_workspace_names(
    tmp_path: Path, trusted: bool
) -> None:
    """A workspace names a Python (its settings and its .venv) that leaves a marker when run.
    In Restricted Mode none of it runs: the user's own setting starts the server and snippets
    run with the server's Python. Trusted, the same workspace's settings are used (the marker
    appears), which shows the check can fail."""
    marker = tmp_path / "workspace-python-ran"
    named = tmp_path / "workspace" / ".venv" / "bin" / "python"
    named.parent.mkdir(parents=True)
    named.write_text(f'#!/bin/bash\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    named.chmod(0o755)
    workspace_settings = {"prosepy.server.pythonPath": str(named), "prosepy.run.python": str(named)}
    files = {
        "sum.py": "# nl: (not used here)\nsum(range(1, 101))\n",
        ".vscode/settings.json": json.dumps(workspace_settings),
    }
    with codeserver.code_server(tmp_path, files, {}, trusted=trusted) as cs:
        seen = cs.flow(["open", "run"], "sum.py", prefix=f"vscode-trust-{trusted}")
        log = cs.server_log()
    assert any("5050" in x["text"] for x in seen["run"]["inline"]), seen["run"]
    if trusted:
        assert marker.exists(), "a trusted workspace's settings should have been used"
        assert f"starting {named} -m prosepy.server serve" in log, log[-2000:]
    else:
        assert not marker.exists(), "Restricted Mode ran a Python the workspace named"
        assert f"starting {sys.executable} -m prosepy.server serve" in log, log[-2000:]
