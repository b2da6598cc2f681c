"""The model process fails; the language server does not.

The real server over stdio with the real bundled model. The model process is killed with
SIGSEGV or SIGKILL in the middle of a generation, or its runtime aborts while loading. Each
time the server keeps answering hovers and runs (during and after), the user is told what
happened (the signal and what to do), the process is restarted, and the next generation
works. A repeated crash stops the restarts and says so. After a generation, no llama.cpp or
ggml library is mapped into the server process: native model code lives only in the model
process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import psutil
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import ROOT, SERVER_COMMAND, initialize_params, server_env
from tests.generation.lsp_util import Doc, actions, until

pytestmark = pytest.mark.model
OPTIONS = {
    "generate": {"maxTokens": 200, "timeBudgetS": 600},
    "model": {"nThreads": 1, "nCtx": 2048},
}
LONG = "# nl: write a long tutorial about sorting algorithms with code\n"
RUNNABLE = "total = sum(range(101))\nprint(total)\n"
NATIVE = ("libllama", "libggml", "ggml-", "xllamacpp", "llama_cpp", "ctransformers")


def _with_status(client: LanguageClient) -> None:
    statuses: list[dict[str, Any]] = []

    @client.feature("prosepy/modelStatus")
    def on_status(params: Any) -> None:
        statuses.append({k: getattr(params, k) for k in ("state", "detail", "tokens")})

    client.statuses = statuses  # type: ignore[attr-defined]


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def real(lsp_client: LanguageClient):
    _with_status(lsp_client)
    await lsp_client.initialize_session(initialize_params(OPTIONS))
    yield
    await lsp_client.shutdown_session()


def model_processes() -> list[psutil.Process]:
    """This test's model processes (children of the server it started)."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if "prosepy.server.models.worker" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            continue
    return found


async def the_model_process() -> psutil.Process:
    for _ in range(600):
        procs = [p for p in model_processes() if p.is_running() and p.status() != "zombie"]
        if len(procs) == 1:
            return procs[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected one model process, found {model_processes()}")


async def still_serving(client: LanguageClient, doc: Doc) -> None:
    """A hover and a run both answer, with real content."""
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=doc.uri),
                position=types.Position(line=0, character=9),  # `sum`
            )
        ),
        30,
    )
    assert hover is not None and "sum" in str(hover.contents)
    result = await asyncio.wait_for(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="prosepy.runFile", arguments=[{"uri": doc.uri}])
        ),
        60,
    )
    assert result is not None and result["ok"] and result["stdout"] == "5050\n", result


async def generate(client: LanguageClient, doc: Doc, msg_id: str) -> asyncio.Future[Any]:
    (action,) = await actions(client, doc, 0)
    return asyncio.ensure_future(
        client.protocol.send_request_async(types.CODE_ACTION_RESOLVE, action, msg_id=msg_id)
    )


async def headline_works(client: LanguageClient) -> None:
    doc = Doc(client, "headline-after.py", "# nl: 计算 1 到 100 的和\n")
    (action,) = await actions(client, doc, 0)
    resolved = await asyncio.wait_for(client.code_action_resolve_async(action), 300)
    assert resolved.edit is not None, [m.message for m in client.messages]
    assert doc.apply(resolved.edit)
    proc = await asyncio.create_subprocess_exec(
        "python3", "-c", doc.text, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    assert "5050" in out.decode().split(), doc.text


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGKILL], ids=["SIGSEGV", "SIGKILL"])
async def test_model_process_killed_mid_generation(real: LanguageClient, sig: signal.Signals):
    runnable = Doc(real, f"runnable-{sig.name}.py", RUNNABLE)
    long = Doc(real, f"long-{sig.name}.py", LONG)
    statuses = real.statuses  # type: ignore[attr-defined]
    pending = await generate(real, long, f"gen-{sig.name}")
    await until(lambda: any((s["tokens"] or 0) >= 3 for s in statuses), timeout=300)
    victim = await the_model_process()
    await still_serving(real, runnable)  # while the model generates
    os.kill(victim.pid, sig)
    await still_serving(real, runnable)  # right after the crash
    resolved = await asyncio.wait_for(pending, 60)
    assert resolved.edit is None  # nothing half-made was inserted
    shown = [m.message for m in real.messages if sig.name in m.message]
    assert shown, [m.message for m in real.messages]
    assert f"pid {victim.pid}" in shown[0] and "prosepy doctor" in shown[0]
    error = next(s for s in statuses if s["state"] == "error")
    assert sig.name in error["detail"] and "restarting it" in error["detail"]
    await until(lambda: "restarted after " + sig.name in statuses[-1]["detail"], timeout=120)
    replacement = await the_model_process()
    assert replacement.pid != victim.pid
    await still_serving(real, runnable)
    await headline_works(real)


