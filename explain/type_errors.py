"""TypeError messages in plain language, naming the expressions of the line involved."""

from __future__ import annotations

import ast
import re

from prosepy.explain.core import Ctx, code


def nodes(tree: ast.AST | None, kind: type | tuple[type, ...]) -> list:
    return [n for n in ast.walk(tree) if isinstance(n, kind)] if tree is not None else []


def quoted(message: str) -> list[str]:
    return re.findall(r"'([^']*)'", message)


def type_error(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    m = re.match(r"unsupported operand type\(s\) for (\S+?): '(\w+)' and '(\w+)'", message)
    if m:
        op, a, b = m.groups()
        spots = [n for n in nodes(tree, ast.BinOp) if _op_text(n) == op]
        where = ctx.t(" in {e}", "（在 {e} 中）", e=code(spots[0])) if len(spots) == 1 else ""
        return ctx.t(
            "{o} cannot combine a value of type {a} with one of type {b}{w}; convert one of them "
            "first, for example with `int()`, `float()` or `str()`.",
            "{o} 不能把 {a} 和 {b} 放在一起运算{w}；请先转换其中一个，"
            "例如用 `int()`、`float()` 或 `str()`。",
            o=code(op),
            a=code(a),
            b=code(b),
            w=where,
        )
    m = re.match(r'can only concatenate (\w+) \(not "(\w+)"\) to \w+', message)
    if m:
        a, b = m.groups()
        spots = [n for n in nodes(tree, ast.BinOp) if isinstance(n.op, ast.Add)]
        where = ctx.t(" in {e}", "（在 {e} 中）", e=code(spots[0])) if len(spots) == 1 else ""
        return ctx.t(
            "`+` joins a value of type {a} with one of type {b}{w}, which Python does not do "
            "automatically; convert the {b} value first (for text, `str(value)` or an f-string).",
            "`+` 要把 {a} 和 {b} 连在一起{w}，"
            "Python 不会自动转换；请先转换 {b}（对文本可用 `str(值)` 或 f-string）。",
            a=code(a),
            b=code(b),
            w=where,
        )
    m = re.match(r"'(\w+)' object is not subscriptable", message)
    if m:
        spots = [n.value for n in nodes(tree, ast.Subscript)]
        what = candidates(spots, ctx)
        return ctx.t(
            "A value of type {t} is indexed with `[...]`, which it does not support{w}.",
            "对一个 {t} 类型的值使用了 `[...]` 下标，但它不支持{w}。",
            t=code(m.group(1)),
            w=what,
        )
    m = re.match(r"'(\w+)' object is not callable", message)
    if m:
        spots = [n.func for n in nodes(tree, ast.Call)]
        return ctx.t(
            "A value of type {t} is called like a function{w}; a name may have been reassigned "
            "(for example a variable that hides a function).",
            "把一个 {t} 类型的值当作函数调用了{w}；"
            "可能某个名字被重新赋值了（例如变量遮蔽了函数）。",
            t=code(m.group(1)),
            w=candidates(spots, ctx),
        )
    m = re.match(r"'(\w+)' object is not iterable", message)
    if m:
        return ctx.t(
            "A value of type {t} is looped over or unpacked, but it holds no items to go through.",
            "对一个 {t} 类型的值进行了遍历或拆包，但它不能被迭代。",
            t=code(m.group(1)),
        )
    m = re.match(
        r"(\S+?)\(\) missing (\d+) required (?:positional|keyword-only) arguments?: (.*)", message
    )
    if m:
        func, _, names = m.groups()
        missing = [code(n) for n in quoted(names)]
        return ctx.t(
            "{f} is called without its required argument {a}.",
            "调用 {f} 时缺少必需的参数 {a}。",
            f=code(func),
            a=ctx.join(missing),
        )
    m = re.match(
        r"(\S+?)\(\) takes (\d+) positional arguments? but (\d+) (?:was|were) given", message
    )
    if m:
        func, want, got = m.groups()
        return ctx.t(
            "{f} accepts {w} positional arguments but is given {g} here (for a method, `self` "
            "counts as one).",
            "{f} 接受 {w} 个位置参数，但这里传入了 {g} 个（对方法来说，`self` 也算一个）。",
            f=code(func),
            w=want,
            g=got,
        )
    m = re.match(r"(\S+?)\(\) got an unexpected keyword argument '(\w+)'", message)
    if m:
        return ctx.t(
            "{f} has no parameter named {k}.",
            "{f} 没有名为 {k} 的参数。",
            f=code(m.group(1)),
            k=code(m.group(2)),
        )
    m = re.match(r"object of type '(\w+)' has no len\(\)", message)
    if m:
        return ctx.t(
            "`len()` is used on a value of type {t}, which has no length.",
            "对 {t} 类型的值使用了 `len()`，但它没有长度。",
            t=code(m.group(1)),
        )
    return None


def _op_text(node: ast.BinOp) -> str:
    return {
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.Div: "/",
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.Pow: "** or pow()",
        ast.MatMult: "@",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.LShift: "<<",
        ast.RShift: ">>",
    }.get(type(node.op), "?")


def candidates(nodes: list[ast.AST], ctx: Ctx) -> str:
    unique = list(dict.fromkeys(ast.unparse(n) for n in nodes))
    if len(unique) == 1:
        return ctx.t(": that is {x}", "：就是 {x}", x=code(unique[0]))
    if 1 < len(unique) <= 4:
        return ctx.t(": one of {x}", "：是 {x} 之一", x=ctx.join([code(u) for u in unique], "or"))
    return ""
