"""The one check of a scenario held as data (the app's editor): a Scenario or located problems.

The editor holds the plain TOML data of a scenario; :func:`validate` checks it against the
schema directly (no rendering to TOML and reading back) and answers the same
:class:`~tfsim.scenario.io.LoadResult` that reading a file does: the Scenario when the data
is valid, else every problem at its key path, on its line when the file's ``text`` is
given and still matches the data.
"""

from __future__ import annotations

from .io import LoadResult, check_scenario_data


def validate(data: dict, filename: str = "<scenario>", text: str | None = None) -> LoadResult:
    """Check scenario ``data``; ``text`` (the file it came from, unmodified) gives line numbers.

    The check is the one a file gets, types as strict: a number or a date held as text
    is a problem at its key, as it would be in the file.
    """
    scenario, problems = check_scenario_data(data, text)
    return LoadResult(filename, text, data, scenario, problems)
