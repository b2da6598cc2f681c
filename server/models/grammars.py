"""GBNF grammars that constrain what a model may write (llama-cpp backend only).

Pass one as ``GenerationRequest.grammar``. Backends without grammar support ignore it, so
callers still extract the code block from the text themselves.
"""

from __future__ import annotations

#: Exactly one fenced ```python block and nothing else: no prose before or after it.
#: A code line may not start with three backticks (that would close the fence), but may
#: contain backticks anywhere else; the model must stop after the closing fence.
PYTHON_BLOCK = r"""
root ::= "```python\n" line+ "```"
line ::= ( plain | "`" plain | "``" plain )? "\n"
plain ::= [^`\n] [^\n]*
"""
