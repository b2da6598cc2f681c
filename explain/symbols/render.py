"""What a hover shows for a jedi definition, laid out as jedi-language-server lays it out.

The signature block (``def loads(s: str, ...)``, ``class OrderedDict(...)``, or the
defining statement of a variable), the docstring converted to Markdown by
docstring-to-markdown, and the definition's full name. Variables and parameters also say
where they are defined; that line is added when the hover is shown (``section``), because
edits above a definition move it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import docstring_to_markdown

#: jedi's name types, as the signature block names them (jedi-language-server's words).
KIND_WORDS = {
    "module": "module",
    "class": "class",
    "instance": "instance",
    "function": "def",
    "param": "param",
    "path": "path",
    "keyword": "keyword",
    "property": "property",
    "statement": "statement",
}
#: Definitions a hover shows for one name (a name assigned in many branches has many).
MAX_DEFINITIONS = 5
#: Names whose hover says where they are defined (a variable's full name alone does not).
LOCATED_KINDS = {"statement", "param", "instance"}
#: Docstrings longer than this are cut at a paragraph break (pandas' run to 30,000 characters).
MAX_DOC_CHARS = 10000
#: A variable's "signature" is its defining statement; a for loop's is the whole loop.
MAX_DESCRIPTION_CHARS = 240


def bound_method(name: Any) -> bool:
    """Whether ``name`` is a method reached through an instance (``self.add(...)``): its
    signatures leave ``self`` out, unlike those of the same method at its ``def``."""
    if name.type != "function":
        return False
    return "Instance" in type(getattr(name, "_name", None)).__name__  # LazyInstanceClassName


def definition_key(name: Any) -> str:
    """The same definition reached from any document or position has the same key (a
    method reached through an instance has one of its own: its signature differs)."""
    bound = ":bound" if bound_method(name) else ""
    if name.module_path is not None and name.line is not None:
        return f"{name.module_path}:{name.line}:{name.column}:{name.name}:{name.type}{bound}"
    return f"{name.module_name}:{name.full_name or name.name}:{name.type}{bound}"


def _same_file(name: Any, path: str | None) -> bool:
    module_path = name.module_path
    if module_path is None or path is None:
        return module_path is None and path is None
    return str(module_path) == str(path)


_OVERLOAD = re.compile(r"@\s*(?:\w+\.)?overload\b")


def overload_stub(name: Any) -> bool:
    """Whether ``name`` is a function's ``@overload`` stub (its implementation's signatures
    already list every overload)."""
    try:
        definition = name._name.tree_name.get_definition()
        decorated = definition.parent
        if definition.type != "funcdef" or decorated.type != "decorated":
            return False
        return bool(_OVERLOAD.search(decorated.children[0].get_code()))
    except Exception:  # a compiled or otherwise tree-less name
        return False


def distinct(names: list[Any], path: str | None, line: int, col: int) -> list[Any]:
    """jedi's definitions of the name at 0-based ``line``, ``col`` of the file ``path``,
    each once and in an order that does not depend on jedi's (which follows set order, so
    it changes from one process to the next): the nearest one above the cursor in this
    file first (the one most likely in effect), then this file's others by line, then
    those of other modules by path and line. Keywords are left out, and so are a
    function's ``@overload`` stubs when its implementation is there."""
    seen: dict[tuple[Any, ...], Any] = {}
    for name in names:
        if name.type == "keyword":
            continue
        where = (name.full_name or name.name, str(name.module_path), name.line, name.column)
        seen.setdefault(where, name)
    stubs = {where for where, name in seen.items() if overload_stub(name)}
    implemented = {where[:2] for where in seen if where not in stubs}
    for where in stubs:
        if where[:2] in implemented:
            del seen[where]
    here = [
        n
        for n in seen.values()
        if _same_file(n, path) and n.line is not None and (n.line - 1, n.column) <= (line, col)
    ]
    nearest = max(here, key=lambda n: (n.line, n.column), default=None)

    def rank(name: Any) -> tuple[Any, ...]:
        return (
            name is not nearest,
            not _same_file(name, path),
            str(name.module_path or ""),
            name.line or 0,
            name.column or 0,
            name.full_name or name.name,
            name.type,
        )

    return sorted(seen.values(), key=rank)[:MAX_DEFINITIONS]


#: Names whose signatures need their value inferred (is the variable callable?): that can
#: take jedi a second, so a quick answer shows the defining statement and leaves them out.
INFERRED_KINDS = {"statement", "param"}


