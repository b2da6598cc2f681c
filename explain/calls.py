"""What calls mean: builtins with rich wording (print, sorted, sum, range...), then templates.

``describe_call`` returns a noun phrase (what the call's value is) and an action clause
(what the call does as a statement); either may be None when only generic wording is
known to be true.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from prosepy.explain import expr, loops, methods
from prosepy.explain.core import Ctx, code
from prosepy.explain.known import TEMPLATES

#: Methods that modify in place and return None.
IN_PLACE = {"append", "extend", "insert", "sort", "reverse", "clear", "shuffle"}


def const(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _kw(node: ast.Call, name: str) -> ast.AST | None:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


def args_text(node: ast.Call, ctx: Ctx) -> str:
    """The arguments as written: `a`, `key=len`, `*rest`."""
    parts = [code(a) for a in node.args]
    parts += [
        code(f"**{ast.unparse(k.value)}")
        if k.arg is None
        else code(f"{k.arg}={ast.unparse(k.value)}")
        for k in node.keywords
    ]
    return ctx.join(parts)


def generic(node: ast.Call, ctx: Ctx) -> tuple[str, str]:
    func = code(node.func)
    if not node.args and not node.keywords:
        return (
            ctx.t("the result of calling {f}", "调用 {f} 的结果", f=func),
            ctx.t("calls {f}", "调用 {f}", f=func),
        )
    args = args_text(node, ctx)
    return (
        ctx.t("the result of calling {f} with {a}", "以 {a} 为参数调用 {f} 的结果", f=func, a=args),
        ctx.t("calls {f} with {a}", "以 {a} 为参数调用 {f}", f=func, a=args),
    )


def _print(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if any(isinstance(a, ast.Starred) for a in node.args):
        return None, None
    if not node.args:
        what = ctx.t("prints an empty line", "打印一个空行")
    else:
        what = ctx.t(
            "prints {a}", "打印 {a}", a=ctx.join([expr.operand(a, ctx) for a in node.args])
        )
    notes = []
    sep, end, file = _kw(node, "sep"), _kw(node, "end"), _kw(node, "file")
    known = {"sep", "end", "file", "flush"}
    if any(k.arg not in known for k in node.keywords):
        return None, None
    if len(node.args) > 1:
        notes.append(
            ctx.t("separated by {s}", "以 {s} 分隔", s=code(sep))
            if sep is not None
            else ctx.t("separated by spaces", "以空格分隔")
        )
    if end is not None:
        notes.append(
            ctx.t("ending with {e} instead of a new line", "以 {e} 结尾而不是换行", e=code(end))
        )
    if file is not None:
        notes.append(ctx.t("to {f}", "输出到 {f}", f=code(file)))
    if notes:
        what += ctx.t(
            " ({n})", "（{n}）", n=", ".join(notes) if ctx.lang != "zh" else "，".join(notes)
        )
    return None, what


def _sum(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if len(node.args) not in (1, 2) or node.keywords:
        return None, None
    items = loops.items_of(node.args[0], ctx)
    np = ctx.t("the sum of {i}", "{i} 的总和", i=items)
    if len(node.args) == 2:
        np += ctx.t(", plus {s}", "，再加上 {s}", s=code(node.args[1]))
    return np, None


def _min_max(node: ast.Call, ctx: Ctx, big: bool) -> tuple[str | None, str | None]:
    if any(isinstance(a, ast.Starred) for a in node.args):
        return None, None
    key, default = _kw(node, "key"), _kw(node, "default")
    if any(k.arg not in ("key", "default") for k in node.keywords) or not node.args:
        return None, None
    if len(node.args) == 1:
        items = loops.items_of(node.args[0], ctx)
        np = (
            ctx.t("the largest of {i}", "{i} 中最大的一个", i=items)
            if big
            else ctx.t("the smallest of {i}", "{i} 中最小的一个", i=items)
        )
    else:
        vals = ctx.join([code(a) for a in node.args])
        if len(node.args) == 2:
            np = (
                ctx.t("the larger of {v}", "{v} 中较大的一个", v=vals)
                if big
                else ctx.t("the smaller of {v}", "{v} 中较小的一个", v=vals)
            )
        else:
            np = (
                ctx.t("the largest of {v}", "{v} 中最大的一个", v=vals)
                if big
                else ctx.t("the smallest of {v}", "{v} 中最小的一个", v=vals)
            )
    if key is not None:
        np += ctx.t(", compared by {k}", "，按{k}比较", k=_key(key, ctx))
    if default is not None:
        np += ctx.t(" ({d} if there are none)", "（没有元素时为 {d}）", d=code(default))
    return np, None


def _key(key: ast.AST, ctx: Ctx) -> str:
    """How a key= function orders things, in words."""
    if isinstance(key, ast.Name) and ctx.is_builtin(key.id):
        named = {
            "len": ctx.t("length", "长度"),
            "abs": ctx.t("absolute value", "绝对值"),
            "str": ctx.t("their text form", "字符串形式"),
        }
        if key.id in named:
            return named[key.id]
    if (
        isinstance(key, ast.Attribute)
        and isinstance(key.value, ast.Name)
        and key.value.id == "str"
        and key.attr == "lower"
        and ctx.is_builtin("str")
    ):
        return ctx.t("their lower-case text (ignoring case)", "小写形式（忽略大小写）")
    if isinstance(key, ast.Lambda) and len(key.args.args) == 1 and not key.args.vararg:
        arg = key.args.args[0].arg
        return ctx.t("{b} for each item {a}", "每一项 {a} 的 {b}", b=code(key.body), a=code(arg))
    return ctx.t("the result of {k} on each item", "{k} 作用于每一项的结果", k=code(key))


def _sorted(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if len(node.args) != 1 or any(k.arg not in ("key", "reverse") for k in node.keywords):
        return None, None
    return sort_words(code(node.args[0]), node, ctx, new=True), None


def sort_words(target: str, node: ast.Call, ctx: Ctx, new: bool) -> str:
    key, reverse = _kw(node, "key"), _kw(node, "reverse")
    by = ctx.t(" by {k}", "按{k}", k=_key(key, ctx)) if key is not None else ""
    order = ""
    if reverse is not None:
        flag = const(reverse)
        if flag is True:
            order = ctx.t(", largest first", "，从大到小")
        elif flag is not False:
            order = ctx.t(", reversed when {r} is true", "，{r} 为真时倒序", r=code(reverse))
    if new:
        return ctx.t(
            "the items of {t} sorted{by}{o}, as a new list",
            "{t} 的元素{by}排序后的新列表{o}",
            t=target,
            by=by,
            o=order,
        )
    return ctx.t("sorts {t} in place{by}{o}", "原地{by}排序 {t}{o}", t=target, by=by, o=order)


def _range(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    words = loops.range_words(node, ctx)
    return (ctx.t("the whole numbers {w}", "{w}的整数", w=words) if words else None), None


def _enumerate(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if not node.args or len(node.args) > 2 or node.keywords:
        return None, None
    start = code(node.args[1]) if len(node.args) == 2 else "0"
    return ctx.t(
        "pairs of (position, item) for the items of {x}, counting from {s}",
        "{x} 的每一项及其位置组成的 (位置, 元素) 对，从 {s} 开始计数",
        x=code(node.args[0]),
        s=start,
    ), None


def _zip(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if len(node.args) < 2 or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return None, None
    return ctx.t(
        "tuples taking one item from each of {x} in turn, stopping at the shortest",
        "依次从 {x} 中各取一项组成的元组，到最短者为止",
        x=ctx.join([code(a) for a in node.args]),
    ), None


def _any_all(node: ast.Call, ctx: Ctx, every: bool) -> tuple[str | None, str | None]:
    if len(node.args) != 1 or node.keywords:
        return None, None
    arg = node.args[0]
    if isinstance(arg, ast.GeneratorExp):
        each = loops.generators_text(arg.generators, ctx)
        cond = code(arg.elt)
        if every:
            return ctx.t(
                "whether {c} holds {e} (True if there are none)",
                "是否{e}都满足 {c}（没有元素时为 True）",
                c=cond,
                e=each,
            ), None
        return ctx.t(
            "whether {c} holds for at least one case, {e}",
            "是否至少有一种情况满足 {c}（{e}）",
            c=cond,
            e=each,
        ), None
    if every:
        return ctx.t(
            "whether every item of {x} is truthy", "{x} 的每一项是否都为真值", x=code(arg)
        ), None
    return ctx.t("whether any item of {x} is truthy", "{x} 中是否有某一项为真值", x=code(arg)), None


def _map_filter(node: ast.Call, ctx: Ctx, is_map: bool) -> tuple[str | None, str | None]:
    if len(node.args) != 2 or node.keywords:
        return None, None
    f, xs = code(node.args[0]), code(node.args[1])
    if is_map:
        return ctx.t(
            "{f} applied to each item of {x} (computed lazily)",
            "把 {f} 作用于 {x} 的每一项的结果（惰性计算）",
            f=f,
            x=xs,
        ), None
    if const(node.args[0]) is None and isinstance(node.args[0], ast.Constant):
        return ctx.t(
            "the truthy items of {x} (computed lazily)", "{x} 中为真值的项（惰性计算）", x=xs
        ), None
    return ctx.t(
        "the items of {x} for which {f} is truthy (computed lazily)",
        "{x} 中使 {f} 结果为真值的项（惰性计算）",
        f=f,
        x=xs,
    ), None


def _round(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if node.keywords or len(node.args) not in (1, 2):
        return None, None
    x = code(node.args[0])
    if len(node.args) == 1:
        return ctx.t(
            "{x} rounded to the nearest whole number (halves go to the even one)",
            "{x} 四舍五入到整数（恰好一半时取偶数）",
            x=x,
        ), None
    return ctx.t(
        "{x} rounded to {n} decimal places", "{x} 保留 {n} 位小数", x=x, n=code(node.args[1])
    ), None


_MODES = {
    "r": ("reading", "读取"),
    "w": ("writing (emptying it first)", "写入（先清空）"),
    "a": ("appending", "追加写入"),
    "x": ("writing a new file (fails if it exists)", "创建新文件写入（已存在则失败）"),
}


def _open(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if (
        not node.args
        or len(node.args) > 2
        or any(k.arg not in ("mode", "encoding", "newline", "errors") for k in node.keywords)
    ):
        return None, None
    mode_node = node.args[1] if len(node.args) == 2 else _kw(node, "mode")
    mode = "r" if mode_node is None else const(mode_node)
    if not isinstance(mode, str) or not mode or mode[0] not in _MODES:
        return ctx.t("the file {p}, opened", "打开的文件 {p}", p=code(node.args[0])), None
    en, zh = _MODES[mode[0]]
    if "+" in mode:
        en, zh = (
            ("reading and writing", "读写")
            if mode[0] == "r"
            else (en + " and reading", zh + "并可读取")
        )
    binary = ctx.t(" as bytes", "（二进制）") if "b" in mode else ""
    enc = _kw(node, "encoding")
    encoding = ctx.t(" with encoding {e}", "（编码 {e}）", e=code(enc)) if enc is not None else ""
    return ctx.t(
        "the file {p} opened for {m}{b}{e}",
        "以{m}方式打开的文件 {p}{b}{e}",
        p=code(node.args[0]),
        m=ctx.t(en, zh),
        b=binary,
        e=encoding,
    ), None


def _isinstance(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    if len(node.args) != 2 or node.keywords:
        return None, None
    return ctx.t("whether {c}", "“{c}”是否成立", c=expr.isinstance_clause(node, ctx)), None


SPECIAL: dict[str, Callable[[ast.Call, Ctx], tuple[str | None, str | None]]] = {
    "builtins.print": _print,
    "builtins.sum": _sum,
    "builtins.min": lambda n, c: _min_max(n, c, False),
    "builtins.max": lambda n, c: _min_max(n, c, True),
    "builtins.sorted": _sorted,
    "builtins.range": _range,
    "builtins.enumerate": _enumerate,
    "builtins.zip": _zip,
    "builtins.any": lambda n, c: _any_all(n, c, False),
    "builtins.all": lambda n, c: _any_all(n, c, True),
    "builtins.map": lambda n, c: _map_filter(n, c, True),
    "builtins.filter": lambda n, c: _map_filter(n, c, False),
    "builtins.round": _round,
    "builtins.open": _open,
    "builtins.isinstance": _isinstance,
}


def describe_call(node: ast.Call, ctx: Ctx) -> tuple[str | None, str | None]:
    """(noun phrase, action) for a call, each None where only the generic wording is safe."""
    qual = ctx.qualname(node.func)
    if qual is not None:
        special = SPECIAL.get(qual)
        if special is not None:
            return special(node, ctx)
        if any(isinstance(a, ast.Starred) for a in node.args) or node.keywords:
            return None, None
        entry = TEMPLATES.get(f"{qual}/{len(node.args)}")
        if entry is None:
            return None, None
        kind, en, zh = entry
        text = ctx.t(en, zh).format(*[code(a) for a in node.args])
        return (text, None) if kind == "np" else (None, text)
    if isinstance(node.func, ast.Attribute):
        return methods.describe_method(node, ctx)
    return None, None
