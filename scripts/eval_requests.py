#!/usr/bin/env python3
"""Realistic requests through the real server, execution checking on and off, in one run.

Each case of ``request_set.py`` (EN and ZH; module level, functions, methods, loops, data in
variables, standard-library imports) is opened in a server started as an editor would start
it (``python -m prosepy.server`` over stdio), generated with the code action (resolved as
VS Code does), the edit applied, and the file run in a plain subprocess: passed when its
output is the expected one. The same cases go through a server with ``generate.check`` off
and one with it on. Printed: passed/total and median seconds per request (code action to
edit) for each, side by side, with the machine's load average; then every case's outcome.
``--models`` runs the whole set once per model (a bundled model's id or a GGUF path), in the
same run, for choosing the default by measurement; the first model with checking off is the
anchor of the ratios. ``--modes off,alone,on`` adds checking without the fallback model
(``model.fallback``), which ``on`` asks where the checked code still fails.

    .venv/bin/python scripts/eval_requests.py [--only NAME,...] [--settings JSON]
        [--modes off,alone,on] [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b] [--out FILE.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from drive import ServerClient, last_line, run_file, start_server  # noqa: E402
from request_set import CASES, Case  # noqa: E402

DEFAULT_MODEL = "configured model"


def apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    edits: list[Any] = []
    if edit.document_changes:
        for change in edit.document_changes:
            edits.extend(change.edits)  # type: ignore[union-attr]
    elif edit.changes:
        edits = list(edit.changes[uri])
    lines = text.splitlines(keepends=True)

    def offset(pos: types.Position) -> int:
        return sum(len(line) for line in lines[: pos.line]) + pos.character

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


def run(text: str, folder: Path) -> tuple[str, str]:
    path = folder / "case.py"
    path.write_text(text, encoding="utf-8")
    proc = run_file(path, folder, 20)
    if proc is None:
        return "", "timeout"
    return proc.stdout, last_line(proc.stderr)


def same(out: str, expected: tuple[str, ...]) -> bool:
    got = [line.strip() for line in out.strip().splitlines()]
    return any(got == [line.strip() for line in want.splitlines()] for want in expected)


async def evaluate(case: Case, client: ServerClient, folder: Path) -> dict[str, Any]:
    uri = (folder / f"{case.name}.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=case.text)
        )
    )
    start = time.monotonic()
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(case.line, 0), types.Position(case.line, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["quickfix.prosepy.generate"]),
        )
    )
    actions = [a for a in found or [] if isinstance(a, types.CodeAction)]
    record: dict[str, Any] = {"name": case.name, "where": case.where, "lang": case.language}
    if not actions:
        return {**record, "passed": False, "why": "no action", "seconds": 0.0}
    resolved = await client.code_action_resolve_async(actions[0])
    seconds = time.monotonic() - start
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    end = client.progress_ends[-1] if client.progress_ends else ""
    if resolved.edit is None:
        why = client.messages[-1] if client.messages else "no edit"
        return {**record, "passed": False, "why": why, "seconds": seconds, "progress": end}
    text = apply(case.text, resolved.edit, uri)
    out, err = run(text, folder)
    ok = same(out, case.expected)
    return {
        **record,
        "passed": ok,
        "why": "" if ok else (err or f"printed {out.strip()[:80]!r}"),
        "seconds": seconds,
        "progress": end,
        "code": text,
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument(
        "--modes",
        default="off,on",
        help="off: no checking; on: checking, and the fallback model where it fails "
        "(model.fallback); alone: checking without the fallback model",
    )
    parser.add_argument("--settings", default="{}", help="more prosepy settings as JSON")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--models", default="", help="comma-separated model ids or GGUF paths (default: configured)"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    cases = [c for c in CASES if not args.only or c.name in args.only.split(",")]
    extra = json.loads(args.settings)
    load = os.getloadavg()
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    out = args.out.open("w", encoding="utf-8") if args.out else None
    models = [m for m in args.models.split(",") if m] or [extra.get("model", {}).get("path", "")]
    for model in models:
        for mode in args.modes.split(","):
            options = {
                "model": {"nThreads": args.threads, **extra.get("model", {}), "path": model},
                "generate": {
                    "maxTokens": 384,
                    "timeBudgetS": 600,
                    "check": mode != "off",
                    **extra.get("generate", {}),
                },
            }
            if mode == "alone":  # checking on, no fallback model
                options["model"]["fallback"] = ""
            records = await run_cases(cases, options, mode, out)
            results[(model or DEFAULT_MODEL, mode)] = records
    print(
        f"\n{len(cases)} requests, {args.threads} thread(s); load average at "
        f"start {load[0]:.2f}, at end {os.getloadavg()[0]:.2f}\n"
    )
    print(table(results))
    return 0


def table(results: dict[tuple[str, str], list[dict[str, Any]]]) -> str:
    """passed/total and median seconds per model and checking mode; ratios to the first row."""
    lines = [
        "| model | checking | passed | median s/request | vs first row |",
        "|---|---|---|---|---|",
    ]
    base = 0.0
    for (model, mode), records in results.items():
        passed = sum(r["passed"] for r in records)
        median = statistics.median([r["seconds"] for r in records] or [0.0])
        base = base or median
        ratio = f"{median / base:.2f}x" if base else "—"
        lines.append(f"| {model} | {mode} | {passed}/{len(records)} | {median:.1f} | {ratio} |")
    for where in ("module", "loop", "function", "method"):
        parts = []
        for (model, mode), records in results.items():
            subset = [r for r in records if r["where"] == where]
            parts.append(f"{model} {mode} {sum(r['passed'] for r in subset)}/{len(subset)}")
        lines.append(f"- {where}: " + ", ".join(parts))
    return "\n".join(lines)


async def run_cases(
    cases: list[Case], options: dict[str, Any], mode: str, out: Any
) -> list[dict[str, Any]]:
    """Every case through one server started with ``options``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    client = await start_server("eval-requests", env, options)
    folder = Path(tempfile.mkdtemp(prefix=f"prosepy-requests-{mode}-"))
    label = options["model"]["path"] or DEFAULT_MODEL
    records = []
    try:
        for case in cases:
            record = await evaluate(case, client, folder)
            record["mode"] = mode
            record["model"] = label
            records.append(record)
            mark = "pass" if record["passed"] else "FAIL"
            print(
                f"[{label[-4:]} {mode:3}] {case.name:14} {mark} {record['seconds']:6.1f} s  "
                f"{record.get('progress', '')[:60]}  {record['why'][:70]}",
                flush=True,
            )
            if out is not None:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return records


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
