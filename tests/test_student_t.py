"""Student's t quantiles in plain Python agree with scipy's, so confidence intervals keep their values."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import stdtr, stdtrit

from tfsim import student_t
from tfsim.experiment import t_quantile

LEVELS = (0.9, 0.95, 0.975, 0.99, 0.995, 0.9995)
#: Beyond 0.75 (and below 0.25): the levels confidence intervals use.  Nearer 1/2 the
#: quantile is ill-conditioned and scipy's own value is off by up to about 1e-11 there
#: (against 40-digit arithmetic), so agreement is no test of either.
levels = st.one_of(st.sampled_from(LEVELS), st.floats(0.75, 0.9995))
degrees = st.one_of(st.integers(1, 200), st.integers(1, 1_000_000), st.sampled_from([49, 50, 99, 100, 101, 10 ** 6]))


@settings(max_examples=400, deadline=None)
@given(q=levels, df=degrees, lower=st.booleans())
def test_quantiles_agree_with_scipy(q, df, lower):
    q = 1.0 - q if lower else q
    expected = float(stdtrit(df, q))
    assert student_t.quantile(q, df) == pytest.approx(expected, rel=1e-12, abs=0)


@settings(max_examples=200, deadline=None)
@given(q=levels, df=degrees)
def test_quantiles_are_odd(q, df):
    assert student_t.quantile(1.0 - q, df) == -student_t.quantile(q, df)


@settings(max_examples=300, deadline=None)
@given(t=st.floats(0.0, 50.0), df=degrees)
def test_the_upper_tail_agrees_with_scipy(t, df):
    # scipy's own values are off by up to about 1.3e-13 near t = 0 (df = 1, t = 1e-5, against
    # atan), so the closed forms below are the sharper test there
    assert student_t.upper_tail(t, df) == pytest.approx(float(stdtr(df, -t)), rel=1e-10, abs=1e-12)
    assert student_t.upper_tail(-t, df) == pytest.approx(float(stdtr(df, t)), abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(t=st.floats(-50.0, 50.0))
def test_the_upper_tail_for_1_and_2_degrees_of_freedom_is_the_closed_form(t):
    assert student_t.upper_tail(t, 1) == pytest.approx(0.5 - math.atan(t) / math.pi, rel=1e-13, abs=1e-15)
    assert student_t.upper_tail(t, 2) == pytest.approx(0.5 - t / (2 * math.sqrt(2 + t * t)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("q", [0.9, 0.975, 0.995])
def test_the_closed_forms_for_1_2_and_4_degrees_of_freedom(q):
    assert student_t.quantile(q, 1) == pytest.approx(math.tan(math.pi * (q - 0.5)), rel=1e-14)
    assert student_t.quantile(q, 2) == pytest.approx((2 * q - 1) / math.sqrt(2 * q * (1 - q)), rel=1e-14)
    alpha = 4 * q * (1 - q)
    four = 2 * math.sqrt(math.cos(math.acos(math.sqrt(alpha)) / 3) / math.sqrt(alpha) - 1)
    assert student_t.quantile(q, 4) == pytest.approx(four, rel=1e-13)
    assert student_t.quantile(0.5, 4) == 0.0


@pytest.mark.parametrize("q, df", [(0.0, 3), (1.0, 3), (0.5, 0), (float("nan"), 5)])
def test_bad_arguments_are_refused(q, df):
    with pytest.raises(ValueError):
        student_t.quantile(q, df)


def test_the_run_statistics_use_it_without_importing_scipy():
    code = ("import sys; from tfsim.experiment import t_quantile; t_quantile(0.975, 49); "
            "print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert t_quantile(0.975, 49) == pytest.approx(float(stdtrit(49, 0.975)), rel=1e-12)
