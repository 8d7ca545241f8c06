"""The app and scenario files: bundled templates, notes beside values, Compare with file, the baseline's differences."""

from __future__ import annotations

import csv
import shutil
import sys
import tomllib

import pytest
from PySide6.QtWidgets import QFileDialog

from tfsim import cli
from tfsim.scenario.bundled import bundled_names, bundled_path, default_scenario
from tfsim.ui import app as gui_app
from tfsim.ui import templates
from tfsim.ui.diffdialog import compare_with_file
from tfsim.ui.options import parse_gui_args

SEVENOAKS = default_scenario()
REFUSAL = ("engagement", "refusal_probability")


def run_and_wait(qtbot, win):
    with qtbot.waitSignal(win.session.finished, timeout=60000):
        assert win.start_run()
    qtbot.waitUntil(lambda: not win.session.running)


@pytest.fixture
def documents(tmp_path, monkeypatch):
    """The user's documents folder, in the test's own folder."""
    folder = tmp_path / "Documents"
    folder.mkdir()
    monkeypatch.setattr(templates, "documents_folder", lambda: folder)
    return folder


@pytest.fixture
def save_dialog(monkeypatch):
    """Record what Save as asks and answer with ``answer[0]``."""
    asked, answer = [], [""]
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, *a, **k: asked.append((title, start)) or (answer[0], ""))
    return asked, answer


# ---- bundled scenarios are templates ---------------------------------------------------------


def test_a_bundled_scenario_opens_as_a_template_and_save_asks_for_a_new_file(window, documents, save_dialog):
    before = SEVENOAKS.read_bytes()
    assert window.doc.read_only and window.doc.path == SEVENOAKS
    assert "(bundled template)" in window.windowTitle()
    assert window.template_banner.isVisibleTo(window) and "bundled scenario" in window.template_banner.text.text()
    window.doc.set_value(REFUSAL, 0.2)
    asked, answer = save_dialog
    answer[0] = str(documents / "my-sevenoaks")
    assert window.documents.save()  # Ctrl+S
    assert asked == [("Save a copy of the template as", str(documents / "sevenoaks-2014.toml"))]
    mine = documents / "my-sevenoaks.toml"
    assert tomllib.loads(mine.read_text(encoding="utf-8"))["engagement"]["refusal_probability"] == 0.2
    assert "# 13% refused support (Sevenoaks briefing 2014)" in mine.read_text(encoding="utf-8")
    assert SEVENOAKS.read_bytes() == before
    assert not window.doc.read_only and window.doc.path == mine
    assert "(bundled template)" not in window.windowTitle() and not window.template_banner.isVisibleTo(window)
    window.doc.set_value(REFUSAL, 0.25)
    assert window.documents.save() and len(asked) == 1  # now the user's own file: saved in place
    assert tomllib.loads(mine.read_text(encoding="utf-8"))["engagement"]["refusal_probability"] == 0.25


def test_the_suggested_name_is_free_and_the_bundled_folder_is_refused(window, documents, save_dialog,
                                                                      no_modal_dialogs):
    (documents / "sevenoaks-2014.toml").write_text("taken", encoding="utf-8")
    before = SEVENOAKS.read_bytes()
    asked, answer = save_dialog
    answer[0] = str(SEVENOAKS)
    window.doc.set_value(REFUSAL, 0.2)
    assert not window.documents.save()
    assert asked[0][1] == str(documents / "sevenoaks-2014-2.toml")
    assert any("bundled scenarios" in text for text in no_modal_dialogs)
    assert SEVENOAKS.read_bytes() == before and window.doc.read_only
    assert not window.documents.save_to(SEVENOAKS)  # nor by any other way in
    assert SEVENOAKS.read_bytes() == before


