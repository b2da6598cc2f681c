"""Compound statements in words; a block's header sentence summarises its body.

Bodies are summarised to a small depth: the first statements are described in full and
the rest are counted, and blocks nested deeper than that are only named.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prosepy.explain import expr, loops, simple
from prosepy.explain.core import Ctx, code

BODY_STATEMENTS = 3
MAX_DEPTH = 2
_LABEL = {
    ast.If: "if",
    ast.For: "for",
    ast.AsyncFor: "async for",
    ast.While: "while",
    ast.Try: "try",
    ast.TryStar: "try",
    ast.With: "with",
    ast.AsyncWith: "async with",
    ast.Match: "match",
}


def clause(node: ast.stmt, ctx: Ctx) -> str:
    """What one statement does, as a clause (no capital, no full stop)."""
    handler = simple.SIMPLE.get(type(node)) or _BLOCKS.get(type(node))
    if handler is None:
        return ctx.t("a {k} statement", "一条 {k} 语句", k=code(type(node).__name__))
    return handler(node, ctx)


def summary(body: list[ast.stmt], ctx: Ctx) -> str:
    """The body of a block as clauses joined by "then"."""
    stmts = [
        s
        for s in body
        if not (
            isinstance(s, ast.Expr)
            and isinstance(s.value, ast.Constant)
            and isinstance(s.value.value, str)
        )
    ] or body
    if not ctx.bodies:
        return "…"
    if ctx.depth >= MAX_DEPTH:
        return _count(len(stmts), ctx)
    inner = replace(ctx, depth=ctx.depth + 1)
    parts = []
    for stmt in stmts[:BODY_STATEMENTS]:
        if inner.depth >= MAX_DEPTH and type(stmt) in _LABEL:
            parts.append(
                ctx.t(
                    "runs a nested {k} block", "执行一个嵌套的 {k} 块", k=code(_LABEL[type(stmt)])
                )
            )
        else:
            parts.append(clause(stmt, inner))
    text = ctx.t(", then ", "，然后").join(parts)
    rest = len(stmts) - BODY_STATEMENTS
    if rest > 0:
        text += (
            ctx.t(", and {n} more statements", "，以及另外 {n} 条语句", n=rest)
            if rest > 1
            else ctx.t(", and one more statement", "，以及另外 1 条语句")
        )
    return text


def _count(n: int, ctx: Ctx) -> str:
    return (
        ctx.t("runs {n} statements", "执行 {n} 条语句", n=n)
        if n != 1
        else ctx.t("runs one statement", "执行 1 条语句")
    )


def if_(node: ast.If, ctx: Ctx, elif_: bool = False) -> str:
    test = node.test
    if (
        not elif_
        and isinstance(test, ast.Compare)
        and ast.unparse(test) in ("__name__ == '__main__'", "'__main__' == __name__")
    ):
        text = ctx.t(
            "only when this file is run as a script (not imported), {b}",
            "仅当此文件作为脚本直接运行（而不是被导入）时，{b}",
            b=summary(node.body, ctx),
        )
    else:
        text = ctx.t(
            "if {c}, {b}", "如果{c}，就{b}", c=expr.condition(test, ctx), b=summary(node.body, ctx)
        )
        if elif_:
            text = ctx.t("otherwise, ", "否则，") + text
    orelse = node.orelse
    while orelse:
        if len(orelse) == 1 and isinstance(orelse[0], ast.If) and ctx.depth < MAX_DEPTH:
            branch = orelse[0]
            text += ctx.t(
                "; otherwise, if {c}, {b}",
                "；否则如果{c}，就{b}",
                c=expr.condition(branch.test, ctx),
                b=summary(branch.body, ctx),
            )
            orelse = branch.orelse
        else:
            text += ctx.t("; otherwise, {b}", "；否则{b}", b=summary(orelse, ctx))
            break
    return text


def for_(node: ast.For | ast.AsyncFor, ctx: Ctx) -> str:
    each = loops.each_phrase(node.target, node.iter, ctx)
    asyn = ctx.t(" (asynchronously)", "（异步）") if isinstance(node, ast.AsyncFor) else ""
    text = ctx.t(
        "repeats for {e}{a}: {b}",
        "对{e}{a}重复执行：{b}",
        e=each,
        a=asyn,
        b=summary(node.body, ctx),
    )
    if node.orelse:
        text += ctx.t(
            "; when the loop ends without `break`, it then {b}",
            "；如果循环没有被 `break` 中断，结束后还会{b}",
            b=summary(node.orelse, ctx),
        )
    return text


def while_(node: ast.While, ctx: Ctx) -> str:
    if isinstance(node.test, ast.Constant) and node.test.value is True:
        text = ctx.t(
            "repeats forever (until a `break`, `return` or exception): {b}",
            "不断重复（直到 `break`、`return` 或异常）：{b}",
            b=summary(node.body, ctx),
        )
    else:
        text = ctx.t(
            "repeats while {c}: {b}",
            "当{c}时重复执行：{b}",
            c=expr.condition(node.test, ctx),
            b=summary(node.body, ctx),
        )
    if node.orelse:
        text += ctx.t(
            "; when the condition becomes false (not after `break`), it then {b}",
            "；当条件变为假（而不是因 `break` 退出）时，还会{b}",
            b=summary(node.orelse, ctx),
        )
    return text


def handler_what(handler: ast.ExceptHandler, ctx: Ctx) -> str:
    t = handler.type
    if t is None:
        what = ctx.t("any exception at all", "任何异常")
    elif isinstance(t, ast.Name) and t.id == "Exception" and ctx.is_builtin("Exception"):
        what = ctx.t("any ordinary exception (`Exception`)", "任何普通异常（`Exception`）")
    elif isinstance(t, ast.Tuple):
        what = ctx.t("a {e}", "{e} 异常", e=ctx.join([code(e) for e in t.elts], "or"))
    else:
        what = ctx.t("a {e}", "{e} 异常", e=code(t))
    if handler.name:
        what += ctx.t(" (available as {n})", "（记为 {n}）", n=code(handler.name))
    return what


def try_(node: ast.Try | ast.TryStar, ctx: Ctx) -> str:
    group = isinstance(node, ast.TryStar)
    text = ctx.t("tries the following: {b}", "尝试执行：{b}", b=summary(node.body, ctx))
    for h in node.handlers:
        what = handler_what(h, ctx)
        if group:
            text += ctx.t(
                "; for the part of an exception group that is {w}, {b}",
                "；对于异常组中属于{w}的部分，{b}",
                w=what,
                b=summary(h.body, ctx),
            )
        else:
            text += ctx.t(
                "; if {w} happens there, {b}",
                "；如果其中发生{w}，就{b}",
                w=what,
                b=summary(h.body, ctx),
            )
    if node.orelse:
        text += ctx.t(
            "; if no exception happened, {b}",
            "；如果没有发生异常，{b}",
            b=summary(node.orelse, ctx),
        )
    if node.finalbody:
        text += ctx.t(
            "; in every case it finally {b}",
            "；无论如何最后都会{b}",
            b=summary(node.finalbody, ctx),
        )
    return text


def with_(node: ast.With | ast.AsyncWith, ctx: Ctx) -> str:
    parts, files = [], True
    for item in node.items:
        as_ = code(item.optional_vars) if item.optional_vars is not None else None
        ce = item.context_expr
        is_open = isinstance(ce, ast.Call) and ctx.qualname(ce.func) == "builtins.open"
        files = files and is_open
        what = expr.value(ce, ctx)
        if as_:
            parts.append(ctx.t("{w}, as {a}", "{w}（记为 {a}）", w=what, a=as_))
        else:
            parts.append(what)
    body = summary(node.body, ctx)
    if files:
        return ctx.t(
            "works with {p}: {b}; the file is closed automatically at the end (even after an "
            "error)",
            "使用{p}：{b}；结束时（即使出错）文件会自动关闭",
            p=ctx.join(parts),
            b=body,
        )
    asyn = ctx.t("asynchronously ", "异步") if isinstance(node, ast.AsyncWith) else ""
    return ctx.t(
        "{a}enters the context of {p}, then {b}, and leaves the context at the end (even after "
        "an error), letting it clean up",
        "{a}进入 {p} 的上下文，然后{b}，结束时（即使出错）退出该上下文，由它负责清理",
        a=asyn,
        p=ctx.join(parts),
        b=body,
    )


def pattern(p: ast.pattern, ctx: Ctx) -> str:
    """A match pattern as a predicate about the subject: "equals `1`", "is a `Point`"."""
    if isinstance(p, ast.MatchValue):
        return ctx.t("equals {v}", "等于 {v}", v=code(p.value))
    if isinstance(p, ast.MatchSingleton):
        return ctx.t("is {v}", "是 {v}", v=code(repr(p.value)))
    if isinstance(p, ast.MatchAs):
        if p.pattern is None:
            if p.name is None:
                return ctx.t("is anything (the default case)", "是任意值（默认分支）")
            return ctx.t("is anything, calling it {n}", "是任意值（记为 {n}）", n=code(p.name))
        inner = pattern(p.pattern, ctx)
        return inner + ctx.t(" (calling it {n})", "（记为 {n}）", n=code(p.name or "_"))
    if isinstance(p, ast.MatchOr):
        return ctx.join([pattern(q, ctx) for q in p.patterns], "or")
    if isinstance(p, ast.MatchSequence):
        star = any(isinstance(q, ast.MatchStar) for q in p.patterns)
        n = len(p.patterns) - star
        shape = (
            ctx.t("is a sequence of at least {n} items", "是至少包含 {n} 项的序列", n=n)
            if star
            else ctx.t("is a sequence of exactly {n} items", "是恰好包含 {n} 项的序列", n=n)
        )
        return ctx.t("{s}, matching {p}", "{s}，按 {p} 匹配", s=shape, p=code(ast.unparse(p)))
    if isinstance(p, ast.MatchMapping):
        keys = ctx.join([code(k) for k in p.keys])
        if not keys:
            return ctx.t("is a mapping", "是一个映射")
        return ctx.t(
            "is a mapping with the keys {k}, matching {p}",
            "是包含键 {k} 的映射，按 {p} 匹配",
            k=keys,
            p=code(ast.unparse(p)),
        )
    if isinstance(p, ast.MatchClass):
        text = ctx.t("is an instance of {c}", "是 {c} 的实例", c=code(p.cls))
        if p.patterns or p.kwd_patterns:
            text += ctx.t(" matching {p}", "，按 {p} 匹配", p=code(ast.unparse(p)))
        return text
    return ctx.t("matches {p}", "匹配 {p}", p=code(ast.unparse(p)))


def case_text(case: ast.match_case, ctx: Ctx) -> str:
    text = ctx.t("if it {p}", "如果它{p}", p=pattern(case.pattern, ctx))
    if case.guard is not None:
        text += ctx.t(" and {g}", "并且{g}", g=expr.condition(case.guard, ctx))
    return text + ctx.t(", {b}", "，就{b}", b=summary(case.body, ctx))


def match_(node: ast.Match, ctx: Ctx) -> str:
    cases = node.cases
    head = ctx.t(
        "compares {s} against {n} patterns in order and runs the first that matches: ",
        "依次把 {s} 与 {n} 个模式比较，执行第一个匹配的分支：",
        s=code(node.subject),
        n=len(cases),
    )
    if ctx.depth >= MAX_DEPTH:
        return head.rstrip(": ：")
    shown = [case_text(c, replace(ctx, depth=ctx.depth + 1)) for c in cases[:BODY_STATEMENTS]]
    text = head + "; ".join(shown) if ctx.lang != "zh" else head + "；".join(shown)
    if len(cases) > BODY_STATEMENTS:
        text += ctx.t(
            "; and {n} more cases", "；以及另外 {n} 个分支", n=len(cases) - BODY_STATEMENTS
        )
    return text


#: Statement type -> its clause (the node's own type as the first argument).
Handler = Callable[[Any, Ctx], str]

_BLOCKS: dict[type[ast.stmt], Handler] = {
    ast.If: if_,
    ast.For: for_,
    ast.AsyncFor: for_,
    ast.While: while_,
    ast.Try: try_,
    ast.TryStar: try_,
    ast.With: with_,
    ast.AsyncWith: with_,
    ast.Match: match_,
}


def register(kind: type[ast.stmt], handler: Handler) -> None:
    """Let the definitions module add def and class without an import cycle."""
    _BLOCKS[kind] = handler
