"""The other side of every attack test: what snippets must still do, in both modes.

numpy and pandas (installed with the dev extra) import and compute, ``pd.read_csv`` reads the
document's folder, the session keeps them across runs (no thread of theirs is left to end
it), a run may use threads within the limits, and pickling what a snippet defined works
(``__main__`` is the snippets' own module).
"""

from __future__ import annotations

import sys

import pytest

from tests.sandbox.conftest import Env

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")


@pytest.fixture
def roomy(env: Env) -> Env:
    """numpy and pandas need more than the attack fixture's 256 MiB address space."""
    env.manager.settings.memory_mb = 1024
    env.manager.settings.timeout_s = 30
    return env


async def test_numpy_and_pandas_work_and_stay_in_the_session(roomy: Env):
    pytest.importorskip("pandas")
    first = await roomy.run(
        """
        import numpy as np, pandas as pd
        df = pd.read_csv("data.csv")
        arr = np.arange(1_000_000, dtype=np.float64)
        total = float(arr.sum()) + int(df["b"].sum())
        total
        """
    )
    assert first.ok, first
    assert first.lines[-1].text == "→ 499999500002.0" and not first.session_restarted
    second = await roomy.run("df.assign(c=df.a + df.b).to_dict('records')")
    assert second.ok and second.lines[-1].text == "→ [{'a': 1, 'b': 2, 'c': 3}]", second
    assert not second.session_restarted


async def test_threads_within_the_limits(roomy: Env):
    result = await roomy.run(
        """
        import threading
        results = [0] * 16
        def work(i):
            results[i] = sum(range(i * 1000))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
        for t in threads: t.start()
        for t in threads: t.join()
        sum(results)
        """
    )
    assert result.ok and not result.session_restarted, result
    assert result.lines[-1].text == f"→ {sum(sum(range(i * 1000)) for i in range(16))}"


async def test_classes_defined_by_a_snippet_pickle(roomy: Env):
    result = await roomy.run(
        """
        import pickle
        from dataclasses import dataclass
        @dataclass
        class Point:
            x: int
            y: "int"
        pickle.loads(pickle.dumps(Point(1, 2)))
        """
    )
    assert result.ok and result.lines[-1].text == "→ Point(x=1, y=2)", result
