"""Rows of a scenario file that move with their comments: a removed, added or reordered table row.

The comments of a scenario file sit on the lines of its values (see
:mod:`tfsim.scenario.notes`), and :func:`tfsim.scenario.io.data_to_toml` writes edited data
back onto the file's text row by row, by position.  When a row of an array of tables
(a role, a line of the staffing plan, a batch of referrals) is removed, added or moved,
the text must first be rearranged the same way, or the notes of the old second role would
be written beside the values of the new first one.  :func:`rearrange_rows` does that:
each row keeps the comments inside it and the comment block just above its header, while
the blank line between rows and a heading after the last row stay in their place.
"""

from __future__ import annotations

from typing import Any, Sequence

import tomlkit
from tomlkit.items import AoT, Comment, Table, Whitespace

__all__ = ["moved_order", "rearrange_rows"]


def moved_order(count: int, removed: int | None = None, swapped: tuple[int, int] | None = None,
                added: int = 0) -> list[int | None]:
    """Where each new row comes from, by old position (``None``: a new row), after one simple edit.

    Parameters
    ----------
    count
        Number of rows before the edit.
    removed
        Position of a row taken out.
    swapped
        Two positions that change places (a row moved up or down).
    added
        Number of new rows added at the end.
    """
    order: list[int | None] = list(range(count))
    if removed is not None:
        del order[removed]
    if swapped is not None:
        i, j = swapped
        order[i], order[j] = order[j], order[i]
    return order + [None] * added


def _tail_body(table: Table) -> list:
    """The body (list of (key, item)) that ends the text of ``table``: its own or its last sub-table's."""
    body = table.value.body
    while body:
        key, item = body[-1]
        if key is None:
            return body
        if isinstance(item, Table):
            body = item.value.body
        elif isinstance(item, AoT) and len(item):
            body = item[len(item) - 1].value.body
        else:
            return body
    return body


def _split_tail(table: Table) -> tuple[list, list]:
    """Take the trailing blank lines and comments off ``table``: (blank lines, comment block after them)."""
    body = _tail_body(table)
    n = len(body)
    while n and body[n - 1][0] is None and isinstance(body[n - 1][1], (Whitespace, Comment)):
        n -= 1
    tail = [item for _, item in body[n:]]
    del body[n:]
    first = next((i for i, item in enumerate(tail) if isinstance(item, Comment)), len(tail))
    return tail[:first], tail[first:]


def _append_tail(table: Table, items: list) -> None:
    body = _tail_body(table)
    body.extend((None, item) for item in items)


def rearrange_rows(text: str, path: Sequence[Any], order: Sequence[int | None], rows: Sequence[Any]) -> str:
    """The TOML ``text`` with the array of tables at ``path`` rearranged as ``order`` says, comments and all.

    Parameters
    ----------
    text
        TOML text whose array of tables at ``path`` holds the rows before the edit, in order.
    path
        Key path of the array of tables (``("roles",)``, ``("referrals", "rates")``).
    order
        For each row after the edit, the position it had before, or ``None`` for a new row.
        A position left out is a row removed, with the comments in it and above it.
    rows
        The rows after the edit (plain data); a new row is written from its item here.

    Returns
    -------
    str
        The rearranged text; ``text`` unchanged when ``path`` is not an array of tables in
        it, or the order does not fit it.
    """
    try:
        doc = tomlkit.parse(text)
        node: Any = doc
        for part in path:
            node = node[part]
    except Exception:  # not written in the file, or not a table: nothing to rearrange
        return text
    if not isinstance(node, AoT):
        return text
    old = list(node.body)
    known = [i for i in order if i is not None]
    if len(order) != len(rows) or len(set(known)) != len(known) or any(not 0 <= i < len(old) for i in known):
        return text
    if not old:
        return text
    # the text after row i: blank lines, then the comments above row i + 1's header (after
    # the last row: whatever heads the next part of the file, which stays there)
    tails = [_split_tail(t) for t in old]
    gaps = [gap for gap, _ in tails]
    above = {i + 1: block for i, (_, block) in enumerate(tails[:-1])}
    sep = gaps[0] if len(old) > 1 else [tomlkit.nl()]
    new = [old[i] if i is not None else _new_table(rows[k]) for k, i in enumerate(order)]
    for k, table in enumerate(new):
        if k < len(new) - 1:
            gap = gaps[k] if k < len(old) - 1 else [Whitespace(s.as_string()) for s in sep]
            _append_tail(table, list(gap) + list(above.get(order[k + 1], [])))
        else:
            _append_tail(table, list(gaps[-1]) + list(tails[-1][1]))
    while len(node):
        del node[0]
    for table in new:
        node.append(table)
    return tomlkit.dumps(doc)


def _new_table(row: Any) -> Table:
    from .io import _build  # the same rendering as a row added by a save

    table = _build(dict(row) if isinstance(row, dict) else {})
    return table if isinstance(table, Table) else tomlkit.table()
