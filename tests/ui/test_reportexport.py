"""File ▸ Export business case...: the report of the results on screen, the same as the CLI's."""

from __future__ import annotations

import re

import docx
from PySide6.QtWidgets import QFileDialog

from tfsim import cli
from tfsim.scenario.bundled import default_scenario

SEVENOAKS = default_scenario()


def run_and_wait(qtbot, win):
    with qtbot.waitSignal(win.session.finished, timeout=60000):
        assert win.start_run()
    qtbot.waitUntil(lambda: not win.session.running)


def _text(path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    text = "\n".join(parts)
    # the time of day of the run and how long it took differ between two runs of the same seed
    return re.sub(r"\d\d:\d\d( \(UTC[^)]*\))?|took [\d.]+ s|\d{4}-\d\d-\d\dT[\d:+]+", "#", text)


def _choose(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "Word document (*.docx)"))


def test_export_business_case_is_the_cli_document(window, qtbot, monkeypatch, tmp_path):
    window.run_panel.reps.setValue(6)
    window.run_panel.seed.setValue(4)
    run_and_wait(qtbot, window)
    _choose(monkeypatch, tmp_path / "from-app")  # no extension: .docx is added
    with qtbot.waitSignal(window.report_export.done, timeout=120000) as blocker:
        window.report_export.dialog()
    written = blocker.args[0]
    assert written == tmp_path / "from-app.docx" and written.exists()
    qtbot.waitUntil(lambda: not window.report_export.running)
    assert "Exported the business case" in window.statusBar().currentMessage()
    cli_out = tmp_path / "from-cli.docx"
    assert cli.main(["report", str(SEVENOAKS), "-n", "6", "--seed", "4", "--out", str(cli_out)]) == 0
    assert _text(written) == _text(cli_out)


def test_export_with_the_baseline_on_screen_has_the_comparison(window, qtbot, monkeypatch, tmp_path):
    run_and_wait(qtbot, window)
    window.pin_baseline()
    window.doc.set_value(("engagement", "refusal_probability"), 0.2)
    run_and_wait(qtbot, window)
    _choose(monkeypatch, tmp_path / "compared.docx")
    with qtbot.waitSignal(window.report_export.done, timeout=120000) as blocker:
        window.report_export.dialog()
    document = docx.Document(str(blocker.args[0]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Comparison with the baseline" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "(unsaved changes)" in text  # the edited scenario is not the file on disk
    qtbot.waitUntil(lambda: not window.report_export.running)


def test_nothing_to_report_before_a_run(window, no_modal_dialogs):
    window.report_export.dialog()
    assert no_modal_dialogs and "Run the scenario first" in no_modal_dialogs[-1]


def test_cancel_writes_nothing(window, qtbot, tmp_path):
    run_and_wait(qtbot, window)
    target = tmp_path / "cancelled.docx"
    with qtbot.waitSignal(window.report_export.stopped, timeout=60000):
        assert window.report_export.start(target)
        window.report_export.cancel()
    assert not target.exists()
    assert "cancelled" in window.statusBar().currentMessage()
