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

import zlib
from typing import Callable

import numpy as np

from tfsim.scenario.distributions import DistributionModel

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


def block_function(dist: DistributionModel, gen: np.random.Generator, scale: float = 1.0) -> Callable[[int], np.ndarray]:
    """Return ``fill(n)`` drawing ``n`` values of ``dist`` times ``scale`` (each kind knows how)."""
    return dist.block_function(gen, scale)
