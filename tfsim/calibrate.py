"""Calibration: fitting a few scenario values to a council's monthly history by approximate Bayesian computation.

:func:`calibrate` fits one to five chosen values (:class:`FitValue`, from ``--fit PATH[=LOW:HIGH]``)
so that the scenario's simulated months look like the history's, and reports each value's
plausible range, not just a point.  The method, written on NumPy and SciPy (full account in
``docs/calibration.md``):

* **Prior**: each value uniform between LOW and HIGH (a distribution or a group of values,
  such as ``referral_rate``, by a factor on the scenario's own values), independently.
* **Summaries** a council counts: for every series in the history, its total over each block
  of six months counted (a stock's mean level), over the fitting months only.
* **Distance**: the root mean square of the summaries' differences from the history's, each
  in units of its run-to-run spread in a pilot run of the scenario as written (at least one
  family, or 0.05 FTE), so a noisy series counts for less than a steady one.
* **ABC-SMC** (sequential Monte Carlo, after Beaumont, Cornuet, Marin and Robert 2009): a
  population of particles (value sets) is drawn from the prior; each later generation keeps
  the particles whose simulated history lies within a tolerance of the real one, proposing
  each by moving a particle of the last generation by a Gaussian step (twice the weighted
  variance of the population, truncated to the prior's box), weighted by prior over proposal.
  Weights are capped at the square root of their number times their mean (truncated
  importance sampling, Ionides 2008), so no single particle carries a small population.
  The tolerance falls from generation to generation, to the median distance of the last
  generation's particles, until the generations run out, the share of proposals kept falls
  below ``min_acceptance``, or the tolerance stops falling.
* **Common random numbers**: particles are simulated in batches through the shared
  :class:`~tfsim.experiment.Runner`; the candidates of one batch share their random numbers
  (replication by replication, as every what-if does), so their distances differ by their
  values alone, and each batch has its own, so over the batches the particles kept are draws
  from the ABC posterior, not tuned to one run's luck.  The answer is the same for any
  ``jobs`` and backend.
* **Hold-out**: the history's last months (a quarter by default) are left out of the fit;
  the scenario as written and as fitted are both run over the whole history on the same
  seeds and their errors on the held-out months reported side by side.

The answer, :class:`Calibration`, gives each value's posterior median and 90% credible
interval against its prior range, says when the history cannot pin a value (the interval
is more than three quarters of the prior's), and writes the fitted scenario with a comment
beside each fitted value (:func:`fitted_toml`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import textwrap
import time
import tomllib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr

from tfsim import whatif
from tfsim.backtest import Backtest, compare
from tfsim.catalogue import HISTORY
from tfsim.experiment import Runner
from tfsim.history import History, HistoryError, SeriesKey, check_against, is_stock, replication_getter
from tfsim.history import month_labels, scenario_over, simulated
from tfsim.scenario.io import check_scenario_data, scenario_to_toml
from tfsim.scenario.schema import Scenario
from tfsim.scenario.variants import VariantError

try:  # comments beside the fitted values; without tomlkit the file is written afresh, comments at the top
    import tomlkit
    from tomlkit.items import AoT, InlineTable
except ImportError:  # pragma: no cover - tomlkit is a dependency
    tomlkit = None

#: Values one calibration may fit.
MAX_FIT = 5
#: Months a block of summaries covers: fewer, longer blocks keep the distance from drowning in noise (with 3-month
#: blocks the 90% intervals of a Sevenoaks fit came out 1.5 times as wide as with 12).
BLOCK_MONTHS = 6
#: Share of the prior's 90% range above which a value's 90% interval means the history cannot pin it.
NOT_PINNED = 0.75
#: The tolerance of the next generation is this quantile of the last generation's distances.
TOLERANCE_QUANTILE = 0.5
#: A generation whose effective sample is below this share of its particles is not used.
MIN_ESS_SHARE = 0.25
#: Smallest spread a summary is measured in: one family, or 0.05 FTE of staff.
SCALE_FLOOR = {"families": 1.0, "fte": 0.05}

CALIBRATE_COLUMNS = ["path", "label", "prior_low", "prior_high", "p05", "p50", "p95", "mean", "fitted", "base",
                     "width_share", "pinned"]
GENERATION_COLUMNS = ["generation", "tolerance", "proposed", "kept", "acceptance", "ess", "replications"]

NoteFn = Callable[[str], None]


class CalibrationError(ValueError):
    """A calibration that cannot be run as asked (a bad --fit, too few months): bad input, not a bug."""


# ---- what is fitted ------------------------------------------------------------------------------

_RANGE = re.compile(r"^\s*([^:]+):([^:]+)\s*$")


@dataclass(frozen=True)
class FitValue:
    """One value a calibration fits, with its uniform prior from ``low`` to ``high``.

    Attributes
    ----------
    input : tfsim.whatif.Input
        What the value changes (a key path, a distribution or a group of values).
    low, high : float
        The prior's range: the value itself, or for a distribution or a group a factor on the
        scenario's own values (1 is the scenario as written).
    label : str
        The value in words, with its unit.
    whole : bool
        Only whole numbers make sense (the value is rounded when it is put in a scenario).
    """

    input: whatif.Input
    low: float
    high: float
    label: str
    whole: bool = False

    @property
    def path(self) -> str:
        return self.input.name

    @property
    def scaled(self) -> bool:
        """Whether the value is a factor on the scenario's values (a distribution or a group)."""
        return self.input.scaled

    @property
    def base(self) -> float:
        """The scenario's own value (1 for a factor)."""
        return 1.0 if self.scaled else float(self.input.base)

    def setting(self, x: float) -> Any:
        return int(round(x)) if self.whole and not self.scaled else float(x)

    def changes(self, scenario: Scenario, x: float) -> dict[str, Any]:
        """The key-path changes that put this value at ``x``, as plain key paths of the file."""
        return whatif.expand_changes(self.input.changes(scenario, self.setting(x)))

    def text(self, x: float) -> str:
        """``x`` as shown: ``x0.93`` for a factor, ``0.187`` for a value."""
        if self.scaled:
            return f"x{x:.3g}"
        if self.whole:
            return f"{round(x):d}"
        return f"{x:.3g}"