async def test_no_native_model_library_in_the_server(real: LanguageClient) -> None:
    await headline_works(real)
    worker = await the_model_process()
    server = worker.parent()
    assert server is not None and "prosepy.server" in " ".join(server.cmdline())
    server_maps = Path(f"/proc/{server.pid}/maps").read_text()
    worker_maps = Path(f"/proc/{worker.pid}/maps").read_text()
    assert any(name in worker_maps for name in NATIVE)  # the check would see them
    assert [ln for ln in server_maps.splitlines() if any(n in ln for n in NATIVE)] == []


FAKE_RUNTIME = '''
"""A runtime that aborts when it loads a model, the first time only; then the real one."""
import os, sys

MARK = os.environ["PROSEPY_TEST_ABORT_MARK"]
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.exists(MARK):
    open(MARK, "w").close()

    class _Params:
        def __getattr__(self, name):
            value = _Params()
            object.__setattr__(self, name, value)
            return value

    CommonParams = _Params

    def get_system_info():
        return "CPU : AVX = 1 | AVX2 = 1 | FMA = 1 |"

    class Server:
        def __init__(self, params):
            os.abort()
else:
    import importlib

    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    del sys.modules[__name__]
    sys.modules[__name__] = importlib.import_module(__name__)
'''


def _aborting_runtime() -> dict[str, str]:
    """A fake ``xllamacpp`` first on the model process's path (made once per test session)."""
    root = Path(tempfile.mkdtemp(prefix="prosepy-abort-"))
    package = root / "fake" / "xllamacpp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(FAKE_RUNTIME))
    return {
        "PYTHONPATH": f"{package.parent}{os.pathsep}{ROOT}",
        "PROSEPY_TEST_ABORT_MARK": str(root / "aborted-once"),
    }


ABORTING = _aborting_runtime()


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env(**ABORTING))
)
async def aborting(lsp_client: LanguageClient):
    _with_status(lsp_client)
    await lsp_client.initialize_session(initialize_params(OPTIONS))
    yield
    await lsp_client.shutdown_session()


async def test_runtime_that_aborts_at_load(aborting: LanguageClient) -> None:
    client = aborting
    statuses = client.statuses  # type: ignore[attr-defined]
    runnable = Doc(client, "runnable-abort.py", RUNNABLE)
    first = Doc(client, "first.py", "# nl: 计算 1 到 100 的和\n")
    pending = await generate(client, first, "gen-abort")
    await still_serving(client, runnable)
    resolved = await asyncio.wait_for(pending, 120)
    assert resolved.edit is None
    assert Path(ABORTING["PROSEPY_TEST_ABORT_MARK"]).exists()  # it did abort
    shown = [m.message for m in client.messages if "SIGABRT" in m.message]
    assert shown and "while loading" in shown[0], [m.message for m in client.messages]
    await until(lambda: "restarted after SIGABRT" in statuses[-1]["detail"], timeout=120)
    await still_serving(client, runnable)
    await headline_works(client)