def test_new_from_a_bundled_scenario_lists_every_one_and_is_untitled(window, documents, save_dialog):
    names = [a.text() for a in window.new_menu.actions()]
    assert names == bundled_names() and len(names) >= 9
    window.new_menu.actions()[names.index("maidstone-2013")].trigger()
    assert window.doc.path is None and not window.doc.read_only
    assert window.doc.data["name"] == "Maidstone 2013"
    asked, answer = save_dialog
    assert not window.documents.save()
    assert asked[0][1] == str(documents / "Maidstone 2013.toml")


def test_gui_with_no_argument_opens_the_default_from_the_package(qtbot):
    win = gui_app.build_window(parse_gui_args([]))
    qtbot.addWidget(win)
    assert win.doc.path == SEVENOAKS and win.doc.read_only
    other = gui_app.build_window(parse_gui_args(["kent-sevenoaks-2012"]))  # a bundled name, from any folder
    qtbot.addWidget(other)
    assert other.doc.path == bundled_path("kent-sevenoaks-2012")
    for w in (win, other):
        w.doc.undo_stack.setClean()
        w.close()


# ---- the note beside each value -------------------------------------------------------------


def test_the_note_beside_a_value_is_shown_edited_saved_and_undone(window, tmp_path, qtbot):
    copy = tmp_path / "mine.toml"
    shutil.copy(SEVENOAKS, copy)
    window.documents.open_file(copy)
    form = window.form
    note = form.editors[REFUSAL + ("#note",)]
    assert note.text.text() == "13% refused support (Sevenoaks briefing 2014)" and note.tag.text() == "source"
    assumption = form.editors[("engagement", "disengagement_hazard_per_month", "#note")]
    assert assumption.tag.text() == "ASSUMPTION"
    needs = form.editors[("families", "needs", "#note")] if ("families", "needs", "#note") in form.editors else None
    assert needs is None  # tables keep their notes in the file (shown in the report), not under each row
    warm_up = form.editors[("warm_up_months", "#note")]
    assert not warm_up.isVisibleTo(window)  # not in the file: tfsim's default, nothing to source
    note.start_edit()
    assert note.edit.text() == "13% refused support (Sevenoaks briefing 2014)"
    assert note.edit.selectedText() == note.edit.text() and note.edit.cursorPosition() == 0  # its beginning in view
    note.edit.setText("ASSUMPTION: 20% as in Maidstone")
    note.edit.editingFinished.emit()
    assert note.tag.text() == "ASSUMPTION" and note.text.text() == "ASSUMPTION: 20% as in Maidstone"
    assert window.doc.modified
    assert window.documents.save()
    line = next(x for x in copy.read_text(encoding="utf-8").splitlines() if x.startswith("refusal_probability"))
    assert line.endswith("# ASSUMPTION: 20% as in Maidstone")
    window.doc.undo_stack.undo()
    assert note.text.text() == "13% refused support (Sevenoaks briefing 2014)"
    assert window.documents.save()
    assert "# 13% refused support (Sevenoaks briefing 2014)" in copy.read_text(encoding="utf-8")


FIP_CAP = '"a caseload of approximately five cases" (Sevenoaks minutes 2012)'
LIGHT_CAP = "ASSUMPTION: between FIP (5) and lighter key working (12 to 17, source not traced)"


def cap_note(form, role: int) -> str:
    return form.editors[("roles", role, "caseload_cap_per_fte", "#note")].text.text()


def test_notes_follow_their_role_when_a_role_before_it_is_removed(window, tmp_path):
    copy = tmp_path / "mine.toml"
    shutil.copy(SEVENOAKS, copy)
    window.documents.open_file(copy)
    form = window.form
    roles = form.editors[("roles",)]
    roles.tabs.setCurrentIndex(0)
    roles.remove()  # the FIP; FIP Light is now role 0
    assert cap_note(form, 0) == LIGHT_CAP
    window.doc.undo_stack.undo()
    assert cap_note(form, 0) == FIP_CAP and cap_note(form, 1) == LIGHT_CAP
    window.doc.undo_stack.redo()
    assert cap_note(form, 0) == LIGHT_CAP
    assert window.documents.save()
    text = copy.read_text(encoding="utf-8")
    assert FIP_CAP not in text and f"caseload_cap_per_fte = 8                 # {LIGHT_CAP}" in text
    assert text.count("[[roles]]") == 3
    assert "\n\n# ---- Allocation: who may take a family" in text  # the next section's heading stays after the roles


