"""Simple statements in words: assignments, calls, imports, return, raise, del, assert..."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from prosepy.explain import calls, expr, names
from prosepy.explain.core import Ctx, code

_AUG = {
    ast.Add: ("adds {v} to {x}", "把 {v} 加到 {x} 上"),
    ast.Sub: ("subtracts {v} from {x}", "从 {x} 中减去 {v}"),
    ast.Mult: ("multiplies {x} by {v}", "把 {x} 乘以 {v}"),
    ast.Div: ("divides {x} by {v}", "把 {x} 除以 {v}"),
    ast.FloorDiv: (
        "divides {x} by {v}, rounding down to a whole number",
        "把 {x} 除以 {v} 并向下取整",
    ),
    ast.Mod: ("sets {x} to the remainder of {x} divided by {v}", "把 {x} 设为 {x} 除以 {v} 的余数"),
    ast.Pow: ("raises {x} to the power of {v}", "把 {x} 变为它的 {v} 次方"),
}


def _names(targets: list[ast.expr], ctx: Ctx) -> str:
    return ctx.join([code(t) for t in targets])


def assign(node: ast.Assign, ctx: Ctx) -> str:
    value = node.value
    if len(node.targets) > 1:
        return ctx.t(
            "sets {t} to {v} (the same value for each)",
            "把 {t} 都设为 {v}",
            t=_names(node.targets, ctx),
            v=expr.value(value, ctx),
        )
    return store(node.targets[0], value, ctx)


def store(target: ast.expr, value: ast.expr, ctx: Ctx) -> str:
    """What ``target = value`` does."""
    if isinstance(target, ast.Tuple | ast.List):
        elts = target.elts
        if (
            isinstance(value, ast.Tuple | ast.List)
            and len(value.elts) == len(elts)
            and not any(isinstance(e, ast.Starred) for e in list(elts) + list(value.elts))
        ):
            tn = [ast.unparse(e) for e in elts]
            vn = [ast.unparse(e) for e in value.elts]
            if len(tn) == 2 and tn == vn[::-1] and tn[0] != tn[1]:
                return ctx.t(
                    "swaps the values of {a} and {b}",
                    "交换 {a} 和 {b} 的值",
                    a=code(elts[0]),
                    b=code(elts[1]),
                )
            pairs = [
                ctx.t("{t} to {v}", "{t} 设为 {v}", t=code(t), v=expr.operand(v, ctx))
                for t, v in zip(elts, value.elts, strict=True)
            ]
            joined = "，同时把 ".join(pairs) if ctx.lang == "zh" else ctx.join(pairs)
            return ctx.t(
                "sets {p}, all at once (the right side is computed first)",
                "把 {p}（先计算右边的所有值）",
                p=joined,
            )
        text = ctx.t(
            "unpacks {v} into {n}",
            "把 {v} 拆分到 {n}",
            v=expr.operand(value, ctx),
            n=_names(list(elts), ctx),
        )
        star = [e for e in elts if isinstance(e, ast.Starred)]
        if star:
            text += ctx.t(
                " ({s} collects the remaining items as a list)",
                "（{s} 以列表形式收集其余各项）",
                s=code(star[0].value),
            )
        return text
    if isinstance(target, ast.Subscript):
        obj, key = code(target.value), target.slice
        if isinstance(key, ast.Slice):
            return ctx.t(
                "replaces the part {t} with the items of {v}",
                "用 {v} 的各项替换 {t} 这一部分",
                t=code(target),
                v=expr.operand(value, ctx),
            )
        kind = ctx.kind(target.value)
        if kind == "dict":
            return ctx.t(
                "stores {v} in {d} under the key {k}",
                "把 {v} 存入 {d} 中键 {k} 处",
                v=expr.operand(value, ctx),
                d=obj,
                k=code(key),
            )
        if kind == "list":
            return ctx.t(
                "sets the item at position {k} of {d} to {v}",
                "把 {d} 中位置 {k} 的项设为 {v}",
                v=expr.operand(value, ctx),
                d=obj,
                k=code(key),
            )
        return ctx.t(
            "stores {v} in {d} at the index or key {k}",
            "把 {v} 存入 {d} 中索引或键为 {k} 的位置",
            v=expr.operand(value, ctx),
            d=obj,
            k=code(key),
        )
    return ctx.t("sets {t} to {v}", "把 {t} 设为 {v}", t=code(target), v=expr.value(value, ctx))


def aug_assign(node: ast.AugAssign, ctx: Ctx) -> str:
    x, v = code(node.target), expr.operand(node.value, ctx)
    kind = ctx.kind(node.target)
    if isinstance(node.op, ast.Add) and kind == "str":
        return ctx.t("appends {v} to the text {x}", "把 {v} 接到文本 {x} 的末尾", x=x, v=v)
    if isinstance(node.op, ast.Add) and kind == "list":
        return ctx.t(
            "adds the items of {v} to the end of {x}", "把 {v} 的各项添加到 {x} 的末尾", x=x, v=v
        )
    if isinstance(node.op, ast.Mult) and kind in ("str", "list"):
        return ctx.t("repeats {x} {v} times", "把 {x} 重复 {v} 次", x=x, v=v)
    if isinstance(node.op, ast.Sub) and kind == "set":
        return ctx.t("removes from {x} the items of {v}", "从 {x} 中去掉 {v} 的各项", x=x, v=v)
    numeric = kind == "num" or expr.is_numeric(node.value, ctx)
    if type(node.op) in _AUG and (isinstance(node.op, ast.Add) or numeric):
        # Only `+=` reads the same for numbers, text and lists; `/=` also joins paths...
        en, zh = _AUG[type(node.op)]
        return ctx.t(en, zh, x=x, v=v)
    op = ast.unparse(ast.BinOp(left=node.target, op=node.op, right=node.value))
    return ctx.t("sets {x} to {e}", "把 {x} 设为 {e}", x=x, e=code(op))


def ann_assign(node: ast.AnnAssign, ctx: Ctx) -> str:
    t, a = code(node.target), code(node.annotation)
    if node.value is None:
        return ctx.t(
            "declares that {t} holds a value of type {a}, without giving it one yet",
            "声明 {t} 的类型为 {a}（尚未赋值）",
            t=t,
            a=a,
        )
    return ctx.t(
        "sets {t} (declared as type {a}) to {v}",
        "把 {t}（声明类型为 {a}）设为 {v}",
        t=t,
        a=a,
        v=expr.value(node.value, ctx),
    )


def expr_stmt(node: ast.Expr, ctx: Ctx) -> str:
    value = node.value
    if isinstance(value, ast.Call):
        np, action = calls.describe_call(value, ctx)
        if action:
            return action
        if np:
            return ctx.t(
                "computes {n}, without keeping the result", "计算{n}，但没有保存结果", n=np
            )
        return calls.generic(value, ctx)[1]
    if isinstance(value, ast.Constant):
        if isinstance(value.value, str) and _is_docstring(node, ctx):
            return ctx.t(
                "documentation text (a docstring) for this {w}",
                "文档字符串：说明这个{w}的用途",
                w=_docstring_owner(node, ctx),
            )
        if value.value is Ellipsis:
            return ctx.t("does nothing (`...` is a placeholder)", "什么也不做（`...` 是占位符）")
        return ctx.t(
            "evaluates {x} and does nothing with it", "计算 {x}，但不做任何处理", x=code(value)
        )
    if isinstance(value, ast.Yield):
        if value.value is None:
            return ctx.t("pauses the generator, producing None", "暂停生成器，产生 None")
        return ctx.t(
            "produces {v} as the generator's next value, pausing until the next one is asked for",
            "产生 {v} 作为生成器的下一个值，并暂停直到下一次被请求",
            v=expr.operand(value.value, ctx),
        )
    if isinstance(value, ast.YieldFrom):
        return ctx.t(
            "produces every value of {v} in turn, as this generator's own",
            "依次产生 {v} 的每一个值，作为本生成器的值",
            v=code(value.value),
        )
    if isinstance(value, ast.Await):
        return ctx.t("waits for {v} to finish", "等待 {v} 完成", v=code(value.value))
    return ctx.t(
        "evaluates {x} without keeping the result (an interactive session would show it)",
        "计算 {x}，不保存结果（交互式环境会显示它）",
        x=code(value),
    )


def _is_docstring(node: ast.stmt, ctx: Ctx) -> bool:
    parent = ctx.parent(node)
    if not isinstance(parent, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return bool(parent.body) and parent.body[0] is node


def _docstring_owner(node: ast.stmt, ctx: Ctx) -> str:
    parent = ctx.parent(node)
    if isinstance(parent, ast.ClassDef):
        return ctx.t("class", "类")
    if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
        return ctx.t("function", "函数")
    return ctx.t("module", "模块")


def return_(node: ast.Return, ctx: Ctx) -> str:
    func = enclosing(node, ctx, (ast.FunctionDef, ast.AsyncFunctionDef))
    fname = code(func.name) if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) else None
    if node.value is None or isinstance(node.value, ast.Constant) and node.value.value is None:
        if fname:
            return ctx.t("ends {f}, returning None", "结束 {f}，返回 None", f=fname)
        return ctx.t("ends the function, returning None", "结束函数，返回 None")
    if isinstance(node.value, ast.Tuple) and len(node.value.elts) > 1:
        what = ctx.t(
            "a tuple of {v}",
            "由 {v} 组成的元组",
            v=ctx.join([code(e) for e in node.value.elts]),
        )
    else:
        what = expr.value(node.value, ctx)
    if fname:
        return ctx.t("{f} returns {v}", "从 {f} 返回 {v}", v=what, f=fname)
    return ctx.t("returns {v}", "返回 {v}", v=what)


def enclosing(node: ast.AST, ctx: Ctx, kinds: tuple[type, ...]) -> ast.AST | None:
    """The nearest enclosing statement of one of ``kinds`` (stops at function boundaries)."""
    current = ctx.parent(node)
    while current is not None:
        if isinstance(current, kinds):
            return current
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return None
        current = ctx.parent(current)
    return None


def _loop_header(loop: ast.AST) -> str:
    if isinstance(loop, ast.For | ast.AsyncFor):
        return code(f"for {ast.unparse(loop.target)} in {ast.unparse(loop.iter)}")
    assert isinstance(loop, ast.While)
    return code(f"while {ast.unparse(loop.test)}")


def break_(node: ast.Break, ctx: Ctx) -> str:
    loop = enclosing(node, ctx, (ast.For, ast.AsyncFor, ast.While))
    if loop is None:
        return ctx.t("leaves the innermost loop immediately", "立即跳出最内层的循环")
    return ctx.t(
        "leaves the loop {l} immediately, skipping its `else` block if it has one",
        "立即跳出循环 {l}（如果循环有 `else` 块，也会跳过它）",
        l=_loop_header(loop),
    )


def continue_(node: ast.Continue, ctx: Ctx) -> str:
    loop = enclosing(node, ctx, (ast.For, ast.AsyncFor, ast.While))
    if isinstance(loop, ast.While):
        return ctx.t(
            "skips the rest of this pass and goes back to check {c}",
            "跳过本轮剩余部分，回到循环条件 {c} 的判断",
            c=code(loop.test),
        )
    if loop is not None:
        return ctx.t(
            "skips the rest of this pass of {l} and goes on with the next item",
            "跳过 {l} 本轮剩余部分，继续处理下一项",
            l=_loop_header(loop),
        )
    return ctx.t("skips to the next pass of the innermost loop", "跳到最内层循环的下一轮")


def raise_(node: ast.Raise, ctx: Ctx) -> str:
    exc = node.exc
    if exc is None:
        return ctx.t(
            "re-raises the exception currently being handled", "重新引发当前正在处理的异常"
        )
    if isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name | ast.Attribute):
        if exc.args or exc.keywords:
            text = ctx.t(
                "raises a {e} with {a}",
                "引发 {e} 异常，参数为 {a}",
                e=code(exc.func),
                a=calls.args_text(exc, ctx),
            )
        else:
            text = ctx.t("raises a {e}", "引发 {e} 异常", e=code(exc.func))
    else:
        text = ctx.t("raises {e}", "引发 {e}", e=code(exc))
    if node.cause is not None:
        if isinstance(node.cause, ast.Constant) and node.cause.value is None:
            text += ctx.t(
                " (hiding the exception that was being handled)", "（隐藏原先正在处理的异常）"
            )
        else:
            text += ctx.t(
                " (recording {c} as its cause)", "（并把 {c} 记为其原因）", c=code(node.cause)
            )
    return text


def assert_(node: ast.Assert, ctx: Ctx) -> str:
    text = ctx.t(
        "checks that {c}; if not, stops with an AssertionError",
        "检查“{c}”是否成立；如果不成立，引发 AssertionError",
        c=expr.condition(node.test, ctx),
    )
    if node.msg is not None:
        text += ctx.t(" carrying the message {m}", "，消息为 {m}", m=code(node.msg))
    return text + ctx.t(
        " (checks are skipped when Python runs with -O)", "（以 -O 运行 Python 时会跳过这类检查）"
    )


def delete(node: ast.Delete, ctx: Ctx) -> str:
    parts = []
    for target in node.targets:
        if isinstance(target, ast.Subscript):
            if isinstance(target.slice, ast.Slice):
                parts.append(ctx.t("removes the part {t}", "删除 {t} 这一部分", t=code(target)))
            else:
                parts.append(
                    ctx.t(
                        "removes the entry at index or key {k} from {d}",
                        "从 {d} 中删除索引或键为 {k} 的项",
                        k=code(target.slice),
                        d=code(target.value),
                    )
                )
        elif isinstance(target, ast.Attribute):
            parts.append(
                ctx.t(
                    "deletes the attribute {a} of {o}",
                    "删除 {o} 的属性 {a}",
                    a=code(target.attr),
                    o=code(target.value),
                )
            )
        else:
            parts.append(ctx.t("deletes the name {n}", "删除名字 {n}", n=code(target)))
    return ctx.join(parts)


#: Statement type -> its clause (the node's own type as the first argument).
SIMPLE: dict[type[ast.stmt], Callable[[Any, Ctx], str]] = {
    ast.Assign: assign,
    ast.AugAssign: aug_assign,
    ast.AnnAssign: ann_assign,
    ast.Expr: expr_stmt,
    ast.Return: return_,
    ast.Break: break_,
    ast.Continue: continue_,
    ast.Raise: raise_,
    ast.Assert: assert_,
    ast.Delete: delete,
    ast.Import: names.import_,
    ast.ImportFrom: names.import_from,
    ast.Global: names.global_,
    ast.Nonlocal: names.nonlocal_,
    ast.Pass: lambda n, c: c.t(
        "does nothing (a placeholder where a statement is required)",
        "什么也不做（在需要语句的地方占位）",
    ),
}
