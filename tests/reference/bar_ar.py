"""Slow twin of liqcost.kernels.bar_ar: Abdi-Ranaldo (2017), one symbol, every window from scratch."""

from __future__ import annotations

import math

import numpy as np

from .bar_common import NEGATIVE, NO_VARIATION, TOO_FEW, ZERO_REL, log, result, rows


def ar(high, low, close, window, min_periods, two_day=False, signed=False):
    lh, ll, lc = log(high), log(low), log(close)
    eta = (lh + ll) / 2
    n = len(lc)
    prod = np.full(n, np.nan)
    prod[1:] = 4 * (lc[:-1] - eta[:-1]) * (lc[:-1] - eta[1:])
    out, st = result(n)
    for t in range(n):
        p = prod[rows(t, window)][1:]
        p = p[np.isfinite(p)]
        if len(p) < max(1, min_periods - 1):
            st[t] = TOO_FEW
        elif np.all(p == 0):
            st[t] = NO_VARIATION
        elif two_day:
            if not (p > 0).any():
                st[t] = NEGATIVE
            else:
                out[t] = np.mean(np.sqrt(np.maximum(p, 0.0)))
        else:
            m, tol = np.mean(p), ZERO_REL * np.mean(np.abs(p))
            if m > tol:
                out[t] = math.sqrt(m)
            elif signed:
                out[t] = -math.sqrt(-m) if m < -tol else 0.0
            else:
                st[t] = NEGATIVE
    return out, st
