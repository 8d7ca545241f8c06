"""Entry point of the desktop app: ``tfsim gui [SCENARIO] [--run] [--screenshot FILE]``."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tfsim.scenario.bundled import default_scenario, resolve

from .options import parse_gui_args
from .window import MainWindow

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


def build_window(args: argparse.Namespace) -> MainWindow:
    win = MainWindow()
    path = Path(resolve(args.scenario)) if args.scenario else default_scenario()
    win.documents.open_file(path, check_unsaved=False)
    if args.replications:
        win.run_panel.reps.setValue(args.replications)
    return win


def save_screenshot(win: MainWindow, path: str) -> bool:
    QApplication.processEvents()
    for tab in win.run_panel.chart_tabs.charts.values():
        tab.canvas.draw()
    image = win.grab()
    return image.save(str(path))


def main(argv: list[str] | None = None) -> int:
    """``python -m tfsim.ui.app [SCENARIO] [--run] [--screenshot FILE] [--replications N]``."""
    return run(parse_gui_args(sys.argv[1:] if argv is None else list(argv)))


def dialog_text(widget) -> str:
    """A modal dialog's title and message in one escaped line."""
    from tfsim.scenario.messages import escape

    title = widget.windowTitle()
    text = widget.text() if isinstance(widget, QMessageBox) else ""
    return escape(" ".join(f"{title}: {text}".split()))


def watch_for_dialogs(app, status: dict) -> QTimer:
    """With no one to answer (``--screenshot``), end the app when a modal dialog opens, saying what it asked.

    Every dialog counts, wherever it comes from (a file that cannot be opened, a run that
    cannot start): the app exits 2 with the dialog's message on stderr instead of waiting.
    """
    timer = QTimer(app)
    timer.setInterval(50)

    def check():
        widget = app.activeModalWidget()
        if widget is None or status.get("dialog"):
            return
        status["dialog"] = dialog_text(widget)
        status["code"] = 2
        sys.stderr.write(f"tfsim gui: {status['dialog']}\n")
        widget.reject()
        app.exit(2)  # ends the dialog's event loop and the app's

    timer.timeout.connect(check)
    timer.start()
    return timer


def run(args: argparse.Namespace) -> int:
    """Open the app as ``args`` (see :mod:`tfsim.ui.options`) say; the exit code."""
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "tfsim"])
    app.setApplicationName("tfsim")
    app.setOrganizationName("tfsim")
    install_excepthook()
    HEADLESS["on"] = bool(args.screenshot)
    status = {"code": 0}
    watch = watch_for_dialogs(app, status) if args.screenshot else None
    win = build_window(args)
    if status.get("dialog"):  # opening the file asked a question no one can answer
        win.doc.undo_stack.setClean()
        win.close()
        watch.stop()
        HEADLESS["on"] = False
        return status["code"]
    if args.screenshot:
        win.resize(*SCREENSHOT_SIZE)
    win.show()

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
        status["code"] = status["code"] or 1
        win.doc.undo_stack.setClean()
        app.exit(1)

    if not args.screenshot:  # after a crash, offer the edits it autosaved (no one to ask headless)
        QTimer.singleShot(0, win.offer_recovery)
    if args.run:
        if args.screenshot:
            win.session.finished.connect(finish_screenshot)
            win.session.failed.connect(failed_exit)
            win.session.cancelled.connect(failed_exit)
        QTimer.singleShot(0, lambda: win.start_run() or (args.screenshot and failed_exit()))
    elif args.screenshot:
        QTimer.singleShot(300, shoot)
    code = app.exec()
    if watch is not None:
        watch.stop()
    HEADLESS["on"] = False
    return status["code"] if args.screenshot else code


if __name__ == "__main__":
    raise SystemExit(main())
