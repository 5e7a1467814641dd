"""OHLC volatility kernel (liqcost.kernels.bar_volatility) against its slow twin (reference/bar_volatility.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import bar_volatility as ref
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
from liqcost.kernels import bar_volatility as K


def run_vol(series, window, min_periods):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    out, stt = np.empty((5, n)), np.empty((5, n), np.int8)
    K.volatility_panel(lg["open"], lg["high"], lg["low"], lg["close"], off, window, min_periods, out, stt)
    return {name: (split(out[k], off), split(stt[k], off)) for k, name in enumerate(K.NAMES)}


def test_parkinson_hand_checked():
    n = 10
    s = {"open": np.full(n, 10.0), "close": np.full(n, 10.0), "high": np.full(n, 10.0 * math.exp(0.02)),
         "low": np.full(n, 10.0)}
    vols = run_vol([s], 5, 5)
    out, stt = vols["parkinson"]
    assert out[0][-1] == pytest.approx(0.02 / math.sqrt(4 * math.log(2)), rel=1e-12)
    assert stt[0][3] == N.TOO_FEW and stt[0][4] == N.OK


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_)
@SETTINGS
def test_volatility_matches_reference(series, window, min_periods):
    got = run_vol(series, window, min_periods)
    for i, s in enumerate(series):
        want = ref.volatility(s["open"], s["high"], s["low"], s["close"], window, min_periods)
        for name in K.NAMES:
            g, w = np.asarray(got[name][0][i], float), np.asarray(want[name][0], float)
            close_enough(g, w, got[name][1][i], want[name][1], f"{name} symbol {i}", variance=True)


@given(series=ohlc_panels(max_symbols=4, max_size=30), seed=st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_symbols_are_independent(series, seed):
    perm = np.random.default_rng(seed).permutation(len(series))
    a = run_vol(series, 5, 2)
    b = run_vol([series[j] for j in perm], 5, 2)
    for name in K.NAMES:
        for k, j in enumerate(perm):
            assert np.array_equal(a[name][0][j], b[name][0][k], equal_nan=True)
