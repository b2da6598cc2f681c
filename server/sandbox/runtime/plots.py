"""matplotlib figures as PNG images, like Jupyter's inline backend.

:meth:`Plots.install` makes ``module://_prosepy_mpl_backend`` matplotlib's backend (through
``MPLBACKEND``, read when matplotlib is imported): Agg for drawing, a ``show()`` that returns
at once and takes every open figure as a PNG at the line that called it, and figure creation
noted against the line that created the figure. What is still open when the run ends is taken
too, at its creation line. Taken figures are closed, so they do not pile up across runs.

Images are capped in size (a larger one is drawn again at a lower resolution) and in number.
Nothing imports matplotlib until the snippet does.

Standard library only: this runs in the user's interpreter.
"""

from __future__ import annotations

import base64
import io
import os
import struct
import sys
import types
from typing import Any

BACKEND_MODULE = "_prosepy_mpl_backend"
MAX_IMAGES = 20
IMAGE_BYTES = 1_000_000
TOTAL_BYTES = 4_000_000


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (None when it is not a PNG)."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


class Plots:
    """Figures of the current run, with the document line each belongs to."""

    def __init__(self) -> None:
        self.filename = ""
        self.last_line = 0
        self.images: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._bytes = 0
        self._lines: dict[int, int] = {}  # id(figure) -> line that created it

    # -- set-up ---------------------------------------------------------------------------------
    def install(self) -> None:
        """Become matplotlib's backend, unless the user's environment chose one."""
        if os.environ.get("MPLBACKEND", "agg").lower() not in ("agg", ""):
            return
        module = types.ModuleType(BACKEND_MODULE)
        module.show = self.show  # type: ignore[attr-defined]
        setattr(module, "__getattr__", self._backend_attribute)  # noqa: B010 (PEP 562 hook)
        sys.modules[BACKEND_MODULE] = module
        os.environ["MPLBACKEND"] = "module://" + BACKEND_MODULE

    def _backend_attribute(self, name: str) -> Any:
        if name != "FigureCanvas":
            raise AttributeError(name)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        plots = self

        class FigureCanvas(FigureCanvasAgg):
            @classmethod
            def new_manager(cls, figure: Any, num: Any) -> Any:
                line = plots.caller_line()
                if line is not None:
                    plots._lines[id(figure)] = line
                return super().new_manager(figure, num)

        module = sys.modules[BACKEND_MODULE]
        module.FigureCanvas = FigureCanvas  # type: ignore[attr-defined]
        return FigureCanvas

    # -- a run ----------------------------------------------------------------------------------
    def start(self, filename: str, last_line: int) -> None:
        self.filename, self.last_line = filename, last_line
        self.images, self.notes, self._bytes = [], [], 0

    def caller_line(self) -> int | None:
        """The 0-based document line of the innermost frame running the document's code."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.filename:
                return frame.f_lineno - 1
            frame = frame.f_back  # type: ignore[assignment]
        return None

    def show(self, *args: Any, **kwargs: Any) -> None:
        """``plt.show()``: take the open figures now, at the calling line; never blocks."""
        line = self.caller_line()
        self.take(line)

    def finish(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Take what is still open; return (images, notes) of the run."""
        self.take(None)
        images, notes = self.images, self.notes
        self.images, self.notes = [], []
        return images, notes

    def take(self, line: int | None) -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        try:
            numbers = list(pyplot.get_fignums())
        except Exception:
            return
        for number in numbers:
            figure = pyplot.figure(number) if pyplot.fignum_exists(number) else None
            if figure is None:
                continue
            at = line if line is not None else self._lines.get(id(figure), self.last_line)
            self._add(figure, at, number)
            self._lines.pop(id(figure), None)
            try:
                pyplot.close(figure)
            except Exception:
                pass

    def _add(self, figure: Any, line: int, number: int) -> None:
        if len(self.images) >= MAX_IMAGES:
            self.notes.append(f"figure {number} was not shown: at most {MAX_IMAGES} per run")
            return
        data = _render(figure, None)
        if data is not None and len(data) > IMAGE_BYTES:
            scale = (IMAGE_BYTES / len(data)) ** 0.5 * 0.9
            data = _render(figure, float(figure.dpi) * scale)
        if data is None:
            self.notes.append(f"figure {number} could not be drawn")
            return
        if len(data) > IMAGE_BYTES or self._bytes + len(data) > TOTAL_BYTES:
            self.notes.append(f"figure {number} was not shown: its image is too large")
            return
        size = png_size(data) or (0, 0)
        self._bytes += len(data)
        self.images.append(
            {
                "line": line,
                "mime": "image/png",
                "data": base64.b64encode(data).decode("ascii"),
                "width": size[0],
                "height": size[1],
            }
        )


def _render(figure: Any, dpi: float | None) -> bytes | None:
    buffer = io.BytesIO()
    try:
        if dpi is None:
            figure.savefig(buffer, format="png")
        else:
            figure.savefig(buffer, format="png", dpi=dpi)
    except Exception:
        return None
    return buffer.getvalue()
