"""File ▸ Export: the current chart (PNG, SVG, PDF), the results (CSV, Excel) and the scenario (TOML).

Every export carries the run's provenance, with the open scenario file as its source.
"""

from __future__ import annotations

import dataclasses
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from tfsim import export
from tfsim.files import atomic_write_text

from .dialogs import show_error
from .reportexport import scenario_source
from .results import chart_kwargs

STATUS_MS = 8000
CHART_FORMATS = (".png", ".svg", ".pdf")
RESULT_FORMATS = (".xlsx", ".csv")
#: Chart file types of the export dialog, with the size each writes (tfsim.charts.SIZES).
CHART_FILTERS = [("PNG image (*.png)", "screen"), ("PNG image for a slide, 16:9 (*.png)", "slide"),
                 ("PNG image for half an A4 page (*.png)", "a4-half"), ("SVG drawing, editable text (*.svg)", "screen"),
                 ("SVG drawing for a slide, 16:9 (*.svg)", "slide"), ("PDF document (*.pdf)", "screen"),
                 ("PDF document for half an A4 page (*.pdf)", "a4-half")]


class Exports(QObject):
    """Writes what the session and the document hold; the dialogs ask where."""

    status = Signal(str, int)  # message, milliseconds

    def __init__(self, window, session, documents, chart_tabs):
        super().__init__(window)
        self.window, self.session, self.documents, self.chart_tabs = window, session, documents, chart_tabs

    # ---- writing ----------------------------------------------------------------------

    def _results(self):
        """The session's results with the open scenario file attached as their source (for provenance)."""
        results = self.session.results
        return dataclasses.replace(results, meta={**results.meta, "source": scenario_source(self.documents, results)})

    def chart(self, path: Path, key: str | None = None, preset: str = "screen") -> Path:
        """One chart of the current results (the shown one unless ``key``), with the baseline, at a size preset."""
        tab = self.chart_tabs.charts[key] if key else self.chart_tabs.current_chart()
        results = self._results()
        kwargs = chart_kwargs(tab.plot, results, self.session.baseline)
        return export.write_chart(tab.plot, results, path, preset=preset, **kwargs)

    def results(self, path: Path) -> list[Path]:
        """An Excel workbook (with a Comparison sheet against the baseline), or CSV files and run.json."""
        return export.write_results(self._results(), Path(path), self.session.baseline)

    def scenario(self, path: Path) -> None:
        atomic_write_text(path, self.documents.text())

    # ---- dialogs ----------------------------------------------------------------------

    def _need_results(self) -> bool:
        if self.session.results is None:
            show_error(self.window, "Nothing to export yet",
                       "Run the scenario first; then its results can be exported.")
            return False
        return True

    def chart_dialog(self) -> None:
        if not self._need_results():
            return
        tab = self.chart_tabs.current_chart()
        name, flt = QFileDialog.getSaveFileName(self.window, f"Export chart '{tab.title}'", f"{tab.key}.png",
                                                ";;".join(f for f, _ in CHART_FILTERS))
        if name:
            if Path(name).suffix.lower() not in CHART_FORMATS:
                name += "." + flt.split("*.")[1].rstrip(")")
            preset = dict(CHART_FILTERS).get(flt, "screen")
            self._guard(lambda: self.chart(Path(name), preset=preset), f"Exported chart to {name}")

    def results_dialog(self) -> None:
        if not self._need_results():
            return
        name, flt = QFileDialog.getSaveFileName(self.window, "Export results", "results.xlsx",
                                                "Excel workbook, one sheet a table (*.xlsx);;"
                                                "CSV tables (*.csv)")
        if name:
            if Path(name).suffix.lower() not in RESULT_FORMATS:
                name += ".csv" if "csv" in flt else ".xlsx"
            self._guard(lambda: self.results(Path(name)), f"Exported results to {name}")

    def scenario_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self.window, "Export scenario as TOML", "scenario-copy.toml",
                                              "Scenario files (*.toml)")
        if name:
            self._guard(lambda: self.scenario(Path(name)), f"Exported scenario to {name}")

    def _guard(self, fn, done: str) -> None:
        try:
            fn()
        except Exception as exc:
            show_error(self.window, "Export failed", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            self.status.emit(done, STATUS_MS)
