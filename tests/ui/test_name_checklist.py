"""The allocation's roles are ticked and ordered from the scenario's roles, not typed.

Each intensity level's list of roles (tried in order) is edited under the allocation table:
every role the scenario defines is offered, the chosen ones ticked and numbered first.
Ticking, unticking and moving are single undoable edits that clear the window's modified
mark when undone back to the saved state, and the comments beside the allocation's lines
stay where they are when the scenario is saved.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from tfsim.ui.editors import TableEditor
from tfsim.ui.editors.checklist import NameChecklist

from app_helpers import SEVENOAKS

# Sevenoaks: high = ["fip", "fip_light"], medium = ["fip_light", "fsw", "lead_worker"], low = ["fsw", "lead_worker"]
ROLES = ["fip", "fip_light", "fsw", "lead_worker"]


def _picker(window) -> tuple[TableEditor, NameChecklist]:
    table = window.form.editors[("allocation",)]
    assert isinstance(table, TableEditor) and isinstance(table.picker, NameChecklist)
    return table, table.picker


def _listed(picker: NameChecklist) -> list[tuple[str, bool]]:
    items = [picker.names.item(i) for i in range(picker.names.count())]
    return [(it.data(Qt.UserRole), it.checkState() == Qt.Checked) for it in items]


def _tick(picker: NameChecklist, role: str, on: bool = True) -> None:
    item = next(picker.names.item(i) for i in range(picker.names.count())
                if picker.names.item(i).data(Qt.UserRole) == role)
    item.setCheckState(Qt.Checked if on else Qt.Unchecked)  # as a click on its box does


def _problems(window) -> list[tuple[str, str]]:
    return [(p.key, p.message) for p in window.check().problems]


def test_the_roles_of_a_level_are_offered_from_the_scenario_and_never_typed(window):
    table, picker = _picker(window)
    value_column = [c.key for c in table.columns].index("__value__")
    assert not table.table.item(0, value_column).flags() & Qt.ItemIsEditable  # no typing in the cell
    assert table.table.item(0, value_column).text() == "fip, fip_light"
    # the first level's roles ticked, numbered in order, then the scenario's other roles
    assert _listed(picker) == [("fip", True), ("fip_light", True), ("fsw", False), ("lead_worker", False)]
    assert picker.names.item(0).text().startswith("1. fip - Family Intervention Practitioner")  # the role's name
    assert picker.names.item(2).text().startswith("fsw - ")  # not chosen: no number
    assert "for high" in picker.heading.text()
    # another row: its own list
    table.table.setCurrentCell(2, value_column)
    assert _listed(picker) == [("fsw", True), ("lead_worker", True), ("fip", False), ("fip_light", False)]
    # clicking a level's own list in the table shows that level's roles too
    table.boxes[(1, 0)].focused.emit()
    assert table.table.currentRow() == 1 and "for medium" in picker.heading.text()
    # only the scenario's roles: a role added on the Roles page is offered, nothing else is
    window.doc.set_value(("roles", 3, "id"), "outreach")
    offered = {role for role, _ in _listed(picker)}
    assert offered == {"fip", "fip_light", "fsw", "outreach", "lead_worker"}  # medium's old id kept, marked


def test_ticking_unticking_and_moving_are_undoable_edits_that_keep_the_modified_mark_right(window, qtbot):
    table, picker = _picker(window)
    doc, stack = window.doc, window.doc.undo_stack
    assert not doc.modified
    _tick(picker, "fsw")  # added at the end of the order
    assert doc.data["allocation"]["high"] == ["fip", "fip_light", "fsw"]
    assert window.isWindowModified() and stack.count() == 1
    assert _listed(picker)[:3] == [("fip", True), ("fip_light", True), ("fsw", True)]
    assert picker.names.item(2).text().startswith("3. fsw")
    picker.names.setCurrentRow(2)
    picker.up.click()  # tried before FIP Light now
    assert doc.data["allocation"]["high"] == ["fip", "fsw", "fip_light"]
    assert picker.names.currentRow() == 1  # the moved role stays selected: Up again moves it on
    picker.up.click()
    assert doc.data["allocation"]["high"] == ["fsw", "fip", "fip_light"]
    assert not picker.up.isEnabled() and picker.down.isEnabled()
    _tick(picker, "fip", on=False)
    assert doc.data["allocation"]["high"] == ["fsw", "fip_light"]
    assert [t for t in (stack.text(i) for i in range(stack.count()))] == [
        "Choose the roles of high", "Reorder the roles of high", "Reorder the roles of high",
        "Choose the roles of high"]
    for _ in range(4):
        stack.undo()
    assert doc.data["allocation"]["high"] == ["fip", "fip_light"]
    assert not doc.modified and not window.isWindowModified()
    assert _listed(picker)[:2] == [("fip", True), ("fip_light", True)]
    stack.redo()
    assert doc.data["allocation"]["high"] == ["fip", "fip_light", "fsw"] and window.isWindowModified()
    assert table.table.item(0, 1).text() == "fip, fip_light, fsw"
    assert _problems(window) == []
    # the keyboard: Space ticks the selected role
    picker.names.setCurrentRow(3)
    qtbot.keyClick(picker.names, Qt.Key_Space)
    assert doc.data["allocation"]["high"] == ["fip", "fip_light", "fsw", "lead_worker"]


def test_a_level_with_no_role_and_a_role_no_longer_defined_are_shown_where_they_are_chosen(window):
    table, picker = _picker(window)
    for role in ("fip", "fip_light"):
        _tick(picker, role, on=False)
    assert window.doc.data["allocation"]["high"] == []
    assert ("allocation.high", "lists no role") in _problems(window)
    assert picker.note.isVisibleTo(picker) and "lists no role" in picker.note.text()
    window.doc.undo_stack.undo()
    window.doc.undo_stack.undo()
    assert not picker.note.isVisibleTo(picker)
    # a role renamed on the Roles page: the level keeps the old id, ticked and marked, until it is unticked
    window.doc.set_value(("roles", 0, "id"), "fip_new")
    first = picker.names.item(0)
    assert first.data(Qt.UserRole) == "fip" and first.checkState() == Qt.Checked
    assert "(no such role)" in first.text() and first.background().color().name() == "#f9d3c0"
    assert "fip_new" in [role for role, _ in _listed(picker)]
    assert any(key == "allocation.high.0" for key, _ in _problems(window))
    # going to the problem shows the level and its role
    table.table.setCurrentCell(2, 1)
    window.form.focus_problem(("allocation", "high", 0))
    assert "for high" in picker.heading.text() and picker.names.currentRow() == 0
    _tick(picker, "fip", on=False)
    _tick(picker, "fip_new")
    assert window.doc.data["allocation"]["high"] == ["fip_light", "fip_new"]
    assert not any(key.startswith("allocation.high") for key, _ in _problems(window))


def test_the_comments_beside_the_allocation_stay_when_its_roles_are_chosen_and_saved(window, tmp_path):
    text = SEVENOAKS.read_text(encoding="utf-8").replace(
        'high = ["fip", "fip_light"]', 'high = ["fip", "fip_light"]   # FIP first (Sevenoaks minutes 2012)')
    source = tmp_path / "noted.toml"
    source.write_text(text, encoding="utf-8")
    assert window.documents.open_file(source, check_unsaved=False)
    _table, picker = _picker(window)
    _tick(picker, "fsw")
    assert window.documents.save()
    saved = source.read_text(encoding="utf-8")
    assert 'high = ["fip", "fip_light", "fsw"]   # FIP first (Sevenoaks minutes 2012)' in saved
    assert saved.replace(', "fsw"]', "]", 1) == text  # nothing else in the file changed
    window.doc.undo_stack.undo()
    assert window.documents.save()
    assert source.read_text(encoding="utf-8") == text
