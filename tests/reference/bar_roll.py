"""Slow twin of liqcost.kernels.bar_roll: Roll (1984), one symbol, every window from scratch."""

from __future__ import annotations

import math

import numpy as np

from .bar_common import NEGATIVE, NO_VARIATION, TOO_FEW, ZERO_REL, log, result, rows


def roll(close, window, min_periods, signed=False):
    lc = log(close)
    out, st = result(len(lc))
    for t in range(len(lc)):
        r = np.diff(lc[rows(t, window)])
        x, y = r[1:], r[:-1]
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if len(x) < max(2, min_periods - 2):
            st[t] = TOO_FEW
        elif np.all(x == 0) and np.all(y == 0):
            st[t] = NO_VARIATION
        else:
            cov = np.cov(x, y, ddof=1)[0, 1]
            scale = math.sqrt(np.sum(x * x) * np.sum(y * y)) / (len(x) - 1)  # size of the raw moments
            if cov < -ZERO_REL * scale:
                out[t] = 2 * math.sqrt(-cov)
            elif signed:
                out[t] = -2 * math.sqrt(cov) if cov > ZERO_REL * scale else 0.0
            else:
                st[t] = NEGATIVE
    return out, st