def parse_fit(scenario: Scenario, spec: str) -> FitValue:
    """A :class:`FitValue` from ``PATH`` or ``PATH=LOW:HIGH`` (``--fit``).

    Without a range a number goes from half to one and a half times its value (a chance stays
    within 0 to 1), and a distribution or a group (``referral_rate``, ``turnover``, ...) from a
    factor 0.5 to 1.5 on its values.
    """
    name, sep, rng = spec.partition("=")
    name = name.strip()
    if not name:
        raise CalibrationError(f"--fit '{spec}' is not PATH or PATH=LOW:HIGH")
    known = {v.path: v for v in whatif.varied_values(scenario)}
    try:
        item = whatif.make_input(scenario, name)
    except whatif.WhatIfError as exc:
        close = difflib.get_close_matches(name, [*known, *whatif.GROUPS], n=1, cutoff=0.8)
        if close:
            raise CalibrationError(f"--fit {name}: no such key path; did you mean {close[0]}?") from None
        raise CalibrationError(str(exc).replace("--inputs", "--fit")) from None
    if not item.scaled and not isinstance(item.base, (int, float)):
        raise CalibrationError(f"--fit {name}: holds {item.base!r}, not a number")
    info = known.get(name)
    share = info is not None and info.unit == "0 to 1"
    whole = info is not None and info.whole
    if item.name in whatif.GROUPS:
        label = f"{whatif.GROUPS[item.name]} (factor on the scenario's values)"
    elif info is not None:
        label = info.text
    else:
        label = name + (" (factor on its values)" if item.scaled else "")
    if sep:
        match = _RANGE.match(rng)
        if match is None:
            raise CalibrationError(f"--fit '{spec}': give the range as PATH=LOW:HIGH (e.g. {name}=0.05:0.3)")
        try:
            low, high = float(match.group(1)), float(match.group(2))
        except ValueError:
            raise CalibrationError(f"--fit '{spec}': LOW and HIGH must be numbers") from None
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise CalibrationError(f"--fit '{spec}': needs finite LOW < HIGH")
    elif item.scaled:
        low, high = 0.5, 1.5
    else:
        base = float(item.base)
        if base == 0:
            raise CalibrationError(f"--fit {name}: the scenario's value is 0, so there is no default range; give "
                                   f"one as {name}=LOW:HIGH")
        low, high = sorted((base * 0.5, base * 1.5))
        if share:
            low, high = max(0.0, low), min(1.0, high)
    if item.scaled and low < 0:
        raise CalibrationError(f"--fit '{spec}': a factor cannot be below 0")
    return FitValue(item, low, high, label, whole)


def check_fits(scenario: Scenario, fits: Sequence[FitValue]) -> None:
    """One to :data:`MAX_FIT` different values whose ranges give valid scenarios at both ends."""
    if not 1 <= len(fits) <= MAX_FIT:
        raise CalibrationError(f"give one to {MAX_FIT} values to fit with --fit (got {len(fits)})")
    paths = [f.path for f in fits]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise CalibrationError(f"--fit {twice[0]} is given twice")
    for f in fits:
        for x in (f.low, f.high):
            try:
                whatif.make_variant(scenario, f.changes(scenario, x))
            except VariantError as exc:
                reasons = "; ".join(f"{p.key}: {p.message}" for p in exc.problems)
                raise CalibrationError(f"--fit {f.path}: {f.text(x)} at the end of its range does not give a valid "
                                       f"scenario ({reasons})") from None


# ---- summaries and distance ---------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One summary: a series' total (a stock's mean) over the counted months of one block."""

    key: SeriesKey
    months: tuple[str, ...]
    where: np.ndarray  # positions of the months in the fitting run's months
    observed: float

    @property
    def label(self) -> str:
        name, role = self.key
        series = f"{name}.{role}" if role else name
        return f"{series} {self.months[0]}" + (f" to {self.months[-1]}" if len(self.months) > 1 else "")


