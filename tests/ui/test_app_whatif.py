"""The app's what-if side: paired baseline cards, the What-if view, Use this point, Add staff, nobody waited."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate

from tfsim import whatif
from tfsim.experiment import run_experiment
from tfsim.scenario import read_scenario
from tfsim.ui import tasks
from tfsim.ui.pairing import card_difference, pair
from tfsim.ui.staffdialog import StaffDialog, staff_rows
from tfsim.scenario.bundled import default_scenario

SEVENOAKS = default_scenario()
TIMEOUT = 60000  # milliseconds


def run_and_wait(qtbot, win):
    with qtbot.waitSignal(win.session.finished, timeout=TIMEOUT) as blocker:
        assert win.start_run()
    qtbot.waitUntil(lambda: not win.session.running, timeout=TIMEOUT)
    return blocker.args[0]


def open_cohort(win, path, reps=4):
    assert win.documents.open_file(path, check_unsaved=False)
    win.run_panel.reps.setValue(reps)
    win.run_panel.views.setCurrentWidget(win.whatif)
    return win.whatif


def run_whatif(qtbot, panel, tab: int):
    panel.forms.setCurrentIndex(tab)
    with qtbot.waitSignal(panel.controller.finished, timeout=TIMEOUT):
        assert panel.start()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    return panel.answer


# ---- baseline comparison ----------------------------------------------------------------------


def test_paired_cards_show_the_interval_and_no_clear_difference_for_the_same_scenario(window, qtbot, tmp_path):
    run_and_wait(qtbot, window)
    window.pin_baseline()
    run_and_wait(qtbot, window)  # the same scenario on the same seeds
    assert window.session.pairing.paired
    for name, card in window.run_panel.kpis.cards.items():
        assert card.delta.text() == "No clear difference", name
        assert "better" not in card.delta.text() and "worse" not in card.delta.text()
        assert card.delta_detail.text() == "the same in every run"
    tabs = window.run_panel.chart_tabs
    difference = tabs.charts["difference"]
    assert tabs.isTabVisible(list(tabs.charts).index("difference")) and difference.available
    assert "Difference" in difference.figure.axes[0].get_ylabel().replace("\n", " ")
    png = window.exports.chart(tmp_path / "difference.png", "difference")  # File, Export, Current chart
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # a real change: a clear difference, with its direction and its 95% interval
    window.doc.set_value(("engagement", "refusal_probability"), 0.6)
    run_and_wait(qtbot, window)
    card = window.run_panel.kpis.cards["families_turned_around"]
    assert card.delta.text().endswith("families vs baseline (worse)")
    assert card.delta_detail.text().startswith("95% interval -") and card.delta_detail.text().endswith(" families")
    assert "run by run" in card.toolTip()
    assert "run by run on the same seeds" in window.run_panel.run_info.text()


def test_a_baseline_on_other_seeds_is_run_again_so_the_two_pair(window, qtbot):
    run_and_wait(qtbot, window)
    window.pin_baseline()
    window.run_panel.seed.setValue(7)
    unpaired = []

    def seen(_results):
        difference = window.run_panel.chart_tabs.charts["difference"]
        unpaired.append((window.run_panel.kpis.cards["families_turned_around"].delta.text(), difference.available,
                         " ".join(t.get_text() for t in difference.figure.axes[0].texts)))

    window.session.finished.connect(seen)
    with qtbot.waitSignal(window.session.baselineReady, timeout=TIMEOUT):
        run_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: not window.session.running, timeout=TIMEOUT)
    text, drawn, message = unpaired[0]
    assert text.endswith("vs baseline (not paired)")  # said plainly until the baseline is run again
    assert not drawn and "needs the baseline run on this run's seeds" in message
    assert window.session.baseline.seed == 7 and window.session.pairing.paired
    card = window.run_panel.kpis.cards["families_turned_around"]
    assert "not paired" not in card.delta.text()
    assert window.session.baseline_name == "Sevenoaks 2014 (3 runs)"


def test_card_wording_comes_from_whatif_on_real_runs(cohort):
    scenario = read_scenario(cohort(2)).scenario
    more = whatif.make_variant(scenario, {"roles.kw.in_post_fte.count": 4})
    base, same, better = (run_experiment(s, 5, seed=3) for s in (scenario, scenario, more))
    assert card_difference(pair(same, base), "families_turned_around").text == whatif.NO_CLEAR_DIFFERENCE.capitalize()
    wait = card_difference(pair(better, base), "mean_wait_days")
    assert wait.text.endswith("days vs baseline (better)") and wait.tone == "better"
    assert wait.detail.startswith("95% interval -")
    other = run_experiment(more, 5, seed=4)
    unpaired = card_difference(pair(other, base), "mean_wait_days")
    assert unpaired.text.endswith("(not paired)") and "better" not in unpaired.text and unpaired.tone == "neutral"
    assert "seed 3" in unpaired.tooltip and "seed 4" in unpaired.tooltip


# ---- the What-if view ---------------------------------------------------------------------------


def test_a_sweep_runs_draws_and_its_point_goes_into_the_scenario_with_undo(window, qtbot, cohort):
    panel = open_cohort(window, cohort(1))
    form = panel.sweep_form
    labels = [form.picker.combo.itemText(i) for i in range(form.picker.combo.count())]
    assert labels[0] == "Key worker: Full-time workers in post at the start (workers)"
    assert "Engagement: Refusal probability (0 to 1)" in labels
    assert form.values.text() == "0:4:1"  # a first guess around the value now (1 worker)
    form.values.setText("1:4:1")
    form.metric.setCurrentIndex(form.metric.findData("families_turned_around"))
    sweep = run_whatif(qtbot, panel, 0)
    assert isinstance(sweep, whatif.Sweep) and [p.values["roles.kw.in_post_fte.count"] for p in sweep.valid] == \
        [1, 2, 3, 4]
    assert panel.drawn and panel.table.rowCount() == 4
    assert panel.table.item(3, 0).text() == "4 workers" and panel.table.item(3, 1).text() == "12 families"
    assert not panel.use_button.isEnabled()
    panel.table.selectRow(2)
    assert panel.use_button.isEnabled() and panel.use_point()
    assert window.doc.data["roles"][0]["in_post_fte"] == [1.0, 1.0, 1.0]
    assert window.doc.undo_stack.undoText().startswith("Set Key worker: Full-time workers")
    window.doc.undo_stack.undo()
    assert window.doc.data["roles"][0]["in_post_fte"] == [1.0]
    assert window.form.editors[("roles", 0, "in_post_fte")].table.rowCount() == 1


def test_a_goal_seek_finds_the_workers_needed_and_offers_the_answer(window, qtbot, cohort):
    panel = open_cohort(window, cohort(1), reps=10)
    form = panel.goal_form
    form.picker.select("roles.kw.in_post_fte.count")
    form.low.setText("1")
    form.high.setText("8")
    assert form.level.value() == 90
    goal = run_whatif(qtbot, panel, 1)
    assert goal.estimate == 4 and goal.confident == 4  # 4 workers turn 12 families around by mid-April
    assert panel.drawn
    assert "Smallest value with a 90% chance of meeting the target: 4 workers" in panel.message.text()
    assert panel.selected_row().changes == {"roles.kw.in_post_fte.count": 4}  # the answer is picked
    assert panel.use_point()
    assert window.doc.data["roles"][0]["in_post_fte"] == [1.0] * 4
    window.doc.undo_stack.undo()
    assert window.doc.data["roles"][0]["in_post_fte"] == [1.0]


def test_a_tornado_runs_and_draws_with_inputs_that_do_not_move_skipped(window, qtbot, cohort):
    panel = open_cohort(window, cohort(2))
    assert all(box.isChecked() for box in panel.tornado_form.inputs.values())
    panel.tornado_form.inputs["turnover"].setChecked(False)
    tornado = run_whatif(qtbot, panel, 2)
    assert isinstance(tornado, whatif.Tornado) and "turnover" not in [i.name for i in tornado.inputs]
    assert panel.drawn and panel.table.rowCount() == len(tornado.bars("families_turned_around"))
    assert "Refusal at first contact" in panel.message.text()  # a refusal of 0 cannot move: said, not run
    assert not panel.use_button.isEnabled()


def test_bad_input_is_said_in_the_view_and_nothing_runs(window, qtbot, cohort):
    panel = open_cohort(window, cohort(1))
    panel.sweep_form.values.setText("5:1:1")
    panel.forms.setCurrentIndex(0)
    assert not panel.start() and "STOP >= START" in panel.message.text()
    for box in panel.tornado_form.inputs.values():
        box.setChecked(False)
    panel.forms.setCurrentIndex(2)
    assert not panel.start() and "Tick at least one input" in panel.message.text()
    assert not panel.running


def test_cancel_stops_an_analysis_and_the_runner_works_afterwards(window, qtbot, cohort):
    panel = open_cohort(window, cohort(1))
    panel.sweep_form.values.setText("1:200:1")
    panel.reps.setValue(500)
    panel.forms.setCurrentIndex(0)
    with qtbot.waitSignal(panel.controller.cancelled, timeout=TIMEOUT):
        assert panel.start()
        assert not window.start_run()  # one job at a time on the shared runner
        qtbot.waitUntil(lambda: panel.progress.value() >= 1, timeout=TIMEOUT)
        assert panel.cancel()
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=TIMEOUT)
    assert panel.answer is None and "Cancelled" in panel.message.text()
    run_and_wait(qtbot, window)  # the same runner, free again


def test_every_run_and_analysis_shares_one_warm_pool_closed_with_the_window(qtbot, cohort):
    from tfsim.ui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    panel = open_cohort(win, cohort(1), reps=4)
    win.run_panel.jobs.setValue(2)
    run_and_wait(qtbot, win)
    runner = win.shared.runner
    pool = runner._backend
    assert pool is not None
    panel.sweep_form.values.setText("1:3:1")
    run_whatif(qtbot, panel, 0)
    panel.goal_form.picker.select("roles.kw.in_post_fte.count")
    panel.goal_form.low.setText("1")
    panel.goal_form.high.setText("6")
    run_whatif(qtbot, panel, 1)
    assert win.shared.runner is runner and runner._backend is pool  # warm from the first run to the last
    win.doc.undo_stack.setClean()
    assert win.close()
    assert win.shared.runner is None and runner._backend is None


def test_closing_the_window_during_an_analysis_ends_its_thread(qtbot, cohort):
    from tfsim.ui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    panel = open_cohort(win, cohort(1))
    panel.sweep_form.values.setText("1:200:1")
    panel.reps.setValue(500)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.progress.value() >= 1, timeout=TIMEOUT)
    thread = panel.controller.thread
    win.doc.undo_stack.setClean()
    assert win.close()
    assert thread.isFinished() and win.shared.runner is None


# ---- adding staff ---------------------------------------------------------------------------------


def test_staff_rows_are_one_a_person_at_most_full_time():
    day = dt.date(2013, 4, 1)
    rows = staff_rows(2.5, "fip", day, "extra")
    assert [r["fte"] for r in rows] == [1.0, 1.0, 0.5]
    assert all(r == {"date": day, "role": "fip", "action": "start", "fte": r["fte"], "label": "extra"} for r in rows)
    assert [r["fte"] for r in staff_rows(1.0, "fip", day)] == [1.0]
    assert [r["fte"] for r in staff_rows(0.3, "fip", day)] == [0.3]


def test_add_staff_appends_planned_starters_in_one_undoable_edit(window, qtbot, monkeypatch):
    before = list(window.doc.data["staffing_plan"])

    def fill(dialog):
        dialog.fte.setValue(2.5)
        dialog.role.setCurrentIndex(dialog.role.findData("fsw"))
        dialog.date.setDate(QDate(2013, 4, 1))
        assert "3 planned starters (1, 1, 0.5 FTE)" in dialog.preview.text()
        return 1

    monkeypatch.setattr(StaffDialog, "exec", fill)
    window.tools["add_staff"].click()
    plan = window.doc.data["staffing_plan"]
    assert plan[: len(before)] == before and len(plan) == len(before) + 3
    assert [(r["role"], r["action"], r["fte"], r["date"]) for r in plan[len(before):]] == \
        [("fsw", "start", 1.0, dt.date(2013, 4, 1))] * 2 + [("fsw", "start", 0.5, dt.date(2013, 4, 1))]
    assert window.doc.undo_stack.undoText() == "Add 2.5 FTE of Family Support Worker (Lifeways) from 1 Apr 2013"
    assert window.check().ok  # the rows are a valid staffing plan
    assert window.form.editors[("staffing_plan",)].table.rowCount() == len(plan)
    window.doc.undo_stack.undo()
    assert window.doc.data["staffing_plan"] == before
    monkeypatch.setattr(StaffDialog, "exec", lambda dialog: 0)  # cancelled: nothing added
    assert not window.add_staff() and window.doc.data["staffing_plan"] == before


# ---- nobody waited ----------------------------------------------------------------------------------


@pytest.mark.parametrize("workers, shown", [(12, True), (1, False)])
def test_the_app_says_extra_staff_cannot_help_when_nobody_waited(window, qtbot, cohort, workers, shown):
    open_cohort(window, cohort(workers), reps=3)
    run_and_wait(qtbot, window)
    assert window.run_panel.note.isHidden() != shown  # under the cards
    assert window.whatif.note.isHidden() != shown  # and on the What-if view
    if shown:
        assert "extra staff cannot help here" in window.run_panel.note.text()


# ---- what the jobs change -------------------------------------------------------------------------


def test_point_edits_address_roles_by_their_place_in_the_editor():
    data = {"roles": [{"id": "fip", "in_post_fte": [0.5]}, {"id": "fsw"}], "engagement": {}}
    assert tasks.point_edits(data, {"roles.fsw.in_post_fte.count": 3}) == [(("roles", 1, "in_post_fte"),
                                                                           [1.0, 1.0, 1.0])]
    assert tasks.point_edits(data, {"roles.fip.caseload_cap_per_fte": 6}) == [(("roles", 0, "caseload_cap_per_fte"), 6)]
    assert tasks.point_edits(data, {"workforce.turnover_per_year": 0.2}) == [(("workforce", "turnover_per_year"), 0.2)]
    with pytest.raises(KeyError):
        tasks.point_edits(data, {"roles.lead.caseload_cap_per_fte": 6})


def test_first_guesses_of_values_to_try():
    def value(v, whole, unit=""):
        return whatif.VariedValue("x", "X", unit, v, whole)

    assert tasks.default_values(value(0, True, "workers")) == ("0:4:1", "0", "4")
    assert tasks.default_values(value(5, True)) == ("3:7:1", "3", "7")
    assert tasks.default_values(value(101, True)) == ("81:121:10", "81", "121")
    assert tasks.default_values(value(0.5, False, "0 to 1")) == ("0.3:0.7:0.1", "0.3", "0.7")
    assert tasks.default_values(value(0.9, False, "0 to 1"))[2] == "1"  # a chance stays at most 1
    assert tasks.default_values(value(5.0, False, "per FTE")) == ("3:7:1", "3", "7")
