"""Random numbers: named streams per process, and draws tied to the family or post they are for.

Each replication has its own :class:`numpy.random.SeedSequence`.  Every stream is a
child of it whose key is fixed by a name, never by the order in which streams are first
used, so adding a process to the model never changes the draws of the others, and the
same seed gives bit-identical results, serial or parallel.

- :class:`Streams`: one generator per named process, for what does not belong to one
  family or post (referral times, family profiles, drawn in referral order).
- :class:`FamilyDraws`: the random numbers of each family (refusal, intervention
  length, outcome, relapse, ...) as a function of the seed, the family's referral index
  and the process alone.  Paired runs of a baseline and a variant (common random
  numbers) then give each family the same draws whatever order events happen in: a
  family that starts sooner with more staff still gets its own intervention length and
  outcome, not the next family's.
- :class:`PostDraws`: the random numbers of one funded post (its holders' leaving
  times, its recruitment rounds) from a stream keyed by the post's identity, so adding
  posts leaves the draws of the others alone.

Draws are made in blocks and handed out one at a time: a NumPy call per draw would cost
more than the rest of the event.
"""

from __future__ import annotations

import zlib
from itertools import repeat
from typing import Callable, NamedTuple

import numpy as np

from tfsim.scenario.distributions import DistributionModel

#: Families per block of :class:`FamilyDraws`: each block of each process is one stream.
FAMILY_BLOCK = 4096
#: Draws of each process a :class:`PostDraws` makes at a time.
POST_BLOCK = 8

Transform = Callable[[np.ndarray], np.ndarray]


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (CRC32 is fixed across platforms and runs)."""
    return zlib.crc32(name.encode("utf-8"))


def child_seed(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``seed`` at spawn key ``key`` (appended to the seed's own)."""
    return np.random.SeedSequence(entropy=seed.entropy, spawn_key=tuple(seed.spawn_key) + key)


class Streams:
    """Named, independent random generators for one replication."""

    def __init__(self, seed: np.random.SeedSequence):
        self.seed = seed
        self._generators: dict[str, np.random.Generator] = {}

    def generator(self, name: str) -> np.random.Generator:
        """The generator of process ``name`` (made on first use; its seed depends on the name alone)."""
        gen = self._generators.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(child_seed(self.seed, stream_key(name))))
            self._generators[name] = gen
        return gen


def block_function(dist: DistributionModel, gen: np.random.Generator, scale: float = 1.0) -> Callable[[int], np.ndarray]:
    """Return ``fill(n)`` drawing ``n`` values of ``dist`` times ``scale`` (each kind knows how)."""
    return dist.block_function(gen, scale)


# ---- draws tied to families -------------------------------------------------------------


class Field(NamedTuple):
    """A process of every family's draws, read through ``transform`` (:meth:`FamilyDraws.field`).

    The family's ``k``-th draw of process ``name`` (its ``k``-th contact, handover,
    episode, ...) is ``row[at + k]`` for ``k < width`` (the row holds it) and
    :meth:`FamilyDraws.value` reads any ``k``.
    """

    name: str
    id: int  # position in FamilyDraws.fields
    at: int  # position of draw 0 in a family's row (meaningless when width is 0)
    width: int
    transform: Transform | None


