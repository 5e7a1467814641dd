"""Slow twins of liqcost.kernels.spreads."""

from __future__ import annotations

import math

import numpy as np

RTOL = 1e-9


def effective_spreads(price, sign, mid):
    bps, px = [], []
    for p, d, m in zip(price, sign, mid):
        if math.isnan(m) or m <= 0:
            bps.append(np.nan)
            px.append(np.nan)
        elif d == 0:
            z = 0.0 if abs(p - m) <= RTOL * m else np.nan
            bps.append(z)
            px.append(z)
        else:
            px.append(2.0 * d * (p - m))
            bps.append(2.0 * d * (p - m) / m * 1e4)
    return np.array(bps), np.array(px)


def horizon_spreads(price, sign, mid, mid_h, eff_bps):
    rs, pi, mk = [], [], []
    for p, d, m, mh, e in zip(price, sign, mid, mid_h, eff_bps):
        if d == 0 or math.isnan(m) or math.isnan(mh) or m <= 0 or math.isnan(e):
            rs.append(np.nan)
            pi.append(np.nan)
            mk.append(np.nan)
        else:
            r = 2.0 * d * (p - mh) / m * 1e4
            rs.append(r)
            pi.append(e - r)
            mk.append(d * (mh - p) / m * 1e4)
    return np.array(rs), np.array(pi), np.array(mk)


def trade_location(price, bid, ask):
    out = []
    for p, b, a in zip(price, bid, ask):
        if math.isnan(b) or math.isnan(a):
            out.append(0)
            continue
        m = (a + b) / 2
        tol = RTOL * m
        if abs(p - m) <= tol:
            out.append(1)
        elif abs(p - a) <= tol or abs(p - b) <= tol:
            out.append(3)
        elif b < p < a:
            out.append(2)
        else:
            out.append(4)
    return np.array(out, dtype=np.int8)


def time_weighted_quotes(q_ts, bid, ask, bid_size, ask_size, valid, start_ns, end_ns, max_age_ns=None):
    """Build the explicit list of (from, to, quote) intervals, then average.

    A valid quote is in force from its time stamp until the next valid quote, and for at most
    ``max_age_ns``; the 8th output is the time (s) in which the last valid quote had run out.
    """
    vq = [j for j in range(len(q_ts)) if valid[j]]
    intervals = []
    stale = 0
    for k, j in enumerate(vq):
        t0 = int(q_ts[j])
        t1 = int(q_ts[vq[k + 1]]) if k + 1 < len(vq) else None
        lo = max(t0, int(start_ns))
        hi = int(end_ns) if t1 is None else min(t1, int(end_ns))
        if max_age_ns is not None and hi > t0 + max_age_ns:
            stale += max(0, hi - max(t0 + max_age_ns, int(start_ns)))
            hi = t0 + max_age_ns
        if hi > lo:
            intervals.append((lo, hi, j))
    n_in = sum(1 for j in vq if start_ns < q_ts[j] < end_ns)
    total = sum(hi - lo for lo, hi, _ in intervals)
    locked = sum(hi - lo for lo, hi, j in intervals if bid[j] == ask[j])
    out = [np.nan] * 4 + [total / 1e9, locked / 1e9, float(n_in), stale / 1e9]
    if total > 0:
        def avg(f):
            return sum((hi - lo) * f(j) for lo, hi, j in intervals) / total

        out[0] = avg(lambda j: (ask[j] - bid[j]) / ((ask[j] + bid[j]) / 2) * 1e4)
        out[1] = avg(lambda j: ask[j] - bid[j])
        out[2] = avg(lambda j: (bid_size[j] + ask_size[j]) / 2)
        out[3] = avg(lambda j: (bid[j] * bid_size[j] + ask[j] * ask_size[j]) / 2)
    return np.array(out)
