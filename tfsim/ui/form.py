"""The scenario editor, generated from the pydantic schema (the single source of truth).

Nothing here names a scenario field: the form walks the schema through
:func:`tfsim.scenario.introspect.fields` and picks an editor from each key's kind:

* a sub-table (a model)            -> a group of fields (a section at the top level)
* a distribution                   -> a kind selector plus its parameters
* a list of flat tables            -> an editable table with add/remove/reorder
* a list of nested tables (roles)  -> one panel per item with add/remove/reorder
* a list of numbers                -> a one-column table
* a table of numbers / of lists / of flat tables -> a key + value(s) table (a list naming roles is
  ticked and ordered under the table, not typed)
* choice (Literal), date, number, text, yes/no -> the matching widget

Each editor is bound to a key path; edits go to :class:`ScenarioDocument` (with undo)
and editors refresh themselves from the data.  Problems are shown at the editor whose
path is the longest prefix of the problem's path.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tfsim.scenario import schema as S
from tfsim.scenario.introspect import MISSING, SCALAR_KINDS, TABLE_KINDS, FieldSpec, Kind, fields

from .editors import (
    DistributionEditor,
    Editor,
    PanelListEditor,
    ScalarEditor,
    SectionEditor,
    TableEditor,
    section_intro,
    tooltip_for,
)
from .editors.base import PROBLEM_COLOUR
from .editors.section import OptionalSection
from .notes import NoteBook, NoteField
from .state import ScenarioDocument

NAV_WIDTH = 136  # pixels
#: Keys that name things rather than set figures: no note under them.
NO_NOTE = frozenset({"name", "description", "id"})


def is_row(spec: FieldSpec) -> bool:
    """True for a key edited on one row of a form (a value or a distribution)."""
    return spec.kind in SCALAR_KINDS or spec.kind == Kind.DISTRIBUTION


class ScenarioForm(QWidget):
    """Sections of grouped fields generated from ``Scenario`` (or any model)."""

    def __init__(self, doc: ScenarioDocument, model: type[BaseModel] = S.Scenario, parent=None):
        super().__init__(parent)
        self.doc, self.model = doc, model
        self.refreshing = False
        self.editors: dict[tuple, Editor] = {}
        self.notebook = NoteBook(doc, self)  # the note beside each value, read from the file
        self.sections: dict[tuple, int] = {}  # top-level key -> tab index
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        # Sections are listed down the left, all visible at once: a tab strip this narrow
        # hid Roles, Workforce and Money behind scroll arrows.  The tab widget stays (its
        # bar hidden) as the page stack, so problems and focus work through one index.
        self.nav = QListWidget()
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.nav.setToolTip("Parts of the scenario: click one to edit it. Parts with problems are shown in orange.")
        self.tabs = QTabWidget()
        self.tabs.tabBar().hide()
        lay.addWidget(self.nav)
        lay.addWidget(self.tabs, 1)
        self._build_top()
        for i in range(self.tabs.count()):
            self.nav.addItem(self.tabs.tabText(i))
        self.nav.setCurrentRow(0)
        self.nav.currentRowChanged.connect(self.tabs.setCurrentIndex)
        self.tabs.currentChanged.connect(self.nav.setCurrentRow)
        doc.changed.connect(self._on_changed)
        self.refresh()

    # ---- building -------------------------------------------------------------------

    def _scroll(self, inner: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.NoFrame)
        area.setWidget(inner)
        return area

    def _build_top(self) -> None:
        """A General section for the top-level values, then one section per table."""
        general = QWidget()
        general_lay = QVBoxLayout(general)
        general_form = QFormLayout()
        general_form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        general_lay.addLayout(general_form)
        general_lay.addStretch(1)
        self.tabs.addTab(self._scroll(general), "General")
        for spec in fields(self.model):
            key = spec.key
            if is_row(spec):
                if key == "schema_version":
                    continue
                self._add_row(general_form, (key,), spec)
                self.sections[(key,)] = 0
                continue
            page = QWidget()
            page_lay = QVBoxLayout(page)
            intro = QLabel(section_intro(spec.help, spec.model_doc))
            intro.setWordWrap(True)
            intro.setStyleSheet("color: #333;")
            page_lay.addWidget(intro)
            page_lay.addWidget(self.build_editor((key,), spec))
            page_lay.addStretch(1)
            self.tabs.addTab(self._scroll(page), spec.title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, tooltip_for(spec))
            self.sections[(key,)] = self.tabs.count() - 1

    def _add_row(self, form: QFormLayout, path: tuple, spec: FieldSpec) -> None:
        editor = self.build_editor(path, spec, spec.default_value())
        label = QLabel(spec.label + (" *" if spec.required else ""))
        label.setToolTip(tooltip_for(spec))
        label.setBuddy(editor.problem_widget())
        form.addRow(label, editor)
        if spec.key not in NO_NOTE:  # the value's source, under it (tfsim.ui.notes)
            note = NoteField(self, path, form)
            self.editors[note.path] = note
            form.addRow(note)  # the whole width: a source is often a sentence

    def build_editor(self, path: tuple, spec: FieldSpec, default: Any = MISSING) -> QWidget:
        """The editor of the key ``spec`` at ``path``, registered for refresh and problems."""
        if spec.kind in SCALAR_KINDS:
            ed = ScalarEditor(self, path, spec)
        elif spec.kind == Kind.DISTRIBUTION:
            ed = DistributionEditor(self, path, spec, default)
        elif spec.kind in TABLE_KINDS:
            ed = TableEditor(self, path, spec)
        elif spec.kind == Kind.LIST_PANELS:
            ed = PanelListEditor(self, path, spec)
        elif spec.kind == Kind.MODEL:
            ed = SectionEditor("", path, tooltip_for(spec))
            ed.setFlat(True)
            ed.setLayout(QVBoxLayout())
            ed.layout().setContentsMargins(0, 0, 0, 0)
            ed.layout().addWidget(self.build_model_page(spec.detail, path))
        else:  # pragma: no cover
            ed = ScalarEditor(self, path, spec, Kind.TEXT)
        self.editors[path] = ed
        return ed

    def build_model_page(self, model: type[BaseModel], path: tuple) -> QWidget:
        """Fields of a sub-table: simple keys in a form, tables and sub-tables in boxes."""
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 4, 4, 4)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        # a long label ("Employment unsupported probability") puts its field on the next
        # line rather than pushing the field and its unit out of the narrow panel
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        lay.addLayout(form)
        for spec in fields(model):
            at = path + (spec.key,)
            if is_row(spec):
                self._add_row(form, at, spec)
                continue
            unit = f" ({spec.unit})" if spec.unit else ""
            if spec.kind == Kind.MODEL and spec.optional and any(s.required for s in fields(spec.detail)):
                # a table left out or set whole, never half made (the target)
                box = OptionalSection(self, spec.title + unit, at, tooltip_for(spec), spec.detail,
                                      self.build_model_page(spec.detail, at), spec.help)
                self.editors[at] = box
                lay.addWidget(box)
                continue
            box = SectionEditor(spec.title + unit, at, tooltip_for(spec))
            box_lay = QVBoxLayout(box)
            help_label = QLabel(spec.help)
            help_label.setWordWrap(True)
            help_label.setStyleSheet("color: #333;")
            box_lay.addWidget(help_label)
            if spec.kind == Kind.MODEL:
                box_lay.addWidget(self.build_model_page(spec.detail, at))
                self.editors[at] = box
            else:
                box_lay.addWidget(self.build_editor(at, spec))
            lay.addWidget(box)
        return page

    def forget(self, prefix: tuple, keep_self: bool = False) -> None:
        """Drop the editors at and below ``prefix`` (their widgets are being rebuilt)."""
        for p in list(self.editors):
            if p[: len(prefix)] == prefix and not (keep_self and p == prefix):
                del self.editors[p]

    # ---- state -> widgets ------------------------------------------------------------

    def _on_changed(self, _path: tuple) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.refreshing = True
        try:
            # outer editors first: panels may (re)build the editors below them
            done: set = set()
            while True:
                pending = [p for p in sorted(self.editors, key=len) if p not in done]
                if not pending:
                    break
                for path in pending:
                    done.add(path)
                    ed = self.editors.get(path)
                    if ed is not None:
                        ed.refresh()
        finally:
            self.refreshing = False

    # ---- problems ---------------------------------------------------------------------

    def locate(self, path: tuple) -> tuple[tuple, Editor | None]:
        """The editor for a problem path: the longest registered prefix."""
        for n in range(len(path), -1, -1):
            ed = self.editors.get(tuple(path[:n]))
            if ed is not None:
                return tuple(path[:n]), ed
        return (), None

    def show_problems(self, problems: list) -> None:
        grouped: dict[tuple, list] = {}
        for p in problems:
            at, ed = self.locate(tuple(p.path))
            if ed is not None:
                grouped.setdefault(at, []).append((tuple(p.path)[len(at):], p.message))
        for path, ed in list(self.editors.items()):
            ed.show_problems(grouped.get(path, []))
        bad = set()
        for p in problems:
            idx = self.sections.get(tuple(p.path[:1]), 0 if p.path else None)
            if idx is not None:
                bad.add(idx)
        for i in range(self.tabs.count()):
            colour = QColor(PROBLEM_COLOUR) if i in bad else QColor()
            self.tabs.tabBar().setTabTextColor(i, colour)
            item = self.nav.item(i)
            if item is not None:
                item.setForeground(colour)
                font = item.font()
                font.setBold(i in bad)
                item.setFont(font)

    def focus_problem(self, path: tuple) -> QWidget | None:
        """Show the section of ``path`` and focus its editor; returns the focused widget."""
        path = tuple(path)
        self.tabs.setCurrentIndex(self.sections.get(path[:1], 0))
        # open nested panels (e.g. the right role) on the way down
        for n in range(1, len(path) + 1):
            ed = self.editors.get(path[:n])
            if isinstance(ed, PanelListEditor):
                ed.focus(path[n:])
        at, ed = self.locate(path)
        if ed is None:
            return None
        ed.focus(path[len(at):])
        w = ed.problem_widget()
        parent = w.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(w)
        return w
