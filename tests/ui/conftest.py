"""Fixtures of the app's tests: a window on Sevenoaks, isolated settings, no modal dialogs."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

from app_helpers import SEVENOAKS  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Keep QSettings (recent files, geometry) out of the user's real settings."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the recovery files (AppDataLocation)
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


COHORT_TOML = """schema_version = 1
name = "Tiny cohort"
start_date = 2020-01-01
end_date = 2020-12-31

[referrals]
cohort = [{{ date = 2020-01-01, families = 12 }}]

[families]
intensity = {{ all = 1.0 }}
needs = {{}}

[engagement]
refusal_probability = 0.0

[[roles]]
id = "kw"
name = "Key worker"
caseload_cap_per_fte = 1
in_post_fte = [{workers}]
duration_months = 1.0
outcomes = {{ turned_around = 1.0, improved = 0.0, no_progress = 0.0, disengaged = 0.0 }}

[allocation]
all = ["kw"]

[money.target]
families = 12
deadline = 2020-04-15
measure = "turned_around"
"""


@pytest.fixture
def cohort(tmp_path):
    """A tiny scenario file: 12 families at the start, one-month interventions, one family a worker.

    ``cohort(workers)`` writes it with that many full-time workers; 4 workers turn all 12 around
    by the target's deadline of mid-April, 12 workers take every family at once (nobody waits).
    """
    def write(workers: int = 1):
        path = tmp_path / f"cohort-{workers}.toml"
        path.write_text(COHORT_TOML.format(workers=", ".join(["1.0"] * workers)))
        return path

    return write
