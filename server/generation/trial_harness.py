"""Runs inside the sandbox: one candidate program, then the user's examples; one JSON report.

This file is not imported by the server: its source is sent as the snippet of a throwaway
sandbox run, after a line binding ``TRIAL`` (the configuration) and before ``main(TRIAL)``.
Standard library only. The program runs in a namespace of its own with its output captured
(capped), so the only thing this run writes to stdout is the report, after ``TRIAL["marker"]``.

The report: the program's error (type, message, 0-based line, traceback, the failing
frame's local values), what each line of the candidate printed or evaluated to, whether the
candidate's lines ran at all (a function body runs only if something calls it), and each
example's outcome.
"""

import ast
import builtins
import io
import json
import linecache
import math
import reprlib
import signal
import sys
import time
import traceback
from typing import Any

SHOW = "__prosepy_trial_show__"
OUTPUT_CAP = 20_000
REPR_CHARS = 200


class _Capped(io.StringIO):
    def write(self, text: str) -> int:
        if self.tell() < OUTPUT_CAP:
            super().write(text[: OUTPUT_CAP - self.tell()])
        return len(text)


def _short(value: Any) -> str:
    r = reprlib.Repr()
    r.maxstring = r.maxother = 120
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 12
    try:
        text = r.repr(value)
    except Exception as exc:
        text = f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= REPR_CHARS else text[: REPR_CHARS - 1] + "…"


def _describe(exc: BaseException, filename: str) -> dict[str, Any]:
    line = None
    local_values: dict[str, str] = {}
    if isinstance(exc, SyntaxError) and exc.filename == filename and exc.lineno:
        line = exc.lineno - 1
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno - 1
            frame = tb.tb_frame
            if frame.f_code.co_name != "<module>":
                local_values = {
                    k: _short(v)
                    for k, v in list(frame.f_locals.items())[:20]
                    if not k.startswith("__")
                }
            else:  # at module level: the names the failing line uses
                local_values = _line_values(frame, linecache.getline(filename, tb.tb_lineno))
        tb = tb.tb_next
    te = traceback.TracebackException.from_exception(exc, limit=30)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if f.filename == filename or not f.filename.startswith("<")]
    )
    text = "".join(te.format())
    if len(text) > 6000:
        text = text[:2000] + "\n…\n" + text[-4000:]
    try:
        message = str(exc)
    except Exception:
        message = ""
    return {
        "type": type(exc).__name__,
        "message": message[:1000],
        "line": line,
        "traceback": text,
        "locals": local_values,
        "filename": getattr(exc, "filename", None) if isinstance(exc, OSError) else None,
    }


def _line_values(frame: Any, line: str) -> dict[str, str]:
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        try:
            tree = ast.parse(line.strip() + "\n    pass")
        except SyntaxError:
            return {}
    names = dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return {
        name: _short(frame.f_globals[name])
        for name in list(names)[:10]
        if name in frame.f_globals and not callable(frame.f_globals[name])
    }


class _Timeout(Exception):
    pass


def _alarm(seconds: float) -> None:
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    except (ValueError, OSError, AttributeError):
        pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Timeout("still running after the time limit for one example")


