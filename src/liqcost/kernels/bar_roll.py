"""Roll (1984) effective spread from the serial covariance of close-to-close returns.

Panel layout, windows, ``min_periods`` and status codes: :mod:`liqcost.kernels.bar_numerics`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

from .bar_numerics import (
    NEGATIVE,
    NO_VARIATION,
    OK,
    TOO_FEW,
    ZERO_REL,
    first_return,
    min_count,
    nadd,
    window_start,
)

__all__ = ["roll_panel"]


@njit(cache=True, nogil=True, **INNER)
def _roll_contrib(lc, t):
    r0 = lc[t] - lc[t - 1]
    r1 = lc[t - 1] - lc[t - 2]
    ok = math.isfinite(r0) and math.isfinite(r1)
    return ok, r0, r1




@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _roll_segment(lc, a, b, window, min_periods, signed, out, status):
    n = b - a
    if n <= 0:
        return
    lag = 2
    anchor = first_return(lc, a, b)  # shifted sums keep the covariance free of cancellation
    wc = window_start(window, lag, n)
    need = min_count(min_periods, lag, 2)
    sx = cx = sy = cy = sxy = cxy = sxx = cxx = syy = cyy = 0.0
    cnt = 0
    moving = 0
    for t in range(a, b):
        if t - a >= lag and wc > 0:
            ok, r0, r1 = _roll_contrib(lc, t)
            if ok:
                x = r0 - anchor
                y = r1 - anchor
                sx, cx = nadd(sx, cx, x)
                sy, cy = nadd(sy, cy, y)
                sxy, cxy = nadd(sxy, cxy, x * y)
                sxx, cxx = nadd(sxx, cxx, x * x)
                syy, cyy = nadd(syy, cyy, y * y)
                cnt += 1
                if r0 != 0.0 or r1 != 0.0:
                    moving += 1
        j = t - wc
        if wc > 0 and j - a >= lag:
            ok, r0, r1 = _roll_contrib(lc, j)
            if ok:
                x = r0 - anchor
                y = r1 - anchor
                sx, cx = nadd(sx, cx, -x)
                sy, cy = nadd(sy, cy, -y)
                sxy, cxy = nadd(sxy, cxy, -(x * y))
                sxx, cxx = nadd(sxx, cxx, -(x * x))
                syy, cyy = nadd(syy, cyy, -(y * y))
                cnt -= 1
                if r0 != 0.0 or r1 != 0.0:
                    moving -= 1
        if cnt < need or wc <= 0:
            out[t] = np.nan
            status[t] = TOO_FEW
        elif moving == 0:
            out[t] = np.nan
            status[t] = NO_VARIATION
        else:
            fx = sx + cx
            fy = sy + cy
            cov = ((sxy + cxy) - fx * fy / cnt) / (cnt - 1)
            # size of the terms whose difference is cov: its rounding error is relative to it
            scale = math.sqrt(max(sxx + cxx, 0.0) * max(syy + cyy, 0.0)) / (cnt - 1)
            if cov < -ZERO_REL * scale:
                out[t] = 2.0 * math.sqrt(-cov)
                status[t] = OK
            elif signed:
                out[t] = -2.0 * math.sqrt(cov) if cov > ZERO_REL * scale else 0.0
                status[t] = OK
            else:
                out[t] = np.nan
                status[t] = NEGATIVE


@njit(cache=True, nogil=True)
def roll_panel(lc, offsets, window, min_periods, signed, out, status):
    """Roll (1984) effective spread from the serial covariance of close-to-close log returns.

    Parameters
    ----------
    lc : float64[n_rows]
        Log close price per period (NaN for a missing or invalid bar).
    offsets : int64[n_symbols + 1]
        Row range of each symbol (see the module notes).
    window : int
        Bars per rolling window; ``<= 0`` for an expanding window.
    min_periods : int
        Fewest bars for an estimate; the covariance needs ``max(2, min_periods - 2)`` return pairs.
    signed : bool
        Return ``-2 sqrt(cov)`` when the autocovariance is non-negative instead of NaN.
    out : float64[n_rows]
        Spread as a fraction of the price (0.01 = 100 bps), written in place.
    status : int8[n_rows]
        Status code per row (``OK``, ``TOO_FEW``, ``NO_VARIATION``, ``NEGATIVE``).

    Notes
    -----
    Roll, R. (1984), "A simple implicit measure of the effective bid-ask spread in an efficient
    market", Journal of Finance 39(4), 1127-1139, Eq. (1)-(2): with trades bouncing between bid and ask
    and an efficient price following a random walk, ``cov(dp_t, dp_{t-1}) = -S^2 / 4`` so
    ``S = 2 sqrt(-cov)``. Here ``dp`` are log returns, so ``S`` is relative to the price. The
    covariance is the sample covariance (means removed, ``n - 1`` divisor) of the pairs
    ``(r_t, r_{t-1})`` whose three closes lie inside the window.

    Assumptions: independent, equally likely buys and sells; no serial correlation of the efficient
    price; constant spread. Known biases: a positive autocovariance (momentum, stale prices, price
    discreteness, a noisy estimate in a short window) leaves the estimator undefined, which happens in
    a large share of windows for liquid names; in short windows the square root of a noisy covariance
    is biased (Jensen); zero-return days of thin names shrink the covariance toward zero and bias ``S``
    down; the estimator measures the effective spread of the closing prints only.

    Measured bias (thin-name simulator, 97 bps true spread, docs/bar_estimators.md): full sample of
    250 days -25% to +126% from 0.5 to 400 trades a day, defined for 54-96% of the symbols; 21-day
    windows +29% to +263%, defined in 63-73% of them.
    """
    for s in range(offsets.shape[0] - 1):
        _roll_segment(lc, offsets[s], offsets[s + 1], window, min_periods, signed, out, status)
