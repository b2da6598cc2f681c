"""Medium mode's cap on the working directory: a watch, since no kernel mechanism is at hand.

Without namespaces the working directory is an ordinary folder of the host (strong mode gives
it a private tmpfs capped by the kernel in bytes and inodes). Each file still has
``RLIMIT_FSIZE``, but nothing bounds the total, nor the number of files: 839k empty files
cost ~1 GB of kernel memory on a tmpfs ``/tmp``. So while a run goes the supervisor walks the
folder and stops the run when it holds more than the budget: counting entries (from the
directory listing alone) every 50 ms, or less often when a walk takes long (about a fifth of a
core at most), and adding up sizes (one ``stat`` per file) every fourth walk. Between runs the
sandbox is stopped, so nothing grows unwatched. What this cannot do, and the results say so:
catch a burst between two walks before it happens.
"""

from __future__ import annotations

import os
import time

MIN_INTERVAL_S = 0.05
SIZES_EVERY = 4


class DiskWatch:
    """Size and entry count of ``root``, checked against ``max_bytes`` and ``max_entries``."""

    def __init__(self, root: str, max_bytes: int, max_entries: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.next_at = 0.0
        self.walks = 0

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def check(self) -> str:
        """ "" when within budget, else why the run must stop."""
        start = time.monotonic()
        self.walks += 1
        try:
            return self._walk(sizes=self.walks % SIZES_EVERY == 1)
        finally:
            took = time.monotonic() - start
            self.next_at = time.monotonic() + max(MIN_INTERVAL_S, 5 * took)

    def _walk(self, sizes: bool) -> str:
        entries = size = 0
        stack = [self.root]
        while stack:
            try:
                with os.scandir(stack.pop()) as listing:
                    for entry in listing:
                        entries += 1
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif sizes and entry.is_file(follow_symlinks=False):
                            size += entry.stat(follow_symlinks=False).st_size
                        if entries > self.max_entries:
                            return (
                                f"it made more than {self.max_entries} files and folders in "
                                "its working directory (run.diskMb allows one per 8 KiB)"
                            )
                        if size > self.max_bytes:
                            return (
                                f"its working directory passed {self.max_bytes >> 20} MiB "
                                "(run.diskMb)"
                            )
            except FileNotFoundError:
                continue  # removed while being walked
            except OSError as exc:
                return f"its working directory could not be checked ({exc.strerror})"
        return ""
