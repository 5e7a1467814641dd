"""Volume measures from bars: ADV, dollar volume, zero-volume share, turnover, Amihud, and the rolling median volume.

Panel layout, windows, ``min_periods`` and status codes: :mod:`liqcost.kernels.bar_numerics`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

from .bar_numerics import (
    NO_SHARES,
    NO_VOLUME,
    OK,
    TOO_FEW,
    nadd,
    window_start,
)

__all__ = ["median_panel", "volume_panel"]


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _volume_segment(vol, dv, shares, lc, a, b, window, min_periods, adv, adv_usd, zvf, turnover, amihud,
                    n_days, st_vol, st_turn, st_ami):
    n = b - a
    if n <= 0:
        return
    wc0 = window_start(window, 0, n)
    wc1 = window_start(window, 1, n)
    need = max(1, min_periods)
    need1 = min_periods - 1 if min_periods > 2 else 1
    sv = cv = sd = cd = st = ct = sa = ca = 0.0
    cnt = 0
    cnt_dv = 0
    zeros = 0
    cnt_t = 0
    cnt_a = 0
    for t in range(a, b):
        # add row t (lag 0 quantities)
        v = vol[t]
        if not math.isnan(v):
            sv, cv = nadd(sv, cv, v)
            cnt += 1
            if v == 0.0:
                zeros += 1
            d = dv[t]
            if not math.isnan(d):
                sd, cd = nadd(sd, cd, d)
                cnt_dv += 1
            so = shares[t]
            if so > 0.0:
                st, ct = nadd(st, ct, v / so)
                cnt_t += 1
        # Amihud contribution (needs the previous close)
        if t - a >= 1:
            r = lc[t] - lc[t - 1]
            d = dv[t]
            if math.isfinite(r) and d > 0.0:
                sa, ca = nadd(sa, ca, abs(r) / d)
                cnt_a += 1
        # remove
        j = t - wc0
        if window > 0 and j >= a:
            v = vol[j]
            if not math.isnan(v):
                sv, cv = nadd(sv, cv, -v)
                cnt -= 1
                if v == 0.0:
                    zeros -= 1
                d = dv[j]
                if not math.isnan(d):
                    sd, cd = nadd(sd, cd, -d)
                    cnt_dv -= 1
                so = shares[j]
                if so > 0.0:
                    st, ct = nadd(st, ct, -(v / so))
                    cnt_t -= 1
        j = t - wc1
        if window > 0 and j - a >= 1:
            r = lc[j] - lc[j - 1]
            d = dv[j]
            if math.isfinite(r) and d > 0.0:
                sa, ca = nadd(sa, ca, -(abs(r) / d))
                cnt_a -= 1
        n_days[t] = cnt
        if cnt < need or wc0 <= 0:
            adv[t] = np.nan
            adv_usd[t] = np.nan
            zvf[t] = np.nan
            st_vol[t] = TOO_FEW
        else:
            adv[t] = (sv + cv) / cnt
            zvf[t] = zeros / cnt
            adv_usd[t] = (sd + cd) / cnt_dv if cnt_dv >= need else np.nan
            st_vol[t] = OK
        if cnt < need or wc0 <= 0:
            turnover[t] = np.nan
            st_turn[t] = TOO_FEW
        elif cnt_t == 0:
            turnover[t] = np.nan
            st_turn[t] = NO_SHARES
        else:
            turnover[t] = (st + ct) / cnt_t
            st_turn[t] = OK
        if cnt < need or wc1 <= 0:
            amihud[t] = np.nan
            st_ami[t] = TOO_FEW
        elif cnt_a == 0:
            amihud[t] = np.nan
            st_ami[t] = NO_VOLUME
        elif cnt_a < need1:
            amihud[t] = np.nan
            st_ami[t] = TOO_FEW
        else:
            amihud[t] = (sa + ca) / cnt_a
            st_ami[t] = OK


@njit(cache=True, nogil=True)
def volume_panel(vol, dv, shares, lc, offsets, window, min_periods, adv, adv_usd, zvf, turnover, amihud,
                 n_days, st_vol, st_turn, st_ami):
    """Average daily volume, dollar volume, zero-volume share, turnover and Amihud illiquidity.

    Parameters
    ----------
    vol : float64[n_rows]
        Shares traded per period; NaN for a missing period, 0 for a real zero-volume period.
    dv : float64[n_rows]
        Dollar volume (currency) per period; 0 when the volume is 0.
    shares : float64[n_rows]
        Shares outstanding (NaN or <= 0 when unknown).
    lc : float64[n_rows]
        Log close (for Amihud's returns).
    offsets : int64[n_symbols + 1]
        Row range of each symbol.
    window, min_periods : int
        Rolling window in periods (``<= 0`` expanding) and fewest non-missing periods.
    adv, adv_usd, zvf, turnover, amihud : float64[n_rows]
        Mean volume (shares per period), mean dollar volume (currency per period, over the periods whose
        dollar volume is known), share of zero-volume periods, mean turnover (fraction of shares
        outstanding per period, over periods where shares outstanding are known), Amihud ratio
        ``mean(|r_t| / DV_t)`` over periods with positive dollar volume and a valid return (fraction per
        currency unit).
    n_days : int64[n_rows]
        Non-missing periods in the window.
    st_vol, st_turn, st_ami : int8[n_rows]
        Status of the volume measures, of turnover, of Amihud.

    Notes
    -----
    Amihud, Y. (2002), "Illiquidity and stock returns: cross-section and time-series effects", Journal
    of Financial Markets 5(1), 31-56, Eq. (1): ``ILLIQ = mean_d |R_d| / VOLD_d`` over days with
    volume. Zero-volume periods enter ADV as zeros, missing periods not at all. Known biases: Amihud is
    a price-impact proxy, not a spread; it is noisy with few trading days and inflated by bid-ask bounce
    in thin names (a return across the spread on a tiny volume).
    """
    for s in range(offsets.shape[0] - 1):
        _volume_segment(vol, dv, shares, lc, offsets[s], offsets[s + 1], window, min_periods, adv, adv_usd,
                        zvf, turnover, amihud, n_days, st_vol, st_turn, st_ami)


@njit(cache=True, nogil=True, **INNER)
def _heap_push(h, size, v, sign):
    """Push onto a binary heap stored in ``h[:size]``; ``sign`` +1 min-heap, -1 max-heap (stored negated)."""
    i = size
    h[i] = sign * v
    while i > 0:
        p = (i - 1) // 2
        if h[p] > h[i]:
            tmp = h[p]
            h[p] = h[i]
            h[i] = tmp
            i = p
        else:
            break
    return size + 1


@njit(cache=True, nogil=True, **INNER)
def _heap_pop(h, size):
    top = h[0]
    size -= 1
    h[0] = h[size]
    i = 0
    while True:
        lft = 2 * i + 1
        rgt = lft + 1
        m = i
        if lft < size and h[lft] < h[m]:
            m = lft
        if rgt < size and h[rgt] < h[m]:
            m = rgt
        if m == i:
            break
        tmp = h[m]
        h[m] = h[i]
        h[i] = tmp
        i = m
    return top, size


@njit(cache=True, nogil=True, **INNER)
def _median_segment(x, a, b, window, min_periods, out, status):
    n = b - a
    if n <= 0:
        return
    need = max(1, min_periods)
    if window > 0:
        # sorted buffer of the valid values in the window: O(window) per step
        buf = np.empty(window)
        m = 0
        for t in range(a, b):
            v = x[t]
            j = t - window
            u = x[j] if j >= a else np.nan
            if not math.isnan(v) and not math.isnan(u):
                # one value leaves and one enters: overwrite the leaving one and move it into place
                pos = 0
                while buf[pos] != u:
                    pos += 1
                while pos > 0 and buf[pos - 1] > v:
                    buf[pos] = buf[pos - 1]
                    pos -= 1
                while pos < m - 1 and buf[pos + 1] < v:
                    buf[pos] = buf[pos + 1]
                    pos += 1
                buf[pos] = v
            else:
                if not math.isnan(v):
                    pos = m
                    while pos > 0 and buf[pos - 1] > v:
                        buf[pos] = buf[pos - 1]
                        pos -= 1
                    buf[pos] = v
                    m += 1
                if not math.isnan(u):
                    pos = 0
                    while buf[pos] != u:
                        pos += 1
                    for q in range(pos, m - 1):
                        buf[q] = buf[q + 1]
                    m -= 1
            if m < need:
                out[t] = np.nan
                status[t] = TOO_FEW
            elif m % 2 == 1:
                out[t] = buf[m // 2]
                status[t] = OK
            else:
                out[t] = 0.5 * (buf[m // 2 - 1] + buf[m // 2])
                status[t] = OK
    else:
        # expanding: two heaps (lower half as a max-heap, upper half as a min-heap)
        low = np.empty(n)
        high = np.empty(n)
        nl = np.int64(0)
        nh = np.int64(0)
        for t in range(a, b):
            v = x[t]
            if not math.isnan(v):
                if nl == 0 or v <= -low[0]:
                    nl = _heap_push(low, nl, v, -1.0)
                else:
                    nh = _heap_push(high, nh, v, 1.0)
                if nl > nh + 1:
                    top, nl = _heap_pop(low, nl)
                    nh = _heap_push(high, nh, -top, 1.0)
                elif nh > nl:
                    top, nh = _heap_pop(high, nh)
                    nl = _heap_push(low, nl, top, -1.0)
            m = nl + nh
            if m < need:
                out[t] = np.nan
                status[t] = TOO_FEW
            elif m % 2 == 1:
                out[t] = -low[0]
                status[t] = OK
            else:
                out[t] = 0.5 * (-low[0] + high[0])
                status[t] = OK


@njit(cache=True, nogil=True)
def median_panel(x, offsets, window, min_periods, out, status):
    """Rolling or expanding median of the non-missing values (median daily volume).

    Parameters
    ----------
    x : float64[n_rows]
        Values (NaN = missing period, skipped).
    offsets : int64[n_symbols + 1]
        Row range of each symbol.
    window : int
        Periods per window (``<= 0`` expanding).
    min_periods : int
        Fewest non-missing values for a median.
    out, status : float64[n_rows], int8[n_rows]
        Median (the mean of the two middle values for an even count) and status code.
    """
    for s in range(offsets.shape[0] - 1):
        _median_segment(x, offsets[s], offsets[s + 1], window, min_periods, out, status)
