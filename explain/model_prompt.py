"""The prompt that asks a language model to explain a selection, in English or Chinese.

The deterministic explanation of each statement goes into the prompt as certain facts, so
that a small model has something exact to start from. Returns plain (role, content) pairs:
no model or LSP imports here; the editor command turns them into a model request.
"""

from __future__ import annotations

import textwrap
from typing import Literal

from prosepy.explain.api import explain_at, parse

#: Statements whose deterministic explanation goes into the prompt, at most.
MAX_FACTS = 12

SYSTEM = {
    "en": "You explain Python code to someone who did not write it. Answer in plain English, "
    "in at most six short sentences: what the code does, step by step, and anything surprising. "
    "Do not repeat the code. Do not invent behaviour that is not in the code.",
    "zh": "你向没有写过这段代码的人解释 Python 代码。"
    "用简体中文、不超过六个短句回答：代码做了什么（按步骤），以及需要注意的地方。"
    "不要重复代码，不要编造代码中没有的行为。",
}


def certain_facts(code: str, language: str) -> str:
    """The deterministic explanation of each top-level statement of ``code``, one a line."""
    parsed = parse(textwrap.dedent(code))
    if parsed is None:
        return ""
    facts = []
    for stmt in parsed.tree.body[:MAX_FACTS]:
        result = explain_at(parsed, stmt.lineno, stmt.col_offset, language)
        if result is not None:
            facts.append("- " + result.statement)
    return "\n".join(facts)


Role = Literal["system", "user"]


def explanation_messages(code: str, language: str) -> list[tuple[Role, str]]:
    """(role, content) chat messages asking for an explanation of ``code`` in ``language``."""
    facts = certain_facts(code, language)
    intro = "代码：" if language == "zh" else "Code:"
    user = f"{intro}\n```python\n{code}\n```"
    if facts:
        label = (
            "逐句的准确说明（可作参考）："
            if language == "zh"
            else "Exact notes, statement by statement:"
        )
        user += f"\n\n{label}\n{facts}"
    return [("system", SYSTEM[language]), ("user", user)]
