"""The app's message boxes (tests replace ``QMessageBox.exec`` and ``QMessageBox.warning``)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


def ask_unsaved(parent, name: str):
    """Save / Discard / Cancel."""
    return QMessageBox.warning(
        parent, "Unsaved changes",
        f"'{name}' has changes that are not saved.\n\nSave them before continuing?",
        QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)


def show_error(parent, title: str, reason: str, details: str = "") -> None:
    box = QMessageBox(QMessageBox.Critical, title, reason, QMessageBox.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()
