"""Scenario data read as a scenario even where some of its values are invalid.

Pydantic runs a model's cross-field checks only once every field is valid, so a file
with a typo in one key and a cohort dated before its start would show the second
problem only after the first was fixed.  :class:`Partial` lets the cross-checks
(:func:`tfsim.scenario.schema.cross_check`) run anyway: it reads raw data as a model,
each field validated on its own when it is read; a sub-table, a list of tables or a
table of tables that is invalid as a whole is read the same way, part by part, and a
value that is invalid itself raises :class:`~tfsim.scenario.base.Unknown`, which the
check that needed it catches (its own problem is already reported at its key).
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from .base import StrictModel, Unknown
from .introspect import is_model, unwrap


class Partial:
    """A read-only view of ``data`` as an instance of ``model`` (see the module docstring).

    Fields are read as attributes; properties and methods of ``model`` work on the view
    too, since they only read attributes.
    """

    __slots__ = ("_model", "_data", "_strict")

    def __init__(self, model: type[BaseModel], data: dict, strict: bool = True):
        self._model, self._data, self._strict = model, data, strict

    def __getattr__(self, name: str) -> Any:
        model = self._model
        if name in model.model_fields:
            return self._field(name)
        attr = inspect.getattr_static(model, name, None)
        if isinstance(attr, property):
            return _guarded(attr.fget)(self)
        if isinstance(attr, types.FunctionType):
            return types.MethodType(_guarded(attr), self)
        raise AttributeError(name)

    def _field(self, name: str) -> Any:
        info = self._model.model_fields[name]
        if name not in self._data:
            if info.is_required():
                raise Unknown(name)
            return info.get_default(call_default_factory=True)
        raw = self._data[name]
        try:
            return getattr(_shadow(self._model, name).model_validate({name: raw}, strict=self._strict), name)
        except ValidationError:
            return _partial_value(info.annotation, raw, self._strict)


def _guarded(method):
    """``method`` run on a view: any failure is :class:`Unknown`.

    A model's methods may rely on its own checks having passed (a custom money
    framework sets every fee); on partly invalid data they may not have, and the check
    that called the method is skipped instead.
    """

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Unknown:
            raise
        except Exception as exc:
            raise Unknown(f"{method.__name__}: {type(exc).__name__}") from exc

    return run


class _Invalid:
    """An invalid item of a list or table: reading anything from it is :class:`Unknown`."""

    def __getattr__(self, name: str) -> Any:
        raise Unknown(name)


def _partial_value(annotation: Any, raw: Any, strict: bool) -> Any:
    """An invalid value read part by part where it is a table or a collection of tables."""
    tp, _optional = unwrap(annotation)
    if is_model(tp) and isinstance(raw, dict):
        return Partial(tp, raw, strict)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is list and isinstance(raw, list) and args and is_model(unwrap(args[0])[0]):
        item = unwrap(args[0])[0]
        return [_item(item, x, strict) for x in raw]
    if origin is dict and isinstance(raw, dict) and len(args) == 2 and is_model(unwrap(args[1])[0]):
        item = unwrap(args[1])[0]
        return {k: _item(item, v, strict) for k, v in raw.items() if isinstance(k, str)}
    raise Unknown(repr(annotation))


def _item(model: type[BaseModel], raw: Any, strict: bool) -> Any:
    try:
        return model.model_validate(raw, strict=strict)
    except ValidationError:
        return Partial(model, raw, strict) if isinstance(raw, dict) else _Invalid()


@functools.cache
def _shadow(model: type[BaseModel], name: str) -> type[BaseModel]:
    """A model with just the field ``name`` of ``model``: validates that one field as the model would."""
    info = model.model_fields[name]
    return create_model(f"{model.__name__}_{name}", __base__=StrictModel, **{name: (info.annotation, info)})
