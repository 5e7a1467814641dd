"""Bar-estimator kernels equal their slow references (tests/reference/bar_estimators.py).

Fixed, hand-checked cases first, then hypothesis-generated panels (missing rows, single NaN fields,
no-trade days, ties on a price grid, empty and one-bar symbols), rolling windows of several lengths
and expanding windows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import bar_estimators as ref
from reference.bar_estimators import logs, ohlc_panels, panel
from scipy import special

from liqcost.kernels import bar_estimators as be
from liqcost.kernels import bar_volatility as bv

RTOL = 1e-9
ATOL = 1e-13


def split(x, off):
    return [x[off[i] : off[i + 1]] for i in range(len(off) - 1)]


def close_enough(got, want, status_got, status_want, what, variance=False):
    got = np.asarray(got, float)
    want = np.asarray(want, float)
    assert np.array_equal(np.asarray(status_got), np.asarray(status_want)), (
        f"{what}: status differs: kernel {list(status_got)} reference {list(status_want)}"
    )
    assert np.array_equal(np.isnan(got), np.isnan(want)), f"{what}: NaN pattern differs"
    ok = ~np.isnan(want)
    if variance and ok.any():
        # rolling variances from running sums are exact to rounding relative to the largest squared term
        # of the series, not relative to a window whose variance happens to be tiny: compare variances
        # with an absolute tolerance on that scale (a window of near-constant returns loses digits)
        scale = float(np.max(want[ok] ** 2))
        np.testing.assert_allclose(got[ok] ** 2, want[ok] ** 2, rtol=RTOL, atol=ATOL + 1e-12 * scale, err_msg=what)
        return
    np.testing.assert_allclose(got[ok], want[ok], rtol=RTOL, atol=ATOL, err_msg=what)


# ----------------------------------------------------------------------------------- kernel runners


def run_roll(series, window, min_periods, signed=False):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    out, stt = np.empty(n), np.empty(n, np.int8)
    be.roll_panel(lg["close"], off, window, min_periods, signed, out, stt)
    return split(out, off), split(stt, off)


def run_cs(series, window, min_periods, two_day=True, overnight=True, signed=False):
    arrays, off = panel(series)
    n = len(arrays["close"])
    h, lw, c = (np.where(arrays[k] > 0, arrays[k], np.nan) for k in ("high", "low", "close"))
    out, stt = np.empty(n), np.empty(n, np.int8)
    be.cs_panel(h, lw, c, off, window, min_periods, two_day, overnight, signed, out, stt)
    return split(out, off), split(stt, off)


def run_ar(series, window, min_periods, two_day=False, signed=False):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    out, stt = np.empty(n), np.empty(n, np.int8)
    be.ar_panel(lg["high"], lg["low"], lg["close"], off, window, min_periods, two_day, signed, out, stt)
    return split(out, off), split(stt, off)


def run_zero(series, window, min_periods):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    zr, zs, fo, fs = np.empty(n), np.empty(n, np.int8), np.empty(n), np.empty(n, np.int8)
    be.zero_return_panel(lg["close"], off, window, min_periods, zr, zs, fo, fs)
    return split(zr, off), split(zs, off), split(fo, off), split(fs, off)


def run_vol(series, window, min_periods):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    out, stt = np.empty((5, n)), np.empty((5, n), np.int8)
    bv.volatility_panel(lg["open"], lg["high"], lg["low"], lg["close"], off, window, min_periods, out, stt)
    return {name: (split(out[k], off), split(stt[k], off)) for k, name in enumerate(bv.NAMES)}


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
    be.volume_panel(vol, dv, shares, lg["close"], off, window, min_periods, *outs, n_days, *sts)
    med, mst = np.empty(n), np.empty(n, np.int8)
    be.median_panel(vol, off, window, min_periods, med, mst)
    names = ("adv", "adv_usd", "zvf", "turnover", "amihud")
    return ({k: split(o, off) for k, o in zip(names, outs)},
            {k: split(s, off) for k, s in zip(("vol", "turnover", "amihud"), sts)}, split(med, off), split(mst, off))


windows = st.sampled_from([2, 3, 4, 5, 10, 21, 0])
min_periods_ = st.sampled_from([1, 2, 3, 5, 10])
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------ fixed, hand-checked


def test_roll_bounce_hand_checked():
    # closes bounce 10 -> 10.1 -> 10 -> 10.1: returns d, -d, d; pairs (-d, d), (d, -d): cov = -2 d^2
    d = math.log(1.01)
    s = {"close": np.array([10.0, 10.1, 10.0, 10.1]), "open": np.ones(4), "high": np.ones(4), "low": np.ones(4)}
    out, stt = run_roll([s], 0, 2)
    assert out[0][3] == pytest.approx(2 * math.sqrt(2) * d, rel=1e-12)
    assert list(stt[0]) == [be.TOO_FEW, be.TOO_FEW, be.TOO_FEW, be.OK]


def test_roll_trend_is_undefined_not_zero():
    # smooth momentum: returns 0.01 + 0.005 sin(t / 5) are positively autocorrelated
    s = {"close": 10.0 * np.exp(np.cumsum(0.01 + 0.005 * np.sin(np.arange(30.0) / 5)))}
    s.update(open=s["close"], high=s["close"], low=s["close"])
    out, stt = run_roll([s], 0, 2)
    assert np.isnan(out[0][-1]) and stt[0][-1] == be.NEGATIVE
    out, stt = run_roll([s], 0, 2, signed=True)
    assert out[0][-1] < 0 and stt[0][-1] == be.OK


def test_cs_hand_checked_two_days():
    # H = 102, L = 100 on both days, close inside: beta = 2 ln(1.02)^2, gamma = ln(1.02)^2, alpha = ln(1.02)
    s = {"high": np.array([102.0, 102.0]), "low": np.array([100.0, 100.0]), "close": np.array([101.0, 101.0])}
    s["open"] = s["close"]
    out, stt = run_cs([s], 2, 2)
    assert out[0][1] == pytest.approx(2 * (1.02 - 1) / (1 + 1.02), rel=1e-12)
    assert stt[0][0] == be.TOO_FEW and stt[0][1] == be.OK


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
    assert np.isnan(out[0][-1]) and stt[0][-1] == be.NEGATIVE
    out, stt = run_cs([s], 0, 2, two_day=False, signed=True)
    assert out[0][-1] < 0


def test_cs_no_trade_days_are_uninformative():
    # O = H = L = C: after the overnight adjustment both days collapse onto the previous close
    s = {"high": np.array([10.0, 10.5, 10.5, 11.0]), "low": np.array([10.0, 10.5, 10.5, 11.0]),
         "close": np.array([10.0, 10.5, 10.5, 11.0])}
    s["open"] = s["close"]
    out, stt = run_cs([s], 0, 2)
    assert np.isnan(out[0][-1]) and stt[0][-1] == be.NO_VARIATION


def test_ar_hand_checked():
    # close at the top of the range on day 1, range centred on the same mid on day 2
    s = {"high": np.array([102.0, 102.0]), "low": np.array([100.0, 100.0]), "close": np.array([102.0, 101.0])}
    s["open"] = s["close"]
    eta = 0.5 * (math.log(102) + math.log(100))
    want = math.sqrt(4 * (math.log(102) - eta) ** 2)
    out, stt = run_ar([s], 0, 2)
    assert out[0][1] == pytest.approx(want, rel=1e-12) and stt[0][1] == be.OK


def test_constant_prices_have_no_variation_reason():
    s = {k: np.full(25, 7.0) for k in ("open", "high", "low", "close")}
    for runner in (run_roll, run_cs, run_ar):
        out, stt = runner([s], 21, 5)
        assert np.isnan(out[0][-1]) and stt[0][-1] == be.NO_VARIATION, runner.__name__
    vols = run_vol([s], 21, 5)
    for name, (out, stt) in vols.items():
        assert np.isnan(out[0][-1]) and stt[0][-1] == be.NO_VARIATION, name
    zr, _, _, fs = run_zero([s], 21, 5)
    assert zr[0][-1] == 1.0 and fs[0][-1] == be.NO_VARIATION


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
    assert np.isnan(fo[0][-1]) and fs[0][-1] == be.NO_ZERO_RETURNS


def test_parkinson_hand_checked():
    n = 10
    s = {"open": np.full(n, 10.0), "close": np.full(n, 10.0), "high": np.full(n, 10.0 * math.exp(0.02)),
         "low": np.full(n, 10.0)}
    vols = run_vol([s], 5, 5)
    out, stt = vols["parkinson"]
    assert out[0][-1] == pytest.approx(0.02 / math.sqrt(4 * math.log(2)), rel=1e-12)
    assert stt[0][3] == be.TOO_FEW and stt[0][4] == be.OK


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
    assert np.isnan(out["amihud"][0][-1]) and stt["amihud"][0][-1] == be.NO_VOLUME


def test_ndtri_matches_scipy():
    p = np.r_[1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.97575, 0.999, 1 - 1e-12]
    got = np.array([be.ndtri(x) for x in p])
    np.testing.assert_allclose(got, special.ndtri(p), rtol=1e-13)
    assert be.ndtri(0.0) == -np.inf and be.ndtri(1.0) == np.inf and np.isnan(be.ndtri(1.5))


# ---------------------------------------------------------------------------- generated panels


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_, signed=st.booleans())
@SETTINGS
def test_roll_matches_reference(series, window, min_periods, signed):
    out, stt = run_roll(series, window, min_periods, signed)
    for i, s in enumerate(series):
        want, wst = ref.roll(s["close"], window, min_periods, signed)
        close_enough(out[i], want, stt[i], wst, f"roll symbol {i}")


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_, two_day=st.booleans(),
       overnight=st.booleans(), signed=st.booleans())
@SETTINGS
def test_cs_matches_reference(series, window, min_periods, two_day, overnight, signed):
    out, stt = run_cs(series, window, min_periods, two_day, overnight, signed)
    for i, s in enumerate(series):
        want, wst = ref.cs(s["high"], s["low"], s["close"], window, min_periods, two_day, overnight, signed)
        close_enough(out[i], want, stt[i], wst, f"cs symbol {i}")


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_, two_day=st.booleans(), signed=st.booleans())
@SETTINGS
def test_ar_matches_reference(series, window, min_periods, two_day, signed):
    out, stt = run_ar(series, window, min_periods, two_day, signed)
    for i, s in enumerate(series):
        want, wst = ref.ar(s["high"], s["low"], s["close"], window, min_periods, two_day, signed)
        close_enough(out[i], want, stt[i], wst, f"ar symbol {i}")


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_)
@SETTINGS
def test_zero_returns_and_fht_match_reference(series, window, min_periods):
    zr, zs, fo, fs = run_zero(series, window, min_periods)
    for i, s in enumerate(series):
        wzr, wzs, wfo, wfs = ref.zero_returns(s["close"], window, min_periods)
        close_enough(zr[i], wzr, zs[i], wzs, f"zero-return share symbol {i}")
        close_enough(fo[i], wfo, fs[i], wfs, f"fht symbol {i}")


@given(series=ohlc_panels(), window=windows, min_periods=min_periods_)
@SETTINGS
def test_volatility_matches_reference(series, window, min_periods):
    got = run_vol(series, window, min_periods)
    for i, s in enumerate(series):
        want = ref.volatility(s["open"], s["high"], s["low"], s["close"], window, min_periods)
        for name in bv.NAMES:
            g, w = np.asarray(got[name][0][i], float), np.asarray(want[name][0], float)
            close_enough(g, w, got[name][1][i], want[name][1], f"{name} symbol {i}", variance=True)


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


@given(series=ohlc_panels(max_symbols=4, max_size=30), seed=st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_symbols_are_independent(series, seed):
    perm = np.random.default_rng(seed).permutation(len(series))
    a = run_vol(series, 5, 2)
    b = run_vol([series[j] for j in perm], 5, 2)
    for name in bv.NAMES:
        for k, j in enumerate(perm):
            assert np.array_equal(a[name][0][j], b[name][0][k], equal_nan=True)
