"""Make the pictures of the app's History view on the sample history, at 1366x768.

    python scripts/app-history-screenshot.py docs/img

Opens the bundled Sevenoaks 2014 scenario and, in the History view:

* ``app-history-import.png``: the synthetic sample history (``sevenoaks-2014-history.csv``,
  bundled beside the scenarios) just imported;
* ``app-backtest.png``: after a backtest of 100 runs, with the waiting list's chart;
* ``app-calibrate.png``: after fitting the refusal probability and the referral rate from
  January 2014 (60 particles, 4 generations), with the refusal's posterior;
* ``app-accept.png``: after *Accept fitted values*, with the scenario's Engagement page
  showing the fitted refusal probability.

Needs a screen (or Xvfb, or QT_QPA_PLATFORM=offscreen).
"""

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tfsim.scenario.bundled import bundled_scenarios_dir
from tfsim.ui.window import MainWindow

SCENARIOS = bundled_scenarios_dir()


def main(folder: str) -> int:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    win = MainWindow()
    win.resize(1366, 768)
    win.documents.open_file(SCENARIOS / "sevenoaks-2014.toml", check_unsaved=False)
    win.show()
    panel = win.history_view
    win.run_panel.views.setCurrentWidget(panel)
    steps = iter(["backtest", "calibrate"])

    def shoot(name: str) -> bool:
        QApplication.processEvents()
        ok = win.grab().save(str(out / f"app-{name}.png"))
        print(f"{'wrote' if ok else 'could not write'} {out / f'app-{name}.png'}")
        return ok

    def finish(code: int = 0) -> None:
        win.doc.undo_stack.setClean()  # no "save changes?" on the way out
        QTimer.singleShot(1000, lambda: app.exit(code))

    def after(_answer=None):
        step = next(steps, None)
        if step == "backtest":
            panel.series.setCurrentIndex(panel.series.findData("waiting_list"))
            panel.bt_table.selectRow(panel.series.currentIndex())
            QTimer.singleShot(300, lambda: shoot("backtest") and calibrate())
        else:
            QTimer.singleShot(300, lambda: shoot("calibrate") and accept())

    def accept():
        if not panel.accept():
            finish(1)
            return
        win.form.focus_problem(("engagement", "refusal_probability"))
        QTimer.singleShot(300, lambda: (shoot("accept"), finish(0)))

    def calibrate():
        panel.pages.setCurrentIndex(1)
        panel.add_fit("engagement.refusal_probability", 0.05, 0.4)
        panel.add_fit("referrals.rates.1.per_month", 3, 12)
        panel.particles.setValue(60)
        panel.generations.setValue(4)
        if not panel.start_calibration():
            finish(1)

    panel.controller.finished.connect(lambda answer: QTimer.singleShot(100, lambda: after(answer)))

    def backtest():
        panel.bt_reps.setValue(100)
        if not panel.start_backtest():
            finish(1)

    def import_history():
        if not panel.import_file(SCENARIOS / "sevenoaks-2014-history.csv"):
            finish(1)
            return
        QTimer.singleShot(300, lambda: shoot("history-import") and backtest())

    QTimer.singleShot(300, import_history)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
