"""`prosepy doctor` model checks and `prosepy model status`, with the real model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from prosepy.server import doctor
from prosepy.server.config import ModelSettings, Settings
from prosepy.server.models.doctor import doctor_checks

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.model
def test_doctor_loads_the_bundled_model(qwen_model: Path) -> None:
    checks = {c.name: c for c in doctor_checks(Settings(model=ModelSettings(n_threads=1)))}
    assert checks["xllamacpp"].status == "ok" and "(selected)" in checks["xllamacpp"].detail
    assert checks["model file"].detail.startswith(str(qwen_model))
    assert checks["checksum"].status == "ok" and "1d9614638d18024d" in checks["checksum"].detail
    assert checks["format"].detail == "GGUF v3, arch qwen2"
    assert checks["load"].status == "ok" and checks["load"].detail.startswith("loaded in ")
    report = doctor.render(doctor.collect(Settings(model=ModelSettings(n_threads=1))))
    assert "[model]" in report and "loaded in" in report


def test_doctor_explains_a_missing_model(tmp_path: Path) -> None:
    settings = Settings(model=ModelSettings(path=str(tmp_path / "gone.gguf")))
    checks = doctor_checks(settings)
    bad = [c for c in checks if c.status == "missing"]
    assert len(bad) == 1 and "model file not found" in bad[0].detail
    assert "prosepy model install" in bad[0].fix
    assert not any(c.name == "load" for c in checks)  # nothing to load


def test_doctor_reports_a_load_failure_from_the_probe(tmp_path: Path, toy_model: Path) -> None:
    data = bytearray(toy_model.read_bytes())
    start = data.index(b"llama", data.index(b"general.architecture") + 20)
    data[start : start + 5] = b"mamb9"
    odd = tmp_path / "odd.gguf"
    odd.write_bytes(bytes(data))
    checks = {c.name: c for c in doctor_checks(Settings(model=ModelSettings(path=str(odd))))}
    assert checks["load"].status == "missing"
    assert "does not support the architecture 'mamb9'" in checks["load"].detail


@pytest.mark.model
def test_model_status_command(qwen_model: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from prosepy.server.cli import main; sys.exit(main())",
         "model", "status"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "checksum: sha256 matches" in proc.stdout and "load: loaded in" in proc.stdout
