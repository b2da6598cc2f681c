"""Which names of a module are bound the same way: jedi's answer at one is the answer at all.

A module names ``pd`` twenty times, ``len`` ten times and a function's parameter five times;
jedi works each position out on its own (its help starts from the position), though the
answer is the same wherever the name is bound by the same single statement. ``groups``
finds those positions from Python's own parser (``ast``), so that an answer at one of them
is kept at all of them: fewer names left for jedi, and a hover on a name seen before
answered at once even while jedi is busy with a slow one.

Only what is certain is grouped, the rest is left to jedi position by position:

- a name bound exactly once in the scope it resolves to (Python's rules: function scopes,
  class bodies invisible to the functions in them, comprehensions their own scope), and
  used on a line after the statement that binds it, not in another branch of an ``if`` (or
  ``match``) that binds it; builtins when the module does not bind the name and has no
  ``from ... import *`` (a builtin's group is kept even with one member: its answer is the
  same in every file). Names rebound (``x = ...; x += 1``, ``table[key] = ...``), named in
  ``global``/``nonlocal``, or bound in a class body are not grouped;
- attribute chains (``np.linalg.norm``, ``Parser.add``) only from an import, a ``def``, a
  ``class`` or a builtin, never from a variable (jedi narrows a variable's type by
  ``isinstance`` checks, so ``x.attr`` can differ from one line to the next), and not when
  the module assigns attributes on that root.

Lines and columns are 0-based; columns count characters (``ast`` counts UTF-8 bytes).
"""

from __future__ import annotations

import ast
import builtins
import gc
import re
from dataclasses import dataclass, field

#: (line, column) of a name's first character.
Position = tuple[int, int]
#: (line, column, end column) of a name.
Span = tuple[int, int, int]
#: The ``if`` (and ``match``) statements around a name: (the statement's id, which branch).
Branches = tuple[tuple[int, int], ...]

_BUILTINS = frozenset(dir(builtins))
#: Kinds of binding whose attributes are the same from every line.
_STABLE_KINDS = frozenset({"import", "def", "class", "builtin"})


@dataclass
class _Scope:
    kind: str  # "module", "function", "class" or "comprehension"
    parent: _Scope | None
    #: name -> each binding: (position of the name or None, last line of its statement, kind,
    #: the ``if`` branches it is in)
    sites: dict[str, list[tuple[Position | None, int, str, Branches]]] = field(default_factory=dict)
    star_import: bool = False


@dataclass
class Groups:
    """Names bound the same way: ``siblings`` of a position are the others of its group."""

    where: dict[Position, str] = field(default_factory=dict)
    members: dict[str, list[Span]] = field(default_factory=dict)

    def siblings(self, line: int, col: int) -> list[Span]:
        key = self.where.get((line, col))
        if key is None:
            return []
        return [span for span in self.members[key] if span[:2] != (line, col)]

    def __len__(self) -> int:
        return len(self.members)


