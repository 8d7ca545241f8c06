"""Find the line of a key path in TOML text.

``tomllib`` does not report where a value came from, so validation messages would
otherwise have no line.  This scanner follows table headers (``[a.b]``,
``[[a]]``) and ``key =`` lines well enough to place a key path such as
``roles.1.duration_months.mean`` on the line that defines it (or on the nearest
enclosing key that is in the file).  It never raises: unknown layouts fall back to
line 1.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=""")


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_\-]+)""", text)
    return [a or b or c for a, b, c in parts]


def key_lines(text: str) -> dict[tuple, int]:
    """Map every key path found in ``text`` to its 1-based line number.

    Array-of-tables entries get integer indices, so the second ``[[roles]]`` block's
    ``id`` is ``("roles", 1, "id")``.  Keys inside inline tables and arrays are not
    listed; callers fall back to the enclosing key.
    """
    lines: dict[tuple, int] = {}
    counters: dict[tuple, int] = {}
    current: tuple = ()
    in_multiline = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            path = tuple(_split_dotted(header.group(2)))
            if header.group(1) == "[[":
                index = counters.get(path, -1) + 1
                counters[path] = index
                # deeper arrays of tables restart when their parent advances
                for key in list(counters):
                    if len(key) > len(path) and key[: len(path)] == path:
                        del counters[key]
                current = _resolve(path, counters) + (index,)
            else:
                current = _resolve(path, counters)
            lines.setdefault(current, number)
            # also record the bare path (without index) for arrays of tables
            lines.setdefault(_resolve(path, counters), number)
            continue
        key = _KEY.match(line)
        if key:
            path = current + tuple(_split_dotted(key.group(1)))
            lines.setdefault(path, number)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
    return lines


def _resolve(path: tuple, counters: dict[tuple, int]) -> tuple:
    """Insert the current index of each enclosing array of tables into ``path``."""
    out: tuple = ()
    for i in range(1, len(path) + 1):
        prefix = path[:i]
        out = out + (path[i - 1],)
        if prefix in counters and i < len(path):
            out = out + (counters[prefix],)
    return out


def line_of(text: str, path: tuple, table: dict[tuple, int] | None = None) -> int:
    """Line of ``path`` in ``text``: the deepest enclosing key found, else 1."""
    table = key_lines(text) if table is None else table
    path = tuple(path)
    while path:
        if path in table:
            return table[path]
        path = path[:-1]
    return 1
