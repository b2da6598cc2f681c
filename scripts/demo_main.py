"""The main job on the bundled default: request -> code -> sandboxed run -> explanation.

Each stage is used only if its core is present in this version; until then, the setup
report (``prosepy doctor``) is printed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROSEPY = [sys.executable, "-c", "import sys; from server.cli import main; sys.exit(main())"]


def main() -> int:
    print("== prosepy doctor ==", flush=True)
    return subprocess.call([*PROSEPY, "doctor"], cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
