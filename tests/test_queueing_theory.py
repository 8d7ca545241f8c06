"""The model against queueing theory: an M/M/c scenario lands on Erlang C and Little's law."""

from __future__ import annotations

import pytest
from helpers import MONTH, mmc_scenario

from tfsim.experiment import run_experiment
from tfsim.theory import erlang_c, mmc_mean_wait

CASES = [
    # servers, referrals a month, mean intervention (months): utilisation 0.8 and 0.9
    (5, 4.0, 1.0),
    (10, 4.5, 2.0),
]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"M/M/{c[0]} rho={c[1] * c[2] / c[0]:.1f}")
def mmc(request):
    servers, per_month, mean_months = request.param
    scenario = mmc_scenario(servers, per_month, mean_months, years=40, warm_up_months=24)
    results = run_experiment(scenario, replications=30, seed=7)
    arrival = per_month / MONTH  # per day
    service = 1.0 / (mean_months * MONTH)
    return results, arrival, service, servers


def test_mean_wait_inside_ci_of_erlang_c(mmc):
    results, lam, mu, c = mmc
    exact = mmc_mean_wait(lam, mu, c)
    lo, hi = results.value("mean_wait_days", "ci_low"), results.value("mean_wait_days", "ci_high")
    assert lo <= exact <= hi, (lo, results.value("mean_wait_days"), hi, exact)


def test_probability_of_waiting_inside_ci_of_erlang_c(mmc):
    results, lam, mu, c = mmc
    exact = erlang_c(lam, mu, c)
    lo, hi = results.value("share_waited", "ci_low"), results.value("share_waited", "ci_high")
    assert lo <= exact <= hi, (lo, results.value("share_waited"), hi, exact)


def test_utilisation_matches_offered_load(mmc):
    results, lam, mu, c = mmc
    assert results.value("caseload_utilisation") == pytest.approx(lam / (mu * c), abs=0.01)


def test_littles_law_holds_on_the_outputs(mmc):
    results, lam, mu, c = mmc
    per_rep = results.per_replication
    window = results.scenario.horizon_days - results.scenario.warm_up_days
    throughput = per_rep["families_started"] / window  # families a day
    # waiting list: L = lambda W
    assert (per_rep["mean_waiting_list"] / (throughput * per_rep["mean_wait_days"])).mean() == pytest.approx(1, abs=0.02)
    # in service: L = lambda x mean time in service
    assert (per_rep["mean_in_service"] / (throughput * per_rep["mean_intervention_days"])).mean() == pytest.approx(1, abs=0.02)


@pytest.mark.slow
def test_heavy_traffic_mmc_settles_to_erlang_c():
    # M/M/5 at utilisation 0.95 relaxes over decades (the queue's relaxation time is about
    # 1 / (c mu (1 - sqrt(rho))^2), some 26 years here), so it needs a horizon of centuries
    # and a warm-up of a century to settle on Erlang C's mean wait.
    servers, per_month, mean_months = 5, 4.75, 1.0
    scenario = mmc_scenario(servers, per_month, mean_months, years=400, warm_up_months=1200)
    results = run_experiment(scenario, replications=30, seed=11)
    exact = mmc_mean_wait(per_month / MONTH, 1.0 / (mean_months * MONTH), servers)
    lo, hi = results.value("mean_wait_days", "ci_low"), results.value("mean_wait_days", "ci_high")
    assert lo <= exact <= hi, (lo, results.value("mean_wait_days"), hi, exact)
    assert results.value("caseload_utilisation") == pytest.approx(0.95, abs=0.005)
