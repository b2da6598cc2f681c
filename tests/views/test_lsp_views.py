"""What a run shows beyond values, through the real server over stdio, with run.python a venv
holding real pandas, numpy and matplotlib: a DataFrame's table (hover and pages), a plot's PNG,
variables after two runs and a loop's values at every step (stale results: tests/lsp)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from prosepy.server.lsp.features.variables import plain
from tests.conftest import SERVER_COMMAND, initialize_params, open_doc, server_env
from tests.views.snippet_python import snippet_python

SNIPPET_PYTHON = snippet_python()


def _params(images: bool) -> types.InitializeParams:
    params = initialize_params({"run": {"python": SNIPPET_PYTHON, "timeoutS": 60}})
    if images:  # as prosepy's VS Code extension says it can show images in a hover
        params.capabilities.experimental = {"prosepy": {"hoverImages": True, "tableView": True}}
    return params


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def lsp(lsp_client: LanguageClient):
    """A plain LSP client (like Neovim): no images in hovers."""
    await lsp_client.initialize_session(_params(images=False))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def vscode(lsp_client: LanguageClient):
    """A client that shows images in hovers and has a table view (prosepy's extension)."""
    await lsp_client.initialize_session(_params(images=True))
    yield
    await lsp_client.shutdown_session()


async def run(client: LanguageClient, command: str, **arg: Any) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[arg])
    )
    assert result is not None and result["ok"], result
    return dict(result)


async def hover(client: LanguageClient, uri: str, line: int) -> str:
    got = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 0))
    )
    assert got is not None
    assert isinstance(got.contents, types.MarkupContent)
    return got.contents.value


async def request(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    """A prosepy request; its answer as plain dicts and lists."""
    return plain(await client.protocol.send_request_async(method, params))


def decode_png(data: bytes) -> dict[str, Any]:
    """Decode the whole image with Pillow (in the snippet Python, which has it)."""
    code = (
        "import io, json, sys; from PIL import Image;"
        "im = Image.open(io.BytesIO(sys.stdin.buffer.read())); im.load(); rgb = im.convert('RGB');"
        "print(json.dumps({'format': im.format, 'size': im.size,"
        " 'colors': len(rgb.getcolors(1 << 20) or [])}))"
    )
    done = subprocess.run(
        [SNIPPET_PYTHON, "-c", code], input=data, capture_output=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


FRAME = """import pandas as pd
df = pd.DataFrame({"city": ["Oslo", "Lima", "Pune", "Kyiv"], "temp": [3.5, 19.0, 31.2, -2.0]})
df
"""


async def test_dataframe_table_in_hover_and_pages(vscode: LanguageClient, tmp_path: Path):
    uri = open_doc(vscode, tmp_path / "frame.py", FRAME)
    result = await run(vscode, "prosepy.runFile", uri=uri)
    (table,) = [t for t in result["tables"] if t["line"] == 1]
    assert (
        table["kind"] == "pandas.DataFrame" and table["shape"] == [4, 2] and table["name"] == "df"
    )
    assert [c["name"] for c in table["columns"]] == ["city", "temp"]
    assert table["columns"][1]["dtype"] == "float64"
    assert table["rows"][0] == ["Oslo", "3.5"] and table["index"] == ["0", "1", "2", "3"]

    text = await hover(vscode, uri, 1)
    assert "|  | city | temp |" in text
    assert "| **0** | Oslo | 3.5 |" in text and "| **3** | Kyiv | -2.0 |" in text
    assert "4 rows × 2 columns" in text and "temp: *float64*" in text
    assert "[Open the whole table](command:prosepy.editor.openTable?" in text
    assert "**Value**" not in text, "a table shows as a table, not as its printed repr"

    # the table view's pages come from the session: sorted by temp, highest first
    page = await request(
        vscode,
        "prosepy/table",
        {"uri": uri, "handle": table["handle"], "sortBy": 1, "descending": True, "limit": 2},
    )
    assert page["rows"] == [["Pune", "31.2"], ["Lima", "19.0"]] and page["index"] == ["2", "1"]
    more = await request(
        vscode,
        "prosepy/table",
        {"uri": uri, "name": "df", "sortBy": 1, "descending": True, "offset": 2},
    )
    assert more["offset"] == 2 and more["rows"] == [["Oslo", "3.5"], ["Kyiv", "-2.0"]]
    with pytest.raises(Exception, match="not a table"):
        await request(vscode, "prosepy/table", {"uri": uri, "name": "pd"})


async def test_plot_png_in_run_result_and_hover(vscode: LanguageClient, tmp_path: Path):
    text = (
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(4, 3), dpi=100)\n"
        "ax.plot([1, 2, 3], [3, 1, 2], color='red')\n"
        "plt.show()\n"
    )
    uri = open_doc(vscode, tmp_path / "plot.py", text)
    result = await run(vscode, "prosepy.runFile", uri=uri)
    (image,) = result["images"]
    assert image["line"] == 3 and image["mime"] == "image/png"
    png = base64.b64decode(image["data"])
    seen = decode_png(png)
    assert seen["format"] == "PNG" and seen["size"] == [400, 300]
    assert (image["width"], image["height"]) == (400, 300)
    assert seen["colors"] > 10, "the figure has a drawn line, not a blank canvas"
    assert "UserWarning" not in result["stderr"], "plt.show() returns quietly in the sandbox"

    shown = await hover(vscode, uri, 3)
    assert f"(data:image/png;base64,{image['data']}|width=320)" in shown  # fits in a hover


async def test_plot_path_for_clients_without_images(lsp: LanguageClient, tmp_path: Path):
    text = (
        "import matplotlib.pyplot as plt\nplt.figure(figsize=(2, 1.5))\nplt.bar([1, 2], [3, 4])\n"
    )
    uri = open_doc(lsp, tmp_path / "bars.py", text)
    result = await run(lsp, "prosepy.runFile", uri=uri)
    (image,) = result["images"]
    assert image["line"] == 1  # no plt.show(): the line that created the figure
    shown = await hover(lsp, uri, 1)
    assert "data:image" not in shown
    path = shown.split("**Figure 1 (200×150)**: `", 1)[1].split("`")[0]
    data = Path(path).read_bytes()
    assert data == base64.b64decode(image["data"]) and decode_png(data)["size"] == [200, 150]


async def test_variables_after_two_runs(lsp: LanguageClient, tmp_path: Path):
    text = (
        "# %%\nimport numpy as np\nimport pandas as pd\na = 1\ndf = pd.DataFrame({'x': range(5)})\n"
        "# %%\nb = [1, 2, 3]\na = 2\ngrid = np.zeros((2, 3))\ndef helper():\n    pass\n"
    )
    uri = open_doc(lsp, tmp_path / "vars.py", text)
    empty = await request(lsp, "prosepy/variables", {"uri": uri})
    assert empty["variables"] == []
    await run(lsp, "prosepy.runCell", uri=uri, line=1)
    first = await request(lsp, "prosepy/variables", {"uri": uri})
    assert [v["name"] for v in first["variables"]] == ["a", "df"]
    await run(lsp, "prosepy.runCell", uri=uri, line=7)
    listed = (await request(lsp, "prosepy/variables", {"uri": uri}))["variables"]
    by_name = {v["name"]: v for v in listed}
    assert list(by_name) == ["a", "b", "df", "grid"], "modules and functions are not listed"
    assert by_name["a"] == {"name": "a", "type": "int", "summary": "2", "line": 7, "table": False}
    assert by_name["b"]["shape"] == [3] and by_name["b"]["line"] == 6
    assert by_name["df"]["type"] == "pandas.DataFrame" and by_name["df"]["shape"] == [5, 1]
    assert by_name["df"]["summary"] == "5 rows × 1 columns: x" and by_name["df"]["table"]
    assert by_name["df"]["line"] == 4
    assert by_name["grid"]["shape"] == [2, 3] and by_name["grid"]["type"] == "numpy.ndarray"

    await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.restartSession", arguments=[{"uri": uri}])
    )
    after = await request(lsp, "prosepy/variables", {"uri": uri})
    assert after["variables"] == []


