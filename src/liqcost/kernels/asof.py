"""As-of matching of events (trades, horizon times) to the prevailing valid quote.

A quote is *valid* when ``bid > 0``, ``ask > 0`` and ``bid <= ask`` (a locked quote, ``bid == ask``, is
valid; a crossed quote, ``bid > ask``, or one with a NaN or non-positive side is skipped as if absent).
The prevailing quote for an event at time ``t`` is the last valid quote whose timestamp is strictly
before ``t`` (``strict=True``, the default of liqcost) or at or before ``t`` (``strict=False``). Strictly
before matters for feeds where the book update caused by a trade carries the trade's own timestamp
(LOBSTER, direct feeds): matching at-or-before would compare the trade with the post-trade book.

All times are int64 nanoseconds; both the event times and the quote times must be sorted ascending
(the match is a single two-pointer pass, O(n + m)).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["STALE", "asof_mid_at_horizon", "asof_valid_index", "prevailing_quotes", "valid_quotes"]

#: index returned for an event whose last valid quote is older than the maximum quote age
STALE = -2


@njit(cache=True, nogil=True, error_model="numpy")
def valid_quotes(bid, ask):
    """Validity mask of quotes.

    Parameters
    ----------
    bid, ask : float64[m]
        Best bid and ask, currency per share.

    Returns
    -------
    bool[m]
        ``bid > 0 and ask > 0 and bid <= ask`` (NaN compares false, so a NaN side is invalid).
    """
    m = bid.shape[0]
    out = np.empty(m, dtype=np.bool_)
    for j in range(m):
        b = bid[j]
        a = ask[j]
        out[j] = (b > 0.0) and (a > 0.0) and (b <= a)
    return out


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _walk(q_ts, valid, limit, j, last):
    """Advance the quote pointer ``j`` over the quotes with ``q_ts < limit``; ``last`` becomes the last
    valid one among them (unchanged when none). Returns ``(j, last)``."""
    m = q_ts.shape[0]
    while j < m and q_ts[j] < limit:
        if valid[j]:
            last = j
        j += 1
    return j, last


@njit(cache=True, nogil=True, error_model="numpy")
def asof_valid_index(times, q_ts, valid, strict, max_age_ns=-1):
    """Index of the prevailing valid quote for each time.

    Parameters
    ----------
    times : int64[n]
        Event times, ns, sorted ascending.
    q_ts : int64[m]
        Quote times, ns, sorted ascending.
    valid : bool[m]
        Which quotes may be matched (see :func:`valid_quotes`).
    strict : bool
        True: last valid quote with ``q_ts < t``; False: with ``q_ts <= t``.
    max_age_ns : int64, optional
        A quote more than this older than the event is no longer in force (-1, the default: no limit).

    Returns
    -------
    int64[n]
        Index into the quote arrays, -1 when no valid quote precedes the event, :data:`STALE` when the
        last one is older than ``max_age_ns``.
    """
    n = times.shape[0]
    out = np.empty(n, dtype=np.int64)
    after = 0 if strict else 1  # "before t" is "< t" (strict) or "< t + 1" (at or before; integer ns)
    j = 0
    last = -1
    for i in range(n):
        j, last = _walk(q_ts, valid, times[i] + after, j, last)
        out[i] = STALE if last >= 0 and max_age_ns >= 0 and times[i] - q_ts[last] > max_age_ns else last
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def prevailing_quotes(trade_ts, q_ts, q_bid, q_ask, lag_ns, strict, max_age_ns=-1):
    """Prevailing quote of each trade, with a quote lag, and the age of that quote.

    Parameters
    ----------
    trade_ts : int64[n]
        Trade times, ns, sorted ascending.
    q_ts : int64[m]
        Quote times, ns, sorted ascending.
    q_bid, q_ask : float64[m]
        Quotes, currency per share.
    lag_ns : int64
        Quote lag, ns: the trade is matched with the quote in force at ``trade_ts - lag_ns``
        (0 for modern feeds; 1 s or 5 s for old TAQ, Lee and Ready 1991 / Bessembinder 2003).
    strict : bool
        Strictly-before (True) or at-or-before (False) matching.
    max_age_ns : int64, optional
        A quote more than this older than ``trade_ts - lag_ns`` is no quote (-1, the default: no limit).

    Returns
    -------
    idx : int64[n]
        Index of the matched quote, -1 when none, :data:`STALE` when the last valid quote was too old.
    bid, ask, mid : float64[n]
        Matched quote and its midpoint ``(bid + ask) / 2``, currency per share; NaN when none.
    age_ns : int64[n]
        ``trade_ts - q_ts[idx]``, ns; -1 when none.
    """
    n = trade_ts.shape[0]
    valid = valid_quotes(q_bid, q_ask)
    shifted = np.empty(n, dtype=np.int64)
    for i in range(n):
        shifted[i] = trade_ts[i] - lag_ns
    idx = asof_valid_index(shifted, q_ts, valid, strict, max_age_ns)
    bid = np.empty(n, dtype=np.float64)
    ask = np.empty(n, dtype=np.float64)
    mid = np.empty(n, dtype=np.float64)
    age = np.empty(n, dtype=np.int64)
    for i in range(n):
        k = idx[i]
        if k < 0:
            bid[i] = np.nan
            ask[i] = np.nan
            mid[i] = np.nan
            age[i] = -1
        else:
            bid[i] = q_bid[k]
            ask[i] = q_ask[k]
            mid[i] = 0.5 * (q_bid[k] + q_ask[k])
            age[i] = trade_ts[i] - q_ts[k]
    return idx, bid, ask, mid, age


@njit(cache=True, nogil=True, error_model="numpy")
def asof_mid_at_horizon(trade_ts, horizon_ns, end_ns, lag_ns, clip, q_ts, valid, q_mid, strict, out, max_age_ns=-1):
    """Midpoint in force ``horizon_ns`` after each trade, written into ``out`` (no allocation).

    Parameters
    ----------
    trade_ts : int64[n]
        Trade times, ns, ascending.
    horizon_ns : int64
        Horizon after the trade, ns.
    end_ns : int64
        Session close, ns: a horizon time past it is clipped to it (``clip``) or gives NaN.
    lag_ns : int64
        Quote lag, ns (the quote in force at ``min(t + h, end) - lag``).
    clip : bool
        Clip at the close (True) or NaN beyond it (False).
    q_ts : int64[m]
        Quote times, ns, ascending.
    valid : bool[m]
        Valid-quote mask.
    q_mid : float64[m]
        Quote midpoints, currency per share.
    strict : bool
        Strictly-before (True) or at-or-before (False) matching.
    out : float64[n]
        Receives the midpoints (NaN when no valid quote precedes the time, when it is more than
        ``max_age_ns`` older than the time, or beyond the close without ``clip``).
    max_age_ns : int64, optional
        Maximum quote age, ns (-1, the default: no limit).
    """
    n = trade_ts.shape[0]
    after = 0 if strict else 1
    j = 0
    last = -1
    for i in range(n):
        t = trade_ts[i] + horizon_ns
        beyond = t > end_ns
        if beyond:
            t = end_ns
        j, last = _walk(q_ts, valid, t - lag_ns + after, j, last)
        stale = max_age_ns >= 0 and last >= 0 and t - lag_ns - q_ts[last] > max_age_ns
        if last < 0 or stale or (beyond and not clip):
            out[i] = np.nan
        else:
            out[i] = q_mid[last]
