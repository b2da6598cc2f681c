"""What loops and comprehensions go over: "each `i` from 1 to 100", "each key `k` of `d`".

Exact numbers are given only where a range's bounds are literal; otherwise the bounds are
quoted as code.
"""

from __future__ import annotations

import ast

from prosepy.explain import expr
from prosepy.explain.core import Ctx, code


def generators_text(gens: list[ast.comprehension], ctx: Ctx) -> str:
    parts = []
    for gen in gens:
        text = ctx.t("for {e}", "对{e}", e=each_phrase(gen.target, gen.iter, ctx))
        if gen.is_async:
            text += ctx.t(" (asynchronously)", "（异步）")
        if gen.ifs:
            conds = ctx.join([expr.condition(c, ctx) for c in gen.ifs])
            text += ctx.t(" where {c}", "（只取满足{c}的）", c=conds)
        parts.append(text)
    return (" " + ctx.t("and", "并且") + " ").join(parts)


def items_of(node: ast.AST, ctx: Ctx) -> str:
    """What an iterable holds, as a noun phrase: "the numbers from 1 to 100"."""
    if isinstance(node, ast.Call) and ctx.qualname(node.func) == "builtins.range":
        words = range_words(node, ctx)
        if words:
            return ctx.t("the numbers {w}", "{w}的整数", w=words)
    if isinstance(node, ast.GeneratorExp | ast.ListComp) and not isinstance(node, ast.DictComp):
        return ctx.t(
            "{e} {g}", "{g}得到的 {e}", e=code(node.elt), g=generators_text(node.generators, ctx)
        )
    return code(node)


def range_words(node: ast.Call, ctx: Ctx) -> str | None:
    """ "from 1 to 100" for range(1, 101); exact only where the bounds are literal."""
    args = node.args
    if node.keywords or not 1 <= len(args) <= 3 or any(isinstance(a, ast.Starred) for a in args):
        return None
    ints = [i for i in (int_value(a) for a in args) if i is not None]
    if len(ints) == len(args):
        try:
            r = range(*ints)
        except ValueError:
            return None
        if len(r) == 0:
            return ctx.t(
                "in {c} (none: the range is empty)", "{c} 中（没有：范围为空）", c=code(node)
            )
        if len(r) == 1:
            return ctx.t("just {a}", "仅 {a}", a=r[0])
        step = ctx.t(" in steps of {s}", "，步长为 {s}", s=r.step) if abs(r.step) != 1 else ""
        return ctx.t("from {a} to {b}{s}", "从 {a} 到 {b}{s}", a=r[0], b=r[-1], s=step)
    start = code(args[0]) if len(args) >= 2 else "0"
    stop = code(args[1] if len(args) >= 2 else args[0])
    if len(args) < 3:
        return ctx.t(
            "from {a} up to, but not including, {b}", "从 {a} 到 {b}（不含 {b}）", a=start, b=stop
        )
    step_value = int_value(args[2])
    s = code(args[2])
    if step_value is not None and step_value > 0:
        return ctx.t(
            "from {a} up to, but not including, {b}, in steps of {s}",
            "从 {a} 到 {b}（不含 {b}），步长为 {s}",
            a=start,
            b=stop,
            s=s,
        )
    if step_value is not None and step_value < 0:
        return ctx.t(
            "from {a} down to, but not including, {b}, in steps of {s}",
            "从 {a} 递减到 {b}（不含 {b}），步长为 {s}",
            a=start,
            b=stop,
            s=s,
        )
    return ctx.t(
        "from {a} towards {b} (not included) in steps of {s}",
        "从 {a} 朝 {b}（不含）方向、步长为 {s}",
        a=start,
        b=stop,
        s=s,
    )


def int_value(node: ast.AST) -> int | None:
    """The value of an int literal (including a negative one), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = int_value(node.operand)
        return -inner if inner is not None else None
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def each_phrase(target: ast.AST, it: ast.AST, ctx: Ctx) -> str:
    """ "each item `x` of `xs`", "each `i` from 1 to 100", "each key `k` and value `v` of `d`"."""
    t = code(target)
    names = target.elts if isinstance(target, ast.Tuple | ast.List) else None
    if isinstance(it, ast.Call) and not it.keywords:
        qual = ctx.qualname(it.func)
        if qual == "builtins.range" and names is None:
            words = range_words(it, ctx)
            if words:
                return ctx.t("each {t} {w}", "{w}的每个整数 {t}", t=t, w=words)
        if qual == "builtins.enumerate" and names and len(names) == 2 and 1 <= len(it.args) <= 2:
            start = code(it.args[1]) if len(it.args) == 2 else "0"
            return ctx.t(
                "each item {x} of {xs}, with its position {i} (counting from {s})",
                "{xs} 中的每一项 {x} 及其位置 {i}（从 {s} 开始计数）",
                x=code(names[1]),
                xs=code(it.args[0]),
                i=code(names[0]),
                s=start,
            )
        if (
            qual == "builtins.zip"
            and names
            and len(names) == len(it.args) >= 2
            and not any(isinstance(a, ast.Starred) for a in it.args)
        ):
            return ctx.t(
                "each {n} taken side by side from {s} (stopping at the shortest)",
                "从 {s} 中并排取出的每一组 {n}（到最短者为止）",
                n=ctx.join([code(n) for n in names]),
                s=ctx.join([code(a) for a in it.args]),
            )
        if qual == "builtins.reversed" and len(it.args) == 1:
            return ctx.t(
                "each item {t} of {xs}, from last to first",
                "{xs} 中从后往前的每一项 {t}",
                t=t,
                xs=code(it.args[0]),
            )
        if qual == "builtins.sorted" and len(it.args) == 1:
            return ctx.t(
                "each item {t} of {xs}, in sorted order",
                "{xs} 排序后的每一项 {t}",
                t=t,
                xs=code(it.args[0]),
            )
        if isinstance(it.func, ast.Attribute) and not it.args and qual is None:
            d = code(it.func.value)
            if it.func.attr == "items" and names and len(names) == 2:
                return ctx.t(
                    "each key {k} and value {v} of {d}",
                    "{d} 的每个键 {k} 和值 {v}",
                    k=code(names[0]),
                    v=code(names[1]),
                    d=d,
                )
            if it.func.attr == "keys":
                return ctx.t("each key {t} of {d}", "{d} 的每个键 {t}", t=t, d=d)
            if it.func.attr == "values":
                return ctx.t("each value {t} of {d}", "{d} 的每个值 {t}", t=t, d=d)
    kind = ctx.kind(it)
    if kind == "dict" and names is None:
        return ctx.t("each key {t} of {d}", "{d} 的每个键 {t}", t=t, d=code(it))
    if kind == "file" and names is None:
        return ctx.t("each line {t} of {d}", "{d} 的每一行 {t}", t=t, d=code(it))
    if kind == "str" and names is None:
        return ctx.t("each character {t} of {d}", "{d} 中的每个字符 {t}", t=t, d=code(it))
    if names:
        return ctx.t(
            "each item of {xs}, unpacked into {n}",
            "{xs} 中的每一项（拆分为 {n}）",
            xs=code(it),
            n=ctx.join([code(n) for n in names]),
        )
    return ctx.t("each item {t} of {xs}", "{xs} 中的每一项 {t}", t=t, xs=code(it))