class FamilyDraws:
    """Every family's random numbers, fixed by the seed, the family and the process.

    The ``k``-th uniform of process ``name`` for the family with referral index ``i``
    (the ``i``-th referral of the run: referral times are drawn in advance, so the
    index does not depend on staffing) in generation ``g`` (0 for the referral, ``r`` for
    its ``r``-th re-referral) is element ``i mod FAMILY_BLOCK`` of the stream keyed
    ``(name, k, g, i div FAMILY_BLOCK)``.  So it depends on nothing else: not on the
    order of events, not on which role or worker serves the family, not on which other
    processes the scenario uses.  Where the distribution depends on who serves the family
    (intervention lengths per role), the family has one uniform and each role reads it
    through its own distribution's :meth:`~tfsim.scenario.distributions.DistributionModel.quantile`.

    Components declare their processes with :meth:`field` when they are built.  Each
    family gets, when it is referred, a tuple (its *row*): ``(index, generation, values...)``
    holding the draws most families need, made a block of families at a time
    (:meth:`rows`), so reading one costs what a tuple lookup does.  Rarer draws (a
    second contact, a handover) and the rows of re-referrals are read with
    :meth:`value` and :meth:`row` from the same streams, drawn a block at a time on
    first use.

    Parameters
    ----------
    seed : numpy.random.SeedSequence
        The replication's seed.
    families : int
        Referrals in the run (the number of referral indices).
    """

    def __init__(self, seed: np.random.SeedSequence, families: int):
        self.seed = seed
        self.families = families
        self.fields: list[Field] = []
        self._width = 2  # (index, generation) come first in a row
        self._codes: dict[str, int] = {}
        self._values: dict[tuple[int, int, int, int], np.ndarray] = {}  # blocks read for rare draws
        self._started = False

    def field(self, name: str, width: int = 1, transform: Transform | None = None) -> Field:
        """Declare process ``name`` read through ``transform``; rows hold its draws ``0 .. width-1``.

        ``transform`` maps an array of uniforms to values elementwise (e.g. a
        distribution's quantile in days).  Several fields may read the same process
        through different transforms: they share its uniforms.  ``width`` only decides
        which draws a row holds (0 for a process few families need); the values never
        depend on it.
        """
        if self._started:
            raise RuntimeError("fields must be declared before the first family is referred")
        f = Field(name, len(self.fields), self._width, width, transform)
        self.fields.append(f)
        self._width += width
        return f

    def uniforms(self, name: str, k: int, generation: int, block: int) -> np.ndarray:
        """Uniforms of process ``name``, draw ``k``, ``generation``, for the families of ``block`` (drawn anew)."""
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = stream_key(f"family:{name}")
        gen = np.random.Generator(np.random.PCG64(child_seed(self.seed, code, k, generation, block)))
        # the last block holds only the families there are: a stream's first values do not
        # depend on how many are drawn, so each family's value is the same either way
        return gen.random(max(0, min(FAMILY_BLOCK, self.families - block * FAMILY_BLOCK)))

    def rows(self, block: int) -> list[tuple]:
        """The rows of the families referred as indices ``block * FAMILY_BLOCK ...`` (generation 0)."""
        self._started = True
        first = block * FAMILY_BLOCK
        n = max(0, min(FAMILY_BLOCK, self.families - first))
        drawn: dict[tuple[str, int], np.ndarray] = {}  # fields of one process share its uniforms
        columns = []
        for f in self.fields:
            for k in range(f.width):
                u = drawn.get((f.name, k))
                if u is None:
                    u = drawn[f.name, k] = self.uniforms(f.name, k, 0, block)
                columns.append((f.transform(u) if f.transform is not None else u).tolist())
        return list(zip(range(first, first + n), repeat(0, n), *columns))

    def row(self, index: int, generation: int) -> tuple:
        """The row of the family with referral ``index`` in ``generation`` (its re-referral)."""
        self._started = True
        return (index, generation) + tuple(self._read(f, k, index, generation)
                                           for f in self.fields for k in range(f.width))

    def value(self, row: tuple, f: Field, k: int = 0) -> float:
        """Draw ``k`` of ``f`` for the family of ``row``: from the row when it holds it."""
        if k < f.width:
            return row[f.at + k]
        return self._read(f, k, row[0], row[1])

    def _read(self, f: Field, k: int, index: int, generation: int) -> float:
        """Draw ``k`` of ``f`` for family ``index`` in ``generation``, from its block of values (kept)."""
        block, j = divmod(index, FAMILY_BLOCK)
        key = (f.id, k, generation, block)
        values = self._values.get(key)
        if values is None:
            u = self.uniforms(f.name, k, generation, block)
            values = self._values[key] = f.transform(u) if f.transform is not None else u
        return float(values[j])


def family_uniform(seed: np.random.SeedSequence, name: str, index: int, k: int = 0, generation: int = 0) -> float:
    """The uniform :class:`FamilyDraws` gives family ``index`` for draw ``k`` of process ``name`` (for checks)."""
    block, j = divmod(index, FAMILY_BLOCK)
    return float(FamilyDraws(seed, index + 1).uniforms(name, k, generation, block)[j])


# ---- draws tied to posts ----------------------------------------------------------------


class PostDraws:
    """The random numbers of one funded post, fixed by the seed and the post's identity.

    Each process of the post (``processes`` of them: its holders' leaving times, its
    recruitment rounds, ...) has its own sequence, so a process's draws do not depend on
    how the post's events interleave.  Posts come in groups named by where they come
    from (a role's posts in post at the start, a row of the staffing plan, ...), the
    ``k``-th post of a group is ``(group, k)`` and its draws do not depend on how many
    posts the group has: its first ``POST_BLOCK`` draws of each process are slice ``k``
    of one array of shape ``(posts, processes, POST_BLOCK)`` drawn for the whole group
    (:meth:`group`), and any later ones come from its own stream.
    """

    __slots__ = ("_seed", "key", "_blocks", "_next", "_gen")

    def __init__(self, seed: np.random.SeedSequence, key: str, first: list[list[float]]):
        self._seed = seed
        self.key = key
        self._blocks = [first]  # block b: process -> POST_BLOCK uniforms
        self._next = [0] * len(first)
        self._gen: np.random.Generator | None = None  # the post's own stream, made if needed

    @classmethod
    def group(cls, seed: np.random.SeedSequence, group: str, posts: int, processes: int) -> list["PostDraws"]:
        """The draws of posts ``0 .. posts-1`` of ``group`` (named ``group:k``)."""
        if posts <= 0:
            return []
        gen = np.random.Generator(np.random.PCG64(child_seed(seed, stream_key(f"posts:{group}"))))
        first = gen.random((posts, processes, POST_BLOCK)).tolist()
        return [cls(seed, f"{group}:{k}", first[k]) for k in range(posts)]

    def next(self, process: int) -> float:
        """The next uniform of ``process`` (a number in [0, 1))."""
        k = self._next[process]
        self._next[process] = k + 1
        b, j = divmod(k, POST_BLOCK)
        while b >= len(self._blocks):
            if self._gen is None:
                self._gen = np.random.Generator(np.random.PCG64(child_seed(self._seed, stream_key(f"post:{self.key}"))))
            self._blocks.append(self._gen.random((len(self._next), POST_BLOCK)).tolist())
        return self._blocks[b][process][j]
