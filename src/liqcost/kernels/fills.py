"""Virtual limit orders replayed through historical ticks: when would a resting order have filled?

One pass per placement walks the trades (and, while a queue is ahead of the order, the quotes) after the
placement time, for several limit prices at once. The fill-probability model
(:mod:`liqcost.models.fill_prob`) fits survival curves and size/drift tables to what this kernel returns.

Conventions: times int64 ns; prices currency per share; sizes shares; ``side`` +1 buy / -1 sell. The
*near side* is the bid for a buy and the ask for a sell, the *far side* the other one.

Limit-price codes (one per column of the outputs):

* ``k >= 0``: the near side improved by ``k`` ticks toward the far side, clipped to one tick inside the far
  side (``0`` joins the near side; with a one-tick spread every ``k`` joins);
* ``CODE_MID`` (-1): the midpoint rounded to the tick on the passive side (joins with a one-tick spread).

Fill rule for a buy at limit ``L`` (a sell mirrors it):

* a print strictly below ``L`` trades through the order: its whole size is executable against us;
* a print at ``L`` first consumes the queue ahead of us, then is executable against us;
* the queue ahead at placement is ``queue_frac`` times the displayed bid size when ``L`` is the bid, else 0
  (a new price level); a quote whose bid is ``L`` caps it at the displayed size (the displayed size includes
  everyone ahead of us, a virtual order is not displayed), a quote whose bid is below ``L`` empties it (the
  level was consumed or cancelled, we would be alone at ``L``).

The order is *filled* when its cumulative executable volume reaches ``order_size``; the executable volume
is also recorded at each horizon (it bounds what a larger order could have filled), together with the
midpoint drift from placement, signed so that a positive drift moves the price away from the order
(up for a buy).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import INNER

__all__ = ["CODE_MID", "STATUS_OK", "STATUS_PARAM", "STATUS_SHAPE", "STATUS_UNSORTED", "limit_ticks", "virtual_fills"]

CODE_MID = -1
STATUS_OK = 0
STATUS_UNSORTED = 1
STATUS_SHAPE = 2
STATUS_PARAM = 3


@njit(cache=True, nogil=True)
def limit_ticks(side, bid_ticks, ask_ticks, code):
    """Limit price in ticks for one rule code (see the module docstring).

    Parameters
    ----------
    side : int
        +1 buy, -1 sell.
    bid_ticks, ask_ticks : int
        Prevailing bid and ask in ticks (price / tick, rounded).
    code : int
        ``k >= 0`` improve by k ticks, ``CODE_MID`` the passive-side midpoint.

    Returns
    -------
    int
        Limit price in ticks; never at or beyond the far side when the spread is at least one tick.
    """
    spread = ask_ticks - bid_ticks
    room = spread - 1 if spread > 1 else 0
    if code == CODE_MID:
        k = spread // 2 if spread > 1 else 0
    else:
        k = min(room, code)
    if side > 0:
        return bid_ticks + k
    return ask_ticks - k


@njit(cache=True, nogil=True, **INNER)
def _is_sorted(a):
    for i in range(1, a.shape[0]):
        if a[i] < a[i - 1]:
            return False
    return True


@njit(cache=True, nogil=True, **INNER)
def _last_at_or_before(ts, t):
    """Index of the last element of sorted ``ts`` that is <= t, or -1."""
    lo = 0
    hi = ts.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if ts[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@njit(cache=True, nogil=True)
def virtual_fills(
    trade_ts,
    trade_px,
    trade_sz,
    quote_ts,
    bid,
    ask,
    bid_sz,
    ask_sz,
    place_ts,
    place_side,
    censor_ts,
    codes,
    horizons_ns,
    tick,
    queue_frac,
    order_size,
    out_limit_px,
    out_spread_ticks,
    out_fill_ns,
    out_exec,
    out_drift_bps,
):
    """Replay virtual limit orders through trades and quotes.

    Parameters
    ----------
    trade_ts : int64[n]
        Trade times, ns, sorted.
    trade_px, trade_sz : float64[n]
        Trade prices (currency per share) and sizes (shares).
    quote_ts : int64[m]
        Quote times, ns, sorted.
    bid, ask, bid_sz, ask_sz : float64[m]
        Best bid and ask (currency per share) and their displayed sizes (shares).
    place_ts : int64[p]
        Placement times, ns (any order). The prevailing quote is the last one at or before it (a NaN bid
        or ask counts as no quote); only trades strictly after it can fill the order. Trades with a NaN
        price or size never execute against an order.
    place_side : int8[p]
        +1 buy, -1 sell.
    censor_ts : int64[p]
        End of observation of each placement (session close), ns.
    codes : int64[c]
        Limit-price codes (module docstring).
    horizons_ns : int64[h]
        Increasing horizons after placement, ns; the walk stops at the last one (or the censor time).
    tick : float
        Price increment, currency per share.
    queue_frac : float
        Share of the displayed near-side size ahead of an order that joins it, in [0, 1].
    order_size : float
        Shares the virtual order must execute to count as filled.
    out_limit_px : float64[p, c]
        Output: limit price, currency per share (NaN without a prevailing quote).
    out_spread_ticks : float64[p]
        Output: prevailing spread at placement, ticks (NaN without a quote).
    out_fill_ns : int64[p, c]
        Output: time from placement to fill, ns; -1 when not filled by ``min(censor, last horizon)``.
    out_exec : float64[p, c, h]
        Output: executable volume from placement to each horizon, shares; NaN when the horizon is past the
        censor time or there is no quote.
    out_drift_bps : float64[p, h]
        Output: midpoint move from placement to each horizon, bps of the placement midpoint, times the
        side (positive = away from the order); NaN past the censor time or without a quote.

    Returns
    -------
    int
        ``STATUS_OK``; ``STATUS_UNSORTED`` when trades or quotes are not sorted by time;
        ``STATUS_SHAPE`` when array lengths disagree; ``STATUS_PARAM`` when ``tick <= 0``, ``queue_frac``
        is outside [0, 1] or ``order_size <= 0``. Outputs are untouched on a bad status.
    """
    n_t = trade_ts.shape[0]
    n_q = quote_ts.shape[0]
    n_p = place_ts.shape[0]
    n_c = codes.shape[0]
    n_h = horizons_ns.shape[0]
    if (
        trade_px.shape[0] != n_t
        or trade_sz.shape[0] != n_t
        or bid.shape[0] != n_q
        or ask.shape[0] != n_q
        or bid_sz.shape[0] != n_q
        or ask_sz.shape[0] != n_q
        or place_side.shape[0] != n_p
        or censor_ts.shape[0] != n_p
        or out_limit_px.shape[0] != n_p
        or out_limit_px.shape[1] != n_c
        or out_spread_ticks.shape[0] != n_p
        or out_fill_ns.shape[0] != n_p
        or out_fill_ns.shape[1] != n_c
        or out_exec.shape[0] != n_p
        or out_exec.shape[1] != n_c
        or out_exec.shape[2] != n_h
        or out_drift_bps.shape[0] != n_p
        or out_drift_bps.shape[1] != n_h
        or n_h == 0
    ):
        return STATUS_SHAPE
    if not (tick > 0.0) or not (0.0 <= queue_frac <= 1.0) or not (order_size > 0.0):
        return STATUS_PARAM
    if not _is_sorted(trade_ts) or not _is_sorted(quote_ts) or not _is_sorted(horizons_ns):
        return STATUS_UNSORTED

    tol = tick * 1e-4
    lim_t = np.empty(n_c, dtype=np.int64)
    lim_px = np.empty(n_c, dtype=np.float64)
    queue = np.empty(n_c, dtype=np.float64)
    execv = np.empty(n_c, dtype=np.float64)
    hmax = horizons_ns[n_h - 1]

    for p in range(n_p):
        t0 = place_ts[p]
        side = place_side[p]
        qi = _last_at_or_before(quote_ts, t0)
        if qi >= 0 and not (np.isfinite(bid[qi]) and np.isfinite(ask[qi])):
            qi = -1  # an unusable prevailing quote: like no quote
        if qi < 0:
            out_spread_ticks[p] = np.nan
            for c in range(n_c):
                out_limit_px[p, c] = np.nan
                out_fill_ns[p, c] = -1
                for h in range(n_h):
                    out_exec[p, c, h] = np.nan
            for h in range(n_h):
                out_drift_bps[p, h] = np.nan
            continue
        b0 = bid[qi]
        a0 = ask[qi]
        bt = np.int64(np.round(b0 / tick))
        at = np.int64(np.round(a0 / tick))
        out_spread_ticks[p] = at - bt
        mid0 = 0.5 * (b0 + a0)
        near_sz = bid_sz[qi] if side > 0 else ask_sz[qi]
        near_t = bt if side > 0 else at
        any_queue = False
        for c in range(n_c):
            lt = limit_ticks(side, bt, at, codes[c])
            lim_t[c] = lt
            lim_px[c] = lt * tick
            out_limit_px[p, c] = lim_px[c]
            if lt == near_t:
                queue[c] = queue_frac * near_sz
            else:
                queue[c] = 0.0
            if queue[c] > 0.0:
                any_queue = True
            execv[c] = 0.0
            out_fill_ns[p, c] = -1

        end = censor_ts[p]
        end = min(end, t0 + hmax)
        j = _last_at_or_before(trade_ts, t0) + 1  # first trade strictly after t0
        k = qi + 1
        hi = 0
        while j < n_t and trade_ts[j] <= end:
            tt = trade_ts[j]
            # quotes strictly before this trade update the queues (a trade goes first on equal stamps)
            while any_queue and k < n_q and quote_ts[k] < tt:
                if not (np.isfinite(bid[k]) and np.isfinite(ask[k])):
                    k += 1
                    continue
                any_queue = False
                for c in range(n_c):
                    if queue[c] > 0.0:
                        if side > 0:
                            qt = np.int64(np.round(bid[k] / tick))
                            if qt < lim_t[c]:
                                queue[c] = 0.0
                            elif qt == lim_t[c] and bid_sz[k] < queue[c]:
                                queue[c] = bid_sz[k]
                        else:
                            qt = np.int64(np.round(ask[k] / tick))
                            if qt > lim_t[c]:
                                queue[c] = 0.0
                            elif qt == lim_t[c] and ask_sz[k] < queue[c]:
                                queue[c] = ask_sz[k]
                        if queue[c] > 0.0:
                            any_queue = True
                k += 1
            # horizons that end before this trade
            while hi < n_h and t0 + horizons_ns[hi] < tt:
                if t0 + horizons_ns[hi] <= censor_ts[p]:
                    for c in range(n_c):
                        out_exec[p, c, hi] = execv[c]
                else:
                    for c in range(n_c):
                        out_exec[p, c, hi] = np.nan
                hi += 1
            px = trade_px[j]
            sz = trade_sz[j]
            if not (np.isfinite(px) and np.isfinite(sz)):
                j += 1
                continue
            for c in range(n_c):
                lp = lim_px[c]
                if side > 0:
                    through = px < lp - tol
                else:
                    through = px > lp + tol
                if through:
                    execv[c] += sz
                elif abs(px - lp) <= tol:
                    if queue[c] >= sz:
                        queue[c] -= sz
                    else:
                        execv[c] += sz - queue[c]
                        queue[c] = 0.0
                else:
                    continue
                if out_fill_ns[p, c] < 0 and execv[c] >= order_size:
                    out_fill_ns[p, c] = tt - t0
            j += 1
        while hi < n_h:
            if t0 + horizons_ns[hi] <= censor_ts[p]:
                for c in range(n_c):
                    out_exec[p, c, hi] = execv[c]
            else:
                for c in range(n_c):
                    out_exec[p, c, hi] = np.nan
            hi += 1
        for h in range(n_h):
            th = t0 + horizons_ns[h]
            if th > censor_ts[p]:
                out_drift_bps[p, h] = np.nan
                continue
            qh = _last_at_or_before(quote_ts, th)
            mid_h = 0.5 * (bid[qh] + ask[qh])  # NaN when that quote is unusable
            out_drift_bps[p, h] = side * (mid_h / mid0 - 1.0) * 1e4
    return STATUS_OK