def summaries(history: History, months: list[str], run_months: list[str], block: int = BLOCK_MONTHS) -> list[Summary]:
    """The summaries of ``history`` over ``months``: blocks of ``block`` months of each series, counted months only."""
    where = {m: i for i, m in enumerate(run_months)}
    months = [m for m in months if m in where]
    out = []
    for key in history.series:
        values = history.values[key]
        for start in range(0, len(months), block):
            chunk = [m for m in months[start:start + block]
                     if not math.isnan(values[history.months.index(m)])]
            if not chunk:
                continue
            observed = np.array([values[history.months.index(m)] for m in chunk])
            value = float(observed.mean() if is_stock(key) else observed.sum())
            out.append(Summary(key, tuple(chunk), np.array([where[m] for m in chunk]), value))
    return out


def summary_values(items: list[Summary], result) -> np.ndarray:
    """The summaries of one replication (a :class:`~tfsim.model.ReplicationResult`)."""
    get = replication_getter(result)
    cache: dict[SeriesKey, np.ndarray] = {}
    out = np.empty(len(items))
    for j, s in enumerate(items):
        if s.key not in cache:
            cache[s.key] = simulated(get, s.key)
        v = cache[s.key][s.where]
        out[j] = v.mean() if is_stock(s.key) else v.sum()
    return out


def distances(simulated_summaries: np.ndarray, observed: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Root mean square of ``(simulated - observed) / scale`` over the last axis."""
    z = (simulated_summaries - observed) / scales
    return np.sqrt(np.mean(z * z, axis=-1))


# ---- the answer ----------------------------------------------------------------------------------


@dataclass
class Generation:
    """One generation of the sequential Monte Carlo: its tolerance and how many proposals it kept."""

    number: int
    tolerance: float
    proposed: int
    kept: int
    ess: float
    replications: int

    @property
    def acceptance(self) -> float:
        return self.kept / self.proposed if self.proposed else float("nan")


@dataclass
class Calibration:
    """A calibration's answer.

    Attributes
    ----------
    scenario : Scenario
        The scenario as written.
    history : History
    fits : list of FitValue
    fit_months, holdout_months : list of str
        The months the values were fitted to, and the months held out.
    particles : numpy.ndarray
        The last generation's value sets, shape (particles, values), in the values' own terms.
    weights : numpy.ndarray
        Their normalised importance weights.
    particle_distances : numpy.ndarray
        Each particle's distance (mean over its replications).
    generations : list of Generation
    summaries : list of Summary
    scales : numpy.ndarray
        Each summary's spread in the pilot run (what the distance measures it in).
    pilot_distances : numpy.ndarray
        The distance of each pilot replication (the scenario as written) from the history.
    fitted : Scenario
        The scenario with every fitted value at its posterior median.
    changes : dict
        The key-path changes that make ``fitted`` from ``scenario``.
    before, after : Backtest or None
        The scenario as written and as fitted, run over the whole history on the same seeds and
        compared on the held-out months (None without a hold-out).
    before_fit, after_fit : Backtest or None
        The same runs compared on the fitting months.
    check_runs : tuple of ExperimentResults
        Those two runs (as written, as fitted), over every month of the history.
    """

    scenario: Scenario
    history: History
    fits: list[FitValue]
    fit_months: list[str]
    holdout_months: list[str]
    particles: np.ndarray
    weights: np.ndarray
    particle_distances: np.ndarray
    generations: list[Generation]
    summaries: list[Summary]
    scales: np.ndarray
    pilot_distances: np.ndarray
    fitted: Scenario
    changes: dict[str, Any]
    before: Backtest | None = None
    after: Backtest | None = None
    before_fit: Backtest | None = None
    after_fit: Backtest | None = None
    check_runs: tuple = ()
    seed: int = 0
    replications: int = 1
    tolerance: float = float("inf")
    replications_run: int = 0
    elapsed_seconds: float = 0.0
    run_at: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def base(self):
        """The check run of the scenario as written (what an export's provenance describes)."""
        return self.before_fit.results if self.before_fit is not None else None

    def quantiles(self, k: int, qs: Sequence[float]) -> np.ndarray:
        return weighted_quantiles(self.particles[:, k], self.weights, qs)

    def point(self, k: int) -> float:
        """Value ``k``'s posterior median."""
        return float(self.quantiles(k, [0.5])[0])

    def interval(self, k: int) -> tuple[float, float]:
        """Value ``k``'s 90% credible interval (5th to 95th weighted percentile)."""
        low, high = self.quantiles(k, [0.05, 0.95])
        return float(low), float(high)

    def width_share(self, k: int) -> float:
        """The 90% interval's width as a share of the prior's 90% range."""
        f = self.fits[k]
        low, high = self.interval(k)
        return (high - low) / (0.9 * (f.high - f.low))

    def pinned(self, k: int) -> bool:
        """Whether the history narrows value ``k`` well below its prior (see :data:`NOT_PINNED`)."""
        return self.width_share(k) < NOT_PINNED

    def backtests(self) -> tuple[Backtest, Backtest]:
        """The scenario as written and as fitted against every month of the history."""
        return tuple(compare(r, self.history) for r in self.check_runs)

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))

    def table(self) -> pd.DataFrame:
        """``calibrate.csv``: each value's prior, posterior percentiles, fitted value and whether it is pinned."""
        rows = []
        for k, f in enumerate(self.fits):
            p05, p50, p95 = self.quantiles(k, [0.05, 0.5, 0.95])
            mean = float(np.sum(self.weights * self.particles[:, k]))
            rows.append((f.path, f.label, f.low, f.high, p05, p50, p95, mean, f.setting(p50) if not f.scaled else p50,
                         f.base, self.width_share(k), self.pinned(k)))
        return pd.DataFrame(rows, columns=CALIBRATE_COLUMNS)

    def generation_table(self) -> pd.DataFrame:
        """``generations.csv``: each generation's tolerance, proposals, particles kept and effective size."""
        return pd.DataFrame([(g.number, g.tolerance, g.proposed, g.kept, g.acceptance, g.ess, g.replications)
                             for g in self.generations], columns=GENERATION_COLUMNS)

    def particle_table(self) -> pd.DataFrame:
        """``particles.csv``: the last generation, one row a particle: its values, weight and distance."""
        frame = pd.DataFrame(self.particles, columns=[f.path for f in self.fits])
        frame["weight"] = self.weights
        frame["distance"] = self.particle_distances
        return frame

    def holdout_table(self) -> pd.DataFrame:
        """``holdout.csv``: each series' error on the held-out (and fitting) months, as written and as fitted."""
        rows = []
        for part, before, after in (("holdout", self.before, self.after), ("fit", self.before_fit, self.after_fit)):
            if before is None or after is None:
                continue
            for b in before.series:
                a = after.fit(b.label)
                rows.append((part, b.label, len(b.months), b.mae, a.mae, b.mape, a.mape, b.share_inside,
                             a.share_inside, b.fits, a.fits))
        return pd.DataFrame(rows, columns=["months", "series", "count", "mae_before", "mae_after", "mape_before",
                                           "mape_after", "share_inside_90_before", "share_inside_90_after",
                                           "fits_before", "fits_after"])


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (linear between the midpoints of the sorted weights)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = weights > 0
    order = np.argsort(values[keep], kind="stable")
    v, w = values[keep][order], weights[keep][order]
    w = w / w.sum()
    cum = np.cumsum(w) - w / 2
    return np.interp(qs, cum, v)


