"""Slow twins of liqcost.kernels.volume."""

from __future__ import annotations

import math

import numpy as np


def volume_bins(ts, size, use, start_ns, bin_ns, n_bins):
    out = [0.0] * n_bins
    for t, s, u in zip(ts, size, use):
        if u:
            k = min(max(math.floor((int(t) - int(start_ns)) / int(bin_ns)), 0), n_bins - 1)
            out[k] += s
    return np.array(out)


def bucket_activity(ts, price, size, use, start_ns, end_ns, bucket_ns):
    k = max(math.ceil((int(end_ns) - int(start_ns)) / int(bucket_ns)), 0)
    last = [np.nan] * k
    vol = [0.0] * k
    for t, p, s, u in zip(ts, price, size, use):
        if u and start_ns <= t < end_ns:
            b = (int(t) - int(start_ns)) // int(bucket_ns)
            last[b] = p
            vol[b] += s
    return np.array(last), np.array(vol)


def trade_gaps(ts, use):
    t = [int(x) for x, u in zip(ts, use) if u]
    if len(t) < 2:
        return np.full(3, np.nan)
    g = np.diff(np.array(t, dtype=np.int64)) / 1e9
    return np.array([g.mean(), np.median(g), g.max()])


def sample_last(ts, values, use, grid):
    out = []
    for g in grid:
        cands = [v for t, v, u in zip(ts, values, use) if t <= g and u and not math.isnan(v)]
        out.append(cands[-1] if cands else np.nan)
    return np.array(out)


def realized_variance(sampled):
    path = [v for v in sampled if not math.isnan(v) and v > 0]
    if len(path) < 2:
        return np.array([np.nan, 0.0])
    r = np.diff(np.log(path))
    return np.array([float(np.sum(r**2)), float(len(r))])


def size_stats(size, use, odd_lot):
    x = np.array([s for s, u in zip(size, use) if u], dtype=float)
    if len(x) == 0:
        return np.full(5, np.nan)
    odd = x < odd_lot
    return np.array([x.mean(), np.median(x), np.percentile(x, 90), odd.mean(), x[odd].sum() / x.sum()])
