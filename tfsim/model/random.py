"""Random streams: one seeded NumPy Generator per stochastic process.

Each replication has its own :class:`numpy.random.SeedSequence`; each named process
(referrals, refusal, the durations of each role, ...) gets a child stream whose key
is fixed by the process's name, not by the order in which streams are first used.
So adding a process to the model never changes the draws of the others, and the
same seed gives bit-identical results, serial or parallel.

Draws are taken in blocks and handed out one at a time: a NumPy call per draw would
cost more than the rest of the event.
"""

from __future__ import annotations

import math
import zlib
from typing import Callable

import numpy as np

from tfsim.scenario.schema import (
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    Triangular,
    Uniform,
)

BLOCK = 2048


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (CRC32 is fixed across platforms and runs)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Named, independent random generators for one replication."""

    def __init__(self, seed: np.random.SeedSequence):
        self._seed = seed
        self._generators: dict[str, np.random.Generator] = {}

    def generator(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            child = np.random.SeedSequence(
                entropy=self._seed.entropy, spawn_key=tuple(self._seed.spawn_key) + (stream_key(name),)
            )
            gen = np.random.Generator(np.random.PCG64(child))
            self._generators[name] = gen
        return gen

    def uniform(self, name: str) -> "Sampler":
        gen = self.generator(name)
        return Sampler(lambda n: gen.random(n))

    def sampler(self, name: str, dist) -> "Sampler":
        """A sampler of ``dist`` (a schema distribution) scaled by 1, drawing from stream ``name``."""
        return Sampler(block_function(dist, self.generator(name)))


class Sampler:
    """Hands out draws one at a time from blocks drawn by ``fill(n)``."""

    __slots__ = ("_fill", "_buffer", "_index")

    def __init__(self, fill: Callable[[int], np.ndarray]):
        self._fill = fill
        self._buffer: list[float] = []
        self._index = 0

    def __call__(self) -> float:
        i = self._index
        if i >= len(self._buffer):
            self._buffer = self._fill(BLOCK).tolist()
            i = 0
        self._index = i + 1
        return self._buffer[i]


def block_function(dist, gen: np.random.Generator, scale: float = 1.0) -> Callable[[int], np.ndarray]:
    """Return ``fill(n)`` drawing ``n`` values of ``dist`` times ``scale``."""
    if isinstance(dist, Fixed):
        value = dist.value * scale
        return lambda n: np.full(n, value)
    if isinstance(dist, Exponential):
        mean = dist.mean * scale
        return lambda n: gen.exponential(mean, n)
    if isinstance(dist, Uniform):
        low, high = dist.low * scale, dist.high * scale
        return lambda n: gen.uniform(low, high, n)
    if isinstance(dist, Triangular):
        low, mode, high = dist.low * scale, dist.mode * scale, dist.high * scale
        return lambda n: gen.triangular(low, mode, high, n)
    if isinstance(dist, LogNormal):
        # parameters of the underlying normal from the mean and sd of the values
        sigma2 = math.log(1.0 + (dist.sd / dist.mean) ** 2)
        mu = math.log(dist.mean * scale) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        return lambda n: gen.lognormal(mu, sigma, n)
    if isinstance(dist, Gamma):
        shape = (dist.mean / dist.sd) ** 2
        theta = dist.sd**2 / dist.mean * scale
        return lambda n: gen.gamma(shape, theta, n)
    if isinstance(dist, Empirical):
        values = np.asarray(dist.values, dtype=float) * scale
        weights = np.asarray(dist.weights if dist.weights is not None else [1.0] * len(values), dtype=float)
        p = weights / weights.sum()
        return lambda n: gen.choice(values, size=n, p=p)
    raise TypeError(f"unknown distribution {dist!r}")
