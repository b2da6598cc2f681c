"""The structured result of one run, shared by the CLI, the LSP adapters and tests.

``to_protocol`` gives the ``prosepy/runResult`` payload (documented in
``server/lsp/features/run.py``); ``render_text`` is what ``prosepy run`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prosepy.server.sandbox.views import RunViews


@dataclass
class LineValue:
    """A value shown at the end of a document line (0-based)."""

    line: int
    text: str  # "→ 5050", short enough for an inlay hint
    full: str = ""  # the whole repr (capped), for hover


@dataclass
class RunError:
    type: str
    message: str
    line: int | None  # 0-based document line that raised, when known
    traceback: str = ""


@dataclass
class RunResult:
    ok: bool
    duration_ms: float
    lines: list[LineValue] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    #: bytes of output dropped beyond ``run.outputBytes``
    output_dropped: int = 0
    error: RunError | None = None
    session_restarted: bool = False
    #: plain sentences for the user: state lost, output truncated, document folder not shared
    notes: list[str] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    strength: str = "weak"
    unrestricted: list[str] = field(default_factory=list)
    mode: str = "session"
    #: document lines the snippet covered (0-based, inclusive)
    first_line: int = 0
    last_line: int = 0
    #: loop histories, figures, table previews and the session's variables (``views.py``)
    views: RunViews = field(default_factory=RunViews)

    def to_protocol(self, uri: str, version: int | None) -> dict[str, Any]:
        error = None
        if self.error is not None:
            error = {
                "type": self.error.type,
                "message": self.error.message,
                "line": self.error.line,
                "traceback": self.error.traceback,
            }
        return {
            "uri": uri,
            "version": version,
            "ok": self.ok,
            "durationMs": round(self.duration_ms, 2),
            "lines": [{"line": v.line, "text": v.text, "full": v.full} for v in self.lines],
            "stdout": self.stdout,
            "stderr": self.stderr,
            "outputDropped": self.output_dropped,
            "error": error,
            "sessionRestarted": self.session_restarted,
            "notes": list(self.notes),
            "layers": list(self.layers),
            "strength": self.strength,
            "unrestricted": list(self.unrestricted),
            "mode": self.mode,
            "range": {"firstLine": self.first_line, "lastLine": self.last_line},
            "images": [i.to_protocol() for i in self.views.images],
            "steps": [s.to_protocol() for s in self.views.steps],
            "tables": [t.to_protocol() for t in self.views.tables],
        }


def render_text(result: RunResult, source_lines: list[str]) -> str:
    """Human-readable: each shown value after its line, then output, error, time, layers."""
    out: list[str] = []
    shown = [(v.line, v.text) for v in result.lines]
    shown += [(s.line, "↻ " + s.text(first=4, last=1)) for s in result.views.steps]
    shown += [(i.line, f"▣ figure {i.width}×{i.height} (--json)") for i in result.views.images]
    for line, text in sorted(shown, key=lambda item: item[0]):
        src = source_lines[line] if 0 <= line < len(source_lines) else ""
        out.append(f"{line + 1:>5} | {src.rstrip()}  {text}")
    if result.stdout:
        out.append("--- stdout ---")
        out.append(result.stdout.rstrip("\n"))
    if result.stderr:
        out.append("--- stderr ---")
        out.append(result.stderr.rstrip("\n"))
    if result.error is not None:
        where = f" (line {result.error.line + 1})" if result.error.line is not None else ""
        out.append(f"--- error{where} ---")
        out.append(
            result.error.traceback.rstrip() or f"{result.error.type}: {result.error.message}"
        )
    out.extend(f"note: {n}" for n in result.notes)
    out.append(
        f"{'ok' if result.ok else 'failed'} in {result.duration_ms:.1f} ms; sandbox "
        f"{result.strength} ({', '.join(result.layers) or 'no layers'})"
    )
    out.extend(f"not restricted: {u}" for u in result.unrestricted)
    return "\n".join(out)
