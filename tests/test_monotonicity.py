"""More staff never makes families wait longer (common seeds across the compared runs)."""

from __future__ import annotations

import numpy as np
from helpers import mmc_scenario

from tfsim.experiment import run_experiment


def test_more_workers_never_give_longer_mean_waits():
    waits = []
    for servers in (4, 5, 6, 8):
        # same arrivals for every staffing level: referrals come from their own stream
        res = run_experiment(mmc_scenario(servers, arrivals_per_month=3.6, mean_months=1.0, years=20,
                                          warm_up_months=12), replications=8, seed=99)
        waits.append(res.value("mean_wait_days"))
    assert all(np.diff(waits) <= 0), waits
    assert waits[0] > 2 * waits[-1]


def test_referrals_do_not_depend_on_staffing():
    a = run_experiment(mmc_scenario(4, 3.6, 1.0, years=5, warm_up_months=0), replications=3, seed=5)
    b = run_experiment(mmc_scenario(9, 3.6, 1.0, years=5, warm_up_months=0), replications=3, seed=5)
    assert a.per_replication["families_referred"].equals(b.per_replication["families_referred"])
