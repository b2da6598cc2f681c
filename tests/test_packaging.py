"""prosepy installed like a product: the wheel in a fresh virtual environment, no checkout.

The wheel is built from this repository and installed into a new venv in a temporary folder
with ``--only-binary=:all:`` (so no dependency may need a compiler), and the server is started
from a project folder that has its own ``server.py`` and ``explain.py``: they must not be
imported in place of prosepy's modules. Through that server: initialize, hover, a run and a
generation with the real bundled model.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from prosepy.server import __version__

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
CACHE = Path(os.environ.get("PROSEPY_CACHE") or Path.home() / ".cache" / "prosepy")
MODEL = CACHE / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
#: A project's own modules with prosepy's folder names: importing either is a failure.
SHADOWS = {
    "server.py": "raise SystemExit('the project server.py was imported instead of prosepy')\n",
    "explain.py": "raise SystemExit('the project explain.py was imported instead of prosepy')\n",
}
MAIN = "import json\n\ntext = json.dumps({'a': 1})\nprint(len(text))\n"


def test_one_version_everywhere() -> None:
    """pyproject.toml holds the version; the package, the extension and the CHANGELOG agree."""
    assert __version__ == VERSION
    extension = json.loads((ROOT / "extension" / "package.json").read_text())
    assert extension["version"] == VERSION
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(VERSION)}\]", changelog, re.M), "no CHANGELOG entry"


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell would give: nothing pointing into this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", **extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(dist)],
        check=True,
        capture_output=True,
        env=_clean_env(),
        timeout=600,
    )
    (built,) = dist.glob("prosepy-*.whl")
    assert built.name == f"prosepy-{VERSION}-py3-none-any.whl"
    return built


def test_wheel_holds_every_module_and_the_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"prosepy-{VERSION}.dist-info/METADATA").decode()
        entry_points = archive.read(f"prosepy-{VERSION}.dist-info/entry_points.txt").decode()
    for folder in ("server", "explain"):
        for source in (ROOT / folder).rglob("*.py"):
            installed = f"prosepy/{source.relative_to(ROOT).as_posix()}"
            assert installed in names, f"{installed} is missing from the wheel"
    assert not [n for n in names if n.startswith(("server/", "explain/", "tests/"))]
    assert f"prosepy-{VERSION}.dist-info/licenses/LICENSE" in names
    for field in (
        "License-Expression: Apache-2.0",
        "Author: ",
        "Project-URL: Repository, ",
        "Classifier: Programming Language :: Python :: 3",
        "Requires-Python: >=3.11",
    ):
        assert field in metadata, field
    assert "prosepy = prosepy.server.cli:main" in entry_points


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Iterator[Path]:
    """A fresh venv outside the repository with only the built wheel (and its dependencies)."""
    tmp = tmp_path_factory.mktemp("installed")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(tmp / "venv")], check=True, timeout=300)
    python = tmp / "venv" / "bin" / "python"
    # --only-binary: every dependency must come as a wheel; CC=false fails any compile anyway
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--only-binary=:all:", str(wheel)],
        capture_output=True,
        text=True,
        env=_clean_env(CC="false", CXX="false"),
        timeout=1200,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    yield python


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    for name, text in {**SHADOWS, "main.py": MAIN}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.model
def test_installed_command_and_module_come_from_the_venv(venv: Path, project: Path) -> None:
    bindir = venv.parent
    version = subprocess.run(
        [str(bindir / "prosepy"), "--version"], cwd=project, capture_output=True, text=True
    )
    assert version.stdout.strip() == f"prosepy {VERSION}", version.stderr
    where = subprocess.run(
        [str(venv), "-c", "import prosepy.server, prosepy.explain; print(prosepy.server.__file__)"],
        cwd=project,
        capture_output=True,
        text=True,
        env=_clean_env(),
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv.parent.parent), where.stdout
    helped = subprocess.run(
        [str(venv), "-m", "prosepy.server", "--help"],
        cwd=project,
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=60,
    )
    assert helped.returncode == 0 and "examples:" in helped.stdout, helped.stderr


@pytest_asyncio.fixture
async def server(venv: Path, project: Path) -> AsyncIterator[LanguageClient]:
    """``python -m prosepy.server`` started in the project folder, as an editor would."""
    client = make_test_lsp_client()
    # -m puts the working directory first on sys.path: the project's server.py is right there
    await client.start_io(str(venv), "-m", "prosepy.server", cwd=project, env=_clean_env())
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={
                "generate": {"maxTokens": 256, "timeBudgetS": 600},
                "model": {"nThreads": 1},
            },
            locale="en",
            root_uri=project.as_uri(),
        )
    )
    assert result.server_info is not None and result.server_info.version == VERSION
    yield client
    await client.shutdown_session()
    await client.stop()


def _open(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "python", 1, path.read_text(encoding="utf-8"))
        )
    )
    return uri


def _apply(text: str, edits: Sequence[object]) -> str:
    """Apply LSP text edits (bottom up, as an editor does)."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)

    def offset(pos: types.Position) -> int:
        return starts[pos.line] + pos.character

    ordered = sorted(
        (e for e in edits if isinstance(e, types.TextEdit)),
        key=lambda e: (e.range.start.line, e.range.start.character),
        reverse=True,
    )
    for edit in ordered:
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


@pytest.mark.model
@pytest.mark.skipif(not MODEL.is_file(), reason="run `prosepy model install` first")
async def test_installed_server_hovers_runs_and_generates(
    server: LanguageClient, project: Path, venv: Path
) -> None:
    uri = _open(server, project / "main.py")

    # hover: the explanation, then jedi's signature of json.dumps (jedi's first answer can
    # miss the hover's budget; it is kept for the next hover of the same name)
    texts = []
    for _ in range(60):
        hover = await server.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 13))
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        texts.append(hover.contents.value)
        if "dumps(" in texts[-1]:
            break
        await asyncio.sleep(0.5)
    assert "JSON" in texts[0], texts[0]
    assert "dumps(" in texts[-1], texts

    # a run in the sandbox
    result = await server.workspace_execute_command_async(
        types.ExecuteCommandParams("prosepy.runFile", [{"uri": uri}])
    )
    assert result is not None and result["ok"], json.dumps(result)
    assert result["stdout"] == "8\n", result

    # a generation with the real model, applied and run by the venv's own Python
    headline = project / "headline.py"
    headline.write_text("# nl: 计算 1 到 100 的和\n", encoding="utf-8")
    head_uri = _open(server, headline)
    listed = await server.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(head_uri),
            types.Range(types.Position(0, 0), types.Position(0, 0)),
            types.CodeActionContext(diagnostics=[]),
        )
    )
    (action,) = [
        a
        for a in listed or []
        if isinstance(a, types.CodeAction) and a.kind != "source.prosepy.run"
    ]
    resolved = await server.code_action_resolve_async(action)
    assert resolved.edit is not None, [m.message for m in server.messages]
    changes = resolved.edit.document_changes or []
    (change,) = changes
    assert isinstance(change, types.TextDocumentEdit)
    text = _apply(headline.read_text(encoding="utf-8"), change.edits)
    assert text.startswith("# nl: 计算 1 到 100 的和\n"), text
    headline.write_text(text, encoding="utf-8")
    ran = subprocess.run([str(venv), str(headline)], capture_output=True, text=True, timeout=60)
    assert "5050" in ran.stdout.split(), (text, ran.stdout, ran.stderr)
    # no error was shown to the user along the way
    assert not [m for m in server.messages if m.type == types.MessageType.Error]
