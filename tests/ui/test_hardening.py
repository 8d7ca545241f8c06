"""The app under faults and slips: missing files, misspelt keys, stale results, crashes, small screens."""

from __future__ import annotations

import shutil

from app_helpers import SEVENOAKS


def test_opening_a_missing_file_keeps_the_open_scenario_and_drops_it_from_recent(window, tmp_path,
                                                                                  no_modal_dialogs):
    gone = tmp_path / "gone.toml"
    shutil.copy(SEVENOAKS, gone)
    assert window.documents.open_file(gone)
    window.documents.open_file(SEVENOAKS)
    assert str(gone.resolve()) in window.documents.recent.files()
    gone.unlink()
    window.form.editors[("name",)].w.setText("Edited, not saved")
    action = next(a for a in window.recent_menu.actions() if a.text() == str(gone.resolve()))
    action.trigger()  # the stale Recent entry
    assert "no such file" in no_modal_dialogs[-1]
    assert window.doc.data["name"] == "Edited, not saved" and window.doc.path == SEVENOAKS
    assert window.form.isVisibleTo(window)
    assert str(gone.resolve()) not in window.documents.recent.files()
    assert str(gone.resolve()) not in [a.text() for a in window.recent_menu.actions()]


def run_and_wait(qtbot, win):
    with qtbot.waitSignal(win.session.finished, timeout=60000):
        assert win.start_run()
    qtbot.waitUntil(lambda: not win.session.running)


def test_results_are_marked_out_of_date_after_an_edit_and_while_another_run_goes(window, qtbot):
    from tfsim.ui.runpanel import STALE_EDITED, STALE_OTHER, STALE_RUNNING

    panel = window.run_panel
    assert not panel.is_stale  # no results yet: nothing to mark
    run_and_wait(qtbot, window)
    assert not panel.is_stale
    window.form.editors[("name",)].w.setText("Sevenoaks edited")
    assert panel.is_stale and panel.stale.text() == STALE_EDITED
    window.doc.undo_stack.undo()
    assert not panel.is_stale  # back to what was run
    window.doc.undo_stack.redo()
    seen = []
    window.session.started.connect(lambda *_: seen.append(panel.stale.text()))
    run_and_wait(qtbot, window)
    assert STALE_RUNNING in seen and not panel.is_stale
    window.documents.new_from(SEVENOAKS)
    assert panel.stale.text() == STALE_OTHER


def test_table_row_problems_are_numbered_as_the_table_shows_them(window, qtbot):
    from tfsim.ui.problems import display_key

    assert display_key(("staffing_plan", 3, "date")) == "staffing_plan row 4.date"
    plan = window.doc.data.get("staffing_plan") or []
    rows = len(plan)
    assert rows >= 1
    window.doc.set_value(("staffing_plan", rows - 1, "date"), "1800-01-01")
    texts = [window.problems_panel.list.item(i).text() for i in range(window.problems_panel.list.count())]
    assert any(f"staffing_plan row {rows}.date" in t for t in texts), texts
    assert not any(f"staffing_plan.{rows - 1}" in t for t in texts)


def test_the_first_window_fits_a_1366x768_laptop_and_has_shortcuts(window):
    from PySide6.QtGui import QKeySequence

    from tfsim.ui.settings import DEFAULT_SIZE

    assert DEFAULT_SIZE[0] <= 1366 and DEFAULT_SIZE[1] + 40 <= 768 - 24  # the frame and a panel
    assert window.height() <= 728 and window.width() <= 1366
    shortcuts = {a.shortcut().toString(): a.text() for m in window.menuBar().findChildren(type(window.new_menu))
                 for a in m.actions() if not a.shortcut().isEmpty()}
    assert "Results" in shortcuts["Ctrl+E"] and "baseline" in shortcuts["Ctrl+B"]
    assert "New" in shortcuts[QKeySequence(QKeySequence.New).toString()]


def test_a_zero_waiting_list_is_drawn_on_a_whole_number_axis(window, qtbot):
    from matplotlib.figure import Figure

    from tfsim import charts

    run_and_wait(qtbot, window)
    results = window.session.results
    zero = results.monthly.assign(mean=0.0, p05=0.0, p50=0.0, p95=0.0)
    flat = type(results)(**{**results.__dict__, "monthly": zero})
    ax = Figure().add_subplot()
    charts.plot_waiting_list(ax, flat)
    assert ax.get_ylim() == (0, 1)


def test_with_no_target_there_is_no_card_of_the_chance_of_meeting_it(window, qtbot):
    from tfsim.ui.state import MISSING

    assert window.doc.get(("money", "target")) is not None
    window.doc.set_value(("money", "target"), MISSING)
    run_and_wait(qtbot, window)
    assert window.session.results.scenario.money.target is None
    texts = [card.value.text() + card.interval.text() for card in window.run_panel.kpis.cards.values()]
    assert not any("n/a" in t for t in texts), texts
    assert "p_target_met" not in window.run_panel.kpis.cards and "families_turned_around" in window.run_panel.kpis.cards


def test_edits_are_autosaved_and_offered_back_after_a_crash(window, qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from tfsim.ui import recovery
    from tfsim.ui.window import MainWindow

    monkeypatch.setattr(recovery, "recovery_folder", lambda: tmp_path / "recovery")
    window.recovery.path = tmp_path / "recovery" / "autosave-999999999.toml"  # as if from a process now gone
    window.form.editors[("name",)].w.setText("Edited before the crash")
    qtbot.waitUntil(lambda: window.recovery.path.exists(), timeout=5000)
    assert "Edited before the crash" in window.recovery.path.read_text()
    monkeypatch.setattr(recovery, "process_alive", lambda pid: pid != 999999999)

    other = MainWindow()  # the next start
    qtbot.addWidget(other)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    assert other.offer_recovery()
    assert other.doc.data["name"] == "Edited before the crash" and other.doc.modified
    assert other.doc.path == SEVENOAKS
    assert not (tmp_path / "recovery" / "autosave-999999999.toml").exists()
    other.documents.save_to(tmp_path / "saved.toml")
    assert not other.recovery.path.exists()  # saved: nothing left to recover
    other.doc.undo_stack.setClean()
    other.close()
    window.doc.undo_stack.setClean()
    assert not window.recovery.path.exists()


def test_recovered_edits_keep_the_notes_as_they_were_before_the_crash(window, qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from tfsim.ui import recovery
    from tfsim.ui.window import MainWindow

    monkeypatch.setattr(recovery, "recovery_folder", lambda: tmp_path / "recovery")
    window.recovery.path = tmp_path / "recovery" / "autosave-999999998.toml"
    roles = window.form.editors[("roles",)]
    roles.tabs.setCurrentIndex(0)
    roles.remove()  # the FIP goes, with its notes
    window.form.notebook.set_note(("engagement", "refusal_probability"), "ASSUMPTION: as Maidstone")
    window.recovery.save_now()
    monkeypatch.setattr(recovery, "process_alive", lambda pid: pid != 999999998)

    other = MainWindow()
    qtbot.addWidget(other)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    assert other.offer_recovery()
    saved = tmp_path / "saved.toml"
    assert other.documents.save_to(saved)
    text = saved.read_text(encoding="utf-8")
    assert "refusal_probability = 0.13               # ASSUMPTION: as Maidstone" in text
    assert "approximately five cases" not in text  # the FIP's note went with the FIP
    assert "caseload_cap_per_fte = 8                 # ASSUMPTION: between FIP (5)" in text
    other.doc.undo_stack.setClean()
    other.close()
    window.doc.undo_stack.setClean()
