"""Saving the editor's data back into the user's own file text, keeping comments and layout.

The scenario files carry comments (sources, ASSUMPTION notes) that are as much the
user's work as the values.  :func:`merge_text` applies the data onto the original text
with tomlkit, touching only what changed; the result is checked by parsing it back, and
when anything differs the plain ``tomli_w`` rendering is used instead, so the values
are never wrong.
"""

from __future__ import annotations

import tomllib
from typing import Any

import tomli_w


def drop_none(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: drop_none(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [drop_none(v) for v in node]
    return node


def plain_text(data: dict) -> str:
    """TOML for the data with schema_version first (no comments)."""
    ordered = {}
    if "schema_version" in data:
        ordered["schema_version"] = data["schema_version"]
    ordered.update({k: v for k, v in data.items() if k != "schema_version"})
    return tomli_w.dumps(drop_none(ordered))


def merge_text(original: str | None, data: dict) -> str:
    """``data`` as TOML, reusing ``original``'s comments and layout where possible."""
    data = drop_none(data)
    if original:
        try:
            import tomlkit

            doc = tomlkit.parse(original)
            _merge(doc, data)
            text = tomlkit.dumps(doc)
            if tomllib.loads(text) == data:
                return text
        except Exception:  # any trouble: fall back to the plain rendering below
            pass
    return plain_text(data)


def _unwrap(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _build(value: Any, inline: bool = False) -> Any:
    """A tomlkit item for a new value: distributions inline, tables and arrays of tables as such."""
    import tomlkit

    if isinstance(value, dict):
        if inline or "distribution" in value:
            item = tomlkit.inline_table()
            item.update(value)
            return item
        table = tomlkit.table()
        for k, v in value.items():
            table[k] = _build(v)
        return table
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        aot = tomlkit.aot()
        for v in value:
            aot.append(_build(v))
        return aot
    return tomlkit.item(value)


def _new_item(value: Any, like: Any = None) -> Any:
    from tomlkit.items import InlineTable

    item = _build(value, inline=isinstance(like, InlineTable) or not hasattr(like, "keys"))
    trivia = getattr(like, "trivia", None)
    if trivia is not None and getattr(trivia, "comment", "") and hasattr(item, "trivia"):
        item.trivia.comment_ws = trivia.comment_ws or "  "
        item.trivia.comment = trivia.comment
    return item


def _merge(container: Any, new: dict) -> None:
    from tomlkit.items import AoT, InlineTable, Table

    for key in [k for k in list(container.keys()) if k not in new]:
        del container[key]
    for key, value in new.items():
        if key not in container:
            container[key] = _build(value)
            continue
        old = container[key]
        if isinstance(value, dict) and isinstance(old, (Table, InlineTable)):
            _merge(old, value)
        elif isinstance(value, list) and isinstance(old, AoT) and all(isinstance(v, dict) for v in value):
            common = min(len(old), len(value))
            for table, item in zip(list(old)[:common], value[:common]):
                _merge(table, item)
            while len(old) > len(value):
                del old[len(old) - 1]
            for item in value[common:]:
                old.append(_build(item))
        elif _unwrap(old) == value and type(_unwrap(old)) is type(value):
            continue
        else:
            container[key] = _new_item(value, old)
