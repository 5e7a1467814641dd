"""Least squares from sufficient statistics: per-day regressions that pool exactly over any window.

A regression ``y = a + b x + e`` is summarised by ``[n, sx, sy, sxx, sxy, syy]``; the sums of several
days can be pooled with a separate intercept per day (within-day demeaning) without touching the data
again, which is how the liquidity profile turns daily Kyle's lambdas into a lookback estimate.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

__all__ = ["ols_add", "ols_from_sums", "ols_sums", "pooled_within_from_sums"]


@njit(cache=True, nogil=True, error_model="numpy")
def ols_sums(x, y):
    """Sufficient statistics of the pairs where both ``x`` and ``y`` are finite.

    Returns
    -------
    float64[6]
        ``[n, sum x, sum y, sum x^2, sum x y, sum y^2]``.
    """
    out = np.zeros(6)
    for i in range(x.shape[0]):
        ols_add(out, x[i], y[i])
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def ols_add(sums, a, b):
    """Add the pair ``(a, b)`` to the sums ``[n, sx, sy, sxx, sxy, syy]`` in place, when both are finite."""
    if a == a and b == b and abs(a) < np.inf and abs(b) < np.inf:
        sums[0] += 1.0
        sums[1] += a
        sums[2] += b
        sums[3] += a * a
        sums[4] += a * b
        sums[5] += b * b


@njit(cache=True, nogil=True, error_model="numpy")
def ols_from_sums(s, min_n):
    """Slope, its standard error and the intercept of ``y = a + b x`` from :func:`ols_sums`.

    Returns
    -------
    float64[3]
        ``[slope, se_slope, intercept]`` (units of y per unit of x); NaN when ``n < max(min_n, 3)`` or x
        has no variance. The standard error is the classical OLS one, ``sqrt(s^2 / Sxx)`` with
        ``s^2 = SSR / (n - 2)``.
    """
    out = np.full(3, np.nan)
    _ols_into(s, min_n, out)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def ols_rows(sums, min_n, out):
    """:func:`ols_from_sums` of every row of ``sums`` (float64[k, 6]) into ``out`` (float64[k, 3]): one call
    for a table of days instead of a call (and an allocation) per day."""
    for i in range(sums.shape[0]):
        row = out[i]
        row[0] = np.nan
        row[1] = np.nan
        row[2] = np.nan
        _ols_into(sums[i], min_n, row)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _ols_into(s, min_n, out):
    """The body of :func:`ols_from_sums`: writes ``out[0:3]`` when defined, leaves it otherwise."""
    n = s[0]
    if n < (min_n if min_n > 3 else 3):
        return
    sxx = s[3] - s[1] * s[1] / n
    sxy = s[4] - s[1] * s[2] / n
    syy = s[5] - s[2] * s[2] / n
    if not (sxx > 0.0):
        return
    b = sxy / sxx
    ssr = _residual_ss(syy, b, sxy, s[5])
    out[0] = b
    out[1] = math.sqrt(ssr / (n - 2.0) / sxx)
    out[2] = (s[2] - b * s[1]) / n


@njit(cache=True, nogil=True, error_model="numpy")
def pooled_within_from_sums(sums, min_n):
    """Pooled slope with one intercept per group (within estimator) from per-group sums.

    Parameters
    ----------
    sums : float64[g, 6]
        One row of :func:`ols_sums` per group (day); rows with n = 0 are ignored.
    min_n : int
        Fewest observations in total.

    Returns
    -------
    float64[3]
        ``[slope, se_slope, n]``; the residual variance has ``n - groups - 1`` degrees of freedom.
    """
    out = np.full(3, np.nan)
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    raw_yy = 0.0
    n = 0.0
    groups = 0
    for g in range(sums.shape[0]):
        k = sums[g, 0]
        if k <= 0:
            continue
        groups += 1
        n += k
        sxx += sums[g, 3] - sums[g, 1] * sums[g, 1] / k
        sxy += sums[g, 4] - sums[g, 1] * sums[g, 2] / k
        syy += sums[g, 5] - sums[g, 2] * sums[g, 2] / k
        raw_yy += sums[g, 5]
    out[2] = n
    dof = n - groups - 1.0
    if n < max(min_n, 3) or dof < 1.0 or not (sxx > 0.0):
        return out
    b = sxy / sxx
    ssr = _residual_ss(syy, b, sxy, raw_yy)
    out[0] = b
    out[1] = math.sqrt(ssr / dof / sxx)
    return out


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _residual_ss(syy, b, sxy, raw_yy):
    """Residual sum of squares ``Syy - b Sxy``, floored at 0 when it is below the rounding noise.

    ``Syy`` is a difference of raw sums (``sum y^2 - (sum y)^2 / n``), so its absolute error is a few
    ulps of ``sum y^2``; a residual smaller than ``1e-12 * sum y^2`` cannot be told from an exact fit and
    is returned as 0 (otherwise the square root turns 1e-13 of cancellation noise into a 1e-6 standard
    error).
    """
    ssr = syy - b * sxy
    if ssr <= 1e-12 * raw_yy:
        return 0.0
    return ssr
