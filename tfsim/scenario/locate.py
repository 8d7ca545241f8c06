"""Find the line of a key path in TOML text, and measure how deeply the text nests.

``tomllib`` does not report where a value came from, so validation messages would
otherwise have no line.  :func:`scan` reads the text once, left to right, in time
linear in its length: it follows table headers (``[a.b]``, ``[[a]]``), ``key =`` lines,
inline tables and arrays well enough to place a key path such as
``roles.1.duration_months.mean`` or ``referrals.cohort.2`` on the line that defines it
(or on the nearest enclosing key that is in the file).  It never raises: text it does
not understand is skipped.

Lines are counted as TOML counts them, by ``\\n`` alone: a U+2028 or a form feed inside a
string or comment does not start a new line (``str.splitlines`` would say it does).

The same pass measures the deepest key path (tables, dotted keys and list positions
together) and the longest key, so that a file nested too deeply for the TOML parser,
whose work grows with the square of the depth, is refused before it is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Key paths longer than this are measured but stored cut to this many parts, so a
#: hostile path of a million parts costs no more than its length to read.
_STORED_PARTS = 40

_BARE = re.compile(r"[A-Za-z0-9_\-]+")
_WS = re.compile(r"[ \t\r]*")
_BASIC = re.compile(r'(?:[^"\\\n]|\\[^\n])*')  # body of a one-line "..." string
_ML_BASIC = re.compile(r'(?:[^"\\]|\\.|"(?!""))*', re.DOTALL)  # body of a """...""" string
_VALUE = re.compile(r"[^\s\[\]{},#\"'=]+")  # a bare value: number, date, true, ...
#: The common line: a bare key, then a bare value or a one-line "..." string, then perhaps a comment.
_SIMPLE_LINE = r'[A-Za-z0-9_\-]+[ \t]*=[ \t]*(?:[^\s\[\]{},#"\'=]+|"(?:[^"\\\n]|\\[^\n])*")[ \t\r]*(?:#[^\n]*)?'
#: A run of common lines, read in one match (most of a scenario file, and all of a file of a
#: million short keys).  Anything else (dotted keys, arrays, tables, blank lines) goes the long way.
_SIMPLE_RUN = re.compile(rf"{_SIMPLE_LINE}(?:\n[ \t]*{_SIMPLE_LINE})*(?=\n|\Z)")
#: A header of bare keys (``[a.b]``, ``[[roles]]``) alone on its line, perhaps with a comment (at
#: most 40 parts, as many as are stored: a longer one goes the long way, which stops at the depth limit).
_SIMPLE_HEADER = re.compile(r"(\[\[?)[ \t]*([A-Za-z0-9_\-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_\-]+){0,39})[ \t]*(\]\]?)"
                            r"[ \t\r]*(?:#[^\n]*)?(?=\n|\Z)")
_RUN_KEYS = re.compile(r"^[ \t]*([A-Za-z0-9_\-]+)", re.MULTILINE)  # the key of each line of a run


@dataclass
class Scan:
    """What one pass over a TOML text found.

    Attributes
    ----------
    lines
        First line (1-based) of every key path found.  Array-of-tables entries and
        array items get integer indices: the second ``[[roles]]`` block's ``id`` is
        ``("roles", 1, "id")``.
    first_key
        The first key path defined on each line (for messages about a line).
    depth, depth_line, depth_path
        The longest key path (counting tables, dotted keys and list positions), the
        line it is on and the path (cut short).
    key_chars, key_line, key_path
        The longest single key in characters, its line and its path (cut short).
    line_count
        Lines in the text, counted by ``\\n`` as TOML counts them (at least 1).
    """

    lines: dict[tuple, int] = field(default_factory=dict)
    first_key: dict[int, tuple] = field(default_factory=dict)
    depth: int = 0
    depth_line: int = 1
    depth_path: tuple = ()
    key_chars: int = 0
    key_line: int = 1
    key_path: tuple = ()
    line_count: int = 1


class _Node:
    """A table in the tree of headers seen; an array of tables counts its entries."""

    __slots__ = ("kids", "index")

    def __init__(self) -> None:
        self.kids: dict = {}
        self.index = -1


class _Frame:
    """An open array ``[`` or inline table ``{`` in a value."""

    __slots__ = ("kind", "base", "depth", "index", "started", "expect_key", "key", "key_depth")

    def __init__(self, kind: str, base: tuple, depth: int):
        self.kind = kind
        self.base, self.depth = base, depth
        self.index, self.started = 0, False  # arrays: position of the current item
        self.expect_key = kind == "{"  # inline tables: a key comes next
        self.key, self.key_depth = base, depth  # inline tables: the key whose value is being read


def scan(text: str, stop_depth: int | None = None) -> Scan:
    """Read ``text`` once and return its key lines and nesting measures (see :class:`Scan`).

    With ``stop_depth``, reading stops at the first key path deeper than that (the
    text is to be refused, so the rest need not be read).
    """
    out = Scan()
    n = len(text)
    pos, line = 0, 1
    root = _Node()
    table: tuple = ()  # the current [table], with array-of-tables indices
    table_depth = 0
    stack: list[_Frame] = []
    expect_key = True  # at the start of a top-level statement
    value_key, value_depth = (), 0  # the key the next top-level value belongs to

    def record(path: tuple, depth: int, at: int, key: bool = False) -> None:
        out.lines.setdefault(path, at)
        if key:
            out.first_key.setdefault(at, path)
        if depth > out.depth:
            out.depth, out.depth_line, out.depth_path = depth, at, path

    def read_key(pos: int, at: int, prefix: tuple, depth: int = 0) -> tuple[int, list, int]:
        """Parse a dotted key at ``pos``: (position after it, parts kept, number of parts).

        With ``stop_depth``, a key whose path (``depth`` deep before it) passes that depth is
        read no further: the text is refused at its line (a dotted key of 450,000 parts).
        """
        parts: list = []
        count = 0
        limit = None if stop_depth is None else max(1, stop_depth + 1 - depth)
        while limit is None or count < limit:
            pos = _WS.match(text, pos).end()
            if pos >= n:
                break
            c = text[pos]
            if c == '"':
                end = _BASIC.match(text, pos + 1).end()
                part, pos = text[pos + 1:end], min(n, end + 1)
            elif c == "'":
                end = text.find("'", pos + 1)
                stop = text.find("\n", pos + 1)
                if end < 0 or 0 <= stop < end:
                    end = n if stop < 0 else stop
                part, pos = text[pos + 1:end], min(n, end + 1)
            else:
                m = _BARE.match(text, pos)
                if not m:
                    break
                part, pos = m.group(), m.end()
            count += 1
            if count <= _STORED_PARTS:
                parts.append(part)
            if len(part) > out.key_chars:
                out.key_chars, out.key_line, out.key_path = len(part), at, prefix + tuple(parts)
            pos = _WS.match(text, pos).end()
            if pos < n and text[pos] == ".":
                pos += 1
                continue
            break
        return pos, parts, count

    def skip_line(pos: int) -> int:
        end = text.find("\n", pos)
        return n if end < 0 else end

    while pos < n:
        if stop_depth is not None and out.depth > stop_depth:
            break
        c = text[pos]
        if c == "\n":
            line += 1
            pos += 1
            if not stack:
                expect_key = True
            continue
        if c in " \t\r":
            pos = _WS.match(text, pos).end()
            continue
        if c == "#":
            pos = skip_line(pos)
            continue
        top = stack[-1] if stack else None
        if top is None and expect_key:
            if c == "[":  # a table header
                header = _SIMPLE_HEADER.match(text, pos)
                if header is not None and len(header.group(1)) == len(header.group(3)):
                    parts = [part.strip(" \t") for part in header.group(2).split(".")]
                    if len(parts) <= min(_STORED_PARTS, stop_depth or _STORED_PARTS):  # else the long way, which stops
                        aot = len(header.group(1)) == 2
                        for i, part in enumerate(parts):
                            if len(part) > out.key_chars:
                                out.key_chars, out.key_line, out.key_path = len(part), line, tuple(parts[: i + 1])
                        table, bare = _resolve(root, tuple(parts), aot)
                        table_depth = len(table)
                        record(table, table_depth, line, key=True)
                        out.lines.setdefault(bare, line)
                        pos = header.end()
                        continue
                aot = text.startswith("[[", pos)
                pos, parts, count = read_key(pos + (2 if aot else 1), line, ())
                table, bare = _resolve(root, tuple(parts), aot)
                table_depth = count + (len(table) - len(parts))
                record(table, table_depth, line, key=True)
                out.lines.setdefault(bare, line)
                pos = skip_line(pos)  # the closing bracket and any comment
                continue
            run = _SIMPLE_RUN.match(text, pos) if stop_depth is None or table_depth < stop_depth else None
            if run is not None:  # `key = value` lines: each key recorded on its line, the values hold nothing to record
                keys = _RUN_KEYS.findall(run.group())
                longest = max(keys, key=len)
                if len(longest) > out.key_chars:
                    out.key_chars, out.key_line, out.key_path = len(longest), line + keys.index(longest), \
                        table + (longest,)
                stored = len(table) < _STORED_PARTS
                lines, first_key = out.lines, out.first_key
                record(table + (keys[0],) if stored else table, table_depth + 1, line, key=True)
                for key in keys[1:]:
                    line += 1
                    path = table + (key,) if stored else table
                    lines.setdefault(path, line)
                    first_key.setdefault(line, path)
                pos = run.end()
                continue
            pos, parts, count = read_key(pos, line, table, table_depth)
            if not parts:
                pos = skip_line(pos)
                continue
            value_key = table + tuple(parts[: max(0, _STORED_PARTS - len(table))])
            value_depth = table_depth + count
            record(value_key, value_depth, line, key=True)
            if pos < n and text[pos] == "=":
                pos += 1
                expect_key = False
            else:
                pos = skip_line(pos)
            continue
        if top is not None and top.kind == "{" and top.expect_key:
            if c == "}":
                stack.pop()
                pos += 1
                continue
            if c == ",":
                pos += 1
                continue
            pos, parts, count = read_key(pos, line, top.base, top.depth)
            if not parts:
                pos += 1
                continue
            top.key = top.base + tuple(parts[: max(0, _STORED_PARTS - len(top.base))])
            top.key_depth = top.depth + count
            record(top.key, top.key_depth, line, key=True)
            top.expect_key = False
            if pos < n and text[pos] == "=":
                pos += 1
            continue
        # a value: where it belongs
        if top is None:
            base, depth = value_key, value_depth
        elif top.kind == "[":
            if c in "],":
                base, depth = top.base, top.depth
            else:
                base = top.base + (top.index,) if len(top.base) < _STORED_PARTS else top.base
                depth = top.depth + 1
                if not top.started:
                    top.started = True
                    record(base, depth, line)
        else:
            base, depth = top.key, top.key_depth
        if c == "[":
            stack.append(_Frame("[", base, depth))
            pos += 1
        elif c == "{":
            stack.append(_Frame("{", base, depth))
            pos += 1
        elif c in "]}":
            if stack:
                stack.pop()
            pos += 1
        elif c == ",":
            if top is not None and top.kind == "[":
                top.index += 1
                top.started = False
            elif top is not None:
                top.expect_key = True
            pos += 1
        elif c == '"':
            if text.startswith('"""', pos):
                end = _ML_BASIC.match(text, pos + 3).end()
                while end < n and text[end] == '"':  # the closing quotes (up to two more are content)
                    end += 1
                line += text.count("\n", pos, end)
                pos = end
            else:
                pos = min(n, _BASIC.match(text, pos + 1).end() + 1)
        elif c == "'":
            if text.startswith("'''", pos):
                end = text.find("'''", pos + 3)
                end = n if end < 0 else end + 3
                while end < n and text[end] == "'":
                    end += 1
                line += text.count("\n", pos, end)
                pos = end
            else:
                end = text.find("'", pos + 1)
                stop = text.find("\n", pos + 1)
                if end < 0 or 0 <= stop < end:
                    end = (n if stop < 0 else stop) - 1
                pos = end + 1
        else:
            m = _VALUE.match(text, pos)
            pos = m.end() if m else pos + 1
    out.line_count = line_count(text)
    return out


def _resolve(root: _Node, parts: tuple, aot: bool) -> tuple[tuple, tuple]:
    """The path of a header with the current index of each enclosing array of tables.

    Returns the path, with the new entry's index for ``[[...]]``, and the path without
    that last index.  A new entry of an array of tables starts its sub-tables afresh.
    """
    node = root
    out: list = []
    for i, part in enumerate(parts):
        child = node.kids.get(part)
        if child is None:
            child = node.kids[part] = _Node()
        out.append(part)
        last = i == len(parts) - 1
        if last and aot:
            child.index += 1
            child.kids = {}
            return tuple(out) + (child.index,), tuple(out)
        if not last and child.index >= 0:
            out.append(child.index)
        node = child
    return tuple(out), tuple(out)


def key_lines(text: str) -> dict[tuple, int]:
    """Map every key path found in ``text`` to its 1-based line number (see :func:`scan`)."""
    return scan(text).lines


def line_count(text: str) -> int:
    """Lines in ``text`` as TOML counts them (by ``\\n``), at least 1."""
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


def line_of(text: str, path: tuple, table: dict[tuple, int] | None = None) -> int:
    """Line of ``path`` in ``text``: the deepest enclosing key found, else 1."""
    table = key_lines(text) if table is None else table
    path = tuple(path)
    while path:
        if path in table:
            return table[path]
        path = path[:-1]
    return 1
