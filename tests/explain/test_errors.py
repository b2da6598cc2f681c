"""Run-error explanations: what the exception means and the likely cause in the line."""

from __future__ import annotations

import pytest

from prosepy.explain.errors import explain_error


def test_zero_division_names_the_divisor() -> None:
    text = explain_error("ZeroDivisionError", "division by zero", "x = total / count")
    assert text.endswith(
        "Division by zero: `count` is 0 here, so `total / count` cannot be computed."
    )
    zh = explain_error("ZeroDivisionError", "division by zero", "x = total / count", "zh")
    assert "这里 `count` 的值为 0，所以无法计算 `total / count`" in zh


def test_zero_division_with_several_divisions_does_not_guess() -> None:
    text = explain_error("ZeroDivisionError", "division by zero", "r = a / b + c // d")
    assert "one of the divisors `b` or `d` is 0" in text


def test_zero_division_without_a_visible_division() -> None:
    text = explain_error("ZeroDivisionError", "division by zero", "r = average(values)")
    assert "no division is visible on this line" in text
    assert "is 0 here" not in text


@pytest.mark.parametrize(
    ("type_name", "message", "line", "expected"),
    [
        (
            "NameError",
            "name 'totl' is not defined. Did you mean: 'total'?",
            "print(totl)",
            "`totl` is used here but has no value",
        ),
        (
            "NameError",
            "name 'totl' is not defined. Did you mean: 'total'?",
            "print(totl)",
            "Did you mean `total`?",
        ),
        (
            "TypeError",
            "unsupported operand type(s) for +: 'int' and 'str'",
            "y = n + s",
            "`+` cannot combine a value of type `int` with one of type `str` in `n + s`",
        ),
        (
            "TypeError",
            'can only concatenate str (not "int") to str',
            "msg = 'n=' + n",
            "in `'n=' + n`",
        ),
        ("TypeError", "'NoneType' object is not subscriptable", "v = data[0]", "that is `data`"),
        (
            "TypeError",
            "f() missing 1 required positional argument: 'b'",
            "f(1)",
            "`f` is called without its required argument `b`.",
        ),
        ("KeyError", "'name'", "print(person['name'])", "The key `'name'` is not in `person`."),
        ("IndexError", "list index out of range", "x = xs[10]", "The position used in `xs[10]`"),
        (
            "AttributeError",
            "'NoneType' object has no attribute 'append'",
            "result.append(3)",
            "The value (`result`) is None here",
        ),
        (
            "ValueError",
            "invalid literal for int() with base 10: 'abc'",
            "n = int(s)",
            "`int()` was given the text `'abc'`, which is not a whole number in base 10.",
        ),
        (
            "ValueError",
            "not enough values to unpack (expected 3, got 2)",
            "a, b, c = pair",
            "Unpacking into `(a, b, c)` expects 3 values, but the value has fewer (only 2).",
        ),
        ("AssertionError", "", "assert x > 0", "it is not true here that `x` is greater than `0`"),
        (
            "FileNotFoundError",
            "[Errno 2] No such file or directory: 'data.csv'",
            "open('data.csv')",
            "There is no file at `data.csv`",
        ),
        (
            "ModuleNotFoundError",
            "No module named 'numpy'",
            "import numpy as np",
            "The module `numpy` is not installed here",
        ),
        (
            "UnboundLocalError",
            "cannot access local variable 'count' where it is not associated with a value",
            "count += 1",
            "declare it with `global count`",
        ),
    ],
)
def test_common_errors(type_name: str, message: str, line: str, expected: str) -> None:
    assert expected in explain_error(type_name, message, line)


def test_chinese() -> None:
    text = explain_error("KeyError", "'name'", "print(person['name'])", "zh")
    assert text.startswith("`KeyError`：在字典中查找了不存在的键。")
    assert "键 `'name'` 不在 `person` 中" in text


def test_unknown_exception_and_odd_input_are_safe() -> None:
    text = explain_error("mylib.CustomError", "it broke", "frobnicate()")
    assert text == "`CustomError` was raised. Python's message: `it broke`"
    assert explain_error("TypeError", "", "")  # empty message and line
    assert explain_error("ValueError", "x", "this is not ( python")
    assert explain_error("ZeroDivisionError", "division by zero", "elif a % b == 0:").endswith(
        "`b` is 0 here, so `a % b` cannot be computed."
    )
