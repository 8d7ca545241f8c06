import datetime as dt
import shutil
import tomllib

import openpyxl
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from tfsim.scenario.io import read_scenario
from tfsim.ui import app as gui_app
from tfsim.ui.editors import DistributionEditor, ScalarEditor, TableEditor
from tfsim.scenario.bundled import default_scenario


SEVENOAKS = default_scenario()


def run_and_wait(qtbot, win):
    with qtbot.waitSignal(win.session.finished, timeout=60000) as blocker:
        assert win.start_run()
    qtbot.waitUntil(lambda: not win.session.running)
    return blocker.args[0]


# ---- state <-> widgets -----------------------------------------------------------------


def test_state_to_widgets(window):
    form = window.form
    name = form.editors[("name",)]
    assert isinstance(name, ScalarEditor)
    assert name.w.text() == "Sevenoaks 2014"
    refusal = form.editors[("engagement", "refusal_probability")]
    assert refusal.w.text() == "0.13"
    dist = form.editors[("roles", 0, "duration_months")]
    assert isinstance(dist, DistributionEditor)
    assert dist.kind.currentData() == "triangular"
    assert dist.params["mode"].text() == "12"
    cohort = form.editors[("referrals", "cohort")]
    assert isinstance(cohort, TableEditor)
    assert cohort.table.rowCount() == 1
    # a change of state (e.g. undo or a loaded file) shows in the widget
    window.doc.set_value(("engagement", "refusal_probability"), 0.2)
    assert refusal.w.text() == "0.2"


def test_widgets_to_state_and_validation_at_the_field(window, qtbot):
    form = window.form
    refusal = form.editors[("engagement", "refusal_probability")]
    refusal.w.clear()
    qtbot.keyClicks(refusal.w, "0.25")
    assert window.doc.data["engagement"]["refusal_probability"] == 0.25
    assert window.doc.modified
    assert window.isWindowModified()
    # an out-of-range value is kept in the state and flagged at the field
    refusal.w.clear()
    qtbot.keyClicks(refusal.w, "1.5")
    assert window.doc.data["engagement"]["refusal_probability"] == 1.5
    assert any(p.path == ("engagement", "refusal_probability") for p in window.problems_panel.problems)
    assert "D55E00" in refusal.w.styleSheet()
    assert window.problems_panel.list.count() >= 1
    # distribution kind change writes a table; a table cell edit writes the list
    dist = form.editors[("roles", 0, "duration_months")]
    dist.kind.setCurrentIndex(dist.kind.findData("fixed"))
    assert window.doc.data["roles"][0]["duration_months"] == 12
    cohort = form.editors[("referrals", "cohort")]
    cohort.table.item(0, 1).setText("25")
    assert window.doc.data["referrals"]["cohort"][0]["families"] == 25
    cohort.add_row()
    assert len(window.doc.data["referrals"]["cohort"]) == 2
    cohort.table.selectRow(1)
    cohort.move(-1)
    cohort_rows = window.doc.data["referrals"]["cohort"]
    assert cohort_rows[0]["families"] == 1 and cohort_rows[1]["families"] == 25  # the new row moved up
    fte = form.editors[("roles", 1, "in_post_fte")]
    before = list(window.doc.data["roles"][1].get("in_post_fte", []))
    fte.add_row()
    after = window.doc.data["roles"][1]["in_post_fte"]
    assert after[: len(before)] == before and len(after) == len(before) + 1 and 0 < after[-1] <= 1


def test_undo_redo(window, qtbot):
    refusal = window.form.editors[("engagement", "refusal_probability")]
    window.doc.set_value(("engagement", "refusal_probability"), 0.3)
    roles = window.form.editors[("roles",)]
    roles.add()
    assert len(window.doc.data["roles"]) == 5
    assert roles.tabs.count() == 5
    stack = window.doc.undo_stack
    stack.undo()
    assert len(window.doc.data["roles"]) == 4 and roles.tabs.count() == 4
    stack.undo()
    assert window.doc.data["engagement"]["refusal_probability"] == 0.13
    assert refusal.w.text() == "0.13"
    assert not window.doc.modified
    stack.redo()
    assert refusal.w.text() == "0.3"
    stack.redo()
    assert roles.tabs.count() == 5


# ---- runs --------------------------------------------------------------------------------


