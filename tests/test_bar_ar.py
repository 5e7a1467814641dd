"""Abdi-Ranaldo (2017) kernel (liqcost.kernels.bar_ar) against its slow twin (reference/bar_ar.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import bar_ar as ref
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

from liqcost.kernels import bar_ar as K
from liqcost.kernels import bar_numerics as N


def run_ar(series, window, min_periods, two_day=False, signed=False):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    out, stt = np.empty(n), np.empty(n, np.int8)
    K.ar_panel(lg["high"], lg["low"], lg["close"], off, window, min_periods, two_day, signed, out, stt)
    return split(out, off), split(stt, off)


def test_ar_hand_checked():
    # close at the top of the range on day 1, range centred on the same mid on day 2
    s = {"high": np.array([102.0, 102.0]), "low": np.array([100.0, 100.0]), "close": np.array([102.0, 101.0])}
    s["open"] = s["close"]
    eta = 0.5 * (math.log(102) + math.log(100))
    want = math.sqrt(4 * (math.log(102) - eta) ** 2)
    out, stt = run_ar([s], 0, 2)
    assert out[0][1] == pytest.approx(want, rel=1e-12) and stt[0][1] == N.OK


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_, two_day=st.booleans(), signed=st.booleans())
@SETTINGS
def test_ar_matches_reference(series, window, min_periods, two_day, signed):
    out, stt = run_ar(series, window, min_periods, two_day, signed)
    for i, s in enumerate(series):
        want, wst = ref.ar(s["high"], s["low"], s["close"], window, min_periods, two_day, signed)
        close_enough(out[i], want, stt[i], wst, f"ar symbol {i}")
