"""Shared numerics of the bar estimators: panel layout, status codes, compensated and pairwise sums,
window arithmetic, the normal quantile.

Panel layout
------------
Every bar kernel (:mod:`bar_roll <liqcost.kernels.bar_roll>`, :mod:`bar_cs <liqcost.kernels.bar_cs>`,
:mod:`bar_ar <liqcost.kernels.bar_ar>`, :mod:`bar_edge <liqcost.kernels.bar_edge>`,
:mod:`bar_zero <liqcost.kernels.bar_zero>`, :mod:`bar_lot <liqcost.kernels.bar_lot>`,
:mod:`bar_volume <liqcost.kernels.bar_volume>`, :mod:`bar_volatility <liqcost.kernels.bar_volatility>`)
takes a panel as flat float64 arrays holding each symbol's periods one after the other (oldest first
within a symbol) and ``offsets`` (int64, length ``n_symbols + 1``): symbol ``s`` owns rows
``offsets[s]:offsets[s + 1]``. A period without a bar is a row of NaN (the caller builds a regular grid of
trading days), so a lag is always "the previous trading day", never "the previous bar that exists".
The panels loop over the symbols in order (no ``prange``): each symbol is computed on its own, so a
caller may run disjoint symbol ranges (``offsets[s0:s1 + 1]``) on several threads, the kernels being
``nogil``.

Prices are passed as natural logs (``lo, lh, ll, lc`` = log open, high, low, close) except for
Corwin-Schultz, whose overnight adjustment shifts price levels and therefore takes the raw prices.
Callers must set non-positive prices to NaN before taking logs.

Windows
-------
``window > 0``: the estimate at row ``t`` uses the ``window`` periods ending at ``t`` (rows
``t - window + 1 .. t``); an estimator that needs lagged prices uses only lags inside the window, so a
window of ``w`` bars gives ``w - 1`` one-day returns (the convention of ``bidask.edge_rolling``).
``window <= 0``: expanding window from the symbol's first row. The full-sample value of an estimator is
its expanding value at the symbol's last row (except EDGE, which has its own full-sample kernel that
reproduces ``bidask.edge``).

``min_periods`` counts bars: an estimator built on one-day returns needs at least ``min_periods - 1``
valid returns in the window, one built on two consecutive returns (Roll) ``min_periods - 2`` pairs,
one built on single bars (Parkinson ...) ``min_periods`` bars. Each estimator also has its own floor
(two pairs for a covariance, ...).

Outputs and status codes
------------------------
Outputs are preallocated by the caller: ``out`` (float64) and ``status`` (int8), one entry per row (or
per symbol for the full-sample EDGE kernel). A NaN output always comes with a non-zero status saying why
(see :data:`REASONS`); the kernels never raise and never return a silent 0.

Units: spreads are fractions of the midpoint (0.01 = 1% = 100 bps), volatilities fractions per period,
volumes in shares, dollar volumes in currency.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

__all__ = [
    "LOG_SQRT2PI",
    "NEGATIVE",
    "NEGATIVE_SQUARE",
    "NOT_CONVERGED",
    "NOT_IDENTIFIED",
    "NO_SHARES",
    "NO_VARIATION",
    "NO_VOLUME",
    "NO_ZERO_RETURNS",
    "OK",
    "REASONS",
    "SQRT2",
    "SQRT2PI",
    "TOO_FEW",
    "ZERO_REL",
    "first_return",
    "min_count",
    "nadd",
    "nanmean",
    "ndtri",
    "pair_window",
    "pairwise_sum",
    "signbit",
    "window_start",
]

# ------------------------------------------------------------------------------------ status codes

OK = 0  #: value defined
TOO_FEW = 1  #: fewer valid observations in the window than required
NO_VARIATION = 2  #: prices do not move in the window (all returns / ranges zero): estimator undefined
NEGATIVE = 3  #: the moment condition is negative (Roll: non-negative autocovariance; CS/AR: negative mean)
NO_ZERO_RETURNS = 4  #: FHT / LOT: no zero-return day, the cost is below the price resolution (not identified)
NO_VOLUME = 5  #: Amihud: no day with positive volume and a valid return
NO_SHARES = 6  #: turnover: shares outstanding unknown in the window
NOT_CONVERGED = 7  #: LOT maximum likelihood: Newton iterations did not converge
NOT_IDENTIFIED = 8  #: LOT: needs positive, negative and zero returns in the window
NEGATIVE_SQUARE = 9  #: EDGE: the squared-spread estimate was negative; the value is sqrt(|s2|) (bidask's default)

#: reason text per status code (index = code); "" for a defined value
REASONS = (
    "",
    "too_few_bars",
    "no_price_variation",
    "negative_estimate",
    "no_zero_returns",
    "no_volume",
    "no_shares_outstanding",
    "not_converged",
    "not_identified",
    "negative_square",
)

SQRT2 = math.sqrt(2.0)
SQRT2PI = math.sqrt(2.0 * math.pi)
LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
#: a moment whose size is below this fraction of its natural scale is zero up to rounding (prices on a
#: tick grid make exact zeros common); it then counts as non-positive, so the estimate is NaN, not a
#: root of rounding noise.
ZERO_REL = 1e-10


# ------------------------------------------------------------------------------------------ helpers


@njit(cache=True, nogil=True, inline="always")
def nadd(s, c, v):
    """Neumaier compensated addition: returns the new (sum, compensation); the total is ``s + c``."""
    t = s + v
    if abs(s) >= abs(v):
        c += (s - t) + v
    else:
        c += (v - t) + s
    return t, c


@njit(cache=True, nogil=True, inline="always")
def window_start(window, lag, n):
    """Number of contribution rows in a window (``window - lag``), or ``n`` for an expanding window."""
    if window <= 0:
        return n + 1
    return window - lag


@njit(cache=True, nogil=True, inline="always")
def min_count(min_periods, lag, floor):
    """Fewest contributions a window needs: ``min_periods - lag`` bars' worth, at least ``floor``."""
    k = min_periods - lag
    return floor if floor > k else k


