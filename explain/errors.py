"""Run errors in plain language: what the exception means and the likely cause in this line.

``explain_error`` gets only the exception's type name, its message and the source line, so
it names the expressions involved (the divisor, the indexed value, the missing key) by
reading the line's syntax tree; where the line shows nothing certain it says what the
exception means and stops there.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable

from prosepy.explain import expr, type_errors
from prosepy.explain.core import Ctx, code, space_zh
from prosepy.explain.type_errors import nodes, quoted

Explainer = Callable[[str, "ast.AST | None", Ctx], "str | None"]


def _parse_line(line: str) -> ast.AST | None:
    """The line's syntax tree; block headers get a placeholder body so they parse alone."""
    text = textwrap.dedent(line).strip()
    if not text:
        return None
    candidates = [text, text + "\n    pass"]
    if text.startswith("elif "):
        candidates.append("if " + text[5:] + "\n    pass")
    if text.startswith(("except", "finally", "else")):
        candidates.append("try:\n    pass\n" + text + "\n    pass")
    for candidate in candidates:
        try:
            return ast.parse(candidate)
        except SyntaxError:
            continue
    return None


def _zero_division(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    divisors: list[tuple[ast.AST, ast.AST]] = []
    for n in nodes(tree, (ast.BinOp, ast.AugAssign)):
        if isinstance(n.op, ast.Div | ast.FloorDiv | ast.Mod) and not (
            isinstance(n, ast.BinOp)
            and isinstance(n.op, ast.Mod)
            and isinstance(n.left, ast.Constant)
            and isinstance(n.left.value, str)
        ):
            divisors.append((n.right if isinstance(n, ast.BinOp) else n.value, n))
    for n in nodes(tree, ast.Call):
        if isinstance(n.func, ast.Name) and n.func.id == "divmod" and len(n.args) == 2:
            divisors.append((n.args[1], n))
    head = ctx.t("Division by zero", "除以零")
    if len(divisors) == 1:
        divisor, whole = divisors[0]
        if isinstance(whole, ast.AugAssign):
            shown = code(f"{ast.unparse(whole.target)} {_op(whole)}= {ast.unparse(whole.value)}")
        else:
            shown = code(whole)
        return ctx.t(
            "{h}: {d} is 0 here, so {w} cannot be computed.",
            "{h}：这里 {d} 的值为 0，所以无法计算 {w}。",
            h=head,
            d=code(divisor),
            w=shown,
        )
    if divisors:
        return ctx.t(
            "{h}: one of the divisors {d} is 0 here.",
            "{h}：这里的除数 {d} 中有一个为 0。",
            h=head,
            d=ctx.join([code(d) for d, _ in divisors], "or" if ctx.lang != "zh" else "和"),
        )
    return ctx.t(
        "{h}: no division is visible on this line, so it happened inside something called here.",
        "{h}：这一行看不到除法运算，所以它发生在这里调用的某个函数内部。",
        h=head,
    )


def _op(node: ast.AugAssign) -> str:
    return {ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}[type(node.op)]


def _name_error(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    names = quoted(message)
    if not names:
        return None
    text = ctx.t(
        "{n} is used here but has no value: it was never assigned, is misspelled, or was not "
        "imported.",
        "这里用到了 {n}，但它没有值：可能从未赋值、拼写错误或没有导入。",
        n=code(names[0]),
    )
    if len(names) > 1 and "Did you mean" in message:
        text += ctx.t(" Did you mean {s}?", "你是不是想写 {s}？", s=code(names[-1]))
    return text


def _unbound(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    names = quoted(message)
    if not names:
        return None
    return ctx.t(
        "{n} is assigned somewhere in this function, which makes it a local variable everywhere "
        "in it, but here it is read before any value was assigned. If you meant the variable "
        "outside the function, declare it with `global {v}` (or `nonlocal {v}`).",
        "{n} 在这个函数中的某处被赋值，因此在整个函数里都是局部变量，但这里在赋值之前就读取了它。"
        "如果想用函数外的变量，请用 `global {v}`（或 `nonlocal {v}`）声明。",
        n=code(names[0]),
        v=names[0],
    )


def _value_error(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    m = re.match(r"invalid literal for int\(\) with base (\d+): (.*)", message)
    if m:
        return ctx.t(
            "`int()` was given the text {t}, which is not a whole number in base {b}.",
            "`int()` 收到的文本 {t} 不是 {b} 进制的整数。",
            t=code(m.group(2)),
            b=m.group(1),
        )
    m = re.match(r"could not convert string to float: (.*)", message)
    if m:
        return ctx.t(
            "`float()` was given the text {t}, which is not a number.",
            "`float()` 收到的文本 {t} 不是数字。",
            t=code(m.group(1)),
        )
    m = re.match(
        r"(too many|not enough) values to unpack \(expected (\d+)(?:, got (\d+))?\)", message
    )
    if m:
        kind, want, got = m.groups()
        targets = [
            t
            for n in nodes(tree, (ast.Assign, ast.For))
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Tuple | ast.List)
        ]
        where = ctx.t(" into {t}", "到 {t}", t=code(targets[0])) if len(targets) == 1 else ""
        if kind == "too many":
            return ctx.t(
                "Unpacking{w} expects {n} values, but the value has more.",
                "拆包{w}需要 {n} 个值，但实际的值更多。",
                w=where,
                n=want,
            )
        got_text = ctx.t(" (only {g})", "（只有 {g} 个）", g=got) if got else ""
        return ctx.t(
            "Unpacking{w} expects {n} values, but the value has fewer{g}.",
            "拆包{w}需要 {n} 个值，但实际的值更少{g}。",
            w=where,
            n=want,
            g=got_text,
        )
    if message == "math domain error":
        return ctx.t(
            "A math function was given a value outside the numbers it accepts (for example the "
            "square root or logarithm of a negative number).",
            "数学函数收到了超出其定义域的值（例如对负数求平方根或对数）。",
        )
    return None


def _index_error(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    if "pop from empty" in message:
        return ctx.t("`pop()` was called on an empty list.", "对空列表调用了 `pop()`。")
    spots = [n for n in nodes(tree, ast.Subscript) if not isinstance(n.slice, ast.Slice)]
    what = (
        ctx.t(" in {e}", "（{e}）", e=code(spots[0]))
        if len(spots) == 1
        else type_errors.candidates(spots, ctx)
    )
    return ctx.t(
        "The position used{w} is past the end of the sequence: valid positions go from 0 to "
        "its length minus 1 (or -1 back to minus its length).",
        "使用的位置{w}超出了序列的范围：有效位置是 0 到长度减 1（或 -1 到负的长度）。",
        w=what,
    )


def _key_error(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    key = message.strip()
    spots = [n for n in nodes(tree, ast.Subscript) if ast.unparse(n.slice) == key]
    where = code(spots[0].value) if len(spots) == 1 else ctx.t("the dict", "字典")
    return ctx.t(
        "The key {k} is not in {w}. Check the spelling, or use `.get(key, default)` to "
        "allow a missing key.",
        "键 {k} 不在{w}中。请检查拼写，或用 `.get(键, 默认值)` 允许键不存在。",
        k=code(key),
        w=where,
    )


def _attribute_error(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    m = re.match(r"'(\w+)' object has no attribute '(\w+)'", message)
    if m:
        typ, attr = m.groups()
        owners = [n.value for n in nodes(tree, ast.Attribute) if n.attr == attr]
        owner = ctx.t(" ({o})", "（{o}）", o=code(owners[0])) if len(owners) == 1 else ""
        if typ == "NoneType":
            return ctx.t(
                "The value{o} is None here, so it has no attribute {a}; an earlier step probably "
                "returned None (for example a function without `return`, or a method like "
                "`.sort()` that changes a list in place).",
                "这里的值{o}是 None，所以没有属性 {a}；"
                "之前的某一步可能返回了 None"
                "（例如没有 `return` 的函数，或像 `.sort()` 这样原地修改列表的方法）。",
                o=owner,
                a=code(attr),
            )
        return ctx.t(
            "A value of type {t}{o} has no attribute or method {a}.",
            "{t} 类型的值{o}没有属性或方法 {a}。",
            t=code(typ),
            o=owner,
            a=code(attr),
        )
    m = re.match(r"module '([\w.]+)' has no attribute '(\w+)'", message)
    if m:
        return ctx.t(
            "The module {m} has no {a}: check the spelling, or whether a file of yours named "
            "like the module hides it.",
            "模块 {m} 中没有 {a}：请检查拼写，或者是否有你自己的同名文件遮蔽了它。",
            m=code(m.group(1)),
            a=code(m.group(2)),
        )
    return None


def _assertion(message: str, tree: ast.AST | None, ctx: Ctx) -> str | None:
    asserts = nodes(tree, ast.Assert)
    if len(asserts) != 1:
        return None
    text = ctx.t(
        "The check failed: it is not true here that {c}.",
        "检查失败：这里并不满足“{c}”。",
        c=expr.condition(asserts[0].test, ctx),
    )
    return text


_BY_TYPE: dict[str, Explainer] = {
    "ZeroDivisionError": _zero_division,
    "NameError": _name_error,
    "UnboundLocalError": _unbound,
    "TypeError": type_errors.type_error,
    "ValueError": _value_error,
    "IndexError": _index_error,
    "KeyError": _key_error,
    "AttributeError": _attribute_error,
    "AssertionError": _assertion,
}

_MEANING: dict[str, tuple[str, str]] = {
    "ZeroDivisionError": ("a number was divided by zero", "用一个数除以了零"),
    "NameError": ("a name was used that has no value", "使用了一个没有值的名字"),
    "UnboundLocalError": (
        "a local variable was read before it was assigned",
        "在赋值之前读取了局部变量",
    ),
    "TypeError": ("an operation was given a value of the wrong type", "某个操作收到了类型不对的值"),
    "ValueError": (
        "a value had the right type but an unusable content",
        "值的类型正确，但内容不可用",
    ),
    "IndexError": ("a position was outside a sequence", "位置超出了序列范围"),
    "KeyError": ("a dict was asked for a key it does not contain", "在字典中查找了不存在的键"),
    "AttributeError": (
        "a value has no attribute or method of that name",
        "值没有这个名字的属性或方法",
    ),
    "AssertionError": ("an `assert` check failed", "`assert` 检查失败"),
    "FileNotFoundError": (
        "no file or directory exists at the given path",
        "给定的路径上没有文件或目录",
    ),
    "ModuleNotFoundError": (
        "the module could not be found in this Python environment",
        "在当前 Python 环境中找不到该模块",
    ),
    "ImportError": ("a name could not be imported from a module", "无法从模块中导入某个名字"),
    "RecursionError": (
        "functions called each other too deeply, usually recursion without an end case",
        "函数调用嵌套过深，通常是递归缺少终止条件",
    ),
    "StopIteration": ("an iterator had no items left", "迭代器已经没有剩余的元素"),
    "PermissionError": (
        "the operating system refused access to a file or resource",
        "操作系统拒绝访问文件或资源",
    ),
    "IsADirectoryError": (
        "a directory was used where a file was expected",
        "在需要文件的地方用了目录",
    ),
    "UnicodeDecodeError": (
        "bytes could not be decoded as text in the given encoding",
        "字节无法按给定编码解码为文本",
    ),
    "JSONDecodeError": ("the text is not valid JSON", "文本不是有效的 JSON"),
    "OverflowError": ("a number became too large to represent", "数字太大，无法表示"),
    "MemoryError": ("the program ran out of memory", "程序内存不足"),
    "RuntimeError": (
        "an error that fits no more specific category",
        "不属于更具体类别的运行时错误",
    ),
    "NotImplementedError": ("this part has not been written yet", "这一部分尚未实现"),
    "KeyboardInterrupt": ("the run was interrupted", "运行被中断"),
    "TimeoutError": ("an operation took too long", "某个操作耗时过长"),
    "SyntaxError": ("the code is not valid Python", "代码不是有效的 Python"),
    "IndentationError": ("the indentation of the code is wrong", "代码的缩进不正确"),
}


def explain_error(type_name: str, message: str, line_source: str, language: str = "en") -> str:
    """What the exception means and, where the line shows it, the likely cause and values."""
    ctx = Ctx(lang="zh" if language.startswith("zh") else "en")
    short = type_name.rsplit(".", 1)[-1]
    try:
        tree = _parse_line(line_source or "")
    except (RecursionError, ValueError, MemoryError):
        tree = None
    detail: str | None = None
    handler = _BY_TYPE.get(short)
    if handler is not None:
        try:
            detail = handler(message or "", tree, ctx)
        except Exception:  # a surprising message shape: fall back to the meaning alone
            detail = None
    if detail is None:
        detail = _specific(short, message or "", ctx)
    meaning = _MEANING.get(short)
    head = (
        ctx.t("{t}: {m}.", "{t}：{m}。", t=code(short), m=ctx.t(*meaning))
        if meaning
        else ctx.t("{t} was raised.", "引发了 {t}。", t=code(short))
    )
    text = head if detail is None else f"{head} {detail}"
    return space_zh(text) if ctx.lang == "zh" else text


def _specific(short: str, message: str, ctx: Ctx) -> str | None:
    names = quoted(message)
    if short == "FileNotFoundError" and names:
        return ctx.t(
            "There is no file at {p}; a relative path is looked up from the current working "
            "directory.",
            "路径 {p} 上没有文件；相对路径是从当前工作目录开始查找的。",
            p=code(names[-1]),
        )
    if short == "ModuleNotFoundError" and names:
        return ctx.t(
            "The module {m} is not installed here, or its name is misspelled.",
            "模块 {m} 没有安装在这里，或者名字拼写错误。",
            m=code(names[0]),
        )
    if short == "RecursionError":
        return ctx.t(
            "Check that the recursive function reaches a case where it stops calling itself.",
            "请检查递归函数能否到达不再调用自身的终止条件。",
        )
    if message:
        return ctx.t("Python's message: {m}", "Python 的消息：{m}", m=code(message.splitlines()[0]))
    return None
