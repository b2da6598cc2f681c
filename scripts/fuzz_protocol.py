"""Fuzz the real server over stdio with 10,000+ generated messages; print what came back.

    .venv/bin/python scripts/fuzz_protocol.py [--messages 10000]

Every request must get a result or a JSON-RPC error, and the server must still answer a
known-good request after each batch. Prints a table: messages by kind, responses by error
code, server RSS before/after, and messages per second.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import psutil
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.rawlsp import RawServer  # noqa: E402
from tests.robustness.fuzz import traffic  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()

    raw = RawServer()
    raw.initialize()
    raw.open_document("file:///tmp/fuzz.py", "# nl: 计算 1 到 100 的和\nx = 1\n# %%\nprint(x)\n")
    proc = psutil.Process(raw.proc.pid)
    rss_before = proc.memory_info().rss
    ids = [10_000]
    sent: collections.Counter[str] = collections.Counter()
    codes: collections.Counter[str] = collections.Counter()
    start = time.monotonic()
    batch_size = 20
    batches = max(1, args.messages // batch_size)

    @settings(
        max_examples=batches, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(batch=st.lists(traffic(ids), min_size=batch_size, max_size=batch_size))
    def run(batch) -> None:
        for probe in batch:
            raw.send_bytes(probe.body)
            sent["request" if probe.expect_id is not None else "notification/garbage"] += 1
        for probe in batch:
            if probe.expect_id is None:
                continue
            response = raw.wait_response(probe.expect_id, timeout=60)
            codes[str(response["error"]["code"]) if "error" in response else "result"] += 1
        ids[0] += 1
        assert "result" in raw.ping(ids[0]), "server stopped answering"

    run()
    elapsed = time.monotonic() - start
    rss_after = proc.memory_info().rss
    alive = raw.proc.poll() is None
    raw.close()

    total = sum(sent.values())
    print(f"{'what':<34}{'count':>10}")
    for kind, n in sent.items():
        print(f"{'sent ' + kind:<34}{n:>10}")
    for code, n in sorted(codes.items()):
        print(f"{'answered with ' + code:<34}{n:>10}")
    print(f"{'messages per second':<34}{total / elapsed:>10.0f}")
    print(f"{'server RSS before (MiB)':<34}{rss_before / 2**20:>10.1f}")
    print(f"{'server RSS after (MiB)':<34}{rss_after / 2**20:>10.1f}")
    print(f"{'server alive at the end':<34}{str(alive):>10}")
    answered = sum(codes.values())
    print(f"requests answered: {answered}/{sent['request']}")
    return 0 if alive and answered == sent["request"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
