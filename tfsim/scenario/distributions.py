"""Distributions of durations and counts in a scenario file.

A key holding a distribution takes a plain number (a fixed value) or an inline table
such as ``duration_months = {distribution = "lognormal", mean = 12, sd = 3}``; the
unit is the one in the key's name.  Each kind is a frozen pydantic model that knows
its mean and standard deviation, how to draw from itself with a NumPy generator, its
inverse cumulative distribution function (:meth:`~DistributionModel.quantile`, which
turns a uniform draw into a value, so that one uniform per family can be read through
whichever distribution applies) and its cumulative distribution function, how to
describe itself in words, and the short label the app's editor shows.

:data:`DISTRIBUTION_KINDS` is the one list of kinds: the schema's ``Distribution``
type, the reference document, the error messages and the editor all read it.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Callable, ClassVar, Literal, Union

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from .base import StrictModel

Positive = Annotated[float, Field(ge=0, le=1e6)]
PositiveMean = Annotated[float, Field(gt=0, le=1e6)]

#: Largest standard deviation of a log-normal or gamma, as a multiple of its mean.  Beyond
#: it the shapes degenerate: a gamma's shape falls below 0.0025 (draws underflow to zero or,
#: with a tiny mean, come out as NaN) and a log-normal's largest draws overflow.  No
#: distribution in the bundled scenarios has a standard deviation over half its mean.
MAX_SPREAD_RATIO = 20.0

#: A function drawing a block of ``n`` values: ``fill(n) -> np.ndarray``.
BlockFunction = Callable[[int], np.ndarray]
#: What :meth:`DistributionModel.quantile` and :meth:`DistributionModel.cdf` take: a number or an array.
ArrayLike = Union[float, np.ndarray]

_PLURAL_UNITS = {"days": "day", "weeks": "week", "months": "month", "years": "year"}


def _special():
    """scipy.special, imported when a lognormal or gamma is first read through its CDF (it costs a
    quarter of a second, which validating a file or starting a worker should not pay)."""
    from scipy import special

    return special


def format_number(x: float) -> str:
    """A number as a person would write it: ``4``, ``0.55``, ``12,000``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def _quantity(x: float, unit: str) -> str:
    """``x`` followed by ``unit`` (singular for exactly one day, week, month or year)."""
    if not unit:
        return format_number(x)
    if x == 1:
        unit = _PLURAL_UNITS.get(unit, unit)
    return f"{format_number(x)} {unit}"


def _out(x: np.ndarray, like: ArrayLike) -> ArrayLike:
    """``x`` as a float when the input ``like`` was a number, else as an array."""
    return float(x) if np.ndim(like) == 0 else x


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class DistributionModel(StrictModel):
    """What every distribution kind offers; subclasses add their parameters."""

    #: Short name of the kind with its parameters, shown in the app's kind selector.
    label: ClassVar[str] = ""

    def expected_value(self) -> float:
        """Mean of the draws, in the unit of the key holding the distribution."""
        raise NotImplementedError

    def standard_deviation(self) -> float:
        """Standard deviation of the draws, in the unit of the key holding the distribution."""
        raise NotImplementedError

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        """Return ``fill(n)`` drawing ``n`` values of this distribution times ``scale``.

        Parameters
        ----------
        gen
            The stream to draw from; each call of ``fill`` makes one NumPy call on it.
        scale
            Factor applied to every value (e.g. days per month), folded into the
            parameters once rather than multiplied into each block.
        """
        raise NotImplementedError

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        """The value with probability ``u`` of a draw at or below it (inverse CDF), times ``scale``.

        Parameters
        ----------
        u
            Probabilities in [0, 1): a number or an array (the result has its shape).
            With ``u`` uniform the values have this distribution; a larger ``u`` never
            gives a smaller value, so two distributions read at the same ``u`` move together.
        scale
            Factor applied to every value (e.g. days per month).

        Returns
        -------
        float or numpy.ndarray
            In the unit of the key holding the distribution, times ``scale``.
        """
        raise NotImplementedError

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        """Probability of a draw (times ``scale``) at or below ``x``: a number or an array."""
        raise NotImplementedError

    def describe(self, unit: str = "") -> str:
        """The distribution in words, e.g. ``"exponential with mean 4 months"``.

        Parameters
        ----------
        unit
            Unit of the values (from the key's name, see :func:`tfsim.scenario.introspect.unit_of`);
            empty for counts.
        """
        raise NotImplementedError


