"""Results: KPI cards (with their intervals) and chart tabs drawn by tfsim.charts."""

from __future__ import annotations

import inspect
import textwrap

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import tfsim.charts as charts
from tfsim.catalogue import SUMMARY
from tfsim.target import target_outlook

from .pairing import ChartUnavailable, card_difference, plot_difference_tab

#: Headline cards, in order, shown when the run reports their metric; titles, units and
#: formats come from the catalogue.
KPI_CARDS = [
    "families_turned_around",
    "p_target_met",
    "mean_wait_days",
    "peak_waiting_list",
    "vacancy_fte_months",
    "cost_per_turned_around",
]
#: Colours of a difference from the baseline (Okabe-Ito; the card says the word too).
TONES = {"better": "#009E73", "worse": "#D55E00", "neutral": "#444"}


def has_metric(results, metric: str) -> bool:
    """Whether the run reports ``metric`` with a value: a scenario with no target has no chance card."""
    if results is None or not results.has_summary(metric):
        return False
    value = results.value(metric)
    return value == value  # NaN in every run: nothing to show but "n/a ... n/a to n/a"


class KpiCard(QFrame):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet("KpiCard { background: #F4F7FB; border: 1px solid #C9D3DF; border-radius: 6px; }")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(2)
        self.title = QLabel(title)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("color: #333; font-size: 9pt;")
        self.value = QLabel("")
        self.value.setWordWrap(True)
        self.value.setStyleSheet("font-size: 14pt; font-weight: bold; color: #0072B2;")
        self.interval = QLabel("")
        self.interval.setWordWrap(True)  # cards are narrow at 1366x768: wrap rather than clip
        self.interval.setStyleSheet("color: #444; font-size: 8pt;")
        self.delta = QLabel("")
        self.delta.setWordWrap(True)
        self.delta.setStyleSheet("font-size: 9pt;")
        self.delta_detail = QLabel("")
        self.delta_detail.setWordWrap(True)
        self.delta_detail.setStyleSheet("color: #444; font-size: 8pt;")
        for w in (self.title, self.value, self.interval, self.delta, self.delta_detail):
            lay.addWidget(w)
        self.delta.hide()
        self.delta_detail.hide()
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Minimum)

    def show_difference(self, difference, repairing: bool = False) -> None:
        """The paired difference from the baseline (a :class:`~tfsim.ui.pairing.CardDifference`), or nothing."""
        self.delta.setVisible(difference is not None)
        self.delta_detail.setVisible(difference is not None)
        if difference is None:
            return
        self.delta.setText(difference.text)
        self.delta.setStyleSheet(f"font-size: 9pt; font-weight: bold; color: {TONES[difference.tone]};")
        self.delta_detail.setText("re-running the baseline on this run's seeds..." if repairing and
                                  difference.text.endswith("(not paired)") else difference.detail)
        self.setToolTip(f"{self.toolTip()}\n\nAgainst the baseline:\n{difference.tooltip}")