def test_run_in_background(window, qtbot):
    results = run_and_wait(qtbot, window)
    assert results.replications == 3
    assert "families_turned_around" in window.run_panel.kpis.cards
    # a card only for metrics the run has: money cards since Sevenoaks has a [money] section
    assert set(window.run_panel.kpis.cards) <= set(results.summary["metric"])
    assert "cost_per_turned_around" in window.run_panel.kpis.cards
    # the target card says what is expected against the target, and its tooltip the whole outlook
    target = window.run_panel.kpis.cards["p_target_met"]
    assert "of 101 claims expected by 31 Mar 2015" in target.interval.text()
    assert "short of the target" in target.toolTip()
    assert window.run_panel.chart_tabs.charts["forecast"].available
    assert window.run_panel.progress.value() == 3


def test_cancel(window, qtbot):
    window.run_panel.reps.setValue(100000)
    with qtbot.waitSignal(window.session.cancelled, timeout=60000):
        window.start_run()
        qtbot.waitUntil(lambda: window.run_panel.progress.value() >= 1, timeout=30000)
        window.cancel_run()
    qtbot.waitUntil(lambda: window.run_panel.run_button.isEnabled())
    assert window.session.results is None


def test_compare_with_baseline(window, qtbot):
    run_and_wait(qtbot, window)
    window.pin_baseline()
    window.doc.set_value(("engagement", "refusal_probability"), 0.5)
    run_and_wait(qtbot, window)
    card = window.run_panel.kpis.cards["families_turned_around"]
    assert "vs baseline" in card.delta.text()
    assert window.run_panel.chart_tabs.charts["forecast"].available


# ---- files -------------------------------------------------------------------------------


def test_unsaved_changes_guard(window, qtbot, monkeypatch, tmp_path):
    window.doc.set_value(("name",), "Changed")
    answers = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: answers.append(a) or QMessageBox.Cancel)
    assert not window.documents.open_file(SEVENOAKS)
    assert window.doc.data["name"] == "Changed"
    assert not window.close()
    assert len(answers) == 2
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Discard)
    assert window.documents.open_file(SEVENOAKS)
    assert window.doc.data["name"] == "Sevenoaks 2014"
    # Save writes the file atomically and clears the modified mark
    copy = tmp_path / "copy.toml"
    shutil.copy(SEVENOAKS, copy)
    window.documents.open_file(copy)
    window.doc.set_value(("name",), "Saved name")
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Save)
    assert window.documents.maybe_save()
    assert read_scenario(copy).scenario.name == "Saved name"
    assert not window.isWindowModified()


def test_exports_write_valid_files(window, qtbot, tmp_path):
    run_and_wait(qtbot, window)
    png = window.exports.chart(tmp_path / "forecast.png", "forecast")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = window.exports.chart(tmp_path / "wait.svg", "waiting")
    assert b"<svg" in svg.read_bytes()[:500]
    pdf = window.exports.chart(tmp_path / "x.pdf", "in_service")
    assert pdf.read_bytes()[:4] == b"%PDF"
    (xlsx,) = window.exports.results(tmp_path / "results.xlsx")
    book = openpyxl.load_workbook(xlsx)
    assert {"Summary", "Monthly", "Inputs", "About this run"} <= set(book.sheetnames)
    csvs = window.exports.results(tmp_path / "results.csv")
    assert all(p.exists() for p in csvs) and csvs[0].read_text().startswith("metric,")
    window.doc.set_value(("name",), "Exported")
    window.exports.scenario(tmp_path / "s.toml")
    result = read_scenario(tmp_path / "s.toml")
    assert result.ok and result.scenario.name == "Exported"


