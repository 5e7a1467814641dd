"""Abdi-Ranaldo (2017) close-high-low spread estimator.

Panel layout, windows, ``min_periods`` and status codes: :mod:`liqcost.kernels.bar_numerics`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

from .bar_numerics import (
    pair_window,
)

__all__ = ["ar_panel"]


@njit(cache=True, nogil=True, **INNER)
def _ar_contrib(lh, ll, lc, t):
    e1 = 0.5 * (lh[t - 1] + ll[t - 1])
    e2 = 0.5 * (lh[t] + ll[t])
    c1 = lc[t - 1]
    p = 4.0 * (c1 - e1) * (c1 - e2)
    return math.isfinite(p), p


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _ar_segment(lh, ll, lc, a, b, window, min_periods, two_day, signed, out, status):
    n = b - a
    if n <= 0:
        return
    pair_v = np.zeros(n)
    pair_a = np.zeros(n)
    pair_f = np.zeros(n, dtype=np.int8)
    for t in range(a + 1, b):
        ok, p = _ar_contrib(lh, ll, lc, t)
        pair_v[t - a] = p if not two_day else (math.sqrt(p) if p > 0.0 else 0.0)
        pair_a[t - a] = abs(p)
        pair_f[t - a] = (1 if ok else 0) + (2 if p != 0.0 else 0) + (4 if p > 0.0 else 0)
    pair_window(pair_v, pair_a, pair_f, a, b, window, min_periods, two_day, signed, np.bool_(True), out, status)


@njit(cache=True, nogil=True)
def ar_panel(lh, ll, lc, offsets, window, min_periods, two_day, signed, out, status):
    """Abdi-Ranaldo (2017) close-high-low (CHL) spread estimator.

    Parameters
    ----------
    lh, ll, lc : float64[n_rows]
        Log high, low, close.
    offsets : int64[n_symbols + 1]
        Row range of each symbol.
    window, min_periods : int
        Rolling window in bars (``<= 0`` expanding) and fewest bars (``min_periods - 1`` two-day pairs).
    two_day : bool
        False (the paper's main estimator): ``S = sqrt(mean(4 (c_t - eta_t)(c_t - eta_{t+1})))`` over the
        window, NaN (``NEGATIVE``) when the mean is negative unless ``signed``. True: average of the
        two-day roots ``sqrt(max(4 (c_t - eta_t)(c_t - eta_{t+1}), 0))``.
    signed : bool
        Return ``-sqrt(-mean)`` for a negative mean (``two_day=False``).
    out, status : float64[n_rows], int8[n_rows]
        Spread (fraction of the mid) and status code per row.

    Notes
    -----
    Abdi, F. and A. Ranaldo (2017), "A simple estimation of bid-ask spreads from daily close, high,
    and low prices", Review of Financial Studies 30(12), 4437-4480. With ``c_t`` the log close and
    ``eta_t = (ln H_t + ln L_t) / 2`` the log mid-range, ``E[(c_t - eta_t)(c_t - eta_{t+1})] = S^2 / 4``
    (their Eq. 9-10): the close sits half a spread from the efficient price, the mid-range of the day
    and of the next day are unbiased proxies for the efficient price around the close.

    Assumptions: the close is a trade at the bid or ask with equal probability, independent of the
    efficient price; the mid-range is a good proxy for the mid (many trades per day). Known biases:
    on days with one or no trade the mid-range equals the close, the product is zero and the estimate
    shrinks toward zero (thin names are biased down); the root of a noisy mean is biased in short
    windows and is undefined (NaN) when the mean is negative.

    Measured bias (thin-name simulator, docs/bar_estimators.md): -81% at 0.5 trade a day, -28% at 5,
    +4% at 25, +27% at 400 trades a day (full sample of 250 days); defined in only 27-75% of 21-day
    windows.
    """
    for s in range(offsets.shape[0] - 1):
        _ar_segment(lh, ll, lc, offsets[s], offsets[s + 1], window, min_periods, two_day, signed, out, status)
