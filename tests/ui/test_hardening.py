"""The app under faults and slips: missing files, misspelt keys, stale results, crashes, small screens."""

from __future__ import annotations

import shutil

from conftest import SEVENOAKS


def test_opening_a_missing_file_keeps_the_open_scenario_and_drops_it_from_recent(window, tmp_path,
                                                                                  no_modal_dialogs):
    gone = tmp_path / "gone.toml"
    shutil.copy(SEVENOAKS, gone)
    assert window.documents.open_file(gone)
    window.documents.open_file(SEVENOAKS)
    assert str(gone.resolve()) in window.documents.recent.files()
    gone.unlink()
    window.form.editors[("name",)].w.setText("Edited, not saved")
    action = next(a for a in window.recent_menu.actions() if a.text() == str(gone.resolve()))
    action.trigger()  # the stale Recent entry
    assert "no such file" in no_modal_dialogs[-1]
    assert window.doc.data["name"] == "Edited, not saved" and window.doc.path == SEVENOAKS
    assert window.form.isVisibleTo(window)
    assert str(gone.resolve()) not in window.documents.recent.files()
    assert str(gone.resolve()) not in [a.text() for a in window.recent_menu.actions()]
