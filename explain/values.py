"""Values in words: indexing and slicing, f-strings, empty collections.

Indexing is put in sequence words ("the first item") only when the indexed name is known
to hold a list, string, tuple or range; a dict lookup with the same syntax means a key.
"""

from __future__ import annotations

import ast
import re

from prosepy.explain.core import Ctx, code
from prosepy.explain.loops import int_value


def subscript(node: ast.Subscript, ctx: Ctx) -> str | None:
    s, x = node.slice, code(node.value)
    if isinstance(s, ast.Slice):
        lo, hi, step = (int_value(p) if p is not None else None for p in (s.lower, s.upper, s.step))
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
    index = int_value(s)
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
    if kind == "dict":
        return ctx.t(
            "the value stored under the key {k} in {x}", "{x} 中键 {k} 对应的值", k=code(s), x=x
        )
    if isinstance(s, ast.Constant) and isinstance(s.value, str):  # a dict, a table's column...
        return ctx.t("the entry {k} of {x}", "{x} 中 {k} 对应的项", k=code(s), x=x)
    return None


def _items(n: int, ctx: Ctx) -> str:
    if ctx.lang == "zh":
        return str(n)
    return "item" if n == 1 else f"{n} items"


def fstring(node: ast.JoinedStr, ctx: Ctx) -> str | None:
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


def collection(node: ast.AST, ctx: Ctx) -> str | None:
    empty = {
        ast.List: ("an empty list", "一个空列表"),
        ast.Dict: ("an empty dict", "一个空字典"),
        ast.Tuple: ("an empty tuple", "一个空元组"),
    }
    items = getattr(node, "elts", None) if not isinstance(node, ast.Dict) else node.keys
    if not items and type(node) in empty:
        return ctx.t(*empty[type(node)])
    return None
