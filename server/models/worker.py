"""The model process: ``python -m prosepy.server.models.worker`` hosts one loaded model.

Native model code (llama.cpp, ctransformers) can crash, abort or hang on a CPU unlike the
one it was built for; it runs here, never in the language server, so a crash costs only
this process. The parent (``process.ModelProcess``) talks to it in JSON lines:

parent -> worker (stdin)::

    {"op": "load", "settings": {...ModelSettings...}}
    {"op": "generate", "id": 7, "request": {...GenerationRequest...}}
    {"op": "cancel", "id": 7}
    {"op": "close"}

worker -> parent (the original stdout; fd 1 is pointed at stderr so that native code that
prints cannot corrupt the protocol)::

    {"ev": "loaded", "name": ..., "runtime": ..., "features": [...], "load_s": ...}
    {"ev": "token", "id": 7, "text": "..."}
    {"ev": "done", "id": 7, "result": {...GenerationResult...}}
    {"ev": "error", "id": 7 | null, "message": ..., "fix": ...}

Generations run on their own threads, so a cancel is read while tokens flow; runtimes that
batch concurrent requests (``concurrent = True``) get them at once, others one at a time.
End of stdin (the parent died) ends the process.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import sys
import threading
import time
from typing import IO, Any

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import (
    Backend,
    CancelToken,
    ChatMessage,
    GenerationRequest,
    ModelError,
)


class Worker:
    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.write_lock = threading.Lock()
        self.backend: Backend | None = None
        self.serial = threading.Lock()  # for runtimes that take one request at a time
        self.cancels: dict[int, CancelToken] = {}

    def send(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, ensure_ascii=False)
        with self.write_lock:
            self.out.write(line + "\n")
            self.out.flush()

    def load(self, raw: dict[str, Any]) -> None:
        from prosepy.server.models.loader import load_backend

        start = time.monotonic()
        try:
            self.backend = load_backend(ModelSettings(**raw))
        except ModelError as exc:
            self.send({"ev": "error", "id": None, "message": exc.message, "fix": exc.fix})
            return
        except Exception as exc:  # a runtime's surprise: still a message, not a crash
            self.send({"ev": "error", "id": None, "message": f"loading failed: {exc!r}",
                       "fix": "run `prosepy doctor`"})  # fmt: skip
            return
        self.send({
            "ev": "loaded",
            "name": self.backend.name,
            "runtime": getattr(self.backend, "runtime", type(self.backend).__name__),
            "features": getattr(self.backend, "features", []),
            "concurrent": bool(getattr(self.backend, "concurrent", False)),
            "load_s": time.monotonic() - start,
        })  # fmt: skip

    def generate(self, rid: int, raw: dict[str, Any]) -> None:
        cancel = self.cancels.setdefault(rid, CancelToken())
        try:
            backend = self.backend
            if backend is None:
                raise ModelError("no model is loaded in the model process")
            raw = dict(raw)
            raw["messages"] = [ChatMessage(**m) for m in raw["messages"]]
            request = GenerationRequest(**raw)

            def on_token(piece: str) -> None:
                self.send({"ev": "token", "id": rid, "text": piece})

            if getattr(backend, "concurrent", False):
                result = backend.generate(request, cancel, on_token)
            else:
                with self.serial:
                    result = backend.generate(request, cancel, on_token)
            self.send({"ev": "done", "id": rid, "result": dataclasses.asdict(result)})
        except ModelError as exc:
            self.send({"ev": "error", "id": rid, "message": exc.message, "fix": exc.fix})
        except Exception as exc:
            self.send({"ev": "error", "id": rid, "message": f"generation failed: {exc!r}",
                       "fix": "see the server log"})  # fmt: skip
        finally:
            self.cancels.pop(rid, None)

    def serve(self, commands: IO[str]) -> None:
        for line in commands:
            try:
                command = json.loads(line)
            except ValueError:
                continue
            op = command.get("op")
            if op == "load":
                self.load(command["settings"])
            elif op == "generate":
                rid = int(command["id"])
                self.cancels[rid] = CancelToken()
                threading.Thread(
                    target=self.generate, args=(rid, command["request"]), daemon=True
                ).start()
            elif op == "cancel":
                token = self.cancels.get(int(command["id"]))
                if token is not None:
                    token.cancel()
            elif op == "close":
                break


def main() -> int:
    # The protocol keeps the real stdout; anything else printing to fd 1 lands on stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    worker = Worker(out)
    worker.send({"ev": "ready", "pid": os.getpid()})
    worker.serve(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"))
    # Leave without running native destructors: they can hang (xllamacpp's loop join), and
    # the kernel returns every byte of the model's memory at exit anyway.
    out.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
