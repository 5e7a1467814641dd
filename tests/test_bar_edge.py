"""EDGE (Ardia, Guidotti and Kroencke 2024) equals the authors' ``bidask`` package to 1e-12.

Full sample against ``bidask.edge``, rolling windows of several lengths (with and without
``min_periods``) against ``bidask.edge_rolling``, expanding against ``bidask.edge_expanding``, on the
authors' reference series and on hypothesis-generated OHLC panels with missing rows, missing fields,
no-trade days and price ties.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

bidask = pytest.importorskip("bidask")

from conftest import require_shared
from reference.bar_common import logs, ohlc_panels, panel

from liqcost.kernels import bar_edge as K
from liqcost.kernels import bar_numerics as N

TOL = 1e-12

# bidask 2.1 calls DataFrame.rename(inplace=False), deprecated in pandas 3.1: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")


def _frame(s: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({k: s[k] for k in ("open", "high", "low", "close")})


def _bidask_full(s, sign=False):
    if len(s["close"]) == 0:
        return np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return bidask.edge(s["open"], s["high"], s["low"], s["close"], sign=sign)


def _bidask_rolling(s, window, min_periods, sign=False):
    kw = {} if min_periods is None else {"min_periods": min_periods}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return bidask.edge_rolling(_frame(s), window=window, sign=sign, **kw).to_numpy()


def _bidask_expanding(s, min_periods, sign=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return bidask.edge_expanding(_frame(s), min_periods=min_periods, sign=sign).to_numpy()


def _kernel_full(series, sign=False):
    arrays, off = panel(series)
    lg = logs(arrays)
    out = np.empty(len(series))
    status = np.empty(len(series), dtype=np.int8)
    K.edge_full_panel(lg["open"], lg["high"], lg["low"], lg["close"], off, 0, sign, 2.0, out, status)
    return out, status


def _kernel_rolling(series, window, min_periods, sign=False):
    arrays, off = panel(series)
    lg = logs(arrays)
    n = len(arrays["close"])
    out = np.empty(n)
    status = np.empty(n, dtype=np.int8)
    mp = -1 if min_periods is None else min_periods
    K.edge_rolling_panel(lg["open"], lg["high"], lg["low"], lg["close"], off, window, mp, sign, out, status)
    return [out[off[i] : off[i + 1]] for i in range(len(series))], [status[off[i] : off[i + 1]] for i in range(len(series))]


def _assert_same(got, ref, what):
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    assert got.shape == ref.shape, what
    nan_g, nan_r = np.isnan(got), np.isnan(ref)
    assert np.array_equal(nan_g, nan_r), f"{what}: NaN pattern differs at rows {np.flatnonzero(nan_g != nan_r)[:10]}"
    if (~nan_r).any():
        err = np.max(np.abs(got[~nan_r] - ref[~nan_r]))
        assert err <= TOL, f"{what}: max abs difference {err:.3e}"


# ---------------------------------------------------------------------------- the authors' series


@pytest.fixture(scope="module", params=["ohlc.csv", "ohlc-miss.csv"])
def reference_series(request):
    path = require_shared("bidask_reference", request.param)
    df = pd.read_csv(path)
    s = {"open": df["Open"].to_numpy(float), "high": df["High"].to_numpy(float),
         "low": df["Low"].to_numpy(float), "close": df["Close"].to_numpy(float)}
    return request.param, s


KNOWN = {"ohlc.csv": 0.0101849034905478, "ohlc-miss.csv": 0.01013284969780197}


def test_full_sample_known_values(reference_series):
    name, s = reference_series
    out, status = _kernel_full([s])
    assert out[0] == pytest.approx(KNOWN[name], abs=1e-15)
    assert abs(out[0] - _bidask_full(s)) <= TOL
    assert status[0] == N.OK


def test_full_sample_signed(reference_series):
    _, s = reference_series
    out, _ = _kernel_full([s], sign=True)
    assert abs(out[0] - _bidask_full(s, sign=True)) <= TOL


WINDOWS = [(w, mp) for w in (2, 3, 5, 21, 63, 250) for mp in (None, 1, 3) if mp is None or mp <= w]


@pytest.mark.parametrize(("window", "min_periods"), WINDOWS)
def test_rolling_reference_series(reference_series, window, min_periods):
    name, s = reference_series
    got, _ = _kernel_rolling([s], window, min_periods)
    _assert_same(got[0], _bidask_rolling(s, window, min_periods), f"{name} window={window} min_periods={min_periods}")


@pytest.mark.parametrize("min_periods", [1, 3, 30])
def test_expanding_reference_series(reference_series, min_periods):
    name, s = reference_series
    got, _ = _kernel_rolling([s], 0, min_periods)
    _assert_same(got[0], _bidask_expanding(s, min_periods), f"{name} expanding min_periods={min_periods}")


def test_rolling_signed_reference_series(reference_series):
    _, s = reference_series
    got, _ = _kernel_rolling([s], 21, 5, sign=True)
    ref = _bidask_rolling(s, 21, 5, sign=True)
    _assert_same(got[0], ref, "signed rolling")
    assert (ref[np.isfinite(ref)] < 0).any(), "the signed series should have negative estimates in 21-day windows"


def test_rolling_is_bit_identical_on_reference(reference_series):
    """Not only within 1e-12: the operation order is bidask's, so the floats are the same."""
    _, s = reference_series
    got, _ = _kernel_rolling([s], 21, 3)
    ref = _bidask_rolling(s, 21, 3)
    both = np.isfinite(ref)
    assert np.array_equal(got[0][both], ref[both])


