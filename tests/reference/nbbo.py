"""Slow, obviously correct NBBO from per-exchange quotes (twin of liqcost.kernels.nbbo)."""

from __future__ import annotations

import math


def nbbo_reference(group, ts, exch, bid, bid_size, ask, ask_size, max_age_ns=-1):
    """Return four lists (best bid, bid size, best ask, ask size) after each row.

    State: a dict exchange -> (bid, bid size, ask, ask size, time) of its latest quote, emptied when the
    symbol changes. A side whose price is NaN (or None) is absent, any other value is a price; with
    ``max_age_ns >= 0`` a quote older than that at the current row is absent too.
    """
    books: dict = {}
    prev = None
    out = ([], [], [], [])
    for g, t, e, b, bs, a, as_ in zip(group, ts, exch, bid, bid_size, ask, ask_size):
        if g != prev:
            books = {}
            prev = g
        ok_b = b is not None and not math.isnan(b)
        ok_a = a is not None and not math.isnan(a)
        books[e] = (b if ok_b else None, bs if ok_b else 0.0, a if ok_a else None, as_ if ok_a else 0.0, t)
        live = [q for q in books.values() if max_age_ns < 0 or t - q[4] <= max_age_ns]
        bids = [q[0] for q in live if q[0] is not None]
        asks = [q[2] for q in live if q[2] is not None]
        best_b = max(bids) if bids else math.nan
        best_a = min(asks) if asks else math.nan
        out[0].append(best_b)
        out[1].append(sum(q[1] for q in live if q[0] is not None and q[0] == best_b))
        out[2].append(best_a)
        out[3].append(sum(q[3] for q in live if q[2] is not None and q[2] == best_a))
    return out