# ---- the sequential Monte Carlo --------------------------------------------------------------------


def _batch_seed(seed: int, generation: int, batch: int) -> int:
    """The experiment seed of one batch of candidates: its own random numbers, the same for any jobs."""
    return int(np.random.SeedSequence([seed, 1_000_003, generation, batch]).generate_state(1, dtype=np.uint32)[0])


def split_months(history: History, scenario: Scenario, holdout: float = 0.25,
                 fit_until: str | None = None) -> tuple[list[str], list[str]]:
    """The history's months to fit and to hold out: the last ``holdout`` share held out, or those after ``fit_until``."""
    first = f"{scenario.start_date:%Y-%m}"
    counted = [m for i, m in enumerate(history.months)
               if m >= first and any(not math.isnan(history.values[k][i]) for k in history.series)]
    if fit_until is not None:
        fit = [m for m in counted if m <= fit_until]
    else:
        if not 0 <= holdout < 1:
            raise CalibrationError("--holdout must be at least 0 and below 1 (0.25 holds out the last quarter)")
        fit = counted[: len(counted) - int(round(holdout * len(counted)))]
    hold = counted[len(fit):]
    if len(fit) < 3:
        raise CalibrationError(f"{history.name}: {len(fit)} month(s) to fit on; a calibration needs at least 3 "
                               "(hold fewer months out with --holdout)")
    return fit, hold


class _Sampler:
    """Runs candidates through the runner in batches and scores them against the history."""

    def __init__(self, base: Scenario, fits: list[FitValue], items: list[Summary], observed: np.ndarray,
                 scales: np.ndarray, runner: Runner, seed: int, replications: int):
        self.base, self.fits, self.items = base, fits, items
        self.observed, self.scales = observed, scales
        self.runner, self.seed, self.replications = runner, seed, replications
        self.runs = 0

    def scenario_of(self, x: np.ndarray) -> Scenario | None:
        changes: dict[str, Any] = {}
        for f, v in zip(self.fits, x):
            changes.update(f.changes(self.base, float(v)))
        try:
            return whatif.make_variant(self.base, changes)
        except VariantError:
            return None

    def distances(self, xs: np.ndarray, generation: int, batch: int) -> np.ndarray:
        """Distances of candidates ``xs`` (values), shape (candidates, replications); inf where invalid."""
        out = np.full((len(xs), self.replications), np.inf)
        scenarios = [self.scenario_of(x) for x in xs]
        valid = [i for i, s in enumerate(scenarios) if s is not None]
        if not valid:
            return out
        runs = self.runner.replications([scenarios[i] for i in valid], _batch_seed(self.seed, generation, batch),
                                        range(self.replications))
        self.runs += len(valid) * self.replications
        for i, results in zip(valid, runs):
            sims = np.array([summary_values(self.items, r) for r in results])
            out[i] = distances(sims, self.observed, self.scales)
        return out


