"""Fit a ``Draft`` into a document: indentation, import hoisting, the edits, the parse check.

Placement is pure and cheap, so it is redone against the current text whenever the
document changed while the model was writing (re-anchoring to the request comment).
Edits use 0-based lines and characters of the text they were computed against.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field

from prosepy.server.generation.clean import Draft, bound_name, indent, missing_imports
from prosepy.server.generation.context import with_placeholder
from prosepy.server.generation.requests import NlRequest
from prosepy.server.lines import line_texts, split_lines


@dataclass(frozen=True)
class Edit:
    start_line: int
    start_char: int
    end_line: int
    end_char: int
    text: str


@dataclass
class Placement:
    edits: list[Edit] = field(default_factory=list)
    new_text: str = ""
    #: Lines of the inserted code in ``new_text`` (0-based, end exclusive).
    code_start: int = 0
    code_end: int = 0
    code_lines: list[str] = field(default_factory=list)
    imports_added: list[str] = field(default_factory=list)
    #: Set when the file would not parse after insertion: "line N: message".
    error: str | None = None


def _import_keys(node: ast.Import | ast.ImportFrom) -> set[tuple[str, str, str]]:
    module = ""
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
    return {(module, a.name, a.asname or "") for a in node.names}


def _import_node(statement: str) -> ast.Import | ast.ImportFrom:
    """The node of one import statement (drafts and hoisted imports are nothing else)."""
    node = ast.parse(statement).body[0]
    assert isinstance(node, ast.Import | ast.ImportFrom)
    return node


def _existing_imports(tree: ast.Module | None, lines: list[str]) -> set[tuple[str, str, str]]:
    keys: set[tuple[str, str, str]] = set()
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and node.col_offset == 0:
                keys |= _import_keys(node)
        return keys
    for line in lines:
        if line.startswith(("import ", "from ")):
            try:
                parsed = ast.parse(line.strip())
            except SyntaxError:
                continue
            node = parsed.body[0]
            if isinstance(node, ast.Import | ast.ImportFrom):
                keys |= _import_keys(node)
    return keys


def _import_line(tree: ast.Module | None, lines: list[str]) -> int:
    """Where new imports go: after the file's leading imports (or docstring, or shebang)."""
    line = 1 if lines and lines[0].startswith("#!") else 0
    if line < len(lines) and lines[line].startswith("#") and "coding" in lines[line]:
        line += 1
    if tree is None:
        last = None
        for i, text in enumerate(lines):
            if text.startswith(("import ", "from ")):
                last = i
            elif text.strip() and not text.startswith(("#", " ", "\t")) and last is not None:
                break
        return last + 1 if last is not None else line
    body = list(tree.body)
    after = line
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            after = body[0].end_lineno or body[0].lineno
            body = body[1:]
    for node in body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        after = node.end_lineno or node.lineno
    return after


def _bound_names(tree: ast.Module | None, text: str) -> set[str]:
    """Every name the file binds anywhere (an over-approximation is harmless here)."""
    if tree is None:
        return set(re.findall(r"[A-Za-z_]\w*", text))
    return {name for node in ast.walk(tree) if (name := bound_name(node)) is not None}


def _apply(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (positions in ``text``) and return the new text."""
    lines = split_lines(text)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(line: int, char: int) -> int:
        if line >= len(lines):
            return len(text)
        return offsets[line] + char

    out = text
    for edit in sorted(edits, key=lambda e: (e.start_line, e.start_char), reverse=True):
        start = offset(edit.start_line, edit.start_char)
        end = offset(edit.end_line, edit.end_char)
        out = out[:start] + edit.text + out[end:]
    return out


def apply_edits(text: str, edits: list[Edit]) -> str:
    return _apply(text, edits)


def _parses(source: str) -> SyntaxError | None:
    """``ast.parse`` plus the compiler's checks (``return`` outside a function...)."""
    try:
        compile(source, "<generated>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except ValueError as exc:  # e.g. a NUL byte
        return SyntaxError(str(exc))
    return None


def _still_parses(lines: list[str], request: NlRequest) -> bool:
    """Whether the text as it is now parses: the user may have typed half a line meanwhile,
    and then only the generated code itself can be checked."""
    try:
        ast.parse(with_placeholder(lines, request))
    except (SyntaxError, ValueError):
        return False
    return True


def place(
    text: str,
    request: NlRequest,
    draft: Draft,
    whole_file_parses: bool,
    replace: tuple[int, int] | None = None,
) -> Placement:
    """Edits inserting ``draft`` below ``request`` in ``text`` (or replacing lines ``replace``)."""
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = line_texts(text)
    try:
        tree: ast.Module | None = ast.parse(text)
    except SyntaxError:
        tree = None
    code = indent(draft.code, request.indent)
    code_lines = code.split("\n")
    block = eol.join(code_lines) + eol

    have = _existing_imports(tree, lines)
    added: list[str] = []
    known = _bound_names(tree, text) | {
        (a.asname or a.name).split(".")[0]
        for statement in draft.imports
        for a in _import_node(statement).names
    }
    for statement in [*draft.imports, *missing_imports(draft.code, known)]:
        keys = _import_keys(_import_node(statement))
        if not keys <= have and statement not in added:
            added.append(statement)
            have |= keys
    edits: list[Edit] = []
    import_at = _import_line(tree, lines)
    if not request.indent and replace is None:
        import_at = min(import_at, request.start_line)
    if added:
        edits.append(Edit(import_at, 0, import_at, 0, eol.join(added) + eol))

    if replace is not None:
        start, end = replace
        edits.append(Edit(start, 0, end, 0, block))
        insert_line = start
    else:
        insert_line = request.end_line + 1
        if insert_line >= len(lines) and not text.endswith(("\n", "\r")):
            last = len(lines) - 1
            edits.append(
                Edit(last, len(lines[last]), last, len(lines[last]), eol + block.rstrip("\r\n"))
            )
        else:
            edits.append(Edit(insert_line, 0, insert_line, 0, block))
    shift = len(added) if added and import_at <= insert_line else 0
    placement = Placement(
        edits=edits,
        new_text=_apply(text, edits),
        code_start=insert_line + shift,
        code_end=insert_line + shift + len(code_lines),
        code_lines=code_lines,
        imports_added=added,
    )
    if whole_file_parses and _still_parses(lines, request):
        error = _parses(placement.new_text)
        if error is not None:
            where = (error.lineno or 1) - 1 - placement.code_start
            near = f"line {where + 1} of your code" if 0 <= where < len(code_lines) else "near it"
            placement.error = f"{error.msg} ({near})"
    else:
        # The file has errors of its own elsewhere: check the snippet by itself.
        wrapped = "def __snippet__():\n" + textwrap.indent(draft.code, "    ") + "\n"
        error = _parses("\n".join(added) + "\n" + wrapped)
        if error is not None:
            placement.error = (
                f"{error.msg} (line {max(1, (error.lineno or 2) - 1 - len(added))} of your code)"
            )
    return placement
