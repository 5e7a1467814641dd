"""Hypothesis strategies for tick streams of one symbol-day: ties, locked/crossed quotes, NaN, gaps."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

SEC = 10**9
OPEN = 34_200 * SEC  # 09:30 as ns after midnight: any epoch offset works the same
CLOSE = 34_200 * SEC + 600 * SEC  # a 10-minute session keeps the streams short


@st.composite
def tick_day(draw, max_trades=40, max_quotes=40, allow_bad=True):
    """A dict with trades ``t`` and quotes ``q`` (numpy arrays sorted by ts) and the session bounds."""
    n = draw(st.integers(0, max_trades))
    m = draw(st.integers(0, max_quotes))
    # coarse time grid (1 s steps, a few outside the session) so that ties are frequent
    t_sec = sorted(draw(st.lists(st.integers(-5, 610), min_size=n, max_size=n)))
    q_sec = sorted(draw(st.lists(st.integers(-20, 610), min_size=m, max_size=m)))
    t_ts = np.array([OPEN + s * SEC for s in t_sec], dtype=np.int64)
    q_ts = np.array([OPEN + s * SEC for s in q_sec], dtype=np.int64)
    tick = 0.01
    bid_ticks = draw(st.lists(st.integers(995, 1005), min_size=m, max_size=m))
    widths = draw(st.lists(st.sampled_from([0, 1, 1, 2, 3, 5, -1] if allow_bad else [0, 1, 2, 3, 5]), min_size=m, max_size=m))
    bid = np.array([b * tick for b in bid_ticks], dtype=float)
    ask = np.array([(b + w) * tick for b, w in zip(bid_ticks, widths)], dtype=float)
    if allow_bad and m:
        nan_at = draw(st.lists(st.integers(0, m - 1), max_size=2))
        for j in nan_at:
            bid[j] = np.nan
    bsz = np.array(draw(st.lists(st.sampled_from([0.0, 100.0, 200.0, 500.0]), min_size=m, max_size=m)), dtype=float)
    asz = np.array(draw(st.lists(st.sampled_from([0.0, 100.0, 300.0]), min_size=m, max_size=m)), dtype=float)
    # trade prices on a half-tick grid (midpoints possible), sometimes outside the quotes
    p_half = draw(st.lists(st.integers(1988, 2014), min_size=n, max_size=n))
    price = np.array([h * tick / 2 for h in p_half], dtype=float)
    sizes = draw(st.lists(st.sampled_from([1.0, 50.0, 100.0, 100.0, 250.0, 1000.0] + ([0.0, -5.0] if allow_bad else [])),
                          min_size=n, max_size=n))
    size = np.array(sizes, dtype=float)
    aggr = np.array(draw(st.lists(st.sampled_from([0, 0, 0, 1, -1]), min_size=n, max_size=n)), dtype=np.int8)
    auc = np.array(draw(st.lists(st.sampled_from([0, 0, 0, 0, 0, 1, 2]), min_size=n, max_size=n)), dtype=np.int8)
    t = {"ts": t_ts, "price": price, "size": size, "aggressor": aggr, "auction": auc}
    q = {"ts": q_ts, "bid": bid, "ask": ask, "bid_size": bsz, "ask_size": asz}
    return {"t": t, "q": q, "open_ns": OPEN, "close_ns": CLOSE}
