"""Review item 7: a document saved directly in /tmp (or another shared sticky folder).

Its "folder" is shared by every user and program of the machine: other users' files, other
programs' temporary files and sockets. It must not be shared with the snippet (in either
mode), and the result must say why ``open("data.csv")`` next to it does not work.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from prosepy.server.sandbox.session import shared_folder
from tests.sandbox.conftest import Env, check_layers

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")


async def _run_document(env: Env, doc: Path, code: str):
    result = await env.manager.run(str(doc), code, 0, str(doc), str(doc.parent))
    check_layers(result)
    return result


async def test_a_document_directly_in_tmp_shares_nothing(env: Env):
    token = os.urandom(4).hex()
    doc = Path("/tmp") / f"prosepy-doc-{token}.py"
    other = Path("/tmp") / f"prosepy-others-{token}.txt"
    other.write_text("another program's temporary file")
    doc.write_text("print(1)\n")
    try:
        result = await _run_document(
            env,
            doc,
            f"""
import os
names = os.listdir(".")
print({other.name!r} in names, {doc.name!r} in names)
for path in ({other.name!r}, {str(other)!r}):
    try:
        print(open(path).read())
    except OSError as e:
        print(type(e).__name__)
""",
        )
    finally:
        other.unlink()
        doc.unlink()
    lines = result.stdout.splitlines()
    assert lines[0] == "False False", result.stdout
    assert "temporary file" not in result.stdout
    assert lines[1] == "FileNotFoundError" and lines[2] in ("FileNotFoundError", "PermissionError")
    assert any("shared by all users" in note for note in result.notes), result.notes


async def test_any_sticky_world_writable_folder_is_not_shared(env: Env, tmp_path: Path):
    shared = tmp_path / "drop"
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "data.csv").write_text("someone else's data\n")
    doc = shared / "doc.py"
    doc.write_text("open('data.csv').read()\n")
    result = await _run_document(env, doc, "open('data.csv').read()\n")
    assert result.error is not None and result.error.type == "FileNotFoundError"
    assert any("shared by all users" in note for note in result.notes)


def test_which_folders_are_shared(tmp_path: Path):
    own = tmp_path / "project"
    own.mkdir()
    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)
    assert shared_folder(str(own)) == (str(own.resolve()), "")
    assert shared_folder("/tmp")[0] is None
    assert shared_folder(str(open_to_all))[0] is None  # world-writable without the sticky bit
    assert shared_folder(str(tmp_path / "missing"))[0] is None


async def test_a_projects_own_folder_is_still_shared(env: Env):
    """Positive control: the document's own folder is readable, in both modes."""
    result = await env.run("open('data.csv').read()")
    assert result.ok and result.lines[0].full == repr("a,b\n1,2\n")