class Fixed(DistributionModel):
    """Always the same value."""

    label: ClassVar[str] = "Fixed value"
    distribution: Literal["fixed"] = "fixed"
    value: Positive = Field(description="The value every draw takes.")

    def expected_value(self) -> float:
        return self.value

    def standard_deviation(self) -> float:
        return 0.0

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        value = self.value * scale
        return lambda n: np.full(n, value)

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        return _out(np.full(np.shape(u), self.value * scale), u)

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        return _out((np.asarray(x, dtype=float) >= self.value * scale).astype(float), x)

    def describe(self, unit: str = "") -> str:
        return f"always {_quantity(self.value, unit)}"


class Exponential(DistributionModel):
    """Exponential (memoryless) with the given mean."""

    label: ClassVar[str] = "Exponential (mean)"
    distribution: Literal["exponential"] = "exponential"
    mean: PositiveMean = Field(description="Mean of the draws.")

    def expected_value(self) -> float:
        return self.mean

    def standard_deviation(self) -> float:
        return self.mean

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        mean = self.mean * scale
        return lambda n: gen.exponential(mean, n)

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        return _out(-(self.mean * scale) * np.log1p(-np.asarray(u, dtype=float)), u)

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        x = np.asarray(x, dtype=float)
        return _out(-np.expm1(-np.maximum(x, 0.0) / (self.mean * scale)), x)

    def describe(self, unit: str = "") -> str:
        return f"exponential with mean {_quantity(self.mean, unit)}"


class Uniform(DistributionModel):
    """Uniform between low and high."""

    label: ClassVar[str] = "Uniform (low to high)"
    distribution: Literal["uniform"] = "uniform"
    low: Positive = Field(description="Smallest value.")
    high: Positive = Field(description="Largest value.")

    @model_validator(mode="after")
    def _order(self) -> "Uniform":
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self

    def expected_value(self) -> float:
        return (self.low + self.high) / 2

    def standard_deviation(self) -> float:
        return (self.high - self.low) / math.sqrt(12)

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        low, high = self.low * scale, self.high * scale
        return lambda n: gen.uniform(low, high, n)

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        low, high = self.low * scale, self.high * scale
        return _out(low + (high - low) * np.asarray(u, dtype=float), u)

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        low, high = self.low * scale, self.high * scale
        x = np.asarray(x, dtype=float)
        if high == low:
            return _out((x >= low).astype(float), x)
        return _out(np.clip((x - low) / (high - low), 0.0, 1.0), x)

    def describe(self, unit: str = "") -> str:
        return f"uniform from {format_number(self.low)} to {_quantity(self.high, unit)}"


