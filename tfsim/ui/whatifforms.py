"""The What-if forms: a sweep, a goal seek and a tornado, each building its job from what is typed.

The value to vary is picked from :func:`tfsim.whatif.varied_values` (every number of the
scenario, from the schema, by its label and unit); values are typed as a list
(``2, 4, 6``) or a range ``START:STOP:STEP`` and read by :func:`tfsim.whatif.parse_values`.
A form's :meth:`job` raises :class:`~tfsim.whatif.WhatIfError` with a plain reason when
what is typed cannot be run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tfsim import whatif
from tfsim.catalogue import SUMMARY
from tfsim.scenario.schema import Scenario

from .tasks import GoalJob, SweepJob, TornadoJob, chart_metrics, default_values, has_target

class VaryPicker(QWidget):
    """A list of the scenario's numbers by label and unit, with the picked one's value now."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(30)
        self.combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMaxVisibleItems(20)
        self.now = QLabel("")
        self.now.setStyleSheet("color: #444;")
        lay.addWidget(self.combo, 1)
        lay.addWidget(self.now)
        self.values: list[whatif.VariedValue] = []
        self.combo.currentIndexChanged.connect(self._show_now)

    def set_values(self, values: list[whatif.VariedValue]) -> bool:
        """List ``values``, keeping the pick; True when the pick changed (or was made)."""
        before = self.path()
        self.values = list(values)
        self.combo.blockSignals(True)
        self.combo.clear()
        for v in self.values:
            self.combo.addItem(v.text, v.path)
            self.combo.setItemData(self.combo.count() - 1, f"{v.help}\nKey path: {v.path}", Qt.ToolTipRole)
        i = self.combo.findData(before) if before else -1
        self.combo.setCurrentIndex(i if i >= 0 else 0)
        self.combo.blockSignals(False)
        self._show_now()
        return self.path() != before

    def path(self) -> str | None:
        return self.combo.currentData()

    def select(self, path: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(path))

    def current(self) -> whatif.VariedValue | None:
        i = self.combo.currentIndex()
        return self.values[i] if 0 <= i < len(self.values) else None

    def _show_now(self, *_):
        v = self.current()
        self.now.setText(f"now {whatif.describe_value(v.value)}" if v else "")
        self.combo.setToolTip(f"{v.help}\nKey path: {v.path}" if v else "")


def _metric_combo(scenario: Scenario | None, keep: str | None) -> QComboBox:
    combo = QComboBox()
    fill_metrics(combo, scenario, keep)
    return combo


def fill_metrics(combo: QComboBox, scenario: Scenario | None, keep: str | None = None) -> None:
    keep = keep or combo.currentData()
    combo.clear()
    for name in chart_metrics(scenario) if scenario is not None else []:
        combo.addItem(SUMMARY[name].title, name)
    i = combo.findData(keep) if keep else -1
    combo.setCurrentIndex(i if i >= 0 else 0)


class _VaryForm(QWidget):
    """A form with a value to vary; subclasses add their fields and build their job."""

    run_text = "Run"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scenario: Scenario | None = None
        self.form = QFormLayout(self)
        self.form.setContentsMargins(6, 6, 6, 6)
        self.form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        self.picker = VaryPicker()
        self.form.addRow("Value to vary:", self.picker)
        self.picker.combo.currentIndexChanged.connect(lambda _i: self.suggest())

    def set_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        if self.picker.set_values(whatif.varied_values(scenario)):
            self.suggest()

    def suggest(self) -> None:
        """Fill the values with a first guess for the value picked."""

    def picked(self) -> whatif.VariedValue:
        v = self.picker.current()
        if v is None:
            raise whatif.WhatIfError("Pick the value to vary first.")
        return v


class SweepForm(_VaryForm):
    """A sweep: one value over a list or range, one chart of a chosen result."""

    run_text = "Run the sweep"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.values = QLineEdit()
        self.values.setPlaceholderText("e.g. 0:4:1 (0 to 4 in steps of 1) or 2, 4, 6")
        self.values.setToolTip("The values to try: a list (2, 4, 6) or a range START:STOP:STEP that includes STOP "
                               "when the steps land on it. Dates step by days, or weeks, months or years (1m).")
        self.metric = _metric_combo(None, None)
        self.metric.setToolTip("The result drawn against the value (the table shows it too).")
        self.form.addRow("Values to try:", self.values)
        self.form.addRow("Result to chart:", self.metric)

    def set_scenario(self, scenario: Scenario) -> None:
        super().set_scenario(scenario)
        fill_metrics(self.metric, scenario)

    def suggest(self) -> None:
        v = self.picker.current()
        if v is not None:
            self.values.setText(default_values(v)[0])

    def job(self, scenario: Scenario, replications: int, seed: int) -> SweepJob:
        value = self.picked()
        values = whatif.parse_values(self.values.text())
        if len(values) > 200:
            raise whatif.WhatIfError(f"{len(values)} values are too many for the app; try 200 at most (the command "
                                     "tfsim sweep takes more).")
        return SweepJob(scenario, value, values, self.metric.currentData() or "families_turned_around", replications,
                        seed)


