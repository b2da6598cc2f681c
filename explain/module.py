"""Facts about a whole module that make explanations precise: imports, kinds, shadowing.

Computed once per parse (the hover caches it per document version). A name gets a kind
only if every binding of it anywhere in the module agrees, so a guess is never used
where another part of the file says otherwise.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from prosepy.explain.core import BUILTIN_NAMES, Ctx, kind_of_value

_UNKNOWN = "?"
_ANNOTATION_KINDS = {
    "list": "list",
    "List": "list",
    "dict": "dict",
    "Dict": "dict",
    "str": "str",
    "int": "num",
    "float": "num",
    "set": "set",
    "Set": "set",
    "tuple": "tuple",
    "Tuple": "tuple",
}


@dataclass
class ModuleFacts:
    imports: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    shadowed: frozenset[str] = frozenset()
    parents: dict[int, ast.AST] = field(default_factory=dict)
    #: False for a single line parsed on its own, whose block bodies are placeholders.
    bodies: bool = True

    def ctx(self, lang: str) -> Ctx:
        return Ctx(
            lang=lang,
            imports=self.imports,
            kinds=self.kinds,
            shadowed=self.shadowed,
            parents=self.parents,
            bodies=self.bodies,
        )


def _annotation_kind(node: ast.AST | None) -> str:
    if node is None:
        return _UNKNOWN
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return _ANNOTATION_KINDS.get(node.id, _UNKNOWN)
    return _UNKNOWN


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _target_names(elt)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def analyse(tree: ast.Module) -> ModuleFacts:
    """Collect imports, agreed kinds, rebound builtins and statement parents in one walk."""
    facts = ModuleFacts()
    seen: dict[str, set[str]] = {}
    later: list[tuple[str, ast.AST]] = []

    def bind(name: str, kind: str | None) -> None:
        seen.setdefault(name, set()).add(kind or _UNKNOWN)

    def bind_value(name: str, value: ast.AST) -> None:
        # Kinds of values depend on which builtins are shadowed: decided after the walk.
        seen.setdefault(name, set())
        later.append((name, value))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for child in body:
                facts.parents[id(child)] = node
        for attr in ("orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, attr, None)
            if isinstance(block, list):
                for child in block:
                    facts.parents[id(child)] = node
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                facts.imports[local] = alias.name if alias.asname else local
                bind(local, "module")
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    facts.imports[alias.asname or alias.name] = f"{base}.{alias.name}"
                    bind(alias.asname or alias.name, "import")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bind_value(target.id, node.value)
                else:
                    for name in _target_names(target):
                        bind(name, None)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bind(node.target.id, _annotation_kind(node.annotation))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            seen.setdefault(node.target.id, set())
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            for name in _target_names(node.target):
                bind(name, None)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            if isinstance(node.optional_vars, ast.Name):
                bind_value(node.optional_vars.id, node.context_expr)
            else:
                for name in _target_names(node.optional_vars):
                    bind(name, None)
        elif isinstance(node, ast.NamedExpr):
            bind_value(node.target.id, node.value)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bind(node.name, "def")
        elif isinstance(node, ast.arg):
            bind(node.arg, _annotation_kind(node.annotation))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bind(node.name, None)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                seen.setdefault(name, set())
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            bind(node.name, None)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                for name in _target_names(target):
                    seen.setdefault(name, set())

    facts.shadowed = frozenset(n for n in seen if n in BUILTIN_NAMES)
    probe = Ctx(imports=facts.imports, shadowed=facts.shadowed)
    for name, value in later:
        bind(name, kind_of_value(value, probe))
    for name, kinds in seen.items():
        if len(kinds) == 1:
            (kind,) = kinds
            if kind not in (_UNKNOWN, "module", "import", "def"):
                facts.kinds[name] = kind
    return facts
