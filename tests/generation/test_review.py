"""Review of generated code: ruff's rules plus the few risks ruff has none for."""

from __future__ import annotations

from prosepy.server.generation.review import review


def codes(code: str, imports: list[str] | None = None, in_function: bool = False) -> set[str]:
    return {f.code for f in review(code, imports or [], in_function)}


def test_beginners_sum_loop_shadows_builtin() -> None:
    findings = review("sum = 0\nfor i in range(1, 101):\n    sum += i\nprint(sum)", [], False)
    shadow = [f for f in findings if f.code == "A001"]
    assert shadow and shadow[0].line == 0 and shadow[0].severity == "warning"


def test_processes_eval_exec_and_network() -> None:
    found = codes(
        'subprocess.run("ls", shell=True)\nos.system("rm x")\neval(s)\nexec(s)\nrequests.get(u)',
        ["import subprocess", "import os", "import requests"],
    )
    assert {"S602", "S605", "S307", "S102", "S113", "RISK-NET"} <= found


def test_file_deletion_and_writes_outside_cwd() -> None:
    found = codes(
        'os.remove(p)\nshutil.rmtree(d)\nopen("/etc/hosts", "w").write("x")', ["import os"]
    )
    assert {"RISK-DELETE", "RISK-WRITE"} <= found
    assert "RISK-WRITE" not in codes('open("out.txt", "w").write("x")')


def test_inefficiency_inside_function() -> None:
    found = review("out = []\nfor x in xs:\n    out.append(x * 2)\nreturn out", [], True)
    perf = [f for f in found if f.code == "PERF401"]
    assert perf and perf[0].line == 2 and perf[0].severity == "information"


def test_clean_code_has_no_findings() -> None:
    assert codes("total = sum(range(1, 101))\nprint(total)") == set()
