"""National best bid and offer (NBBO) from per-exchange quote updates.

Each input row is one exchange's new quote (its whole bid and offer, replacing its previous one). After
every row the NBBO is the highest bid among the exchanges' latest quotes and the lowest offer, each
with the sizes of all exchanges quoting at that price added up. An exchange whose latest bid (offer)
is NaN has no bid (offer). What a feed writes for "no quote on this side" is the reader's business, not
the kernel's: the TAQ reader turns TAQ's withdrawn side (price 0 with size 0) into NaN and sets aside
other zero or negative prices with a reason before calling it.

The kernel is a plain state machine over rows already sorted by (symbol, time); the symbol column only
tells it where to reset the state. Inputs are contiguous arrays; outputs are preallocated by the caller.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["STATUS_BAD_EXCHANGE", "STATUS_OK", "nbbo_from_exchanges"]

STATUS_OK = 0
STATUS_BAD_EXCHANGE = 1


@njit(cache=True, nogil=True)
def nbbo_from_exchanges(
    group, ts, exch, bid, bid_size, ask, ask_size, n_exch, max_age_ns, out_bid, out_bid_size, out_ask, out_ask_size
):
    """Fill the NBBO in force after each exchange quote update.

    Parameters
    ----------
    group : int64[n]
        Symbol(-day) code of each row; the exchange state is reset whenever it changes.
    ts : int64[n]
        Time of each row (ns), non-decreasing within a group; used only for ``max_age_ns``.
    exch : int64[n]
        Exchange code of each row, in ``[0, n_exch)``.
    bid, ask : float64[n]
        The exchange's new bid and offer (currency per share); NaN means no quote on that side (any other
        value, zero included, is a price).
    bid_size, ask_size : float64[n]
        Sizes at those prices (shares).
    n_exch : int
        Number of exchange codes.
    max_age_ns : int
        An exchange quote older than this (``ts[i] - ts of the exchange's last update``) is left out of
        the NBBO at row ``i``; a negative value disables the limit.
    out_bid, out_bid_size, out_ask, out_ask_size : float64[n]
        Outputs: best bid, shares bid at it across exchanges, best offer, shares offered at it.
        NaN price and 0 size when no exchange quotes that side.

    Returns
    -------
    int
        ``STATUS_OK``, or ``STATUS_BAD_EXCHANGE`` when an exchange code is out of range (outputs from
        that row on are NaN).
    """
    n = group.shape[0]
    cur_bid = np.full(n_exch, np.nan)
    cur_bsz = np.zeros(n_exch)
    cur_ask = np.full(n_exch, np.nan)
    cur_asz = np.zeros(n_exch)
    cur_t = np.zeros(n_exch, dtype=np.int64)
    for i in range(n):
        if i > 0 and group[i] != group[i - 1]:
            for e in range(n_exch):
                cur_bid[e] = np.nan
                cur_bsz[e] = 0.0
                cur_ask[e] = np.nan
                cur_asz[e] = 0.0
                cur_t[e] = 0
        e = exch[i]
        if e < 0 or e >= n_exch:
            for j in range(i, n):
                out_bid[j] = np.nan
                out_bid_size[j] = np.nan
                out_ask[j] = np.nan
                out_ask_size[j] = np.nan
            return STATUS_BAD_EXCHANGE
        cur_t[e] = ts[i]
        b = bid[i]
        a = ask[i]
        if not np.isnan(b):
            cur_bid[e] = b
            cur_bsz[e] = bid_size[i]
        else:
            cur_bid[e] = np.nan
            cur_bsz[e] = 0.0
        if not np.isnan(a):
            cur_ask[e] = a
            cur_asz[e] = ask_size[i]
        else:
            cur_ask[e] = np.nan
            cur_asz[e] = 0.0
        best_b = np.nan
        best_a = np.nan
        for k in range(n_exch):
            if max_age_ns >= 0 and ts[i] - cur_t[k] > max_age_ns:
                continue
            if not np.isnan(cur_bid[k]) and (np.isnan(best_b) or cur_bid[k] > best_b):
                best_b = cur_bid[k]
            if not np.isnan(cur_ask[k]) and (np.isnan(best_a) or cur_ask[k] < best_a):
                best_a = cur_ask[k]
        sb = 0.0
        sa = 0.0
        for k in range(n_exch):
            if max_age_ns >= 0 and ts[i] - cur_t[k] > max_age_ns:
                continue
            if not np.isnan(best_b) and cur_bid[k] == best_b:
                sb += cur_bsz[k]
            if not np.isnan(best_a) and cur_ask[k] == best_a:
                sa += cur_asz[k]
        out_bid[i] = best_b
        out_bid_size[i] = sb
        out_ask[i] = best_a
        out_ask_size[i] = sa
    return STATUS_OK
