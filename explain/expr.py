"""Expressions in words: values (noun phrases), conditions (clauses), and what loops go over.

``describe`` returns None when it knows nothing truer to say than the code itself; callers
then quote the code. Arithmetic is put in words only when the operands are visibly
numbers, since ``+`` and ``*`` also join strings and lists.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from prosepy.explain import calls, loops, values
from prosepy.explain.core import Ctx, code
from prosepy.explain.loops import int_value

_COMPARE = {
    ast.Eq: ("{a} equals {b}", "{a} 等于 {b}"),
    ast.NotEq: ("{a} is not equal to {b}", "{a} 不等于 {b}"),
    ast.Lt: ("{a} is less than {b}", "{a} 小于 {b}"),
    ast.LtE: ("{a} is less than or equal to {b}", "{a} 小于或等于 {b}"),
    ast.Gt: ("{a} is greater than {b}", "{a} 大于 {b}"),
    ast.GtE: ("{a} is greater than or equal to {b}", "{a} 大于或等于 {b}"),
    ast.In: ("{a} is in {b}", "{a} 在 {b} 中"),
    ast.NotIn: ("{a} is not in {b}", "{a} 不在 {b} 中"),
    ast.Is: ("{a} is the same object as {b}", "{a} 与 {b} 是同一个对象"),
    ast.IsNot: ("{a} is not the same object as {b}", "{a} 与 {b} 不是同一个对象"),
}
_NEGATE = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITH = {
    ast.Add: ("{a} plus {b}", "{a} 加 {b}"),
    ast.Sub: ("{a} minus {b}", "{a} 减 {b}"),
    ast.Mult: ("{a} times {b}", "{a} 乘以 {b}"),
    ast.Div: ("{a} divided by {b}", "{a} 除以 {b}"),
    ast.FloorDiv: ("{a} divided by {b}, rounded down to a whole number", "{a} 除以 {b} 并向下取整"),
    ast.Mod: ("the remainder of {a} divided by {b}", "{a} 除以 {b} 的余数"),
    ast.Pow: ("{a} to the power of {b}", "{a} 的 {b} 次方"),
}
_SHORT = 70


def is_numeric(node: ast.AST, ctx: Ctx) -> bool:
    """Visibly a number: a numeric literal, or a name or call known to give one."""
    return _numeric(node, ctx)


def _numeric(node: ast.AST, ctx: Ctx) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _numeric(node.operand, ctx)
    return ctx.kind(node) == "num"


def _is_text(node: ast.AST, ctx: Ctx) -> bool:
    return (
        ctx.kind(node) == "str"
        or isinstance(node, ast.Constant)
        and isinstance(node.value, str | bytes)
    )


def operand(node: ast.AST, ctx: Ctx) -> str:
    """A short phrase for a value inside a bigger sentence: words if short, else code."""
    if isinstance(node, ast.Constant | ast.Name | ast.Attribute):
        return code(node)
    words = describe(node, ctx)
    return words if words and len(words) <= _SHORT else code(node)


def value(node: ast.AST, ctx: Ctx) -> str:
    return describe(node, ctx) or code(node)


def describe(node: ast.AST, ctx: Ctx) -> str | None:
    """Words for what a value is, or None where quoting the code is all that is safe."""
    handler = _DESCRIBERS.get(type(node))
    return handler(node, ctx) if handler else None


def _call(node: ast.Call, ctx: Ctx) -> str | None:
    np, _ = calls.describe_call(node, ctx)
    return np


def _binop(node: ast.BinOp, ctx: Ctx) -> str | None:
    op = type(node.op)
    if op is ast.Mod and _is_text(node.left, ctx):
        return ctx.t(
            "the text {a} with {b} formatted into its % placeholders",
            "把 {b} 按 % 占位符格式化进 {a} 得到的文本",
            a=code(node.left),
            b=code(node.right),
        )
    if (
        op is ast.Mult
        and (_is_text(node.left, ctx) or ctx.kind(node.left) == "list")
        and _numeric(node.right, ctx)
    ):
        return ctx.t(
            "{a} repeated {b} times", "{a} 重复 {b} 次", a=code(node.left), b=code(node.right)
        )
    if op is ast.Add and _is_text(node.left, ctx) and _is_text(node.right, ctx):
        parts = [node.right]
        left = node.left
        while (
            isinstance(left, ast.BinOp)
            and isinstance(left.op, ast.Add)
            and _is_text(left.right, ctx)
        ):
            parts.append(left.right)
            left = left.left
        parts.append(left)
        return ctx.t(
            "the texts {p} joined into one",
            "{p} 连接成的文本",
            p=ctx.join([code(p) for p in reversed(parts)]),
        )
    if op not in _ARITH:
        return None
    left_num, right_num = _numeric(node.left, ctx), _numeric(node.right, ctx)
    loose = op in (ast.FloorDiv, ast.Pow, ast.Mod)  # no common non-numeric meaning
    either = left_num or right_num
    if not (left_num and right_num or loose and either and not _is_text(node.left, ctx)):
        return None
    en, zh = _ARITH[op]
    return ctx.t(en, zh, a=operand(node.left, ctx), b=operand(node.right, ctx))


def _boolop(node: ast.BoolOp, ctx: Ctx) -> str | None:
    if all(_booleanish(v, ctx) for v in node.values):
        return ctx.t("whether {c}", "“{c}”是否成立", c=condition(node, ctx))
    vals = [code(v) for v in node.values]
    if isinstance(node.op, ast.Or):
        if len(vals) == 2:
            return ctx.t(
                "{a} if it is truthy, otherwise {b}",
                "{a}（若为真值），否则为 {b}",
                a=vals[0],
                b=vals[1],
            )
        return ctx.t(
            "the first truthy value among {v} (or the last if none is)",
            "{v} 中第一个为真值的（都不是时取最后一个）",
            v=ctx.join(vals),
        )
    if len(vals) == 2:
        return ctx.t(
            "{b} if {a} is truthy, otherwise {a}",
            "若 {a} 为真值则为 {b}，否则为 {a}",
            a=vals[0],
            b=vals[1],
        )
    return None


def _booleanish(node: ast.AST, ctx: Ctx) -> bool:
    if isinstance(node, ast.Compare | ast.BoolOp):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return True
    if isinstance(node, ast.Call):
        qual = ctx.qualname(node.func)
        return qual in (
            "builtins.isinstance",
            "builtins.any",
            "builtins.all",
            "builtins.callable",
            "builtins.hasattr",
        )
    return isinstance(node, ast.Constant) and isinstance(node.value, bool)


def _unary(node: ast.UnaryOp, ctx: Ctx) -> str | None:
    if isinstance(node.op, ast.Not):
        return ctx.t(
            "True if {c}, otherwise False", "若{c}则为 True，否则为 False", c=condition(node, ctx)
        )
    return None


def _ifexp(node: ast.IfExp, ctx: Ctx) -> str:
    return ctx.t(
        "{a} if {c}, otherwise {b}",
        "{c}时为 {a}，否则为 {b}",
        a=operand(node.body, ctx),
        c=condition(node.test, ctx),
        b=operand(node.orelse, ctx),
    )


def _lambda(node: ast.Lambda, ctx: Ctx) -> str:
    params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
    if node.args.vararg:
        params.append("*" + node.args.vararg.arg)
    if node.args.kwarg:
        params.append("**" + node.args.kwarg.arg)
    if not params:
        return ctx.t(
            "a small function taking no arguments and returning {b}",
            "一个不接收参数、返回 {b} 的匿名函数",
            b=code(node.body),
        )
    return ctx.t(
        "a small function taking {p} and returning {b}",
        "一个接收 {p}、返回 {b} 的匿名函数",
        p=ctx.join([code(p) for p in params]),
        b=code(node.body),
    )


def _comp(node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, ctx: Ctx) -> str:
    gens = loops.generators_text(node.generators, ctx)
    if isinstance(node, ast.DictComp):
        return ctx.t(
            "a dict mapping {k} to {v}, {g}",
            "一个字典：{g}，把 {k} 映射到 {v}",
            k=code(node.key),
            v=code(node.value),
            g=gens,
        )
    elt = code(node.elt)
    if isinstance(node, ast.ListComp):
        return ctx.t("a list of {e}, {g}", "一个列表：{g}，取 {e}", e=elt, g=gens)
    if isinstance(node, ast.SetComp):
        return ctx.t(
            "a set of the distinct values of {e}, {g}",
            "一个集合：{g}，取 {e}（去重）",
            e=elt,
            g=gens,
        )
    return ctx.t(
        "a generator producing {e}, {g} (computed lazily, one at a time)",
        "一个生成器：{g}，逐个产生 {e}（惰性计算）",
        e=elt,
        g=gens,
    )


def isinstance_clause(node: ast.Call, ctx: Ctx) -> str:
    types = node.args[1]
    if isinstance(types, ast.Tuple):
        names = ctx.join([code(e) for e in types.elts], "or")
    else:
        names = code(types)
    return ctx.t("{x} is an instance of {t}", "{x} 是 {t} 的实例", x=code(node.args[0]), t=names)


def _compare_pair(a: ast.AST, op: ast.cmpop, b: ast.AST, ctx: Ctx) -> str:
    if isinstance(b, ast.Constant) and b.value is None and isinstance(op, ast.Is | ast.IsNot):
        return (
            ctx.t("{a} is None", "{a} 是 None", a=operand(a, ctx))
            if isinstance(op, ast.Is)
            else ctx.t("{a} is not None", "{a} 不是 None", a=operand(a, ctx))
        )
    if (
        isinstance(a, ast.BinOp)
        and isinstance(a.op, ast.Mod)
        and int_value(a.right) == 2
        and not _is_text(a.left, ctx)
        and isinstance(op, ast.Eq)
        and int_value(b) in (0, 1)
    ):  # (`x % 2 != 0` is also true for 2.5, so only `==` is put in words)
        even = int_value(b) == 0
        return (
            ctx.t("{x} is even", "{x} 是偶数", x=code(a.left))
            if even
            else ctx.t("{x} is odd", "{x} 是奇数", x=code(a.left))
        )
    en, zh = _COMPARE[type(op)]
    return ctx.t(en, zh, a=operand(a, ctx), b=operand(b, ctx))


def condition(node: ast.AST, ctx: Ctx) -> str:
    """A clause that is true exactly when ``node`` is truthy."""
    if isinstance(node, ast.Compare):
        left, parts = node.left, []
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts.append(_compare_pair(left, op, right, ctx))
            left = right
        return " 且 ".join(parts) if ctx.lang == "zh" else ctx.join(parts)
    if isinstance(node, ast.BoolOp):
        inner = [condition(v, ctx) for v in node.values]
        inner = [
            f"({c})" if isinstance(v, ast.BoolOp) else c
            for c, v in zip(inner, node.values, strict=True)
        ]
        if isinstance(node.op, ast.And):
            return ctx.join(inner, "and") if ctx.lang != "zh" else "，并且".join(inner)
        return ctx.t(
            "{c}", "{c}", c=ctx.join(inner, "or") if ctx.lang != "zh" else "，或者".join(inner)
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner_node = node.operand
        if (
            isinstance(inner_node, ast.Compare)
            and len(inner_node.ops) == 1
            and type(inner_node.ops[0]) in _NEGATE
        ):
            flipped = _NEGATE[type(inner_node.ops[0])]()
            return _compare_pair(inner_node.left, flipped, inner_node.comparators[0], ctx)
        if isinstance(inner_node, ast.Name | ast.Attribute | ast.Subscript):
            return ctx.t(
                "{x} is falsy (such as empty, 0 or None)",
                "{x} 为假值（如空、0 或 None）",
                x=code(inner_node),
            )
        if isinstance(inner_node, ast.Call) and describe(inner_node, ctx) is None:
            return ctx.t("{x} gives a falsy result", "{x} 的结果为假值", x=code(inner_node))
        return ctx.t("it is not the case that {c}", "并非{c}", c=condition(inner_node, ctx))
    if isinstance(node, ast.Call):
        qual = ctx.qualname(node.func)
        if qual == "builtins.isinstance" and len(node.args) == 2 and not node.keywords:
            return isinstance_clause(node, ctx)
        words = describe(node, ctx)
        if words and (words.startswith("whether ") or words.endswith("是否成立")):
            if ctx.lang != "zh":
                return words[len("whether ") :]
            return words[: -len("是否成立")].strip().removeprefix("“").removesuffix("”")
        if words and ctx.lang == "zh" and "是否" in words:
            return words.replace("是否", "", 1)
        return ctx.t("{x} gives a truthy result", "{x} 的结果为真值", x=code(node))
    if isinstance(node, ast.NamedExpr):
        return ctx.t(
            "{v}, stored in {n}, is truthy",
            "{v}（存入 {n}）为真值",
            v=operand(node.value, ctx),
            n=code(node.target),
        )
    if isinstance(node, ast.Constant):
        return ctx.t("{x} is truthy", "{x} 为真值", x=code(node))
    return ctx.t(
        "{x} is truthy (not empty, 0, None or False)",
        "{x} 为真值（非空、非 0、非 None、非 False）",
        x=code(node),
    )


_DESCRIBERS: dict[type, Callable[[Any, Ctx], str | None]] = {
    ast.Call: _call,
    ast.BinOp: _binop,
    ast.BoolOp: _boolop,
    ast.UnaryOp: _unary,
    ast.IfExp: _ifexp,
    ast.Lambda: _lambda,
    ast.ListComp: _comp,
    ast.SetComp: _comp,
    ast.GeneratorExp: _comp,
    ast.DictComp: _comp,
    ast.Subscript: values.subscript,
    ast.JoinedStr: values.fstring,
    ast.List: values.collection,
    ast.Dict: values.collection,
    ast.Tuple: values.collection,
    ast.Compare: lambda n, c: c.t("whether {x}", "“{x}”是否成立", x=condition(n, c)),
    ast.NamedExpr: lambda n, c: c.t(
        "{v} (also stored in {n})", "{v}（同时存入 {n}）", v=operand(n.value, c), n=code(n.target)
    ),
    ast.Await: lambda n, c: c.t(
        "the result of awaiting {v}",
        "等待 {v} 完成后得到的结果",
        v=code(n.value),
    ),
    ast.Starred: lambda n, c: c.t(
        "the items of {x}, unpacked", "展开后的 {x} 各项", x=code(n.value)
    ),
}
