"""What finishing faster costs: pricing orders over any horizon, the cost-risk frontier and crossing now.

:class:`Pricer` holds a batch of orders with their liquidity, their impact models (per-order parameters),
fees and input uncertainties, and prices any subset of them over any durations: every model's cost parts
(fees included), the model band and the central estimate. The pre-trade check uses it for the order's own
schedule, the frontier, crossing now and the portfolio's liquidation table.

**Frontier** (:func:`frontier`). For every order and every horizon ``h`` of ``pretrade.frontier_days``, plus
the order's own schedule at its participation cap (``point = 'cap'``): the participation ``Q / (V h)``,
whether it is within the cap, the expected cost (central model, fees included) with its model band, the
timing risk ``sigma sqrt(h / 3)`` and the risk band (5th and 95th percentiles of the cost, normal). The
recommended point minimises ``cost + lambda x variance`` in currency (Almgren & Chriss 2000's mean-variance
criterion, the one the planner's ``ac`` schedule optimises) over the points within the cap, with
``lambda`` the order's ``urgency`` (else ``planner.risk_aversion``) per currency: ``lambda = 0`` takes the
cheapest (longest) horizon, a larger one trades faster.

**Crossing now** (:func:`cross_now`). The visible book walked with the refill assumption
(:mod:`liqcost.models.book`) when the profile has the touch's depth, else the central model's
instantaneous limit (the order worked within ``pretrade.immediate_minutes``); never below the cost of the
fastest frontier point (working the order is never dearer than crossing it); fees included.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["Pricer", "cross_now", "frontier", "risk_band"]

Z_95 = 1.6448536269514722  # the 95th percentile of the standard normal


def risk_band(expected_bps, risk_bps):
    """5th and 95th percentiles of the realized cost: ``expected -/+ 1.645 risk`` (a normal price move)."""
    return expected_bps - Z_95 * risk_bps, expected_bps + Z_95 * risk_bps


def _take_model(model, idx: np.ndarray, n: int):
    """The model with its per-order parameters (arrays of length ``n``) cut to the orders ``idx``."""
    params = {}
    for f in fields(model):
        v = getattr(model, f.name)
        if np.ndim(v) and np.shape(v)[0] == n:
            params[f.name] = np.asarray(v)[idx]
    return model.with_params(**params) if params else model


@dataclass
class Pricer:
    """A batch of orders ready to be priced over any durations (see the module docstring).

    Attributes
    ----------
    qty, side : numpy.ndarray
        Shares and +1/-1 of each order.
    profile : liqcost.models.impact.Profile
        The orders' liquidity (one element per order).
    models : dict
        Impact models by name, with per-order parameters.
    central : str
        The central model, or ``median``.
    fees : liqcost.models.fees.FeeSchedule
    n_executions : numpy.ndarray
        Executions each order is filled in (the TAF cap).
    uncertainty : dict
        Relative parameter uncertainty of each model.
    inputs : dict
        :func:`liqcost.models.band.input_uncertainty` of each order.
    z : float
        ``impact.band_z``.
    """

    qty: np.ndarray
    side: np.ndarray
    profile: object
    models: dict
    central: str
    fees: object
    n_executions: np.ndarray
    uncertainty: dict
    inputs: dict
    z: float

    @property
    def n(self) -> int:
        return int(self.qty.size)

    def fee_bps(self, idx=None, qty=None) -> np.ndarray:
        """Fees of the orders ``idx`` (all by default) for ``qty`` shares (their size by default), bps."""
        idx = np.arange(self.n) if idx is None else idx
        q = self.qty[idx] if qty is None else qty
        with np.errstate(invalid="ignore", divide="ignore"):
            execs = np.where(self.qty[idx] > 0, np.ceil(self.n_executions[idx] * q / np.where(self.qty[idx] > 0, self.qty[idx], 1.0)),
                             1.0)
        return self.fees.fees(self.side[idx], q, self.profile.price_px[idx] if self.profile.price_px.size == self.n else
                              self.profile.price_px, execs).bps

    def parts(self, idx, duration_days, qty=None, participation_frac=None, names=None) -> dict:
        """Every model's cost parts (fees included) of the orders ``idx`` (repeats allowed) over ``duration_days``
        (or at ``participation_frac`` where the duration is NaN); only the models ``names`` when given."""
        from liqcost.models.impact import Order, Profile, Schedule

        idx = np.asarray(idx, dtype=np.int64)
        models = self.models if names is None else {k: self.models[k] for k in names}
        q = self.qty[idx] if qty is None else np.asarray(qty, dtype=np.float64)
        prof = Profile(*(a[idx] if a.size == self.n else a for a in (getattr(self.profile, f.name) for f in fields(self.profile))))
        sched = Schedule(participation_frac=participation_frac, duration_days=duration_days)
        fees = self.fee_bps(idx, q)
        order = Order(q, self.side[idx])
        return {name: _take_model(m, idx, self.n).cost_bps(order, prof, sched).with_fees(fees) for name, m in models.items()}

    def central_cost(self, idx, duration_days, qty=None) -> np.ndarray:
        """The central expected cost (fees included) only: the central model, or the median of the models."""
        import warnings

        names = list(self.models) if self.central == "median" else [self.central]
        parts = self.parts(idx, duration_days, qty=qty, names=names)
        if self.central != "median":
            return parts[self.central].total_bps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(np.vstack([c.total_bps for c in parts.values()]), axis=0)

    def band(self, parts: dict, idx) -> dict:
        """The model band of priced parts (:func:`liqcost.models.band.cost_band`) for the orders ``idx``."""
        from liqcost.models.band import cost_band

        idx = np.asarray(idx, dtype=np.int64)
        inputs = {k: (v[idx] if np.ndim(v) and np.size(v) == self.n else v) for k, v in self.inputs.items()}
        return cost_band(parts, self.central, self.uncertainty, inputs, self.z)

    def central_parts(self, parts: dict) -> tuple[np.ndarray, np.ndarray]:
        """``(impact_bps, timing_risk_bps)`` of the central model (the medians for ``median``)."""
        import warnings

        if self.central != "median":
            c = parts[self.central]
            return c.impact_bps, c.timing_risk_bps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return (np.nanmedian(np.vstack([c.impact_bps for c in parts.values()]), axis=0),
                    np.nanmedian(np.vstack([c.timing_risk_bps for c in parts.values()]), axis=0))


def frontier(pricer: Pricer, horizons, cap_frac, urgency, *, notional=None) -> dict:
    """The cost-risk frontier of every order (see the module docstring).

    Parameters
    ----------
    pricer : Pricer
    horizons : sequence of float
        Trading days (``pretrade.frontier_days``).
    cap_frac : numpy.ndarray
        Each order's participation cap (fraction of the volume).
    urgency : numpy.ndarray
        Each order's mean-variance risk aversion, per currency.
    notional : numpy.ndarray, optional
        ``qty x price`` (computed when None).

    Returns
    -------
    dict of numpy.ndarray
        Row arrays (``order``, ``horizon_days``, ``point``, ``participation_frac``, ``within_cap``,
        ``expected_cost_bps``, ``cost_low_bps``, ``cost_high_bps``, ``impact_bps``, ``spread_cost_bps``,
        ``fees_bps``, ``timing_risk_bps``, ``objective_usd``, ``recommended``) and per order ``rec_row`` (the
        recommended row, -1 when none), ``cap_days`` (the cap's duration) and ``fastest_cost_bps`` (the
        cost of the fastest point).
    """
    n = pricer.n
    h = np.asarray(list(horizons), dtype=np.float64)
    adv = pricer.profile.adv_shares if pricer.profile.adv_shares.size == n else np.full(n, pricer.profile.adv_shares[0])
    notional = pricer.qty * (pricer.profile.price_px if pricer.profile.price_px.size == n else pricer.profile.price_px[0]) \
        if notional is None else notional
    with np.errstate(invalid="ignore", divide="ignore"):
        cap_days = np.where(pricer.qty > 0, pricer.qty / (cap_frac * adv), 0.0)
    H = h.size
    order = np.concatenate([np.repeat(np.arange(n), H), np.arange(n)])
    days = np.concatenate([np.tile(h, n), cap_days])
    point = np.concatenate([np.full(n * H, "grid", dtype=object), np.full(n, "cap", dtype=object)])
    parts = pricer.parts(order, days)
    band = pricer.band(parts, order)
    impact, timing = pricer.central_parts(parts)
    fees = next(iter(parts.values())).fees
    spread = next(iter(parts.values())).spread_bps
    with np.errstate(invalid="ignore", divide="ignore"):
        part = np.where(days > 0, pricer.qty[order] / (adv[order] * days), np.inf)
    within = part <= cap_frac[order] * (1 + 1e-9)
    cost = band["central_bps"]
    money = notional[order] * 1e-4
    objective = cost * money + urgency[order] * (timing * money) ** 2
    # recommended: the smallest objective within the cap, per order (ties: the shorter horizon)
    key = np.where(within & np.isfinite(objective), objective, np.inf)
    rank = np.lexsort((days, key, order))
    first = np.ones(rank.size, dtype=bool)
    first[1:] = order[rank][1:] != order[rank][:-1]
    best = rank[first]
    rec_row = np.full(n, -1, dtype=np.int64)
    ok = np.isfinite(key[best])
    rec_row[order[best][ok]] = best[ok]
    recommended = np.zeros(order.size, dtype=bool)
    recommended[rec_row[rec_row >= 0]] = True
    fastest = np.full(n, -np.inf)
    np.maximum.at(fastest, order, np.where(np.isfinite(cost), cost, -np.inf))
    return {
        "order": order, "horizon_days": days, "point": point, "participation_frac": part, "within_cap": within,
        "expected_cost_bps": cost, "cost_low_bps": band["low_bps"], "cost_high_bps": band["high_bps"], "impact_bps": impact,
        "spread_cost_bps": spread, "fees_bps": fees, "timing_risk_bps": timing, "objective_usd": objective,
        "recommended": recommended, "rec_row": rec_row, "cap_days": cap_days, "fastest_cost_bps": fastest,
    }


def cross_now(pricer: Pricer, config, depth_shares, quoted_spread_bps, worked_floor_bps) -> dict:
    """Cost of executing every order at once (see the module docstring).

    Parameters
    ----------
    pricer : Pricer
    config : liqcost.config.Config
        ``pretrade.immediate_minutes``, ``pretrade.book_level_gap_spreads``, the tick rules (``planner.tick_px``,
        ``subdollar_tick_px``, ``subdollar_below_px``), the session length.
    depth_shares : numpy.ndarray
        The touch's mean depth (``quoted_depth_shares``; NaN without ticks).
    quoted_spread_bps : numpy.ndarray
        The quoted spread (NaN without ticks: the profile's spread is used).
    worked_floor_bps : numpy.ndarray
        The cost of the fastest worked schedule (fees included): crossing is never reported below it.

    Returns
    -------
    dict of numpy.ndarray
        ``cost_bps`` (fees included), ``book_bps``, ``model_bps`` and ``source`` (``book``, ``model`` or
        ``worked``: which bound set it).
    """
    from liqcost.models.book import level_gap_px, tick_size, walk_book

    n = pricer.n
    idx = np.arange(n)
    pc = config.pretrade
    session_min = config.session.close_minutes - config.session.open_minutes
    t_now = np.full(n, pc.immediate_minutes / max(session_min, 1.0))
    model = pricer.central_cost(idx, t_now)
    price = pricer.profile.price_px if pricer.profile.price_px.size == n else np.full(n, pricer.profile.price_px[0])
    spread_all = pricer.profile.spread_bps if pricer.profile.spread_bps.size == n else np.full(n, pricer.profile.spread_bps[0])
    spread_bps = np.where(np.isfinite(quoted_spread_bps) & (quoted_spread_bps > 0), quoted_spread_bps, spread_all)
    spread_px = spread_bps * 1e-4 * price
    tick = tick_size(price, config.planner)
    gap = level_gap_px(spread_px, tick, pc.book_level_gap_spreads)
    book = walk_book(pricer.qty, depth_shares, spread_px / 2.0, gap, price) + pricer.fee_bps()
    immediate = np.where(np.isfinite(book), book, model)
    floor = np.where(np.isfinite(worked_floor_bps), worked_floor_bps, -np.inf)
    cost = np.maximum(immediate, floor)
    source = np.where(immediate >= floor, np.where(np.isfinite(book), "book", "model"), "worked").astype(object)
    cost = np.where(np.isfinite(immediate) | np.isfinite(worked_floor_bps), cost, np.nan)
    return {"cost_bps": cost, "book_bps": book, "model_bps": model, "source": source}