def test_invalid_file_lists_problems_linked_to_fields(window, qtbot, tmp_path):
    text = SEVENOAKS.read_text().replace("refusal_probability = 0.13", "refusal_probability = 1.7")
    text = text.replace("families = 10\n", "families = 0\n", 1)  # the first cohort release
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert window.documents.open_file(bad)
    labels = [window.problems_panel.list.item(i).text() for i in range(window.problems_panel.list.count())]
    assert any(lab.startswith("bad.toml:") and "engagement.refusal_probability" in lab for lab in labels)
    assert any("referrals.cohort row 1.families" in lab for lab in labels)
    line = next(lab for lab in labels if "refusal_probability" in lab).split(":")[1]
    assert text.splitlines()[int(line) - 1].startswith("refusal_probability")
    # clicking a problem focuses its field
    window.show()
    qtbot.waitExposed(window)
    item = next(window.problems_panel.list.item(i) for i in range(window.problems_panel.list.count())
                if "refusal_probability" in window.problems_panel.list.item(i).text())
    window.problems_panel.list.itemClicked.emit(item)
    ed = window.form.editors[("engagement", "refusal_probability")]
    assert window.form.tabs.currentIndex() == window.form.sections[("engagement",)]
    qtbot.waitUntil(lambda: ed.w.hasFocus())
    # the cell of the cohort release is marked
    cohort = window.form.editors[("referrals", "cohort")]
    assert cohort.table.item(0, 1).toolTip()


