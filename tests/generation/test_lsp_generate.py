"""Generation through the real server over stdio, with the scripted model double.

Each script holds one reply (the double cycles through replies by request count, and the
log persists across tests). The real model is used in ``test_lsp_generate_model.py``.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import initialize_params
from tests.generation.lsp_util import (
    DIR,
    Doc,
    actions,
    config,
    requests_logged,
    script,
    until,
)

HEADLINE_REPLY = "```python\nsum = 0\nfor i in range(1, 101):\n    sum += i\nprint(sum)\n```"
FAST = script("fast", [HEADLINE_REPLY])
JSON = script("json", ["```python\nimport json\n\nreturn json.dumps({'n': len(rows)})\n```"])
SLOW_LINES = "\n".join(f"value_{i} = {i} * 2" for i in range(30))
SLOW_REPLY = f"```python\n{SLOW_LINES}\nprint(value_29)\n```"
SLOW = script("slow", [SLOW_REPLY], token_delay_s=0.03)
#: How many tokens the double streams for the whole reply (its chunking rule).
SLOW_TOKENS = len(re.findall(r"\s*\w{1,6}|\s*[^\w\s]{1,3}|\s+", SLOW_REPLY))
BROKEN = script("broken", ["```python\nprint((1)\n```"])
NO_MODEL = DIR / "no_model.json"
NO_MODEL.write_text(json.dumps({"replies": ["x"], "load_error": "weights are missing"}))

HEADLINE_DOC = "import os\n\n# nl: 计算 1 到 100 的和\n\nprint(os.sep)\n"


@pytest_lsp.fixture(config=config(FAST))
async def fast(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=config(JSON))
async def jsonish(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=config(SLOW))
async def slow(lsp_client: LanguageClient):
    statuses: list[dict[str, Any]] = []

    @lsp_client.feature("prosepy/modelStatus")
    def on_status(params: Any) -> None:
        statuses.append({k: getattr(params, k) for k in ("state", "detail", "tokens")})

    lsp_client.statuses = statuses  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=config(BROKEN))
async def broken(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


async def resolve(client: LanguageClient, action: types.CodeAction) -> types.CodeAction:
    return await client.code_action_resolve_async(action)


def _generating(client: LanguageClient) -> bool:
    reports = [r for v in client.progress_reports.values() for r in v]
    return any(
        isinstance(r, types.WorkDoneProgressReport) and "tokens" in (r.message or "")
        for r in reports
    )


async def test_listing_is_lazy_and_offers_generate(fast: LanguageClient) -> None:
    await fast.initialize_session(initialize_params())
    doc = Doc(fast, "lazy.py", HEADLINE_DOC)
    (action,) = await actions(fast, doc, 2)
    assert action.title == "Generate code: 计算 1 到 100 的和"
    assert action.kind == "quickfix.prosepy.generate"  # a quick fix, marked as generation
    assert action.edit is None and action.command is None  # VS Code resolves the edit
    assert isinstance(action.data, dict) and action.data["provider"] == "generate"
    assert await actions(fast, doc, 0) == []
    assert await actions(fast, doc, 4) == []
    assert requests_logged(FAST) == [] or all(r for r in requests_logged(FAST))
    before = len(requests_logged(FAST))
    await actions(fast, doc, 2)
    assert len(requests_logged(FAST)) == before  # listing never calls the model


async def test_resolve_inserts_runnable_code_reviews_and_regenerates(fast: LanguageClient) -> None:
    await fast.initialize_session(initialize_params())
    doc = Doc(fast, "headline.py", HEADLINE_DOC)
    (action,) = await actions(fast, doc, 2)
    resolved = await resolve(fast, action)
    assert resolved.edit is not None and resolved.edit.document_changes
    change = resolved.edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == doc.version
    assert doc.apply(resolved.edit)
    lines = doc.lines()
    assert lines[2] == "# nl: 计算 1 到 100 的和"  # the request stays above its code
    assert lines[3:7] == ["sum = 0", "for i in range(1, 101):", "    sum += i", "print(sum)"]
    run = subprocess.run([sys.executable, "-c", doc.text], capture_output=True, text=True)
    assert run.stdout.splitlines()[0] == "5050"

    # review: the beginner's loop shadows the builtin `sum` (ruff A001) on the inserted lines
    await until(lambda: any(d.code == "A001" for d in fast.diagnostics.get(doc.uri, [])))
    shadow = [d for d in fast.diagnostics[doc.uri] if d.code == "A001"]
    assert {d.range.start.line for d in shadow} <= {3, 5}
    assert all(d.severity == types.DiagnosticSeverity.Warning for d in shadow)

    titles = [a.title for a in await actions(fast, doc, 2)]
    assert titles == ["Generate code: 计算 1 到 100 的和", "Regenerate code: 计算 1 到 100 的和"]
    regenerate = (await actions(fast, doc, 2))[1]
    asked = len(requests_logged(FAST))
    again = await resolve(fast, regenerate)
    assert again.edit is not None and doc.apply(again.edit)
    assert doc.lines() == lines  # same code replaced in place: nothing duplicated, nothing lost
    # the old code is left out of the context, so the same request hits the cache
    assert len(requests_logged(FAST)) == asked

    # once the user edits the generated code, it is theirs: no more "Regenerate"
    doc.change((6, 0), (6, 10), "print(sum * 2)")
    titles = [a.title for a in await actions(fast, doc, 2)]
    assert titles == ["Generate code: 计算 1 到 100 的和"]
    assert "print(sum * 2)" in doc.text


async def test_repeat_is_served_from_the_cache(fast: LanguageClient) -> None:
    await fast.initialize_session(initialize_params())
    marker = "cache_test_marker = 1\n"  # this test's prompts carry it; other tests' do not
    doc = Doc(fast, "cache.py", marker + HEADLINE_DOC)
    (action,) = await actions(fast, doc, 3)

    def mine() -> int:
        return sum("cache_test_marker" in json.dumps(r) for r in requests_logged(FAST))

    first = await resolve(fast, action)
    count = mine()
    assert count >= 1
    second = await resolve(fast, action)
    assert mine() == count
    assert first.edit == second.edit


async def test_client_without_resolve_gets_a_command_and_applyedit(fast: LanguageClient) -> None:
    params = initialize_params(client="neovim@v0.7.0")
    assert params.capabilities.text_document and params.capabilities.text_document.code_action
    params.capabilities.text_document.code_action.resolve_support = None
    docs: dict[str, Doc] = {}

    @fast.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(p: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        return types.ApplyWorkspaceEditResult(applied=docs["doc"].apply(p.edit))

    # pygls' client mis-structures a CodeAction carrying a command as a Command: read the
    # JSON the server actually sent, as Neovim does.
    raw: list[dict[str, Any]] = []
    structure = fast.protocol.structure_message

    def spy(data: dict[str, Any]) -> Any:
        raw.append(data)
        return structure(data)

    fast.protocol.structure_message = spy  # type: ignore[method-assign]
    await fast.initialize_session(params)
    doc = docs["doc"] = Doc(fast, "nvim.py", HEADLINE_DOC)
    await fast.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(doc.uri),
            range=types.Range(types.Position(2, 0), types.Position(2, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    listed = next(m["result"] for m in reversed(raw) if isinstance(m.get("result"), list))
    (action,) = [a for a in listed if a.get("kind") != "source.prosepy.run"]
    assert action["kind"] == "quickfix.prosepy.generate" and "edit" not in action
    command = action["command"]
    assert command["command"] == "prosepy.generate"
    result = await fast.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command["command"], arguments=command["arguments"])
    )
    assert result is not None and result["applied"] is True
    assert doc.lines()[3] == "sum = 0"


async def test_code_lens_and_its_setting(fast: LanguageClient) -> None:
    await fast.initialize_session(initialize_params())
    doc = Doc(fast, "lens.py", HEADLINE_DOC + "    \n# nl: print hello\n")
    lenses = await fast.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(doc.uri))
    )
    generate = [lens for lens in lenses or [] if lens.command and "Generate" in lens.command.title]
    assert [lens.range.start.line for lens in generate] == [2, 6]
    assert generate[0].command is not None and generate[0].command.command == "prosepy.generate"
    fast.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"prosepy": {"generate": {"codeLens": False}}})
    )
    await asyncio.sleep(0.3)
    lenses = await fast.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(doc.uri))
    )
    assert not [lens for lens in lenses or [] if lens.command and "Generate" in lens.command.title]


async def test_function_body_is_indented_and_import_goes_to_top(jsonish: LanguageClient) -> None:
    text = '"""Rows."""\nimport os\n\n\ndef dump(rows):\n    # nl: rows as json\n'
    doc = Doc(jsonish, "rows.py", text)
    (action,) = await actions(jsonish, doc, 5)
    resolved = await resolve(jsonish, action)
    assert resolved.edit is not None and doc.apply(resolved.edit)
    assert doc.lines() == [
        '"""Rows."""',
        "import os",
        "import json",
        "",
        "",
        "def dump(rows):",
        "    # nl: rows as json",
        "    return json.dumps({'n': len(rows)})",
    ]
    prompt = requests_logged(JSON)[-1]["messages"][-1]["content"]
    assert "dump" in prompt and "rows" in prompt and "import os" in prompt


async def test_typing_during_generation_loses_nothing(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params())
    doc = Doc(slow, "typing.py", "# nl: make values\nkeep = 1\n")
    (action,) = await actions(slow, doc, 0)
    task = asyncio.ensure_future(resolve(slow, action))
    await until(lambda: _generating(slow))
    doc.change((0, 0), (0, 0), "typed = 'while it ran'\nmore = 2\n")
    resolved = await task
    assert resolved.edit is not None
    change = resolved.edit.document_changes[0]  # type: ignore[index]
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == doc.version  # built against the current text
    assert doc.apply(resolved.edit)
    lines = doc.lines()
    assert lines[:3] == ["typed = 'while it ran'", "more = 2", "# nl: make values"]
    assert lines[3] == "value_0 = 0 * 2" and lines[-1] == "keep = 1"


async def test_comment_removed_during_generation_inserts_nothing(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params())
    doc = Doc(slow, "gone.py", "x = 1\n# nl: make values\n")
    (action,) = await actions(slow, doc, 1)
    task = asyncio.ensure_future(resolve(slow, action))
    await until(lambda: _generating(slow))
    doc.change((1, 0), (2, 0), "")
    resolved = await task
    assert resolved.edit is None
    assert any("document changed, nothing inserted" in m.message for m in slow.messages)
    assert doc.text == "x = 1\n"


async def test_cancel_request_stops_the_model(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params())
    doc = Doc(slow, "cancel.py", "# nl: make values\n")
    (action,) = await actions(slow, doc, 0)
    future = asyncio.ensure_future(
        slow.protocol.send_request_async(types.CODE_ACTION_RESOLVE, action, msg_id="gen-1")
    )
    await until(lambda: _generating(slow))
    slow.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="gen-1"))
    try:
        await future
        raised = False
    except Exception:
        raised = True
    assert raised
    statuses = slow.statuses  # type: ignore[attr-defined]
    await until(lambda: any("cancelled" in s["detail"] for s in statuses))
    stopped = next(s for s in statuses if "cancelled" in s["detail"])
    assert stopped["tokens"] is not None and stopped["tokens"] < SLOW_TOKENS
    assert "value_0" not in doc.text


async def test_progress_cancel_button_stops_the_model(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params())
    doc = Doc(slow, "button.py", "# nl: make values\n")
    (action,) = await actions(slow, doc, 0)
    task = asyncio.ensure_future(resolve(slow, action))
    await until(lambda: _generating(slow))
    token = next(t for t in slow.progress_reports if str(t).startswith("prosepy-generate"))
    begin = slow.progress_reports[token][0]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    slow.protocol.notify(
        types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token)
    )
    resolved = await task
    assert resolved.edit is None
    assert any("cancelled by the user" in m.message for m in slow.messages)
    end = slow.progress_reports[token][-1]
    assert isinstance(end, types.WorkDoneProgressEnd)


async def test_new_request_supersedes_the_old(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params())
    doc = Doc(slow, "twice.py", "# nl: make values\n")
    (action,) = await actions(slow, doc, 0)
    first = asyncio.ensure_future(resolve(slow, action))
    await until(lambda: _generating(slow))
    second = asyncio.ensure_future(resolve(slow, action))
    old, new = await first, await second
    assert old.edit is None and new.edit is not None
    assert doc.apply(new.edit) and doc.text.count("value_0 = 0 * 2") == 1


async def test_time_budget_ends_runaway_generation(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params({"generate": {"timeBudgetS": 1}}))
    doc = Doc(slow, "budget.py", "# nl: make values\n")
    (action,) = await actions(slow, doc, 0)
    resolved = await resolve(slow, action)
    assert resolved.edit is None
    assert any("time budget" in m.message for m in slow.messages)


async def _never_parses(client: LanguageClient, name: str) -> list[dict[str, Any]]:
    """Ask for code from the model that only writes code that does not parse: nothing is
    inserted, the user is told why; the model requests it took."""
    doc = Doc(client, name, "# nl: print one\n")
    before = len(requests_logged(BROKEN))
    (action,) = await actions(client, doc, 0)
    resolved = await resolve(client, action)
    assert resolved.edit is None
    assert any("does not parse" in m.message for m in client.messages)
    return requests_logged(BROKEN)[before:]


async def test_code_that_never_parses_is_not_inserted(broken: LanguageClient) -> None:
    logged = await _never_parses(broken, "broken.py")
    # one repair round, with the error given back ...
    assert "does not parse" in logged[1]["messages"][-1]["content"]
    # ... then sampled candidates from the original prompt (generate.check is on by default),
    # at most twice generate.candidates (4) tries when none of them parses
    samples = logged[2:]
    assert len(samples) == 2 * 4
    assert all(s["messages"] == logged[0]["messages"] for s in samples)
    assert all(s["temperature"] == 0.7 for s in samples)  # generate.sampleTemperature
    assert logged[0]["temperature"] != 0.7


@pytest_lsp.fixture(config=config(BROKEN))
async def broken_unchecked(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params({"generate": {"check": False}}))
    yield
    await lsp_client.shutdown_session()


async def test_code_that_never_parses_unchecked_gets_one_repair(
    broken_unchecked: LanguageClient,
) -> None:
    logged = await _never_parses(broken_unchecked, "broken2.py")
    assert len(logged) == 2  # without checking: one repair round only
    assert "does not parse" in logged[1]["messages"][-1]["content"]


@pytest_lsp.fixture(config=config(NO_MODEL))
async def no_model(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


async def test_model_that_fails_to_load_is_a_message_not_a_crash(no_model: LanguageClient) -> None:
    doc = Doc(no_model, "nomodel.py", "# nl: print one\n")
    (action,) = await actions(no_model, doc, 0)
    resolved = await resolve(no_model, action)
    assert resolved.edit is None
    assert any("weights are missing" in m.message for m in no_model.messages)
    assert doc.text == "# nl: print one\n"
    assert len(await actions(no_model, doc, 0)) == 1  # still serving
