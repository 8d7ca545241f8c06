"""How the app runs: enough runs chosen for a precision by default, cores chosen automatically, a time left, Dask."""

from tfsim.ui.runpanel import PRECISION, time_left


def test_time_left_once_it_means_something():
    assert time_left(0.5, 1, 100) == ""  # too early to tell
    assert time_left(10.0, 10, 50) == ", about 40 s left"
    assert time_left(10.0, 10, 100) == ", about 2 min left"
    assert time_left(10.0, 5, 400) == ", about 13 min left"
    assert time_left(10.0, 100, 100) == ""


def test_a_new_window_chooses_runs_for_a_precision_and_cores_automatically(qtbot):
    from tfsim.ui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    panel = win.run_panel
    assert panel.precise.isChecked() and not panel.reps.isEnabled()
    assert panel.precision() is PRECISION
    assert panel.jobs.value() == 0 and panel.jobs.text() == "Auto"
    panel.precise.setChecked(False)
    assert panel.reps.isEnabled() and panel.precision() is None
    panel.reps.setValue(5)
    panel.precise.setChecked(True)
    panel.reps.setValue(7)  # a number of runs set from outside means that number
    assert not panel.precise.isChecked()
    win.doc.undo_stack.setClean()
    assert win.close()


def test_a_run_to_a_precision_says_how_many_runs_it_needed(qtbot, monkeypatch):
    from tfsim.experiment import Precision
    from tfsim.ui import runpanel
    from tfsim.ui.window import MainWindow

    from app_helpers import SEVENOAKS

    monkeypatch.setattr(runpanel, "PRECISION", Precision(relative=0.2, probability=0.5, first=3, max_replications=40))
    win = MainWindow()
    qtbot.addWidget(win)
    win.documents.open_file(SEVENOAKS, check_unsaved=False)
    win.run_panel.precise.setChecked(True)
    with qtbot.waitSignal(win.session.stopped, timeout=120000):
        assert win.start_run()
    r = win.session.results
    assert r.meta["precision"]["reached"] and 3 <= r.replications <= 40
    assert f"{r.replications} runs (enough for the precision asked)" in win.run_panel.run_info.text()
    assert win.run_panel.reps.value() == r.replications and win.run_panel.precise.isChecked()
    win.doc.undo_stack.setClean()
    assert win.close()


def test_where_to_run_sets_dask_for_the_next_runs(qtbot, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from tfsim.ui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("tcp://server:8786", True))
    win.runs.choose_dask()
    assert win.shared.dask == "tcp://server:8786"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  ", True))
    win.runs.choose_dask()
    assert win.shared.dask is None
    runner = win.shared.acquire(0)
    win.shared.release()
    assert runner.dask is None and runner.auto
    win.doc.undo_stack.setClean()
    assert win.close()
