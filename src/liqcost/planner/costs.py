"""The planner's cost inputs: market impact of the parent order and the half-spread at plan time.

``impact_bps_batch`` is the planner's single dependency on the impact models (:mod:`liqcost.models.impact`),
through the impact-input step pre-trade uses too (:func:`liqcost.models.impact.impact_inputs`):
the central model of the pre-trade check (``impact.central``: the square-root law
``Y sigma sqrt(Q / V)`` by default, Tóth et al. 2011, PRX 1, eq. 1; or the median of ``impact.models``),
with the parameters of ``impact.params_file`` and their per-symbol and per-band overrides, over the plan's
duration and at the planner's daily volume (``planner.volume_basis``). Only the impact parts (temporary
plus permanent) are used: the planner prices the spread itself, tranche by tranche.

How the planner spreads it over tranches: the price displacement after a fraction ``phi`` of the order is
done grows like ``sqrt(phi)`` and averages to the law's value when normalised by 3/2 (the convention of
``liqcost.io.synth``): a tranche executed around fraction ``phi_k`` pays ``3/2 I sqrt(phi_k)``, and the
share-weighted mean over the tranches is ``I``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["_impact_bps", "daily_volume", "half_spread_bps", "impact_bps_batch", "impact_params", "tranche_impact_bps"]


def daily_volume(profile: dict, config) -> float:
    """Expected daily volume, shares: ADV or the median daily volume (``planner.volume_basis``)."""
    adv = profile.get("adv_shares")
    if config.planner.volume_basis == "mdv":
        mdv = profile.get("mdv_shares")
        if mdv is not None and math.isfinite(mdv) and mdv > 0:
            return float(mdv)
    return float(adv) if adv is not None and math.isfinite(adv) else float("nan")


def impact_params(config):
    """The effective impact parameters (published values, ``impact.sqrt_y``, ``impact.params_file``)."""
    from liqcost.models.params import load_params

    return load_params(config)


def _impact_bps(qty: float, profile: dict, horizon_days: float, config, params=None) -> float:
    """Expected market impact of a parent order, bps of the arrival mid (half-spread excluded).

    Parameters
    ----------
    qty : float
        Order size, shares.
    profile : dict
        Liquidity profile row: ``symbol``, ``price_px``, ``volatility_daily_frac``, the daily volume
        (:func:`daily_volume`), optional ``shares_outstanding`` and ``market_cap_usd``.
    horizon_days : float
        Execution horizon, trading days (the square-root law does not depend on it; Almgren et al. 2005
        and I-Star do).
    config : liqcost.config.Config
        ``impact`` (central model, models, parameters) and ``planner.volume_basis``.
    params : liqcost.models.params.ImpactParams, optional
        Parameters already loaded (:func:`impact_params`); loaded from the config when None.

    Returns
    -------
    float
        Temporary plus permanent impact cost of the central model, bps; NaN when volatility or volume is
        unknown, 0 for an empty order. See :func:`impact_bps_batch`.
    """
    import polars as pl

    return float(impact_bps_batch([qty], pl.DataFrame([profile], infer_schema_length=None), [horizon_days], config, params)[0])


def impact_bps_batch(qty, profiles, horizon_days, config, params=None) -> np.ndarray:
    """:func:`_impact_bps` for many orders at once (one call of each model over all of them).

    Parameters
    ----------
    qty : array_like
        Order sizes, shares.
    profiles : polars.DataFrame
        One profile row per order; read by :func:`liqcost.models.impact.impact_inputs`, the step pre-trade
        uses too (spread excluded: the planner prices it tranche by tranche; daily volume per
        ``planner.volume_basis``).
    horizon_days : array_like
        Execution horizons, trading days.

    Notes
    -----
    Square-root law (Tóth et al. 2011, eq. 1): ``Y sigma sqrt(Q / V) x 1e4``; the other models as
    documented in :mod:`liqcost.models.impact`. ``impact.central: median`` takes the median of the models
    in ``impact.models`` order by order.
    """
    from liqcost.models.impact import Order, Schedule, impact_inputs

    q = np.asarray(qty, dtype=np.float64)
    n = q.size
    if n == 0:
        return np.zeros(0)
    params = params if params is not None else impact_params(config)
    ic = config.impact
    inputs = impact_inputs(profiles, spread="none", volume=config.planner.volume_basis)
    prof = inputs.profile
    names = list(ic.models) if ic.central == "median" else [ic.central]
    models = params.build(names, inputs.symbols, inputs.cap_band(config.bars.market_cap_bands_usd))
    sched = Schedule(duration_days=np.maximum(np.asarray(horizon_days, dtype=np.float64), 1e-6))
    order = Order(q)
    values = np.vstack([models[m].cost_bps(order, prof, sched).impact_bps for m in names])
    with np.errstate(all="ignore"):
        out = np.nanmedian(values, axis=0) if ic.central == "median" else values[0]
    sigma, vol = prof.volatility_daily_frac, prof.adv_shares
    ok = np.isfinite(sigma) & np.isfinite(vol) & (vol > 0)
    out = np.where(ok, out, np.nan)
    return np.where(q > 0, out, 0.0)


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
