"""What a run shows, in real VS Code (code-server with the packaged .vsix, Playwright): a cell
that builds a DataFrame and draws a plot; the Plots panel, the Variables view, the hovers on
the table, loop and plot lines, the table view (sorted, scrolled) and results made stale by an
edit. Screenshots land in ``artifacts/screenshots/vscode-views-*.png``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.editors import codeserver
from tests.views.snippet_python import snippet_python

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(codeserver.missing() is not None, reason=str(codeserver.missing())),
]

CELL = """# %%
import pandas as pd
import matplotlib.pyplot as plt
scale = 1
cities = [f"city {i}" for i in range(500)]
temps = [(i * 37 % 100) / 2 * scale for i in range(500)]
df = pd.DataFrame({"city": cities, "temp": temps, "rain": [i % 7 for i in range(500)]})
df
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(df["city"][:8], df["temp"][:8])
plt.show()
total = 0
for t in df["temp"][:100]:
    total += t
"""


def test_vscode_variables_table_and_plots(tmp_path: Path) -> None:
    settings = {"prosepy.run.python": snippet_python(), "prosepy.run.timeoutS": 60}
    with codeserver.code_server(tmp_path, {"views.py": CELL}, settings) as cs:
        seen = cs.flow([], "views.py", prefix="vscode-views", script="vscode_views_flow.mjs")

    inline = seen["run"]["inline"]
    assert "→ DataFrame 500×3 (city, temp, rain)" in inline, inline
    assert any(t.startswith("↻ total: 0.0 → 18.5 → 55.5") and "(100 times)" in t for t in inline), (
        inline
    )

    # the Plots panel beside the editor shows the figure at its size (5×3 inches at 100 dpi)
    plots = seen["plots"]
    assert plots["tab"] == 1 and plots["images"][0] == {
        "width": 500,
        "height": 300,
        "complete": True,
    }
    assert plots["captions"][0].startswith("views.py:11 · figure 1 of 1 · 500×300")

    rows = {r["name"]: r["description"] for r in seen["variables"]["rows"]}
    assert rows["df"] == "pandas.DataFrame 500×3 · 500 rows × 3 columns: city, temp, rain", rows
    assert rows["total"] == "float · 2475.0" and "pd" not in rows and "plt" not in rows, rows

    table = seen["hover_table"]
    assert (
        table["tables"] == 1
        and "city 0" in table["text"]
        and "First 10 of 500 rows" in table["text"]
    )
    assert "Open the whole table" in table["text"]
    assert "total: 0.0 → 18.5 → 55.5" in seen["hover_steps"]["text"]
    assert seen["hover_plot"]["images"] == 1, "VS Code shows the figure in the hover"

    view = seen["table"]
    assert view["before"][:2] == ["0", "city 0"]
    assert view["sorted"][2] == "49.5", "sorted by temp, highest first"
    assert "500 rows × 3 columns" in view["status"] and view["rows"] > 200

    stale = [t for t in seen["stale"]["inline"] if t["text"].startswith("(stale)")]
    assert any("DataFrame" in t["text"] for t in stale), seen["stale"]
