"""The app's comment-keeping save, under the name the window imports.

The renderer itself is :func:`tfsim.scenario.io.data_to_toml` (Qt-free, shared with
``save_scenario``); call that in new code.
"""

from __future__ import annotations

from tfsim.scenario.io import data_to_toml


def merge_text(original: str | None, data: dict) -> str:
    """``data`` as TOML, reusing ``original``'s comments and layout where possible."""
    return data_to_toml(data, original)
