"""Zero-return share and FHT kernel (liqcost.kernels.bar_zero) against its slow twin (reference/bar_zero.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from reference import bar_zero as ref
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
from scipy import special

from liqcost.kernels import bar_numerics as N
from liqcost.kernels import bar_zero as K


def run_zero(series, window, min_periods):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    zr, zs, fo, fs = np.empty(n), np.empty(n, np.int8), np.empty(n), np.empty(n, np.int8)
    K.zero_return_panel(lg["close"], off, window, min_periods, zr, zs, fo, fs)
    return split(zr, off), split(zs, off), split(fo, off), split(fs, off)


def test_fht_hand_checked():
    close = np.array([10.0, 10.0, 10.2, 10.2, 10.0, 10.0, 10.1])
    s = {"close": close, "open": close, "high": close, "low": close}
    zr, _, fo, _ = run_zero([s], 0, 2)
    r = np.diff(np.log(close))
    z = 3 / 6
    assert zr[0][-1] == pytest.approx(z)
    assert fo[0][-1] == pytest.approx(2 * np.std(r, ddof=1) * special.ndtri((1 + z) / 2), rel=1e-12)


def test_fht_without_zero_returns_is_not_identified():
    close = 10.0 * np.exp(np.cumsum(np.r_[0.0, np.full(20, 0.01) * (-1) ** np.arange(20)]))
    s = {"close": close, "open": close, "high": close, "low": close}
    _, _, fo, fs = run_zero([s], 0, 2)
    assert np.isnan(fo[0][-1]) and fs[0][-1] == N.NO_ZERO_RETURNS


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_)
@SETTINGS
def test_zero_returns_and_fht_match_reference(series, window, min_periods):
    zr, zs, fo, fs = run_zero(series, window, min_periods)
    for i, s in enumerate(series):
        wzr, wzs, wfo, wfs = ref.zero_returns(s["close"], window, min_periods)
        close_enough(zr[i], wzr, zs[i], wzs, f"zero-return share symbol {i}")
        close_enough(fo[i], wfo, fs[i], wfs, f"fht symbol {i}")
