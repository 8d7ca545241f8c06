"""Pictures of the editor's lists and target, the out-of-date banner and the long-run question, at 1366x768.

    python scripts/app-editor-screenshots.py STEP OUT.png

STEP is one of ``plan`` (the staffing plan, its role list open), ``allocation`` (the roles of
the medium level, ticked and ordered under the allocation table), ``target`` (a scenario
with no target, then one added: ``target-added``), ``stale`` (Sevenoaks run, then its
name edited) or ``longrun`` (the national scenario's Run: the estimate, asked first).
The window fills a 1366x768 screen; under Xvfb, ``/work/shared/tools/xshot`` can take
the whole screen instead (dialogs and open lists are separate windows).
"""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tfsim.scenario.bundled import bundled_scenarios_dir
from tfsim.ui.window import MainWindow

SCENARIOS = bundled_scenarios_dir()


def main(step: str, out: str) -> int:
    app = QApplication([])
    win = MainWindow()
    win.resize(1366, 768)
    name = {"target": "maidstone-2013", "target-added": "maidstone-2013", "longrun": "national-phase1"}.get(step,
                                                                                                       "sevenoaks-2014")
    win.documents.open_file(SCENARIOS / f"{name}.toml", check_unsaved=False)
    win.show()
    form = win.form

    def shoot() -> None:
        QApplication.processEvents()
        win.grab().save(out)

    def show_editor(path: tuple) -> None:
        form.focus_problem(path)

    if step == "plan":
        show_editor(("staffing_plan",))
        plan = form.editors[("staffing_plan",)]
        plan.add_row()
        col = [c.key for c in plan.columns].index("role")
        box = plan.boxes[(plan.table.rowCount() - 1, col)]
        QTimer.singleShot(500, box.showPopup)
    elif step == "allocation":
        show_editor(("allocation",))
        allocation = form.editors[("allocation",)]
        allocation.table.setCurrentCell(1, 1)
        allocation.picker.names.setCurrentRow(1)
    elif step.startswith("target"):
        show_editor(("money", "target", "families"))
        target = form.editors[("money", "target")]
        if step == "target-added":
            target.add()
        QTimer.singleShot(300, lambda: show_editor(("money", "target", "measure")))
    elif step == "stale":
        win.run_panel.reps.setValue(20)
        win.session.finished.connect(lambda _r: QTimer.singleShot(
            300, lambda: form.editors[("name",)].w.setText("Sevenoaks 2014, two more workers")))
        QTimer.singleShot(300, win.start_run)
    elif step == "longrun":
        QTimer.singleShot(300, win.start_run)
    QTimer.singleShot(4000, shoot)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
