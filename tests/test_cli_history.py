"""``tfsim backtest`` and ``tfsim calibrate`` on the bundled sample history; bad input gives located messages."""

from __future__ import annotations

import tomllib

import pytest

from helpers import SCENARIOS
from tfsim.cli import main

SEVENOAKS = str(SCENARIOS / "sevenoaks-2014.toml")
SAMPLE = str(SCENARIOS / "sevenoaks-2014-history.csv")
PNG = b"\x89PNG\r\n\x1a\n"


def test_backtest_on_the_sample_writes_its_tables_and_a_chart_a_series(tmp_path, capsys):
    assert main(["backtest", SEVENOAKS, SAMPLE, "-n", "20", "-j", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Sevenoaks 2014 against sevenoaks-2014-history.csv: 36 months, 20 runs" in out
    assert "refused" in out and "waiting_list" in out and "fte_in_post.fip_light" in out
    header = (tmp_path / "backtest.csv").read_text().splitlines()[0]
    assert header == "series,month,observed,mean,p05,p50,p95,inside_90"
    errors = (tmp_path / "backtest-errors.csv").read_text()
    assert errors.startswith("series,months,mae,mape,") and "\nwaiting_list,23," in errors  # counted from April 2013
    for name in ("referrals", "waiting_list", "fte_in_post-fip"):
        assert (tmp_path / f"backtest-{name}.png").read_bytes()[:8] == PNG
    assert (tmp_path / "run.json").exists()


def test_calibrate_on_the_sample_writes_the_fitted_scenario_with_comments(tmp_path, capsys):
    fitted = tmp_path / "fitted.toml"
    argv = ["calibrate", SEVENOAKS, SAMPLE, "--fit", "engagement.refusal_probability=0.05:0.4",
            "--fit", "referrals.rates.1.per_month=3:12", "--particles", "10", "--generations", "1",
            "--check-replications", "4", "-j", "1", "--out", str(tmp_path), "--scenario-out", str(fitted)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Sevenoaks 2014 fitted to sevenoaks-2014-history.csv: 26 months (2012-04 to 2014-06)" in out  # no return for August 2013
    assert "Held-out months (2014-07 to 2015-03)" in out
    text = fitted.read_text()
    assert text.startswith("# CALIBRATED by tfsim calibrate on ")
    refusal = next(line for line in text.splitlines() if line.startswith("refusal_probability"))
    assert "# FITTED by tfsim calibrate to sevenoaks-2014-history.csv (SHA-256 " in refusal
    assert "90% credible interval" in refusal and "(prior 0.05 to 0.4)" in refusal
    assert "# 13% refused" not in text and "(Sevenoaks briefing 2014)" in text  # other comments kept
    data = tomllib.loads(text)
    assert 0.05 <= data["engagement"]["refusal_probability"] <= 0.4
    for name in ("calibrate.csv", "generations.csv", "particles.csv", "holdout.csv"):
        assert (tmp_path / name).exists()
    assert (tmp_path / "posterior-engagement-refusal_probability.png").read_bytes()[:8] == PNG
    assert (tmp_path / "fitted-refused.png").read_bytes()[:8] == PNG
    assert main(["validate", str(fitted)]) == 0
    assert f"wrote {fitted}, {tmp_path / 'calibrate.csv'}," in out  # the fitted file where it was written


def test_the_bundled_scenario_and_sample_history_by_name_from_any_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["backtest", "sevenoaks-2014", "sevenoaks-2014-history.csv", "-n", "5", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "Sevenoaks 2014 against sevenoaks-2014-history.csv: 36 months, 5 runs" in out
    assert (tmp_path / "results" / "sevenoaks-2014-backtest" / "backtest-referrals.png").exists()
    manifest = (tmp_path / "results" / "sevenoaks-2014-backtest" / "run.json").read_text()
    assert '"file": "sevenoaks-2014-history.csv"' in manifest  # the history and its SHA-256 in the provenance
    assert main(["backtest", "sevenoaks-2014", "sevenoaks-2014-histroy.csv"]) == 2
    assert ("sevenoaks-2014-histroy.csv:1: (file): no such file; did you mean the bundled sample history "
            "'sevenoaks-2014-history.csv'?") in capsys.readouterr().out


@pytest.mark.parametrize("command", ["backtest", "calibrate"])
def test_a_bad_history_gives_located_messages_and_exit_2(tmp_path, capsys, command):
    bad = tmp_path / "bad.csv"
    bad.write_text("month,referrals,fte_in_post.fipp\n2013-01,x\x1b[2J,1\n2013-01,1,1\n")
    argv = [command, SEVENOAKS, str(bad)] + (["--fit", "engagement.refusal_probability"] if command == "calibrate"
                                             else [])
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert f"{bad}:2: referrals: 'x\\x1b[2J' is not a number" in lines
    assert f"{bad}:3: month: 2013-01 is given twice (first on line 2); give each month once" in lines
    assert "Traceback" not in captured.err and "\x1b" not in captured.out


def test_a_history_the_scenario_cannot_take_and_bad_fits_exit_2(tmp_path, capsys):
    other = tmp_path / "roles.csv"
    other.write_text("month,fte_in_post.fipp\n2013-01,1\n")
    assert main(["backtest", SEVENOAKS, str(other)]) == 2
    assert "roles.csv:1: fte_in_post.fipp: the scenario 'Sevenoaks 2014' has no role 'fipp'; did you mean 'fip'?" in \
        capsys.readouterr().out
    assert main(["calibrate", SEVENOAKS, SAMPLE, "--fit", "engagement.refusal_probabilty"]) == 2
    assert "tfsim calibrate: --fit engagement.refusal_probabilty: no such key path; did you mean engagement.refusal_probability?" in capsys.readouterr().err
    assert main(["calibrate", SEVENOAKS, SAMPLE, "--fit", "engagement.refusal_probability", "--fit-until",
                 "2014-13"]) == 2
    assert "--fit-until '2014-13' has month 13" in capsys.readouterr().err
    assert main(["calibrate", SEVENOAKS, SAMPLE, "--fit", "engagement.refusal_probability", "--holdout", "1.5"]) == 2
    assert "--holdout must be at least 0 and below 1" in capsys.readouterr().err
    assert main(["backtest", SEVENOAKS, str(tmp_path / "none.csv")]) == 2
    assert "none.csv:1: (file): no such file" in capsys.readouterr().out
