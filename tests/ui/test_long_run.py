"""A long run says how long it will take before it starts, and can be turned down."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from tfsim.scenario.bundled import bundled_scenarios_dir

NATIONAL = bundled_scenarios_dir() / "national-phase1.toml"


def test_the_national_run_warns_with_its_estimate_and_can_be_turned_down(window, qtbot, monkeypatch, no_modal_dialogs):
    assert window.documents.open_file(NATIONAL, check_unsaved=False)
    window.run_panel.reps.setValue(100)
    window.run_panel.jobs.setValue(2)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: no_modal_dialogs.append(self.text()) or QMessageBox.Cancel)
    assert not window.start_run() and not window.session.running
    text = no_modal_dialogs[-1]
    assert text.startswith("National Phase 1 is a long run: 100 runs take about ") and text.endswith(" min.")
    assert "shared over 2 cores" in window.runs.long_run_text
    assert "Run not started" in window.statusBar().currentMessage()
    # the default, runs until precise: the first batch and each hundred more
    window.run_panel.precise.setChecked(True)
    assert not window.start_run()
    assert "the first 20 runs take" in no_modal_dialogs[-1] and "each 100 runs after" in no_modal_dialogs[-1]


def test_a_short_run_starts_without_a_question(window, qtbot, no_modal_dialogs):
    with qtbot.waitSignal(window.session.finished, timeout=60000):
        assert window.start_run()
    assert not any("long run" in t for t in no_modal_dialogs)
