"""``tfsim diff`` and the one description of what differs between two scenarios."""

from __future__ import annotations

import csv
import io

import pytest

from tfsim import cli
from tfsim.scenario import load_scenario, variant
from tfsim.scenario.bundled import bundled_path, default_scenario
from tfsim.scenario.diff import (
    ADDED,
    CHANGED,
    CSV_COLUMNS,
    NAMING_KEYS,
    REMOVED,
    describe_differences,
    format_differences,
)

SEVENOAKS_TEXT = default_scenario().read_text(encoding="utf-8")
NEW_ROW = """[[staffing_plan]]
date = 2014-10-01
role = "fip"
action = "start"
fte = 1.0

"""


def _edited_sevenoaks() -> str:
    """Sevenoaks with the FIP cap raised, a staffing-plan row added and the lead worker role removed."""
    text = SEVENOAKS_TEXT.replace("caseload_cap_per_fte = 5 ", "caseload_cap_per_fte = 6 ", 1)
    text = text.replace("# No FIP is appointed between", NEW_ROW + "# No FIP is appointed between", 1)
    start = text.index('[[roles]]\nid = "lead_worker"')
    end = text.index("# ---- Allocation")
    text = text[:start] + text[end:]
    text = text.replace('medium = ["fip_light", "fsw", "lead_worker"]', 'medium = ["fip_light", "fsw"]')
    text = text.replace('low = ["fsw", "lead_worker"]', 'low = ["fsw"]')
    return text.replace(", lead_worker = 0 }", " }")


@pytest.fixture
def edited(tmp_path):
    path = tmp_path / "my-district.toml"
    path.write_text(_edited_sevenoaks(), encoding="utf-8")
    return path


