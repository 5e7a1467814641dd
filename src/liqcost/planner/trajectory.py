"""Trajectories of a parent order: Almgren-Chriss optimal execution, TWAP, VWAP and POV on one interface.

A trajectory says how many shares to trade in each interval of the plan's grid, before any participation
cap, lot rounding or limit price is applied (:mod:`liqcost.planner.schedule` does that). Every schedule is
called the same way, :func:`target_schedule`, over the same description of the grid:

* ``volume``: the market volume expected in each interval, shares;
* ``clock``: each interval's length in trading minutes;
* ``variance``: the return variance, in trading days, between the trade of one interval and the next
  (intraday time plus the overnight share of the day's variance when a night falls in between).

**Almgren-Chriss** (Almgren & Chriss 2000, "Optimal execution of portfolio transactions", Journal of Risk
3(2), 5-39). With linear temporary impact ``h(n/tau) = epsilon sgn(n) + eta n / tau`` and permanent impact
``g(v) = gamma v`` (section 1.5), a trade list ``n_k = x_{k-1} - x_k`` on ``N`` intervals of length ``tau``
has expected cost ``E = 1/2 gamma X^2 + epsilon sum |n_k| + (eta_tilde / tau) sum n_k^2`` with
``eta_tilde = eta - gamma tau / 2`` and variance ``V = sigma^2 tau sum_{k=1}^{N} x_k^2`` (sections 1.4-1.5).
Minimising ``E + lambda V`` gives (section 2.2, "Explicit construction of optimal strategies")

* ``x_j = sinh(kappa (T - t_j)) / sinh(kappa T) X``, ``j = 0..N`` (the trajectory),
* ``n_j = 2 sinh(kappa tau / 2) / sinh(kappa T) cosh(kappa (T - t_{j-1/2})) X`` (the trade list),
* with ``kappa`` solving ``(2 / tau^2)(cosh(kappa tau) - 1) = kappa_tilde^2 = lambda sigma^2 / eta_tilde``;
  ``1 / kappa`` is the half-life of the trade (section 2.3).

These are the solutions of the difference equation ``(x_{j-1} - 2 x_j + x_{j+1}) / tau^2 = kappa_tilde^2 x_j``,
the first-order condition of ``E + lambda V``. On a planner grid the intervals differ (U-shaped volume,
overnight gaps), so the planner solves the same first-order condition on the actual grid,
``minimise sum n_k^2 / v_k + kappa_tilde^2 sum d_k x_k^2`` with ``v_k`` the expected volume of interval ``k``
(impact is paid per unit of market volume, i.e. in volume time) and ``d_k`` the variance between trades:
a tridiagonal linear system (:func:`optimal_holdings`). On a uniform grid (``v_k = d_k = tau``) it *is*
the closed form above; as ``lambda -> 0`` it tends to ``n_k`` proportional to ``v_k`` (VWAP, or TWAP when
volume is uniform in clock time) and a large ``lambda`` front-loads the order.

**TWAP** trades in proportion to clock time, **VWAP** in proportion to expected volume, **POV** a fixed
share ``rate`` of the expected volume of every interval until the order is done.

Units: shares, trading days (``tau``, ``T``, ``d``), currency per share for prices and ``epsilon``,
``sigma`` in currency per share per square-root day, ``eta`` in currency per share per (share per day),
``gamma`` in currency per share squared, ``lambda`` per currency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SCHEDULES", "ACSolution", "ac_kappa", "almgren_chriss", "optimal_holdings", "target_schedule"]

SCHEDULES = ("ac", "twap", "vwap", "pov")


@dataclass(frozen=True)
class ACSolution:
    """The Almgren-Chriss optimal strategy on a uniform grid, with its cost and risk.

    Attributes
    ----------
    holdings : ndarray [N + 1]
        ``x_0 = X .. x_N = 0``, shares still to trade after each interval.
    trades : ndarray [N]
        ``n_1 .. n_N``, shares traded in each interval.
    kappa : float
        Urgency, per day (``1 / kappa`` is the half-life of the trade, days).
    kappa_tilde_sq : float
        ``lambda sigma^2 / eta_tilde``, per day squared.
    eta_tilde : float
        Temporary impact corrected for the discrete permanent impact, ``eta - gamma tau / 2``.
    expected_cost : float
        ``E[x]``, currency (implementation shortfall of the whole order).
    variance : float
        ``V[x]``, currency squared.
    """

    holdings: np.ndarray
    trades: np.ndarray
    kappa: float
    kappa_tilde_sq: float
    eta_tilde: float
    expected_cost: float
    variance: float

    @property
    def half_life(self) -> float:
        """``1 / kappa`` in days (infinite for a risk-neutral trader)."""
        return math.inf if self.kappa == 0 else 1.0 / self.kappa

    @property
    def std(self) -> float:
        """``sqrt(V)``: standard deviation of the cost, currency."""
        return math.sqrt(self.variance)


def ac_kappa(lam: float, sigma: float, eta: float, gamma: float, tau: float) -> tuple[float, float, float]:
    """``(kappa, kappa_tilde^2, eta_tilde)`` of Almgren & Chriss (2000), section 2.2.

    ``kappa_tilde^2 = lambda sigma^2 / eta_tilde`` and ``(2 / tau^2)(cosh(kappa tau) - 1) = kappa_tilde^2``.

    Raises
    ------
    ValueError
        When ``eta_tilde <= 0`` (permanent impact too large for the interval: the problem is not convex).
    """
    eta_tilde = eta - 0.5 * gamma * tau
    if not eta_tilde > 0:
        raise ValueError(f"eta - gamma tau / 2 must be positive, got {eta_tilde}")
    kt2 = lam * sigma**2 / eta_tilde
    kappa = math.acosh(1.0 + 0.5 * kt2 * tau**2) / tau
    return kappa, kt2, eta_tilde


def almgren_chriss(X: float, T: float, N: int, sigma: float, eta: float, gamma: float = 0.0, lam: float = 0.0,
                   epsilon: float = 0.0) -> ACSolution:
    """Closed-form Almgren-Chriss optimal trajectory on ``N`` equal intervals of ``[0, T]``.

    Parameters
    ----------
    X : float
        Shares to trade (the sign is kept: a negative X mirrors the trajectory).
    T : float
        Horizon, days.
    N : int
        Number of intervals, ``tau = T / N``.
    sigma : float
        Volatility, currency per share per sqrt(day).
    eta : float
        Temporary impact coefficient, currency per share per (share per day).
    gamma : float
        Permanent impact coefficient, currency per share squared.
    lam : float
        Risk aversion ``lambda``, per currency (0 = risk neutral: the linear trajectory).
    epsilon : float
        Fixed cost per share (half-spread plus fees), currency per share.

    Returns
    -------
    ACSolution

    Notes
    -----
    Almgren & Chriss (2000), section 2.2: ``x_j = sinh(kappa (T - t_j)) / sinh(kappa T) X`` and
    ``n_j = 2 sinh(kappa tau / 2) cosh(kappa (T - t_{j - 1/2})) / sinh(kappa T) X``; expected cost
    ``E = 1/2 gamma X^2 + epsilon sum|n_k| + (eta_tilde / tau) sum n_k^2`` and variance
    ``V = sigma^2 tau sum_{k=1}^{N} x_k^2`` (sections 1.4-1.5). ``lambda = 0`` gives ``kappa = 0`` and the
    straight line ``x_j = (1 - t_j / T) X`` (the limit of the formula).
    """
    if N < 1:
        raise ValueError("N must be at least 1")
    tau = T / N
    kappa, kt2, eta_tilde = ac_kappa(lam, sigma, eta, gamma, tau)
    t = np.arange(N + 1) * tau
    if kappa * T < 1e-9:
        x = X * (1.0 - t / T)
        n = np.full(N, X / N)
    else:
        x = X * np.sinh(kappa * (T - t)) / math.sinh(kappa * T)
        t_half = (np.arange(1, N + 1) - 0.5) * tau
        n = X * 2.0 * math.sinh(0.5 * kappa * tau) / math.sinh(kappa * T) * np.cosh(kappa * (T - t_half))
    x[-1] = 0.0
    e = 0.5 * gamma * X**2 + epsilon * np.abs(n).sum() + eta_tilde / tau * np.sum(n**2)
    v = sigma**2 * tau * np.sum(x[1:] ** 2)
    return ACSolution(x, n, kappa, kt2, eta_tilde, float(e), float(v))


def optimal_holdings(X: float, volume, variance, kappa_tilde_sq: float) -> np.ndarray:
    """Holdings minimising ``sum n_k^2 / v_k + kappa_tilde^2 sum_{k<N} d_k x_k^2`` with ``x_0 = X, x_N = 0``.

    Parameters
    ----------
    X : float
        Shares to trade.
    volume : array_like [N]
        ``v_k > 0``: the impact weight of interval ``k`` (its expected volume, or its length in clock time).
    variance : array_like [N]
        ``d_k >= 0``: variance weight of holding ``x_k`` after interval ``k`` (the last one is unused).
    kappa_tilde_sq : float
        ``lambda sigma^2 / eta_tilde`` in the units of ``volume`` and ``variance``.

    Returns
    -------
    ndarray [N + 1]
        ``x_0 = X, ..., x_N = 0``.

    Notes
    -----
    First-order condition for ``j = 1..N-1``:
    ``-x_{j-1} / v_j + (1 / v_j + 1 / v_{j+1} + kappa_tilde^2 d_j) x_j - x_{j+1} / v_{j+1} = 0``,
    the Almgren-Chriss (2000, section 2.2) difference equation on a non-uniform grid; solved as a
    symmetric tridiagonal system. With ``v_k = d_k = tau`` its solution is the sinh closed form.
    """
    v = np.asarray(volume, dtype=np.float64)
    d = np.asarray(variance, dtype=np.float64)
    N = v.size
    x = np.empty(N + 1)
    x[0], x[N] = X, 0.0
    if N == 1:
        return x
    inv = 1.0 / v
    diag = inv[:-1] + inv[1:] + kappa_tilde_sq * d[:-1]
    off = -inv[1:-1]
    rhs = np.zeros(N - 1)
    rhs[0] = X * inv[0]
    # Thomas algorithm (the matrix is diagonally dominant: stable without pivoting)
    n = N - 1
    c = np.empty(n)
    g = np.empty(n)
    b0 = diag[0]
    c[0] = (off[0] / b0) if n > 1 else 0.0
    g[0] = rhs[0] / b0
    for i in range(1, n):
        denom = diag[i] - off[i - 1] * c[i - 1]
        c[i] = off[i] / denom if i < n - 1 else 0.0
        g[i] = (rhs[i] - off[i - 1] * g[i - 1]) / denom
    sol = np.empty(n)
    sol[-1] = g[-1]
    for i in range(n - 2, -1, -1):
        sol[i] = g[i] - c[i] * sol[i + 1]
    x[1:N] = sol
    return x


def target_schedule(kind: str, qty: float, volume, clock=None, variance=None, *, kappa_tilde_sq: float = 0.0,
                    rate: float | None = None) -> np.ndarray:
    """Shares to trade per interval before caps and lots (floats, summing to ``qty`` except for ``pov``).

    Parameters
    ----------
    kind : ``"ac"``, ``"twap"``, ``"vwap"`` or ``"pov"``
    qty : float
        Shares of the order (> 0).
    volume : array_like [N]
        Expected market volume per interval, shares (> 0 for intervals that may trade).
    clock : array_like [N], optional
        Interval lengths in trading minutes (``twap``; default equal lengths).
    variance : array_like [N], optional
        Variance weights in days (``ac``; default the share of volume, i.e. business time).
    kappa_tilde_sq : float
        ``ac`` urgency in the units of ``volume`` and ``variance`` (0 gives VWAP).
    rate : float, optional
        ``pov`` participation rate (fraction of expected volume).

    Returns
    -------
    ndarray [N]
        For ``pov`` the schedule trades ``rate * volume`` until ``qty`` is reached and may sum to less than
        ``qty`` when the intervals cannot absorb it (the caller checks capacity).
    """
    v = np.asarray(volume, dtype=np.float64)
    if kind == "vwap":
        tot = v.sum()
        return qty * v / tot if tot > 0 else np.zeros_like(v)
    if kind == "twap":
        c = np.ones_like(v) if clock is None else np.asarray(clock, dtype=np.float64)
        c = np.where(v > 0, c, 0.0)
        tot = c.sum()
        return qty * c / tot if tot > 0 else np.zeros_like(v)
    if kind == "pov":
        if rate is None or not rate > 0:
            raise ValueError("pov needs a positive participation rate")
        want = rate * v
        cum = np.cumsum(want)
        done = np.minimum(cum, qty)
        return np.diff(np.concatenate([[0.0], done]))
    if kind == "ac":
        live = v > 0
        out = np.zeros_like(v)
        if not live.any():
            return out
        vv = v[live]
        if variance is None:
            dd = vv / vv.sum()
        else:
            # the variance of an interval that cannot trade accrues to the holding of the last live one before it
            d_all = np.asarray(variance, dtype=np.float64)
            owner = np.maximum.accumulate(np.where(live, np.arange(v.size), -1))
            dd = np.zeros(v.size)
            np.add.at(dd, np.maximum(owner, 0), d_all)
            dd = dd[live]
        x = optimal_holdings(qty, vv, dd, kappa_tilde_sq)
        out[live] = -np.diff(x)
        return out
    raise ValueError(f"unknown schedule {kind!r}; one of {', '.join(SCHEDULES)}")
