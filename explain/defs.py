"""Function and class definitions in words: parameters, decorators, what the body returns."""

from __future__ import annotations

import ast

from prosepy.explain import blocks
from prosepy.explain.core import Ctx, code

_DECORATORS = {
    "property": (
        "a property: reading the attribute {n} of an object runs it",
        "属性：读取对象的 {n} 属性时会运行它",
    ),
    "staticmethod": ("a static method (it receives no `self`)", "静态方法（不接收 `self`）"),
    "classmethod": (
        "a class method (it receives the class as its first argument)",
        "类方法（第一个参数接收类本身）",
    ),
    "functools.cache": ("its results are cached per argument values", "会按参数值缓存其结果"),
    "functools.lru_cache": ("its results are cached per argument values", "会按参数值缓存其结果"),
    "functools.wraps": (
        "it copies the name and docstring of the wrapped function",
        "会复制被包装函数的名字和文档字符串",
    ),
    "contextlib.contextmanager": (
        "it can be used in a `with` statement (its `yield` is where the block runs)",
        "可以用在 `with` 语句中（`yield` 处执行 with 块）",
    ),
    "abc.abstractmethod": (
        "an abstract method that subclasses must provide",
        "抽象方法，子类必须实现",
    ),
}
_DUNDER = {
    "__init__": (
        "the initializer of {c}: it runs when a new {c} object is created",
        "{c} 的初始化方法：创建新的 {c} 对象时运行",
    ),
    "__str__": (
        "how a {c} is shown as text by `str()` and `print()`",
        "{c} 被 `str()` 和 `print()` 转成文本的方式",
    ),
    "__repr__": (
        "how a {c} is shown for debugging by `repr()`",
        "{c} 被 `repr()` 显示（用于调试）的方式",
    ),
    "__eq__": ("what `==` means for a {c}", "{c} 的 `==` 比较的含义"),
    "__len__": ("what `len()` gives for a {c}", "对 {c} 调用 `len()` 的结果"),
    "__iter__": ("how a {c} is looped over", "遍历 {c} 的方式"),
    "__enter__": (
        "what happens when a `with` block starts on a {c}",
        "`with` 块开始时对 {c} 做的事",
    ),
    "__exit__": ("what happens when a `with` block on a {c} ends", "`with` 块结束时对 {c} 做的事"),
}


def _decorator_name(d: ast.expr, ctx: Ctx) -> str | None:
    target = d.func if isinstance(d, ast.Call) else d
    qual = ctx.qualname(target)
    if qual and qual.startswith("builtins."):
        return qual[9:]
    return qual


def params(args: ast.arguments, ctx: Ctx, skip_first: bool) -> list[str]:
    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(
        args.defaults
    )
    out = []
    for i, (a, default) in enumerate(zip(positional, defaults, strict=True)):
        if i == 0 and skip_first:
            continue
        out.append(_param(a, default, ctx, False))
    if args.vararg:
        out.append(
            ctx.t(
                "{v} (any number of extra positional arguments, as a tuple)",
                "{v}（任意多个额外的位置参数，组成元组）",
                v=code("*" + args.vararg.arg),
            )
        )
    for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(_param(a, default, ctx, True))
    if args.kwarg:
        out.append(
            ctx.t(
                "{v} (any extra keyword arguments, as a dict)",
                "{v}（任意额外的关键字参数，组成字典）",
                v=code("**" + args.kwarg.arg),
            )
        )
    return out


def _param(a: ast.arg, default: ast.expr | None, ctx: Ctx, kwonly: bool) -> str:
    notes = []
    if a.annotation is not None:
        notes.append(ctx.t("a {t}", "类型 {t}", t=code(a.annotation)))
    if kwonly:
        notes.append(ctx.t("keyword-only", "只能按关键字传入"))
    if default is not None:
        notes.append(ctx.t("default {d}", "默认 {d}", d=code(default)))
    sep = "，" if ctx.lang == "zh" else ", "
    return code(a.arg) + (ctx.t(" ({n})", "（{n}）", n=sep.join(notes)) if notes else "")


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Nodes of a function body, not descending into nested functions, classes or lambdas."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ):
                stack.append(child)
    return out


