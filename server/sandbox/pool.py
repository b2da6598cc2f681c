"""The warm pool: a started, not yet confined interpreter kept ready for the next session.

A run then costs one message on a pipe instead of an interpreter start-up (~100 ms with site
packages); the pool refills after each run, off the run's path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

from prosepy.server.sandbox.spec import SandboxError, Spec
from prosepy.server.sandbox.supervisor import Sandbox

#: Spares kept at most (strong mode's spec names the document's folder, so one per folder).
MAX_SPARES = 2


class WarmPool:
    """Keeps one started, not yet confined interpreter per :class:`Spec` ready to take.

    Every sandbox is started from this pool's own long-lived threads: bubblewrap's
    ``--die-with-parent`` is PR_SET_PDEATHSIG, which fires when the *thread* that started it
    ends, so a short-lived thread would take its sandbox down with it.
    """

    def __init__(self) -> None:
        self._ready: OrderedDict[Spec, Sandbox] = OrderedDict()
        self._filling: dict[Spec, Future[None]] = {}
        self._lock = threading.Lock()
        self._spawner = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prosepy-spawn")
        self.closed = False

    def take(self, spec: Spec) -> tuple[Sandbox, bool]:
        """A started sandbox for ``spec`` and whether it was warm (or half-way started).

        Does not refill: the caller calls :meth:`refill` once its run is over, so that starting
        the next interpreter does not compete with the run for the CPU.
        """
        with self._lock:
            filling = self._filling.get(spec)
        if filling is not None:
            filling.result()  # a spare is being started: finishing it is quicker than a new one
        with self._lock:
            box = self._ready.pop(spec, None)
        warm = box is not None and box.alive()
        if box is None or not warm:
            if box is not None:
                box.kill()
            box = self._spawner.submit(Sandbox, spec).result()
        return box, warm

    def refill(self, spec: Spec) -> None:
        with self._lock:
            if self.closed or spec in self._ready or spec in self._filling:
                return
            self._filling[spec] = self._spawner.submit(self._fill, spec)

    def _fill(self, spec: Spec) -> None:
        try:
            box: Sandbox | None = Sandbox(spec)
        except SandboxError:
            box = None
        evicted: list[Sandbox] = []
        with self._lock:
            self._filling.pop(spec, None)
            if box is not None and not self.closed and spec not in self._ready:
                self._ready[spec] = box
                box = None
                while len(self._ready) > MAX_SPARES:
                    evicted.append(self._ready.popitem(last=False)[1])
        for spare in [*evicted, *([box] if box is not None else [])]:
            spare.kill()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            boxes = list(self._ready.values())
            self._ready.clear()
        for box in boxes:
            box.kill()
        self._spawner.shutdown(wait=False, cancel_futures=True)
