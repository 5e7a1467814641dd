"""Corwin-Schultz (2012) kernel (liqcost.kernels.bar_cs) against its slow twin (reference/bar_cs.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import bar_cs as ref
from reference.bar_common import (
    SETTINGS,
    close_enough,
    min_periods_,
    ohlc_panels,
    panel,
    split,
    windows,
)

from liqcost.kernels import bar_cs as K
from liqcost.kernels import bar_numerics as N


def run_cs(series, window, min_periods, two_day=True, overnight=True, signed=False):
    arrays, off = panel(series)
    n = len(arrays["close"])
    h, lw, c = (np.where(arrays[k] > 0, arrays[k], np.nan) for k in ("high", "low", "close"))
    out, stt = np.empty(n), np.empty(n, np.int8)
    K.cs_panel(h, lw, c, off, window, min_periods, two_day, overnight, signed, out, stt)
    return split(out, off), split(stt, off)


def test_cs_hand_checked_two_days():
    # H = 102, L = 100 on both days, close inside: beta = 2 ln(1.02)^2, gamma = ln(1.02)^2, alpha = ln(1.02)
    s = {"high": np.array([102.0, 102.0]), "low": np.array([100.0, 100.0]), "close": np.array([101.0, 101.0])}
    s["open"] = s["close"]
    out, stt = run_cs([s], 2, 2)
    assert out[0][1] == pytest.approx(2 * (1.02 - 1) / (1 + 1.02), rel=1e-12)
    assert stt[0][0] == N.TOO_FEW and stt[0][1] == N.OK


def test_cs_overnight_adjustment():
    # day 2 trades entirely above day 1's close: its range is shifted down to start at that close
    s = {"high": np.array([102.0, 112.0]), "low": np.array([100.0, 110.0]), "close": np.array([101.0, 111.0])}
    s["open"] = s["close"]
    with_adj, _ = run_cs([s], 2, 2, two_day=False, signed=True)
    without, _ = run_cs([s], 2, 2, two_day=False, overnight=False, signed=True)
    want, _ = ref.cs_two_day(102.0, 100.0, 112.0 - 9.0, 101.0, 101.0, overnight=False)
    assert with_adj[0][1] == pytest.approx(want, rel=1e-12)
    assert without[0][1] < with_adj[0][1]  # the gap inflates gamma and pushes the unadjusted estimate down


def test_cs_trending_days_are_negative_not_zero():
    # each day's range starts where the previous one ended: the two-day range is twice a one-day range,
    # so gamma exceeds what beta allows and every two-day estimate is negative -> NaN, never 0
    s = {"high": np.array([10.1, 10.2, 10.3, 10.4]), "low": np.array([10.0, 10.1, 10.2, 10.3]),
         "close": np.array([10.1, 10.2, 10.3, 10.4])}
    s["open"] = s["low"]
    out, stt = run_cs([s], 0, 2)
    assert np.isnan(out[0][-1]) and stt[0][-1] == N.NEGATIVE
    out, stt = run_cs([s], 0, 2, two_day=False, signed=True)
    assert out[0][-1] < 0


def test_cs_no_trade_days_are_uninformative():
    # O = H = L = C: after the overnight adjustment both days collapse onto the previous close
    s = {"high": np.array([10.0, 10.5, 10.5, 11.0]), "low": np.array([10.0, 10.5, 10.5, 11.0]),
         "close": np.array([10.0, 10.5, 10.5, 11.0])}
    s["open"] = s["close"]
    out, stt = run_cs([s], 0, 2)
    assert np.isnan(out[0][-1]) and stt[0][-1] == N.NO_VARIATION


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_, two_day=st.booleans(),
       overnight=st.booleans(), signed=st.booleans())
@SETTINGS
def test_cs_matches_reference(series, window, min_periods, two_day, overnight, signed):
    out, stt = run_cs(series, window, min_periods, two_day, overnight, signed)
    for i, s in enumerate(series):
        want, wst = ref.cs(s["high"], s["low"], s["close"], window, min_periods, two_day, overnight, signed)
        close_enough(out[i], want, stt[i], wst, f"cs symbol {i}")
