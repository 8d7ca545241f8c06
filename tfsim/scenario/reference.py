"""Generate ``docs/scenario-format.md`` from the schema.

The reference is derived, never hand-edited: every key's type, unit, default, bounds
and help come from the pydantic models in :mod:`tfsim.scenario.schema`, walked once by
:func:`tfsim.scenario.introspect.fields` (the same walk drives the app's editor forms).
A test regenerates it and fails when the committed file is stale (``tfsim docs``
rewrites it).
"""

from __future__ import annotations

from pydantic import BaseModel

from . import schema as S
from .introspect import fields
from .distributions import MAX_SPREAD_RATIO
from .io import MAX_KEY_CHARS, MAX_KEY_DEPTH, MAX_PROBLEMS

SECTIONS: list[tuple[str, str, type[BaseModel]]] = [
    ("Top level", "", S.Scenario),
    ("[referrals]", "referrals", S.Referrals),
    ("[[referrals.cohort]]", "referrals.cohort", S.CohortRelease),
    ("[[referrals.rates]]", "referrals.rates", S.RatePeriod),
    ("[families]", "families", S.Families),
    ("[engagement]", "engagement", S.Engagement),
    ("[waiting_list]", "waiting_list", S.WaitingList),
    ("[[roles]]", "roles", S.Role),
    ("[roles.outcomes] and [roles.outcomes_by_level.LEVEL]", "roles.outcomes", S.Outcomes),
    ("[workforce] and [roles.workforce]", "workforce", S.Workforce),
    ("[[staffing_plan]]", "staffing_plan", S.StaffingChange),
    ("[[recruitment_freezes]]", "recruitment_freezes", S.RecruitmentFreeze),
    ("[handover]", "handover", S.Handover),
    ("[money]", "money", S.Money),
    ("[money.costs]", "money.costs", S.Costs),
    ("[money.data_matching]", "money.data_matching", S.DataMatching),
    ("[[money.data_matching.periods]]", "money.data_matching.periods", S.MatchingPeriod),
    ("[money.target]", "money.target", S.Target),
]

INTRO = """\
# Scenario file format (schema version {version})

<!-- Generated from tfsim/scenario/schema.py by `tfsim docs`. Do not edit by hand:
     a test fails when this file no longer matches the schema. -->

A scenario is a TOML file describing one district's programme. It starts with
`schema_version = {version}`. Keys are checked strictly: an unknown key is an error (with a
"did you mean ...?" suggestion), so a typo is never silently ignored. `tfsim validate FILE`
checks a file and prints each problem as `FILE:LINE: key.path: reason`.

Conventions:

- Units are in key names: `_days`, `_weeks`, `_months`, `_per_month`, `_fte`. A month is
  365.25/12 days. Dates are TOML dates (`2014-07-14`), from {earliest} to {latest}. Money
  is in pounds.
- Types are strict: numbers and dates are written without quotes (`"0.13"` and
  `"2014-07-14"` are text and are refused, with the value as it should be written),
  whole numbers where the table says integer, and `schema_version` is the number
  `{version}`. No number may be `inf` or `nan`.
- Probabilities and shares are numbers from 0 to 1.
- The clock runs from the start of `start_date` to the end of `end_date`.
- Names, labels and descriptions are plain text: no control or bidirectional characters
  (a description may have line breaks and tabs).
- Files are plain data: nothing in them is ever executed, they hold no file paths, and
  they may be at most 1 MB, with key paths at most {depth} deep (tables, dotted keys and
  list positions together) and keys at most {key_chars} characters long.
- Every problem is reported as `FILE:LINE: key.path: reason` on one line, with any control
  or bidirectional character from the file written as an escape (`\\x1b`, `\\u202e`);
  lines are counted by line feeds, as TOML counts them. At most {problems} problems are
  listed; the rest are counted.

## Distributions

A key holding a distribution (for example `duration_months`) takes either a plain
number, meaning that fixed value, or an inline table with a `distribution` key. The
unit is the one in the key's name.

| distribution | keys | in the app | meaning |
|---|---|---|---|
{distributions}

Example: `duration_months = {{ distribution = "triangular", low = 6, mode = 12, high = 18 }}`.
"""


def _distribution_table() -> str:
    rows = []
    for kind, cls in S.DISTRIBUTION_KINDS.items():
        keys = ", ".join(f"`{k}`" for k in cls.model_fields if k != "distribution")
        rows.append(f"| `{kind}` | {keys} | {cls.label} | {(cls.__doc__ or '').strip()} |")
    return "\n".join(rows)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


