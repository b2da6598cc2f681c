"""What a jedi worker does before the first hovers: load jedi, the builtins' stubs and the
common methods of ``str``, ``list``, ``dict`` and ``set``, one name per step.

The first look at each of these costs jedi 0.05-0.2 s (reading and inferring the stubs),
which a hover answered at once cannot wait for; most of it (parsed stubs, the user's
interpreter's answers) is kept for the whole process, so the documents' names find it
done. Steps are small so that a hover or a document arriving meanwhile goes first.
"""

from __future__ import annotations

from typing import Any

from prosepy.explain.symbols import render

#: Values of the builtin types, and the modules most code imports ...
_PRELUDE = (
    "import os\nimport re\nimport sys\nimport typing\nimport collections\n"
    "text = ''\nitems = []\ntable = {}\ngroup = set()\npair = ()\n"
)
#: ... and the names whose first look costs jedi most, in the order most code needs them.
_NAMES = (
    "len isinstance print str int list dict super range enumerate zip sorted getattr "
    "ValueError TypeError KeyError min max open set tuple "
    "items.append items.extend items.pop items.insert items.sort "
    "text.join text.split text.format text.strip text.startswith text.replace text.lower "
    "text.endswith text.encode "
    "table.get table.items table.keys table.values table.setdefault table.update table.pop "
    "group.add group.discard group.update "
    "os.path.join os.path.exists os.getcwd re.compile re.match re.sub sys.exit "
    "collections.OrderedDict collections.defaultdict typing.Any"
).split()
CODE = _PRELUDE + "".join(f"{name}\n" for name in _NAMES)


class WarmUp:
    """The names left to look at; ``step`` looks at one."""

    def __init__(self) -> None:
        first = _PRELUDE.count("\n") + 1
        #: (1-based line, column) of each name's last part, first name last (popped)
        self.left = [(first + i, len(name) - 1) for i, name in enumerate(_NAMES)][::-1]
        self.script: Any = None

    def __bool__(self) -> bool:
        return bool(self.left)

    def restart(self) -> None:
        """New settings (another interpreter): look at every name again, with it."""
        self.__init__()  # type: ignore[misc]

    def step(self, environment: Any, project: Any) -> str | None:
        """Look at the next name as a hover would (signature, docstring, Markdown); the
        full name of its definition."""
        import jedi

        if self.script is None:
            self.script = jedi.Script(CODE, project=project, environment=environment)
        line, col = self.left.pop()
        for name in self.script.help(line, col)[:1]:
            return str(render.definition(name, quick=True)["full_name"])
        return None
