"""Slow twin of liqcost.kernels.bar_volume: the volume measures and the rolling median, one symbol, every window from scratch."""

from __future__ import annotations

import numpy as np

from .bar_common import NO_SHARES, NO_VOLUME, TOO_FEW, log, result, rows


def volume(vol, price, shares, close, window, min_periods):
    """Dict name -> values for adv, adv_usd, zero_volume_frac, turnover, amihud (+ statuses)."""
    vol = np.asarray(vol, dtype=float)
    price = np.asarray(price, dtype=float)
    shares = np.asarray(shares, dtype=float)
    lc = log(close)
    n = len(vol)
    dv = np.where(vol == 0, 0.0, vol * price)
    r = np.full(n, np.nan)
    r[1:] = lc[1:] - lc[:-1]
    out = {k: np.full(n, np.nan) for k in ("adv", "adv_usd", "zvf", "turnover", "amihud")}
    st = {k: np.zeros(n, np.int8) for k in ("vol", "turnover", "amihud")}
    need = max(1, min_periods)
    for t in range(n):
        sl = rows(t, window)
        v = vol[sl]
        ok = np.isfinite(v)
        if ok.sum() < need:
            st["vol"][t] = TOO_FEW
            st["turnover"][t] = TOO_FEW
        else:
            out["adv"][t] = v[ok].mean()
            out["zvf"][t] = np.mean(v[ok] == 0)
            d = dv[sl][ok]
            d = d[np.isfinite(d)]
            out["adv_usd"][t] = d.mean() if len(d) >= need else np.nan
            so = shares[sl][ok]
            good = so > 0
            if good.any():
                out["turnover"][t] = np.mean(v[ok][good] / so[good])
            else:
                st["turnover"][t] = NO_SHARES
        rr = r[sl][1:]
        dd = dv[sl][1:]
        good = np.isfinite(rr) & (dd > 0)
        if ok.sum() < need or (window > 0 and window < 2):
            st["amihud"][t] = TOO_FEW
        elif not good.any():
            st["amihud"][t] = NO_VOLUME
        elif good.sum() < max(1, min_periods - 1):
            st["amihud"][t] = TOO_FEW
        else:
            out["amihud"][t] = np.mean(np.abs(rr[good]) / dd[good])
    return out, st


def median(x, window, min_periods):
    x = np.asarray(x, dtype=float)
    out, st = result(len(x))
    for t in range(len(x)):
        v = x[rows(t, window)]
        v = v[np.isfinite(v)]
        if len(v) < max(1, min_periods):
            st[t] = TOO_FEW
        else:
            out[t] = np.median(v)
    return out, st
