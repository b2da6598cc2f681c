"""Examples the user wrote become checks: doctests, `f(x) == y` lines, `# e.g.`, asserts."""

from __future__ import annotations

from prosepy.server.generation.context import gather
from prosepy.server.generation.examples import (
    Example,
    claim_examples,
    doctest_examples,
    gather_examples,
    request_examples,
)
from prosepy.server.generation.requests import request_at
from prosepy.server.lines import line_texts


def _gathered(text: str, line: int) -> list[Example]:
    """The examples gathered for the request on ``line`` (its context's top ends there)."""
    lines = line_texts(text)
    request = request_at(lines, line)
    assert request is not None
    return gather_examples(lines, request, gather(lines, request), top_end=line)


def test_doctests_with_continuations_setup_and_output() -> None:
    doc = """Stack.

    >>> s = Stack()
    >>> for i in range(3):
    ...     s.push(i)
    >>> s.pop()
    2
    >>> s.pop(); s.size()
    1
    """
    found = doctest_examples(doc)
    assert [(e.source, e.expected, e.setup) for e in found] == [
        ("s = Stack()", None, True),
        ("for i in range(3):\n    s.push(i)", None, True),
        ("s.pop()", "2", False),
        ("s.pop(); s.size()", "1", False),
    ]


def test_prose_is_not_a_doctest() -> None:
    assert doctest_examples(">>> this is not python at all (\n1\n") == []


def test_claims_in_a_docstring_only_for_the_function() -> None:
    doc = """Examples:
    add(2, 3) ➞ 5
    add(-1, 1) == 0
    the result => something
    other(1) == 2
    For add(1, 1) the answer is two
    """
    found = claim_examples(doc, "add")
    assert [(e.source, e.expected) for e in found] == [("add(2, 3)", "5"), ("add(-1, 1)", "0")]


def test_request_examples_in_english_and_chinese() -> None:
    text = "# nl: double it\n# e.g. double(2) == 4\n# 例如 double(3) -> 6\n"
    request = request_at(line_texts(text), 0)
    assert request is not None
    found = request_examples(request)
    assert [(e.source, e.expected, e.origin) for e in found] == [
        ("double(2)", "4", "request"),
        ("double(3)", "6", "request"),
    ]


def test_asserts_below_the_request_and_below_the_function() -> None:
    text = (
        "def area(w, h):\n"
        '    """Area."""\n'
        "    # nl: return the area\n"
        "\n"
        "assert area(2, 3) == 6\n"
        "assert area(0, 3) == 0\n"
        "print('done')\n"
        "assert area(1, 1) == 1\n"
    )
    found = _gathered(text, 2)
    assert [e.source for e in found] == ["assert area(2, 3) == 6", "assert area(0, 3) == 0"]
    assert all(e.expected is None and e.origin == "assert" for e in found)


def test_doctest_of_the_enclosing_method_and_class() -> None:
    text = (
        "class Stack:\n"
        '    """A stack.\n'
        "\n"
        "    >>> s = Stack(); s.push(1); s.pop()\n"
        "    1\n"
        '    """\n'
        "    def __init__(self):\n"
        "        self.items = []\n"
        "    def push(self, x):\n"
        "        self.items.append(x)\n"
        "    def pop(self):\n"
        '        """Remove the last item.\n'
        "\n"
        "        >>> s = Stack(); s.push(5); s.push(6); s.pop()\n"
        "        6\n"
        '        """\n'
        "        # nl: remove and return the last item\n"
    )
    found = _gathered(text, 16)
    assert [e.expected for e in found] == ["6", "1"]


def test_claims_in_words_need_a_literal_result() -> None:
    doc = """Examples:
    is_even(4) should return True.
    is_even(3) returns False
    is_even(10)   # returns True
    is_even(7) = False
    is_even(5) returns whatever the caller wants
    is_even(2) should return is_even(0)
    """
    found = claim_examples(doc, "is_even")
    assert [(e.source, e.expected) for e in found] == [
        ("is_even(4)", "True"),
        ("is_even(3)", "False"),
        ("is_even(10)", "True"),
        ("is_even(7)", "False"),
    ]


def test_a_formula_in_the_docstring_is_not_a_check() -> None:
    doc = """The sequence: tri(1) = 3, tri(n) = 1 + n / 2 if n is even.
    tri(3) returns [1, 3, 2, 8]
    """
    found = claim_examples(doc, "tri")
    assert [(e.source, e.expected) for e in found] == [("tri(3)", "[1, 3, 2, 8]")]


def test_input_and_output_written_out_become_calls_by_parameter_name() -> None:
    text = '''def maximum(arr, k, reverse=False):
    """The k largest.

    Example 1:
        Input: arr = [-3, -4, 5], k = 3
        Output: [-4, -3, 5]
    Example 2:
        Input: arr = [4, -4, 4], k = 2

        Output: [4, 4]  # both fours
    Example 3:
        Input: array = [1], k = 1
        Output: [1]
    Example 4:
        Input: arr = [1, 2]
        Output: [2]
    For arr = [2, 1], k = 1 the output should be [2]
    """
    # nl: do it
'''
    found = _gathered(text, 18)
    assert [(e.source, e.expected) for e in found] == [
        ("maximum(arr=[-3, -4, 5], k=3)", "[-4, -3, 5]"),
        ("maximum(arr=[4, -4, 4], k=2)", "[4, 4]"),
        ("maximum(arr=[2, 1], k=1)", "[2]"),
    ]  # `array` is no parameter, and example 4 leaves out the required `k`


def test_a_methods_claims_are_not_checks_without_an_instance() -> None:
    text = '''class Box:
    def area(self, w, h):
        """area(2, 3) == 6"""
        # nl: multiply
'''
    assert _gathered(text, 3) == []


def test_claims_with_placeholder_names_are_left_out_and_prose_constants_read() -> None:
    doc = """Examples:
    is_happy(a) => False
    is_happy("abcd") => true
    is_power(8, 2) => false
    size(len("ab")) == 2
    """
    assert [(e.source, e.expected) for e in claim_examples(doc, "is_happy")] == [
        ('is_happy("abcd")', "True")
    ]
    assert [(e.source, e.expected) for e in claim_examples(doc, "is_power")] == [
        ("is_power(8, 2)", "False")
    ]
    assert [(e.source, e.expected) for e in claim_examples(doc, "size")] == [
        ('size(len("ab"))', "2")
    ]
