"""The command-line contract: outputs, headers, exit codes and messages."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from helpers import SCENARIOS

from tfsim import cli

SEVENOAKS = str(SCENARIOS / "sevenoaks-2014.toml")
SUMMARY_HEADER = "metric,mean,ci_low,ci_high,p05,p50,p95"
MONTHLY_HEADER = "month,metric,mean,p05,p50,p95"
SUMMARY_NEEDED = ["families_referred", "families_refused", "families_started", "families_turned_around",
                  "families_disengaged", "families_waiting_end", "mean_wait_days", "peak_waiting_list",
                  "caseload_utilisation"]
MONTHLY_NEEDED = ["referrals", "referred_cumulative", "waiting_list", "families_in_service",
                  "turned_around_cumulative", "refused_cumulative", "started_cumulative", "fte_in_post",
                  "caseload_utilisation"]


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    code = cli.main(["run", SEVENOAKS, "--replications", "8", "--seed", "5", "--out", str(out)])
    assert code == 0
    return out


def test_run_writes_summary_with_exact_header_and_metrics(run_out):
    text = (run_out / "summary.csv").read_text()
    assert text.splitlines()[0] == SUMMARY_HEADER
    frame = pd.read_csv(run_out / "summary.csv")
    assert set(SUMMARY_NEEDED) <= set(frame["metric"])
    known = frame.dropna()  # e.g. mean_time_to_fill_days has no value when no post was filled
    assert len(known) >= len(SUMMARY_NEEDED)
    assert (known["ci_low"] <= known["mean"] + 1e-9).all() and (known["mean"] <= known["ci_high"] + 1e-9).all()
    assert (known["p05"] <= known["p50"]).all() and (known["p50"] <= known["p95"]).all()


def test_run_writes_monthly_long_form(run_out):
    text = (run_out / "monthly.csv").read_text()
    assert text.splitlines()[0] == MONTHLY_HEADER
    frame = pd.read_csv(run_out / "monthly.csv", dtype={"month": str})
    assert set(MONTHLY_NEEDED) <= set(frame["metric"])
    months = frame.loc[frame["metric"] == "referrals", "month"].tolist()
    assert months[0] == "2012-04" and months[-1] == "2015-03" and len(months) == 36
    assert all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months)
    cum = frame[frame["metric"] == "referred_cumulative"]["mean"].to_numpy()
    assert (cum[1:] >= cum[:-1]).all()
    # a role's series is named metric.role in the file, one row a month
    assert (frame["metric"] == "in_service.fip").sum() == 36
    assert (frame["metric"] == "capacity.fsw").sum() == 36


def test_run_writes_forecast_png(run_out):
    data = (run_out / "forecast.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_run_prints_readable_summary(capsys, tmp_path):
    assert cli.main(["run", SEVENOAKS, "-n", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Sevenoaks 2014" in out and "Families turned around" in out and "95% CI" in out


def test_validate_ok(capsys):
    assert cli.main(["validate", SEVENOAKS]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_validate_bad_file_prints_file_line_key_reason(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text((SCENARIOS / "sevenoaks-2014.toml").read_text().replace("per_month = 5.0", "per_month = -1"))
    assert cli.main(["validate", str(bad)]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert re.fullmatch(rf"{re.escape(str(bad))}:\d+: referrals\.rates\.0\.per_month: .+", out[0])


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"not = [toml", b"x" * 1_100_000])
def test_run_and_validate_refuse_bad_input_without_traceback(tmp_path, capsys, content):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    for command in (["validate", str(bad)], ["run", str(bad), "-n", "1", "--out", str(tmp_path / "o")]):
        assert cli.main(command) == 2
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        assert captured.out.startswith(f"{bad}:")


def test_usage_error_exits_2():
    assert cli.main(["run"]) == 2


def test_internal_error_exits_1_with_short_message(monkeypatch, capsys, tmp_path):
    import tfsim.experiment

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tfsim.experiment, "run_experiment", broken)
    assert cli.main(["run", SEVENOAKS, "-n", "1", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "boom" in err and "Traceback" not in err


def test_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["run", SEVENOAKS, "-n", "1", "--out", str(blocker / "sub")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_the_sensitivity_groups_in_the_help_are_the_what_if_layers():
    from tfsim import whatif

    assert cli.SENSITIVITY_GROUPS == tuple(whatif.GROUPS)


def test_validate_and_help_do_not_load_pandas_or_matplotlib():
    import subprocess
    import sys

    code = ("import sys, tfsim.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'scipy', 'docx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
