"""Realistic `# nl:` requests with the output each must produce, for ``eval_requests.py``.

English and Chinese; at module level, in functions, in methods, in loops; with data held in
variables and with standard-library imports. Each file, once the code is inserted, is run
as it is: its output must be one of ``expected`` (lines compared with spaces trimmed).
Calls that print the result sit after the function, never as ``assert``s right below the
request, so they are not the checks the pipeline runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    expected: tuple[str, ...]
    where: str  # "module" | "function" | "method" | "loop"
    language: str  # "en" | "zh"

    @property
    def line(self) -> int:
        """The request's first line (0-based)."""
        return next(i for i, line in enumerate(self.text.splitlines()) if "# nl:" in line)


def c(name: str, text: str, *expected: str, where: str = "module", zh: bool = False) -> Case:
    return Case(name, text, expected, where, "zh" if zh else "en")


CASES: list[Case] = [
    c("sum-1-100", "# nl: 计算 1 到 100 的和\n", "5050", zh=True),
    c(
        "squares-line",
        "# nl: print the squares of 1 to 5 on one line separated by spaces\n",
        "1 4 9 16 25",
    ),
    c(
        "dict-total",
        'prices = {"apple": 3, "pear": 5, "fig": 2}\n# nl: print the total of the prices\n',
        "10",
    ),
    c(
        "csv-average",
        'csv_text = "name,age\\nAnn,31\\nBob,25\\n"\n# nl: print the average age in csv_text\n',
        "28.0",
        "28",
    ),
    c(
        "longest-word",
        'words = ["kiwi", "banana", "fig"]\n# nl: 打印最长的单词\n',
        "banana",
        zh=True,
    ),
    c(
        "days-between",
        "# nl: print how many days are between 2024-01-01 and 2024-03-01 using datetime\n",
        "60",
        "60 days, 0:00:00",
    ),
    c(
        "json-length",
        'data = \'{"a": 1, "b": [1, 2, 3]}\'\n'
        "# nl: parse data as JSON and print the length of the list under b\n",
        "3",
    ),
    c(
        "counter-most",
        'text = "the cat and the hat and the bat"\n'
        "# nl: 用 collections.Counter 统计 text 中每个单词出现的次数，打印出现次数最多的单词\n",
        "the",
        zh=True,
    ),
    c(
        "sort-desc",
        "nums = [5, 3, 8, 1, 9, 2]\n# nl: print nums sorted in descending order\n",
        "[9, 8, 5, 3, 2, 1]",
    ),
    c("even-sum", "nums = [1, 2, 3, 4, 5, 6]\n# nl: 打印 nums 中所有偶数的和\n", "12", zh=True),
    c("fib-10", "# nl: print the 10th Fibonacci number (fib(1) = fib(2) = 1)\n", "55"),
    c("prime-97", "# nl: 判断 97 是否是质数，打印 True 或 False\n", "True", zh=True),
    c(
        "count-error",
        'log = "error at 10:15, warning at 11:20, error at 12:05"\n'
        "# nl: print how many times 'error' appears in log\n",
        "2",
    ),
    c("reverse", 's = "Hello World"\n# nl: print s reversed\n', "dlroW olleH"),
    c(
        "hypotenuse",
        "import math\n# nl: print the hypotenuse of a right triangle with sides 3 and 4\n",
        "5.0",
        "5",
    ),
    c(
        "best-score",
        'scores = {"Ann": 90, "Bob": 72, "Cid": 85}\n# nl: 打印分数最高的人的名字\n',
        "Ann",
        zh=True,
    ),
    c(
        "median",
        "import statistics\nvalues = [2, 4, 4, 4, 5, 5, 7, 9]\n# nl: print the median of values\n",
        "4.5",
    ),
    c(
        "alphabet",
        "import string\n# nl: 打印字母表的前五个小写字母，用逗号连接\n",
        "a,b,c,d,e",
        zh=True,
    ),
    c("loop-square", "for n in [3, 4, 5]:\n    # nl: print n squared\n", "9\n16\n25", where="loop"),
    c(
        "loop-length",
        'for word in ["a", "bb", "ccc"]:\n    # nl: 打印单词的长度\n',
        "1\n2\n3",
        where="loop",
        zh=True,
    ),
    c(
        "loop-total",
        "total = 0\nfor x in [1, 2, 3, 4]:\n    # nl: add x times 10 to total\nprint(total)\n",
        "100",
        where="loop",
    ),
    c(
        "palindrome",
        "def is_palindrome(s):\n"
        "    # nl: return True if s reads the same backwards, ignoring case\n\n\n"
        'print(is_palindrome("Level"), is_palindrome("abc"))\n',
        "True False",
        where="function",
    ),
    c(
        "vowels",
        "def count_vowels(s):\n    # nl: 返回 s 中元音字母的个数\n\n\n"
        'print(count_vowels("education"))\n',
        "5",
        where="function",
        zh=True,
    ),
    c(
        "fahrenheit",
        "def celsius_to_f(c):\n"
        '    """Convert Celsius to Fahrenheit.\n\n    >>> celsius_to_f(100)\n    212.0\n'
        '    """\n    # nl: convert c degrees Celsius to Fahrenheit\n\n\n'
        "print(celsius_to_f(0))\n",
        "32.0",
        where="function",
    ),
    c(
        "add-tax",
        "def add_tax(price):\n"
        "    # nl: return price with 10% tax, rounded to 2 decimals\n"
        "    # e.g. add_tax(10) == 11.0\n\n\nprint(add_tax(19.99))\n",
        "21.99",
        where="function",
    ),
    c(
        "word-freq",
        "def word_freq(text):\n"
        "    # nl: return a dict of word -> count using collections.Counter\n\n\n"
        'print(word_freq("a b a")["a"])\n',
        "2",
        where="function",
    ),
    c(
        "safe-div",
        "def safe_div(a, b):\n    # nl: 返回 a 除以 b，如果 b 是 0 就返回 None\n\n\n"
        "print(safe_div(6, 3), safe_div(1, 0))\n",
        "2.0 None",
        where="function",
        zh=True,
    ),
    c(
        "flatten",
        "def flatten(lists):\n"
        "    # nl: return one list with all items of the inner lists\n\n\n"
        "print(flatten([[1, 2], [3], []]))\n",
        "[1, 2, 3]",
        where="function",
    ),
    c(
        "stack-pop",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n"
        "    def push(self, item):\n        self.items.append(item)\n\n"
        "    def pop(self):\n        # nl: remove and return the last item\n\n\n"
        "s = Stack()\ns.push(1)\ns.push(2)\nprint(s.pop(), s.items)\n",
        "2 [1]",
        where="method",
    ),
    c(
        "deposit",
        "class Account:\n    def __init__(self, balance):\n"
        "        self.balance = balance\n\n    def deposit(self, amount):\n"
        "        # nl: 把 amount 加到余额上，并返回新的余额\n\n\n"
        "a = Account(10)\nprint(a.deposit(5))\n",
        "15",
        where="method",
        zh=True,
    ),
    c(
        "rect-area",
        "class Rect:\n    def __init__(self, w, h):\n        self.w = w\n"
        "        self.h = h\n\n    def area(self):\n        # nl: return the area\n\n\n"
        "print(Rect(3, 4).area())\n",
        "12",
        where="method",
    ),
    c(
        "in-stock",
        "class Inventory:\n    def __init__(self):\n"
        '        self.items = {"apple": 3, "pear": 0, "fig": 7}\n\n    def in_stock(self):\n'
        "        # nl: return the names of items with a count above zero, sorted\n\n\n"
        "print(Inventory().in_stock())\n",
        "['apple', 'fig']",
        where="method",
    ),
    c(
        "temp-average",
        "class Temperature:\n    def __init__(self, readings):\n"
        "        self.readings = readings\n\n    def average(self):\n"
        "        # nl: 返回 readings 的平均值\n\n\n"
        "print(Temperature([20, 22, 24]).average())\n",
        "22.0",
        where="method",
        zh=True,
    ),
]
