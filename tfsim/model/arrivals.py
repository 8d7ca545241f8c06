"""Arrivals: when families are referred, and who they are.

:func:`referral_times` draws every referral of a run in advance (cohort batches plus a
Poisson stream); :class:`FamilyProfiles` draws each new family's intensity level, needs
and size, each from its own random stream, and hands it its draws
(:class:`~tfsim.model.random.FamilyDraws`).  All of these are in referral order, which
staffing cannot change.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, Scenario

from .entities import Family
from .random import FAMILY_BLOCK, DrawBlock, FamilyDraws, Streams, block_function


def referral_times(scenario: Scenario, gen: np.random.Generator) -> np.ndarray:
    """All referral times (days, sorted): cohort batches plus a piecewise-constant Poisson stream.

    Within each rate period the count is Poisson(rate x length) and the times are
    uniform order statistics, which is exactly a homogeneous Poisson process.
    """
    parts = [np.repeat([scenario.day_of(c.date) for c in scenario.referrals.cohort],
                       [c.families for c in scenario.referrals.cohort]).astype(float)]
    for period, length in scenario.rate_periods():
        if length <= 0 or period.per_month <= 0:
            continue
        n = gen.poisson(period.per_month * length / DAYS_PER_MONTH)
        start = scenario.day_of(period.start)
        parts.append(start + np.sort(gen.uniform(0.0, length, n)))
    times = np.concatenate(parts) if parts else np.empty(0)
    times = np.sort(times, kind="stable")
    return times[times < scenario.horizon_days]


class FamilyProfiles:
    """Draws each new family's intensity level, needs and size, each from its own stream.

    Profiles are drawn a block at a time (one NumPy call per attribute per block) and
    handed out one by one, each with the family's block of ``draws`` and its place there
    (referral ``i`` gets the draws of referral index ``i``).
    """

    BLOCK = 1024  # a divisor of FAMILY_BLOCK, so a block of profiles lies in one block of draws

    def __init__(self, scenario: Scenario, streams: Streams, draws: FamilyDraws):
        fam = scenario.families
        self._level_cum = np.cumsum(list(fam.intensity.values()))
        self._level_cum[-1] = 1.0 + 1e-12
        self._level_gen = streams.generator("family_level")
        self._need_p = np.asarray(list(fam.needs.values()), dtype=float)
        self._need_gen = streams.generator("family_needs")
        self._powers = 1 << np.arange(len(self._need_p), dtype=np.int64)
        self._adults = block_function(fam.adults, streams.generator("family_adults"))
        self._children = block_function(fam.children, streams.generator("family_children"))
        self._draws = draws
        self._block: DrawBlock | None = None  # the current block of draws
        self._filled = 0  # families whose profiles are drawn: the referral index the next block starts at
        self._buffer: list[tuple[int, int, int, int, tuple]] = []
        self._index = 0  # empty: the first family fills the buffer

    def _refill(self) -> None:
        n = self.BLOCK
        levels = np.searchsorted(self._level_cum, self._level_gen.random(n), side="right")
        if len(self._need_p):
            needs = (self._need_gen.random((n, len(self._need_p))) < self._need_p).astype(np.int64) @ self._powers
        else:
            needs = np.zeros(n, dtype=np.int64)
        adults = np.rint(self._adults(n)).astype(np.int64)
        children = np.rint(self._children(n)).astype(np.int64)
        block, offset = divmod(self._filled, FAMILY_BLOCK)
        if offset == 0:
            self._block = self._draws.block(block)
        # fewer than n in the last block: only the referrals there are
        places = range(offset, min(offset + n, self._draws.families - block * FAMILY_BLOCK))
        self._filled += n
        self._buffer = list(zip(levels.tolist(), needs.tolist(), adults.tolist(), children.tolist(),
                                repeat(self._block), places))
        self._index = 0

    def new_family(self, fid: int, now: float) -> Family:
        """A new Family record ``fid`` referred at ``now`` (days), with the next profile and its draws."""
        i = self._index
        if i >= len(self._buffer):
            self._refill()
            i = 0
        self._index = i + 1
        return Family(fid, *self._buffer[i], now)
