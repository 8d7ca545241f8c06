"""Pictures of the app's scenario-file dialogs, at 1366x768, for the docs and for checking by eye.

    QT_QPA_PLATFORM=offscreen python scripts/app-files-screenshots.py OUTDIR

Writes into OUTDIR:

- ``app-notes.png``: the bundled Sevenoaks scenario open as a template (the banner), the
  Engagement page with the note under each value, one note being edited;
- ``app-template-save.png``: what Save asks for a template (a new file in the Documents folder);
- ``app-compare.png``: *File, Compare with file...* against the 2012 Kent plan for Sevenoaks;
- ``app-baseline.png``: a pinned baseline, the scenario changed and run again, and the line
  over the results saying which inputs differ; ``app-baseline-open.png``: that line opened.

The Save dialog starts in the Documents folder of ``$HOME``: run with ``HOME`` set to a
folder holding ``Documents`` to see it there.
"""

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from tfsim.scenario.bundled import bundled_path, default_scenario
from tfsim.ui.diffdialog import compare_with_file
from tfsim.ui.documents import FILE_FILTER
from tfsim.ui.templates import save_start
from tfsim.ui.window import MainWindow

SIZE = (1366, 768)


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    win = MainWindow()
    win.resize(*SIZE)
    win.documents.open_file(default_scenario(), check_unsaved=False)
    win.run_panel.reps.setValue(30)
    win.show()
    form = win.form

    def grab(widget, name):
        QApplication.processEvents()
        widget.grab().save(str(out / name))
        print(f"wrote {out / name}")

    def notes():
        form.tabs.setCurrentIndex(form.sections[("engagement",)])
        note = form.editors[("engagement", "disengagement_hazard_per_month", "#note")]
        note.start_edit()
        note.edit.setText("ASSUMPTION: about 1 in 8 disengage over a year (Lincolnshire minutes 2015: most stay)")
        note.edit.setCursorPosition(0)  # the note's beginning in the picture
        QTimer.singleShot(300, lambda: (grab(win, "app-notes.png"), note.edit.editingFinished.emit(), save_dialog()))

    def save_dialog():
        dialog = QFileDialog(win, "Save a copy of the template as", str(save_start(win.doc)), FILE_FILTER)
        dialog.setAcceptMode(QFileDialog.AcceptSave)
        dialog.setOption(QFileDialog.DontUseNativeDialog)
        dialog.resize(760, 460)
        dialog.show()
        QTimer.singleShot(400, lambda: (grab(dialog, "app-template-save.png"), dialog.close(), compare()))

    def compare():
        dialog = compare_with_file(win, bundled_path("kent-sevenoaks-2012"))
        QTimer.singleShot(400, lambda: (grab(dialog, "app-compare.png"), dialog.close(), baseline()))

    def baseline():
        win.session.finished.connect(pinned)
        win.start_run()

    def pinned(_results=None):
        win.session.finished.disconnect(pinned)
        win.pin_baseline()
        win.doc.set_value(("roles", 0, "caseload_cap_per_fte"), 6)
        win.doc.set_value(("workforce", "turnover_per_year"), 0.16)
        win.session.finished.connect(lambda _r: QTimer.singleShot(400, last))
        win.start_run()

    def last():
        grab(win, "app-baseline.png")
        win.baseline_changes.toggle.setChecked(True)
        QTimer.singleShot(300, lambda: (grab(win, "app-baseline-open.png"), finish()))

    def finish():
        win.doc.undo_stack.setClean()
        app.exit(0)

    QTimer.singleShot(300, notes)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