def test_notes_follow_their_role_when_it_is_moved_or_one_is_added(window, tmp_path):
    form = window.form
    roles = form.editors[("roles",)]
    roles.tabs.setCurrentIndex(0)
    roles.move(1)  # the FIP after FIP Light
    assert cap_note(form, 0) == LIGHT_CAP and cap_note(form, 1) == FIP_CAP
    roles.add()  # a copy of the FIP, at the end: a new row, with no notes of its own yet
    assert len(window.doc.data["roles"]) == 5 and cap_note(form, 1) == FIP_CAP
    new_note = form.editors[("roles", 4, "caseload_cap_per_fte", "#note")]
    assert new_note.button.text() == "Add note"
    for _ in range(2):
        window.doc.undo_stack.undo()
    assert cap_note(form, 0) == FIP_CAP and cap_note(form, 1) == LIGHT_CAP
    saved = tmp_path / "moved.toml"
    window.doc.undo_stack.redo()
    assert window.documents.save_to(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.index(LIGHT_CAP) < text.index(FIP_CAP) and text.index('id = "fip_light"') < text.index('id = "fip"')
    assert tomllib.loads(text)["roles"] == window.doc.data["roles"]


def test_a_plan_row_keeps_its_label_and_comment_when_a_row_above_it_is_removed(window, tmp_path):
    form = window.form
    plan = form.editors[("staffing_plan",)]
    before = [row["label"] for row in window.doc.data["staffing_plan"]]
    plan.table.selectRow(0)
    plan.remove_row()
    assert [row["label"] for row in window.doc.data["staffing_plan"]] == before[1:]
    saved = tmp_path / "plan.toml"
    assert window.documents.save_to(saved)
    text = saved.read_text(encoding="utf-8")
    assert tomllib.loads(text)["staffing_plan"] == window.doc.data["staffing_plan"]
    assert "# Funded posts: FIP one full-time" in text  # the plan's own note, above its first row, stays


# ---- Compare with file and the baseline's differences -----------------------------------------


def test_compare_with_file_lists_the_differences_in_words(window, tmp_path):
    dialog = compare_with_file(window, bundled_path("kent-sevenoaks-2012"))
    assert dialog is not None and dialog.isVisible()
    assert len(dialog.differences) == 60
    html = dialog.view.toHtml()
    assert "Referrals" in html and "Rates: added from 1 Oct 2012, 5 a month" in html
    text = dialog.text()
    assert text.startswith("kent-sevenoaks-2012 (bundled) \u2192 this scenario: 60 differences")
    assert "Workforce: turnover 16% \u2192 0% a year" in text
    rows = list(csv.DictReader(dialog.save_csv(tmp_path / "d.csv").open(encoding="utf-8")))
    assert len(rows) == 60 and rows[0]["section"] == "Scenario"
    assert dialog.baseline_button is not None
    dialog.close()


def test_compare_with_file_gives_the_same_list_as_tfsim_diff(window, tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    text = SEVENOAKS.read_text(encoding="utf-8").replace("caseload_cap_per_fte = 5 ", "caseload_cap_per_fte = 6 ", 1)
    mine.write_text(text.replace("refusal_probability = 0.13", "refusal_probability = 0.2"), encoding="utf-8")
    window.documents.open_file(mine)
    for other in (bundled_path("kent-sevenoaks-2012"), bundled_path("maidstone-2013")):
        dialog = compare_with_file(window, other)
        assert cli.main(["diff", other.stem, str(mine)]) == 0
        printed = capsys.readouterr().out.splitlines()
        shown = dialog.text().splitlines()
        assert shown[1:] == printed[1:] and len(shown) > 20  # the same sentences, in the same groups
        assert printed[0].replace(str(mine), "this scenario").replace(other.stem, f"{other.stem} (bundled)") == shown[0]
        assert [d.sentence for d in dialog.view.differences] == [line for line in printed[1:] if line]
        dialog.close()


def test_a_file_of_ones_own_opened_after_a_template_is_saved_in_place(window, tmp_path, save_dialog):
    assert window.doc.read_only  # the bundled default
    mine = tmp_path / "mine.toml"
    shutil.copy(SEVENOAKS, mine)
    assert window.documents.open_file(mine)
    assert not window.doc.read_only and not window.template_banner.isVisibleTo(window)
    window.doc.set_value(REFUSAL, 0.3)
    assert window.documents.save() and save_dialog[0] == []  # no dialog: saved where it is
    assert tomllib.loads(mine.read_text(encoding="utf-8"))["engagement"]["refusal_probability"] == 0.3
    assert window.documents.open_file(bundled_path("maidstone-2013"))
    assert window.doc.read_only and window.template_banner.isVisibleTo(window)


def test_compare_with_an_invalid_file_says_why(window, tmp_path, no_modal_dialogs):
    bad = tmp_path / "bad.toml"
    bad.write_text(SEVENOAKS.read_text(encoding="utf-8").replace("refusal_probability = 0.13", "refusal_probability = 2"),
                   encoding="utf-8")
    assert compare_with_file(window, bad) is None
    assert any("engagement.refusal_probability" in text for text in no_modal_dialogs)


def test_the_pinned_baselines_differences_are_listed_over_the_results(window, qtbot):
    run_and_wait(qtbot, window)
    assert not window.baseline_changes.isVisibleTo(window)
    window.pin_baseline()
    assert window.baseline_changes.isVisibleTo(window)
    assert window.baseline_changes.toggle.text() == "No input differs from the baseline"
    window.doc.set_value(("roles", 0, "caseload_cap_per_fte"), 6)
    run_and_wait(qtbot, window)
    changes = window.baseline_changes
    assert [d.sentence for d in changes.differences] == [
        "Roles \u25b8 Family Intervention Practitioner (KCA): caseload cap 5 \u2192 6 families per FTE"]
    assert changes.toggle.text().startswith("1 input differs from the baseline: Roles")
    changes.toggle.setChecked(True)
    assert changes.view.isVisibleTo(window) and "caseload cap 5" in changes.view.toPlainText()
    changes.toggle.setChecked(False)
    wide = window.minimumSizeHint().width()
    window.doc.set_value(("workforce", "turnover_per_year"), 0.16)
    window.doc.set_value(("engagement", "refusal_probability"), 0.2)
    run_and_wait(qtbot, window)
    assert len(changes.differences) == 3
    folded = changes.toggle.text()  # folded: the differences themselves, cut to the panel's width
    assert folded.startswith("3 inputs differ from the baseline (show): Engagement: refusal probability 13% \u2192 20%")
    assert changes.toggle.fontMetrics().horizontalAdvance(folded) <= changes.width()
    assert window.minimumSizeHint().width() == wide  # a long line never widens the window
    assert "Workforce: turnover 0% \u2192 16% a year" in changes.toggle.toolTip()
    window.session.clear_baseline()
    assert not changes.isVisibleTo(window)


@pytest.mark.skipif(sys.platform == "win32", reason="file modes")
def test_saving_a_new_file_from_a_template_keeps_its_comments(window, documents, save_dialog):
    window.new_menu.actions()[bundled_names().index("sevenoaks-2014")].trigger()
    asked, answer = save_dialog
    answer[0] = str(documents / "new.toml")
    assert window.documents.save()
    assert "# 13% refused support (Sevenoaks briefing 2014)" in (documents / "new.toml").read_text(encoding="utf-8")
