"""The planner's cost inputs: market impact of the parent order and the half-spread at plan time.

``_impact_bps`` is the planner's single dependency on the impact models. Until ``liqcost.models.impact``
(the pre-trade branch) is merged it implements the central model itself, the square-root law in its cost
convention, ``impact = Y sigma sqrt(Q / V)`` (``impact.sqrt_y``; Tóth et al. 2011, "Anomalous price impact
and the critical nature of liquidity in financial markets", PRX 1, eq. 1; Almgren et al. 2005 for the
calibration practice), which is also what the sample generator plants.

How the planner spreads it over tranches: the price displacement after a fraction ``phi`` of the order is
done grows like ``sqrt(phi)`` and averages to the square-root law's value when normalised by 3/2 (the
convention of ``liqcost.io.synth``): a tranche executed around fraction ``phi_k`` pays
``3/2 Y sigma sqrt(Q / V) sqrt(phi_k)``, and the share-weighted mean over the tranches is the law's value.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["_impact_bps", "daily_volume", "half_spread_bps", "tranche_impact_bps"]


def daily_volume(profile: dict, config) -> float:
    """Expected daily volume, shares: ADV or the median daily volume (``planner.volume_basis``)."""
    adv = profile.get("adv_shares")
    if config.planner.volume_basis == "mdv":
        mdv = profile.get("mdv_shares")
        if mdv is not None and math.isfinite(mdv) and mdv > 0:
            return float(mdv)
    return float(adv) if adv is not None and math.isfinite(adv) else float("nan")


def _impact_bps(qty: float, profile: dict, horizon_days: float, config) -> float:
    """Expected market impact of a parent order, bps of the arrival mid (half-spread excluded).

    Parameters
    ----------
    qty : float
        Order size, shares.
    profile : dict
        Liquidity profile row: ``volatility_daily_frac`` and the daily volume (``daily_volume``).
    horizon_days : float
        Execution horizon, trading days (the square-root law does not depend on it; the real impact
        models may).
    config : liqcost.config.Config
        ``impact.sqrt_y`` (Y) and ``planner.volume_basis``.

    Returns
    -------
    float
        ``Y sigma sqrt(Q / V) x 1e4``; NaN when volatility or volume is unknown.

    Notes
    -----
    Square-root law (Tóth et al. 2011, eq. 1), cost convention ``cost = half-spread + Y sigma sqrt(Q/V)``.
    LEAD: switch to ``liqcost.models.impact.SquareRootModel().cost_bps(...)`` (temporary + permanent parts,
    half-spread excluded) when the pre-trade branch lands; keep this signature.
    """
    sigma = profile.get("volatility_daily_frac")
    v = daily_volume(profile, config)
    if sigma is None or not math.isfinite(sigma) or not math.isfinite(v) or v <= 0 or qty <= 0:
        return float("nan") if qty > 0 else 0.0
    del horizon_days
    return float(config.impact.sqrt_y * sigma * math.sqrt(qty / v) * 1e4)


def tranche_impact_bps(shares: np.ndarray, total_impact_bps: float) -> np.ndarray:
    """Impact paid by each tranche, ``3/2 I sqrt(phi_k)`` with ``phi_k`` the order's fraction done at the
    tranche's midpoint; the share-weighted mean is ``I`` (up to the discretisation)."""
    q = np.asarray(shares, dtype=np.float64)
    tot = q.sum()
    if tot <= 0 or not math.isfinite(total_impact_bps):
        return np.full(q.size, total_impact_bps if q.size else 0.0)
    phi = (np.cumsum(q) - 0.5 * q) / tot
    raw = 1.5 * np.sqrt(phi)
    # normalise so that the share-weighted mean is exactly I
    mean = float((raw * q).sum() / tot)
    return total_impact_bps * raw / mean if mean > 0 else np.full(q.size, total_impact_bps)


def half_spread_bps(profile: dict) -> float:
    """Half the quoted spread (else the profile's best spread estimate), bps of mid."""
    for key in ("quoted_spread_bps", "spread_bps", "effective_spread_bps"):
        v = profile.get(key)
        if v is not None and math.isfinite(v) and v > 0:
            return float(v) / 2.0
    return float("nan")
