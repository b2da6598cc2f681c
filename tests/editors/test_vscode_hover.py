"""A workspace file's first hover in real VS Code (code-server with the packaged .vsix,
Playwright): the server analyses the workspace's files while the user works in another one, so
the first hover in a file opened later has jedi's signature at once. Screenshots land in
``artifacts/screenshots/vscode-hover-*.png``."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosepy.explain.symbols import persist
from tests.editors import codeserver
from tests.explain.test_hover_workspace_lsp import HOVER_LINE, SOURCE

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(codeserver.missing() is not None, reason=str(codeserver.missing())),
]


def test_vscode_a_workspace_file_opened_later_has_signatures_on_the_first_hover(
    tmp_path: Path,
) -> None:
    files = {"notes.py": "total = 1 + 2\n", "cli_parser.py": SOURCE}
    # a 1 ms wait for jedi: only answers worked out before the hover can be in it
    settings = {"prosepy.explain.jediBudgetMs": 1}
    kept_name = persist._file(Path("."), str(tmp_path / "workspace" / "cli_parser.py")).name
    line = next(i for i, t in enumerate(SOURCE.splitlines()) if HOVER_LINE in t) + 1
    with codeserver.code_server(tmp_path, files, settings) as cs:
        seen = cs.flow(
            [],
            "notes.py",
            prefix="vscode-hover",
            script="vscode_hover_flow.mjs",
            extra_env={
                "LATER": "cli_parser.py",
                "KEPT": str(codeserver.CACHE / "hover"),
                "KEPT_NAME": kept_name,
                "HOVER_AT": str(line),
                "HOVER_LINE": HOVER_LINE,
                "HOVER_TOKEN": "setattr",
            },
        )
    text = seen["hover"]["text"]
    assert "Sets the attribute of namespace named self.dest to values." in text, text
    assert "def setattr(" in text, text
    assert "loading" not in text, text
