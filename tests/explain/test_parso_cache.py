"""parso's file cache shared between processes (the server's two jedi workers, two editor
windows): a half-written cache file must not fail a query, and a write must never be seen
half done. Runs in subprocesses so that the patch stays out of the test process."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from pathlib import Path

MODULE = Path(argparse.__file__)  # a library module of some size (~100 KB)


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


HALF_WRITTEN = """
    import sys
    from pathlib import Path
    import parso, parso.cache
    if sys.argv[3] == "patched":
        from prosepy.explain.symbols import parso_cache
        assert parso_cache.install()
    source, cache = Path(sys.argv[1]), Path(sys.argv[2])
    parso.parse(path=str(source), cache=True, cache_path=cache)      # writes the pickle
    [pickled] = [p for p in cache.rglob("*.pkl")]
    pickled.write_bytes(pickled.read_bytes()[: pickled.stat().st_size // 2])  # cut mid-write
    parso.cache.parser_cache.clear()                                  # a new process, as it were
    module = parso.parse(path=str(source), cache=True, cache_path=cache)
    import pickle
    pickle.loads(pickled.read_bytes())  # written again, whole
    fresh = parso.parse(source.read_text())
    print(module.get_code() == fresh.get_code(), len(list(module.iter_classdefs())))
"""


def test_a_half_written_cache_file_is_parsed_again(tmp_path: Path) -> None:
    source = tmp_path / "library.py"
    source.write_text(MODULE.read_text())
    plain = _python(HALF_WRITTEN, str(source), str(tmp_path / "plain"), "plain")
    # parso alone: the query fails (the error a hover met in CI)
    assert plain.returncode != 0 and ("EOFError" in plain.stderr or "Unpickling" in plain.stderr)
    patched = _python(HALF_WRITTEN, str(source), str(tmp_path / "patched"), "patched")
    assert patched.returncode == 0, patched.stderr
    same, classes = patched.stdout.split()
    assert same == "True" and int(classes) > 10  # the whole module (argparse's classes)


WRITER = """
    import sys, time
    from pathlib import Path
    import parso, parso.cache
    from prosepy.explain.symbols import parso_cache
    assert parso_cache.install()
    source, cache, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    end, writes = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        parso.cache.parser_cache.clear()
        source.touch()  # newer than the pickle: parse and write it again
        parso.parse(path=str(source), cache=True, cache_path=cache)
        writes += 1
    print(writes)
"""

READER = """
    import pickle, sys, time
    from pathlib import Path
    cache, seconds = Path(sys.argv[1]), float(sys.argv[2])
    end, reads, broken = time.monotonic() + seconds, 0, 0
    while time.monotonic() < end:
        for pickled in cache.rglob("*.pkl"):
            try:
                pickle.loads(pickled.read_bytes())
                reads += 1
            except FileNotFoundError:
                pass
            except Exception:
                broken += 1
    print(reads, broken)
"""


def test_a_reader_never_sees_a_write_half_done(tmp_path: Path) -> None:
    source, cache = tmp_path / "library.py", tmp_path / "cache"
    source.write_text(MODULE.read_text())
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(source), str(cache), "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = _python(READER, str(cache), "3")
    written, error = writer.communicate(timeout=120)
    assert writer.returncode == 0, error
    reads, broken = map(int, reader.stdout.split())
    assert int(written) >= 3 and reads >= 3  # the two really overlapped, many times over
    assert broken == 0
    assert not list(cache.rglob("*.tmp"))  # no temporary file left behind


WARM_PARSE = """
    import sys
    from pathlib import Path
    import jedi, parso.cache
    from parso.python.parser import Parser
    from prosepy.explain.symbols.scripts import warm_parse

    source, cache = Path(sys.argv[1]), Path(sys.argv[2])
    jedi.settings.cache_directory = str(cache)
    environment = jedi.InterpreterEnvironment()
    warm_parse(str(source), environment)  # the first time: parsed, and kept on disk
    assert list(cache.rglob("*.pkl")), "nothing kept"
    parso.cache.parser_cache.clear()  # the next session, as it were

    def no_full_parse(*args, **kwargs):
        raise AssertionError("parsed the whole file again")

    full_parse, Parser.parse = Parser.parse, no_full_parse
    warm_parse(str(source), environment)  # from the disk cache
    Parser.parse = full_parse
    (kept,) = parso.cache.parser_cache[environment.get_grammar()._hashed].values()
    last = kept.node.children[-2]  # a definition far below the edit
    added = "shown = _os.path.join"
    text = source.read_text().replace("import os as _os\\n", f"import os as _os\\n{added}\\n", 1)
    script = jedi.Script(code=text, path=str(source), environment=environment)
    # jedi parsed only the changed lines (the rest of the tree is the kept one), and the
    # new line's name has its definition
    assert last.parent is script._module_node, "jedi parsed the file whole"
    line = text.split("\\n").index(added) + 1
    (name,) = script.help(line, len(added) - 2)
    print(name.full_name)
"""


def test_a_documents_first_parse_starts_from_the_files_kept_parse(tmp_path: Path) -> None:
    """jedi parses an open document whole (0.27 s for this one on this CPU) unless
    parso holds a tree of the file in memory; ``warm_parse`` loads it from parso's disk
    cache, where it is kept the first time."""
    source = tmp_path / "module.py"
    source.write_text(MODULE.read_text())
    done = _python(WARM_PARSE, str(source), str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "os.path.join"
