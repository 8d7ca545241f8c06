"""Make docs/img/app-backtest.png and docs/img/app-calibrate.png: the app's History view on the sample history.

    python scripts/app-history-screenshot.py docs/img

Opens the bundled Sevenoaks 2014 scenario, imports the synthetic sample history
(scenarios/sevenoaks-2014-history.csv), backtests it (100 runs) and saves the window with the
waiting list's chart; then fits the refusal probability and the referral rate from January
2014 (60 particles, 4 generations) and saves the window with the refusal's posterior.  The
window is 1366x768.  Needs a screen (or Xvfb, or QT_QPA_PLATFORM=offscreen).
"""

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tfsim.ui.window import MainWindow

ROOT = Path(__file__).resolve().parents[1]


def main(folder: str) -> int:
    out = Path(folder)
    app = QApplication([])
    win = MainWindow()
    win.resize(1366, 768)
    win.documents.open_file(ROOT / "scenarios" / "sevenoaks-2014.toml", check_unsaved=False)
    win.show()
    panel = win.history_view
    win.run_panel.views.setCurrentWidget(panel)
    steps = iter(["backtest", "calibrate"])

    def shoot(name: str) -> bool:
        QApplication.processEvents()
        return win.grab().save(str(out / f"app-{name}.png"))

    def after(_answer=None):
        step = next(steps, None)
        if step == "backtest":
            panel.series.setCurrentIndex(panel.series.findData("waiting_list"))
            panel.bt_table.selectRow(panel.series.currentIndex())
            QTimer.singleShot(300, lambda: shoot("backtest") and calibrate())
        else:
            QTimer.singleShot(300, lambda: (shoot("calibrate"), win.doc.undo_stack.setClean(),
                                            QTimer.singleShot(3000, lambda: app.exit(0))))

    def calibrate():
        panel.pages.setCurrentIndex(1)
        panel.add_fit("engagement.refusal_probability", 0.05, 0.4)
        panel.add_fit("referrals.rates.1.per_month", 3, 12)
        panel.particles.setValue(60)
        panel.generations.setValue(4)
        if not panel.start_calibration():
            app.exit(1)

    panel.controller.finished.connect(lambda answer: QTimer.singleShot(100, lambda: after(answer)))

    def backtest():
        panel.import_file(ROOT / "scenarios" / "sevenoaks-2014-history.csv")
        panel.bt_reps.setValue(100)
        if not panel.start_backtest():
            app.exit(1)

    QTimer.singleShot(300, backtest)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
