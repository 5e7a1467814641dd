"""Shared pieces of the bar-estimator references: status codes, window rows, test panels and strategies.

The references of each family (``reference/bar_<family>.py``) take one symbol's raw prices (NaN =
missing bar) and recompute each window from scratch with numpy, following the paper's formula
literally; they return ``(values, status)`` per row with the status codes of
:mod:`liqcost.kernels.bar_numerics`. EDGE's reference is the authors' own package (``bidask``), used
directly in ``tests/test_bar_edge.py``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

OK, TOO_FEW, NO_VARIATION, NEGATIVE, NO_ZERO_RETURNS, NO_VOLUME, NO_SHARES, NOT_CONVERGED, NOT_IDENTIFIED = range(9)
ZERO_REL = 1e-10  # a moment below this fraction of its scale is zero up to rounding


def rows(t: int, window: int) -> slice:
    """Rows of the window ending at ``t`` (expanding from 0 when ``window <= 0``)."""
    return slice(0 if window <= 0 else max(0, t - window + 1), t + 1)


def log(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)


def result(n):
    return np.full(n, np.nan), np.zeros(n, dtype=np.int8)


# ------------------------------------------------------------------- comparing kernels and references

RTOL = 1e-9
ATOL = 1e-13
windows = st.sampled_from([2, 3, 4, 5, 10, 21, 0])
min_periods_ = st.sampled_from([1, 2, 3, 5, 10])
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def split(x, off):
    """Per-symbol pieces of a flat panel column."""
    return [x[off[i] : off[i + 1]] for i in range(len(off) - 1)]


def close_enough(got, want, status_got, status_want, what, variance=False):
    """Same statuses, same NaN pattern, values within RTOL (variances on the scale of the series)."""
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


# ----------------------------------------------------------------------- test panels and strategies


def panel(series: list[dict[str, np.ndarray]]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Concatenate per-symbol arrays into the kernels' flat layout; returns (arrays, offsets)."""
    keys = series[0].keys() if series else ("open", "high", "low", "close", "volume")
    arrays = {k: np.ascontiguousarray(np.concatenate([s[k] for s in series]) if series else np.empty(0))
              for k in keys}
    offsets = np.zeros(len(series) + 1, dtype=np.int64)
    np.cumsum([len(s["close"]) for s in series], out=offsets[1:])
    return arrays, offsets


def logs(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Log prices as the measures layer builds them (non-positive -> NaN)."""
    out = {}
    for k in ("open", "high", "low", "close"):
        x = arrays[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[k] = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
    return out


@st.composite
def ohlc_series(draw, min_size=0, max_size=60, missing=True, field_nan=True, tick=None):
    """One symbol's OHLCV bars: a random walk on a price grid with bid/ask bounce, ties and gaps.

    Every valid bar has low <= open, close <= high. Options add whole missing rows (NaN), single NaN
    fields (as in bidask's ohlc-miss.csv) and no-trade days (O = H = L = C = previous close).
    """
    n = draw(st.integers(min_size, max_size))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    tick = tick if tick is not None else draw(st.sampled_from([0.01, 0.05, 0.25, 1e-6]))
    p0 = draw(st.sampled_from([0.5, 3.0, 20.0, 150.0]))
    vol = draw(st.sampled_from([0.0, 0.002, 0.02, 0.08]))
    spread = draw(st.sampled_from([0.0, 0.001, 0.01, 0.05]))
    p_notrade = draw(st.sampled_from([0.0, 0.1, 0.5]))
    mid = p0 * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    half = 0.5 * spread * mid

    def q(x):
        return np.maximum(np.round(x / tick) * tick, tick)

    o = q(mid + half * rng.choice([-1.0, 1.0], n))
    c = q(mid + half * rng.choice([-1.0, 1.0], n))
    ext = np.abs(rng.normal(0.0, vol, n)) * mid
    h = np.maximum(np.maximum(o, c), q(mid + half + ext))
    lw = np.minimum(np.minimum(o, c), q(mid - half - ext))
    lw = np.maximum(lw, tick)
    v = np.round(rng.exponential(1000.0, n))
    notrade = rng.random(n) < p_notrade
    for i in np.flatnonzero(notrade):
        prev = c[i - 1] if i > 0 else c[i]
        o[i] = h[i] = lw[i] = c[i] = prev
        v[i] = 0.0
    if missing and n:
        miss = rng.random(n) < draw(st.sampled_from([0.0, 0.05, 0.2]))
        for arr in (o, h, lw, c, v):
            arr[miss] = np.nan
    if field_nan and n:
        k = draw(st.integers(0, max(0, n // 10)))
        for _ in range(k):
            i = int(rng.integers(0, n))
            arr = (o, h, lw, c)[int(rng.integers(0, 4))]
            arr[i] = np.nan
    return {"open": o, "high": h, "low": lw, "close": c, "volume": v}


@st.composite
def ohlc_panels(draw, max_symbols=4, **kw):
    k = draw(st.integers(1, max_symbols))
    return [draw(ohlc_series(**kw)) for _ in range(k)]
