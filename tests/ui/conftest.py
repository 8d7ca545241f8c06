import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEVENOAKS = ROOT / "scenarios" / "sevenoaks-2014.toml"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Keep QSettings (recent files, geometry) out of the user's real settings."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture
def window(qtbot):
    from tfsim.ui.window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.documents.open_file(SEVENOAKS, check_unsaved=False)
    win.run_panel.reps.setValue(3)
    yield win
    win.session.wait()
    win.doc.undo_stack.setClean()
    assert win.close()


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A dialog left open would block the offscreen test run: record it instead."""
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or QMessageBox.Ok)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Discard)
    return shown
