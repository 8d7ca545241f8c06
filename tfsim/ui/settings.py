"""What the app remembers between sessions: window geometry, runs, recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

MAX_RECENT = 8
DEFAULT_SIZE = (1366, 700)  # pixels, the first time the app opens (fits a 1366x768 laptop with its frame)
DEFAULT_REPLICATIONS = 100


def settings() -> QSettings:
    return QSettings(QSettings.IniFormat, QSettings.UserScope, "tfsim", "tfsim")


def restore_window(window, replications) -> None:
    """Geometry and the runs spin box as they were when the app last closed."""
    s = settings()
    geo = s.value("geometry")
    if geo is not None:
        window.restoreGeometry(geo)
    else:
        window.resize(*first_size(window))
    blocked = replications.blockSignals(True)  # restoring the number is not asking for it
    try:
        replications.setValue(int(s.value("replications", DEFAULT_REPLICATIONS)))
    except (TypeError, ValueError):
        pass
    finally:
        replications.blockSignals(blocked)


def first_size(window) -> tuple[int, int]:
    """The window's size the first time: :data:`DEFAULT_SIZE`, within the screen's free area less its frame.

    On a 1366x768 laptop the free area is about 1366x728 under a panel, and the title bar
    takes some 30 pixels more, so the window must be smaller than the screen to fit.
    """
    width, height = DEFAULT_SIZE
    screen = window.screen() if hasattr(window, "screen") else None
    if screen is not None:
        free = screen.availableGeometry()
        frame = 40  # title bar and borders, which the window's size does not include
        width = min(width, free.width() - 8)
        height = min(height, free.height() - frame)
    return width, height


def save_window(window, replications) -> None:
    s = settings()
    s.setValue("geometry", window.saveGeometry())
    s.setValue("replications", replications.value())


class RecentFiles(QObject):
    """The most recently opened or saved files, newest first."""

    changed = Signal()

    def files(self) -> list[str]:
        value = settings().value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add(self, path: Path) -> None:
        name = str(Path(path).resolve())
        files = [name] + [f for f in self.files() if f != name]
        settings().setValue("recent", files[:MAX_RECENT])
        self.changed.emit()

    def remove(self, path: Path) -> None:
        """Forget ``path`` (a file that has gone)."""
        names = {str(path), str(Path(path).resolve())}
        files = self.files()
        kept = [f for f in files if f not in names]
        if kept != files:
            settings().setValue("recent", kept)
            self.changed.emit()
