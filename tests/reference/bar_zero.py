"""Slow twin of liqcost.kernels.bar_zero: zero-return share and FHT, one symbol, every window from scratch."""

from __future__ import annotations

import numpy as np
from scipy import special

from .bar_common import NO_VARIATION, NO_ZERO_RETURNS, TOO_FEW, log, result, rows


def zero_returns(close, window, min_periods):
    """(zero-return share, its status, FHT spread, its status)."""
    lc = log(close)
    n = len(lc)
    zr, zst = result(n)
    fht, fst = result(n)
    for t in range(n):
        r = np.diff(lc[rows(t, window)])
        r = r[np.isfinite(r)]
        need = max(1, min_periods - 1)
        if len(r) < need or len(r) == 0:
            zst[t] = TOO_FEW
        else:
            zr[t] = np.mean(r == 0)
        z = np.mean(r == 0) if len(r) else np.nan
        if len(r) < max(2, need):
            fst[t] = TOO_FEW
        elif z == 1:
            fst[t] = NO_VARIATION
        elif z == 0:
            fst[t] = NO_ZERO_RETURNS
        else:
            fht[t] = 2 * np.std(r, ddof=1) * special.ndtri((1 + z) / 2)
    return zr, zst, fht, fst
