"""Roll (1984) kernel (liqcost.kernels.bar_roll) against its slow twin (reference/bar_roll.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import bar_roll as ref
from reference.bar_common import (
    SETTINGS,
    close_enough,
    logs,
    min_periods_,
    ohlc_panels,
    panel,
    split,
    windows,
)

from liqcost.kernels import bar_numerics as N
from liqcost.kernels import bar_roll as K


def run_roll(series, window, min_periods, signed=False):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    out, stt = np.empty(n), np.empty(n, np.int8)
    K.roll_panel(lg["close"], off, window, min_periods, signed, out, stt)
    return split(out, off), split(stt, off)


def test_roll_bounce_hand_checked():
    # closes bounce 10 -> 10.1 -> 10 -> 10.1: returns d, -d, d; pairs (-d, d), (d, -d): cov = -2 d^2
    d = math.log(1.01)
    s = {"close": np.array([10.0, 10.1, 10.0, 10.1]), "open": np.ones(4), "high": np.ones(4), "low": np.ones(4)}
    out, stt = run_roll([s], 0, 2)
    assert out[0][3] == pytest.approx(2 * math.sqrt(2) * d, rel=1e-12)
    assert list(stt[0]) == [N.TOO_FEW, N.TOO_FEW, N.TOO_FEW, N.OK]


def test_roll_trend_is_undefined_not_zero():
    # smooth momentum: returns 0.01 + 0.005 sin(t / 5) are positively autocorrelated
    s = {"close": 10.0 * np.exp(np.cumsum(0.01 + 0.005 * np.sin(np.arange(30.0) / 5)))}
    s.update(open=s["close"], high=s["close"], low=s["close"])
    out, stt = run_roll([s], 0, 2)
    assert np.isnan(out[0][-1]) and stt[0][-1] == N.NEGATIVE
    out, stt = run_roll([s], 0, 2, signed=True)
    assert out[0][-1] < 0 and stt[0][-1] == N.OK


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_, signed=st.booleans())
@SETTINGS
def test_roll_matches_reference(series, window, min_periods, signed):
    out, stt = run_roll(series, window, min_periods, signed)
    for i, s in enumerate(series):
        want, wst = ref.roll(s["close"], window, min_periods, signed)
        close_enough(out[i], want, stt[i], wst, f"roll symbol {i}")
