"""Make docs/img/app-whatif.png: the app's What-if view after a goal seek on the Sevenoaks scenario.

    python scripts/app-whatif-screenshot.py docs/img/app-whatif.png

Opens the bundled Sevenoaks 2014 scenario, runs it (100 runs), then seeks the largest target
of claims met with a 90% chance, from 30 to 70 (20 runs at each value to start with), and
saves a picture of the window at 1366x768.  Needs a screen (or Xvfb, or QT_QPA_PLATFORM=offscreen).
"""

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tfsim.ui.window import MainWindow

ROOT = Path(__file__).resolve().parents[1]


def main(out: str) -> int:
    app = QApplication([])
    win = MainWindow()
    win.resize(1366, 768)
    win.documents.open_file(ROOT / "scenarios" / "sevenoaks-2014.toml", check_unsaved=False)
    win.run_panel.reps.setValue(100)
    win.show()
    panel = win.whatif

    def shoot():
        QApplication.processEvents()
        ok = win.grab().save(out)
        win.doc.undo_stack.setClean()
        app.exit(0 if ok else 1)

    def seek(_results=None):
        win.run_panel.views.setCurrentWidget(panel)
        panel.forms.setCurrentWidget(panel.goal_form)
        panel.goal_form.picker.select("money.target.families")
        panel.goal_form.low.setText("30")
        panel.goal_form.high.setText("70")
        panel.stopped.connect(lambda: QTimer.singleShot(300, shoot))
        if not panel.start():
            app.exit(1)

    win.session.finished.connect(seek)
    QTimer.singleShot(200, win.start_run)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "app-whatif.png"))