# --------------------------------------------------------------------------- generated OHLC panels


@given(series=ohlc_panels(max_symbols=4, max_size=50), sign=st.booleans())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_full_sample_matches_bidask_on_generated_panels(series, sign):
    out, status = _kernel_full(series, sign=sign)
    for i, s in enumerate(series):
        ref = _bidask_full(s, sign=sign)
        if np.isnan(ref):
            assert np.isnan(out[i]) and status[i] in (N.TOO_FEW, N.NO_VARIATION)
        else:
            assert abs(out[i] - ref) <= TOL, (out[i], ref)
            assert status[i] in (N.OK, N.NEGATIVE_SQUARE)


@given(
    series=ohlc_panels(max_symbols=3, max_size=45),
    window=st.sampled_from([2, 3, 4, 7, 21]),
    min_periods=st.sampled_from([None, 1, 2, 3]),
    sign=st.booleans(),
)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rolling_matches_bidask_on_generated_panels(series, window, min_periods, sign):
    assume(min_periods is None or min_periods <= window)
    got, status = _kernel_rolling(series, window, min_periods, sign=sign)
    for i, s in enumerate(series):
        if len(s["close"]) == 0:
            continue
        ref = _bidask_rolling(s, window, min_periods, sign=sign)
        _assert_same(got[i], ref, f"symbol {i} window={window} min_periods={min_periods}")
        # every NaN carries a reason
        assert np.all(status[i][np.isnan(got[i])] != N.OK)


@given(series=ohlc_panels(max_symbols=3, max_size=45), min_periods=st.sampled_from([1, 2, 5]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_expanding_matches_bidask_on_generated_panels(series, min_periods):
    got, _ = _kernel_rolling(series, 0, min_periods)
    for i, s in enumerate(series):
        if len(s["close"]) == 0:
            continue
        if len(s["close"]) < min_periods:
            # bidask (pandas) raises here: a window shorter than min_periods; the kernel says too few bars
            assert np.all(np.isnan(got[i]))
            continue
        _assert_same(got[i], _bidask_expanding(s, min_periods), f"symbol {i} expanding")


@given(series=ohlc_panels(max_symbols=4, max_size=30), seed=st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_results_do_not_depend_on_other_symbols_or_their_order(series, seed):
    perm = np.random.default_rng(seed).permutation(len(series))
    a, _ = _kernel_rolling(series, 7, 2)
    b, _ = _kernel_rolling([series[j] for j in perm], 7, 2)
    for k, j in enumerate(perm):
        assert np.array_equal(a[j], b[k], equal_nan=True)


# ------------------------------------------------------------------------ through the measures API


def test_panel_api_full_mode_equals_bidask_edge():
    from liqcost.config import Config
    from liqcost.measures.bars import bar_panel_estimates

    rng = np.random.default_rng(7)
    rows = []
    series = {}
    dates = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 12, 31), "1d", eager=True)
    dates = dates.filter(dates.dt.weekday() <= 5)
    for sym in ("AAA", "BBB"):
        n = dates.len()
        mid = 20 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
        o = mid * (1 + 0.005 * rng.choice([-1, 1], n))
        c = mid * (1 + 0.005 * rng.choice([-1, 1], n))
        h = np.maximum(o, c) * (1 + np.abs(rng.normal(0, 0.01, n)))
        lw = np.minimum(o, c) * (1 - np.abs(rng.normal(0, 0.01, n)))
        keep = rng.random(n) > 0.1  # 10% of the days have no bar: NaN rows on the grid
        series[sym] = (o, h, lw, c, keep)
        rows.append(pl.DataFrame({"symbol": sym, "date": dates, "open": o, "high": h, "low": lw, "close": c,
                                  "volume": 1000.0}).filter(pl.Series(keep)))
    bars = pl.concat(rows)
    # synthetic weekdays of 2024 with no exchange calendar: holidays would leave the grid, not be NaN rows
    cfg = Config.model_validate({"bars": {"min_periods": 2}, "session": {"holiday_calendar": "none"}})
    full = bar_panel_estimates(bars, cfg, mode="full").sort("symbol")
    for sym, (o, h, lw, c, keep) in series.items():
        first, last = np.flatnonzero(keep)[[0, -1]]
        sl = slice(first, last + 1)
        nan = ~keep[sl]
        ref = bidask.edge(*[np.where(nan, np.nan, x[sl]) for x in (o, h, lw, c)])
        got = full.filter(pl.col("symbol") == sym)["edge_spread_bps"][0] / 1e4
        assert abs(got - ref) <= TOL
