"""Model files shared by the model tests: the bundled Qwen model and the toy llama model.

Both are put in place by ``scripts/setup test`` (steps 40 and 41); a test that needs one
that is absent is skipped with the command that installs it, and fails instead under
``scripts/test`` (``PROSEPY_REQUIRE_MODEL=1``), where a missing model means a broken setup.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prosepy.server.models import bundled
from prosepy.server.models.base import Backend, CancelToken, GenerationRequest, GenerationResult
from tests.conftest import REQUIRE_MODEL


@pytest.fixture(scope="session")
def toy_model() -> Path:
    path = bundled.models_dir() / "toy" / "tiny.gguf"
    if not path.is_file():
        missing = pytest.fail if REQUIRE_MODEL else pytest.skip
        missing(f"toy model missing at {path}: run scripts/setup test")
    return path


@pytest.fixture(scope="session")
def qwen_model() -> Path:
    path = bundled.bundled_path()
    if not path.is_file():
        missing = pytest.fail if REQUIRE_MODEL else pytest.skip
        missing(f"bundled model missing at {path}: run prosepy model install")
    return path


def cancelled_after(backend: Backend, request: GenerationRequest, tokens: int) -> GenerationResult:
    """``request`` on ``backend``, cancelled from ``on_token`` once ``tokens`` tokens came."""
    cancel = CancelToken()
    seen: list[str] = []

    def on_token(piece: str) -> None:
        seen.append(piece)
        if len(seen) == tokens:
            cancel.cancel()

    return backend.generate(request, cancel, on_token)
