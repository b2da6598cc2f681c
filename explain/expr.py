"""Expressions in words: values (noun phrases), conditions (clauses), and what loops go over.

``describe`` returns None when it knows nothing truer to say than the code itself; callers
then quote the code. Arithmetic is put in words only when the operands are visibly
numbers, since ``+`` and ``*`` also join strings and lists.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from explain import calls
from explain.core import Ctx, code

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
        return ctx.t(
            "{a} followed by {b}, as one text",
            "{a} 与 {b} 连接成的文本",
            a=operand(node.left, ctx),
            b=operand(node.right, ctx),
        )
    if op not in _ARITH:
        return None
    left, right = _numeric(node.left, ctx), _numeric(node.right, ctx)
    loose = op in (ast.FloorDiv, ast.Pow, ast.Mod)  # no common non-numeric meaning
    if not (left and right or loose and (left or right) and not _is_text(node.left, ctx)):
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
    gens = generators_text(node.generators, ctx)
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


def generators_text(gens: list[ast.comprehension], ctx: Ctx) -> str:
    parts = []
    for gen in gens:
        text = ctx.t("for {e}", "对{e}", e=each_phrase(gen.target, gen.iter, ctx))
        if gen.is_async:
            text += ctx.t(" (asynchronously)", "（异步）")
        if gen.ifs:
            conds = ctx.join([condition(c, ctx) for c in gen.ifs])
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
    ints = [_int(a) for a in args]
    if all(i is not None for i in ints):
        try:
            r = range(*ints)  # type: ignore[arg-type]
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
    step_value = _int(args[2])
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


def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int(node.operand)
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
        and _int(a.right) == 2
        and not _is_text(a.left, ctx)
        and isinstance(op, ast.Eq | ast.NotEq)
        and _int(b) in (0, 1)
    ):
        even = (_int(b) == 0) == isinstance(op, ast.Eq)
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


def _subscript(node: ast.Subscript, ctx: Ctx) -> str | None:
    s, x = node.slice, code(node.value)
    if isinstance(s, ast.Slice):
        lo, hi, step = (_int(p) if p is not None else None for p in (s.lower, s.upper, s.step))
        if s.lower is None and s.upper is None:
            if s.step is None:
                return ctx.t("a copy of all of {x}", "{x} 的完整副本", x=x)
            if step == -1:
                return ctx.t(
                    "the items of {x} in reverse order (a reversed copy)", "{x} 倒序后的副本", x=x
                )
            if step is not None and step > 1:
                return ctx.t(
                    "every {n}th item of {x}, starting with the first",
                    "从第一项开始每隔 {m} 项取一项的 {x}",
                    x=x,
                    n=step,
                    m=step - 1,
                )
            return None
        if s.step is not None:
            return None
        if s.lower is None and hi is not None:
            return (
                ctx.t("the first {n} of {x}", "{x} 的前 {n} 项", n=_items(hi, ctx), x=x)
                if hi > 0
                else ctx.t(
                    "{x} without its last {n}", "去掉最后 {n} 项的 {x}", n=_items(-hi, ctx), x=x
                )
            )
        if s.upper is None and lo is not None:
            return (
                ctx.t("{x} without its first {n}", "去掉前 {n} 项的 {x}", n=_items(lo, ctx), x=x)
                if lo > 0
                else ctx.t("the last {n} of {x}", "{x} 的最后 {n} 项", n=_items(-lo, ctx), x=x)
            )
        a = code(s.lower) if s.lower is not None else "0"
        if s.upper is None:
            return ctx.t(
                "the items of {x} from position {a} to the end",
                "{x} 从位置 {a} 到末尾的部分",
                x=x,
                a=a,
            )
        return ctx.t(
            "the items of {x} from position {a} up to, but not including, {b}",
            "{x} 从位置 {a} 到 {b}（不含）的部分",
            x=x,
            a=a,
            b=code(s.upper),
        )
    index = _int(s)
    kind = ctx.kind(node.value)
    if index is not None and kind in ("list", "str", "tuple", "range"):
        if index == 0:
            return ctx.t("the first item of {x}", "{x} 的第一项", x=x)
        if index == -1:
            return ctx.t("the last item of {x}", "{x} 的最后一项", x=x)
        return ctx.t(
            "the item at position {i} of {x} (counting from 0)",
            "{x} 中位置 {i} 的项（从 0 开始计数）",
            i=index,
            x=x,
        )
    if kind == "dict" or isinstance(s, ast.Constant) and isinstance(s.value, str):
        return ctx.t(
            "the value stored under the key {k} in {x}", "{x} 中键 {k} 对应的值", k=code(s), x=x
        )
    return None


def _items(n: int, ctx: Ctx) -> str:
    if ctx.lang == "zh":
        return str(n)
    return "item" if n == 1 else f"{n} items"


def _fstring(node: ast.JoinedStr, ctx: Ctx) -> str | None:
    fields = []
    for part in node.values:
        if not isinstance(part, ast.FormattedValue):
            continue
        text = code(part.value)
        spec = (
            ast.unparse(part.format_spec)[2:-1]
            if isinstance(part.format_spec, ast.JoinedStr)
            else ""
        )
        if m := re.fullmatch(r"\.(\d+)f", spec):
            text += ctx.t(" (to {n} decimal places)", "（保留 {n} 位小数）", n=m.group(1))
        elif spec == ",":
            text += ctx.t(" (with thousands separators)", "（带千位分隔符）")
        elif spec:
            text += ctx.t(" (formatted as {s})", "（格式为 {s}）", s=code(spec))
        fields.append(text)
    if not fields:
        return None
    return ctx.t(
        "the text {f}, with {v} filled in",
        "填入 {v} 后的文本 {f}",
        f=code(node),
        v=ctx.join(fields),
    )


def _collection(node: ast.AST, ctx: Ctx) -> str | None:
    empty = {
        ast.List: ("an empty list", "一个空列表"),
        ast.Dict: ("an empty dict", "一个空字典"),
        ast.Tuple: ("an empty tuple", "一个空元组"),
    }
    items = getattr(node, "elts", None) if not isinstance(node, ast.Dict) else node.keys
    if not items and type(node) in empty:
        return ctx.t(*empty[type(node)])
    return None


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
    ast.Subscript: _subscript,
    ast.JoinedStr: _fstring,
    ast.List: _collection,
    ast.Dict: _collection,
    ast.Tuple: _collection,
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
