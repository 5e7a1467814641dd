"""Hand formulas of the impact models: one order at a time, plain ``math``, written from the papers.

These are the slow, obviously-correct twins of ``liqcost.models.impact`` (which is vectorized numpy).
Each returns ``(spread_bps, temporary_bps, permanent_bps, timing_risk_bps)`` for one order of ``q``
shares in a name with ADV ``v`` (shares/day), daily volatility ``sigma`` (fraction) and full spread
``spread_bps``, worked at participation ``p`` (fraction of volume) over ``t = q / (p v)`` days.

``path_reference`` walks one order's tranches one by one: each tranche's temporary impact at its own
participation, and the permanent impact's mid displacement ``(1 + a) P f^a`` integrated over the
tranche with a midpoint rule on many small steps (not the closed form the library uses).
"""

from __future__ import annotations

import math


def _duration(q, v, p):
    return q / (p * v)


def _tr(sigma, t):
    return sigma * math.sqrt(t / 3.0) * 1e4


def pov(p):
    """Kissell's POV = p / (1 + p); 1 for an instantaneous trade."""
    return 1.0 if math.isinf(p) else p / (1.0 + p)


def rate_factor(p, rate_exponent=0.5, reference=0.1):
    """The temporary share's participation factor (POV / POV_ref)^beta."""
    return (pov(p) / pov(reference)) ** rate_exponent


def sqrt_law(q, v, sigma, spread_bps, p, y=0.8, permanent_frac=0.5, rate_exponent=0.5, reference=0.1):
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    f = y * sigma * math.sqrt(q / v) * 1e4
    temp = f * (1 - permanent_frac) * rate_factor(p, rate_exponent, reference)
    return spread_bps / 2, temp, f * permanent_frac, _tr(sigma, _duration(q, v, p))


def almgren2005(q, v, sigma, spread_bps, p=None, t=None, theta=None, eta=0.142, beta=0.6, gamma=0.314, alpha=1.0,
                delta=0.25, turnover=0.005):
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


def crossover(q, v, sigma, spread_bps, p, y=0.8, qc=0.001, permanent_frac=0.5, rate_exponent=0.5, reference=0.1):
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    x = q / v
    f = y * sigma * x / math.sqrt(x + qc) * 1e4
    temp = f * (1 - permanent_frac) * rate_factor(p, rate_exponent, reference)
    return spread_bps / 2, temp, f * permanent_frac, _tr(sigma, _duration(q, v, p))


def log_impact(q, v, sigma, spread_bps, p, a=0.1055, b=100.0, permanent_frac=0.5, rate_exponent=0.5, reference=0.1):
    if q == 0:
        return 0.0, 0.0, 0.0, 0.0
    f = a * sigma * math.log(1 + b * q / v) * 1e4
    temp = f * (1 - permanent_frac) * rate_factor(p, rate_exponent, reference)
    return spread_bps / 2, temp, f * permanent_frac, _tr(sigma, _duration(q, v, p))


REFERENCE = {
    "sqrt": sqrt_law,
    "almgren2005": almgren2005,
    "istar": istar,
    "crossover": crossover,
    "log": log_impact,
}


# ------------------------------------------------------------------------------------------------ paths
def path_reference(name, q_tranches, part_tranches, v, sigma, spread_bps, duration, theta=None, steps=4000):
    """One order along its tranches under model ``name`` (default parameters): per tranche
    ``(mid_move, own_permanent, temporary)`` and the order's ``(temporary, permanent)``, bps.

    The permanent level ``P`` and the temporary scale come from the constant-rate formulas above (the
    order's size; Almgren's permanent term at the order's duration). The displacement after a fraction
    ``f`` is done is ``(1 + a) P f^a`` with ``a`` the model's build-up exponent; a tranche covering
    ``[f0, f1]`` pays the mean displacement over its span, computed here with ``steps`` midpoint steps.
    """
    q = float(sum(q_tranches))
    x = q / v
    if name == "sqrt":
        f = 0.8 * sigma * math.sqrt(x) * 1e4
        perm, scale, a = 0.5 * f, 0.5 * f, 0.5
        rate = [rate_factor(pk) for pk in part_tranches]
    elif name == "crossover":
        f = 0.8 * sigma * x / math.sqrt(x + 0.001) * 1e4
        perm, scale, a = 0.5 * f, 0.5 * f, 1 - x / (2 * (x + 0.001))
        rate = [rate_factor(pk) for pk in part_tranches]
    elif name == "log":
        f = 0.1055 * sigma * math.log1p(100 * x) * 1e4
        perm, scale = 0.5 * f, 0.5 * f
        bx = 100 * x
        a = bx / ((1 + bx) * math.log1p(bx)) if bx > 0 else 1.0  # the elasticity's limit for a vanishing order is 1
        rate = [rate_factor(pk) for pk in part_tranches]
    elif name == "almgren2005":
        _, _, perm, _ = almgren2005(q, v, sigma, spread_bps, t=duration, theta=theta)
        scale, a = 0.142 * sigma * 1e4, 1.0
        rate = [pk ** 0.6 for pk in part_tranches]
    elif name == "istar":
        sigma_a = sigma * math.sqrt(250.0)
        i_star = 708.0 * x ** 0.55 * sigma_a ** 0.71
        perm, scale, a = 0.02 * i_star, 0.98 * i_star, 0.55
        rate = [pov(pk) ** 0.5 for pk in part_tranches]
    else:
        raise KeyError(name)
    rows = []
    done = 0.0
    for qk, rk in zip(q_tranches, rate):
        f0, f1 = done / q, (done + qk) / q
        move = (1 + a) * perm * f0 ** a
        if qk > 0:
            h = (f1 - f0) / steps
            mean = sum((1 + a) * perm * (f0 + (i + 0.5) * h) ** a for i in range(steps)) / steps
        else:
            mean = move
        rows.append((move, max(mean - move, 0.0), scale * rk if qk > 0 else 0.0))
        done += qk
    temp = sum(qk / q * r[2] for qk, r in zip(q_tranches, rows))
    return rows, temp, perm