class GoalForm(_VaryForm):
    """A goal seek: the value at which the chance of meeting the target reaches a level."""

    run_text = "Find the value"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.low, self.high = QLineEdit(), QLineEdit()
        span = QHBoxLayout()
        span.setContentsMargins(0, 0, 0, 0)
        for text, w in (("from", self.low), ("to", self.high)):
            w.setMaximumWidth(110)
            span.addWidget(QLabel(text))
            span.addWidget(w)
        span.addStretch(1)
        holder = QWidget()
        holder.setLayout(span)
        self.level = QSpinBox()
        self.level.setRange(50, 99)
        self.level.setValue(90)
        self.level.setSuffix(" %")
        self.level.setToolTip("The chance of meeting the scenario's target to reach (90 %: 9 runs in 10 meet it).")
        self.form.addRow("Search:", holder)
        self.form.addRow("Chance of meeting the target:", self.level)
        self.no_target = QLabel("This scenario sets no target (Money, Target), so there is no chance of meeting it "
                                "to seek.")
        self.no_target.setWordWrap(True)
        self.no_target.setStyleSheet("color: #B34700;")
        self.form.addRow(self.no_target)
        self.no_target.hide()

    def set_scenario(self, scenario: Scenario) -> None:
        super().set_scenario(scenario)
        self.no_target.setVisible(not has_target(scenario))

    def suggest(self) -> None:
        v = self.picker.current()
        if v is not None:
            _, low, high = default_values(v)
            self.low.setText(low)
            self.high.setText(high)

    def job(self, scenario: Scenario, replications: int, seed: int) -> GoalJob:
        if not has_target(scenario):
            raise whatif.WhatIfError(self.no_target.text())
        value = self.picked()
        low, high = whatif.parse_value(self.low.text()), whatif.parse_value(self.high.text())
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (low, high)):
            raise whatif.WhatIfError("Give the search range as two numbers, from and to.")
        if value.whole and not all(isinstance(x, int) for x in (low, high)):
            raise whatif.WhatIfError(f"{value.text} takes whole numbers: give the range as whole numbers.")
        return GoalJob(scenario, value, low, high, self.level.value() / 100, replications, seed)


class TornadoForm(QWidget):
    """A tornado: which of the uncertain inputs moves the result most."""

    run_text = "Run the tornado"

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.setToolTip("Each ticked input is moved down and up by the share given, one at a time, on the same "
                        "random numbers as the base; the chart shows how far the result moves.")
        grid = QGridLayout()
        self.inputs: dict[str, QCheckBox] = {}
        for i, name in enumerate(whatif.DEFAULT_INPUTS):
            box = QCheckBox(whatif.GROUPS[name])
            box.setChecked(True)
            self.inputs[name] = box
            grid.addWidget(box, i // 3, i % 3)
        lay.addLayout(grid)
        row = QHBoxLayout()
        self.spread = QSpinBox()
        self.spread.setRange(1, 90)
        self.spread.setValue(20)
        self.spread.setSuffix(" % either way")
        self.metric = _metric_combo(None, "families_turned_around")
        for w in (QLabel("Move each by:"), self.spread, QLabel("Result to chart:")):
            row.addWidget(w)
        row.addWidget(self.metric, 1)
        lay.addLayout(row)
        lay.addStretch(1)

    def set_scenario(self, scenario: Scenario) -> None:
        fill_metrics(self.metric, scenario, self.metric.currentData() or "families_turned_around")

    def job(self, scenario: Scenario, replications: int, seed: int) -> TornadoJob:
        names = [name for name, box in self.inputs.items() if box.isChecked()]
        if not names:
            raise whatif.WhatIfError("Tick at least one input to move.")
        return TornadoJob(scenario, names, self.spread.value() / 100, self.metric.currentData()
                          or "families_turned_around", replications, seed)
