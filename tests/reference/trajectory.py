"""Slow, obviously correct references for the Almgren-Chriss trajectory (dense algebra and brute force)."""

from __future__ import annotations

import numpy as np


def ac_objective(x_inner, X, tau, sigma, eta, gamma, lam, epsilon=0.0):
    """E + lambda V of Almgren & Chriss (2000) for holdings x_1..x_{N-1} (x_0 = X, x_N = 0), uniform tau."""
    x = np.concatenate([[X], x_inner, [0.0]])
    n = -np.diff(x)
    e = 0.5 * gamma * X**2 + epsilon * np.abs(n).sum() + (eta - 0.5 * gamma * tau) / tau * np.sum(n**2)
    v = sigma**2 * tau * np.sum(x[1:] ** 2)
    return e + lam * v


def ac_brute_force(X, T, N, sigma, eta, gamma, lam):
    """Minimise E + lambda V numerically (scipy), starting from the straight line."""
    from scipy.optimize import minimize

    tau = T / N
    x0 = X * (1 - np.arange(1, N) / N)
    scale = max(abs(X), 1.0)
    res = minimize(lambda y: ac_objective(y * scale, X, tau, sigma, eta, gamma, lam) / scale**2 * 1e6, x0 / scale,
                   method="BFGS", options={"gtol": 1e-12, "maxiter": 10_000})
    return np.concatenate([[X], res.x * scale, [0.0]])


def general_holdings_dense(X, v, d, k2):
    """Solve the first-order conditions of sum n^2/v + k2 sum d x^2 with a dense matrix."""
    v = np.asarray(v, float)
    d = np.asarray(d, float)
    N = v.size
    if N == 1:
        return np.array([X, 0.0])
    A = np.zeros((N - 1, N - 1))
    b = np.zeros(N - 1)
    for j in range(1, N):  # unknown x_j, row j-1
        A[j - 1, j - 1] = 1 / v[j - 1] + 1 / v[j] + k2 * d[j - 1]
        if j - 2 >= 0:
            A[j - 1, j - 2] = -1 / v[j - 1]
        else:
            b[j - 1] += X / v[j - 1]
        if j < N - 1:
            A[j - 1, j] = -1 / v[j]
    return np.concatenate([[X], np.linalg.solve(A, b), [0.0]])
