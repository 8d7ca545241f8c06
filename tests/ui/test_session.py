"""The run session's states without a window: runs, baseline runs, pin, clear, failures."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QObject, Signal

from tfsim.scenario import read_scenario
from tfsim.ui.session import RunSession, with_runs
from tfsim.scenario.bundled import default_scenario

SEVENOAKS = default_scenario()


class FakeController(QObject):
    """Stands in for RunController: records starts; the test ends runs by emitting."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    stopped = Signal()

    def __init__(self):
        super().__init__()
        self.running = False
        self.starts = []
        self.cancels = 0

    def start(self, scenario, replications, seed, jobs, precision=None):
        self.running = True
        self.starts.append((scenario.name, replications, seed, jobs))
        return True

    def cancel(self):
        self.cancels += 1

    def wait(self):
        pass

    def end(self, signal, *args):
        self.running = False
        signal.emit(*args)
        self.stopped.emit()


def results(name, n=3, seed=1):
    return SimpleNamespace(scenario=SimpleNamespace(name=name), replications=n, seed=seed)


@pytest.fixture
def session():
    controller = FakeController()
    s = RunSession(controller)
    s.events = []
    for name in ("started", "finished", "baselineReady", "failed", "cancelled", "stopped", "changed"):
        getattr(s, name).connect(lambda *a, n=name: s.events.append(n))
    return s


SCENARIO = SimpleNamespace(name="Edited")


def test_a_run_sets_the_results_and_one_at_a_time(session):
    assert not session.running and not session.pin()  # nothing to pin yet
    assert session.run(SCENARIO, 5, 1, 1)
    assert session.running and not session.run(SCENARIO, 5, 1, 1)  # busy
    assert session.controller.starts == [("Edited", 5, 1, 1)]
    first = results("Edited")
    session.controller.end(session.controller.finished, first)
    assert session.results is first and session.baseline is None and not session.running
    assert session.events == ["started", "changed", "finished", "stopped"]


def test_pin_compare_and_clear(session):
    session.run(SCENARIO, 3, 1, 1)
    first = results("Edited")
    session.controller.end(session.controller.finished, first)
    assert session.pin()
    assert session.baseline is first and session.baseline_name == "Edited (3 runs)"
    session.run(SCENARIO, 3, 1, 1)
    second = results("Edited")
    session.controller.end(session.controller.finished, second)
    assert session.results is second and session.baseline is first
    session.clear_baseline()
    assert session.baseline is None and session.baseline_name == "" and session.results is second


def test_a_baseline_run_leaves_the_results_alone(session):
    assert session.run_baseline(SimpleNamespace(name="Other"), "Other (other.toml, 3 runs)", 3, 1, 1)
    assert session.running_baseline
    other = results("Other")
    session.controller.end(session.controller.finished, other)
    assert session.results is None and session.baseline is other
    assert session.baseline_name == "Other (other.toml, 3 runs)"
    assert "baselineReady" in session.events and "finished" not in session.events
    # the next run is of the edited scenario again
    session.run(SCENARIO, 3, 1, 1)
    session.controller.end(session.controller.finished, results("Edited"))
    assert session.results.scenario.name == "Edited" and session.baseline is other


def test_failed_and_cancelled_runs_keep_what_was_there(session):
    session.run(SCENARIO, 3, 1, 1)
    first = results("Edited")
    session.controller.end(session.controller.finished, first)
    session.run_baseline(SimpleNamespace(name="Other"), "Other", 3, 1, 1)
    assert session.cancel() and session.controller.cancels == 1
    session.controller.end(session.controller.cancelled)
    assert session.results is first and session.baseline is None and not session.running_baseline
    session.run(SCENARIO, 3, 1, 1)
    session.controller.end(session.controller.failed, "ValueError: boom")
    assert session.results is first and session.events[-2:] == ["failed", "stopped"]
    assert not session.cancel()  # nothing running


def test_a_baseline_on_other_seeds_is_run_again_on_the_results_seeds(session):
    session.run(SCENARIO, 3, 1, 1)
    session.controller.end(session.controller.finished, results("Edited", n=3, seed=1))
    assert session.pin() and not session.can_repair()
    session.run(SCENARIO, 5, 2, 1)  # more runs on another seed: the pinned baseline cannot pair
    session.controller.end(session.controller.finished, results("Edited", n=5, seed=2))
    assert session.controller.starts[-1] == ("Edited", 5, 2, 1)  # the baseline's scenario, on the run's settings
    assert session.running_baseline and session.repairing
    assert session.pending_baseline == "Edited (5 runs)"
    session.controller.end(session.controller.finished, results("Edited", n=5, seed=2))
    assert not session.repairing and not session.can_repair() and session.baseline_name == "Edited (5 runs)"
    assert len(session.controller.starts) == 3  # no further re-run


def test_a_cancelled_re_run_leaves_the_comparison_unpaired(session):
    session.run(SCENARIO, 3, 1, 1)
    session.controller.end(session.controller.finished, results("Edited", seed=1))
    session.pin()
    session.run(SCENARIO, 3, 9, 1)
    session.controller.end(session.controller.finished, results("Edited", seed=9))
    assert session.repairing
    session.cancel()
    session.controller.end(session.controller.cancelled)
    assert not session.repairing and session.can_repair() and not session.running
    assert session.baseline.seed == 1  # kept, unpaired
    assert session.repair_baseline() and session.running_baseline  # on request (Run menu)


def test_names_of_baselines_follow_their_runs():
    assert with_runs("Sevenoaks 2014 (100 runs)", 40) == "Sevenoaks 2014 (40 runs)"
    assert with_runs("Other (other.toml, 1,000 runs)", 5) == "Other (other.toml, 5 runs)"
    assert with_runs("No count", 5) == "No count"


def test_a_real_run_in_a_thread(qtbot):
    session = RunSession()
    scenario = read_scenario(SEVENOAKS).scenario
    with qtbot.waitSignal(session.finished, timeout=60000) as blocker:
        assert session.run(scenario, 2, 7, 1)
    qtbot.waitUntil(lambda: not session.running)
    assert session.results is blocker.args[0] and session.results.replications == 2
