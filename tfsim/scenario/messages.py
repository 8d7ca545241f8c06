"""The one place a problem becomes text: ``FILE:LINE: key.path: reason``.

A scenario file may come from anyone, so nothing it holds reaches a terminal as it is:
control characters (an escape sequence could rewrite the user's screen), bidirectional
overrides (they reorder what is shown) and Unicode line breaks are written as visible
escapes (``\\x1b``, ``\\u202e``), every message stays on one line, and text echoed from
the file is cut short with an ellipsis.
"""

from __future__ import annotations

import unicodedata

#: Longest echoed value (a key name, a piece of text) inside a message, in characters.
MAX_ECHO = 60
#: Longest key path shown, in characters.
MAX_KEY = 160
#: Longest reason, in characters.
MAX_REASON = 700
#: Longest file name shown, in characters.
MAX_FILENAME = 200

ELLIPSIS = "\u2026"

# Line breaks and separators Python (but not TOML) counts as line ends, bidirectional
# controls, zero-width and other invisible format characters are escaped wherever they
# are, as are all C0 and C1 controls (tab and newline included: a message is one line).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def escape(text: str) -> str:
    """``text`` with every control, format (bidirectional, zero-width) or line-break character escaped.

    Escapes are Python's: ``\\x1b``, ``\\u202e``, ``\\U000e0001``.  Backslashes are left
    alone, so escaping twice gives the same text.
    """
    if text.isprintable():  # the common case: nothing to do
        return text
    out = []
    for ch in text:
        if ch == " " or not _unsafe(ch):
            out.append(ch)
            continue
        code = ord(ch)
        out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def clean(text: object, limit: int) -> str:
    """``text`` escaped and then shortened to ``limit`` characters: safe to print on one line."""
    return shorten(escape(str(text)), limit)


def echo(value: object, limit: int = MAX_ECHO) -> str:
    """A value from the file as a message shows it: ``repr`` for text and numbers, escaped and short."""
    if isinstance(value, bool):  # as TOML writes it
        return "true" if value else "false"
    shown = repr(value) if isinstance(value, (str, int, float)) or value is None else str(value)
    return clean(shown, limit)


def format_problem(filename: str, line: int, key: str, reason: str) -> str:
    """The one line for a problem: ``FILE:LINE: key.path: reason``, every part escaped and bounded."""
    return f"{clean(filename, MAX_FILENAME)}:{max(1, int(line))}: {clean(key, MAX_KEY)}: {clean(reason, MAX_REASON)}"
