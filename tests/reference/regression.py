"""Slow twins of liqcost.kernels.regression (numpy least squares on the raw data)."""

from __future__ import annotations

import numpy as np


def ols(x, y, min_n):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n < max(min_n, 3) or np.var(x) == 0:
        return np.full(3, np.nan)
    X = np.column_stack([np.ones(n), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = resid @ resid / (n - 2)
    cov = s2 * np.linalg.inv(X.T @ X)
    return np.array([beta[1], np.sqrt(cov[1, 1]), beta[0]])


def pooled_within(groups, min_n):
    """groups: list of (x, y) arrays; one dummy per group (least squares with group intercepts)."""
    xs, ys, ds = [], [], []
    g_used = 0
    for x, y in groups:
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() == 0:
            continue
        xs.append(x[ok])
        ys.append(y[ok])
        ds.append(np.full(ok.sum(), g_used))
        g_used += 1
    n = sum(len(x) for x in xs)
    out = np.array([np.nan, np.nan, float(n)])
    if n == 0:
        return out
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    d = np.concatenate(ds)
    if n < max(min_n, 3) or n - g_used - 1 < 1:
        return out
    X = np.column_stack([x] + [(d == k).astype(float) for k in range(g_used)])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return out
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = resid @ resid / (n - g_used - 1)
    cov = s2 * np.linalg.inv(X.T @ X)
    out[0] = beta[0]
    out[1] = np.sqrt(cov[0, 0])
    return out