def _dotted(node: Any) -> bool:
    """``name`` or ``a.b.c``: no call, subscript or operator."""
    if node.type == "name":
        return True
    if node.type != "atom_expr" or node.children[0].type != "name":
        return False
    return all(t.type == "trailer" and t.children[0] == "." for t in node.children[1:])


def _bound_to_code(name: Any) -> bool:
    """Whether the bare name ``name`` is bound only by imports, ``def`` and ``class`` in the
    scopes it is read in, or not at all (a builtin): jedi finds its value without inferring
    an expression. A variable's value can take jedi a second (a parameter's comes from
    every call of the function, a module's variable may hold a library's result)."""
    from jedi.parser_utils import get_parent_scope

    visible, scope = [], get_parent_scope(name)
    while scope is not None:
        visible.append(scope)
        scope = get_parent_scope(scope)
    for named in name.get_root_node().get_used_names().get(name.value, []):
        if not named.is_definition():
            continue
        if not any(get_parent_scope(named) is s for s in visible):
            continue  # (a parameter or variable of another function)
        bound = named.get_definition(import_name_always=True)
        if bound is None or bound.type not in _CODE_BINDINGS:
            return False
    return True


_CODE_BINDINGS = {"funcdef", "classdef", "import_name", "import_from"}


def _method_of_module(node: Any, attribute: str) -> bool:
    """Whether some class of ``node``'s module defines ``attribute`` as a method."""
    named = node.get_root_node().get_used_names().get(attribute, [])
    return any(n.parent.type == "funcdef" and n.parent.name is n for n in named)


def _quick_value(part: Any) -> bool:
    """Whether jedi infers ``part``, a name or dotted name, quickly: when it starts with a
    module, class, function or builtin (``len``, ``os.path.join``), not a variable
    (``link.key``, ``action.default``, ``self.data``), except ``self.method`` for a method
    this module defines (a class lookup)."""
    if not _dotted(part):
        return False
    if part.type == "name":
        return _bound_to_code(part)
    head, trailers = part.children[0], part.children[1:]
    if _bound_to_code(head):
        return True
    return (
        head.value in ("self", "cls")
        and len(trailers) == 1
        and _method_of_module(part, trailers[0].children[1].value)
    )


def alias(name: Any) -> bool:
    """Whether ``name`` is defined as another name (``_len = len``, ``add = self.add``,
    ``a, b = dict, tuple``): its value is that name's, quick to infer, and its signature
    is what a reader wants. Not a variable or a variable's attribute (``start = index``,
    ``value = action.default``, ``same = frame`` of a module's ``frame = read()``): their
    values are no quicker to infer than any other expression's."""
    try:
        statement = name._name.tree_name.get_definition()
        if statement.type != "expr_stmt" or len(statement.children) != 3:
            return False
        value = statement.children[2]
        parts = [value]
        if value.type in ("testlist_star_expr", "testlist"):
            parts = [c for c in value.children if c.type != "operator"]
        return all(_quick_value(part) for part in parts)
    except Exception:  # a compiled or otherwise tree-less name
        return False


def signature_lines(name: Any, infer: bool = True) -> list[str]:
    """``def f(a, b=2)`` per signature; the description when there is none (or when
    ``infer`` is False and finding signatures would mean inferring a variable's value,
    unless the variable is an ``alias`` of another name)."""
    kind = name.type
    signatures = []
    if infer or kind not in INFERRED_KINDS or alias(name):
        try:
            signatures = name.get_signatures()
        except Exception:  # jedi has rare internal errors on odd code
            signatures = []
    if not signatures:
        if kind == "property":
            return [f"property {name.name}"]
        if kind in ("class", "function"):
            return [f"{KIND_WORDS[kind]} {name.name}()"]
        description = name.description or name.name
        if len(description) > MAX_DESCRIPTION_CHARS:
            description = description[: MAX_DESCRIPTION_CHARS - 1].rstrip() + "…"
        return [description]
    word = KIND_WORDS.get(kind, kind)
    return [f"{word} {signature.to_string()}" for signature in signatures]


def raw_docstring(name: Any) -> str:
    try:
        return str(name.docstring(raw=True) or "").strip()
    except Exception:
        return ""


def cut(doc: str, limit: int = MAX_DOC_CHARS) -> str:
    """``doc`` up to ``limit`` characters, ending at a paragraph (or line) break."""
    if len(doc) <= limit:
        return doc
    head = doc[:limit]
    stop = head.rfind("\n\n")
    if stop < limit // 2:
        stop = head.rfind("\n")
    if stop < limit // 2:
        stop = limit
    return head[:stop].rstrip() + "\n\n…"


