"""Hand formulas of the impact models: one order at a time, plain ``math``, written from the papers.

These are the slow, obviously-correct twins of ``liqcost.models.impact`` (which is vectorized numpy).
Each returns ``(spread_bps, temporary_bps, permanent_bps, timing_risk_bps)`` for one order of ``q``
shares in a name with ADV ``v`` (shares/day), daily volatility ``sigma`` (fraction) and full spread
``spread_bps``, worked at participation ``p`` (fraction of volume) over ``t = q / (p v)`` days.
"""

from __future__ import annotations

import math


def _duration(q, v, p):
    return q / (p * v)


def _tr(sigma, t):
    return sigma * math.sqrt(t / 3.0) * 1e4


def sqrt_law(q, v, sigma, spread_bps, p, y=0.8, permanent_frac=0.5):
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    impact = y * sigma * math.sqrt(q / v) * 1e4
    return spread_bps / 2, impact * (1 - permanent_frac), impact * permanent_frac, _tr(sigma, _duration(q, v, p))


def almgren2005(q, v, sigma, spread_bps, p=None, t=None, theta=None, eta=0.142, beta=0.6, gamma=0.314, alpha=0.891,
                delta=0.267, turnover=0.005):
    """Almgren et al. (2005): J = I/2 + eta sigma |X/(VT)|^beta, I = gamma sigma T |X/(VT)|^alpha (Theta/V)^delta."""
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    if t is None:
        t = _duration(q, v, p)
    rate = q / (v * t)
    inv_turnover = theta / v if theta else 1.0 / turnover
    temp = eta * sigma * rate**beta
    perm_level = gamma * sigma * t * rate**alpha * inv_turnover**delta
    return spread_bps / 2, temp * 1e4, perm_level / 2 * 1e4, _tr(sigma, t)


def istar(q, v, sigma, spread_bps, p, a1=708.0, a2=0.55, a3=0.71, a4=0.5, b1=0.98, days=250.0):
    """Kissell I-Star: I* = a1 (Q/ADV)^a2 sigma_a^a3; MI = b1 POV^a4 I* + (1 - b1) I*; TR with annual sigma."""
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    sigma_a = sigma * math.sqrt(days)
    size = q / v
    i_star = a1 * size**a2 * sigma_a**a3
    pov = p / (1 + p)  # own volume over total volume
    temp = b1 * pov**a4 * i_star
    perm = (1 - b1) * i_star
    tr = sigma_a * math.sqrt(size * (1 - pov) / (3 * days * pov)) * 1e4
    return spread_bps / 2, temp, perm, tr


def crossover(q, v, sigma, spread_bps, p, y=0.8, qc=0.001, permanent_frac=0.5):
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    x = q / v
    impact = y * sigma * x / math.sqrt(x + qc) * 1e4
    return spread_bps / 2, impact * (1 - permanent_frac), impact * permanent_frac, _tr(sigma, _duration(q, v, p))


def log_impact(q, v, sigma, spread_bps, p, a=0.1055, b=100.0, permanent_frac=0.5):
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    impact = a * sigma * math.log(1 + b * q / v) * 1e4
    return spread_bps / 2, impact * (1 - permanent_frac), impact * permanent_frac, _tr(sigma, _duration(q, v, p))


REFERENCE = {
    "sqrt": sqrt_law,
    "almgren2005": almgren2005,
    "istar": istar,
    "crossover": crossover,
    "log": log_impact,
}
