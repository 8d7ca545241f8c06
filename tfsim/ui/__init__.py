"""The tfsim desktop app (PySide6).  All Qt code lives in this package."""

import sys

if sys.version_info < (3, 12):
    import ctypes

    # PySide6 6.12 on Python 3.11 drops a reference to None each time a Qt call hands back
    # None (an empty table cell, unset item data, a property never set): a fresh process
    # holds about 4,000, so after a few thousand such calls the interpreter aborts with
    # "deallocating None" (measured here with QTableWidget.cellWidget on an empty cell).
    # Python 3.12 and later never count None's references; here its count is raised far
    # out of reach once, when the app's code is first imported.
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
