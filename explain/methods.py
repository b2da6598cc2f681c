"""Method calls in words (``xs.append(x)``, ``", ".join(words)``, ``d.get(k, 0)``...).

The receiver's type is rarely certain, so a method is described only where its meaning is
the same for every common type that has it, or where the receiver is known (a string
literal, a name the module only ever binds to a dict...). Otherwise the generic wording
("calls `r.get` with `k`") is used.
"""

from __future__ import annotations

import ast

from prosepy.explain import calls
from prosepy.explain.core import Ctx, code
from prosepy.explain.known import TEMPLATES

#: Methods whose template only holds when the receiver is text.
NEEDS_STR = {".split/1", ".find/1", ".encode/1"}


def describe_method(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    func = node.func
    assert isinstance(func, ast.Attribute)
    receiver, name = func.value, func.attr
    if (
        isinstance(receiver, ast.Call)
        and isinstance(receiver.func, ast.Name)
        and receiver.func.id == "super"
        and ctx.is_builtin("super")
    ):
        args = calls.args_text(node, ctx)
        with_args = ctx.t(" with {a}", "，参数为 {a}", a=args) if args else ""
        return None, ctx.t(
            "calls the parent class's {m}{w}", "调用父类的 {m}{w}", m=code(name), w=with_args
        )
    rkind = ctx.kind(receiver)
    is_str = rkind == "str"
    if (
        name == "join"
        and len(node.args) == 1
        and not node.keywords
        and (is_str or isinstance(node.args[0], ast.ListComp | ast.GeneratorExp | ast.List))
    ):
        return ctx.t(
            "the items of {x} joined into one string with {s} between them",
            "{x} 的各项以 {s} 连接成的字符串",
            x=code(node.args[0]),
            s=code(receiver),
        ), None
    if name == "sort" and not node.args and all(k.arg in ("key", "reverse") for k in node.keywords):
        return None, calls.sort_words(code(receiver), node, ctx, new=False)
    if name == "format" and is_str:
        return ctx.t(
            "the text {r} with {a} filled into its {{}} placeholders",
            "把 {a} 填入 {r} 中 {{}} 占位符后的文本",
            r=code(receiver),
            a=calls.args_text(node, ctx),
        ), None
    if (
        name == "get"
        and len(node.args) in (1, 2)
        and not node.keywords
        and (rkind == "dict" or code(receiver) == "`os.environ`")
    ):
        default = code(node.args[1]) if len(node.args) == 2 else "None"
        return ctx.t(
            "the value for key {k} in {r}, or {d} if it is missing",
            "{r} 中键 {k} 对应的值（不存在时为 {d}）",
            k=code(node.args[0]),
            r=code(receiver),
            d=default,
        ), None
    if name == "pop" and rkind == "list" and len(node.args) <= 1 and not node.keywords:
        r = code(receiver)
        if not node.args:
            return (
                ctx.t("the last item of {r}, removed from it", "从 {r} 中移除的最后一项", r=r),
                ctx.t("removes the last item of {r}", "移除 {r} 的最后一项", r=r),
            )
        i = code(node.args[0])
        return (
            ctx.t(
                "the item at position {i} of {r}, removed from it",
                "从 {r} 中移除的第 {i} 个位置的项",
                i=i,
                r=r,
            ),
            ctx.t(
                "removes the item at position {i} of {r}", "移除 {r} 第 {i} 个位置的项", i=i, r=r
            ),
        )
    if (
        name in ("add", "update", "remove", "discard")
        and rkind in ("set", "dict")
        and len(node.args) == 1
        and not node.keywords
    ):
        words = {
            "add": ("adds {0} to the set {r}", "把 {0} 加入集合 {r}"),
            "remove": (
                "removes {0} from {r} (a KeyError if it is absent)",
                "从 {r} 中移除 {0}（不存在时引发 KeyError）",
            ),
            "discard": ("removes {0} from {r} if it is there", "如果存在，从 {r} 中移除 {0}"),
            "update": ("adds every entry of {0} to {r}", "把 {0} 的所有条目加入 {r}"),
        }
        if name == "add" and rkind != "set":
            return None, None
        en, zh = words[name]
        return None, ctx.t(en, zh).format(code(node.args[0]), r=code(receiver))
    if any(isinstance(a, ast.Starred) for a in node.args) or node.keywords:
        return None, None
    key = f".{name}/{len(node.args)}"
    if key not in TEMPLATES:
        return None, None
    if key in NEEDS_STR and not (
        is_str or (key == ".split/1" and isinstance(calls.const(node.args[0]), str))
    ):
        return None, None
    kind, en, zh = TEMPLATES[key]
    text = ctx.t(en, zh).format(*[code(a) for a in node.args], r=code(receiver))
    return (text, None) if kind == "np" else (None, text)
