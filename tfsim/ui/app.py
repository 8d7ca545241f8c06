"""Entry point of the desktop app: ``tfsim gui [SCENARIO] [--run] [--screenshot FILE]``."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from .window import DEFAULT_SCENARIO, MainWindow

SCREENSHOT_SIZE = (1366, 768)


HEADLESS = {"on": False}


def install_excepthook() -> None:
    """Show unexpected errors in a dialog instead of crashing the app."""

    def hook(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.__stderr__.write(text)
        app = QApplication.instance()
        if app is None or HEADLESS["on"]:
            return
        try:
            box = QMessageBox(QMessageBox.Critical, "Something went wrong",
                              f"{kind.__name__}: {value}\n\nYour scenario is still open; save it if you have "
                              "changes.", QMessageBox.Ok, app.activeWindow())
            box.setDetailedText(text)
            box.exec()
        except Exception:  # never let the hook itself crash the app
            pass

    sys.excepthook = hook


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tfsim gui", description="The tfsim desktop app.")
    p.add_argument("scenario", nargs="?", help="scenario file (default: the bundled Sevenoaks 2014)")
    p.add_argument("--run", action="store_true", help="run the scenario once it is open")
    p.add_argument("--screenshot", metavar="FILE.png", help="after the run, save a picture of the window and exit")
    p.add_argument("--replications", "-n", type=int, default=None, help="runs (replications) for --run")
    return p.parse_args(argv)


def build_window(args: argparse.Namespace) -> MainWindow:
    win = MainWindow()
    path = Path(args.scenario) if args.scenario else DEFAULT_SCENARIO
    win.open_file(path, check_unsaved=False)
    if args.replications:
        win.reps.setValue(args.replications)
    return win


def save_screenshot(win: MainWindow, path: str) -> bool:
    QApplication.processEvents()
    for tab in win.chart_tabs.charts.values():
        tab.canvas.draw()
    image = win.grab()
    return image.save(str(path))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "tfsim"])
    app.setApplicationName("tfsim")
    app.setOrganizationName("tfsim")
    install_excepthook()
    HEADLESS["on"] = bool(args.screenshot)
    win = build_window(args)
    if args.screenshot:
        win.resize(*SCREENSHOT_SIZE)
    win.show()
    status = {"code": 0}

    def finish_screenshot(_results=None):
        QTimer.singleShot(200, shoot)

    def shoot():
        ok = save_screenshot(win, args.screenshot)
        if not ok:
            sys.stderr.write(f"tfsim gui: could not write {args.screenshot}\n")
            status["code"] = 1
        win.doc.undo_stack.setClean()  # nothing to ask about when exiting
        app.exit(status["code"])

    def failed_exit(*_a):
        status["code"] = 1
        win.doc.undo_stack.setClean()
        app.exit(1)

    if args.run:
        if args.screenshot:
            win.runFinished.connect(finish_screenshot)
            win.run_controller.failed.connect(failed_exit)
            win.run_controller.cancelled.connect(failed_exit)
        QTimer.singleShot(0, lambda: win.start_run() or (args.screenshot and failed_exit()))
    elif args.screenshot:
        QTimer.singleShot(300, shoot)
    code = app.exec()
    HEADLESS["on"] = False
    return status["code"] if args.screenshot else code


if __name__ == "__main__":
    raise SystemExit(main())