class KpiPanel(QWidget):
    """One card per known headline metric present in the results."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.cards: dict[str, KpiCard] = {}
        self.placeholder = QLabel("Run the scenario to see the results here.")
        self.placeholder.setStyleSheet("color: #555; font-size: 11pt; padding: 12px;")
        self.grid.addWidget(self.placeholder, 0, 0)

    def show_results(self, results, pairing=None, repairing: bool = False) -> None:
        """Cards of ``results``; with a :class:`~tfsim.ui.pairing.Pairing`, each says its difference."""
        for card in self.cards.values():
            self.grid.removeWidget(card)
            card.hide()
            card.setParent(None)
            card.deleteLater()
        self.cards = {}
        self.placeholder.setVisible(results is None)
        if results is None:
            return
        shown = [SUMMARY[name] for name in KPI_CARDS if has_metric(results, name)]
        columns = min(max(len(shown), 1), 3)
        for i, metric in enumerate(shown):
            card = KpiCard(metric.title)
            name = metric.name
            mean = results.value(name)
            lo, hi = results.value(name, "ci_low"), results.value(name, "ci_high")
            p05, p95 = results.value(name, "p05"), results.value(name, "p95")
            card.value.setText(metric.format(mean))
            # one short line on the card; the full statement is in the tooltip
            card.interval.setText(f"9 runs in 10: {metric.format(p05, unit=False)} to {metric.format(p95)}")
            card.setToolTip(
                f"{metric.title}: average of {results.replications} runs {metric.format(mean)} "
                f"(95% confidence interval of the average {metric.format(lo, unit=False)} to {metric.format(hi)}).\n"
                f"9 runs in 10 fell between {metric.format(p05, unit=False)} and {metric.format(p95)}.\n"
                f"{metric.description}\nMetric: {name}")
            outlook = target_outlook(results) if name == "p_target_met" else None
            if outlook is not None:
                # the chance alone says nothing of how far short; the card says what is expected
                card.interval.setText(outlook.headline())
                card.setToolTip("\n".join(outlook.sentences()))
            if pairing is not None:
                card.show_difference(card_difference(pairing, name), repairing)
            self.grid.addWidget(card, i // columns, i % columns)
            self.cards[name] = card


def chart_kwargs(plot, results, baseline=None) -> dict:
    """The optional arguments a chart function accepts and this run can fill."""
    params = inspect.signature(plot).parameters
    kwargs = {}
    if baseline is not None and "baseline" in params:
        kwargs["baseline"] = baseline
    # the target and deadline come from the scenario's [money.target], as in the CLI
    kwargs.update({k: v for k, v in charts.forecast_target(results).items() if k in params})
    return kwargs


def legend_below(ax, columns: int = 3) -> None:
    """On screen, put a chart's key under it (below the axis labels), so it never hides a line.

    The key goes to the figure's bottom edge, which the constrained layout keeps clear for
    it; it takes fewer columns when it would be wider than the figure.
    """
    if ax.get_legend() is None:
        return
    handles, labels = ax.get_legend_handles_labels()
    ax.get_legend().remove()
    figure = ax.figure
    renderer = figure.canvas.get_renderer()
    for n in range(min(columns, len(labels)), 0, -1):
        legend = figure.legend(handles, labels, loc="outside lower center", ncols=n, fontsize=8, frameon=False)
        if n == 1 or legend.get_window_extent(renderer).width <= 0.98 * figure.bbox.width:
            break
        legend.remove()


def wrap_labels(ax, width_px: float, height_px: float, char_px: float = 8.0) -> None:
    """Wrap a chart's title, x label and y label onto more lines when they would not fit a small canvas.

    The title starts at the axes' left edge, after the tick labels, so it is measured once
    laid out and wrapped shorter while it runs past the canvas.
    """
    def wrapped(text: str, room: float) -> str:
        chars = max(16, int(room / char_px))
        return "\n".join(textwrap.wrap(text, chars)) if len(text) > chars else text

    ax.set_xlabel(wrapped(ax.get_xlabel().replace("\n", " "), 0.85 * width_px))
    ax.set_ylabel(wrapped(ax.get_ylabel(), 0.75 * height_px))
    title = ax.get_title(loc="left").replace("\n", " ")
    figure = ax.figure
    room = width_px
    for _ in range(4):
        text = ax.set_title(wrapped(title, room), loc="left", fontsize=11)
        if width_px <= 0:
            return
        figure.canvas.draw()
        right = text.get_window_extent().x1
        if right <= figure.bbox.width - 4:
            return
        room -= right - figure.bbox.width + 2 * char_px


class ChartTab(QWidget):
    """One chart in a Qt canvas with matplotlib's navigation toolbar."""

    def __init__(self, key: str, title: str, plot, parent=None):
        super().__init__(parent)
        self.key, self.title, self.plot = key, title, plot
        self.figure = Figure(figsize=(8, 4.5), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.toolbar = NavigationToolbar2QT(self.canvas, self)
        self.toolbar.setIconSize(QSize(16, 16))  # room for the chart at 1366x768
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.toolbar)
        lay.addWidget(self.canvas, 1)
        self.available = False
        self.stale = False  # drawn on the figure but not yet rendered on screen

    def draw(self, results, baseline=None) -> bool:
        self.figure.clear()
        ax = self.figure.add_subplot()
        message = "No figures for this chart in this run."
        self.available = False
        try:
            self.plot(ax, results, **chart_kwargs(self.plot, results, baseline))
            self.available = bool(ax.has_data())
        except ChartUnavailable as exc:  # says why in words
            self.figure.clear()
            ax = self.figure.add_subplot()
            message = str(exc)
        except Exception as exc:  # a chart that cannot draw this run says so instead of crashing
            self.figure.clear()
            ax = self.figure.add_subplot()
            message = f"This chart is not available for this run ({type(exc).__name__}: {exc})."
        if self.available:
            legend_below(ax)
        if not self.available:
            ax.set_axis_off()
            ax.text(0.5, 0.5, message, ha="center", va="center",
                    wrap=True, fontsize=10, transform=ax.transAxes)
        self.stale = True
        if self.isVisible():  # a hidden tab renders when it is shown: a run redraws one chart, not six
            self.show_chart()
        return self.available

    def show_chart(self) -> None:
        if self.stale:
            self.stale = False
            self.canvas.draw_idle()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.show_chart()


#: Charts of a run against its baseline, shown while there is one.
BASELINE_CHARTS = {"difference": ("Difference", plot_difference_tab)}


class ChartTabs(QTabWidget):
    """A tab per chart in ``tfsim.charts.CHARTS`` (new charts appear automatically), then the baseline's."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.charts: dict[str, ChartTab] = {}
        for key, (title, plot) in {**charts.CHARTS, **BASELINE_CHARTS}.items():
            tab = ChartTab(key, title, plot)
            self.charts[key] = tab
            self.addTab(tab, title)
            self.setTabToolTip(self.count() - 1, (plot.__doc__ or title).strip().splitlines()[0])
            self.setTabVisible(self.count() - 1, key not in BASELINE_CHARTS)  # until there is a baseline

    def show_results(self, results, baseline=None) -> None:
        for i, tab in enumerate(self.charts.values()):
            if tab.key in BASELINE_CHARTS:  # shown with a baseline, saying why when it cannot draw
                shown = results is not None and baseline is not None
                if shown:
                    tab.draw(results, baseline)
                self.setTabVisible(i, shown)
                continue
            ok = results is not None and tab.draw(results, baseline)
            self.setTabVisible(i, ok or results is None)
        if results is not None and not self.isTabVisible(self.currentIndex()):
            for i in range(self.count()):
                if self.isTabVisible(i):
                    self.setCurrentIndex(i)
                    break

    def current_chart(self) -> ChartTab | None:
        w = self.currentWidget()
        return w if isinstance(w, ChartTab) else None