class Triangular(DistributionModel):
    """Triangular: low, most likely (mode), high."""

    label: ClassVar[str] = "Triangular (low, most likely, high)"
    distribution: Literal["triangular"] = "triangular"
    low: Positive = Field(description="Smallest value.")
    mode: Positive = Field(description="Most likely value.")
    high: Positive = Field(description="Largest value.")

    @model_validator(mode="after")
    def _order(self) -> "Triangular":
        if not (self.low <= self.mode <= self.high):
            raise ValueError("needs low <= mode <= high")
        if self.high == self.low:
            raise ValueError("high must be greater than low (use a fixed value instead)")
        return self

    def expected_value(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def standard_deviation(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        low, mode, high = self.low * scale, self.mode * scale, self.high * scale
        return lambda n: gen.triangular(low, mode, high, n)

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        a, c, b = self.low * scale, self.mode * scale, self.high * scale
        p = np.asarray(u, dtype=float)
        at_mode = (c - a) / (b - a)  # probability of a draw below the mode
        rising = a + np.sqrt(p * (b - a) * (c - a))
        falling = b - np.sqrt((1.0 - p) * (b - a) * (b - c))
        return _out(np.where(p < at_mode, rising, falling), u)

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        a, c, b = self.low * scale, self.mode * scale, self.high * scale
        x = np.clip(np.asarray(x, dtype=float), a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            rising = (x - a) ** 2 / ((b - a) * (c - a))
            falling = 1.0 - (b - x) ** 2 / ((b - a) * (b - c))
        return _out(np.where(x <= c, np.where(c > a, rising, 0.0), np.where(b > c, falling, 1.0)), x)

    def describe(self, unit: str = "") -> str:
        return (f"triangular from {format_number(self.low)} to {_quantity(self.high, unit)}, "
                f"most likely {format_number(self.mode)}")


def _check_spread(mean: float, sd: float) -> None:
    if sd > MAX_SPREAD_RATIO * mean:
        raise ValueError(f"sd may be at most {MAX_SPREAD_RATIO:g} times the mean (here {sd / mean:.3g} times); "
                         "a wider spread gives degenerate draws")


class LogNormal(DistributionModel):
    """Log-normal given by the mean and standard deviation of the values themselves (sd at most 20 times the mean)."""

    label: ClassVar[str] = "Log-normal (mean, spread)"
    distribution: Literal["lognormal"] = "lognormal"
    mean: PositiveMean = Field(description="Mean of the draws.")
    sd: PositiveMean = Field(description="Standard deviation of the draws.")

    @model_validator(mode="after")
    def _bounded_spread(self) -> "LogNormal":
        _check_spread(self.mean, self.sd)
        return self

    def expected_value(self) -> float:
        return self.mean

    def standard_deviation(self) -> float:
        return self.sd

    def _normal(self, scale: float) -> tuple[float, float]:
        """Mean and standard deviation of the underlying normal, from the mean and sd of the values."""
        sigma2 = math.log(1.0 + (self.sd / self.mean) ** 2)
        return math.log(self.mean * scale) - sigma2 / 2, math.sqrt(sigma2)

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        mu, sigma = self._normal(scale)
        return lambda n: gen.lognormal(mu, sigma, n)

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        mu, sigma = self._normal(scale)
        return _out(np.exp(mu + sigma * _special().ndtri(np.asarray(u, dtype=float))), u)

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        mu, sigma = self._normal(scale)
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - mu) / sigma
        return _out(_special().ndtr(z), x)

    def describe(self, unit: str = "") -> str:
        return f"log-normal with mean {_quantity(self.mean, unit)} and standard deviation {format_number(self.sd)}"


class Gamma(DistributionModel):
    """Gamma given by its mean and standard deviation (sd at most 20 times the mean)."""

    label: ClassVar[str] = "Gamma (mean, spread)"
    distribution: Literal["gamma"] = "gamma"
    mean: PositiveMean = Field(description="Mean of the draws.")
    sd: PositiveMean = Field(description="Standard deviation of the draws.")

    @model_validator(mode="after")
    def _bounded_spread(self) -> "Gamma":
        _check_spread(self.mean, self.sd)
        return self

    def expected_value(self) -> float:
        return self.mean

    def standard_deviation(self) -> float:
        return self.sd

    def _shape_scale(self, scale: float) -> tuple[float, float]:
        return (self.mean / self.sd) ** 2, self.sd**2 / self.mean * scale

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        shape, theta = self._shape_scale(scale)
        return lambda n: gen.gamma(shape, theta, n)

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        shape, theta = self._shape_scale(scale)
        return _out(theta * _special().gammaincinv(shape, np.asarray(u, dtype=float)), u)

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        shape, theta = self._shape_scale(scale)
        x = np.asarray(x, dtype=float)
        return _out(_special().gammainc(shape, np.maximum(x, 0.0) / theta), x)

    def describe(self, unit: str = "") -> str:
        return f"gamma with mean {_quantity(self.mean, unit)} and standard deviation {format_number(self.sd)}"


class Empirical(DistributionModel):
    """Values drawn with the given weights (equal weights when omitted; weights from 0 to 1,000,000, not all zero)."""

    label: ClassVar[str] = "From a list of values"
    #: Most values :meth:`describe` lists one by one.
    DESCRIBE_MAX_VALUES: ClassVar[int] = 8

    distribution: Literal["empirical"] = "empirical"
    values: list[Positive] = Field(min_length=1, max_length=1000, description="The possible values.")
    weights: list[Annotated[float, Field(ge=0, le=1e6)]] | None = Field(
        default=None, max_length=1000, description="Relative weight of each value (need not sum to 1; not all zero)."
    )

    @model_validator(mode="after")
    def _weights(self) -> "Empirical":
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights has {len(self.weights)} entries but values has {len(self.values)}"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def _probabilities(self) -> list[float]:
        w = self.weights or [1.0] * len(self.values)
        total = sum(w)
        return [x / total for x in w]

    def expected_value(self) -> float:
        return sum(v * p for v, p in zip(self.values, self._probabilities()))

    def standard_deviation(self) -> float:
        mean = self.expected_value()
        return math.sqrt(sum(p * (v - mean) ** 2 for v, p in zip(self.values, self._probabilities())))

    def block_function(self, gen: np.random.Generator, scale: float = 1.0) -> BlockFunction:
        values = np.asarray(self.values, dtype=float) * scale
        weights = np.asarray(self.weights if self.weights is not None else [1.0] * len(values), dtype=float)
        p = weights / weights.sum()
        # Generator.choice(values, size=n, p=p) without its checks of p on every call: the
        # same cumulative table and the same uniforms, so the same draws (tested)
        cdf = p.cumsum()
        cdf /= cdf[-1]
        return lambda n: values[cdf.searchsorted(gen.random(n), side="right")]

    def _sorted(self, scale: float) -> tuple[np.ndarray, np.ndarray]:
        """The values in increasing order (times ``scale``) and the cumulative probabilities up to each."""
        values = np.asarray(self.values, dtype=float) * scale
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(np.asarray(self._probabilities(), dtype=float)[order])
        return values[order], cum

    def quantile(self, u: ArrayLike, scale: float = 1.0) -> ArrayLike:
        values, cum = self._sorted(scale)
        # the smallest value whose cumulative probability exceeds u (a value of weight 0 is never taken)
        i = np.searchsorted(cum, np.asarray(u, dtype=float), side="right")
        return _out(values[np.minimum(i, len(values) - 1)], u)

    def cdf(self, x: ArrayLike, scale: float = 1.0) -> ArrayLike:
        values, cum = self._sorted(scale)
        x = np.asarray(x, dtype=float)
        i = np.searchsorted(values, x, side="right")
        return _out(np.where(i > 0, cum[np.maximum(i - 1, 0)], 0.0), x)

    def describe(self, unit: str = "") -> str:
        if len(self.values) == 1:
            return f"always {_quantity(self.values[0], unit)}"
        suffix = f" {unit}" if unit else ""
        if len(self.values) > self.DESCRIBE_MAX_VALUES:
            return (f"one of {len(self.values)} values from {format_number(min(self.values))} to "
                    f"{_quantity(max(self.values), unit)}, mean {format_number(round(self.expected_value(), 3))}")
        listed = _join([format_number(v) for v in self.values]) + suffix
        if self.weights is None or len(set(self.weights)) == 1:
            return f"one of {listed}, equally likely"
        return f"one of {listed} with weights {', '.join(format_number(w) for w in self.weights)}"


#: Every distribution kind by the name a file gives in its ``distribution`` key, in
#: the order the reference document and the editor list them.
DISTRIBUTION_KINDS: dict[str, type[DistributionModel]] = {
    cls.model_fields["distribution"].default: cls
    for cls in (Fixed, Exponential, Uniform, Triangular, LogNormal, Gamma, Empirical)
}


def _number_is_fixed(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return {"distribution": "fixed", "value": value}
    return value


#: The type of a key holding a distribution: a plain number (fixed) or a table of any kind.
Distribution = Annotated[
    Union[tuple(DISTRIBUTION_KINDS.values())],  # type: ignore[valid-type]
    Field(discriminator="distribution"),
    BeforeValidator(_number_is_fixed),
]