def test_unparseable_file_keeps_app_usable(window, tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("name = [unclosed\n")
    window.documents.open_file(bad)
    assert window.problems_panel.list.count() == 1
    assert "not valid TOML" in window.problems_panel.list.item(0).text()
    assert window.unreadable.isVisibleTo(window)
    assert window.documents.new_from(SEVENOAKS)
    assert window.form.isVisibleTo(window)
    assert window.windowTitle().startswith("Untitled")


def test_recent_files_and_settings(window, tmp_path):
    copy = tmp_path / "recent.toml"
    shutil.copy(SEVENOAKS, copy)
    window.documents.open_file(copy)
    assert window.documents.recent.files()[0] == str(copy.resolve())
    assert window.recent_menu.actions()[0].text() == str(copy.resolve())


def test_form_covers_every_schema_field(window):
    """The generated editor has a widget (or table) for every key of every sub-table."""
    from tfsim.scenario.schema import Scenario

    for key in Scenario.model_fields:
        if key == "schema_version":
            continue
        assert window.form.locate((key,))[0] == (key,), key


def test_screenshot_mode(tmp_path):
    out = tmp_path / "shot.png"
    code = gui_app.main([str(SEVENOAKS), "--run", "--screenshot", str(out), "--replications", "3"])
    assert code == 0
    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600


def test_date_parsing_in_tables():
    from tfsim.ui.values import parse

    assert parse("2014-07-01", "date") == dt.date(2014, 7, 1)
    assert parse("July", "date") == "July"
    assert parse("12", "float") == 12 and parse("x", "int") == "x"
    assert tomllib.loads('a = 1')["a"] == 1


def test_save_keeps_comments_and_values(window, tmp_path):
    copy = tmp_path / "mine.toml"
    shutil.copy(SEVENOAKS, copy)
    window.documents.open_file(copy)
    window.doc.set_value(("engagement", "refusal_probability"), 0.2)
    window.form.editors[("roles",)].add()
    assert window.documents.save()
    text = copy.read_text()
    assert "# 13% refused support (Sevenoaks briefing 2014)" in text
    assert "ASSUMPTION: about 1 in 8 disengage" in text
    result = read_scenario(copy)
    assert result.ok
    assert result.data == window.doc.data
    assert len(result.scenario.roles) == 5
    # no temporary files left behind by the atomic write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml", "settings"] or \
        [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_compare_with_another_scenario_file(window, qtbot, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(SEVENOAKS.read_text().replace("per_month = 5.0", "per_month = 2.0")
                     .replace('name = "Sevenoaks 2014"', 'name = "Fewer referrals"'))
    with qtbot.waitSignal(window.session.baselineReady, timeout=60000):
        assert window.compare_with_file(other)
    qtbot.waitUntil(lambda: not window.session.running)
    assert window.session.baseline.scenario.name == "Fewer referrals"
    assert window.session.results is None
    run_and_wait(qtbot, window)
    assert "vs baseline" in window.run_panel.kpis.cards["families_turned_around"].delta.text()


def test_errors_show_in_a_dialog(qtbot, monkeypatch, no_modal_dialogs):
    import sys

    from PySide6.QtWidgets import QApplication

    assert QApplication.instance() is not None
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setitem(gui_app.HEADLESS, "on", False)
    gui_app.install_excepthook()
    try:
        raise ValueError("boom")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert any("boom" in text for text in no_modal_dialogs)


def test_settings_persist(qtbot):
    from tfsim.ui.window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.run_panel.reps.setValue(7)
    first.resize(1200, 700)
    assert first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.run_panel.reps.value() == 7
    from tfsim.ui.settings import settings

    assert settings().value("geometry") is not None  # restored on the next start


def test_line_edit_undo_keeps_state_in_step(window, qtbot):
    name = window.form.editors[("name",)]
    name.w.setFocus()
    name.w.end(False)
    qtbot.keyClicks(name.w, " v2")
    assert window.doc.data["name"] == "Sevenoaks 2014 v2"
    name.w.undo()  # the line edit's own undo (Ctrl+Z in the field) still updates the state
    assert window.doc.data["name"] == name.w.text()
    window.doc.undo_stack.undo()
    assert window.doc.data["name"] == "Sevenoaks 2014" == name.w.text()


def test_form_is_generated_for_sections_added_later(qtbot):
    """New schema sections (e.g. workforce, money) get editors without UI changes."""
    from typing import Literal

    from pydantic import Field

    from tfsim.scenario.schema import Distribution, StrictModel
    from tfsim.ui.editors import PanelListEditor
    from tfsim.ui.form import ScenarioForm
    from tfsim.ui.state import ScenarioDocument

    class PlanStep(StrictModel):
        date: dt.date = Field(description="When the change happens.")
        role: str = Field(description="Role id.")
        change_fte: float = Field(description="FTE added (negative: removed).")

    class Workforce(StrictModel):
        establishment_fte: dict[str, float] = Field(default_factory=dict, description="Funded posts per role.")
        recruitment_months: Distribution = Field(default=3, description="Time to fill a vacancy.")
        staffing_plan: list[PlanStep] = Field(default_factory=list, description="Dated changes.")
        policy: Literal["replace", "hold"] = Field(default="replace", description="replace: refill; hold: freeze")

    class Money(StrictModel):
        fee_gbp: float = Field(default=4000, description="Payment per family turned around.")

    class Future(StrictModel):
        name: str = Field(description="Name.")
        workforce: Workforce = Field(default_factory=Workforce, description="Staffing.")
        money: Money | None = Field(default=None, description="Fees and costs.")
        teams: list[Workforce] = Field(default_factory=list, description="Teams.")

    data = {"name": "x", "workforce": {"establishment_fte": {"fip": 2.0},
                                       "staffing_plan": [{"date": dt.date(2014, 1, 1), "role": "fip",
                                                          "change_fte": 1.0}]}}
    doc = ScenarioDocument(data)
    form = ScenarioForm(doc, Future)
    qtbot.addWidget(form)
    plan = form.editors[("workforce", "staffing_plan")]
    assert plan.table.rowCount() == 1 and plan.table.item(0, 0).text() == "2014-01-01"
    plan.add_row()
    assert len(doc.data["workforce"]["staffing_plan"]) == 2
    assert form.editors[("workforce", "establishment_fte")].table.item(0, 1).text() == "2"
    fee = form.editors[("money", "fee_gbp")]
    fee.w.setText("5000")
    assert doc.data["money"] == {"fee_gbp": 5000}
    assert isinstance(form.editors[("teams",)], PanelListEditor)
    form.editors[("teams",)].add()
    assert len(doc.data["teams"]) == 1
    assert ("teams", 0, "staffing_plan") in form.editors


def test_drop_a_toml_file_opens_it(window, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    dropped = tmp_path / "dropped.toml"
    shutil.copy(SEVENOAKS, dropped)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.doc.path == dropped)
    assert window.windowTitle().startswith("dropped.toml")


def test_section_list_navigates_and_marks_problems(window):
    form = window.form
    names = [form.nav.item(i).text() for i in range(form.nav.count())]
    assert names[0] == "General" and {"Referrals", "Roles", "Workforce", "Staffing plan", "Money"} <= set(names)
    form.nav.setCurrentRow(names.index("Workforce"))
    assert form.tabs.currentIndex() == names.index("Workforce")
    form.tabs.setCurrentIndex(names.index("Roles"))
    assert form.nav.currentRow() == names.index("Roles")
    # a problem in the engagement section marks its entry, and only that one
    window.doc.set_value(("engagement", "refusal_probability"), 3.0)
    window.revalidate()
    marked = {form.nav.item(i).text() for i in range(form.nav.count()) if form.nav.item(i).font().bold()}
    assert marked == {"Engagement"}
