"""Slow, obviously correct twins of liqcost.kernels.tca (linear scans, no binary search, no prefix sums)."""

from __future__ import annotations

import math

import numpy as np


def _valid(bid, ask):
    return [bool(b > 0 and a > 0 and b <= a) for b, a in zip(bid, ask)]


def prevailing_index(times, floors, lo, hi, q_ts, valid, strict):
    out = []
    for t, f, a, b in zip(times, floors, lo, hi):
        best = -1
        for j in range(a, b):
            before = q_ts[j] < t if strict else q_ts[j] <= t
            if before and valid[j] and q_ts[j] >= f:
                best = j
        out.append(best)
    return np.array(out, dtype=np.int64)


def next_valid_index(times, ceils, lo, hi, q_ts, valid):
    out = []
    for t, c, a, b in zip(times, ceils, lo, hi):
        k = -1
        for j in range(a, b):
            if t <= q_ts[j] <= c and valid[j]:
                k = j
                break
        out.append(k)
    return np.array(out, dtype=np.int64)


def nth_trade_index(times, ceils, lo, hi, t_ts, n_after):
    out = []
    for t, c, a, b in zip(times, ceils, lo, hi):
        later = [j for j in range(a, b) if t_ts[j] > t]
        k = later[n_after - 1] if len(later) >= n_after else -1
        out.append(k if k >= 0 and t_ts[k] <= c else -1)
    return np.array(out, dtype=np.int64)


def interval_sums(start, end, lo, hi, t_ts, t_px, t_sz):
    value, volume, count = [], [], []
    for s, e, a, b in zip(start, end, lo, hi):
        sel = [j for j in range(a, b) if s <= t_ts[j] <= e]
        value.append(math.fsum(t_px[j] * t_sz[j] for j in sel))
        volume.append(math.fsum(t_sz[j] for j in sel))
        count.append(len(sel))
    return np.array(value), np.array(volume), np.array(count, dtype=np.int64)


def twap_integral(start, end, floors, lo, hi, q_ts, q_mid, valid, strict):
    """Integral of the prevailing mid, from the prevailing quote at each elementary time step."""
    integral, covered = [], []
    for s, e, f, a, b in zip(start, end, floors, lo, hi):
        if e <= s:
            integral.append(0.0)
            covered.append(0.0)
            continue
        # breakpoints: the stretch ends and every quote time inside it
        cuts = sorted({int(s), int(e)} | {int(q_ts[j]) for j in range(a, b) if s < q_ts[j] < e})
        tot = cov = 0.0
        for t0, t1 in zip(cuts[:-1], cuts[1:]):
            # the mid in force on (t0, t1): the prevailing quote at any time strictly inside, e.g. just after t0
            probe = t0 + 1 if strict else t0
            k = prevailing_index([probe], [f], [a], [b], q_ts, valid, strict)[0] if strict else \
                prevailing_index([t0], [f], [a], [b], q_ts, valid, False)[0]
            if k >= 0:
                tot += q_mid[k] * (t1 - t0)
                cov += t1 - t0
        integral.append(tot)
        covered.append(cov)
    return np.array(integral), np.array(covered)


def count_between(start, end, lo, hi, ts):
    return np.array([sum(1 for j in range(a, b) if s <= ts[j] <= e) for s, e, a, b in zip(start, end, lo, hi)], dtype=np.int64)


def session_stats(start, end, lo, hi, t_ts, t_px, t_sz):
    rows = []
    for s, e, a, b in zip(start, end, lo, hi):
        sel = [j for j in range(a, b) if s <= t_ts[j] <= e]
        if not sel:
            rows.append((np.nan,) * 4 + (0.0, 0.0, 0))
            continue
        px = [t_px[j] for j in sel]
        rows.append((px[0], max(px), min(px), px[-1], math.fsum(t_px[j] * t_sz[j] for j in sel),
                     math.fsum(t_sz[j] for j in sel), len(sel)))
    cols = list(zip(*rows)) if rows else [()] * 7
    return tuple(np.array(c, dtype=float) for c in cols[:6]) + (np.array(cols[6], dtype=np.int64),)


def sorted_within(ts, seg_lo, seg_hi):
    return all(all(ts[k] >= ts[k - 1] for k in range(a + 1, b)) for a, b in zip(seg_lo, seg_hi))