class _Collector(ast.NodeVisitor):
    """One pass over the tree: every scope's bindings, and every name read with its scope."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.module = _Scope("module", None)
        self.scope = self.module
        #: the last line of the statement being visited
        self.statement_end = 0
        #: the ``if`` branches being visited
        self.branches: Branches = ()
        #: (scope, name, attribute path, span, branches) of each name or attribute read
        self.reads: list[tuple[_Scope, str, tuple[str, ...], Span, Branches]] = []
        #: names that no grouping may trust (global, nonlocal, walrus in a comprehension)
        self.untrusted: set[str] = set()
        #: names whose attributes are assigned somewhere (``np.x = 1``)
        self.attributes_set: set[str] = set()

    # -- positions ------------------------------------------------------------------------
    def _column(self, line: int, byte_col: int) -> int:
        text = self.lines[line] if line < len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def _span(self, line: int, byte_col: int, name: str) -> Span:
        col = self._column(line, byte_col)
        return line, col, col + len(name)

    def _bind(
        self, name: str, span: Span | None, kind: str = "other", end: int | None = None
    ) -> None:
        """``end``: the last line of what binds it (by default the statement's)."""
        position = span[:2] if span is not None else None
        last = self.statement_end if end is None else end
        self.scope.sites.setdefault(name, []).append((position, last, kind, self.branches))

    # -- statements -----------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            outer, self.statement_end = self.statement_end, _header_end(node)
            super().visit(node)
            self.statement_end = outer
        else:
            super().visit(node)

    def _def_name(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Span | None:
        line = node.lineno - 1
        text = self.lines[line] if line < len(self.lines) else ""
        word = "class" if isinstance(node, ast.ClassDef) else "def"
        found = re.search(rf"\b{word}\s+({re.escape(node.name)})\b", text)
        if found is None:
            return None
        return line, found.start(1), found.end(1)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        for default in [*args.defaults, *[d for d in args.kw_defaults if d is not None]]:
            self.visit(default)
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            for arg in every:
                if arg.annotation is not None:
                    self.visit(arg.annotation)
            if node.returns is not None:
                self.visit(node.returns)
            if getattr(node, "type_params", None):
                self.untrusted.update(_type_param_names(node))
            self._bind(node.name, self._def_name(node), "def")
        outer = self.scope
        self.scope = _Scope("function", outer)
        for arg in every:
            span = self._span(arg.lineno - 1, arg.col_offset, arg.arg)
            self._bind(arg.arg, span, "param", end=(arg.end_lineno or arg.lineno) - 1)
        if isinstance(node, ast.Lambda):
            self.visit(node.body)
        else:
            for statement in node.body:
                self.visit(statement)
        self.scope = outer

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(child)
        if getattr(node, "type_params", None):
            self.untrusted.update(_type_param_names(node))
        self._bind(node.name, self._def_name(node), "class")
        outer = self.scope
        self.scope = _Scope("class", outer)
        for statement in node.body:
            self.visit(statement)
        self.scope = outer

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> None:
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated where the comprehension is
        outer = self.scope
        self.scope = _Scope("comprehension", outer)
        for number, generator in enumerate(generators):
            if number:
                self.visit(generator.iter)
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for part in ("elt", "key", "value"):
            child = getattr(node, part, None)
            if child is not None:
                self.visit(child)
        self.scope = outer

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_DictComp = _comprehension
    visit_GeneratorExp = _comprehension

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.scope.star_import = True
                continue
            bound = alias.asname or alias.name.split(".")[0]
            span = None
            if alias.asname is None and "." not in alias.name:
                span = self._span(alias.lineno - 1, alias.col_offset, bound)
            elif alias.asname is not None and alias.end_lineno == alias.lineno:
                end = self._column(alias.end_lineno - 1, alias.end_col_offset or 0)
                span = (alias.end_lineno - 1, end - len(bound), end)
            self._bind(bound, span, "import")

    visit_Import = _import
    visit_ImportFrom = _import

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        outer = self.branches
        for branch, body in enumerate((node.body, node.orelse)):
            self.branches = (*outer, (id(node), branch))
            for statement in body:
                self.visit(statement)
        self.branches = outer

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        outer = self.branches
        for number, case in enumerate(node.cases):  # (like an if's branches)
            self.branches = (*outer, (id(node), number))
            self.visit(case)
        self.branches = outer

    def visit_Global(self, node: ast.Global) -> None:
        self.untrusted.update(node.names)

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        if self.scope.kind == "comprehension":  # binds in the enclosing function
            if isinstance(node.target, ast.Name):
                self.untrusted.add(node.target.id)
            self.visit(node.value)
            return
        self.visit(node.value)
        self.visit(node.target)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name, None)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self._bind(node.name, None)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name, None)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self._bind(node.rest, None)
        self.generic_visit(node)

    # -- names ----------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        span = self._span(node.lineno - 1, node.col_offset, node.id)
        if isinstance(node.ctx, ast.Load):
            self.reads.append((self.scope, node.id, (), span, self.branches))
        else:  # stored or deleted: a binding either way
            self._bind(node.id, span)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name):
            # jedi takes ``table[key] = value`` as a definition of ``table`` (for its items)
            name = node.value
            self._bind(name.id, self._span(name.lineno - 1, name.col_offset, name.id))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        path = [node.attr]
        base = node.value
        while isinstance(base, ast.Attribute):
            path.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                self.attributes_set.add(base.id)
            elif node.end_lineno is not None and node.end_col_offset is not None:
                line = node.end_lineno - 1
                end = self._column(line, node.end_col_offset)
                span = (line, end - len(node.attr), end)
                read = (self.scope, base.id, tuple(reversed(path)), span, self.branches)
                self.reads.append(read)
        self.visit(node.value)