def calibrate(scenario: Scenario, history: History, fits: Sequence[FitValue], runner: Runner, *,
              particles: int = 100, replications: int = 1, generations: int = 6, holdout: float = 0.25,
              fit_until: str | None = None, seed: int = 12345, pilot: int = 20, check_replications: int = 50,
              min_acceptance: float = 0.05, block: int = BLOCK_MONTHS, note: NoteFn | None = None) -> Calibration:
    """Fit ``fits`` to ``history`` by ABC-SMC (see the module docstring) and check the fit on held-out months.

    Parameters
    ----------
    scenario : Scenario
        The scenario as written; every other value stays as it is.
    history : History
        The council's months.
    fits : sequence of FitValue
        The values to fit, with their prior ranges (:func:`parse_fit`).
    runner : Runner
        Runs every replication (warm pool, Dask, progress and cancel are the runner's).
    particles : int
        Particles in each generation.
    replications : int
        Replications of each candidate; it is kept in proportion to how many of them lie
        within the tolerance.
    generations : int
        Most generations after the first draw from the prior.
    holdout : float
        Share of the history's last months left out of the fit (0: fit on all of it).
    fit_until : str, optional
        Fit on the months up to this ``YYYY-MM`` instead (the rest held out).
    seed : int
        Seed of the draws and of every replication.
    pilot : int
        Replications of the scenario as written that set each summary's spread.
    check_replications : int
        Replications of the scenario as written and as fitted run over the whole history.
    min_acceptance : float
        Stop when a generation keeps fewer than this share of its proposals.
    block : int
        Months a summary covers.
    note : callable, optional
        Called with a line of text after each generation (the CLI prints it).
    """
    fits = list(fits)
    check_fits(scenario, fits)
    if block < 1:
        raise CalibrationError("--block-months must be at least 1")
    if particles < 10:
        raise CalibrationError("--particles must be at least 10")
    if replications < 1 or pilot < 2 or check_replications < 2 or generations < 1:
        raise CalibrationError("--replications, --generations must be at least 1 and the pilot and check runs at "
                               "least 2 replications")
    problems = check_against(history, scenario)
    if problems:
        raise HistoryError(history.filename, problems)
    started, runs_before = time.perf_counter(), runner.done
    say = note or (lambda _text: None)
    fit_months, hold_months = split_months(history, scenario, holdout, fit_until)
    base = scenario_over(scenario, fit_months)
    run_months = month_labels(base)
    items = summaries(history, fit_months, run_months, block)
    if not items:
        raise CalibrationError(f"{history.name}: no month to fit on is inside the scenario's run")
    observed = np.array([s.observed for s in items])

    # pilot: the scenario as written sets each summary's spread
    pilot_runs = runner.replications([base], seed, range(pilot))[0]
    pilot_sims = np.array([summary_values(items, r) for r in pilot_runs])
    floors = np.array([SCALE_FLOOR[HISTORY[s.key[0]].unit] for s in items])
    scales = np.maximum(pilot_sims.std(axis=0, ddof=1), floors)
    pilot_d = distances(pilot_sims, observed, scales)
    say(f"pilot: {pilot} runs of the scenario as written, distance median {np.median(pilot_d):.2f}; "
        f"{len(items)} summaries of {len(history.series)} series over {len(fit_months)} months")

    sampler = _Sampler(base, fits, items, observed, scales, runner, seed, replications)
    lows = np.array([f.low for f in fits])
    spans = np.array([f.high - f.low for f in fits])
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2_000_003]))
    batch = max(10, particles // 5)  # fixed by the particles, never by the jobs: the same answer for any jobs

    # generation 0: the prior
    u = rng.random((particles, len(fits)))
    d = np.vstack([sampler.distances(lows + spans * u[i:i + batch], 0, i // batch)
                   for i in range(0, particles, batch)])
    finite = np.isfinite(d).all(axis=1)
    if not finite.any():
        raise CalibrationError("no value set drawn from the ranges gives a valid scenario; narrow the ranges")
    u, d = u[finite], d[finite]
    w = np.full(len(u), 1.0 / len(u))
    record = [Generation(0, float("inf"), particles, len(u), float(len(u)), sampler.runs)]
    say(f"generation 0: {len(u)} draws from the prior, distance median {np.median(d):.2f}")
    tolerance = float(np.quantile(d, TOLERANCE_QUANTILE))
    final_tolerance = float("inf")  # the tolerance the population kept meets

    for g in range(1, generations + 1):
        sd = np.sqrt(2 * np.cov(u.T, aweights=w, ddof=0).reshape(len(fits), len(fits)).diagonal())
        sd = np.maximum(sd, 1e-3)
        kept_u, kept_d, kept_w = [], [], []
        proposed, b = 0, 0
        budget = int(math.ceil(particles / min_acceptance))
        runs_at = sampler.runs
        while len(kept_u) < particles and proposed < budget:
            n = min(batch, budget - proposed)
            ancestors = rng.choice(len(u), size=n, p=w)
            cand = u[ancestors] + rng.normal(size=(n, len(fits))) * sd
            for _ in range(100):  # redraw steps outside the prior's box (the kernel is truncated to it)
                out = ((cand < 0) | (cand > 1)).any(axis=1)
                if not out.any():
                    break
                cand[out] = u[ancestors[out]] + rng.normal(size=(int(out.sum()), len(fits))) * sd
            cand = np.clip(cand, 0, 1)
            dist = sampler.distances(lows + spans * cand, g, b)
            proposed += n
            b += 1
            for i in range(n):
                share = float(np.mean(dist[i] <= tolerance))
                if share <= 0 or len(kept_u) >= particles:
                    continue
                kept_u.append(cand[i])
                kept_d.append(dist[i])
                kept_w.append(share / _kernel_density(cand[i], u, w, sd))
        kept = len(kept_u)
        if kept < max(5, particles // 2):
            say(f"generation {g}: kept {kept} of {proposed} proposals within tolerance {tolerance:.2f}; stopping "
                "with the last generation")
            record.append(Generation(g, tolerance, proposed, kept, float("nan"), sampler.runs - runs_at))
            break
        new_w = truncated(np.array(kept_w))
        ess = float(1 / np.sum(new_w ** 2))
        if ess < MIN_ESS_SHARE * particles:
            say(f"generation {g}: kept {kept} of {proposed} proposals within tolerance {tolerance:.2f}, but a few "
                f"carry the weight (effective sample {ess:.0f}); stopping with the last generation")
            record.append(Generation(g, tolerance, proposed, kept, ess, sampler.runs - runs_at))
            break
        u, d, w = np.array(kept_u), np.array(kept_d), new_w
        record.append(Generation(g, tolerance, proposed, kept, ess, sampler.runs - runs_at))
        final_tolerance = tolerance
        say(f"generation {g}: tolerance {tolerance:.2f}, kept {kept} of {proposed} proposals "
            f"({kept / proposed:.0%}), effective sample {ess:.0f}")
        acceptance = kept / proposed
        next_tolerance = float(np.quantile(d, TOLERANCE_QUANTILE))
        if acceptance < min_acceptance or next_tolerance > 0.98 * tolerance:
            break
        tolerance = next_tolerance

    values = lows + spans * u
    result = Calibration(scenario, history, fits, fit_months, hold_months, values, w, d.mean(axis=1), record, items,
                         scales, pilot_d, scenario, {}, seed=seed, replications=replications,
                         tolerance=final_tolerance)
    result.changes = fitted_changes(scenario, fits, [result.point(k) for k in range(len(fits))])
    result.fitted = whatif.make_variant(scenario, result.changes)
    for k, f in enumerate(fits):
        if not result.pinned(k):
            result.notes.append(f"The history cannot pin {f.label}: its 90% interval is {result.width_share(k):.0%} "
                                "of the prior's range.")

    # the check: as written and as fitted, over the whole history, on the same seeds
    whole = [m for m in history.months if m >= f"{scenario.start_date:%Y-%m}"]
    pair = runner.run_many([scenario_over(scenario, whole), scenario_over(result.fitted, whole)], check_replications,
                           seed)
    result.check_runs = tuple(pair)
    if hold_months:
        result.before, result.after = (compare(r, history, hold_months) for r in pair)
    result.before_fit, result.after_fit = (compare(r, history, fit_months) for r in pair)
    result.replications_run = runner.done - runs_before
    result.elapsed_seconds = time.perf_counter() - started
    result.run_at = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
    return result


def truncated(weights: np.ndarray) -> np.ndarray:
    """Importance weights capped at the square root of their number times their mean, then normalised.

    Truncated importance sampling (Ionides 2008, Journal of Computational and Graphical
    Statistics): a particle proposed where the proposal is thin can otherwise take most of
    the weight of a small population; the cap trades a little bias for far less variance.
    """
    w = np.asarray(weights, dtype=float)
    w = np.minimum(w, math.sqrt(len(w)) * w.mean())
    return w / w.sum()


def _kernel_density(x: np.ndarray, u: np.ndarray, w: np.ndarray, sd: np.ndarray) -> float:
    """Density at ``x`` of the proposal: a weighted mixture of Gaussian steps truncated to the unit box."""
    z = (x - u) / sd
    inside = np.prod(ndtr((1 - u) / sd) - ndtr(-u / sd), axis=1)
    dens = np.exp(-0.5 * np.sum(z * z, axis=1)) / np.prod(sd) / inside
    return float(np.sum(w * dens)) + 1e-300


def _rounded(value: Any) -> Any:
    """A fitted number as written: four significant figures (whole numbers as they are)."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def fitted_changes(scenario: Scenario, fits: Sequence[FitValue], points: Sequence[float]) -> dict[str, Any]:
    """The key-path changes that put every fitted value at its point, rounded as they are written."""
    changes: dict[str, Any] = {}
    for f, x in zip(fits, points):
        changes.update({p: _rounded(v) for p, v in f.changes(scenario, x).items()})
    return changes


# ---- the fitted scenario file ---------------------------------------------------------------------


def value_comment(cal: Calibration, k: int, sha256: str | None = None, day: dt.date | None = None) -> str:
    """The comment written beside fitted value ``k``: history file, SHA-256, date, interval and prior."""
    f = cal.fits[k]
    low, high = cal.interval(k)
    day = day or dt.date.today()
    sha = sha256 or cal.history.sha256
    what = "factor " if f.scaled else ""
    pinned = "" if cal.pinned(k) else "; the history cannot pin it"
    return (f"FITTED by tfsim calibrate to {cal.history.name} (SHA-256 {sha}) on {day.isoformat()}: {what}"
            f"{f.text(cal.point(k))}, 90% credible interval {f.text(low)} to {f.text(high)} (prior {f.text(f.low)} "
            f"to {f.text(f.high)}){pinned}")


def _describe(value: Any) -> str:
    if isinstance(value, dict) and "distribution" in value:
        inner = ", ".join(f"{k} {whatif.describe_value(v)}" for k, v in value.items() if k != "distribution")
        return f"{value['distribution']} ({inner})"
    return whatif.describe_value(value)


def header_lines(cal: Calibration, day: dt.date | None = None) -> list[str]:
    """The comment lines put at the top of the fitted scenario file."""
    day = day or dt.date.today()
    hold = (f"; months {cal.holdout_months[0]} to {cal.holdout_months[-1]} held out"
            if cal.holdout_months else "")
    text = (f"fitted on months {cal.fit_months[0]} to {cal.fit_months[-1]}{hold}, by ABC-SMC with "
            f"{len(cal.particles)} particles, {len(cal.generations) - 1} generation(s), seed {cal.seed}. Each "
            "fitted value is its posterior median; the FITTED comment beside it gives its 90% credible interval. "
            "Everything else is as in the scenario it was fitted from.")
    return ([f"CALIBRATED by tfsim calibrate on {day.isoformat()} to {cal.history.name}",
             f"  (SHA-256 {cal.history.sha256}),"] + ["  " + line for line in textwrap.wrap(text, 88)])


def change_comments(cal: Calibration, day: dt.date | None = None) -> dict[str, str]:
    """The comment for each key path a calibration changes (:func:`value_comment`, then the value before)."""
    comments: dict[str, str] = {}
    for k, f in enumerate(cal.fits):
        for path in f.changes(cal.scenario, cal.point(k)):
            comments[path] = value_comment(cal, k, day=day) + f"; was {_describe(whatif.value_at(cal.scenario, path))}"
    return comments


def annotate_toml(text: str, changes: dict[str, Any], comments: dict[str, str], scenario: Scenario,
                  header: list[str] = ()) -> str | None:
    """``text`` with the values at ``changes`` set and ``comments`` beside them, every other line kept.

    Each changed key gets its comment, followed by the note its line had (``its note was:
    ...``), so the source a value was first taken from is never lost; a key inside an inline
    table comments the line holding the table; a key the file left out (a default) is added
    with its comment.  A line fitted before keeps the note from before its first fitting.  ``scenario`` is the one ``text`` describes (roles are found by id); ``header``
    lines go on top as comments.  Returns None when the text cannot be changed so (tomlkit
    missing, a path not in the file's layout).
    """
    if tomlkit is None:
        return None
    try:
        doc = tomlkit.parse(text)
        notes: dict[tuple[int, str], str] = {}  # each commented line's note before, and this pass's comments
        for path, value in changes.items():
            _set_commented(doc, scenario, path, value, comments.get(path, ""), notes)
        out = tomlkit.dumps(doc)
    except Exception:  # any trouble in tomlkit: the caller has a plain way
        return None
    head = "".join(f"# {line}".rstrip() + "\n" for line in header)
    return head + ("#\n" if header else "") + out


def fitted_toml(original: str, cal: Calibration, day: dt.date | None = None) -> str:
    """The scenario file ``original`` with the fitted values, a FITTED comment beside each, its other comments kept.

    See :func:`annotate_toml`.  The text is parsed back and kept only if it gives exactly the
    fitted scenario; otherwise the scenario is written afresh with the comments of
    ``original`` where they still apply and the FITTED comments at the top.
    """
    day = day or dt.date.today()
    comments = change_comments(cal, day)
    header = header_lines(cal, day)
    text = annotate_toml(original, cal.changes, comments, cal.scenario, header)
    if text is not None and _same_scenario(text, cal.fitted):
        return text
    lines = header + [""] + [f"{path}: {comment}" for path, comment in comments.items()]
    return "".join(f"# {line}".rstrip() + "\n" for line in lines) + "\n" + scenario_to_toml(cal.fitted, original)


def _same_scenario(text: str, scenario: Scenario) -> bool:
    found, problems = check_scenario_data(tomllib.loads(text))
    return found is not None and not problems and found.model_dump() == scenario.model_dump()


#: What a FITTED comment says before the note its line had.
EARLIER_NOTE = "; its note was: "
_OUR_MARK = "FITTED by tfsim calibrate"


def _earlier_note(trivia_comment: str) -> str:
    """The note a line had before it was fitted: its comment, or what a FITTED comment kept of it."""
    note = trivia_comment.strip()
    note = note[1:].strip() if note.startswith("#") else note
    if note.startswith(_OUR_MARK):  # fitted before: keep only the note from before that
        _, sep, before = note.partition(EARLIER_NOTE)
        return before if sep else ""
    return note


def _with_note(comment: str, note: str) -> str:
    return f"{comment}{EARLIER_NOTE}{note}" if note else comment


def _set_commented(doc, scenario: Scenario, path: str, value: Any, comment: str,
                   notes: dict[tuple[int, str], str] | None = None) -> None:
    """Set ``value`` at the key path in the tomlkit document and put ``comment`` on its line.

    ``notes`` keeps, for each line commented in this pass, the note it had before (so several
    keys of one inline table share one note).
    """
    notes = {} if notes is None else notes
    parts = path.split(".")
    node: Any = doc
    line_item: Any = None  # the outermost inline table on the way: its line takes the comment
    line_parent, line_key = None, None
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, (list, AoT)):
            index = int(part) if part.isdigit() else next(
                (j for j, item in enumerate(node) if _unwrap(item.get("id")) == part), None)
            if index is None:
                raise KeyError(path)
            child = node[index]
        elif part in node:
            child = node[part]
        else:
            node[part] = tomlkit.table()
            child = node[part]
        if isinstance(child, InlineTable) and line_item is None:
            line_item, line_parent, line_key = child, node, part
        node = child
    key = parts[-1]
    old = node[key] if key in node else None
    if line_item is not None and (id(line_item), "before") not in notes:
        notes[id(line_item), "before"] = _earlier_note(line_item.trivia.comment)
    node[key] = _item(value)
    if not comment:
        return
    if line_item is not None:  # inside an inline table: the comment goes on the table's line
        holder = line_parent[line_key]
        ours = notes.get((id(line_item), "ours"), "")  # this pass's FITTED comments on the line
        ours = f"{ours} | {comment}" if ours else comment
        notes[id(line_item), "ours"] = ours
        holder.comment(_with_note(ours, notes[id(line_item), "before"]))
    else:
        item = node[key]
        earlier = _earlier_note(getattr(getattr(old, "trivia", None), "comment", "") or "")
        item.comment(_with_note(comment, earlier))
        # the comment where the file had it: the value's old comment column, less what the value grew by
        ws = getattr(getattr(old, "trivia", None), "comment_ws", "") if old is not None else ""
        if ws:
            grown = len(item.as_string()) - len(old.as_string())
            item.trivia.comment_ws = " " * max(1, len(ws) - grown)


def _item(value: Any) -> Any:
    """A tomlkit item for a fitted value: a distribution (or any table) inline, as the files write them."""
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update(value)
        return table
    return tomlkit.item(value)


def _unwrap(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


# ---- in words -------------------------------------------------------------------------------------


def format_calibration(cal: Calibration, jobs: int = 1) -> str:
    """The calibration in words: each value's range, the generations, and the hold-out check."""
    gens = len(cal.generations) - 1
    lines = [f"{cal.scenario.name} fitted to {cal.history.name}: {len(cal.fit_months)} months "
             f"({cal.fit_months[0]} to {cal.fit_months[-1]}), {len(cal.summaries)} summaries; ABC-SMC with "
             f"{len(cal.particles)} particles, {gens} generation(s), {cal.replications_run:,} replications, "
             f"{cal.elapsed_seconds:.1f} s on {jobs} process{'es' if jobs > 1 else ''}", ""]
    lines.append(f"{'value':<58} {'as written':>11} {'fitted':>9} {'90% interval':>20} {'prior':>20}")
    for k, f in enumerate(cal.fits):
        low, high = cal.interval(k)
        mark = "" if cal.pinned(k) else "  not pinned"
        lines.append(f"{shorten_label(f.label):<58} {f.text(f.base):>11} {f.text(cal.point(k)):>9} "
                     f"{f.text(low) + ' to ' + f.text(high):>20} {f.text(f.low) + ' to ' + f.text(f.high):>20}{mark}")
    lines += ["", f"Final tolerance {cal.tolerance:.2f} (distance of the scenario as written: median {np.median(cal.pilot_distances):.2f}; of the particles: "
              f"median {np.median(cal.particle_distances):.2f}); effective sample {cal.ess:.0f}."]
    lines += cal.notes
    for title, before, after in (("Held-out months", cal.before, cal.after), ("Fitting months", cal.before_fit,
                                                                               cal.after_fit)):
        if before is None or after is None:
            continue
        lines += ["", f"{title} ({before.months[0]} to {before.months[-1]}), {before.results.replications} runs each "
                  "on the same seeds: mean absolute error, as written -> fitted (share in the 90% band)"]
        for b in before.series:
            a = after.fit(b.label)
            if not a.mae and not b.mae:
                continue
            metric = b.metric
            d = metric.decimals + 1
            lines.append(f"  {b.label:<24} {metric.format(b.mae, decimals=d):>14} -> "
                         f"{metric.format(a.mae, decimals=d):<14} ({b.share_inside:.0%} -> {a.share_inside:.0%})"
                         + ("" if a.fits else "  does not fit"))
    if not cal.holdout_months:
        lines += ["", "No months were held out (--holdout 0): the errors above are on the months fitted to."]
    return "\n".join(lines)


def shorten_label(text: str, width: int = 58) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


__all__ = ["CALIBRATE_COLUMNS", "Calibration", "CalibrationError", "FitValue", "GENERATION_COLUMNS", "Generation",
           "MAX_FIT", "Summary", "calibrate", "check_fits", "distances", "fitted_changes", "fitted_toml",
           "annotate_toml", "change_comments", "format_calibration", "header_lines", "parse_fit", "split_months", "summaries", "summary_values",
           "value_comment", "weighted_quantiles"]
