"""LOT (Lesmond, Ogden and Trzcinka 1999) round-trip cost by maximum likelihood.

Panel layout, windows, ``min_periods`` and status codes: :mod:`liqcost.kernels.bar_numerics`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

from .bar_numerics import (
    LOG_SQRT2PI,
    NO_VARIATION,
    NO_ZERO_RETURNS,
    NOT_CONVERGED,
    NOT_IDENTIFIED,
    OK,
    SQRT2,
    SQRT2PI,
    TOO_FEW,
    min_count,
    ndtri,
    window_start,
)

__all__ = ["lot_fit", "lot_panel"]


@njit(cache=True, nogil=True, **INNER)
def _phi_interval(lo_, up):
    """P(lo_ <= Z <= up) for standard normal Z, computed in the tail that keeps precision."""
    if up <= lo_:
        return 0.0
    if lo_ > 0.0:
        return 0.5 * (math.erfc(lo_ / SQRT2) - math.erfc(up / SQRT2))
    if up < 0.0:
        return 0.5 * (math.erfc(-up / SQRT2) - math.erfc(-lo_ / SQRT2))
    return 1.0 - 0.5 * math.erfc(up / SQRT2) - 0.5 * math.erfc(-lo_ / SQRT2)


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _lot_eval(theta, free, r, mk, n, grad, hess):
    """Log-likelihood of the LOT model in Olsen's parametrization, with gradient and Hessian.

    ``theta = (g, a1, a2, b)`` with ``g = 1/sigma``, ``a1 = alpha1/sigma``, ``a2 = alpha2/sigma``,
    ``b = beta/sigma``; the log-likelihood is concave in ``theta``. Fixed parameters (``free[i] ==
    False``) get a zero gradient and an identity block in the Hessian so that Newton leaves them alone.
    """
    g = theta[0]
    a1 = theta[1]
    a2 = theta[2]
    b = theta[3]
    for i in range(4):
        grad[i] = 0.0
        for j in range(4):
            hess[i, j] = 0.0
    if not (g > 0.0):
        return -np.inf
    ll = 0.0
    lg = math.log(g)
    for i in range(n):
        ri = r[i]
        mi = mk[i]
        if ri != 0.0:
            ia = 1 if ri < 0.0 else 2
            z = g * ri + theta[ia] - b * mi
            ll += -0.5 * z * z + lg - LOG_SQRT2PI
            # d z / d theta = (r, 1 at ia, -m)
            grad[0] += -z * ri + 1.0 / g
            grad[ia] += -z
            grad[3] += z * mi
            hess[0, 0] += -ri * ri - 1.0 / (g * g)
            hess[0, ia] += -ri
            hess[ia, 0] += -ri
            hess[0, 3] += ri * mi
            hess[3, 0] += ri * mi
            hess[ia, ia] += -1.0
            hess[ia, 3] += mi
            hess[3, ia] += mi
            hess[3, 3] += -mi * mi
        else:
            up = a2 - b * mi
            lo_ = a1 - b * mi
            p = _phi_interval(lo_, up)
            if not (p > 0.0):
                return -np.inf
            ll += math.log(p)
            du = math.exp(-0.5 * up * up) / SQRT2PI
            dl = math.exp(-0.5 * lo_ * lo_) / SQRT2PI
            fu = du / p
            fl = -dl / p
            fuu = -up * du / p - fu * fu
            fll = lo_ * dl / p - fl * fl
            ful = -fu * fl
            grad[2] += fu
            grad[1] += fl
            grad[3] += -mi * (fu + fl)
            hess[2, 2] += fuu
            hess[1, 1] += fll
            hess[1, 2] += ful
            hess[2, 1] += ful
            hess[3, 3] += mi * mi * (fuu + 2.0 * ful + fll)
            hess[2, 3] += -mi * (fuu + ful)
            hess[3, 2] += -mi * (fuu + ful)
            hess[1, 3] += -mi * (ful + fll)
            hess[3, 1] += -mi * (ful + fll)
    for i in range(4):
        if not free[i]:
            grad[i] = 0.0
            for j in range(4):
                hess[i, j] = 0.0
                hess[j, i] = 0.0
            hess[i, i] = -1.0
    return ll


@njit(cache=True, nogil=True, **INNER)
def _solve_neg(hess, grad, step):
    """Solve ``(-H + mu I) step = grad`` by Cholesky, raising ``mu`` until it is positive definite."""
    A = np.empty((4, 4))
    L = np.zeros((4, 4))
    mu = 0.0
    for _attempt in range(30):
        for i in range(4):
            for j in range(4):
                A[i, j] = -hess[i, j]
            A[i, i] += mu
        ok = True
        for i in range(4):
            for j in range(i + 1):
                acc = A[i, j]
                for k in range(j):
                    acc -= L[i, k] * L[j, k]
                if i == j:
                    if acc <= 0.0 or not math.isfinite(acc):
                        ok = False
                        break
                    L[i, i] = math.sqrt(acc)
                else:
                    L[i, j] = acc / L[j, j]
            if not ok:
                break
        if ok:
            y = np.empty(4)
            for i in range(4):
                acc = grad[i]
                for k in range(i):
                    acc -= L[i, k] * y[k]
                y[i] = acc / L[i, i]
            for i in range(3, -1, -1):
                acc = y[i]
                for k in range(i + 1, 4):
                    acc -= L[k, i] * step[k]
                step[i] = acc / L[i, i]
            return True
        mu = 1e-8 if mu == 0.0 else mu * 10.0
    return False


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _lot_newton(theta, free, r, mk, n):
    """Maximize the concave LOT log-likelihood from ``theta`` (in place); returns (loglik, converged)."""
    grad = np.empty(4)
    hess = np.empty((4, 4))
    g2 = np.empty(4)
    h2 = np.empty((4, 4))
    step = np.empty(4)
    trial = np.empty(4)
    ll = _lot_eval(theta, free, r, mk, n, grad, hess)
    if not math.isfinite(ll):
        return ll, False
    for _it in range(100):
        if not _solve_neg(hess, grad, step):
            return ll, False
        dec = 0.0
        for i in range(4):
            dec += grad[i] * step[i]
        if dec < 1e-14 * (1.0 + abs(ll)):
            return ll, True
        t = 1.0
        accepted = False
        for _ls in range(60):
            for i in range(4):
                trial[i] = theta[i] + t * step[i]
            ll2 = _lot_eval(trial, free, r, mk, n, g2, h2)
            if math.isfinite(ll2) and ll2 >= ll + 1e-4 * t * dec:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            # no ascent possible along the Newton direction: at the optimum up to rounding
            return ll, dec < 1e-8 * (1.0 + abs(ll))
        for i in range(4):
            theta[i] = trial[i]
            grad[i] = g2[i]
            for j in range(4):
                hess[i, j] = h2[i, j]
        ll = ll2
    return ll, False


@njit(cache=True, nogil=True, error_model="numpy")
def lot_fit(r, mk, n, use_beta, result):
    """Fit the LOT model to ``n`` returns by maximum likelihood; returns a status code.

    Parameters
    ----------
    r : float64[>= n]
        Stock returns (log, close to close); exact zeros are the no-trade observations.
    mk : float64[>= n]
        Market returns on the same days (ignored when ``use_beta`` is False).
    n : int
        Number of observations used.
    use_beta : bool
        Estimate the market beta; False fixes it at 0.
    result : float64[5]
        Written in place: ``alpha1`` (<= 0, sell-side threshold), ``alpha2`` (>= 0, buy side), ``beta``,
        ``sigma`` (fraction per period), log-likelihood.

    Notes
    -----
    Lesmond, Ogden and Trzcinka (1999), RFS 12(5), Eq. (4)-(6): the true return ``R* = beta R_m + e``,
    ``e ~ N(0, sigma^2)``; the measured return is ``R* - alpha1`` below ``alpha1``, ``R* - alpha2`` above
    ``alpha2`` and 0 in between. Observations are split by the sign of the measured return (the
    "Y-split" of Goyenko, Holden and Trzcinka 2009, which is the model's own partition). The
    log-likelihood is concave in Olsen's parametrization ``(1/sigma, alpha1/sigma, alpha2/sigma,
    beta/sigma)``; Newton's method with backtracking finds the maximum, and the sign constraints
    ``alpha1 <= 0 <= alpha2`` are handled by comparing the feasible optima of the faces (exact for a
    concave objective).
    """
    n_pos = 0
    n_neg = 0
    n_zero = 0
    s1 = 0.0
    s2 = 0.0
    for i in range(n):
        v = r[i]
        if v > 0.0:
            n_pos += 1
        elif v < 0.0:
            n_neg += 1
        else:
            n_zero += 1
        s1 += v
        s2 += v * v
    for i in range(5):
        result[i] = np.nan
    if n_zero == 0:
        return NO_ZERO_RETURNS
    if n_pos == 0 or n_neg == 0:
        return NOT_IDENTIFIED
    mean = s1 / n
    var = (s2 - n * mean * mean) / (n - 1) if n > 1 else 0.0
    if not (var > 0.0):
        return NO_VARIATION
    sigma0 = math.sqrt(var)
    z = n_zero / n
    c0 = -ndtri((1.0 - z) / 2.0)
    if not (c0 > 1e-3):
        c0 = 1e-3
    best_ll = -np.inf
    best = np.empty(4)
    best_conv = False
    theta = np.empty(4)
    free = np.empty(4, dtype=np.bool_)
    # candidate faces: free, alpha1 = 0, alpha2 = 0 (both zero is infeasible with zero returns)
    for face in range(3):
        theta[0] = 1.0 / sigma0
        theta[1] = -c0 if face != 1 else 0.0
        theta[2] = c0 if face != 2 else 0.0
        theta[3] = 0.0
        free[0] = True
        free[1] = face != 1
        free[2] = face != 2
        free[3] = use_beta
        ll, conv = _lot_newton(theta, free, r, mk, n)
        if not math.isfinite(ll):
            continue
        feasible = theta[1] <= 0.0 and theta[2] >= 0.0 and theta[0] > 0.0
        if feasible and ll > best_ll:
            best_ll = ll
            best_conv = conv
            for i in range(4):
                best[i] = theta[i]
        if face == 0 and feasible:
            break  # the unconstrained optimum is feasible: it is the constrained optimum
    if not math.isfinite(best_ll):
        return NOT_CONVERGED
    sig = 1.0 / best[0]
    result[0] = best[1] * sig
    result[1] = best[2] * sig
    result[2] = best[3] * sig
    result[3] = sig
    result[4] = best_ll
    return OK if best_conv else NOT_CONVERGED


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _lot_segment(lc, mkt, a, b, window, min_periods, use_beta, last_only, out, status):
    n = b - a
    if n <= 0:
        return
    lag = 1
    wc = window_start(window, lag, n)
    need = min_count(min_periods, lag, 3)
    r = np.empty(n)
    mk = np.empty(n)
    res = np.empty(5)
    first = b - 1 if last_only else a
    for t in range(first, b):
        lo_row = a + lag
        if window > 0:
            start = t - wc + 1
            lo_row = max(lo_row, start)
        m = np.int64(0)
        for j in range(lo_row, t + 1):
            v = lc[j] - lc[j - 1]
            if not math.isfinite(v):
                continue
            mv = mkt[j] if use_beta else 0.0
            if not math.isfinite(mv):
                continue
            r[m] = v
            mk[m] = mv
            m += 1
        if m < need or wc <= 0:
            out[t] = np.nan
            status[t] = TOO_FEW
            continue
        st = lot_fit(r, mk, m, use_beta, res)
        if st == OK:
            out[t] = res[1] - res[0]
        else:
            out[t] = np.nan
        status[t] = st


@njit(cache=True, nogil=True)
def lot_panel(lc, mkt, offsets, window, min_periods, use_beta, last_only, out, status):
    """LOT (Lesmond, Ogden and Trzcinka 1999) round-trip cost ``alpha2 - alpha1`` by maximum likelihood.

    Parameters
    ----------
    lc : float64[n_rows]
        Log close.
    mkt : float64[n_rows]
        Market log return on each row's date (NaN excludes the day when ``use_beta``).
    offsets : int64[n_symbols + 1]
        Row range of each symbol.
    window, min_periods : int
        Rolling window in bars (``<= 0`` expanding) and fewest bars (``max(3, min_periods - 1)`` returns).
    use_beta : bool
        Estimate the market beta (else the true return is pure noise around zero).
    last_only : bool
        Fit only the last row of each symbol (the full-sample estimate); other rows are left untouched.
    out, status : float64[n_rows], int8[n_rows]
        Round-trip cost (fraction of the price) and status code.

    Notes
    -----
    See :func:`lot_fit` for the likelihood (LOT 1999, Eq. 4-6). Each window is a separate maximum
    likelihood fit (about 5-15 Newton steps), so rolling LOT costs far more than the moment estimators.
    Known biases: with few observations the thresholds are poorly identified and the estimate is
    noisy; zero returns caused by price discreteness are read as trading costs; the model assumes the
    marginal trader's cost is constant in the window and returns are normal (fat tails inflate
    ``sigma`` and the cost).

    Measured bias (thin-name simulator, docs/bar_estimators.md): +801% at 0.5 trade a day, +52% at 2,
    -66% at 5, -94% at 25 trades a day: a different notion of cost than the quoted spread when trades
    arrive regardless of information.
    """
    for s in range(offsets.shape[0] - 1):
        _lot_segment(lc, mkt, offsets[s], offsets[s + 1], window, min_periods, use_beta, last_only, out,
                     status)
