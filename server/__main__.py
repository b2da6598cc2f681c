"""``python -m prosepy.server`` is the ``prosepy`` command; with no arguments it serves stdio.

Editors that cannot find the ``prosepy`` script start the server this way; ``--help`` and the
subcommands work as they do for ``prosepy``.
"""

import sys

from prosepy.server.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["serve"]))