def _header_end(node: ast.stmt) -> int:
    """The last line of a statement, or of a compound statement's header (a ``for`` loop's
    target is bound in its body; a ``def``'s name only after the whole ``def``)."""
    last: ast.AST = node
    if isinstance(node, (ast.For, ast.AsyncFor)):
        last = node.iter
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        item = node.items[-1]
        last = item.optional_vars or item.context_expr
    elif isinstance(node, (ast.If, ast.While)):
        last = node.test
    elif isinstance(node, ast.Match):
        last = node.subject
    elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
        return node.lineno - 1
    return (getattr(last, "end_lineno", None) or node.lineno) - 1


def _apart(bound_in: Branches, read_in: Branches) -> bool:
    """Whether a binding and a read are in different branches of one ``if`` (jedi finds no
    definition there: the name is not bound on that path)."""
    bound = dict(bound_in)
    return any(bound.get(statement, branch) != branch for statement, branch in read_in)


def _type_param_names(node: ast.AST) -> list[str]:
    return [str(getattr(p, "name", "")) for p in getattr(node, "type_params", [])]


def _resolve(
    collector: _Collector, scope: _Scope, name: str, line: int, branches: Branches
) -> tuple[str, str, Span | None] | None:
    """The group of ``name`` read on ``line`` in ``scope`` (inside ``branches``): (key,
    binding kind, the binding's own span), or None when the name is not bound once, before
    that line and not in another branch of an ``if`` around the read."""
    if name in collector.untrusted:
        return None
    here: _Scope | None = scope
    while here is not None:
        # a class body's names are seen by the body itself, not by the functions in it
        if name in here.sites and (here is scope or here.kind != "class"):
            if here.kind == "class":  # bound in the body read: depends on the order, skipped
                return None
            sites = here.sites[name]
            if len(sites) != 1:
                return None
            position, statement_end, kind, bound_in = sites[0]
            if position is None or line <= statement_end or _apart(bound_in, branches):
                return None
            span = (*position, position[1] + len(name))
            return f"{id(here)}:{name}", kind, span
        here = here.parent
    if collector.module.star_import or name not in _BUILTINS:
        return None
    return f"builtins:{name}", "builtin", None


def groups(text: str) -> Groups:
    """The groups of names in ``text`` bound the same way (none when it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Groups()
    collector = _Collector(text.split("\n"))
    collecting = gc.isenabled()
    gc.disable()  # (a collection now would walk all of jedi's objects in a worker: 0.1 s)
    try:
        collector.visit(tree)
    except RecursionError:
        return Groups()
    finally:
        if collecting:
            gc.enable()
    lines = collector.lines
    spans: dict[str, list[Span]] = {}

    def add(key: str, span: Span, word: str) -> None:
        line, col, end = span  # (checked: a position ast got wrong must group nothing)
        if line < len(lines) and lines[line][col:end] == word:
            spans.setdefault(key, []).append(span)

    for scope, name, path, span, branches in collector.reads:
        resolved = _resolve(collector, scope, name, span[0], branches)
        if resolved is None:
            continue
        key, kind, site = resolved
        if path:
            if kind not in _STABLE_KINDS or name in collector.attributes_set:
                continue
            key += "." + ".".join(path)
        elif site is not None and kind != "param" and key not in spans:
            # (jedi's help on a parameter where it is defined can name an overridden
            # method's parameter instead: only its uses are grouped)
            add(key, site, name)
        add(key, span, path[-1] if path else name)
    found = Groups()
    for key, members in spans.items():
        unique = sorted(set(members))
        if len(unique) > 1 or key.startswith("builtins:"):  # (a builtin: also across files)
            found.members[key] = unique
            found.where.update((span[:2], key) for span in unique)
    return found
