"""The note beside each value of a scenario file: the comment that says where a figure comes from.

The bundled files give every figure's provenance in a comment: a source ("Sevenoaks
briefing, 2 July 2014"), or ``ASSUMPTION`` or ``FITTED``.  :func:`field_notes` reads them
for the app's editor, one :class:`FieldNote` per key: the comment on the key's line (which
the editor edits and :func:`tfsim.scenario.io.data_to_toml` writes back as that comment),
the comment lines just above the key, and the note of its table's header, which applies to
every key in the table that has none of its own.  The basis of a note (FITTED,
ASSUMPTION, source or not stated) is read as the business case's assumptions table reads
it (:func:`tfsim.scenario.inputs.basis_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .inputs import BASIS_NONE, Notes, basis_of

#: Longest note kept on a key's line, in characters.
MAX_NOTE = 500
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


@dataclass(frozen=True)
class FieldNote:
    """The comments around one key of a scenario file.

    Attributes
    ----------
    beside : str
        The comment on the key's own line (without ``#``): the note the editor edits.
    above : str
        The comment lines right above the key, joined (a note shared with the keys below it).
    table : str
        The note of the key's table header, for a key with no note of its own.
    line : int
        The key's line (0 when the key is not written in the file).
    """

    beside: str = ""
    above: str = ""
    table: str = ""
    line: int = 0

    @property
    def text(self) -> str:
        """The whole note, as the assumptions table gives it: above and beside, else its table's."""
        own = " ".join(t for t in (self.above, self.beside) if t)
        return own or self.table

    @property
    def inherited(self) -> str:
        """The note that applies without being on the key's line (above it, or its table's)."""
        return self.above or ("" if self.beside else self.table)

    @property
    def basis(self) -> str:
        """``FITTED``, ``ASSUMPTION``, ``source`` or ``not stated``."""
        return basis_of(self.text)


def field_notes(text: str | None, paths) -> dict[tuple, FieldNote]:
    """The :class:`FieldNote` of each key path in ``paths`` (tuples, list items by index) in the file ``text``."""
    notes = Notes(text)
    out = {}
    for path in paths:
        path = tuple(path)
        line = notes.line_of(path)
        beside = notes.beside(line) if line else ""
        above = notes.above(line) if line else ""
        table = ""
        if len(path) > 1:
            head = notes.line_of(path[:-1])
            if head and head != line:
                table = notes.beside(head) or notes.above(head)
        out[path] = FieldNote(beside, above, table, line)
    return out


def clean_note(text: str) -> str:
    """A note as it can sit on one line of TOML after a ``#``: one line, no control characters, bounded."""
    text = _BREAKS.sub(" ", text or "").strip()
    return text[:MAX_NOTE].rstrip()


__all__ = ["BASIS_NONE", "FieldNote", "MAX_NOTE", "clean_note", "field_notes"]
