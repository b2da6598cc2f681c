"""Explain the code at a position: find the statement and the innermost construct there.

``parse`` does the expensive work once per text (the hover caches it per document
version); ``explain_at`` is then cheap. Lines are 1-based, columns 0-based in characters.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from prosepy.explain import blocks, calls, defs, expr, pitfalls  # noqa: F401  (defs registers def/class)
from prosepy.explain.core import Ctx, code, sentence
from prosepy.explain.module import ModuleFacts, analyse

_NEWLINE = re.compile(r"\r\n|\r|\n")
_MEANINGFUL = (
    ast.Call,
    ast.BinOp,
    ast.BoolOp,
    ast.UnaryOp,
    ast.IfExp,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Subscript,
    ast.JoinedStr,
    ast.Compare,
    ast.NamedExpr,
    ast.Await,
    ast.Starred,
    ast.List,
    ast.Dict,
    ast.Tuple,
)


@dataclass
class Parsed:
    source: str
    lines: list[str]
    tree: ast.Module
    facts: ModuleFacts


@dataclass
class Explanation:
    """What hover shows, in parts so callers can lay it out."""

    statement: str
    construct: str | None = None
    pitfalls: list[str] = field(default_factory=list)
    language: str = "en"

    def markdown(self) -> str:
        parts = [p for p in (self.construct, self.statement) if p]
        text = "\n\n".join(parts)
        if self.pitfalls:
            label = "**注意：**" if self.language == "zh" else "**Watch out:**"
            text += "\n\n" + "\n".join(f"- ⚠️ {label} {p}" for p in self.pitfalls)
        return text


def parse(source: str) -> Parsed | None:
    """Parse and analyse a module; None when it does not parse."""
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like: not ours to say
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return Parsed(source, split_lines(source), tree, analyse(tree))


def split_lines(source: str) -> list[str]:
    """Lines as the parser counts them (str.splitlines also splits at form feeds and more)."""
    return _NEWLINE.split(source)


def _start(s: ast.stmt) -> int:
    decorators = getattr(s, "decorator_list", None) or []
    return min([s.lineno] + [d.lineno for d in decorators])


def _child_blocks(s: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        block = getattr(s, name, None)
        if block:
            yield block
    for h in getattr(s, "handlers", None) or []:
        yield h.body
    for c in getattr(s, "cases", None) or []:
        yield c.body


def find_path(stmts: list[ast.stmt], line: int) -> list[ast.stmt]:
    """Statements from the outermost to the innermost one whose lines include ``line``."""
    for s in stmts:
        if _start(s) <= line <= (s.end_lineno or s.lineno):
            for block in _child_blocks(s):
                inner = find_path(block, line)
                if inner:
                    return [s] + inner
            return [s]
    return []


def _part(s: ast.stmt, line: int, lines: list[str]) -> object:
    """Which clause of ``s`` the line is on: "header", "else", "finally", "elif", handler, case."""
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    body = getattr(s, "body", None)
    if isinstance(s, ast.Match):
        body = [c.body[0] for c in s.cases]
    if not body or line < (
        s.cases[0].pattern.lineno if isinstance(s, ast.Match) else _start(body[0])
    ):
        if isinstance(s, ast.If) and lines[s.lineno - 1].lstrip().startswith("elif"):
            return "elif"
        return "header"
    for h in getattr(s, "handlers", None) or []:
        if h.lineno <= line < _start(h.body[0]):
            return h
    for c in getattr(s, "cases", None) or []:
        if c.pattern.lineno <= line < _start(c.body[0]):
            return c
    if text.startswith("else"):
        return "else"
    if text.startswith("finally"):
        return "finally"
    return None


def _part_text(s: ast.stmt, part: object, ctx: Ctx) -> str:
    if part == "elif":
        assert isinstance(s, ast.If)
        return blocks.if_(s, ctx, elif_=True)
    if isinstance(part, ast.ExceptHandler):
        return ctx.t(
            "handles {w} raised in the `try` block: {b}",
            "处理 `try` 块中发生的{w}：{b}",
            w=blocks.handler_what(part, ctx),
            b=blocks.summary(part.body, ctx),
        )
    if isinstance(part, ast.match_case):
        assert isinstance(s, ast.Match)
        return code(s.subject) + ctx.t(": ", "：") + blocks.case_text(part, ctx)
    if part == "finally":
        return ctx.t(
            "always runs when the `try` block is left (normally, by an exception or by "
            "`return`): {b}",
            "离开 `try` 块时（正常结束、发生异常或 `return`）总会执行：{b}",
            b=blocks.summary(getattr(s, "finalbody", []), ctx),
        )
    orelse: list[ast.stmt] = getattr(s, "orelse", [])
    if isinstance(s, ast.If):
        return ctx.t(
            "otherwise (when the conditions above are all false), {b}",
            "否则（上面的条件都不成立时），{b}",
            b=blocks.summary(orelse, ctx),
        )
    if isinstance(s, ast.Try | ast.TryStar):
        return ctx.t(
            "runs only if the `try` block raised no exception: {b}",
            "仅当 `try` 块没有发生异常时执行：{b}",
            b=blocks.summary(orelse, ctx),
        )
    return ctx.t(
        "runs after the loop ends without `break`: {b}",
        "循环没有被 `break` 中断而结束后执行：{b}",
        b=blocks.summary(orelse, ctx),
    )


def _byte_col(line_text: str, col: int) -> int:
    return len(line_text[:col].encode("utf-8"))


def innermost(stmt: ast.stmt, line: int, bcol: int, ctx: Ctx) -> tuple[ast.AST, str] | None:
    """The smallest expression around the position that has something to say, with its words."""
    found: list[tuple[int, int, ast.AST]] = []
    for node in pitfalls.own_nodes(stmt):
        if not isinstance(node, _MEANINGFUL) or not hasattr(node, "end_lineno"):
            continue
        if isinstance(getattr(node, "ctx", None), ast.Store | ast.Del):
            continue  # an assignment target is explained by the statement
        start, end = (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)
        if start <= (line, bcol) < end:
            found.append(
                (
                    (node.end_lineno or 0) - node.lineno,
                    (node.end_col_offset or 0) - node.col_offset,
                    node,
                )
            )
    for _, _, node in sorted(found, key=lambda f: (f[0], f[1])):
        words = expr.describe(node, ctx)
        if words is None and isinstance(node, ast.Call):
            words = calls.generic(node, ctx)[0]
        if words is not None:
            return node, words + _star_note(node, ctx)
    return None


def _star_note(node: ast.AST, ctx: Ctx) -> str:
    if not isinstance(node, ast.Call):
        return ""
    notes = [
        ctx.t(
            "{s} passes the items of {x} as separate positional arguments",
            "{s} 把 {x} 的各项作为单独的位置参数传入",
            s=code(a),
            x=code(a.value),
        )
        for a in node.args
        if isinstance(a, ast.Starred)
    ]
    notes += [
        ctx.t(
            "{s} passes the entries of {x} as keyword arguments",
            "{s} 把 {x} 的各条目作为关键字参数传入",
            s=code("**" + ast.unparse(k.value)),
            x=code(k.value),
        )
        for k in node.keywords
        if k.arg is None
    ]
    return ctx.t(" ({n})", "（{n}）", n=ctx.join(notes)) if notes else ""


def explain_at(
    source: str | Parsed, line: int, col: int, language: str = "en"
) -> Explanation | None:
    """Explain the code at 1-based ``line``, 0-based character ``col``; None on blank lines."""
    parsed = parse(source) if isinstance(source, str) else source
    if parsed is None:
        assert isinstance(source, str)
        return explain_fragment(source, line, col, language)
    lines = parsed.lines
    if (
        not 0 < line <= len(lines)
        or not lines[line - 1].strip()
        or lines[line - 1].lstrip().startswith("#")
    ):
        return None
    path = find_path(parsed.tree.body, line)
    if not path:
        return None
    stmt = path[-1]
    ctx = parsed.facts.ctx(language)
    part = _part(stmt, line, lines)
    if part is None:
        return None
    if part == "header" or part == "elif":
        statement = sentence(
            _part_text(stmt, part, ctx) if part == "elif" else blocks.clause(stmt, ctx), ctx
        )
        found = innermost(stmt, line, _byte_col(lines[line - 1], col), ctx)
        construct = None
        if found is not None:
            node, words = found
            if words not in statement and node is not getattr(stmt, "value", None):
                construct = sentence(f"{code(node)}: {words}", ctx)
        warnings = [sentence(p, ctx) for p in pitfalls.find(stmt, ctx)]
        return Explanation(statement, construct, warnings, language)
    return Explanation(sentence(_part_text(stmt, part, ctx), ctx), None, [], language)


def explain_fragment(source: str, line: int, col: int, language: str) -> Explanation | None:
    """A document that does not parse (mid-edit): explain the cursor's line on its own."""
    lines = split_lines(source)
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    indent = len(text) - len(text.lstrip())
    fragment = stripped + ("\n    pass" if stripped.endswith(":") else "")
    if stripped.startswith(("elif ", "else", "except", "finally")):
        return None
    parsed = parse(textwrap.dedent(fragment))
    if parsed is None:
        return None
    parsed.facts.bodies = False  # the placeholder body must not be described
    result = explain_at(parsed, 1, max(0, col - indent), language)
    if result is None:
        return None
    note = (
        "（文件目前有语法错误，只分析了这一行。）"
        if language == "zh"
        else " (The file does not parse right now, so only this line was read.)"
    )
    return replace(result, statement=result.statement + note)


def every_statement(tree: ast.Module) -> Iterator[ast.stmt]:
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            yield node