def _same(got: str, expected: str, value: Any, has_value: bool, ns: dict[str, Any]) -> bool:
    if " ".join(got.split()) == " ".join(expected.split()):
        return True
    if not has_value:
        return False
    try:
        want = ast.literal_eval(expected)
    except Exception:
        try:
            want = eval(compile(expected, "<expected>", "eval"), ns)
        except Exception:
            return False
    return _equal(value, want)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if not (isinstance(a, float) and isinstance(b, float)):
            return False  # doctest tells 2 from 2.0
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        return type(a) is type(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except Exception:
        return False


def _run_example(example: dict[str, Any], ns: dict[str, Any], limit: float) -> dict[str, Any]:
    source, expected = example["source"], example.get("expected")
    out = _Capped()
    saved = sys.stdout
    value: Any = None
    has_value = False
    result: dict[str, Any] = {"label": example["label"], "setup": example.get("setup", False)}
    _alarm(limit)
    try:
        sys.stdout = out
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError:
            tree = None
        if tree is not None:
            value = eval(compile(tree, "<example>", "eval"), ns)
            has_value = True
        else:
            exec(compile(source, "<example>", "exec"), ns)
    except BaseException as exc:  # the example's own failure, or the time limit
        _alarm(0)
        sys.stdout = saved
        last = (expected or "").strip().splitlines()[-1:] or [""]
        if (
            expected
            and expected.lstrip().startswith("Traceback")
            and last[0].startswith(type(exc).__name__)
        ):
            result["passed"] = True
            return result
        result["passed"] = False
        name = "time limit" if isinstance(exc, _Timeout) else type(exc).__name__
        result["got"] = f"raised {name}: {str(exc)[:300]}"
        if isinstance(exc, _Timeout | KeyboardInterrupt):
            result["timeout"] = True
        return result
    finally:
        _alarm(0)
        sys.stdout = saved
    printed = out.getvalue()
    if expected is None:
        result["passed"] = True
        return result
    got = printed
    if has_value and value is not None:
        got += repr(value)
    result["passed"] = _same(got.strip(), expected.strip(), value, has_value, ns)
    result["got"] = got.strip()[:300] if got.strip() else "nothing"
    return result


def _instrument(tree: ast.Module, first: int, last: int) -> None:
    """Top-level expressions and plain assignments in lines [first, last) report their value."""
    body: list[ast.stmt] = []
    for stmt in tree.body:
        body.append(stmt)
        line = (stmt.end_lineno or stmt.lineno) - 1
        if not first <= stmt.lineno - 1 < last:
            continue
        target: ast.expr | None = None
        if isinstance(stmt, ast.Expr):
            body[-1] = ast.copy_location(
                ast.Expr(
                    ast.Call(ast.Name(SHOW, ast.Load()), [ast.Constant(line), stmt.value], [])
                ),
                stmt,
            )
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        elif isinstance(stmt, ast.AugAssign | ast.AnnAssign) and stmt.value is not None:
            target = stmt.target
        if isinstance(target, ast.Name):
            call = ast.Call(
                ast.Name(SHOW, ast.Load()),
                [ast.Constant(line), ast.Name(target.id, ast.Load())],
                [],
            )
            body.append(ast.copy_location(ast.Expr(call), stmt))
    tree.body = body
    ast.fix_missing_locations(tree)


def main(trial: dict[str, Any]) -> None:
    filename, program = trial["filename"], trial["program"]
    first, last = trial["code_lines"]
    lines = program.splitlines(True)
    linecache.cache[filename] = (len(program), None, lines, filename)
    values: dict[int, str] = {}
    printed: dict[int, list[str]] = {}
    ran = {"code": False}
    real_print = builtins.print
    real_stdout = sys.stdout
    out = _Capped()

    def show(line: int, value: Any) -> Any:
        if value is not None:
            values[line] = _short(value)
        return value

    def trial_print(*args: Any, **kwargs: Any) -> None:
        target = kwargs.get("file")
        if target is not None and target is not sys.stdout:
            real_print(*args, **kwargs)
            return
        buffer = io.StringIO()
        real_print(*args, **{**kwargs, "file": buffer})
        text = buffer.getvalue()
        frame: Any = sys._getframe(1)
        line = None
        while frame is not None:  # the module-level statement doing the printing
            if frame.f_code.co_filename == filename and frame.f_code.co_name == "<module>":
                line = frame.f_lineno - 1
            frame = frame.f_back
        if line is not None and first <= line < last:
            printed.setdefault(line, []).append(text)
        sys.stdout.write(text)

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename == filename and code.co_name != "<module>":
            lines_of = [n for _, _, n in code.co_lines() if n is not None]
            if lines_of and any(first < n <= last for n in lines_of):
                ran["code"] = True
                sys.settrace(None)
        return None

    report: dict[str, Any] = {"error": None, "examples": []}
    signal.signal(signal.SIGALRM, _on_alarm)
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__file__": filename,
        "__builtins__": builtins,
    }
    namespace[SHOW] = show
    start = time.perf_counter()
    try:
        tree = ast.parse(program, filename)
        if trial.get("show"):
            _instrument(tree, first, last)
        compiled = compile(tree, filename, "exec", dont_inherit=True)
        in_function = bool(trial.get("in_function"))
        if in_function:
            sys.settrace(tracer)
        builtins.print = trial_print
        sys.stdout = sys.stderr = out
        exec(compiled, namespace)
        if not in_function:
            ran["code"] = True
    except BaseException as exc:  # the candidate's failure (or the sandbox's interrupt)
        report["error"] = _describe(exc, filename)
        if not trial.get("in_function") and (report["error"]["line"] or 0) >= first:
            ran["code"] = True
    finally:
        sys.settrace(None)
        builtins.print = real_print
        sys.stdout = real_stdout
        sys.stderr = sys.__stderr__
    report["seconds"] = round(time.perf_counter() - start, 4)
    if report["error"] is None:
        for example in trial.get("examples", []):
            before = ran["code"]
            if trial.get("in_function"):
                sys.settrace(tracer)
            try:
                outcome = _run_example(example, namespace, float(trial.get("example_s", 2.0)))
            finally:
                sys.settrace(None)
            report["examples"].append(outcome)
            ran["code"] = before or ran["code"]
            if outcome.get("timeout"):
                break
    report["ran"] = ran["code"]
    report["stdout"] = out.getvalue()
    report["values"] = {str(k): v for k, v in values.items()}
    report["printed"] = {str(k): "".join(v) for k, v in printed.items()}
    real_stdout.write(trial["marker"] + json.dumps(report, default=str) + "\n")
    real_stdout.flush()
