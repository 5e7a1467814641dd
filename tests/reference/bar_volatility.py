"""Slow twin of liqcost.kernels.bar_volatility: the OHLC volatility estimators, one symbol, every window from scratch."""

from __future__ import annotations

import math

import numpy as np

from .bar_common import NEGATIVE, NO_VARIATION, TOO_FEW, log, result, rows


def volatility(open_, high, low, close, window, min_periods):
    """Dict name -> (values, status) for cc, parkinson, gk, rs, yz."""
    lo, lh, ll, lc = (log(v) for v in (open_, high, low, close))
    n = len(lc)
    res = {k: result(n) for k in ("cc", "parkinson", "gk", "rs", "yz")}
    need1 = max(2, min_periods - 1)
    for t in range(n):
        sl = rows(t, window)
        o, h, lw, c = lo[sl], lh[sl], ll[sl], lc[sl]
        # close to close
        r = np.diff(c)
        r = r[np.isfinite(r)]
        v, s = res["cc"]
        if len(r) < need1:
            s[t] = TOO_FEW
        elif np.all(r == 0):
            s[t] = NO_VARIATION
        else:
            v[t] = np.std(r, ddof=1)
        # single-bar estimators
        u = (h - lw) ** 2
        gk = 0.5 * u - (2 * math.log(2) - 1) * (c - o) ** 2
        rs = (h - c) * (h - o) + (lw - c) * (lw - o)
        ok = np.isfinite(u) & np.isfinite(gk) & np.isfinite(rs)
        u, gk, rs_ = u[ok], gk[ok], rs[ok]
        for name, vals in (("parkinson", u), ("gk", gk), ("rs", rs_)):
            v, s = res[name]
            if len(vals) < max(1, min_periods):
                s[t] = TOO_FEW
            elif np.all(u == 0) and np.all(gk == 0) and np.all(rs_ == 0):
                s[t] = NO_VARIATION
            else:
                mean = np.mean(vals) / (4 * math.log(2)) if name == "parkinson" else np.mean(vals)
                if mean >= 0:
                    v[t] = math.sqrt(mean)
                else:
                    s[t] = NEGATIVE
        # Yang-Zhang over the periods with a previous close inside the window
        on = o[1:] - c[:-1]
        oc = (c - o)[1:]
        rsy = rs[1:]
        ok = np.isfinite(on) & np.isfinite(oc) & np.isfinite(rsy)
        on, oc, rsy = on[ok], oc[ok], rsy[ok]
        v, s = res["yz"]
        k_n = len(on)
        if k_n < need1:
            s[t] = TOO_FEW
        elif np.all(on == 0) and np.all(oc == 0) and np.all(rsy == 0):
            s[t] = NO_VARIATION
        else:
            k = 0.34 / (1.34 + (k_n + 1) / (k_n - 1))
            var = np.var(on, ddof=1) + k * np.var(oc, ddof=1) + (1 - k) * np.mean(rsy)
            if var >= 0:
                v[t] = math.sqrt(var)
            else:
                s[t] = NEGATIVE
    return res
