"""Slow twin of liqcost.kernels.bar_cs: Corwin-Schultz (2012), one symbol, every window from scratch."""

from __future__ import annotations

import math

import numpy as np

from .bar_common import NEGATIVE, NO_VARIATION, TOO_FEW, ZERO_REL, result, rows


def cs_two_day(h1, l1, h2, l2, c1, overnight=True):
    """One two-day Corwin-Schultz estimate, written as in the paper (prices in levels)."""
    if overnight:
        if c1 < l2:
            gap = l2 - c1
            h2, l2 = h2 - gap, l2 - gap
        elif c1 > h2:
            gap = c1 - h2
            h2, l2 = h2 + gap, l2 + gap
    beta = math.log(h1 / l1) ** 2 + math.log(h2 / l2) ** 2
    gamma = math.log(max(h1, h2) / min(l1, l2)) ** 2
    k = 3 - 2 * math.sqrt(2)
    alpha = (math.sqrt(2 * beta) - math.sqrt(beta)) / k - math.sqrt(gamma / k)
    return 2 * (math.exp(alpha) - 1) / (1 + math.exp(alpha)), (beta > 0 or gamma > 0)


def cs(high, low, close, window, min_periods, two_day=True, overnight=True, signed=False):
    h, lw, c = (np.asarray(v, dtype=float) for v in (high, low, close))
    n = len(h)
    pair = np.full(n, np.nan)
    informative = np.zeros(n, dtype=bool)
    for t in range(1, n):
        vals = [h[t - 1], lw[t - 1], h[t], lw[t]] + ([c[t - 1]] if overnight else [])
        if all(np.isfinite(v) and v > 0 for v in vals):
            pair[t], informative[t] = cs_two_day(h[t - 1], lw[t - 1], h[t], lw[t], c[t - 1], overnight)
    out, st = result(n)
    for t in range(n):
        sl = rows(t, window)
        p = pair[sl][1:]  # the first bar of the window has no lag inside it
        inf_ = informative[sl][1:][np.isfinite(p)]
        p = p[np.isfinite(p)]
        if len(p) < max(1, min_periods - 1):
            st[t] = TOO_FEW
        elif not inf_.any():
            st[t] = NO_VARIATION
        elif two_day:
            if not (p > 0).any():
                st[t] = NEGATIVE
            else:
                out[t] = np.mean(np.maximum(p, 0.0))
        else:
            m, tol = np.mean(p), ZERO_REL * np.mean(np.abs(p))
            if m > tol:
                out[t] = m
            elif signed:
                out[t] = m if m < -tol else 0.0
            else:
                st[t] = NEGATIVE
    return out, st
