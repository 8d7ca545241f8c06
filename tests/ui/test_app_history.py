"""The app's History view: import a history, backtest, calibrate in the background, accept in one undo step."""

from __future__ import annotations

import tomllib

import pytest

from tfsim.scenario.bundled import bundled_scenarios_dir

pytest.importorskip("pytestqt")

SAMPLE = bundled_scenarios_dir() / "sevenoaks-2014-history.csv"
TIMEOUT = 120000  # milliseconds


def wait_job(qtbot, panel, start):
    with qtbot.waitSignal(panel.controller.finished, timeout=TIMEOUT) as blocker:
        assert start()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    return blocker.args[0]


@pytest.fixture
def panel(window):
    window.run_panel.views.setCurrentWidget(window.history_view)
    return window.history_view


def test_a_history_is_imported_and_backtested_with_its_points_over_the_band(window, panel, qtbot):
    assert not panel.backtest_button.isEnabled()
    assert panel.import_file(SAMPLE)
    assert "sevenoaks-2014-history.csv" in panel.file_label.text() and "36 months" in panel.file_label.text()
    assert "Staff in post (FIP Light (Project Salus))" in panel.file_label.toolTip()  # series in words
    assert "SYNTHETIC HISTORY" in panel.file_label.text()  # the file's own first comment
    assert panel.problems.isHidden()
    panel.bt_reps.setValue(10)
    bt = wait_job(qtbot, panel, panel.start_backtest)
    assert bt.history.name == "sevenoaks-2014-history.csv" and bt.results.replications == 10
    assert panel.bt_table.rowCount() == len(bt.series) == 11
    assert panel.bt_table.item(0, 0).text() == "Referrals"
    assert panel.bt_chart.drawn
    ax = panel.bt_chart.figure.axes[0]
    labels = ax.get_legend_handles_labels()[1] or [t.get_text() for t in panel.bt_chart.figure.legends[0].texts]
    assert any(t.startswith("Council's count: ") and "of months in the band" in t for t in labels), labels
    assert "Simulated: 90% of runs" in labels
    panel.series.setCurrentIndex(panel.series.findData("waiting_list"))
    assert "Waiting list" in panel.bt_chart.figure.axes[0].get_title(loc="left").replace("\n", " ")
    assert "36 months, 10 runs" in panel.message.text()


def test_a_bad_history_lists_its_located_problems_and_cannot_run(window, panel, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("month,referrals,fte_in_post.fipp\n2013-01,-2,1\n2013-01,1,1\n")
    assert not panel.import_file(bad)
    text = panel.problems.text()
    assert not panel.problems.isHidden()
    assert f"{bad}:2: referrals: '-2' is negative" in text and f"{bad}:3: month: 2013-01 is given twice" in text
    assert not panel.backtest_button.isEnabled()
    roles = tmp_path / "roles.csv"
    roles.write_text("month,fte_in_post.fipp\n2013-01,1\n")
    assert not panel.import_file(roles)
    assert "has no role 'fipp'; did you mean 'fip'?" in panel.problems.text()


def test_a_calibration_runs_in_the_background_and_is_accepted_in_one_undo_step(window, panel, qtbot, tmp_path):
    assert panel.import_file(SAMPLE)
    assert panel.add_fit("engagement.refusal_probability", 0.05, 0.4)
    assert panel.add_fit("referrals.rates.1.per_month", 3, 12)
    assert not panel.add_fit("engagement.refusal_probability")  # once only
    panel.particles.setValue(10)
    panel.generations.setValue(1)
    cal = wait_job(qtbot, panel, lambda: panel.start_calibration(check_replications=4, pilot=4))
    assert [f.path for f in cal.fits] == ["engagement.refusal_probability", "referrals.rates.1.per_month"]
    assert panel.cal_table.rowCount() == 2 and panel.cal_chart.drawn
    assert panel.cal_table.item(0, 1).text() == "0.13"  # as written
    assert "Fitted on 26 months (2012-04 to 2014-06)" in panel.message.text()
    assert panel.accept_button.isEnabled()
    stack = window.doc.undo_stack
    before = stack.index()
    assert panel.accept()
    assert stack.index() == before + 1  # one undo step
    fitted = cal.changes["engagement.refusal_probability"]
    assert window.doc.get(("engagement", "refusal_probability")) == fitted
    assert window.doc.get(("referrals", "rates", 1, "per_month")) == cal.changes["referrals.rates.1.per_month"]
    assert "Fitted values accepted into the scenario" in window.statusBar().currentMessage()
    assert "Fitted values in the scenario, with a FITTED comment" in panel.message.text()
    assert "Engagement: Refusal probability (0 to 1) 0.13 -> " in panel.message.text()
    path = tmp_path / "fitted.toml"
    assert window.documents.save_to(path)
    text = path.read_text()
    refusal = next(line for line in text.splitlines() if line.startswith("refusal_probability"))
    assert "# FITTED by tfsim calibrate to sevenoaks-2014-history.csv (SHA-256 " in refusal
    assert "(Sevenoaks briefing 2014)" in text  # the other comments stay
    assert tomllib.loads(text)["engagement"]["refusal_probability"] == fitted
    stack.undo()  # takes back the values and the comments together
    assert window.doc.get(("engagement", "refusal_probability")) == 0.13
    assert "FITTED by tfsim calibrate" not in (window.doc.source_text or "")


def test_a_calibration_can_be_cancelled(window, panel, qtbot):
    assert panel.import_file(SAMPLE)
    panel.add_fit("engagement.refusal_probability")
    panel.add_fit("referral_rate")
    panel.particles.setValue(400)
    with qtbot.waitSignal(panel.controller.cancelled, timeout=TIMEOUT):
        assert panel.start_calibration()
        assert panel.cancel_button.isEnabled()
        qtbot.waitUntil(lambda: panel.progress.value() > 2, timeout=TIMEOUT)
        assert panel.cancel()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    assert panel.message.text().startswith("Cancelled")
    assert panel.calibrate_button.isEnabled() and not panel.accept_button.isEnabled()


def test_file_menu_imports_a_history_into_the_history_view(window, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(SAMPLE), ""))
    window.import_history()
    assert window.run_panel.views.currentWidget() is window.history_view
    assert window.history_view.history is not None
