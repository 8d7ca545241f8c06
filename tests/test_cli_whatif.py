"""The what-if commands: their CSV headers, charts, summaries and exit codes."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import ROOT, SCENARIOS

from tfsim import cli, whatif

SEVENOAKS = str(SCENARIOS / "sevenoaks-2014.toml")
EXTRA_FIP = str(ROOT / "docs" / "examples" / "sevenoaks-2014-extra-fip.toml")
COMPARE_HEADER = "metric,variant,baseline_mean,variant_mean,diff_mean,diff_ci_low,diff_ci_high,p_better"
PNG = b"\x89PNG\r\n\x1a\n"


def _png(path) -> bool:
    data = path.read_bytes()
    return data[:8] == PNG and len(data) > 10_000


def test_compare_writes_the_header_and_a_difference_chart(tmp_path, capsys):
    assert cli.main(["compare", SEVENOAKS, EXTRA_FIP, "-n", "4", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "compare.csv").read_text().splitlines()[0] == COMPARE_HEADER
    assert _png(tmp_path / "compare.png")
    out = capsys.readouterr().out
    assert "Sevenoaks 2014, extra FIP from April 2013 against Sevenoaks 2014" in out
    assert "Staffing plan: added 1 Apr 2013: start of 1 FTE Family Intervention Practitioner (KCA)" in out
    assert "Families turned around" in out and "95% interval of the difference" in out
    frame = pd.read_csv(tmp_path / "compare.csv")
    assert set(frame["variant"]) == {"Sevenoaks 2014, extra FIP from April 2013"}


def test_compare_of_a_scenario_with_itself_says_no_clear_difference_everywhere(tmp_path, capsys):
    assert cli.main(["compare", SEVENOAKS, SEVENOAKS, "-n", "3", "--out", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "compare.csv")
    assert (frame["diff_mean"].dropna() == 0).all()
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("Families", "Average", "Net cost"))]
    assert rows and all(line.rstrip().endswith(("no clear difference", "n/a")) for line in rows)
    assert not any(line.rstrip().endswith(("better", "worse", "higher", "lower")) for line in out.splitlines())


def test_compare_is_the_same_for_any_number_of_processes_and_charts_a_role(tmp_path):
    files = []
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        assert cli.main(["compare", SEVENOAKS, EXTRA_FIP, "-n", "4", "-j", jobs, "--metric", "in_service.fip",
                         "--out", str(out)]) == 0
        files.append((out / "compare.csv").read_bytes())
        assert _png(out / "compare.png")
    assert files[0] == files[1]


def test_sweep_writes_values_then_summary_columns_and_reports_a_bad_point(tmp_path, capsys):
    code = cli.main(["sweep", SEVENOAKS, "--vary", "roles.fip.caseload_cap_per_fte=4,0,6", "-n", "3",
                     "--metric", "families_turned_around", "--out", str(tmp_path)])
    assert code == 0
    header = (tmp_path / "sweep.csv").read_text().splitlines()[0]
    assert header == "roles.fip.caseload_cap_per_fte,metric,mean,ci_low,ci_high,p05,p50,p95"
    assert _png(tmp_path / "sweep.png")
    out = capsys.readouterr().out
    assert "roles.fip.caseload_cap_per_fte=0: not a valid scenario: roles.fip.caseload_cap_per_fte:" in out
    assert set(pd.read_csv(tmp_path / "sweep.csv")["roles.fip.caseload_cap_per_fte"]) == {4, 6}


def test_two_way_sweep_has_both_paths_as_columns(tmp_path):
    assert cli.main(["sweep", SEVENOAKS, "--vary", "roles.fip.in_post_fte.count=0:1:1", "--vary",
                     "money.target.families=45,50", "-n", "2", "--out", str(tmp_path)]) == 0
    header = (tmp_path / "sweep.csv").read_text().splitlines()[0]
    assert header.startswith("roles.fip.in_post_fte.count,money.target.families,metric,mean,")


def test_goal_writes_its_table_and_chart_and_both_answers(tmp_path, capsys):
    code = cli.main(["goal", SEVENOAKS, "--vary", "money.target.families", "--min", "20", "--max", "60",
                     "--target-probability", "0.8", "-n", "5", "--max-replications", "10", "--out", str(tmp_path)])
    assert code == 0
    header = (tmp_path / "goal.csv").read_text().splitlines()[0]
    assert header == "money.target.families,replications,met,p_target_met,p_low,p_high"
    assert _png(tmp_path / "goal.png")
    out = capsys.readouterr().out
    assert "Largest value, point estimate:" in out and "with 95% confidence" in out


def test_sensitivity_writes_a_tornado(tmp_path, capsys):
    code = cli.main(["sensitivity", SEVENOAKS, "--inputs", "referral_rate", "engagement.refusal_probability=0.05,0.2",
                     "-n", "3", "--out", str(tmp_path)])
    assert code == 0
    header = (tmp_path / "sensitivity.csv").read_text().splitlines()[0]
    assert header == ("input,side,setting,metric,baseline_mean,variant_mean,diff_mean,diff_ci_low,diff_ci_high,"
                      "p_better")
    assert _png(tmp_path / "tornado.png")
    assert "Referral rate (referral_rate)" in capsys.readouterr().out


@pytest.mark.skipif(not whatif.morris_available(), reason="SALib is not installed")
def test_sensitivity_morris_writes_its_table(tmp_path):
    code = cli.main(["sensitivity", SEVENOAKS, "--method", "morris", "--inputs", "referral_rate", "refusal",
                     "--trajectories", "2", "-n", "2", "--out", str(tmp_path)])
    assert code == 0
    header = (tmp_path / "morris.csv").read_text().splitlines()[0]
    assert header == "input,low,high,metric,mu,mu_star,mu_star_conf,sigma"
    assert _png(tmp_path / "morris.png")


@pytest.mark.parametrize("argv, message", [
    (["sweep", SEVENOAKS, "--vary", "roles.fip.caseload_cap_per_fte"], "is not PATH=VALUES"),
    (["sweep", SEVENOAKS, "--vary", "roles.fip.caseload_cap_per_fte=a:b:c"], "not a range"),
    (["sweep", SEVENOAKS, "--vary", "roles.fip.caseload_cap_per_fte=0"], "no point of the sweep is a valid"),
    (["sweep", SEVENOAKS, "--vary", "roles.fip.caseload_cap_per_fte=4", "--metric", "nonsense"], "not a summary"),
    (["goal", str(SCENARIOS / "maidstone-2013.toml"), "--vary", "roles.fip.in_post_fte.count", "--min", "1",
      "--max", "3"], "sets no [money.target]"),
    (["goal", SEVENOAKS, "--vary", "roles.fipp.in_post_fte.count", "--min", "1", "--max", "3"], "roles.fipp"),
    (["sensitivity", SEVENOAKS, "--inputs", "nonsense"], "no such key path"),
    (["sensitivity", SEVENOAKS, "--range", "1.5"], "--range must be between 0 and 1"),
    (["compare", SEVENOAKS, str(SCENARIOS / "missing.toml")], "no such file"),
    (["compare", SEVENOAKS, SEVENOAKS, "-n", "0"], "not between 1 and"),
    (["compare", SEVENOAKS, SEVENOAKS, "--metric", "in_service"], "NAME.ROLE"),
    (["compare", SEVENOAKS, SEVENOAKS, "--metric", "in_service.fipp"], "is not a monthly series"),
])
def test_bad_input_exits_2_without_a_traceback(argv, message, capsys, tmp_path):
    assert cli.main(argv + ["-n", "2", "--out", str(tmp_path)] if "-n" not in argv else argv) == 2
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert message in text
    assert "Traceback" not in text
