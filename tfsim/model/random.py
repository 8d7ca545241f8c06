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
from array import array
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
    episode, ...) is ``draws[at + k][j]`` for ``k < width`` (its block holds it; ``draws``
    and ``j`` are the family's) and :meth:`FamilyDraws.value` reads any ``k``.
    """

    name: str
    id: int  # position in FamilyDraws.fields
    at: int  # column of draw 0 in a block (meaningless when width is 0)
    width: int
    transform: Transform | None


class DrawBlock(list):
    """The draws of a block of families: one column (``array('d')``) per slot of the fields.

    Family ``j`` of the block has referral index ``first + j`` and the block's
    ``generation``.  Columns of doubles hold a block's values without a Python float
    object each, so making them costs a copy of the NumPy arrays.
    """

    __slots__ = ("first", "generation")

    def __init__(self, columns, first: int, generation: int):
        super().__init__(columns)
        self.first = first
        self.generation = generation

    def key(self, j: int) -> tuple[int, int]:
        """(referral index, generation) of family ``j`` of the block."""
        return self.first + j, self.generation


class LazyDrawBlock(DrawBlock):
    """The draws of one re-referred family (a block of one), each read from its stream when first needed.

    A re-referral is rare and reads a few of its processes (one role's length, not every
    role's), so its columns are filled on first use rather than all at once.
    """

    __slots__ = ("_draws", "_slots")

    def __init__(self, draws: "FamilyDraws", first: int, generation: int):
        super().__init__([None] * draws.width, first, generation)
        self._draws = draws
        self._slots = draws.slots

    def __getitem__(self, i):
        column = list.__getitem__(self, i)
        if column is None:
            f, k = self._slots[i]
            column = array("d", [self._draws.read(f, k, self.first, self.generation)])
            self[i] = column
        return column

    def __iter__(self):
        return (self[i] for i in range(len(self)))


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
    family gets, when it is referred, its :class:`DrawBlock` and its place ``j`` in it,
    made a block of families at a time (:meth:`block`), holding the draws more than a few
    families need; reading one costs two list lookups.  Rarer draws (a second contact, an
    extension's length) are read with :meth:`value` from the same streams, drawn a block
    at a time on first use, and so are the draws of a re-referral (:meth:`row`).

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
        self.slots: list[tuple[Field, int]] = []  # per column of a block: (field, draw k)
        self._codes: dict[str, int] = {}
        # blocks read for rare draws (a few of their values are read)
        self._values: dict[tuple[int, int, int, int], np.ndarray] = {}
        self._uniforms: dict[tuple[str, int, int, int], np.ndarray] = {}
        #: the blocks made so far (generation 0), by block number
        self.blocks: dict[int, DrawBlock] = {}
        self._started = False

    def field(self, name: str, width: int = 1, transform: Transform | None = None) -> Field:
        """Declare process ``name`` read through ``transform``; blocks hold its draws ``0 .. width-1``.

        ``transform`` maps an array of uniforms to values elementwise (e.g. a
        distribution's quantile in days).  Several fields may read the same process
        through different transforms: they share its uniforms.  ``width`` only decides
        which draws a block holds (0 for a process few families need); the values never
        depend on it.
        """
        if self._started:
            raise RuntimeError("fields must be declared before the first family is referred")
        f = Field(name, len(self.fields), len(self.slots), width, transform)
        self.fields.append(f)
        self.slots.extend((f, k) for k in range(width))
        return f

    @property
    def width(self) -> int:
        """Columns of a block."""
        return len(self.slots)

    def uniforms(self, name: str, k: int, generation: int, block: int) -> np.ndarray:
        """Uniforms of process ``name``, draw ``k``, ``generation``, for the families of ``block`` (drawn anew)."""
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = stream_key(f"family:{name}")
        gen = np.random.Generator(np.random.PCG64(child_seed(self.seed, code, k, generation, block)))
        # the last block holds only the families there are: a stream's first values do not
        # depend on how many are drawn, so each family's value is the same either way
        return gen.random(max(0, min(FAMILY_BLOCK, self.families - block * FAMILY_BLOCK)))

    def block(self, block: int) -> DrawBlock:
        """The draws of the families referred as indices ``block * FAMILY_BLOCK ...`` (generation 0)."""
        self._started = True
        drawn: dict[tuple[str, int], np.ndarray] = {}  # fields of one process share its uniforms
        columns = []
        for f in self.fields:
            for k in range(f.width):
                u = drawn.get((f.name, k))
                if u is None:
                    u = drawn[f.name, k] = self.uniforms(f.name, k, 0, block)
                values = f.transform(u) if f.transform is not None else u
                columns.append(array("d", np.ascontiguousarray(values, dtype=float).tobytes()))
        made = self.blocks[block] = DrawBlock(columns, block * FAMILY_BLOCK, 0)
        return made

    def column(self, f: Field, index: np.ndarray) -> np.ndarray:
        """Draw 0 of ``f`` (its block holds it) for the generation-0 families of referral ``index`` (an array)."""
        block, j = np.divmod(index, FAMILY_BLOCK)
        if len(self.blocks) == 1:
            (only,) = self.blocks.values()
            return np.frombuffer(only[f.at], dtype=float)[j]
        out = np.empty(len(index))
        for b, columns in self.blocks.items():
            here = block == b
            out[here] = np.frombuffer(columns[f.at], dtype=float)[j[here]]
        return out

    def row(self, index: int, generation: int) -> DrawBlock:
        """The draws of the family with referral ``index`` in ``generation`` (its re-referral), as a block of one."""
        self._started = True
        return LazyDrawBlock(self, index, generation)

    def value(self, fam, f: Field, k: int = 0) -> float:
        """Draw ``k`` of ``f`` for ``fam`` (a family: its ``draws`` block and place ``j``), from the block when it holds it."""
        if k < f.width:
            return fam.draws[f.at + k][fam.j]
        draws = fam.draws
        return self.read(f, k, draws.first + fam.j, draws.generation)

    def read(self, f: Field, k: int, index: int, generation: int) -> float:
        """Draw ``k`` of ``f`` for family ``index`` in ``generation``, from its block of values (kept)."""
        key = (f.id, k, generation, index // FAMILY_BLOCK)
        values = self._values.get(key)
        if values is None:
            ukey = (f.name, k, generation, key[3])
            u = self._uniforms.get(ukey)  # fields of one process share its uniforms
            if u is None:
                u = self._uniforms[ukey] = self.uniforms(*ukey)
            values = self._values[key] = f.transform(u) if f.transform is not None else u
        return float(values[index % FAMILY_BLOCK])


def family_uniform(seed: np.random.SeedSequence, name: str, index: int, k: int = 0, generation: int = 0) -> float:
    """The uniform :class:`FamilyDraws` gives family ``index`` for draw ``k`` of process ``name`` (for checks)."""
    block, j = divmod(index, FAMILY_BLOCK)
    return float(FamilyDraws(seed, index + 1).uniforms(name, k, generation, block)[j])


# ---- draws tied to posts ----------------------------------------------------------------


class PostDraws:
    """The random numbers of one funded post, fixed by the seed and the post's identity.

    Each process of the post (its holders' leaving times, its recruitment rounds, ...) has
    its own sequence, read through its transform, so a process's draws do not depend on
    how the post's events interleave.  Posts come in groups named by where they come from
    (a role's posts in post at the start, a row of the staffing plan, ...); the ``k``-th
    post of a group is named ``group:k`` and its draws do not depend on how many posts the
    group has: its first ``POST_BLOCK`` uniforms of each process are slice ``k`` of one
    array of shape ``(posts, processes, POST_BLOCK)`` drawn for the whole group
    (:meth:`group`), and any later ones come from its own stream.
    """

    __slots__ = ("_seed", "key", "_blocks", "_next", "_gen", "_transforms")

    def __init__(self, seed: np.random.SeedSequence, key: str, first: list[list[float]],
                 transforms: tuple[Transform | None, ...]):
        self._seed = seed
        self.key = key
        self._blocks = [first]  # block b: per process, POST_BLOCK values (transformed)
        self._next = [0] * len(transforms)
        self._transforms = transforms
        self._gen: np.random.Generator | None = None  # the post's own stream, made if needed

    @classmethod
    def group(cls, seed: np.random.SeedSequence, group: str, posts: int,
              transforms: tuple[Transform | None, ...]) -> list["PostDraws"]:
        """The draws of posts ``0 .. posts-1`` of ``group``; process ``p`` is read through ``transforms[p]``."""
        if posts <= 0:
            return []
        gen = np.random.Generator(np.random.PCG64(child_seed(seed, stream_key(f"posts:{group}"))))
        first = cls._read(gen.random((posts, len(transforms), POST_BLOCK)), transforms)
        return [cls(seed, f"{group}:{k}", first[k], transforms) for k in range(posts)]

    @staticmethod
    def _read(u: np.ndarray, transforms: tuple[Transform | None, ...]) -> list:
        """Uniforms of shape (..., processes, POST_BLOCK) through each process's transform, as lists."""
        for p, transform in enumerate(transforms):
            if transform is not None:
                u[..., p, :] = transform(u[..., p, :])
        return u.tolist()

    def next(self, process: int) -> float:
        """The next value of ``process``."""
        k = self._next[process]
        self._next[process] = k + 1
        b, j = divmod(k, POST_BLOCK)
        while b >= len(self._blocks):
            if self._gen is None:
                self._gen = np.random.Generator(np.random.PCG64(child_seed(self._seed, stream_key(f"post:{self.key}"))))
            self._blocks.append(self._read(self._gen.random((len(self._next), POST_BLOCK)), self._transforms))
        return self._blocks[b][process][j]
