"""GBNF grammars that constrain what a model may write (llama-cpp backend only).

Pass one as ``GenerationRequest.grammar``. Backends without grammar support ignore it, so
callers still extract the code block from the text themselves.
"""

from __future__ import annotations

#: Exactly one fenced ```python block and nothing else: no prose before or after it.
#: A code line may not start with a backtick (Python lines never do), so a backtick at the
#: start of a line can only open the closing fence; backticks elsewhere in a line are fine.
#: The closing fence may be followed by one newline (tokenizers often have a "```\n"
#: token; forbidding it pushed the model into odd detours), then the model must stop.
PYTHON_BLOCK = r"""
root ::= "```python\n" line+ "```" "\n"?
line ::= ( [^`\n] [^\n]* )? "\n"
"""
