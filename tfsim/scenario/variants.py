"""Variants of a scenario: the same scenario with some values changed, checked again as a whole.

Scenario objects are frozen, so a what-if ("one more FIP", "turnover at 20%") is a new
scenario made by :func:`variant`, and :func:`differences` lists what separates two
scenarios in the same terms.  Both address values by dotted key paths into the file's
structure:

- tables and keys by name: ``workforce.turnover_per_year``, ``families.needs.health``;
- list items by index: ``referrals.rates.0.per_month``, ``roles.0.in_post_fte.2``;
- items of lists of records with an ``id`` (the roles) by that id, or by index:
  ``roles.fip.caseload_cap_per_fte``.

A path may also end at a whole table or list (``staffing_plan``, ``roles.fip.duration_months``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple

from pydantic import BaseModel, ValidationError

from .io import Problem, errors_to_problems
from .schema import _IDENT, Scenario, _suggest


class Change(NamedTuple):
    """One value that differs between two scenarios."""

    path: str
    old: Any
    new: Any


class VariantError(ValueError):
    """Changes that do not give a valid scenario; ``problems`` names each bad path and why.

    Problem paths use the variant's addressing: roles by id where it is unique.
    """

    def __init__(self, name: str, problems: list[Problem]):
        self.name = name
        self.problems = problems
        lines = "\n".join(f"  {p.key}: {p.message}" for p in problems)
        super().__init__(f"the changes to scenario '{name}' do not give a valid scenario:\n{lines}")


class _PathError(Exception):
    def __init__(self, path: tuple, message: str):
        self.path = path
        self.message = message


def variant(scenario: Scenario, changes: Mapping[str | tuple, Any]) -> Scenario:
    """A copy of ``scenario`` with the values at the given paths replaced, validated as a whole.

    Parameters
    ----------
    scenario
        The scenario to start from; it is not changed (scenarios are frozen).
    changes
        New values by dotted key path (see the module docstring), or by a tuple of path
        parts.  Values are plain data as in a file (numbers, text, dates or ISO date
        text, dicts, lists) or schema objects (e.g. :class:`~tfsim.scenario.schema.Exponential`).
        A table the scenario leaves out (``money``, a role's ``workforce``) is created
        holding just the keys given, as if written so in a file.  A list is changed item
        by item or replaced whole; items are not appended by index.  Changes apply in
        order, so a later path sees an earlier change (a renamed role has its new id).

    Returns
    -------
    Scenario
        The changed scenario, with every check a file gets, cross-field checks included.

    Raises
    ------
    VariantError
        If a path names no value (with a did-you-mean where one is close) or the changed
        scenario is not valid; the message lists every bad path and the reason.
    """
    data = scenario.model_dump(mode="python")
    problems: list[Problem] = []
    for key, value in changes.items():
        parts = _parts(key)
        try:
            container, slot = _locate(data, parts)
        except _PathError as exc:
            problems.append(Problem(exc.path, exc.message))
            continue
        container[slot] = _plain(value)
    if problems:
        raise VariantError(scenario.name, problems)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        found = errors_to_problems(exc, data)
        problems = [Problem(_display_path(p.path, data), p.message) for p in found]
    raise VariantError(scenario.name, problems)


def differences(old: Scenario, new: Scenario) -> list[Change]:
    """What differs between two scenarios, as ``(path, old value, new value)`` in file order.

    Paths use :func:`variant`'s addressing, and each change is given at the deepest
    path where both scenarios have the same layout: a value, or else the whole table or
    list (a distribution of another kind, roles added or removed, a longer staffing
    plan).  Values are plain data.  So ``variant(old, {c.path: c.new for c in
    differences(old, new)}) == new``.
    """
    out: list[Change] = []
    _diff(old.model_dump(mode="python"), new.model_dump(mode="python"), (), out)
    return out


# --------------------------------------------------------------------------------------


def _parts(key: str | tuple) -> tuple:
    if isinstance(key, tuple):
        return key
    return tuple(key.split("."))


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _locate(data: dict, parts: tuple) -> tuple[Any, Any]:
    """The container and key or index where the value at ``parts`` lives in ``data``.

    Unknown keys are not errors here: they are set, and validation reports them with
    the schema's did-you-mean, as it does for a file.
    """
    if not parts or any(p == "" for p in parts):
        raise _PathError(parts, "is not a key path (use dotted names, e.g. 'workforce.turnover_per_year')")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = parts[: depth + 1]
        if isinstance(node, dict):
            if last:
                return node, part
            if node.get(part) is None:
                node[part] = {}  # a table left out, or an unknown key that validation names
            node = node[part]
        elif isinstance(node, list):
            index = _index(node, part, here)
            if last:
                return node, index
            node = node[index]
        else:
            raise _PathError(here, f"'{_dotted(parts[:depth])}' holds a single value, not a table or a list")
    raise AssertionError("unreachable")


def _index(items: list, part: Any, here: tuple) -> int:
    """The position in ``items`` named by ``part``: a number, or the id of a record."""
    if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
        index = int(part)
        if index >= len(items):
            raise _PathError(here, f"there is no item {index}: the list has {_count(items)}")
        return index
    ids = _ids(items)
    if ids is None:
        raise _PathError(here, f"'{part}' is not an item number (the list has {_count(items)})")
    if part not in ids:
        raise _PathError(here, f"there is no item with id '{part}'{_suggest(str(part), ids)}")
    return ids.index(part)


def _count(items: list) -> str:
    n = len(items)
    return {0: "no items", 1: "1 item, number 0"}.get(n, f"{n} items, numbered 0 to {n - 1}")


def _ids(items: list) -> list[str] | None:
    """The ids of a list of records that all have a distinct text ``id``, else ``None``."""
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    if items and all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids):
        return ids
    return None


def _plain(value: Any) -> Any:
    """Schema objects as plain data, so the whole scenario is validated from one dict."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python")
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _display_path(path: tuple, data: Any) -> tuple:
    """``path`` with the index of each record that has a unique, valid id replaced by the id."""
    out: list = []
    node = data
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            ids = _ids(node)
            item_id = ids[part] if ids is not None else None
            out.append(item_id if item_id is not None and re.fullmatch(_IDENT, item_id) else part)
            node = node[part]
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


def _diff(a: Any, b: Any, path: tuple, out: list[Change]) -> None:
    if a == b:
        return
    if (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
            and a.get("distribution") == b.get("distribution")):
        for key in a:
            _diff(a[key], b[key], path + (key,), out)
        return
    if isinstance(a, list) and isinstance(b, list):
        ids_a, ids_b = _ids(a), _ids(b)
        if ids_a is not None and ids_a == ids_b:
            for key, x, y in zip(ids_a, a, b):
                _diff(x, y, path + (key,), out)
            return
        if ids_a is None and ids_b is None and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                _diff(x, y, path + (i,), out)
            return
    out.append(Change(_dotted(path), a, b))
