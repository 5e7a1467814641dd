"""Lookups of the post-trade review: prevailing midpoints, later trades, interval sums, time-weighted mids.

The review (:mod:`liqcost.tca`) asks the market data the same few questions for every fill and order: the
midpoint in force at a time, the n-th market trade after a time, the traded value and volume between two
times, the time-weighted midpoint over a stretch of a session. Every symbol's quotes (and trades) sit in
one contiguous, time-sorted *segment* of the concatenated arrays; each query carries the bounds
``lo``/``hi`` of its symbol's segment, so symbols never mix and the queries need not be sorted (each is a
binary search, O(log m)).

Conventions: times are int64 ns; prices currency per share; sizes shares. A quote is *valid* when
``bid > 0``, ``ask > 0`` and ``bid <= ask`` (:func:`liqcost.kernels.asof.valid_quotes`). The prevailing quote
at ``t`` is the last valid quote stamped strictly before ``t`` (``strict``) or at or before it, and not
before the query's ``floor`` (the start of its exchange-local day: a quote of the previous session never
prevails). Missing answers are ``-1`` (indices) or NaN (values), never an exception.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "last_valid_upto",
    "prevailing_index",
    "next_valid_index",
    "nth_trade_index",
    "segment_cumsum",
    "interval_sums",
    "twap_integral",
    "count_between",
    "session_stats",
    "sorted_within",
]


@njit(cache=True, nogil=True)
def last_valid_upto(valid):
    """Index of the last valid quote at or before each position (``-1`` when none).

    Parameters
    ----------
    valid : bool[m]
        Valid-quote mask of the concatenated quotes.

    Returns
    -------
    int64[m]
        ``max{k <= j : valid[k]}`` or -1. Callers check that the answer lies in their own segment.
    """
    m = valid.shape[0]
    out = np.empty(m, dtype=np.int64)
    last = -1
    for j in range(m):
        if valid[j]:
            last = j
        out[j] = last
    return out


@njit(cache=True, nogil=True, inline="always")
def _count_before(a, lo, hi, t, strict):
    """First index ``p`` in ``[lo, hi]`` with ``a[p] >= t`` (strict) or ``a[p] > t``: the entries before ``t``."""
    left = lo
    right = hi
    while left < right:
        mid = (left + right) >> 1
        v = a[mid]
        if (v < t) if strict else (v <= t):
            left = mid + 1
        else:
            right = mid
    return left


@njit(cache=True, nogil=True)
def prevailing_index(times, floors, lo, hi, q_ts, last_valid, strict):
    """Index of the prevailing valid quote of each query time.

    Parameters
    ----------
    times : int64[n]
        Query times, ns (any order).
    floors : int64[n]
        Earliest quote time that may prevail for each query (start of its exchange-local day), ns.
    lo, hi : int64[n]
        Bounds ``[lo, hi)`` of each query's symbol segment in the quote arrays.
    q_ts : int64[m]
        Quote times, ns, ascending within each segment.
    last_valid : int64[m]
        From :func:`last_valid_upto`.
    strict : bool
        Strictly before (True) or at or before (False) the query time.

    Returns
    -------
    int64[n]
        Quote index, or -1 when no valid quote of the segment lies in ``[floor, t)`` (``[floor, t]``).
    """
    n = times.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        a = lo[i]
        b = hi[i]
        p = _count_before(q_ts, a, b, times[i], strict)
        k = -1
        if p > a:
            k = last_valid[p - 1]
            if k < a or q_ts[k] < floors[i]:
                k = -1
        out[i] = k
    return out


@njit(cache=True, nogil=True)
def next_valid_index(times, ceils, lo, hi, q_ts, valid):
    """Index of the first valid quote at or after each time and not after ``ceils`` (-1 when none).

    Used for an arrival before the day's first quote: the first midpoint of the day stands in for it.
    """
    n = times.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        b = hi[i]
        j = _count_before(q_ts, lo[i], b, times[i], True)
        k = -1
        while j < b and q_ts[j] <= ceils[i]:
            if valid[j]:
                k = j
                break
            j += 1
        out[i] = k
    return out


@njit(cache=True, nogil=True)
def nth_trade_index(times, ceils, lo, hi, t_ts, n_after):
    """Index of the ``n_after``-th market trade strictly after each time, no later than ``ceils``.

    Parameters
    ----------
    times : int64[n]
        Query times, ns.
    ceils : int64[n]
        Latest time the trade may have (the close of the query's session), ns.
    lo, hi : int64[n]
        Bounds of each query's symbol segment in the trade arrays.
    t_ts : int64[m]
        Trade times, ns, ascending within each segment.
    n_after : int
        Which later trade (1 = the next one).

    Returns
    -------
    int64[n]
        Trade index, or -1 when fewer than ``n_after`` trades follow before the ceiling.
    """
    n = times.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        p = _count_before(t_ts, lo[i], hi[i], times[i], False) + n_after - 1
        out[i] = p if (p < hi[i] and t_ts[p] <= ceils[i]) else -1
    return out


@njit(cache=True, nogil=True)
def segment_cumsum(values, seg_lo, seg_hi):
    """Running sums restarted at every segment: ``out[k] = sum(values[lo..k])`` for ``lo <= k < hi``.

    Restarting keeps the sums at the scale of one symbol, so differences of them lose no precision to
    the other symbols' totals.
    """
    out = np.empty(values.shape[0], dtype=np.float64)
    for s in range(seg_lo.shape[0]):
        acc = 0.0
        for k in range(seg_lo[s], seg_hi[s]):
            acc += values[k]
            out[k] = acc
    return out


@njit(cache=True, nogil=True)
def interval_sums(start, end, lo, hi, t_ts, cum_pq, cum_q):
    """Traded value, volume and count of the market trades with ``start <= ts <= end``.

    Parameters
    ----------
    start, end : int64[n]
        Interval bounds, ns (inclusive).
    lo, hi : int64[n]
        Bounds of each interval's symbol segment in the trade arrays.
    t_ts : int64[m]
        Trade times, ns, ascending within each segment.
    cum_pq, cum_q : float64[m]
        :func:`segment_cumsum` of price x size and of size.

    Returns
    -------
    value : float64[n]
        Sum of price x size, currency.
    volume : float64[n]
        Sum of sizes, shares.
    count : int64[n]
        Number of trades.
    """
    n = start.shape[0]
    value = np.zeros(n, dtype=np.float64)
    volume = np.zeros(n, dtype=np.float64)
    count = np.zeros(n, dtype=np.int64)
    for i in range(n):
        a = lo[i]
        pa = _count_before(t_ts, a, hi[i], start[i], True)
        pb = _count_before(t_ts, a, hi[i], end[i], False)
        if pb > pa:
            value[i] = cum_pq[pb - 1] - (cum_pq[pa - 1] if pa > a else 0.0)
            volume[i] = cum_q[pb - 1] - (cum_q[pa - 1] if pa > a else 0.0)
            count[i] = pb - pa
    return value, volume, count


@njit(cache=True, nogil=True)
def twap_integral(start, end, floors, lo, hi, q_ts, q_mid, valid, last_valid, strict):
    """Time integral of the prevailing midpoint over ``[start, end]`` and the time a midpoint was in force.

    Parameters
    ----------
    start, end : int64[n]
        Stretch of one session, ns (``end < start`` gives zeros).
    floors : int64[n]
        Start of each stretch's exchange-local day (earliest quote that may prevail), ns.
    lo, hi : int64[n]
        Bounds of each stretch's symbol segment in the quote arrays.
    q_ts, q_mid, valid : arrays[m]
        Quote times (ns, ascending per segment), midpoints and validity.
    last_valid : int64[m]
        From :func:`last_valid_upto`.
    strict : bool
        Quote-matching rule (a quote stamped at ``t`` takes effect after ``t`` when strict).

    Returns
    -------
    integral : float64[n]
        Sum of midpoint x duration (currency x ns) while a valid midpoint prevailed.
    covered : float64[n]
        Duration with a prevailing midpoint, ns. The TWAP of several stretches is the sum of the
        integrals over the sum of the covered times.
    """
    n = start.shape[0]
    integral = np.zeros(n, dtype=np.float64)
    covered = np.zeros(n, dtype=np.float64)
    for i in range(n):
        a = start[i]
        b = end[i]
        if b <= a:
            continue
        lo_i = lo[i]
        hi_i = hi[i]
        p = _count_before(q_ts, lo_i, hi_i, a, strict)
        cur = np.nan
        if p > lo_i:
            k = last_valid[p - 1]
            if k >= lo_i and q_ts[k] >= floors[i]:
                cur = q_mid[k]
        t_prev = a
        j = p
        while j < hi_i and ((q_ts[j] < b) if strict else (q_ts[j] <= b)):
            tj = q_ts[j]
            if tj > t_prev:
                if cur == cur:  # not NaN
                    integral[i] += cur * (tj - t_prev)
                    covered[i] += tj - t_prev
                t_prev = tj
            if valid[j]:
                cur = q_mid[j]
            j += 1
        if b > t_prev and cur == cur:
            integral[i] += cur * (b - t_prev)
            covered[i] += b - t_prev
    return integral, covered


@njit(cache=True, nogil=True)
def count_between(start, end, lo, hi, ts):
    """Number of events of each query's segment with ``start <= ts <= end`` (two binary searches)."""
    n = start.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        pa = _count_before(ts, lo[i], hi[i], start[i], True)
        pb = _count_before(ts, lo[i], hi[i], end[i], False)
        out[i] = pb - pa if pb > pa else 0
    return out


@njit(cache=True, nogil=True)
def session_stats(start, end, lo, hi, t_ts, t_px, t_sz):
    """Open, high, low, close, traded value, volume and count of the trades with ``start <= ts <= end``.

    Parameters
    ----------
    start, end : int64[n]
        Session open and close of each symbol-day, ns (inclusive).
    lo, hi : int64[n]
        Bounds of each symbol-day's symbol segment in the trade arrays.
    t_ts, t_px, t_sz : arrays[m]
        Trade times (ns, ascending per segment), prices and sizes.

    Returns
    -------
    open_px, high_px, low_px, close_px : float64[n]
        First, highest, lowest and last price (NaN without trades).
    value, volume : float64[n]
        Sum of price x size and of sizes.
    count : int64[n]
        Number of trades.
    """
    n = start.shape[0]
    o = np.full(n, np.nan)
    h = np.full(n, np.nan)
    lw = np.full(n, np.nan)
    c = np.full(n, np.nan)
    value = np.zeros(n, dtype=np.float64)
    volume = np.zeros(n, dtype=np.float64)
    count = np.zeros(n, dtype=np.int64)
    for i in range(n):
        pa = _count_before(t_ts, lo[i], hi[i], start[i], True)
        pb = _count_before(t_ts, lo[i], hi[i], end[i], False)
        if pb <= pa:
            continue
        o[i] = t_px[pa]
        c[i] = t_px[pb - 1]
        hi_px = t_px[pa]
        lo_px = t_px[pa]
        v = 0.0
        q = 0.0
        for k in range(pa, pb):
            px = t_px[k]
            if px > hi_px:
                hi_px = px
            if px < lo_px:
                lo_px = px
            v += px * t_sz[k]
            q += t_sz[k]
        h[i] = hi_px
        lw[i] = lo_px
        value[i] = v
        volume[i] = q
        count[i] = pb - pa
    return o, h, lw, c, value, volume, count


@njit(cache=True, nogil=True)
def sorted_within(ts, seg_lo, seg_hi):
    """True when ``ts`` is non-decreasing inside every segment ``[lo, hi)`` (segments may be in any order)."""
    for s in range(seg_lo.shape[0]):
        for k in range(seg_lo[s] + 1, seg_hi[s]):
            if ts[k] < ts[k - 1]:
                return False
    return True
