"""The planner's costs: the impact of the plan's path, the fees of each tranche, the model band, crossing now.

``path_costs`` is the planner's single dependency on the impact models (:mod:`liqcost.models.impact`),
through the impact-input step pre-trade uses too (:func:`liqcost.models.impact.impact_inputs`): every model
of ``impact.models`` prices each planned order along its tranches (``path_cost_bps``: the permanent part
by the order's size, the temporary part tranche by tranche at each tranche's participation of its
window's expected volume), with the parameters of ``impact.params_file`` and their per-symbol and per-band
overrides, at the planner's daily volume (``planner.volume_basis``). The central model
(``impact.central``, or the model whose cost is the median) gives the tranches' impact; all of them give
the model band. The half-spread part of the models is left out: the planner prices the spread itself,
tranche by tranche, from the limit rules.

Per tranche, against two reference prices (bps of the order's arrival mid):

* ``mid_move_bps``: where the mid is expected when the window opens, against the arrival mid: the
  permanent impact of the order's earlier tranches;
* against the window's mid: the spread the limit rule pays or earns (``spread_cost_bps``), the tranche's
  own impact (``impact_bps``: the permanent impact it adds while trading plus its temporary impact at its
  participation) and its fees (``fees_bps``); their sum is ``cost_vs_window_mid_bps``;
* ``cost_vs_arrival_bps = mid_move_bps + cost_vs_window_mid_bps``, the tranche's cost per share against
  the arrival mid, and ``shortfall_contribution_bps`` its share-weighted part of the order's implementation
  shortfall: these sum to the order's ``expected_cost_bps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PlanCosts", "_impact_bps", "central_models", "daily_volume", "half_spread_bps", "impact_bps_batch", "impact_params",
           "path_costs", "temporary_bps_batch"]


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
    """Expected market impact of a parent order worked at a constant rate, bps of the arrival mid (half-spread
    excluded). See :func:`impact_bps_batch`."""
    import polars as pl

    return float(impact_bps_batch([qty], pl.DataFrame([profile], infer_schema_length=None), [horizon_days], config, params)[0])


def central_models(profiles, config, params=None) -> tuple:
    """The central model(s) set up for the profile rows (``profiles``, a frame): ``(names, models, inputs)``, what
    :func:`impact_bps_batch` and :func:`temporary_bps_batch` price with (give it to them as ``setup`` to price
    several orders of the same rows without reading the rows again)."""
    from liqcost.models.impact import impact_inputs

    params = params if params is not None else impact_params(config)
    ic = config.impact
    inputs = impact_inputs(profiles, spread="none", volume=config.planner.volume_basis)
    names = list(ic.models) if ic.central == "median" else [ic.central]
    models = params.build(names, inputs.symbols, inputs.cap_band(config.bars.market_cap_bands_usd))
    return names, models, inputs


def _central_parts(qty, profiles, horizon_days, config, params=None, setup=None):
    from liqcost.models.impact import Order, Schedule

    q = np.asarray(qty, dtype=np.float64)
    names, models, inputs = setup if setup is not None else central_models(profiles, config, params)
    sched = Schedule(duration_days=np.maximum(np.asarray(horizon_days, dtype=np.float64), 1e-6))
    parts = [models[m].cost_bps(Order(q), inputs.profile, sched) for m in names]
    prof = inputs.profile
    ok = np.isfinite(prof.volatility_daily_frac) & np.isfinite(prof.adv_shares) & (prof.adv_shares > 0)
    return parts, ok, q


def impact_bps_batch(qty, profiles, horizon_days, config, params=None) -> np.ndarray:
    """Central-model impact (temporary + permanent) of orders worked at a constant rate over ``horizon_days``.

    Parameters
    ----------
    qty : array_like
        Order sizes, shares.
    profiles : polars.DataFrame
        One profile row per order (read by :func:`liqcost.models.impact.impact_inputs`; daily volume per
        ``planner.volume_basis``).
    horizon_days : array_like
        Execution horizons, trading days.

    Returns
    -------
    numpy.ndarray
        bps of the arrival mid; NaN when volatility or volume is unknown, 0 for an empty order
        (``impact.central: median``: the median of ``impact.models`` order by order).
    """
    if np.size(qty) == 0:
        return np.zeros(0)
    parts, ok, q = _central_parts(qty, profiles, horizon_days, config, params)
    values = np.vstack([c.impact_bps for c in parts])
    with np.errstate(all="ignore"):
        out = np.nanmedian(values, axis=0) if values.shape[0] > 1 else values[0]
    return np.where(q > 0, np.where(ok, out, np.nan), 0.0)


def temporary_bps_batch(qty, profiles, horizon_days, config, params=None, setup=None) -> np.ndarray:
    """Central-model temporary impact of orders worked at a constant rate over ``horizon_days`` (bps): what the
    ``ac`` trajectory's linear temporary-impact coefficient is matched to (``setup``: :func:`central_models` of
    ``profiles``, when the caller keeps it)."""
    if np.size(qty) == 0:
        return np.zeros(0)
    parts, ok, q = _central_parts(qty, profiles, horizon_days, config, params, setup)
    values = np.vstack([c.temporary_bps for c in parts])
    with np.errstate(all="ignore"):
        out = np.nanmedian(values, axis=0) if values.shape[0] > 1 else values[0]
    return np.where(q > 0, np.where(ok, out, np.nan), 0.0)


def half_spread_bps(profile: dict) -> float:
    """Half the quoted spread (else the profile's best spread estimate), bps of mid."""
    for key in ("quoted_spread_bps", "spread_bps", "effective_spread_bps"):
        v = profile.get(key)
        if v is not None and math.isfinite(v) and v > 0:
            return float(v) / 2.0
    return float("nan")


@dataclass(frozen=True)
class PlanCosts:
    """The costs of a batch of planned orders (see the module docstring); tranche arrays in CSR order.

    Attributes
    ----------
    mid_move_bps, impact_bps, fees_bps : numpy.ndarray
        Per tranche (bps of the arrival mid): the window's expected mid against arrival; the tranche's own
        impact against its window's mid; its fees (bps of its notional at the arrival price).
    fees_usd, commission_usd, sec_fee_usd, taf_usd : numpy.ndarray
        Per order, currency.
    impact_total_bps, fees_total_bps : numpy.ndarray
        Per order: the share-weighted impact against arrival and the fees, bps.
    low_bps, high_bps : numpy.ndarray
        Per order: the model band of the expected cost (spread part given, fees included).
    model : numpy.ndarray of str
        Per order: the model that priced the tranches (the central one, or the median model).
    """

    mid_move_bps: np.ndarray
    impact_bps: np.ndarray
    fees_bps: np.ndarray
    fees_usd: np.ndarray
    commission_usd: np.ndarray
    sec_fee_usd: np.ndarray
    taf_usd: np.ndarray
    impact_total_bps: np.ndarray
    fees_total_bps: np.ndarray
    low_bps: np.ndarray
    high_bps: np.ndarray
    model: np.ndarray


def path_costs(qty, side, profiles, offsets, tranche_shares, tranche_participation, duration_days, spread_bps,
               config, params=None) -> PlanCosts:
    """Price planned orders along their tranches (see the module docstring).

    Parameters
    ----------
    qty, side : array_like
        Each order's shares and +1/-1.
    profiles : polars.DataFrame
        One profile row per order.
    offsets : array_like of int
        ``offsets[o]:offsets[o + 1]`` are order ``o``'s tranches in execution order.
    tranche_shares, tranche_participation : array_like
        Each tranche's shares and its participation of its window's expected volume.
    duration_days : array_like
        Each order's span, trading days.
    spread_bps : array_like
        Each order's share-weighted spread part from the limit rules (bps; for the model band).
    config : liqcost.config.Config
    params : liqcost.models.params.ImpactParams, optional

    Returns
    -------
    PlanCosts
    """
    from liqcost.models.fees import FeeSchedule, executions
    from liqcost.models.impact import Order, Path, impact_inputs
    from liqcost.models.band import cost_band, input_uncertainty

    params = params if params is not None else impact_params(config)
    ic = config.impact
    q = np.asarray(qty, dtype=np.float64)
    side = np.asarray(side, dtype=np.int64)
    n = q.size
    offsets = np.asarray(offsets, dtype=np.int64)
    shares = np.asarray(tranche_shares, dtype=np.float64)
    inputs = impact_inputs(profiles, spread="none", volume=config.planner.volume_basis)
    prof = inputs.profile
    models = params.build(ic.models, inputs.symbols, inputs.cap_band(config.bars.market_cap_bands_usd))
    path = Path(offsets, shares, tranche_participation, duration_days)
    order = Order(q, side)
    priced = {name: m.path_cost_bps(order, prof, path) for name, m in models.items()}
    names = list(priced)
    totals = np.vstack([priced[m].parts.impact_bps for m in names])  # [M, n]
    if ic.central == "median":
        with np.errstate(all="ignore"):
            med = np.nanmedian(totals, axis=0)
        pick = np.nanargmin(np.where(np.isnan(totals), np.inf, np.abs(totals - med)), axis=0) if n else np.zeros(0, np.int64)
    else:
        pick = np.full(n, names.index(ic.central), dtype=np.int64)
    idx = path.order_of
    choice = pick[idx]
    mid_move = np.choose(choice, [priced[m].mid_move_bps for m in names]) if shares.size else np.zeros(0)
    own = np.choose(choice, [priced[m].own_permanent_bps + priced[m].temporary_bps for m in names]) if shares.size else np.zeros(0)

    # fees: per tranche (no minimum), the order's minimum commission spread over its tranches by shares
    fs = FeeSchedule.from_config(config)
    price = prof.price_px
    print_size = _column(profiles, "trade_size_median_shares")
    tr = fs.fees(side[idx], shares, price[idx], executions(shares, print_size[idx], config.planner.round_lot_shares),
                 commission_min=False)
    comm_o = np.bincount(idx, weights=tr.commission_usd, minlength=n)
    if fs.commission_min_usd > 0:
        target = np.where(q > 0, np.maximum(comm_o, fs.commission_min_usd), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            top_up = np.where(q > 0, (target - comm_o) / q, 0.0)
        comm_k = tr.commission_usd + top_up[idx] * shares
        comm_o = target
    else:
        comm_k = tr.commission_usd
    fee_k = comm_k + tr.sec_fee_usd + tr.taf_usd
    notional_k = shares * price[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        fees_bps = np.where(notional_k > 0, fee_k / notional_k * 1e4, 0.0)
        sec_o = np.bincount(idx, weights=tr.sec_fee_usd, minlength=n)
        taf_o = np.bincount(idx, weights=tr.taf_usd, minlength=n)
        fees_o = comm_o + sec_o + taf_o
        fees_total = np.where(q * price > 0, fees_o / (q * price) * 1e4, 0.0)
        w = np.where(q[idx] > 0, shares / q[idx], 0.0)
        impact_total = np.bincount(idx, weights=w * (mid_move + own), minlength=n)

    # the model band: the plan's spread part and fees are the same for every model; the impact is not
    lookback = _column(profiles, "lookback_days")
    days_lists = profiles.get_column("daily_volume_shares").to_list() if "daily_volume_shares" in profiles.columns else [[]] * n
    memo: dict = {}  # orders in one name share their profile's daily volumes
    cv = np.array([memo[k] if (k := tuple(v or ())) in memo else memo.setdefault(k, _cv(v)) for v in days_lists],
                  dtype=np.float64)
    source = profiles.get_column("source").to_numpy() if "source" in profiles.columns else np.full(n, "ticks")
    unc = input_uncertainty(lookback, cv, source == "bars", config, _column(profiles, "input_uncertainty_frac"))
    sp = np.asarray(spread_bps, dtype=np.float64)
    parts = {m: _with_spread(priced[m].parts, sp, fees_total) for m in names}
    band = cost_band(parts, ic.central if ic.central != "median" else "median", params.uncertainty, unc, ic.band_z)
    return PlanCosts(mid_move, own, fees_bps, fees_o, comm_o, sec_o, taf_o, impact_total, fees_total, band["low_bps"],
                     band["high_bps"], np.array(names, dtype=object)[pick] if n else np.zeros(0, dtype=object))


def _with_spread(parts, spread_bps, fees_bps):
    from dataclasses import replace

    return replace(parts, spread_bps=np.where(np.isnan(parts.spread_bps), np.nan, spread_bps)).with_fees(fees_bps)


def _column(frame, name: str) -> np.ndarray:
    import polars as pl

    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    return frame.get_column(name).cast(pl.Float64, strict=False).fill_null(float("nan")).to_numpy()


def _cv(values) -> float:
    v = np.asarray([x for x in (values or []) if x is not None], dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 2 or v.mean() <= 0:
        return float("nan")
    return float(v.std(ddof=1) / v.mean())
