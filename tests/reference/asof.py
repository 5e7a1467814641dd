"""Slow, obviously correct twins of liqcost.kernels.asof (brute force, no two-pointer tricks)."""

from __future__ import annotations

import numpy as np


def valid_quotes(bid, ask):
    return np.array([bool(b > 0 and a > 0 and b <= a) for b, a in zip(bid, ask)], dtype=bool)


STALE = -2  # the last valid quote is older than the maximum age


def asof_valid_index(times, q_ts, valid, strict, max_age_ns=None):
    """Index of the last valid quote before each time (-1 none); -2 when that quote is more than
    ``max_age_ns`` older than the time (no quote in force)."""
    out = []
    for t in times:
        best = -1
        for j in range(len(q_ts)):
            ok = q_ts[j] < t if strict else q_ts[j] <= t
            if ok and valid[j]:
                best = j  # quotes are sorted: the last match is the latest one
        if best >= 0 and max_age_ns is not None and int(t) - int(q_ts[best]) > max_age_ns:
            best = STALE
        out.append(best)
    return np.array(out, dtype=np.int64)


def prevailing_quotes(trade_ts, q_ts, q_bid, q_ask, lag_ns, strict, max_age_ns=None):
    valid = valid_quotes(q_bid, q_ask)
    idx = asof_valid_index([int(t) - int(lag_ns) for t in trade_ts], q_ts, valid, strict, max_age_ns)
    bid = np.array([q_bid[k] if k >= 0 else np.nan for k in idx], dtype=float)
    ask = np.array([q_ask[k] if k >= 0 else np.nan for k in idx], dtype=float)
    mid = (bid + ask) / 2
    age = np.array([int(t) - int(q_ts[k]) if k >= 0 else -1 for t, k in zip(trade_ts, idx)], dtype=np.int64)
    return idx, bid, ask, mid, age


def asof_mid_at_horizon(trade_ts, horizon_ns, end_ns, lag_ns, clip, q_ts, valid, q_mid, strict, max_age_ns=None):
    out = []
    for t in trade_ts:
        target = int(t) + int(horizon_ns)
        beyond = target > end_ns
        k = asof_valid_index([min(target, int(end_ns)) - int(lag_ns)], q_ts, valid, strict, max_age_ns)[0]
        out.append(np.nan if k < 0 or (beyond and not clip) else q_mid[k])
    return np.array(out, dtype=float)
