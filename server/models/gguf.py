"""A small GGUF header reader: check a model file before a runtime sees it.

llama.cpp answers a truncated or foreign file with a bare "Failed to load model" (or worse,
a crash), so prosepy reads the header itself: the magic, the version, the metadata it needs
(``general.architecture``, the chat template) and the tensor table, whose offsets tell how
big a complete file must be. Only the header is read (through mmap), never the weights.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosepy.server.models.base import ModelError

MAGIC = b"GGUF"
#: Magics of the GGML-era formats that predate GGUF (ctransformers still reads them).
GGML_MAGICS = {b"lmgg": "ggml", b"fmgg": "ggmf", b"tjgg": "ggjt"}

# GGUF metadata value types: struct format for scalars, 8 = string, 9 = array.
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}  # fmt: skip
_STRING, _ARRAY = 8, 9

#: ggml tensor types -> (elements per block, bytes per block), to size the last tensor.
_TYPE_SIZES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24),
               8: (32, 34), 9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144),
               13: (256, 176), 14: (256, 210), 15: (256, 292), 16: (256, 66), 17: (256, 74),
               18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82),
               23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8),
               29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66), 39: (32, 17)}  # fmt: skip


@dataclass
class GGUFInfo:
    """What the header says about a model file."""

    path: Path
    version: int
    size: int
    tensor_count: int
    #: The metadata values that were asked for (other keys are skipped, not decoded).
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Bytes a complete file needs according to its tensor table.
    expected_size: int = 0

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))


class _Truncated(Exception):
    pass


class _Reader:
    def __init__(self, buf: mmap.mmap) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise _Truncated
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self, keep: bool = True) -> str:
        length = self.take("<Q")
        if self.pos + length > len(self.buf):
            raise _Truncated
        raw = self.buf[self.pos : self.pos + length] if keep else b""
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool) -> Any:
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.string(keep)
        if kind == _ARRAY:
            item_kind, count = self.take("<I"), self.take("<Q")
            if item_kind in _SCALARS:  # skip fixed-size items in one step
                size = struct.calcsize(_SCALARS[item_kind]) * count
                if not keep:
                    if self.pos + size > len(self.buf):
                        raise _Truncated
                    self.pos += size
                    return None
            elif item_kind == _STRING and not keep:  # vocabularies: 150k strings, skip fast
                buf, pos, end, unpack = self.buf, self.pos, len(self.buf), struct.unpack_from
                for _ in range(count):
                    if pos + 8 > end:
                        raise _Truncated
                    pos += 8 + unpack("<Q", buf, pos)[0]
                if pos > end:
                    raise _Truncated
                self.pos = pos
                return None
            items = [self.value(item_kind, keep) for _ in range(count)]
            return items if keep else None
        raise ValueError(f"unknown metadata value type {kind}")


def read_gguf(path: str | Path, keys: set[str] | None = None) -> GGUFInfo:
    """Read and check the header of ``path``; raise ``ModelError`` saying what is wrong.

    ``keys`` are the metadata values to decode (default: the architecture and model name).
    """
    path = Path(path).expanduser()
    wanted = keys if keys is not None else {"general.architecture", "general.name"}
    if not path.exists():
        raise ModelError(
            f"model file not found: {path}",
            "check model.path, or run `prosepy model install` for the bundled model",
        )
    if not path.is_file():
        raise ModelError(f"model path is not a file: {path}", "point model.path at a .gguf file")
    size = path.stat().st_size
    if size < 24:
        raise ModelError(
            f"{path.name} is {size} bytes: not a model (empty or truncated file)",
            "download or copy the model again",
        )
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        magic = bytes(buf[:4])
        if magic != MAGIC:
            if magic in GGML_MAGICS:
                raise ModelError(
                    f"{path.name} is in the old GGML format ({GGML_MAGICS[magic]}), not GGUF",
                    "convert it to GGUF, or use the ctransformers backend with model.modelType",
                )
            raise ModelError(
                f"{path.name} is not a GGUF model file (it starts with {magic!r})",
                "choose a .gguf file (llama.cpp's format)",
            )
        try:
            return _parse(_Reader(buf), path, size, wanted)
        except _Truncated:
            raise ModelError(
                f"{path.name} is truncated: its header ends past the end of the file",
                "the download or copy was incomplete: fetch the file again",
            ) from None
        except (ValueError, UnicodeDecodeError, OverflowError, MemoryError) as exc:
            raise ModelError(
                f"{path.name} has a damaged GGUF header ({exc})", "fetch the file again"
            ) from None


def _parse(reader: _Reader, path: Path, size: int, wanted: set[str]) -> GGUFInfo:
    reader.pos = 4
    version = reader.take("<I")
    if version not in (2, 3):
        raise ModelError(
            f"{path.name} is GGUF version {version}; prosepy reads versions 2 and 3",
            "convert the model with a recent llama.cpp",
        )
    tensor_count, kv_count = reader.take("<Q"), reader.take("<Q")
    if tensor_count > 1_000_000 or kv_count > 1_000_000:
        raise ValueError("implausible tensor or metadata count")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = reader.string()
        kind = reader.take("<I")
        value = reader.value(kind, keep=key in wanted or key == "general.alignment")
        if key in wanted or key == "general.alignment":
            metadata[key] = value
    end = 0
    for _ in range(tensor_count):
        reader.string(keep=False)
        n_dims = reader.take("<I")
        if n_dims > 8:
            raise ValueError("implausible tensor shape")
        elements = 1
        for _ in range(n_dims):
            elements *= reader.take("<Q")
        ggml_type, offset = reader.take("<I"), reader.take("<Q")
        block, block_bytes = _TYPE_SIZES.get(ggml_type, (1, 0))
        end = max(end, offset + (elements // block) * block_bytes)
    alignment = int(metadata.pop("general.alignment", 32) or 32)
    data_start = -(-reader.pos // alignment) * alignment
    expected = data_start + end
    if size < expected:
        raise ModelError(
            f"{path.name} is truncated: {size:,} bytes, but its tensors need {expected:,}",
            "the download or copy was incomplete: fetch the file again",
        )
    return GGUFInfo(path, version, size, tensor_count, metadata, expected)


def load_error(info: GGUFInfo, exc: Exception, log: str, runtime: str) -> ModelError:
    """A clear message for a failed load, from llama.cpp's own error lines."""
    text = log.lower()
    arch = info.architecture or "unknown"
    if "unknown model architecture" in text:
        return ModelError(
            f"{info.path.name}: llama.cpp ({runtime}) does not support the architecture {arch!r}",
            "choose a model of a supported architecture (llama, qwen2, ...)",
        )
    if "failed to allocate" in text or "cannot allocate" in text or "out of memory" in text:
        return ModelError(
            f"out of memory while loading {info.path.name}",
            "close other programs, lower model.nCtx, or choose a smaller model",
        )
    lines = [ln for ln in log.splitlines() if "error" in ln.lower()]
    detail = lines[-1].strip() if lines else str(exc)
    return ModelError(
        f"llama.cpp ({runtime}) could not load {info.path.name} (arch {arch}): {detail}",
        "check that the file is a complete GGUF model, or try another model",
    )