def test_a_changed_cap_an_added_row_and_a_removed_role_read_as_sentences(edited, capsys):
    assert cli.main(["diff", "sevenoaks-2014", str(edited)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"sevenoaks-2014 \u2192 {edited}: 6 differences"
    expected = [
        "Roles: removed Lead worker (partner agency) \u2014 id lead_worker, caseload cap 15 families per FTE, in post: "
        "2 workers, 0.4 FTE in all (0.2 each)",
        "Roles \u25b8 Family Intervention Practitioner (KCA): caseload cap 5 \u2192 6 families per FTE",
        "Allocation: medium FIP Light (Project Salus), Family Support Worker (Lifeways), Lead worker (partner agency) "
        "\u2192 FIP Light (Project Salus), Family Support Worker (Lifeways)",
        "Allocation: low Family Support Worker (Lifeways), Lead worker (partner agency) \u2192 Family Support Worker "
        "(Lifeways)",
        "Staffing plan: added 1 Oct 2014: start of 1 FTE Family Intervention Practitioner (KCA)",
        "Money \u25b8 Costs \u25b8 Salary: removed Lead worker (partner agency) (\u00a30 per FTE per year)",
    ]
    assert [line for line in lines[1:] if line] == expected
    # grouped by section: a blank line before each new section, none inside one
    assert lines[1:] == ["", expected[0], expected[1], "", expected[2], expected[3], "", expected[4], "", expected[5]]


def test_a_removed_row_is_one_row_removed_not_every_later_row_changed():
    base = load_scenario(default_scenario())
    plan = [row.model_dump() for row in base.staffing_plan]
    fewer = variant(base, {"staffing_plan": plan[:2] + plan[3:]})
    (only,) = describe_differences(base, fewer)
    assert only.change == REMOVED and only.path == "staffing_plan.2"
    assert only.sentence == ("Staffing plan: removed 31 Oct 2013: 1 FTE Family Intervention Practitioner (KCA) leaves "
                             "(\u201cfull-time FIP leaves: 'we have lost some workers'; date ASSUMPTION\u201d)")
    more = variant(base, {"staffing_plan": plan[:1] + [dict(plan[0], date="2013-01-07", fte=0.5)] + plan[1:]})
    (only,) = describe_differences(base, more)
    assert only.change == ADDED and only.sentence.startswith("Staffing plan: added 7 Jan 2013: start of 0.5 FTE")


def test_a_row_changed_in_place_names_the_row_and_the_value():
    base = load_scenario(default_scenario())
    changed = variant(base, {"staffing_plan.0.fte": 1.0, "referrals.rates.1.per_month": 7.0})
    sentences = [d.sentence for d in describe_differences(base, changed)]
    assert sentences == ["Referrals \u25b8 Rates \u25b8 row 2 (1 Jan 2014): 6.5 \u2192 7 a month",
                         "Staffing plan \u25b8 row 1 (3 Sep 2012): FTE 0.5 \u2192 1"]


def test_rates_shares_money_and_distributions_in_their_units():
    base = load_scenario(default_scenario())
    changed = variant(base, {"workforce.turnover_per_year": 0.2, "engagement.refusal_probability": 0.2,
                             "money.costs.overhead_gbp_per_month": 1500, "roles.fip.duration_months": 12,
                             "workforce.notice_weeks": 8, "money.costs.salary_gbp.fsw": 24000})
    base16 = variant(base, {"workforce.turnover_per_year": 0.16})
    by_path = {d.path: d.sentence for d in describe_differences(base16, changed)}
    assert by_path["workforce.turnover_per_year"] == "Workforce: turnover 16% \u2192 20% a year"
    assert by_path["engagement.refusal_probability"] == "Engagement: refusal probability 13% \u2192 20%"
    assert by_path["money.costs.overhead_gbp_per_month"] == "Money \u25b8 Costs: overhead \u00a31,000 \u2192 \u00a31,500 a month"
    assert by_path["workforce.notice_weeks"] == "Workforce: notice 4 \u2192 8 weeks"
    assert by_path["money.costs.salary_gbp.fsw"] == ("Money \u25b8 Costs \u25b8 Salary: Family Support Worker (Lifeways) "
                                                    "\u00a323,000 \u2192 \u00a324,000 per FTE per year")
    assert by_path["roles.fip.duration_months"] == ("Roles \u25b8 Family Intervention Practitioner (KCA): duration "
                                                   "triangular from 6 to 18 months, most likely 12 \u2192 always 12 months")


def test_two_bundled_scenarios_and_the_csv_form(capsys):
    assert cli.main(["diff", "kent-phase2-threefold", "kent-phase2-expansion", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    added = [r for r in rows if r["section"] == "Staffing plan"]
    assert len(added) == 16 and {r["change"] for r in added} == {ADDED}
    assert added[0]["item"].startswith("1 Apr 2015: Family Intervention Practitioner funded posts +8 FTE")
    assert [r["path"] for r in rows if r["section"] == "Scenario"] == ["name", "description"]
    old = load_scenario(bundled_path("kent-phase2-threefold"))
    new = load_scenario(bundled_path("kent-phase2-expansion"))
    assert len(describe_differences(old, new, skip=NAMING_KEYS)) == 16


def test_the_same_scenario_has_no_differences_and_bad_files_say_why(tmp_path, capsys):
    assert cli.main(["diff", "sevenoaks-2014", str(default_scenario())]) == 0
    assert "no differences" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(SEVENOAKS_TEXT.replace("refusal_probability = 0.13", "refusal_probability = 1.3"), encoding="utf-8")
    assert cli.main(["diff", "sevenoaks-2014", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "engagement.refusal_probability" in captured.out and "not a valid scenario" in captured.err


def test_text_form_counts_and_reads_from_the_first_to_the_second():
    base = load_scenario(default_scenario())
    changed = variant(base, {"roles.fsw.caseload_cap_per_fte": 12})
    text = format_differences(describe_differences(base, changed), "a.toml", "b.toml")
    assert text.splitlines() == ["a.toml \u2192 b.toml: 1 difference", "",
                                 "Roles \u25b8 Family Support Worker (Lifeways): caseload cap 10 \u2192 12 families per FTE"]
    assert describe_differences(base, changed)[0].change == CHANGED


def test_output_closed_early_ends_quietly():
    import subprocess
    import sys

    # `tfsim diff A B | head -0`: the reader has gone before anything is written
    proc = subprocess.Popen([sys.executable, "-m", "tfsim", "diff", "sevenoaks-2014", "kent-sevenoaks-2012"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == cli.EXIT_SIGPIPE
    assert err == ""


def test_the_example_in_the_docs_is_what_tfsim_diff_prints(edited, monkeypatch, capsys):
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "scenario-files.md").read_text(encoding="utf-8")
    command = "$ tfsim diff sevenoaks-2014 my-district.toml\n"
    shown = page[page.index(command) + len(command):]
    shown = shown[:shown.index("```")]
    monkeypatch.chdir(edited.parent)
    assert cli.main(["diff", "sevenoaks-2014", edited.name]) == 0
    assert capsys.readouterr().out == shown