def docstring_line(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str | None:
    doc = ast.get_docstring(node, clean=True)
    if not doc:
        return None
    first = doc.strip().split("\n\n")[0].replace("\n", " ").strip().rstrip(".。")
    return first if len(first) <= 200 else first[:199] + "…"


def function(node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Ctx) -> str:
    owner = ctx.parent(node)
    cls = owner.name if isinstance(owner, ast.ClassDef) else None
    decos = [_decorator_name(d, ctx) for d in node.decorator_list]
    is_static = "staticmethod" in decos
    kind = ctx.t("method", "方法") if cls else ctx.t("function", "函数")
    if isinstance(node, ast.AsyncFunctionDef):
        kind = ctx.t("asynchronous {k}", "异步{k}", k=kind)
    where = ctx.t(" of the class {c}", "（属于类 {c}）", c=code(cls)) if cls else ""
    text = ctx.t("defines the {k} {n}{w}", "定义{k} {n}{w}", k=kind, n=code(node.name), w=where)
    plist = params(
        node.args,
        ctx,
        skip_first=bool(cls) and not is_static and bool(node.args.posonlyargs + node.args.args),
    )
    text += (
        ctx.t(", taking {p}", "，参数为 {p}", p=ctx.join(plist))
        if plist
        else ctx.t(", taking no arguments", "，不接收参数")
    )
    if isinstance(node, ast.AsyncFunctionDef):
        text += ctx.t(
            " (calling it gives a coroutine, which runs when awaited)",
            "（调用它得到一个协程，用 `await` 等待时才运行）",
        )
    if cls and node.name in _DUNDER:
        en, zh = _DUNDER[node.name]
        text += ctx.t("; it is {d}", "；它是{d}", d=ctx.t(en, zh, c=code(cls)))
    if node.returns is not None:
        text += ctx.t(" and declared to return {r}", "，声明返回 {r}", r=code(node.returns))
    notes = []
    for name, d in zip(decos, node.decorator_list, strict=True):
        if name in _DECORATORS:
            en, zh = _DECORATORS[name]
            notes.append(ctx.t(en, zh, n=code(node.name)))
        else:
            notes.append(
                ctx.t("it is wrapped by the decorator {d}", "它被装饰器 {d} 包装", d=code(d))
            )
    if notes:
        sep = "；" if ctx.lang == "zh" else "; "
        text += ctx.t(" ({n})", "（{n}）", n=sep.join(notes))
    doc = docstring_line(node)
    if doc:
        text += ctx.t(". Its docstring says: “{d}”", "。文档字符串：“{d}”", d=doc)
    return text + _behaviour(node, ctx)


def _behaviour(node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Ctx) -> str:
    if not ctx.bodies:
        return ""
    own = _own_nodes(node.body)
    yields = [n for n in own if isinstance(n, ast.Yield | ast.YieldFrom)]
    returns = sorted(
        (n for n in own if isinstance(n, ast.Return) and n.value is not None),
        key=lambda n: (n.lineno, n.col_offset),
    )
    body = [
        s
        for s in node.body
        if not (
            isinstance(s, ast.Expr)
            and isinstance(s.value, ast.Constant)
            and isinstance(s.value.value, str)
        )
    ]
    if yields:
        return ctx.t(
            ". It is a generator: calling it gives an iterator, and the body runs as values are "
            "asked for",
            "。它是一个生成器：调用它得到一个迭代器，函数体在取值时才逐步执行",
        )
    if len(body) <= blocks.BODY_STATEMENTS and ctx.depth < blocks.MAX_DEPTH:
        return (
            ctx.t(". When called: {b}", "。调用时：{b}", b=blocks.summary(body, ctx))
            if body
            else ""
        )
    distinct = list(dict.fromkeys(ast.unparse(r.value) for r in returns if r.value is not None))
    if len(distinct) == 1:
        return ctx.t(
            ". Where it returns a value, the value is {r}",
            "。它用 `return` 返回的值是 {r}",
            r=code(distinct[0]),
        )
    if 1 < len(distinct) <= 3:
        return ctx.t(
            ". Where it returns a value, the value is {r}, depending on the case",
            "。它用 `return` 返回的值视情况为 {r}",
            r=ctx.join([code(d) for d in distinct], "or"),
        )
    if not returns:
        return ctx.t(
            ". It has no `return` with a value: a call that finishes gives None",
            "。它没有带值的 `return`：调用正常结束时得到 None",
        )
    return ""


def class_(node: ast.ClassDef, ctx: Ctx) -> str:
    decos = [_decorator_name(d, ctx) for d in node.decorator_list]
    text = ctx.t("defines the class {n}", "定义类 {n}", n=code(node.name))
    bases = [b for b in node.bases]
    if bases:
        text += ctx.t(", based on {b}", "，继承自 {b}", b=ctx.join([code(b) for b in bases]))
    if any(d in ("dataclasses.dataclass", "dataclass") for d in decos):
        text += ctx.t(
            ", as a dataclass (`__init__`, `__repr__` and `__eq__` are generated from its fields)",
            "，是一个数据类（根据字段自动生成 `__init__`、`__repr__` 和 `__eq__`）",
        )
    fields = [
        s.target.id
        for s in node.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
    ]
    methods = [s.name for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    if fields:
        text += ctx.t(
            "; its fields: {f}",
            "；字段：{f}",
            f=ctx.join([code(f) for f in fields[:8]]) + ("…" if len(fields) > 8 else ""),
        )
    if methods:
        text += ctx.t(
            "; its methods: {m}",
            "；方法：{m}",
            m=ctx.join([code(m) for m in methods[:8]]) + ("…" if len(methods) > 8 else ""),
        )
    doc = docstring_line(node)
    if doc:
        text += ctx.t(". Its docstring says: “{d}”", "。文档字符串：“{d}”", d=doc)
    return text


blocks.register(ast.FunctionDef, function)
blocks.register(ast.AsyncFunctionDef, function)
blocks.register(ast.ClassDef, class_)
