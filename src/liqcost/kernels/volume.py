"""Volume, activity and volatility over a session: intraday profile, idle time, trade gaps, realized volatility.

Times are int64 ns, prices currency per share, sizes shares. The session is ``[start_ns, end_ns]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

__all__ = [
    "bucket_activity",
    "median",
    "percentile_buffered",
    "percentile_inplace",
    "percentile_linear",
    "percentiles2_buffered",
    "realized_variance",
    "rv_step",
    "sample_last",
    "size_stats",
    "trade_gaps",
    "volume_bins",
]


@njit(cache=True, nogil=True, error_model="numpy")
def volume_bins(ts, size, use, start_ns, bin_ns, n_bins):
    """Shares traded per fixed-width interval of the session.

    Parameters
    ----------
    ts : int64[n]
        Trade times, ns.
    size : float64[n]
        Trade sizes, shares.
    use : bool[n]
        Trades to count.
    start_ns : int64
        Session start, ns (left edge of bin 0).
    bin_ns : int64
        Interval width, ns.
    n_bins : int
        Number of intervals; trades before the start go to bin 0 and at or after the last edge to the
        last bin (so a print stamped exactly at the close counts in the last interval).

    Returns
    -------
    float64[n_bins]
        Shares per interval.
    """
    out = np.zeros(n_bins, dtype=np.float64)
    for i in range(ts.shape[0]):
        if not use[i]:
            continue
        k = (ts[i] - start_ns) // bin_ns
        if k < 0:
            k = 0
        elif k >= n_bins:
            k = n_bins - 1
        out[k] += size[i]
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def bucket_activity(ts, price, size, use, start_ns, end_ns, bucket_ns):
    """Per-bucket last price and volume over ``[start_ns, end_ns)`` in buckets of ``bucket_ns``.

    Returns
    -------
    last_px : float64[k]
        Last trade price in each bucket (NaN when the bucket has no trade), currency per share.
    volume : float64[k]
        Shares traded in each bucket.

    ``k = ceil((end_ns - start_ns) / bucket_ns)``; trades outside the range are ignored.
    """
    span = end_ns - start_ns
    k = (span + bucket_ns - 1) // bucket_ns
    if k < 0:
        k = 0
    last_px = np.full(k, np.nan)
    vol = np.zeros(k, dtype=np.float64)
    for i in range(ts.shape[0]):
        if not use[i]:
            continue
        t = ts[i]
        if t < start_ns or t >= end_ns:
            continue
        b = (t - start_ns) // bucket_ns
        last_px[b] = price[i]
        vol[b] += size[i]
    return last_px, vol


@njit(cache=True, nogil=True, error_model="numpy")
def trade_gaps(ts, use):
    """Seconds between consecutive used trades.

    Returns
    -------
    float64[3]
        ``[mean_s, median_s, max_s]`` of the gaps; NaN with fewer than two trades.
    """
    n = ts.shape[0]
    cnt = 0
    for i in range(n):
        if use[i]:
            cnt += 1
    out = np.full(3, np.nan)
    if cnt < 2:
        return out
    gaps = np.empty(cnt - 1, dtype=np.float64)
    prev = -1
    k = 0
    for i in range(n):
        if not use[i]:
            continue
        if prev >= 0:
            gaps[k] = (ts[i] - ts[prev]) / 1e9
            k += 1
        prev = i
    out[0] = gaps.mean()
    out[1] = percentile_inplace(gaps, 50.0)
    out[2] = gaps.max()
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def sample_last(ts, values, use, grid):
    """Previous-tick sampling: the last used value at or before each grid time.

    Parameters
    ----------
    ts : int64[n]
        Event times, ns, ascending.
    values : float64[n]
        Values (prices, midpoints).
    use : bool[n]
        Events that may be sampled (NaN values are skipped too).
    grid : int64[k]
        Sampling times, ns, ascending.

    Returns
    -------
    float64[k]
        Sampled values; NaN before the first usable event.
    """
    k = grid.shape[0]
    out = np.empty(k, dtype=np.float64)
    j = 0
    n = ts.shape[0]
    cur = np.nan
    for g in range(k):
        t = grid[g]
        while j < n and ts[j] <= t:
            v = values[j]
            if use[j] and v == v:
                cur = v
            j += 1
        out[g] = cur
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def realized_variance(sampled):
    """Sum of squared log returns of a sampled price path.

    Parameters
    ----------
    sampled : float64[k]
        Prices on a regular grid (leading NaN allowed: the path starts at the first finite value).

    Returns
    -------
    float64[2]
        ``[rv, n_returns]``: realized variance (fraction squared, per session) and the number of
        returns; rv is NaN with no return.

    Notes
    -----
    Realized variance of Andersen, Bollerslev, Diebold and Labys (2003, Econometrica 71(2), eq. 5) on a
    previous-tick sampled grid; sampled on midpoints it avoids the bid-ask bounce of trade prices
    (Roll 1984; Hansen and Lunde 2006, J. Business & Economic Statistics 24(2)).
    """
    out = np.empty(2)
    s = 0.0
    cnt = 0
    prev = np.nan
    for i in range(sampled.shape[0]):
        prev, s, cnt = rv_step(sampled[i], prev, s, cnt)
    out[0] = s if cnt > 0 else np.nan
    out[1] = cnt
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def rv_step(v, prev, s, cnt):
    """One sampled price into a running realized variance: ``(prev, s, cnt)`` updated.

    The step of :func:`realized_variance` (a NaN or non-positive ``v`` is skipped; ``prev`` is the last
    usable price, NaN before the first), so a pass can stream its samples instead of storing them.
    """
    if not (v == v) or v <= 0.0:
        return prev, s, cnt
    if prev == prev:
        r = math.log(v / prev)
        s += r * r
        cnt += 1
    return v, s, cnt


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _select_inplace(a, k):
    """Put the k-th smallest element of ``a`` at ``a[k]`` (smaller before, not smaller after); returns it.

    Quickselect with a median-of-three pivot and branch-free partitions: first the elements below the
    pivot to the front, then (only when k is not among them) the elements equal to it, so runs of equal
    values (round-lot trade sizes) end the search at once. Branch-free swaps avoid the mispredictions
    that make a classic partition ~10 ns per element on random data (this one: ~2.5 ns).
    """
    lo = 0
    hi = a.shape[0]  # exclusive
    while hi - lo > 1:
        mid = (lo + hi - 1) >> 1
        x, y, z = a[lo], a[mid], a[hi - 1]
        if x > y:
            x, y = y, x
        if y > z:
            y = z
            if x > y:
                y = x
        pivot = y
        i = lo
        for j in range(lo, hi):  # elements < pivot to the front, unconditional swap
            v = a[j]
            a[j] = a[i]
            a[i] = v
            i += v < pivot
        if k < i:
            hi = i
            continue
        e = i
        for j in range(i, hi):  # then the elements equal to the pivot
            v = a[j]
            a[j] = a[e]
            a[e] = v
            e += v <= pivot
        if k < e:
            return pivot
        lo = e
    return a[k]


@njit(cache=True, nogil=True, error_model="numpy")
def percentile_inplace(x, q):
    """The ``q``-th percentile (0-100) of ``x`` with linear interpolation, reordering ``x`` in place.

    Same value as ``numpy.percentile(x, q)`` (its default linear method). O(n) selection, robust to
    ties; no allocation (the kernels call it on scratch arrays they own: a copy of a few hundred KB per
    partition costs page faults that dominate the selection itself). NaN when ``x`` is empty; ``x`` must
    hold no NaN.
    """
    k = x.shape[0]
    if k == 0:
        return np.nan
    rank = q / 100.0 * (k - 1)
    lo = int(np.floor(rank))
    a = _select_inplace(x, lo)
    if lo >= k - 1:
        return a
    b = x[lo + 1]
    for i in range(lo + 2, k):
        if x[i] < b:
            b = x[i]
    return a + (b - a) * (rank - lo)


_BRACKET_MIN = 4096  # below this many values a plain selection on a copy is as fast
_BRACKET_SAMPLE = 1024


@njit(cache=True, nogil=True, error_model="numpy")
def percentile_buffered(x, q, buf):
    """:func:`percentile_inplace` of ``x`` (the same value, bit for bit) leaving ``x`` untouched.

    ``buf`` is scratch of at least ``len(x)`` elements. For large ``x`` a strided sample brackets the
    wanted order statistics, one branch-free pass keeps the values inside the bracket (about a tenth of
    them) in ``buf``, and the selection runs on those only: about one pass over ``x`` instead of the two
    to three of a quickselect. When the bracket misses (adversarial orderings), the exact quickselect on
    a copy decides. ``x`` must hold no NaN.
    """
    sample = np.int64(_BRACKET_SAMPLE if x.shape[0] >= _BRACKET_MIN else 0)
    return _percentile_bracketed(x, q, buf, sample)


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _percentile_bracketed(x, q, buf, sample):
    """:func:`percentile_buffered` with the sample size as a parameter (0: no bracketing)."""
    k = x.shape[0]
    if k == 0:
        return np.nan
    rank, lo, need_b = _rank(q, k)
    if sample >= 2 and k >= 2:
        v_lo, v_hi = _bracket(x, lo, sample)
        below = 0
        nb = 0
        for j in range(k):  # branch-free: store every value, keep those inside the bracket
            v = x[j]
            buf[nb] = v
            nb += (v >= v_lo) & (v <= v_hi)
            below += v < v_lo
        kk = lo - below
        if kk >= 0 and kk + need_b < nb:
            return _interpolate(buf[:nb], kk, need_b, rank, lo)
    for j in range(k):
        buf[j] = x[j]
    return percentile_inplace(buf[:k], q)


@njit(cache=True, nogil=True, error_model="numpy")
def percentiles2_buffered(x, q1, q2, buf):
    """Two percentiles of ``x`` (:func:`percentile_buffered` each, the same values bit for bit) with one
    pass over ``x`` for both brackets. ``buf`` holds at least ``2 * len(x)`` elements."""
    return _percentiles2_bracketed(x, q1, q2, buf, np.int64(_BRACKET_SAMPLE if x.shape[0] >= _BRACKET_MIN else 0))


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _percentiles2_bracketed(x, q1, q2, buf, sample):
    """:func:`percentiles2_buffered` with the sample size as a parameter (0: no bracketing)."""
    k = x.shape[0]
    if k == 0:
        return np.nan, np.nan
    if sample < 2 or k < 2:
        return _percentile_bracketed(x, q1, buf, np.int64(0)), _percentile_bracketed(x, q2, buf, np.int64(0))
    rank1, lo1, nb1_ = _rank(q1, k)
    rank2, lo2, nb2_ = _rank(q2, k)
    a_lo, a_hi = _bracket(x, lo1, sample)
    b_lo, b_hi = _bracket(x, lo2, sample)
    buf1 = buf[:k]
    buf2 = buf[k:2 * k]
    below1 = 0
    below2 = 0
    n1 = 0
    n2 = 0
    for j in range(k):
        v = x[j]
        buf1[n1] = v
        buf2[n2] = v
        n1 += (v >= a_lo) & (v <= a_hi)
        n2 += (v >= b_lo) & (v <= b_hi)
        below1 += v < a_lo
        below2 += v < b_lo
    k1 = lo1 - below1
    k2 = lo2 - below2
    r1 = _interpolate(buf1[:n1], k1, nb1_, rank1, lo1) if (k1 >= 0 and k1 + nb1_ < n1) else \
        _percentile_bracketed(x, q1, buf1, np.int64(0))
    r2 = _interpolate(buf2[:n2], k2, nb2_, rank2, lo2) if (k2 >= 0 and k2 + nb2_ < n2) else \
        _percentile_bracketed(x, q2, buf2, np.int64(0))
    return r1, r2


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _rank(q, k):
    """Fractional rank of the ``q``-th percentile of ``k`` values, its floor, and whether the next order
    statistic is needed (numpy's linear interpolation)."""
    rank = q / 100.0 * (k - 1)
    lo = int(np.floor(rank))
    return rank, lo, (1 if lo < k - 1 else 0)


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _bracket(x, lo, sample):
    """Values that bracket the ``lo``-th order statistic of ``x`` with high probability, from a strided
    sample (``-inf``/``inf`` at the ends)."""
    k = x.shape[0]
    smp = np.empty(sample)
    for i in range(sample):
        smp[i] = x[(i * k) // sample]
    p = lo / (k - 1.0)
    z = 3.5 * math.sqrt(sample * p * (1.0 - p)) + 2.0
    r = p * (sample - 1)
    r_lo = int(math.floor(r - z))
    r_hi = int(math.ceil(r + z)) + 1
    v_lo = -np.inf if r_lo <= 0 else _select_inplace(smp, r_lo)
    v_hi = np.inf if r_hi >= sample - 1 else _select_inplace(smp, r_hi)
    return v_lo, v_hi


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _interpolate(part, kk, need_b, rank, lo):
    """``percentile_inplace``'s interpolation between the ``kk``-th and next order statistics of ``part``."""
    a = _select_inplace(part, kk)
    if need_b == 0:
        return a
    b = part[kk + 1]
    for i in range(kk + 2, part.shape[0]):
        if part[i] < b:
            b = part[i]
    return a + (b - a) * (rank - lo)


@njit(cache=True, nogil=True, error_model="numpy")
def percentile_linear(x, q):
    """:func:`percentile_inplace` on a copy: ``x`` is left untouched (numba's ``np.percentile`` sorts,
    ~60 ns per element, and its ``np.median`` degrades on many equal values)."""
    return percentile_inplace(x.copy(), q)


@njit(cache=True, nogil=True, error_model="numpy")
def median(x):
    """Median of ``x`` (NaN when empty), as ``numpy.median``; ``x`` is left untouched."""
    return percentile_inplace(x.copy(), 50.0)


@njit(cache=True, nogil=True, error_model="numpy")
def size_stats(size, use, odd_lot):
    """Trade-size distribution of the used trades.

    Returns
    -------
    float64[5]
        ``[mean_shares, median_shares, p90_shares, odd_lot_frac, odd_lot_volume_frac]``: odd lots are
        trades of fewer than ``odd_lot`` shares, as a share of the number of trades and of volume.
        NaN when no trade is used. The 90th percentile interpolates linearly between order statistics
        (``numpy.percentile`` default).
    """
    n = size.shape[0]
    cnt = 0
    for i in range(n):
        if use[i]:
            cnt += 1
    out = np.full(5, np.nan)
    if cnt == 0:
        return out
    x = np.empty(cnt, dtype=np.float64)
    k = 0
    odd = 0
    odd_v = 0.0
    tot = 0.0
    for i in range(n):
        if use[i]:
            s = size[i]
            x[k] = s
            k += 1
            tot += s
            if s < odd_lot:
                odd += 1
                odd_v += s
    out[0] = tot / cnt
    out[1] = percentile_inplace(x, 50.0)  # x is our own copy: select in place
    out[2] = percentile_inplace(x, 90.0)
    out[3] = odd / cnt
    out[4] = odd_v / tot if tot > 0 else np.nan
    return out