@njit(cache=True, nogil=True, **INNER)
def _pairwise_leaf(a, lo, n):
    """numpy's pairwise-sum leaf (``n <= 128``): eight accumulators, then the remainder."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    stop = n - (n % 8)
    while i < stop:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def pairwise_sum(a, lo, n):
    """Sum of ``a[lo:lo + n]`` with numpy's pairwise algorithm (bit-identical to ``np.sum``).

    numpy sums a contiguous float64 array with eight accumulators up to 128 elements and by recursive
    halving (at a multiple of 8) above; reproducing the order makes means identical to ``np.nanmean``.
    The recursion is unrolled onto an explicit stack (recursive functions do not survive numba's
    cache in parallel kernels).
    """
    if n <= 128:
        return _pairwise_leaf(a, lo, n)
    f_lo = np.empty(64, dtype=np.int64)
    f_n = np.empty(64, dtype=np.int64)
    f_state = np.empty(64, dtype=np.int64)
    vals = np.empty(64)
    nf = 0
    nv = 0
    f_lo[0] = lo
    f_n[0] = n
    f_state[0] = 0
    nf = 1
    while nf > 0:
        k = nf - 1
        m = f_n[k]
        if m <= 128:
            vals[nv] = _pairwise_leaf(a, f_lo[k], m)
            nv += 1
            nf -= 1
            continue
        n2 = m // 2
        n2 -= n2 % 8
        if f_state[k] == 0:
            f_state[k] = 1
            f_lo[nf] = f_lo[k]
            f_n[nf] = n2
            f_state[nf] = 0
            nf += 1
        elif f_state[k] == 1:
            f_state[k] = 2
            f_lo[nf] = f_lo[k] + n2
            f_n[nf] = m - n2
            f_state[nf] = 0
            nf += 1
        else:
            right = vals[nv - 1]
            left = vals[nv - 2]
            nv -= 2
            vals[nv] = left + right
            nv += 1
            nf -= 1
    return vals[0]


@njit(cache=True, nogil=True)
def nanmean(x, tmp):
    """``np.nanmean(x)`` bit for bit: NaN replaced by 0, pairwise sum, divided by the non-NaN count."""
    n = x.shape[0]
    cnt = 0
    for i in range(n):
        v = x[i]
        if math.isnan(v):
            tmp[i] = 0.0
        else:
            tmp[i] = v
            cnt += 1
    if cnt == 0:
        return np.nan
    return pairwise_sum(tmp, np.int64(0), n) / cnt


@njit(cache=True, nogil=True)
def ndtri(p):
    """Inverse of the standard normal CDF, accurate to a few ulp on (0, 1).

    Acklam's rational approximation (relative error 1.2e-9) refined by one Halley step on
    ``erfc``; computed in the lower tail and mirrored, so ``p`` close to 1 keeps its precision when
    the caller passes ``1 - p`` to the lower tail. Returns -inf at 0, +inf at 1, NaN outside [0, 1].
    """
    if not (p >= 0.0 and p <= 1.0):
        return np.nan
    if p == 0.0:
        return -np.inf
    if p == 1.0:
        return np.inf
    if p > 0.5:
        return -_ndtri_lower(1.0 - p)
    return _ndtri_lower(p)


@njit(cache=True, nogil=True, **INNER)
def _ndtri_lower(p):
    # p in (0, 0.5]
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e00) * q
               - 2.549732539343734e00) * q + 4.374664141464968e00) * q + 2.938163982698783e00) / (
            (((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e00) * q
             + 3.754408661907416e00) * q + 1.0)
    else:
        q = p - 0.5
        r = q * q
        x = (((((-3.969683028665376e01 * r + 2.209460984245205e02) * r - 2.759285104469687e02) * r
               + 1.383577518672690e02) * r - 3.066479806614716e01) * r + 2.506628277459239e00) * q / (
            ((((-5.447609879822406e01 * r + 1.615858368580409e02) * r - 1.556989798598866e02) * r
              + 6.680131188771972e01) * r - 1.328068155288572e01) * r + 1.0)
    # two Halley steps on Phi(x) - p (Phi in the lower tail via erfc keeps relative precision)
    for _ in range(2):
        e = 0.5 * math.erfc(-x / SQRT2) - p
        u = e * SQRT2PI * math.exp(0.5 * x * x)
        x = x - u / (1.0 + 0.5 * x * u)
    return x


@njit(cache=True, nogil=True)
def signbit(v):
    """True for a negative number, -0.0 included (as ``numpy.signbit``)."""
    return math.copysign(1.0, v) < 0.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def first_return(lc, a, b):
    """The first finite log return of rows ``a..b``, 0 if none: the shift that keeps running sums of
    returns and their squares free of cancellation."""
    for t in range(a + 1, b):
        r = lc[t] - lc[t - 1]
        if math.isfinite(r):
            return r
    return 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def pair_window(pair_v, pair_a, pair_f, a, b, window, min_periods, two_day, signed, root, out, status):
    """Rolling (or expanding) mean of per-bar two-day contributions, shared by Corwin-Schultz and
    Abdi-Ranaldo.

    ``pair_v[t - a]`` is what bar ``t`` adds to the window sum, ``pair_a`` its absolute raw value (for
    the zero tolerance) and ``pair_f`` its flags (bit 0 defined, bit 1 informative, bit 2 positive).
    Each contribution enters and leaves the window once (compensated sums, ``nadd``). With
    ``two_day`` the window value is the mean of the (floored) contributions, NaN ``NEGATIVE`` when none
    is positive; otherwise the mean ``m`` (its root when ``root``), NaN ``NEGATIVE`` when ``m`` is not
    above the tolerance unless ``signed`` (then ``m``, or ``-sqrt(-m)``, or 0 within the tolerance).
    """
    n = b - a
    lag = 1
    wc = window_start(window, lag, n)
    need = min_count(min_periods, lag, 1)
    s = cs = sa = ca = 0.0
    cnt = 0
    informative = 0
    positive = 0
    for t in range(a, b):
        if t - a >= lag and wc > 0:
            f = pair_f[t - a]
            if (f & 1) != 0:
                s, cs = nadd(s, cs, pair_v[t - a])
                sa, ca = nadd(sa, ca, pair_a[t - a])
                cnt += 1
                informative += (f >> 1) & 1
                positive += (f >> 2) & 1
        j = t - wc
        if wc > 0 and j - a >= lag:
            f = pair_f[j - a]
            if (f & 1) != 0:
                s, cs = nadd(s, cs, -pair_v[j - a])
                sa, ca = nadd(sa, ca, -pair_a[j - a])
                cnt -= 1
                informative -= (f >> 1) & 1
                positive -= (f >> 2) & 1
        if cnt < need or wc <= 0:
            out[t] = np.nan
            status[t] = TOO_FEW
        elif informative == 0:
            out[t] = np.nan
            status[t] = NO_VARIATION
        elif two_day:
            if positive == 0:
                out[t] = np.nan
                status[t] = NEGATIVE
            else:
                out[t] = (s + cs) / cnt
                status[t] = OK
        else:
            m = (s + cs) / cnt
            tol = ZERO_REL * (sa + ca) / cnt
            if m > tol:
                out[t] = math.sqrt(m) if root else m
                status[t] = OK
            elif signed:
                if m < -tol:
                    out[t] = -math.sqrt(-m) if root else m
                else:
                    out[t] = 0.0
                status[t] = OK
            else:
                out[t] = np.nan
                status[t] = NEGATIVE
