"""Pitfalls visible in one statement: shadowed builtins, shared mutable defaults, and more.

Each check looks only at the statement's own header (not nested bodies, which are
statements of their own) and reports something only when the code shows it for certain.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prosepy.explain import calls
from prosepy.explain.core import BUILTIN_NAMES, Ctx, code

_SKIP_FIELDS = {"body", "orelse", "finalbody", "handlers", "cases"}
#: Builtins worth warning about: shadowing exceptions or rare names is less of a trap.
_NOTABLE = (
    BUILTIN_NAMES
    - {n for n in BUILTIN_NAMES if n[0].isupper()}
    - {"copyright", "credits", "license", "exit", "quit", "help"}
)


def own_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """Expression-level nodes of a statement's header, not of its nested statements."""
    stack: list[ast.AST] = []
    for name, value in ast.iter_fields(stmt):
        if name in _SKIP_FIELDS:
            continue
        if isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            stack.append(value)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _bound_names(stmt: ast.stmt) -> list[str]:
    names: list[str] = []
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        names.append(stmt.name)
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        a = stmt.args
        names += [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        names += [(al.asname or al.name).split(".")[0] for al in stmt.names if al.name != "*"]
    for node in own_nodes(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
    if isinstance(stmt, ast.Try | ast.TryStar):
        names += [h.name for h in stmt.handlers if h.name]
    return names


def find(stmt: ast.stmt, ctx: Ctx) -> list[str]:
    out: list[str] = []
    for name in dict.fromkeys(_bound_names(stmt)):
        if name in _NOTABLE:
            out.append(
                ctx.t(
                    "{n} hides Python's built-in {n} in this scope; calls to {c} here no "
                    "longer reach the built-in",
                    "{n} 遮蔽了 Python 内置的 {n}：在这个作用域里调用 {c} 不再是内置函数",
                    n=code(name),
                    c=code(name + "()"),
                )
            )
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        for default in stmt.args.defaults + [d for d in stmt.args.kw_defaults if d is not None]:
            if isinstance(default, ast.List | ast.Dict | ast.Set) or (
                isinstance(default, ast.Call)
                and ctx.qualname(default.func) in ("builtins.list", "builtins.dict", "builtins.set")
            ):
                out.append(
                    ctx.t(
                        "the default {d} is created once and shared by every call, so changes "
                        "to it persist between calls; use None and create it inside",
                        "默认值 {d} 只创建一次并被所有调用共享，对它的修改会保留到下次调用；"
                        "建议用 None 并在函数内创建",
                        d=code(default),
                    )
                )
    if isinstance(stmt, ast.Try):
        for h in stmt.handlers:
            if h.type is None:
                out.append(
                    ctx.t(
                        "a bare `except:` also catches KeyboardInterrupt and SystemExit; "
                        "catch `Exception` or something narrower",
                        "裸 `except:` 连 KeyboardInterrupt 和 SystemExit 也会捕获；"
                        "应捕获 `Exception` 或更具体的异常",
                    )
                )
            if len(h.body) == 1 and isinstance(h.body[0], ast.Pass):
                out.append(
                    ctx.t(
                        "the error is silently ignored (`pass`), which can hide bugs",
                        "异常被悄悄忽略（`pass`），可能掩盖错误",
                    )
                )
    if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Tuple) and stmt.test.elts:
        out.append(
            ctx.t(
                "asserting a tuple is always true, so this never fails; write "
                "`assert cond, message`",
                "对元组断言永远为真，因此不会失败；应写作 `assert 条件, 消息`",
            )
        )
    if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
        out.append(
            ctx.t(
                "`import *` brings in names you cannot see here and may silently replace your own",
                "`import *` 会引入这里看不到的名字，可能悄悄覆盖你自己的名字",
            )
        )
    if isinstance(stmt, ast.For | ast.AsyncFor) and isinstance(stmt.iter, ast.Name):
        mutated = _mutates(stmt.body, stmt.iter.id)
        if mutated:
            out.append(
                ctx.t(
                    "the loop changes {x} while looping over it ({m}), so it can skip items "
                    "or also visit the added ones; loop over a copy such as {c}",
                    "循环在遍历 {x} 的同时修改它（{m}），可能跳过元素或连新加入的元素也遍历；"
                    "请遍历副本，如 {c}",
                    x=code(stmt.iter),
                    m=code(mutated),
                    c=code(f"{stmt.iter.id}[:]"),
                )
            )
    out += _expression_pitfalls(stmt, ctx)
    return out


def _mutates(body: list[ast.stmt], name: str) -> str | None:
    for stmt in body:
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == name
                and node.func.attr in ("append", "remove", "pop", "insert", "clear", "extend")
            ):
                return ast.unparse(node)
            if isinstance(node, ast.Delete):
                for t in node.targets:
                    if (
                        isinstance(t, ast.Subscript)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == name
                    ):
                        return ast.unparse(node)
    return None


def _expression_pitfalls(stmt: ast.stmt, ctx: Ctx) -> list[str]:
    out: list[str] = []
    for node in own_nodes(stmt):
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators, strict=True):
                if (
                    isinstance(op, ast.Eq | ast.NotEq)
                    and isinstance(right, ast.Constant)
                    and right.value is None
                ):
                    out.append(
                        ctx.t(
                            "compare with None using `is None` / `is not None`, not `==`",
                            "与 None 比较应使用 `is None` / `is not None`，而不是 `==`",
                        )
                    )
                if (
                    isinstance(op, ast.Is | ast.IsNot)
                    and isinstance(right, ast.Constant)
                    and isinstance(right.value, int | str | float | bytes)
                    and not isinstance(right.value, bool)
                ):
                    out.append(
                        ctx.t(
                            "`is` checks identity, not value; use `==` to compare with {v}",
                            "`is` 比较的是对象身份而不是值；与 {v} 比较应使用 `==`",
                            v=code(right),
                        )
                    )
        if isinstance(node, ast.Call) and ctx.qualname(node.func) in (
            "builtins.eval",
            "builtins.exec",
        ):
            out.append(
                ctx.t(
                    "{f} runs text as Python code: never give it text from users or files",
                    "{f} 会把文本当作 Python 代码执行：切勿传入来自用户或文件的文本",
                    f=code(node.func),
                )
            )
    value = getattr(stmt, "value", None)
    if (
        isinstance(stmt, ast.Assign | ast.Return | ast.AnnAssign)
        and isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in calls.IN_PLACE
        and ctx.qualname(value.func) is None
        and _in_place_ok(value, ctx)
    ):
        out.append(
            ctx.t(
                "{c} changes {r} in place and returns None, so the result here is None",
                "{c} 原地修改 {r} 并返回 None，因此这里得到的是 None",
                c=code(value),
                r=code(value.func.value),
            )
        )
    return out


def _in_place_ok(call: ast.Call, ctx: Ctx) -> bool:
    """Only lists are known to return None from these methods."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else call.func
    return ctx.kind(receiver) == "list"
