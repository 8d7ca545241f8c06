"""A list of nested tables (roles): one tab per item, with add, remove and reorder."""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from tfsim.scenario.introspect import FieldSpec, NewItemContext, humanise, new_item
from tfsim.scenario.rows import moved_order

from .base import PROBLEM_COLOUR, Editor, error_style, problem_tooltip, tooltip_for
from .section import SectionEditor

TAB_LABEL_CHARS = 24


class PanelListEditor(QWidget, Editor):
    """One tab per item, its page built by the form; the tab shows the item's name or id."""

    def __init__(self, form, path: tuple, spec: FieldSpec):
        super().__init__()
        self.form, self.path, self.model, self.title = form, path, spec.detail, spec.title
        self.base_tooltip = tooltip_for(spec)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setElideMode(Qt.ElideRight)
        self.tabs.setToolTip(self.base_tooltip)
        self.lay.addWidget(self.tabs)
        buttons = QHBoxLayout()
        item_noun = humanise(path[-1]).rstrip("s").lower() if isinstance(path[-1], str) else "item"
        for label, slot in ((f"Add {item_noun}", self.add), (f"Remove this {item_noun}", self.remove),
                            ("Move left", lambda: self.move(-1)), ("Move right", lambda: self.move(1))):
            b = QPushButton(label)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.lay.addLayout(buttons)
        self.count = -1

    def problem_widget(self) -> QWidget:
        return self.tabs

    def items(self) -> list:
        value = self.form.doc.get(self.path, [])
        return value if isinstance(value, list) else []

    def refresh(self) -> None:
        items = self.items()
        if len(items) != self.count:
            self._rebuild(len(items))
        for i, item in enumerate(items):
            label = str(item.get("name") or item.get("id") or "") if isinstance(item, dict) else ""
            short = label[:TAB_LABEL_CHARS] + ("..." if len(label) > TAB_LABEL_CHARS else "")
            self.tabs.setTabText(i, short or f"{i + 1}")
            self.tabs.setTabToolTip(i, label)

    def _rebuild(self, count: int) -> None:
        """One page per item; the editors of the old pages are forgotten first."""
        current = self.tabs.currentIndex()
        self.form.forget(self.path, keep_self=True)
        while self.tabs.count():
            w = self.tabs.widget(0)
            self.tabs.removeTab(0)
            w.deleteLater()
        for i in range(count):
            page = self.form.build_model_page(self.model, self.path + (i,))
            holder = SectionEditor("", self.path + (i,), self.base_tooltip)
            holder.setFlat(True)
            QVBoxLayout(holder).addWidget(page)
            holder.layout().setContentsMargins(0, 0, 0, 0)
            self.form.editors[self.path + (i,)] = holder
            self.tabs.addTab(holder, "")
        self.count = count
        self.tabs.setCurrentIndex(min(max(current, 0), self.count - 1))

    def add(self) -> None:
        items = copy.deepcopy(self.items())
        count = len(items)
        items.append(new_item(self.model, items[self.tabs.currentIndex()] if items else None, items,
                              NewItemContext.of(self.form.doc.data)))
        self.form.doc.set_value(self.path, items, text=f"Add to {self.title}", order=moved_order(count, added=1))
        self.tabs.setCurrentIndex(len(items) - 1)

    def remove(self) -> None:
        items = copy.deepcopy(self.items())
        i = self.tabs.currentIndex()
        if 0 <= i < len(items):
            order = moved_order(len(items), removed=i)
            del items[i]
            self.form.doc.set_value(self.path, items, text=f"Remove from {self.title}", order=order)

    def move(self, step: int) -> None:
        items = copy.deepcopy(self.items())
        i = self.tabs.currentIndex()
        j = i + step
        if 0 <= i < len(items) and 0 <= j < len(items):
            items[i], items[j] = items[j], items[i]
            self.form.doc.set_value(self.path, items, text=f"Reorder {self.title}",
                                    order=moved_order(len(items), swapped=(i, j)))
            self.tabs.setCurrentIndex(j)

    def show_problems(self, items: list[tuple[tuple, str]]) -> None:
        bad = {sub[0] for sub, _ in items if sub and isinstance(sub[0], int)}
        whole = [m for sub, m in items if not sub or not isinstance(sub[0], int)]
        bar = self.tabs.tabBar()
        for i in range(self.tabs.count()):
            bar.setTabTextColor(i, QColor(PROBLEM_COLOUR) if i in bad else QColor())
        self.tabs.setStyleSheet(error_style(self.tabs) if whole else "")
        self.tabs.setToolTip(problem_tooltip(self.base_tooltip, whole))

    def focus(self, subpath: tuple) -> None:
        if subpath and isinstance(subpath[0], int) and subpath[0] < self.tabs.count():
            self.tabs.setCurrentIndex(subpath[0])
        self.tabs.setFocus(Qt.OtherFocusReason)
