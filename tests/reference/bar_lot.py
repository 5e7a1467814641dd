"""Slow twin of liqcost.kernels.bar_lot: LOT maximum likelihood, one symbol, every window from scratch."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, stats


def lot_loglik(params, r, m):
    """LOT (1999) log-likelihood in the original parameters (alpha1, alpha2, beta, log sigma)."""
    a1, a2, beta, log_sigma = params
    sigma = math.exp(log_sigma)
    mu = beta * m
    neg, pos, zero = r < 0, r > 0, r == 0
    ll = np.sum(stats.norm.logpdf(r[neg] + a1, loc=mu[neg], scale=sigma))
    ll += np.sum(stats.norm.logpdf(r[pos] + a2, loc=mu[pos], scale=sigma))
    p = stats.norm.cdf((a2 - mu[zero]) / sigma) - stats.norm.cdf((a1 - mu[zero]) / sigma)
    if np.any(p <= 0):
        return -np.inf
    return ll + np.sum(np.log(p))


def lot_fit(r, m, use_beta=True):
    """Maximum likelihood with scipy (bounded L-BFGS-B from several starts): (alpha1, alpha2, beta, sigma)."""
    r = np.asarray(r, dtype=float)
    m = np.asarray(m, dtype=float) if use_beta else np.zeros_like(r)
    sd = np.std(r, ddof=1)
    best = None
    for scale in (0.25, 0.5, 1.0, 2.0):
        x0 = [-scale * sd, scale * sd, 0.0, math.log(sd)]
        bounds = [(None, 0.0), (0.0, None), (None, None) if use_beta else (0.0, 0.0), (None, None)]
        with warnings.catch_warnings():  # finite differences across log(0) while exploring
            warnings.simplefilter("ignore", RuntimeWarning)
            res = optimize.minimize(lambda p: -lot_loglik(p, r, m), x0, method="L-BFGS-B", bounds=bounds,
                                    options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
        if best is None or res.fun < best.fun:
            best = res
    a1, a2, beta, ls = best.x
    return a1, a2, beta, math.exp(ls), -best.fun