def docstring_markdown(doc: str) -> str:
    """A docstring as Markdown: reST, Google, NumPy and plain styles through
    docstring-to-markdown; text it cannot read is shown as it is, in a text block."""
    doc = cut(doc.strip())
    if not doc:
        return ""
    try:
        return str(docstring_to_markdown.convert(doc)).strip()
    except docstring_to_markdown.UnknownFormatError:
        pass
    except Exception:  # the converter failing must not lose the docstring
        pass
    return f"```text\n{doc}\n```"


def definition(name: Any, doc: str | None = None, quick: bool = False) -> dict[str, Any]:
    """The record a hover is made from (JSON-ready: it crosses the process boundary).
    ``quick``: without inferring variables' values (the record says it is ``provisional``)."""
    raw = raw_docstring(name) if doc is None else doc.strip()
    start = end = None
    try:
        begin, finish = name.get_definition_start_position(), name.get_definition_end_position()
        if begin is not None and finish is not None:
            start, end = begin[0] - 1, finish[0] - 1
    except Exception:
        pass
    path = name.module_path
    record = {
        "key": definition_key(name),
        "name": name.name,
        "kind": name.type,
        "full_name": name.full_name,
        "module": name.module_name,
        "path": str(path) if path is not None else None,
        "line": name.line - 1 if name.line is not None else None,
        "start": start,
        "end": end,
        "builtin": bool(name.in_builtin_module()),
        "header": "\n".join(signature_lines(name, infer=not quick)),
        "provisional": quick and name.type in INFERRED_KINDS and not alias(name),
    }
    return with_doc(record, raw)


def completed(record: dict[str, Any], name: Any) -> dict[str, Any]:
    """A quick ``record`` of ``name`` made complete: the signatures its value gives, the rest
    as it was (the docstring, also one read from the library at run time)."""
    header = "\n".join(signature_lines(name))
    markdown = str(record["markdown"])
    quick = _header_block(record["header"])
    if markdown.startswith(quick):
        markdown = _header_block(header) + markdown[len(quick) :]
    return dict(record, header=header, markdown=markdown, provisional=False)


def _header_block(header: str) -> str:
    """The signature block a hover's section starts with."""
    return f"```python\n{header}\n```"


def with_doc(record: dict[str, Any], doc: str) -> dict[str, Any]:
    """``record`` with its Markdown made from ``doc`` (also used when a library's
    docstring only exists at run time and arrives later)."""
    parts = [_header_block(record["header"])]
    if doc:
        parts.append(docstring_markdown(doc))
    if record.get("full_name") and record.get("kind") != "module":
        parts.append(f"**Full name:** `{record['full_name']}`")
    return dict(record, has_doc=bool(doc), markdown="\n\n".join(parts))


_DOCS_LOADING = {
    "en": "⏳ *Docs loading: `{module}` is being imported in the project's Python.*",
    "zh": "⏳ *文档加载中：正在项目的 Python 中导入 `{module}`。*",
}


_VALUE_LOADING = {
    "en": "⏳ *The value of `{name}` (its type, signature and docs) is still being worked out; "
    "hover again in a moment.*",
    "zh": "⏳ *`{name}` 的值（类型、签名和文档）还在分析中，稍后再悬停即可看到。*",
}


def section(record: dict[str, Any], document_path: str | None, language: str = "en") -> str:
    """The hover's jedi section for a definition; variables say where they are defined, and
    what is still loading says so (a docstring read from the library, a variable's value
    a quick answer left out)."""
    text = str(record["markdown"])
    if record.get("provisional"):
        notes = _VALUE_LOADING.get(language, _VALUE_LOADING["en"])
        text += "\n\n" + notes.format(name=record.get("name") or "…")
    if record.get("doc_pending"):
        module = str(record.get("module") or "").split(".")[0]
        text += "\n\n" + _DOCS_LOADING.get(language, _DOCS_LOADING["en"]).format(module=module)
    line = record.get("line")
    located = record.get("kind") in LOCATED_KINDS and not record.get("builtin")
    if not located or line is None or not record.get("path"):
        return text
    path = str(record["path"])
    if document_path is not None and Path(path) == Path(document_path):
        where = f"Defined at line {line + 1}."
    else:
        uri = Path(path).as_uri() if Path(path).is_absolute() else path
        where = f"Defined in [`{Path(path).name}` line {line + 1}]({uri}#L{line + 1})."
    return f"{text}\n\n{where}"


def sections(records: list[dict[str, Any]], document_path: str | None, language: str = "en") -> str:
    """The jedi part of a hover: one ``section`` per definition, ruled apart."""
    return "\n\n---\n\n".join(section(record, document_path, language) for record in records)
