"""Shared pieces of the explanation library: the module context, code quoting, joining.

Every phrase is written in both languages at its call site (``ctx.t(en, zh)``) so a reader
can check the two against each other in one place.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field

MAX_CODE = 60
BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))

#: Kinds the light type guess can give a name; "num" means int or float.
SEQUENCE_KINDS = frozenset({"list", "str", "tuple", "range"})


def code(node: ast.AST | str, limit: int = MAX_CODE) -> str:
    """Quote code as markdown inline code, shortened when long."""
    if isinstance(node, str):
        text = node
    elif (getattr(node, "end_lineno", None) or 0) - getattr(node, "lineno", 0) > 3:
        text = _short_form(node)
    else:
        try:
            text = ast.unparse(node)
        except Exception:  # unparse has gaps for odd trees; quoting less is fine
            text = "…"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = " ".join(text.splitlines()) if "\n" in text else text
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _short_form(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return f"{_short_form(node.func)}(…)"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_short_form(node.value)}.{node.attr}"
    opening = {
        ast.List: "[…]",
        ast.ListComp: "[…]",
        ast.Dict: "{…}",
        ast.DictComp: "{…}",
        ast.Set: "{…}",
        ast.SetComp: "{…}",
        ast.Tuple: "(…)",
        ast.GeneratorExp: "(…)",
    }
    return opening.get(type(node), "…")


@dataclass
class Ctx:
    """What the describers need besides the node: language and facts about the module."""

    lang: str = "en"
    #: local name -> dotted origin, e.g. "np" -> "numpy", "sqrt" -> "math.sqrt".
    imports: dict[str, str] = field(default_factory=dict)
    #: name -> kind ("list", "dict", "str", "num", "set", "tuple", "file", "range") when
    #: every binding of the name in the module agrees.
    kinds: dict[str, str] = field(default_factory=dict)
    #: builtin names that the module rebinds somewhere (then calls to them are not builtins).
    shadowed: frozenset[str] = frozenset()
    #: node -> parent node, for break/continue/return to name their loop or function.
    parents: dict[int, ast.AST] = field(default_factory=dict)
    depth: int = 0
    #: False when block bodies are unknown (a line explained on its own): say nothing of them.
    bodies: bool = True

    def t(self, en: str, zh: str, **kw: object) -> str:
        text = zh if self.lang == "zh" else en
        return text.format(**kw) if kw else text

    def join(self, items: list[str], conj: str = "and") -> str:
        """English "a, b and c"; Chinese "a、b 和 c"."""
        items = [i for i in items if i]
        if not items:
            return ""
        if len(items) == 1:
            return items[0]
        if self.lang == "zh":
            word = {"and": "和", "or": "或"}.get(conj, conj)
            return "、".join(items[:-1]) + f" {word} " + items[-1]
        return ", ".join(items[:-1]) + f" {conj} " + items[-1]

    def kind(self, node: ast.AST) -> str | None:
        """The light type guess for an expression, or None when unknown."""
        if isinstance(node, ast.Name):
            return self.kinds.get(node.id)
        return kind_of_value(node, self)

    def is_builtin(self, name: str) -> bool:
        return name in BUILTIN_NAMES and name not in self.shadowed and name not in self.imports

    def qualname(self, func: ast.AST) -> str | None:
        """The dotted origin of a called name: "builtins.len", "math.sqrt", "os.path.join"."""
        if isinstance(func, ast.Name):
            if func.id in self.imports:
                return self.imports[func.id]
            if self.is_builtin(func.id):
                return f"builtins.{func.id}"
            return None
        if isinstance(func, ast.Attribute):
            base = (
                self.qualname(func.value)
                if isinstance(func.value, ast.Name | ast.Attribute)
                else None
            )
            if base and not base.startswith("builtins."):
                return f"{base}.{func.attr}"
        return None

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))


def sentence(clause: str, ctx: Ctx) -> str:
    """Turn a clause into a sentence: capital letter and full stop in English, 。 in Chinese."""
    clause = clause.strip()
    if not clause:
        return ""
    if ctx.lang == "zh":
        clause = space_zh(clause)
        return clause if clause[-1] in "。！？" else clause + "。"
    if clause[0].islower():
        clause = clause[0].upper() + clause[1:]
    return clause if clause[-1] in ".!?" else clause + "."


_CODE_SPAN = re.compile(r"(``.+?``|`[^`]*`)")
_CJK = "\u3400-\u9fff\uff08\uff09"
_CJK_PUNCT = "，。；：、（）“”！？…"


def space_zh(text: str) -> str:
    """Chinese typesetting: a space between Chinese and code or numbers, none between Chinese.

    Only prose is touched; code spans are kept exactly as written.
    """
    pieces = _CODE_SPAN.split(text)
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2:  # a code span
            if out and out[-1] and not out[-1][-1].isspace() and out[-1][-1] not in _CJK_PUNCT:
                out.append(" ")
            out.append(piece)
            continue
        piece = re.sub(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])", "", piece)
        piece = re.sub(r"\s+(?=[" + _CJK_PUNCT + "])", "", piece)
        piece = re.sub(r"(?<=[" + _CJK_PUNCT + r"])\s+", "", piece)
        piece = re.sub(
            r"(?<=[\u3400-\u9fff])(?=[0-9A-Za-z])|(?<=[0-9A-Za-z])(?=[\u3400-\u9fff])", " ", piece
        )
        if i and piece and not piece[0].isspace() and piece[0] not in _CJK_PUNCT:
            piece = " " + piece
        out.append(piece)
    return "".join(out).strip()


_CALL_KINDS = {
    "list": "list",
    "sorted": "list",
    "dict": "dict",
    "set": "set",
    "frozenset": "set",
    "tuple": "tuple",
    "str": "str",
    "repr": "str",
    "input": "str",
    "int": "num",
    "float": "num",
    "len": "num",
    "abs": "num",
    "round": "num",
    "open": "file",
    "range": "range",
}
_STR_METHODS = {
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "title",
    "capitalize",
    "replace",
    "format",
    "join",
    "casefold",
    "zfill",
    "center",
    "ljust",
    "rjust",
}


def kind_of_value(node: ast.AST, ctx: Ctx | None) -> str | None:
    """Guess what kind of value an expression makes, only where the syntax says so."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            return "num"
        if isinstance(value, str):
            return "str"
        return None
    simple = {
        ast.List: "list",
        ast.ListComp: "list",
        ast.Dict: "dict",
        ast.DictComp: "dict",
        ast.Set: "set",
        ast.SetComp: "set",
        ast.Tuple: "tuple",
        ast.JoinedStr: "str",
    }
    if type(node) in simple:
        return simple[type(node)]
    if isinstance(node, ast.Call) and ctx is not None:
        name = ctx.qualname(node.func)
        if name and name.startswith("builtins."):
            return _CALL_KINDS.get(name[9:])
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Constant):
            if isinstance(node.func.value.value, str) and node.func.attr in _STR_METHODS:
                return "str"
    if isinstance(node, ast.BinOp) and ctx is not None:
        left, right = ctx.kind(node.left), ctx.kind(node.right)
        if left == right == "num" and not isinstance(node.op, ast.MatMult):
            return "num"
        if left == right == "str" and isinstance(node.op, ast.Add):
            return "str"
    return None
