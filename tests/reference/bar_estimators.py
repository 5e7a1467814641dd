"""Slow, obviously-correct references for the bar-estimator kernels (one symbol at a time).

Every function takes one symbol's raw prices (NaN = missing bar) and recomputes each window from
scratch with numpy, following the paper's formula literally. They return ``(values, status)`` per row
with the same status codes as :mod:`liqcost.kernels.bar_estimators`. EDGE's reference is the authors'
own package (``bidask``), used directly in the tests.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import strategies as st
from scipy import optimize, special, stats

OK, TOO_FEW, NO_VARIATION, NEGATIVE, NO_ZERO_RETURNS, NO_VOLUME, NO_SHARES, NOT_CONVERGED, NOT_IDENTIFIED = range(9)
ZERO_REL = 1e-10  # a moment below this fraction of its scale is zero up to rounding


def _rows(t: int, window: int) -> slice:
    """Rows of the window ending at ``t`` (expanding from 0 when ``window <= 0``)."""
    return slice(0 if window <= 0 else max(0, t - window + 1), t + 1)


def _log(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)


def _result(n):
    return np.full(n, np.nan), np.zeros(n, dtype=np.int8)


# ------------------------------------------------------------------------------------------- Roll


def roll(close, window, min_periods, signed=False):
    lc = _log(close)
    out, st = _result(len(lc))
    for t in range(len(lc)):
        r = np.diff(lc[_rows(t, window)])
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


# ---------------------------------------------------------------------------------- Corwin-Schultz


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
    out, st = _result(n)
    for t in range(n):
        sl = _rows(t, window)
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


# ----------------------------------------------------------------------------------- Abdi-Ranaldo


def ar(high, low, close, window, min_periods, two_day=False, signed=False):
    lh, ll, lc = _log(high), _log(low), _log(close)
    eta = (lh + ll) / 2
    n = len(lc)
    prod = np.full(n, np.nan)
    prod[1:] = 4 * (lc[:-1] - eta[:-1]) * (lc[:-1] - eta[1:])
    out, st = _result(n)
    for t in range(n):
        p = prod[_rows(t, window)][1:]
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


# ----------------------------------------------------------------------------- zero returns / FHT


def zero_returns(close, window, min_periods):
    """(zero-return share, its status, FHT spread, its status)."""
    lc = _log(close)
    n = len(lc)
    zr, zst = _result(n)
    fht, fst = _result(n)
    for t in range(n):
        r = np.diff(lc[_rows(t, window)])
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


# ------------------------------------------------------------------------------------------ LOT


def lot_loglik(params, r, m):
    """LOT (1999) log-likelihood in the original parameters (alpha1, alpha2, beta, log sigma)."""
    a1, a2, beta, log_sigma = params
    sigma = math.exp(log_sigma)
    mu = beta * m
    neg, pos, zero = r < 0, r > 0, r == 0
    ll = np.sum(stats.norm.logpdf(r[neg] + a1, loc=mu[neg], scale=sigma))
    ll += np.sum(stats.norm.logpdf(r[pos] + a2, loc=mu[pos], scale=sigma))
    p = stats.norm.cdf((a2 - mu[zero]) / sigma) - stats.norm.cdf((a1 - mu[zero]) / sigma)
    if np.any(p <= 0):
        return -np.inf
    return ll + np.sum(np.log(p))


def lot_fit(r, m, use_beta=True):
    """Maximum likelihood with scipy (bounded L-BFGS-B from several starts): (alpha1, alpha2, beta, sigma)."""
    r = np.asarray(r, dtype=float)
    m = np.asarray(m, dtype=float) if use_beta else np.zeros_like(r)
    sd = np.std(r, ddof=1)
    best = None
    for scale in (0.25, 0.5, 1.0, 2.0):
        x0 = [-scale * sd, scale * sd, 0.0, math.log(sd)]
        bounds = [(None, 0.0), (0.0, None), (None, None) if use_beta else (0.0, 0.0), (None, None)]
        with warnings.catch_warnings():  # finite differences across log(0) while exploring
            warnings.simplefilter("ignore", RuntimeWarning)
            res = optimize.minimize(lambda p: -lot_loglik(p, r, m), x0, method="L-BFGS-B", bounds=bounds,
                                    options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
        if best is None or res.fun < best.fun:
            best = res
    a1, a2, beta, ls = best.x
    return a1, a2, beta, math.exp(ls), -best.fun


# --------------------------------------------------------------------------------------- volatility


def volatility(open_, high, low, close, window, min_periods):
    """Dict name -> (values, status) for cc, parkinson, gk, rs, yz."""
    lo, lh, ll, lc = (_log(v) for v in (open_, high, low, close))
    n = len(lc)
    res = {k: _result(n) for k in ("cc", "parkinson", "gk", "rs", "yz")}
    need1 = max(2, min_periods - 1)
    for t in range(n):
        sl = _rows(t, window)
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


# ------------------------------------------------------------------------------------------ volume


def volume(vol, price, shares, close, window, min_periods):
    """Dict name -> values for adv, adv_usd, zero_volume_frac, turnover, amihud (+ statuses)."""
    vol = np.asarray(vol, dtype=float)
    price = np.asarray(price, dtype=float)
    shares = np.asarray(shares, dtype=float)
    lc = _log(close)
    n = len(vol)
    dv = np.where(vol == 0, 0.0, vol * price)
    r = np.full(n, np.nan)
    r[1:] = lc[1:] - lc[:-1]
    out = {k: np.full(n, np.nan) for k in ("adv", "adv_usd", "zvf", "turnover", "amihud")}
    st = {k: np.zeros(n, np.int8) for k in ("vol", "turnover", "amihud")}
    need = max(1, min_periods)
    for t in range(n):
        sl = _rows(t, window)
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
    out, st = _result(len(x))
    for t in range(len(x)):
        v = x[_rows(t, window)]
        v = v[np.isfinite(v)]
        if len(v) < max(1, min_periods):
            st[t] = TOO_FEW
        else:
            out[t] = np.median(v)
    return out, st


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
