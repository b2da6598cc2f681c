"""``prosepy model install|use|status``: get, choose and inspect the model from a terminal."""

from __future__ import annotations

import argparse
import sys
import time

from prosepy.server.config import ModelSettings
from prosepy.server.models import bundled
from prosepy.server.models.base import ModelError


def model_command(args: argparse.Namespace) -> int:
    action = getattr(args, "model_command", None) or "status"
    try:
        if action == "install":
            return _install(args.which)
        if action == "use":
            return _use(args.path)
        return _status()
    except ModelError as exc:
        print(f"prosepy model {action}: {exc.message}", file=sys.stderr)
        if exc.fix:
            print(f"  fix: {exc.fix}", file=sys.stderr)
        return 1


def _install(which: str) -> int:
    if which in ("list", "--list"):
        for model in bundled.BUNDLED.values():
            state = "installed" if bundled.bundled_path(model.id).is_file() else "not installed"
            print(f"{model.id:22} {state:14} {model.description}")
        return 0
    start = time.monotonic()
    for model_id in _defaults() if which == "default" else [which]:
        bundled.install(model_id, progress=lambda text: print(text, file=sys.stderr))
    print(f"done in {time.monotonic() - start:.1f} s", file=sys.stderr)
    return 0


def _defaults() -> list[str]:
    """The bundled default model, and the fallback model (``model.fallback``) by default."""
    fallback = ModelSettings().fallback
    return [bundled.DEFAULT_ID, *([fallback] if fallback in bundled.BUNDLED else [])]


def _use(path_text: str) -> int:
    if path_text in ("default", "bundled"):
        bundled.forget_choice()
        print(f"using the bundled model {bundled.bundled_path()}")
        return 0
    if path_text in bundled.BUNDLED:
        target = bundled.bundled_path(path_text)
        if not target.is_file():
            raise ModelError(
                f"{path_text} is not installed", f"run `prosepy model install {path_text}` first"
            )
    path = bundled.use(path_text)
    print(f"using {path} (recorded in {bundled.user_config_path()})")
    print("the model.path setting, where set, still takes precedence")
    return 0


def _status() -> int:
    from prosepy.server.models.doctor import describe_model

    settings = ModelSettings()
    lines, ok = describe_model(settings, load=True)
    print("\n".join(lines))
    return 0 if ok else 1
