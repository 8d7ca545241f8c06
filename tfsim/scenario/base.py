"""The base of every scenario table: strict keys, immutable values."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Base for every table: unknown keys are errors and objects are immutable.

    A changed scenario is a new object (see :func:`tfsim.scenario.variant`), so a
    scenario handed to a run, a worker process or a results object never changes
    under it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
