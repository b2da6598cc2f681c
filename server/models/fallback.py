"""The larger model that generation falls back on (``model.fallback``), as model settings.

The small default model answers most requests well and fast; where its code fails the
checks generation runs, a larger one is asked (measured in the README: the bundled 0.5B
model with the 1.5B model behind it passes more HumanEval problems than either alone, at
the 0.5B model's median time). The fallback is the same kind of model as the first: a
bundled id or GGUF file for the local backends, a model name the endpoint serves for
"openai". It runs in a process of its own, loaded on first need, like the first model.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from prosepy.server.config import ModelSettings
from prosepy.server.models import bundled
from prosepy.server.models.scripted import FALLBACK_PATH, scripted_path, scripts_fallback


def fallback_settings(settings: ModelSettings) -> ModelSettings | None:
    """Settings that load the fallback model, or None when there is none to ask: not set,
    the same model as the first, a bundled id with the "openai" backend (an endpoint
    serves its own models), or a local file no larger than the first model's."""
    wanted = settings.fallback.strip()
    if not wanted:
        return None
    script = scripted_path()
    if script is not None:  # the test double plays both models, or there is no fallback
        return replace(settings, path=FALLBACK_PATH) if scripts_fallback(script) else None
    if settings.backend == "openai":
        if wanted in bundled.BUNDLED or wanted == settings.name:
            return None
        return replace(settings, name=wanted, load_at_start=False)
    first, _ = bundled.resolve_model_path(settings.path)
    second = (
        bundled.bundled_path(wanted) if wanted in bundled.BUNDLED else Path(wanted).expanduser()
    )
    first_size, second_size = _size(first), _size(second)
    if _same_file(first, second) or (first_size and second_size and second_size <= first_size):
        return None
    return replace(settings, path=wanted, load_at_start=False)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _size(path: Path) -> int:
    """The file's size; 0 when it is not there (a fallback not installed is still asked:
    its error says how to install it)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
