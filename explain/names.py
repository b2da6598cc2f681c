"""Statements about names: imports, `global` and `nonlocal`; what common modules are for."""

from __future__ import annotations

import ast

from prosepy.explain.core import Ctx, code

#: Module descriptions for imports.
MODULES: dict[str, tuple[str, str]] = {
    "os": (
        "operating-system services: files, directories, environment",
        "操作系统服务：文件、目录、环境变量",
    ),
    "os.path": ("file-path operations", "文件路径操作"),
    "sys": ("the interpreter: arguments, exit, standard streams", "解释器相关：参数、退出、标准流"),
    "re": ("regular expressions", "正则表达式"),
    "json": ("reading and writing JSON", "读写 JSON"),
    "math": ("mathematical functions", "数学函数"),
    "random": ("random numbers", "随机数"),
    "datetime": ("dates and times", "日期和时间"),
    "time": ("time and clocks", "时间与时钟"),
    "collections": (
        "container types such as Counter, deque and defaultdict",
        "容器类型，如 Counter、deque、defaultdict",
    ),
    "itertools": ("tools for building iterators", "构造迭代器的工具"),
    "functools": ("tools for working with functions", "函数相关的工具"),
    "pathlib": ("object-oriented file paths", "面向对象的文件路径"),
    "subprocess": ("running other programs", "运行其他程序"),
    "typing": ("type hints", "类型注解"),
    "csv": ("reading and writing CSV files", "读写 CSV 文件"),
    "logging": ("logging messages", "记录日志"),
    "argparse": ("command-line argument parsing", "命令行参数解析"),
    "dataclasses": (
        "classes that generate __init__ and friends from fields",
        "根据字段自动生成 __init__ 等方法的类",
    ),
    "asyncio": ("asynchronous programming with async/await", "基于 async/await 的异步编程"),
    "unittest": ("unit testing", "单元测试"),
    "copy": ("copying objects", "复制对象"),
    "shutil": ("copying, moving and removing files and trees", "复制、移动、删除文件和目录树"),
    "threading": ("threads", "线程"),
    "numpy": ("numerical arrays, a third-party package", "数值数组，第三方库"),
    "pandas": ("data tables, a third-party package", "数据表，第三方库"),
    "matplotlib.pyplot": ("plotting, a third-party package", "绘图，第三方库"),
    "requests": ("HTTP requests, a third-party package", "HTTP 请求，第三方库"),
}


def import_(node: ast.Import, ctx: Ctx) -> str:
    parts = []
    for alias in node.names:
        desc = MODULES.get(alias.name)
        about = ctx.t(" ({d})", "（{d}）", d=ctx.t(*desc)) if desc else ""
        if alias.asname:
            parts.append(
                ctx.t(
                    "the module {m} under the name {a}{d}",
                    "模块 {m}，命名为 {a}{d}",
                    m=code(alias.name),
                    a=code(alias.asname),
                    d=about,
                )
            )
        else:
            parts.append(ctx.t("the module {m}{d}", "模块 {m}{d}", m=code(alias.name), d=about))
    return ctx.t("imports {p}", "导入{p}", p=ctx.join(parts))


def import_from(node: ast.ImportFrom, ctx: Ctx) -> str:
    if node.level:
        if node.module:
            source = ctx.t(
                "the module {m} of this package",
                "本包的模块 {m}",
                m=code("." * node.level + node.module),
            )
        else:
            source = (
                ctx.t("this package", "本包")
                if node.level == 1
                else ctx.t("the parent package", "上一级的包")
                if node.level == 2
                else ctx.t("the package {n} levels up", "上 {n} 级的包", n=node.level - 1)
            )
    else:
        desc = MODULES.get(node.module or "")
        about = ctx.t(" ({d})", "（{d}）", d=ctx.t(*desc)) if desc else ""
        source = ctx.t("the module {m}{d}", "模块 {m}{d}", m=code(node.module or ""), d=about)
    if any(a.name == "*" for a in node.names):
        return ctx.t("imports every public name from {s}", "从{s}导入所有公开的名字", s=source)
    names = [
        ctx.t("{n} (as {a})", "{n}（命名为 {a}）", n=code(a.name), a=code(a.asname))
        if a.asname
        else code(a.name)
        for a in node.names
    ]
    return ctx.t("imports {n} from {s}", "从{s}导入 {n}", n=ctx.join(names), s=source)


def global_(node: ast.Global, ctx: Ctx) -> str:
    return ctx.t(
        "declares that {n} here means the module-level (global) variable, so assigning to it "
        "changes the global one",
        "声明这里的 {n} 指模块级（全局）变量，对它赋值会修改全局变量",
        n=ctx.join([code(n) for n in node.names]),
    )


def nonlocal_(node: ast.Nonlocal, ctx: Ctx) -> str:
    return ctx.t(
        "declares that {n} means the variable of the enclosing function, so assigning to it "
        "changes that one",
        "声明这里的 {n} 指外层函数中的变量，对它赋值会修改外层的变量",
        n=ctx.join([code(n) for n in node.names]),
    )