async def test_loop_values_at_every_step(lsp: LanguageClient, tmp_path: Path):
    text = "total = 0\nfor i in range(1, 101):\n    total += i\n"
    uri = open_doc(lsp, tmp_path / "loop.py", text)
    waiting = asyncio.ensure_future(lsp.wait_for_notification("prosepy/inlineResults"))
    result = await run(lsp, "prosepy.runFile", uri=uri)
    (steps,) = result["steps"]
    assert steps["line"] == 2 and steps["count"] == 100 and steps["names"] == ["total"]
    assert steps["first"][:4] == ["1", "3", "6", "10"] and len(steps["first"]) == 20
    assert steps["last"] == ["4656", "4753", "4851", "4950", "5050"]
    shown = await hover(lsp, uri, 2)
    assert (
        "total: 1 → 3 → 6 → 10 → 15" in shown
        and "… 4656 → 4753 → 4851 → 4950 → 5050 (100 times)" in shown
    )
    inline = plain(await waiting)["items"]
    assert {"line": 2, "kind": "steps", "stale": False} | {
        "label": "↻ total: 1 → 3 → 6 → 10 … 5050 (100 times)"
    } == {k: v for k, v in inline[-1].items() if k != "detail"}


async def test_snippet_text_cannot_inject_markdown(lsp: LanguageClient, tmp_path: Path):
    text = (
        "rows = [{'name': '<img src=x onerror=alert(1)>', 'note': '| **x** [a](https://evil.example)'},\n"
        "        {'name': '`code`', 'note': '![i](https://evil.example/p.png)'}]\n"
        "total = ''\n"
        "for r in rows:\n"
        "    total += r['note']\n"
    )
    uri = open_doc(lsp, tmp_path / "evil.py", text)
    await run(lsp, "prosepy.runFile", uri=uri)
    shown = (await hover(lsp, uri, 1)).split("**rows**: ", 1)[1]  # the table part
    table_lines = [line for line in shown.splitlines() if line.startswith("|")]
    assert len(table_lines) == 4, "two rows under a header: no cell broke the table"
    assert re.search(r"(?<!\\)[<>`]", shown) is None, "no unescaped HTML or code span"
    assert "](https://" not in shown and "![i]" not in shown
    steps = await hover(lsp, uri, 4)
    block = steps.split("**Values at every step**\n", 1)[1]
    assert block.startswith("```\ntotal: '| **x** [a](")  # inside a code block: inert
    assert block.split("\n```", 1)[0].endswith("(2 times)")