ALLOCATION = """\
## [allocation]

Who may work with a family depends on its intensity level (`[families.intensity]`). For each
level, `[allocation]` lists the roles that may take the family, in order of preference: a
newly accepted family goes to the first listed role with a free caseload slot, otherwise it
waits; a slot that frees up goes to a waiting family whose list includes that role (by the
waiting-list rule). Every level with families must have an entry, and every role named must
be defined in `[[roles]]`.

```toml
[allocation]
high = ["fip", "fip_light"]                  # intensive work first, FIP Light as fallback
medium = ["fip_light", "fsw", "lead_worker"]
low = ["fsw", "lead_worker"]
```
"""


def scenario_reference() -> str:
    """The whole reference document as Markdown."""
    out = [INTRO.format(version=S.SCHEMA_VERSION, distributions=_distribution_table(), earliest=S.EARLIEST_DATE,
                        latest=S.LATEST_DATE, depth=MAX_KEY_DEPTH, key_chars=MAX_KEY_CHARS, problems=MAX_PROBLEMS)]
    for title, path, model in SECTIONS:
        if title == "[workforce] and [roles.workforce]":
            out.append(ALLOCATION)
        out.append(f"## {title}\n")
        doc = (model.__doc__ or "").strip().splitlines()[0]
        out.append(f"{doc}\n")
        out.append("| key | type | unit | default | allowed | meaning |")
        out.append("|---|---|---|---|---|---|")
        for row in fields(model):
            out.append(
                f"| `{row.key}` | {_escape(row.type)} | {row.unit} | {_escape(row.default)} | "
                f"{_escape(row.bounds)} | {_escape(row.help)} |"
            )
        out.append("")
    out.append(CHECKS)
    return "\n".join(out).rstrip() + "\n"


CHECKS = """\
## Checks across keys

Besides each key's own bounds, a scenario is checked as a whole, in the same pass, so a
file shows all its problems at once; each problem is reported at the key it concerns (a
check that needs a value with a problem of its own waits until that one is fixed):

- `end_date` must be after `start_date`, the horizon at most {years} years, and the
  warm-up must end before `end_date`.
- Every cohort release date and rate start must fall inside the scenario.
- Rate periods must be in date order.
- Intensity shares must sum to 1; outcome chances of each role must sum to 1.
- Every intensity level with families must appear in `[allocation]`, and every role named
  there (or in a role's `outcomes_by_level`) must be defined in `[[roles]]`; role ids are
  unique.
- The expected number of referrals, counting re-referrals after a relapse, may be at most
  {families:,}; the expected number of contacts, counting re-approaches after a refusal,
  at most {contacts:,}; the expected number of leavers (turnover, at the new starters'
  rate when that is higher, times the most posts the staffing plan can reach, times the
  years) at most {leavers:,}. Each bound is worked out as an upper bound from the chances
  and the shortest mean times: a loop taken again with probability 1 and no time between
  passes (refusal and re-approach both 1 with no re-approach delay; relapse and
  re-referral both 1 with no intervention, follow-up or re-referral time) is refused
  outright, since a run would never end.
- The funded establishment of a role may reach at most {role_fte:,} FTE anywhere in the
  staffing plan (an establishment factor applied again and again grows it geometrically);
  the problem is reported at the change that passes the limit.
- A log-normal or gamma distribution's `sd` may be at most {spread:g} times its `mean`.
- `[money]`: with `framework = "custom"` the fee and sustain keys must all be set (the
  presets fill in any left out: phase1 = £4,000 a family, 80% / 60% / 40% on attachment in
  2012/13 / 2013/14 / 2014/15, £100 of the results payment for progress to work, 5 of 6
  families funded, 6 months' sustained progress or 13 weeks' employment; phase2 = £1,000
  + £800, 6 months or 13 weeks); every role in `money.costs.salary_gbp` must be defined;
  the target deadline must fall inside the scenario; the progress-to-work payment may not
  exceed the smallest results payment.
""".format(years=S.MAX_HORIZON_YEARS, families=S.MAX_EXPECTED_FAMILIES, contacts=S.MAX_EXPECTED_CONTACTS,
           leavers=S.MAX_EXPECTED_LEAVERS, role_fte=S.MAX_ROLE_FTE, spread=MAX_SPREAD_RATIO)
