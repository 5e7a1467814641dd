"""Volume kernels (liqcost.kernels.bar_volume) against their slow twins (reference/bar_volume.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import bar_volume as ref
from reference.bar_common import ATOL, RTOL, SETTINGS, logs, ohlc_panels, panel, split, windows

from liqcost.kernels import bar_numerics as N
from liqcost.kernels import bar_volume as K


def run_volume(series, window, min_periods):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    vol = arrays["volume"]
    price = np.where(arrays["close"] > 0, arrays["close"], np.nan)
    dv = np.where(vol == 0, 0.0, vol * price)
    shares = np.ascontiguousarray(np.concatenate([s.get("shares", np.full(len(s["close"]), np.nan)) for s in series]))
    outs = [np.empty(n) for _ in range(5)]
    n_days = np.empty(n, np.int64)
    sts = [np.empty(n, np.int8) for _ in range(3)]
    K.volume_panel(vol, dv, shares, lg["close"], off, window, min_periods, *outs, n_days, *sts)
    med, mst = np.empty(n), np.empty(n, np.int8)
    K.median_panel(vol, off, window, min_periods, med, mst)
    names = ("adv", "adv_usd", "zvf", "turnover", "amihud")
    return ({k: split(o, off) for k, o in zip(names, outs)},
            {k: split(s, off) for k, s in zip(("vol", "turnover", "amihud"), sts)}, split(med, off), split(mst, off))


def test_volume_hand_checked():
    vol = np.array([100.0, 0.0, np.nan, 300.0])
    close = np.array([10.0, 10.0, np.nan, 11.0])
    s = {"close": close, "open": close, "high": close, "low": close, "volume": vol,
         "shares": np.array([1e4, 1e4, np.nan, 2e4])}
    out, stt, med, _ = run_volume([s], 0, 1)
    assert out["adv"][0][-1] == pytest.approx(400 / 3)
    assert out["zvf"][0][-1] == pytest.approx(1 / 3)
    assert out["adv_usd"][0][-1] == pytest.approx((1000 + 0 + 3300) / 3)
    assert out["turnover"][0][-1] == pytest.approx((0.01 + 0.0 + 0.015) / 3)
    assert med[0][-1] == 100.0
    # Amihud: day 2 has zero volume, day 4 has no previous close (day 3 missing), day 1 no lag at all
    assert np.isnan(out["amihud"][0][-1]) and stt["amihud"][0][-1] == N.NO_VOLUME


@st.composite
def with_shares(draw):
    series = draw(ohlc_panels())
    for s in series:
        n = len(s["close"])
        kind = draw(st.sampled_from(["none", "const", "some"]))
        if kind == "none":
            s["shares"] = np.full(n, np.nan)
        elif kind == "const":
            s["shares"] = np.full(n, 5e6)
        else:
            s["shares"] = np.where(np.arange(n) % 3 == 0, np.nan, 2e6)
    return series


@given(series=with_shares(), window=windows, min_periods=st.sampled_from([1, 2, 5]))
@SETTINGS
def test_volume_measures_match_reference(series, window, min_periods):
    out, stt, med, mst = run_volume(series, window, min_periods)
    for i, s in enumerate(series):
        price = np.where(s["close"] > 0, s["close"], np.nan)
        want, wst = ref.volume(s["volume"], price, s["shares"], s["close"], window, min_periods)
        for k in ("adv", "adv_usd", "zvf", "turnover", "amihud"):
            np.testing.assert_allclose(out[k][i], want[k], rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=k)
        for k in ("vol", "turnover", "amihud"):
            assert np.array_equal(stt[k][i], wst[k]), k
        wm, wms = ref.median(s["volume"], window, min_periods)
        np.testing.assert_array_equal(med[i], wm)
        assert np.array_equal(mst[i], wms)
