"""History files: reading, every hostile construct at its line and column, the run's side of each series."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, SCENARIOS, tiny
from history_cases import district
from tfsim.catalogue import HISTORY
from tfsim.experiment import run_experiment
from tfsim.history import (
    MAX_FILE_BYTES,
    check_against,
    month_labels,
    parse_history,
    read_history,
    results_getter,
    scenario_over,
    simulated,
)
from tfsim.scenario import read_scenario

SAMPLE = SCENARIOS / "sevenoaks-2014-history.csv"
HEAD = "month,referrals,refused,started,fte_in_post,fte_in_post.kw,waiting_list\n"


def problems_of(text, name="h.csv"):
    result = parse_history(text.encode("utf-8") if isinstance(text, str) else text, name)
    assert result.history is None and result.problems
    return [p.format(name) for p in result.problems]


def test_the_bundled_sample_reads_with_its_gaps_and_hash():
    result = read_history(SAMPLE)
    assert result.ok, result.problems
    h = result.history
    assert h.months[0] == "2012-04" and h.months[-1] == "2015-03" and len(h.months) == 36
    assert [h.label(k) for k in h.series][:3] == ["referrals", "refused", "started"]
    assert ("fte_in_post", "fip") in h.series
    assert h.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    waiting = h.values[("waiting_list", "")]
    assert np.isnan(waiting[: h.months.index("2013-04")]).all() and not np.isnan(waiting[-1])
    assert all(np.isnan(h.values[k][h.months.index("2013-08")]) for k in h.series)  # the month with no return
    assert h.comments[0].startswith("SYNTHETIC HISTORY")
    assert not check_against(h, read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario)


def test_the_bundled_sample_is_what_its_script_writes(tmp_path):
    out = tmp_path / "again.csv"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample_history.py"), str(out)], check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.read_bytes() == SAMPLE.read_bytes(), "run scripts/make_sample_history.py to regenerate the sample"


def test_gaps_missing_months_crlf_bom_and_quotes_are_read():
    text = ("\ufeff# a council's returns\r\n" + HEAD.replace("\n", "\r\n") + '"2014-01",3,,1,2.5,2.5,\r\n\r\n'
            "# no return for February\r\n2014-03,4,1,2,3.0,3.0,5\r\n")
    result = parse_history(text.encode("utf-8"), "h.csv")
    assert result.ok, result.problems
    h = result.history
    assert h.months == ["2014-01", "2014-03"]
    assert np.isnan(h.values[("refused", "")][0]) and h.values[("refused", "")][1] == 1
    assert h.values[("fte_in_post", "kw")].tolist() == [2.5, 3.0]
    assert h.month_lines == {"2014-01": 3, "2014-03": 6} and h.comments == ["a council's returns"]


BAD_ROWS = [
    ("2014-01,nan,0,0,1,1,0", 2, "referrals", "'nan' is not a finite number"),
    ("2014-01,inf,0,0,1,1,0", 2, "referrals", "'inf' is not a finite number"),
    ("2014-01,1,0,0,-inf,1,0", 2, "fte_in_post", "not a finite number"),
    ("2014-01,-3,0,0,1,1,0", 2, "referrals", "'-3' is negative"),
    ("2014-01,2.5,0,0,1,1,0", 2, "referrals", "is not a whole number"),
    ('2014-01,"1,234",0,0,1,1,0', 2, "referrals", "thousands separator; write the number without it (1234)"),
    ("2014-01,n/a,0,0,1,1,0", 2, "referrals", "leave the cell empty for a month not counted"),
    ("2014-01,lots,0,0,1,1,0", 2, "referrals", "'lots' is not a number"),
    ("2014-01,1e12,0,0,1,1,0", 2, "referrals", "more than 10,000,000 families"),
    ("2014-01,1,0,0,1e9,1,0", 2, "fte_in_post", "FTE is more than"),
    ("2014-13,1,0,0,1,1,0", 2, "month", "has month 13"),
    ("2014-03-01,1,0,0,1,1,0", 2, "month", "without its day: 2014-03"),
    ("03/2014,1,0,0,1,1,0", 2, "month", "write it as 2014-03"),
    ("1899-12,1,0,0,1,1,0", 2, "month", "outside 1900 to 3000"),
    (",1,0,0,1,1,0", 2, "month", "is empty"),
    ("2014-01,1,0,0,1,1", 2, "(row)", "has 6 values; the header (line 1) has 7 columns"),
    ('2014-01,"1,0,0,1,1,0', 2, "(row)", "unclosed quote"),
    ("2014-01,1,0,0,1,1,0\n2014-01,1,0,0,1,1,0", 3, "month", "2014-01 is given twice (first on line 2)"),
    ("2014-02,1,0,0,1,1,0\n2014-01,1,0,0,1,1,0", 3, "month", "2014-01 follows 2014-02 (line 2)"),
]


@pytest.mark.parametrize("row,line,column,reason", BAD_ROWS, ids=[c[3][:30] for c in BAD_ROWS])
def test_each_bad_cell_is_reported_at_its_line_and_column(row, line, column, reason):
    found = problems_of(HEAD + row + "\n")
    assert any(p.startswith(f"h.csv:{line}: {column}: ") and reason in p for p in found), found


BAD_HEADERS = [
    ("month,referals\n", "referals", "did you mean 'referrals'?"),
    ("month,waiting_list.kw\n", "waiting_list.kw", "for the whole programme only"),
    ("month,fte_in_post.KW\n", "fte_in_post.KW", "is not a role id"),
    ("month,referrals,referrals\n", "referrals", "column given twice (first in column 2)"),
    ("month,referrals,\n", "column 3", "has no name"),
    ("Month,referrals\n", "Month", "the first column must be 'month'"),
    ("month;referrals;started\n", "(header)", "separated by ';'"),
    ("month\n2014-01\n", "(header)", "has only a month column"),
    ("month,referrals\n", "(file)", "has a header but no months"),
    ("month," + ",".join(f"x{i}" for i in range(120)) + "\n", "(header)", "at most 100"),
]


@pytest.mark.parametrize("text,column,reason", BAD_HEADERS, ids=[c[2][:30] for c in BAD_HEADERS])
def test_each_bad_header_is_reported(text, column, reason):
    found = problems_of(text)
    assert any(f": {column}: " in p and reason in p for p in found), found


def test_empty_comment_only_and_all_gaps_files_say_so():
    assert "has no header" in problems_of("")[0]
    assert "has no header" in problems_of("# only a comment\n\n")[0]
    assert "no month has a count" in problems_of("month,referrals\n2014-01,\n2014-02,\n")[0]


def test_bad_encodings_nul_bytes_and_long_lines_are_located():
    latin = HEAD.encode() + "2014-01,1,0,0,1,1,0 # caf\xe9\n".encode("cp1252")
    assert problems_of(latin)[0].startswith("h.csv:2: (file): is not UTF-8 text (bad byte 0xe9")
    assert "contains NUL bytes" in problems_of(HEAD.encode() + b"2014-01,\x00\n")[0]
    long = problems_of(HEAD + "2014-01," + "1" * 20_000 + ",0,0,1,1,0\n")
    assert long[0].startswith("h.csv:2: (row): line is 20,018 characters long")


def test_control_and_bidirectional_characters_are_escaped_and_messages_stay_on_one_line():
    found = problems_of(HEAD + "2014-01,\x1b[31mred,0,0,1,1,0\n2014-02,\u202eevil,0,0,1,1,0\n"
                        "2014-03,a\u2028b,0,0,1,1,0\n")
    text = "\n".join(found)
    assert "\\x1b[31mred" in text and "\\u202eevil" in text and "a\\u2028b" in text
    assert "\x1b" not in text and "\u202e" not in text and "\u2028" not in text
    assert all("\n" not in p for p in found)


def test_many_problems_are_capped_with_a_count():
    rows = "".join(f"{1900 + i}-01,x,0,0,1,1,0\n" for i in range(300))
    found = problems_of(HEAD + rows)
    assert len(found) == 100 and "more problems not shown" in found[-1]


def test_too_many_months_and_huge_files_are_refused(tmp_path):
    rows = "".join(f"{1900 + i // 12}-{i % 12 + 1:02d},1,0,0,1,1,0\n" for i in range(1201))
    assert any("more than 1,200 months" in p for p in problems_of(HEAD + rows))
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    result = read_history(big)
    assert result.problems[0].format(str(big)).endswith(f"file is {MAX_FILE_BYTES + 1:,} bytes; history files may "
                                                        f"be at most {MAX_FILE_BYTES:,}")


def test_files_that_are_not_files(tmp_path):
    assert read_history(tmp_path / "none.csv").problems[0].message == "no such file"
    assert "is a folder" in read_history(tmp_path).problems[0].message
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert "not a regular file" in read_history(fifo).problems[0].message


def test_a_history_against_a_scenario_it_does_not_suit():
    text = ("month,referrals,claims,fte_in_post.kwx\n2013-11,1,0,1\n2014-01,1,0,1\n")
    h = parse_history(text.encode(), "h.csv").history
    found = [p.format("h.csv") for p in check_against(h, district())]
    assert any(p.startswith("h.csv:1: fte_in_post.kwx: ") and "did you mean 'kw'?" in p for p in found), found
    assert any(p.startswith("h.csv:1: claims: ") and "no [money] section" in p for p in found), found
    assert any(p.startswith("h.csv:2: month: 2013-11 is before the scenario") for p in found), found


def test_the_run_to_the_histories_months():
    s = district()
    assert scenario_over(s, ["2014-01", "2014-06"]).end_date.isoformat() == "2014-06-30"
    assert scenario_over(s, ["2014-01", "2016-02"]).end_date.isoformat() == "2016-02-29"
    assert month_labels(scenario_over(s, ["2016-02"]))[-1] == "2016-02"
    kent = read_scenario(SCENARIOS / "kent-phase2-expansion.toml").scenario  # its target's deadline is March 2020
    shorter = scenario_over(kent, ["2016-03"])
    assert shorter.end_date.isoformat() == "2016-03-31" and shorter.money.target.deadline == shorter.end_date


def test_the_runs_side_of_every_series_adds_up():
    s = tiny()  # 3 families at the start, one worker holding one, one-month interventions, all turned around
    res = run_experiment(s, replications=3, seed=1)
    get = results_getter(res)
    started = simulated(get, ("started", ""))
    # a month of intervention is 30.4 days: starts on days 0 and 30.4 (January) and 60.9 (1 March 2020)
    assert started[:, :4].tolist() == [[2, 0, 1, 0]] * 3
    assert simulated(get, ("referrals", ""))[:, 0].tolist() == [3, 3, 3]
    assert simulated(get, ("closed_turned_around", "")).sum(axis=1).tolist() == [3, 3, 3]
    assert simulated(get, ("closed_other", "")).sum() == 0
    assert simulated(get, ("waiting_list", ""))[:, :3].tolist() == [[1, 1, 0]] * 3
    assert simulated(get, ("fte_in_post", "kw")).min() == 1
    bigger = run_experiment(district(), replications=4, seed=2)
    get = results_getter(bigger)
    closed = np.diff(bigger.replication_values("closed_cumulative"), axis=1, prepend=0)
    assert np.array_equal(simulated(get, ("closed_turned_around", "")) + simulated(get, ("closed_other", "")),
                          closed)
    assert np.array_equal(simulated(get, ("referrals", "")).sum(axis=1),
                          bigger.replication_values("referred_cumulative")[:, -1])
    assert (simulated(get, ("refused", "")) >= 0).all()
    assert set(HISTORY) == {"referrals", "refused", "started", "closed_turned_around", "closed_other", "claims",
                            "fte_in_post", "waiting_list"}
