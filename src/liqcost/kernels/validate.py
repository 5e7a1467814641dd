"""Validation kernels: the bad-print rolling median and the pairing of one-sided quote rows.

Both run over rows already in (group, time) order; a Boolean ``group_start`` array marks the first row of
each group (a symbol for the bad-print median, a symbol-day for the quote pairing), so one pass serves any
number of groups without a Python loop per group. Prices are currency per share, sizes shares.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import INNER

__all__ = ["rolling_median_groups", "bad_print_flags", "pair_one_sided", "first_out_of_order", "equal_neighbours",
           "PAIR_UNTOUCHED", "PAIR_MERGED", "PAIR_NO_BID", "PAIR_NO_ASK"]

PAIR_UNTOUCHED = 0  # two-sided (or no side at all): left as it is
PAIR_MERGED = 1  # one side was missing and was filled from the group's last quote of that side
PAIR_NO_BID = 2  # the bid is missing and no earlier row of the group had one
PAIR_NO_ASK = 3  # the offer is missing and no earlier row of the group had one


@njit(cache=True, nogil=True)
def first_out_of_order(group_start, ts, row):
    """Index of the first row that comes before its predecessor within a group, or -1 when all are in order.

    Parameters
    ----------
    group_start : bool[n]
        True on the first row of each group (a run of one symbol).
    ts : int64[n]
        Times (ns) or dates (days) of the rows.
    row : int64[n]
        Source row numbers; rows with equal times must be in increasing row order.

    Returns
    -------
    int
        -1 when, within every group, ``(ts, row)`` increases strictly from row to row.
    """
    for i in range(1, ts.shape[0]):
        if group_start[i]:
            continue
        if ts[i] < ts[i - 1] or (ts[i] == ts[i - 1] and row[i] <= row[i - 1]):
            return i
    return -1


@njit(cache=True, nogil=True)
def equal_neighbours(group_start, ts, out):
    """Mark rows whose time equals the previous or the next row's time within the same group.

    In (group, time) order only such rows can be exact duplicates of one another. ``out`` (bool[n]) receives
    the marks; returns how many rows are marked.
    """
    n = ts.shape[0]
    count = 0
    for i in range(n):
        hit = False
        if i > 0 and not group_start[i] and ts[i] == ts[i - 1]:
            hit = True
        elif i + 1 < n and not group_start[i + 1] and ts[i + 1] == ts[i]:
            hit = True
        out[i] = hit
        if hit:
            count += 1
    return count


@njit(cache=True, nogil=True, **INNER)
def _insert(buf, k, x):
    """Insert ``x`` into the sorted ``buf[:k]`` (room for one more); returns the new length."""
    j = k
    while j > 0 and buf[j - 1] > x:
        buf[j] = buf[j - 1]
        j -= 1
    buf[j] = x
    return k + 1


@njit(cache=True, nogil=True, **INNER)
def _remove(buf, k, x):
    """Remove one value equal to ``x`` from the sorted ``buf[:k]``; returns the new length."""
    lo = 0
    hi = k
    while lo < hi:  # first index with buf[idx] >= x
        mid = (lo + hi) // 2
        if buf[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    for j in range(lo, k - 1):
        buf[j] = buf[j + 1]
    return k - 1


@njit(cache=True, nogil=True)
def rolling_median_groups(values, group_start, window, min_samples, out):
    """Centred rolling median within groups, as polars' ``rolling_median(window, center=True, min_samples)``.

    Parameters
    ----------
    values : float64[n]
        Values in group order (finite; trade prices, currency per share).
    group_start : bool[n]
        True on the first row of each group (row 0 always starts one).
    window : int
        Window length in rows, odd; row ``i`` sees rows ``i - window // 2 .. i + window // 2`` of its own
        group (fewer at the group's ends).
    min_samples : int
        Fewest rows in a window for a median; NaN below.
    out : float64[n]
        Output: the median of each row's window (NaN when the window holds fewer than ``min_samples``).

    Notes
    -----
    The median of an even number of values ``a <= b`` in the middle is ``a + 0.5 (b - a)`` (linear
    interpolation at the 0.5 quantile, bit for bit what polars returns). A sorted buffer of the window
    slides along each group: one removal and one insertion per row, O(n * window).
    """
    n = values.shape[0]
    half = window // 2
    buf = np.empty(window + 1, dtype=np.float64)
    s = 0
    while s < n:
        e = s + 1
        while e < n and not group_start[e]:
            e += 1
        # group [s, e): the window of row i is [max(s, i - half), min(e - 1, i + half)]
        k = 0
        top = min(e - 1, s + half)  # last row inside the window of row s
        for j in range(s, top + 1):
            k = _insert(buf, k, values[j])
        for i in range(s, e):
            if i > s:
                add = i + half
                if add <= e - 1:
                    k = _insert(buf, k, values[add])
                drop = i - half - 1
                if drop >= s:
                    k = _remove(buf, k, values[drop])
            if k < min_samples:
                out[i] = np.nan
            elif k % 2 == 1:
                out[i] = buf[k // 2]
            else:
                a = buf[k // 2 - 1]
                b = buf[k // 2]
                out[i] = 0.5 * (b - a) + a
        s = e


@njit(cache=True, nogil=True)
def bad_print_flags(values, group_start, window, min_samples, max_deviation, out_flag, out_median):
    """Flag bad prints: prices further than ``max_deviation`` from the centred rolling median of their group.

    The decision is exactly ``|price / median - 1| > max_deviation`` with the median of
    :func:`rolling_median_groups` (a window with fewer than ``min_samples`` rows flags nothing), but the
    median is computed only where it can matter:

    1. rows go in blocks of 64; when the smallest and largest price over the union of a block's windows
       are within ``max_deviation`` of each other (with a relative margin of 1e-6), every price of those
       windows is within ``max_deviation`` of any value between them, the medians included: no row of the
       block is flagged (one branch-free min/max pass, the common case);
    2. otherwise, per row, a count of the window's values below ``price (1 + 1e-9) / (1 + max_deviation)``
       and above ``price (1 - 1e-9) / (1 - max_deviation)`` shows when the median lies clearly between the
       two (at most half the window on each side, one less for an even window): not flagged;
    3. only the remaining rows have their window sorted and the median compared exactly.

    Parameters
    ----------
    values : float64[n]
        Trade prices in group order (finite, positive; currency per share).
    group_start : bool[n]
        True on the first row of each group (a symbol).
    window : int
        Window length in rows (odd), centred on the row.
    min_samples : int
        Fewest rows in a window for a median.
    max_deviation : float
        Largest accepted ``|price / median - 1|`` (fraction, > 0).
    out_flag : bool[n]
        Output: True for bad prints.
    out_median : float64[n]
        Output: the median where a row is flagged, NaN elsewhere.

    Returns
    -------
    int
        Number of rows flagged.
    """
    n = values.shape[0]
    half = window // 2
    block = 64
    buf = np.empty(window + 1, dtype=np.float64)
    fast = max_deviation >= 1e-6  # the margins below need a deviation well above rounding
    spread_ok = max_deviation * (1.0 - 1e-6)
    inner_lo = (1.0 + 1e-9) / (1.0 + max_deviation)
    inner_hi = (1.0 - 1e-9) / (1.0 - max_deviation) if max_deviation < 1.0 else np.inf
    out_flag[:] = False
    out_median[:] = np.nan
    count = 0
    s = 0
    while s < n:
        e = s + 1
        while e < n and not group_start[e]:
            e += 1
        for bs in range(s, e, block):
            be = min(bs + block, e)
            if fast:
                ulo = max(s, bs - half)
                uhi = min(e - 1, be - 1 + half)
                mn = values[ulo]
                mx = values[ulo]
                for j in range(ulo + 1, uhi + 1):
                    v = values[j]
                    mn = min(mn, v)
                    mx = max(mx, v)
                if mx - mn <= mn * spread_ok:
                    continue
            for i in range(bs, be):
                lo = max(s, i - half)
                hi = min(e - 1, i + half)
                k = hi - lo + 1
                if k < min_samples:
                    continue
                p = values[i]
                if fast:
                    a_lo = p * inner_lo
                    a_hi = p * inner_hi
                    below = 0
                    above = 0
                    for j in range(lo, hi + 1):
                        v = values[j]
                        below += v < a_lo
                        above += v > a_hi
                    limit = k // 2 if k % 2 == 1 else k // 2 - 1
                    if below <= limit and above <= limit:
                        continue
                m = 0
                for j in range(lo, hi + 1):
                    m = _insert(buf, m, values[j])
                if k % 2 == 1:
                    med = buf[k // 2]
                else:
                    a = buf[k // 2 - 1]
                    b = buf[k // 2]
                    med = 0.5 * (b - a) + a
                if abs(p / med - 1.0) > max_deviation:
                    out_flag[i] = True
                    out_median[i] = med
                    count += 1
        s = e
    return count


@njit(cache=True, nogil=True)
def pair_one_sided(group_start, bid, bid_size, ask, ask_size, out_bid, out_bid_size, out_ask, out_ask_size, status):
    """Fill the missing side of one-sided quote rows from the group's last quote of that side.

    Parameters
    ----------
    group_start : bool[n]
        True on the first row of each group (a symbol-day: a side never carries into the next day).
    bid, ask : float64[n]
        Prices (currency per share); a side is present when its price is finite and positive.
    bid_size, ask_size : float64[n]
        Sizes at those prices (shares).
    out_bid, out_bid_size, out_ask, out_ask_size : float64[n]
        Outputs: the row's quote after pairing (the input where nothing was filled).
    status : int8[n]
        Output per row: ``PAIR_UNTOUCHED``, ``PAIR_MERGED``, ``PAIR_NO_BID`` or ``PAIR_NO_ASK``.

    Returns
    -------
    int
        Number of rows merged.

    Notes
    -----
    Every present side updates the group's state (also on two-sided rows), so a bid row followed by an
    offer row at the same instant gives, on the second row, the complete quote of that instant. A row
    with neither side present is left as it is (validation sets it aside as a non-positive quote).
    """
    n = bid.shape[0]
    last_b = np.nan
    last_bs = 0.0
    last_a = np.nan
    last_as = 0.0
    merged = 0
    for i in range(n):
        if group_start[i]:
            last_b = np.nan
            last_bs = 0.0
            last_a = np.nan
            last_as = 0.0
        b = bid[i]
        a = ask[i]
        has_b = np.isfinite(b) and b > 0.0
        has_a = np.isfinite(a) and a > 0.0
        out_bid[i] = b
        out_bid_size[i] = bid_size[i]
        out_ask[i] = a
        out_ask_size[i] = ask_size[i]
        status[i] = PAIR_UNTOUCHED
        if has_b and not has_a:
            if np.isnan(last_a):
                status[i] = PAIR_NO_ASK
            else:
                out_ask[i] = last_a
                out_ask_size[i] = last_as
                status[i] = PAIR_MERGED
                merged += 1
        elif has_a and not has_b:
            if np.isnan(last_b):
                status[i] = PAIR_NO_BID
            else:
                out_bid[i] = last_b
                out_bid_size[i] = last_bs
                status[i] = PAIR_MERGED
                merged += 1
        if has_b:
            last_b = b
            last_bs = bid_size[i]
        if has_a:
            last_a = a
            last_as = ask_size[i]
    return merged
