"""The editor's rows and fields as a manager uses them: lists to pick names from, Add, Undo keys, the target."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from tfsim.scenario.bundled import bundled_scenarios_dir
from tfsim.ui.editors import PanelListEditor, TableEditor
from tfsim.ui.editors.table import ChoiceBox
from tfsim.ui.state import MISSING

MAIDSTONE = bundled_scenarios_dir() / "maidstone-2013.toml"  # sets no target


def problems(window) -> list[tuple[str, str]]:
    return [(p.key, p.message) for p in window.check().problems]


def column_of(editor: TableEditor, key: str) -> int:
    return [c.key for c in editor.columns].index(key)


def test_the_staffing_plans_role_and_action_are_picked_from_lists(window, qtbot):
    plan = window.form.editors[("staffing_plan",)]
    role_col, action_col = column_of(plan, "role"), column_of(plan, "action")
    role_box, action_box = plan.boxes[(0, role_col)], plan.boxes[(0, action_col)]
    assert isinstance(role_box, ChoiceBox) and isinstance(action_box, ChoiceBox)
    role_ids = [r["id"] for r in window.doc.data["roles"]]
    assert [role_box.itemData(i) for i in range(role_box.count())] == role_ids
    assert [action_box.itemData(i) for i in range(action_box.count())] == ["start", "leave", "secondment",
                                                                           "establishment"]
    names = {r["id"]: r.get("name", "") for r in window.doc.data["roles"]}
    assert role_box.itemData(0, Qt.ToolTipRole) == names[role_ids[0]]  # the role's name beside its id
    assert action_box.itemData(0, Qt.ToolTipRole).startswith("a planned starter")
    # choosing from the list writes the id, as one undoable edit
    old = window.doc.data["staffing_plan"][0]["role"]
    other = next(i for i in role_ids if i != old)
    role_box.setCurrentIndex(role_ids.index(other))
    role_box.activated.emit(role_ids.index(other))
    assert window.doc.data["staffing_plan"][0]["role"] == other
    window.doc.undo_stack.undo()
    assert window.doc.data["staffing_plan"][0]["role"] == old and role_box.currentData() == old
    # a role renamed on the Roles page is offered under its new id; the row's old id is kept and flagged
    window.doc.set_value(("roles", role_ids.index(old), "id"), "renamed")
    assert role_box.itemData(0) == old and "no such role" in role_box.itemText(0)
    assert "renamed" in [role_box.itemData(i) for i in range(role_box.count())]
    assert any(k == "staffing_plan.0.role" for k, _ in problems(window))
    assert "D55E00" in role_box.styleSheet()  # the list is marked, as a typed cell would be
    window.doc.undo_stack.undo()
    assert "D55E00" not in role_box.styleSheet()


def test_a_freezes_roles_and_a_keyed_tables_names_are_lists_too(window):
    salary = window.form.editors[("money", "costs", "salary_gbp")]
    assert (0, 0) in salary.boxes and salary.columns[0].header == "Role"
    years = window.form.editors[("money", "attachment_share_by_year")]
    assert years.columns[0].header == "Financial year"
    box = years.boxes[(0, 0)]
    assert [box.itemData(i) for i in range(box.count())] == ["2012", "2013", "2014"]  # April 2012 to March 2015
    frozen = window.form.editors[("recruitment_freezes", 0, "roles")]
    assert frozen.columns[0].refers_to == "roles"


def test_add_makes_a_row_that_is_valid_at_once_in_every_table(window, qtbot):
    assert problems(window) == []
    stack = window.doc.undo_stack
    added = 0
    for path in list(window.form.editors):
        editor = window.form.editors.get(path)
        if isinstance(editor, TableEditor):
            before = stack.index()
            if editor.add_row():
                added += 1
                assert problems(window) == [], path
                stack.undo()
            else:  # every name the rows may take has a row: nothing is added, and Add says why
                assert stack.index() == before and "already" in editor.full_message, path
        elif isinstance(editor, PanelListEditor):
            editor.add()
            assert problems(window) == [], path
            stack.undo()
    assert added >= 15
    plan = window.form.editors[("staffing_plan",)]
    rows = window.doc.data["staffing_plan"]
    plan.add_row()
    new = window.doc.data["staffing_plan"][-1]
    assert new["role"] == window.doc.data["roles"][0]["id"] and new["action"] == "start"
    assert new.get("label", "") == "" and window.doc.data["start_date"] <= new["date"] <= window.doc.data["end_date"]
    assert new["date"] >= max(r["date"] for r in rows)
    # a table in date order stays in order: the new rate starts after the last one
    rates = window.form.editors[("referrals", "rates")]
    rates.add_row()
    starts = [r["start"] for r in window.doc.data["referrals"]["rates"]]
    assert starts == sorted(set(starts)) and problems(window) == []


def test_undo_keys_in_a_text_field_undo_the_scenario_and_clear_the_modified_mark(window, qtbot):
    window.show()
    name = window.form.editors[("name",)].w
    saved = window.doc.data["name"]
    window.activateWindow()
    name.setFocus()
    qtbot.waitUntil(name.hasFocus)
    qtbot.keyClick(name, Qt.Key_End)
    qtbot.keyClicks(name, " draft")
    assert window.doc.data["name"] == saved + " draft" and window.isWindowModified()
    qtbot.keyClick(name, Qt.Key_Z, Qt.ControlModifier)
    assert name.text() == saved and window.doc.data["name"] == saved
    assert not window.doc.modified and not window.isWindowModified()
    qtbot.keyClick(name, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert name.text() == saved + " draft" and window.doc.data["name"] == saved + " draft"
    assert window.isWindowModified()
    # typed back to the saved text by hand: not modified either
    for _ in " draft":
        qtbot.keyClick(name, Qt.Key_Backspace)
    assert name.text() == saved and not window.isWindowModified()
    # a number field's keys work the same way
    refusal = window.form.editors[("engagement", "refusal_probability")].w
    refusal.setFocus()
    refusal.selectAll()
    qtbot.keyClicks(refusal, "0.5")
    assert window.isWindowModified()
    qtbot.keyClick(refusal, Qt.Key_Z, Qt.ControlModifier)
    assert not window.isWindowModified()


def test_a_target_is_added_whole_and_removed_in_one_undoable_step(window, qtbot):
    assert window.documents.open_file(MAIDSTONE, check_unsaved=False)
    target = window.form.editors[("money", "target")]
    deadline = window.form.editors[("money", "target", "deadline")]
    assert not target.present and target.add_button.isVisibleTo(target) and not target.page.isVisibleTo(target)
    assert "No target" in target.absent.text()
    assert deadline.w.text() == "not set"  # not 1 Jan 2000
    target.add_button.click()
    made = window.doc.data["money"]["target"]
    cohort = sum(batch["families"] for batch in window.doc.data["referrals"]["cohort"])
    assert made["deadline"] == window.doc.data["end_date"] and made["families"] == cohort  # the whole cohort
    assert problems(window) == [] and target.page.isVisibleTo(target)
    assert deadline.w.text() == f"{made['deadline']:%-d %b %Y}"
    target.remove_button.click()
    assert "target" not in window.doc.data["money"] and not target.page.isVisibleTo(target)
    window.doc.undo_stack.undo()
    assert window.doc.data["money"]["target"] == made
    window.doc.undo_stack.undo()
    assert "target" not in window.doc.data["money"] and not window.doc.modified


def test_an_unset_date_reads_not_set_and_an_optional_one_can_be_cleared(window, qtbot):
    window.doc.set_value(("money", "target", "deadline"), MISSING)
    deadline = window.form.editors[("money", "target", "deadline")]
    assert deadline.w.text() == "not set"
    assert any(k == "money.target.deadline" for k, _ in problems(window))  # required: reported, not invented
    window.doc.undo_stack.undo()
    assert deadline.w.date().year() == window.doc.data["money"]["target"]["deadline"].year
    window.doc.set_value(("money", "data_matching", "start"), dt.date(2013, 1, 1))
    start = window.form.editors[("money", "data_matching", "start")]
    assert start.w.text() == "1 Jan 2013"


    start.w.clear_date()
    assert "start" not in window.doc.data["money"]["data_matching"] and start.w.text() == "not set"




def test_choosing_an_action_fills_in_what_it_needs_and_drops_what_it_does_not(window):
    plan = window.form.editors[("staffing_plan",)]
    assert plan.add_row()
    r = plan.table.rowCount() - 1
    action = plan.boxes[(r, column_of(plan, "action"))]
    for name in ("secondment", "establishment", "leave"):
        i = action.findData(name)
        action.setCurrentIndex(i)
        action.activated.emit(i)
        row = window.doc.data["staffing_plan"][r]
        assert row["action"] == name and problems(window) == [], (name, row)
    assert "until" not in row and "establishment_change_fte" not in row


def test_the_wheel_scrolls_past_a_list_it_does_not_have_the_focus_of(window, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    plan = window.form.editors[("staffing_plan",)]
    box = plan.boxes[(0, column_of(plan, "action"))]
    before = box.currentIndex()
    wheel = QWheelEvent(QPointF(5, 5), QPointF(5, 5), QPoint(0, 0), QPoint(0, -120), Qt.NoButton, Qt.NoModifier,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(box, wheel)
    assert box.currentIndex() == before and window.doc.data["staffing_plan"][0]["action"] == "start"


def test_none_handed_back_by_qt_never_runs_out():
    import sys

    from PySide6.QtWidgets import QTableWidget

    table = QTableWidget(2, 2)
    for _ in range(20_000):  # each costs PySide6 6.12 a reference to None on Python 3.11
        table.cellWidget(0, 0)
    assert sys.getrefcount(None) > 1_000_000
