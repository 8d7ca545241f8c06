"""Write the synthetic Sevenoaks history that ships as ``scenarios/sevenoaks-2014-history.csv``.

The history is made by the model, not taken from the council: one replication of the
bundled Sevenoaks 2014 scenario with two values changed (stated in the file's header), counted
as a council might, with gaps.  It is there to try ``tfsim backtest`` and ``tfsim calibrate``
on, and calibrating it should find the stated values again.  Run from the repository root::

    python scripts/make_sample_history.py [OUT.csv]

The output is the same on every run (the replication's seed is fixed); a test checks that the
shipped file is what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tfsim.history import simulate_history, write_history  # noqa: E402
from tfsim.scenario import read_scenario  # noqa: E402
from tfsim.whatif import make_variant  # noqa: E402

SCENARIO = ROOT / "scenarios" / "sevenoaks-2014.toml"
OUT = ROOT / "scenarios" / "sevenoaks-2014-history.csv"
#: The values the history comes from, where they differ from the scenario file.
TRUTH = {"engagement.refusal_probability": 0.2, "referrals.rates.1.per_month": 8.0}
SEED, REPLICATION = 2014, 0
COLUMNS = ["referrals", "refused", "started", "closed_turned_around", "closed_other", "claims", "fte_in_post",
           "fte_in_post.fip", "fte_in_post.fip_light", "fte_in_post.fsw", "waiting_list"]
#: Counting that began late, and a month with no return.
WAITING_LIST_FROM = "2013-04"
NO_RETURN = "2013-08"

HEADER = [
    "SYNTHETIC HISTORY: made by the tfsim model, not counted by Sevenoaks District Council.",
    "Monthly counts for Sevenoaks, April 2012 to March 2015, as a council's returns might give them, for",
    "trying tfsim backtest and tfsim calibrate (docs/calibration.md).",
    "Made by scripts/make_sample_history.py: replication 0 of seed 2014 of scenarios/sevenoaks-2014.toml",
    "with two values changed, which a calibration should find again:",
    "  engagement.refusal_probability = 0.2   (the file says 0.13)",
    "  referrals.rates.1.per_month    = 8.0   (the file says 6.5, from January 2014)",
    "Every other value is the scenario file's. Gaps, as in real returns: the waiting list was counted from",
    "April 2013; there was no return for August 2013. Lead workers in partner agencies are not counted.",
    "Columns: month (YYYY-MM), then families in the month (referrals, first refusals, first interventions",
    "started, cases closed turned around and for other reasons, results claims), staff in post at the month",
    "end (FTE, in all and by role) and the waiting list at the month end (families).",
]


def make(out: Path = OUT) -> Path:
    scenario = make_variant(read_scenario(SCENARIO).scenario, TRUTH)
    months, columns = simulate_history(scenario, SEED, REPLICATION, COLUMNS)
    for name, values in columns.items():
        values = values.copy()
        if name == "waiting_list":
            values[[m < WAITING_LIST_FROM for m in months]] = np.nan
        values[months.index(NO_RETURN)] = np.nan
        columns[name] = values
    return write_history(out, months, columns, HEADER)


if __name__ == "__main__":
    print(f"wrote {make(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)}")
