"""A fuzzing campaign against the scenario loader, `tfsim validate`, runs, exports and faults during runs.

Makes ``--cases`` files, spread evenly over the file categories of ``tests/fuzzcases.py``
(random bytes, mutated bundled scenarios, scenarios generated from the schema, hostile
constructs), then ``--export-cases`` scenarios with hostile names and labels whose every
output is written, ``--fault-cases`` runs of ``tfsim run`` with a write failing (disk full,
read-only, an exception, Ctrl+C, an output folder that is a file) and ``--signal-cases``
runs of ``tfsim run --jobs 2`` sent SIGTERM, SIGINT or SIGKILL at a random moment.  Each is
checked against the property stated there; the counts per category are printed: ok,
refused (both good), and every kind of failure that occurred (tracebacks, internal errors,
hangs, unescaped control characters, badly formed or misplaced message lines, other exit
codes, errors in a run or an export, live formulas in an export, partial outputs,
temporary files left, orphaned processes, slow exits); then the layer each case reached
(loader, schema, cross-checks, valid, simulated, exported; fault, signal) and every
failure with the ``--only`` argument that repeats it.

Each case is checked in a worker process that is killed and replaced when a case hangs;
case ``i`` of a category is made from ``random.Random("SEED:CATEGORY:i")``, so any case
can be made again alone.  Run from the repository root::

    .venv/bin/python benchmarks/fuzz_files.py --cases 10000
    .venv/bin/python benchmarks/fuzz_files.py --only schema:123 --show

To measure other code (an older commit), put its checkout first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fuzzcases as F  # noqa: E402


def _case(seed: int, category: str, index: int) -> bytes:
    return F.make_case(category, random.Random(f"{seed}:{category}:{index}"))


def check(seed: int, category: str, index: int, folder: Path, timeout: float, max_work: float):
    """Case ``index`` of ``category``: its outcome and its size in bytes (0 for a fault)."""
    rng = random.Random(f"{seed}:{category}:{index}")
    if category == "faults":
        return F.check_fault(rng, folder / "faults"), 0
    if category == "signals":
        return F.check_signal(rng, folder / "signals"), 0
    raw = F.make_case(category, rng)
    return F.check_case(raw, folder, max_work=max_work, seconds=timeout, export=category == "exports"), len(raw)


def _worker(jobs, results, seed: int, timeout: float, max_work: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tfsim-fuzz-"))
    while True:
        job = jobs.get()
        if job is None:
            return
        category, index = job
        started = time.perf_counter()
        try:
            outcome, size = check(seed, category, index, folder, timeout, max_work)
            results.put((category, index, outcome.status, outcome.layer, outcome.detail,
                         time.perf_counter() - started, size))
        except BaseException as exc:  # the harness itself failed on this case: report it, keep going
            results.put((category, index, "traceback", "harness", f"harness: {type(exc).__name__}: {exc}",
                         time.perf_counter() - started, 0))


class Pool:
    """Worker processes, each running one case at a time; a hung worker is killed and replaced."""

    def __init__(self, n: int, seed: int, timeout: float, max_work: float):
        self.ctx = mp.get_context("fork")
        self.args = (seed, timeout, max_work)
        self.timeout = timeout
        self.workers: list[dict] = [self._start() for _ in range(n)]

    def _start(self) -> dict:
        jobs, results = self.ctx.Queue(), self.ctx.Queue()
        proc = self.ctx.Process(target=_worker, args=(jobs, results, *self.args), daemon=True)
        proc.start()
        return {"proc": proc, "jobs": jobs, "results": results, "job": None, "since": 0.0}

    def run(self, todo: list[tuple[str, int]], report) -> None:
        todo = list(reversed(todo))
        busy = 0
        while todo or busy:
            for w in self.workers:
                if w["job"] is None and todo:
                    w["job"], w["since"] = todo.pop(), time.monotonic()
                    w["jobs"].put(w["job"])
                    busy += 1
            progressed = False
            for i, w in enumerate(self.workers):
                if w["job"] is None:
                    continue
                try:
                    got = w["results"].get(timeout=0.01)
                except Exception:
                    got = None
                if got is not None:
                    report(*got)
                    w["job"] = None
                    busy -= 1
                    progressed = True
                    if got[2] == "hang":  # a fresh process: a runaway case may have left gigabytes behind
                        w["jobs"].put(None)
                        w["proc"].join(timeout=5)
                        if w["proc"].is_alive():
                            w["proc"].kill()
                            w["proc"].join()
                        self.workers[i] = self._start()
                elif time.monotonic() - w["since"] > self.timeout + 15:  # past even the in-process alarm
                    category, index = w["job"]
                    report(category, index, "hang", "?", f"no answer in {self.timeout + 15:g} s", self.timeout + 15, 0)
                    w["proc"].kill()
                    w["proc"].join()
                    self.workers[i] = self._start()
                    busy -= 1
                    progressed = True
            if not progressed:
                time.sleep(0.001)

    def close(self) -> None:
        for w in self.workers:
            w["jobs"].put(None)
        for w in self.workers:
            w["proc"].join(timeout=5)
            if w["proc"].is_alive():
                w["proc"].kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="files in all, spread over the categories (default 1000)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds a case may take (default 20)")
    parser.add_argument("--max-work", type=float, default=50_000,
                        help="valid files expected to handle more referrals, contacts and leavers are not run")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--categories", nargs="*", default=list(F.CATEGORIES[:4]), choices=F.CATEGORIES,
                        help="file categories sharing --cases (default: all but exports)")
    parser.add_argument("--export-cases", type=int, default=400,
                        help="cases of the exports category (every output of a file with hostile text; default 400)")
    parser.add_argument("--fault-cases", type=int, default=200,
                        help="failed writes of tfsim run: disk full, read-only, exceptions, Ctrl+C (default 200)")
    parser.add_argument("--signal-cases", type=int, default=100,
                        help="SIGTERM, SIGINT or SIGKILL of tfsim run --jobs 2 at a random moment (default 100)")
    parser.add_argument("--only", help="check one case, CATEGORY:INDEX, and show its messages")
    parser.add_argument("--show", action="store_true", help="with --only: print the file's first 2,000 bytes too")
    args = parser.parse_args()

    if args.only:
        category, index = args.only.split(":")
        if args.show and category not in F.FAULT_CATEGORIES:
            print(_case(args.seed, category, int(index))[:2000].decode("utf-8", errors="replace"))
            print("-" * 60)
        outcome, _ = check(args.seed, category, int(index), Path(tempfile.mkdtemp()), args.timeout, args.max_work)
        print("\n".join(outcome.messages[:40]))
        print(f"status {outcome.status}, layer {outcome.layer}: {outcome.detail}")
        return 0 if outcome.good else 1

    per = max(1, args.cases // len(args.categories)) if args.categories else 0
    todo = [(c, i) for i in range(per) for c in args.categories]
    extra = {"exports": args.export_cases, "faults": args.fault_cases, "signals": args.signal_cases}
    for category, n in extra.items():
        if category not in args.categories:
            todo += [(category, i) for i in range(n)]
    categories = list(dict.fromkeys(c for c, _ in todo))
    args.categories = categories
    counts = {c: collections.Counter() for c in categories}
    layers = {c: collections.Counter() for c in categories}
    failures: list[tuple] = []
    slowest: list[tuple] = []
    started = time.perf_counter()
    done = [0]

    def report(category, index, status, layer, detail, seconds, size):
        counts[category][status] += 1
        layers[category][layer] += 1
        slowest.append((seconds, category, index, size))
        if status not in ("ok", "refused"):
            failures.append((category, index, status, detail))
        done[0] += 1
        if done[0] % 500 == 0:
            print(f"  {done[0]:,} of {len(todo):,} cases, {time.perf_counter() - started:.0f} s", file=sys.stderr)

    pool = Pool(args.jobs, args.seed, args.timeout, args.max_work)
    try:
        pool.run(todo, report)
    finally:
        pool.close()
    elapsed = time.perf_counter() - started

    print(f"{len(todo):,} cases, seed {args.seed}, {elapsed:.0f} s, {args.jobs} worker(s), timeout {args.timeout:g} s")
    print()
    total = collections.Counter()
    for c in args.categories:
        total.update(counts[c])
    shown = [s for s in F.STATUSES if s in ("ok", "refused") or total[s]]  # the failure columns that occurred
    print(f"{'category':<14}" + "".join(f"{s:>15}" for s in shown) + f"{'failures':>10}")
    for c in args.categories:
        bad = sum(v for s, v in counts[c].items() if s not in ("ok", "refused"))
        print(f"{c:<14}" + "".join(f"{counts[c][s]:>15,}" for s in shown) + f"{bad:>10,}")
    bad = sum(v for s, v in total.items() if s not in ("ok", "refused"))
    print(f"{'all':<14}" + "".join(f"{total[s]:>15,}" for s in shown) + f"{bad:>10,}")
    print("(no case ended as " + ", ".join(s for s in F.STATUSES if s not in shown) + ")")
    print()
    names = ("loader", "schema", "cross", "valid", "simulated", "exported", "fault", "signal")
    print(f"{'layer reached':<14}" + "".join(f"{n:>12}" for n in names))
    for c in args.categories:
        print(f"{c:<14}" + "".join(f"{layers[c][n]:>12,}" for n in names))
    print()
    slowest.sort(reverse=True)
    print("slowest cases: " + ", ".join(f"{c}:{i} {s:.1f} s ({n:,} bytes)" for s, c, i, n in slowest[:5]))
    if failures:
        print()
        print(f"{len(failures):,} failures (repeat one with --only CATEGORY:INDEX --seed {args.seed}):")
        def kind(detail: str) -> str:
            return ":".join(detail.split(":")[:2])[:60]

        by_kind = collections.Counter((status, kind(detail)) for _c, _i, status, detail in failures)
        for (status, what), n in by_kind.most_common(30):
            example = next(f for f in failures if f[2] == status and kind(f[3]) == what)
            print(f"  {n:>6,}  {status:<15} {what:<60} e.g. {example[0]}:{example[1]}: {example[3][:160]!r}")
    bad = sum(v for s, v in total.items() if s not in ("ok", "refused"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
