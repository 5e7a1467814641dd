"""``plan(orders, profile, fill_model, config) -> PlanResult``: orders into limit-order tranches.

For each order (in the order given):

1. **Window grid** (:func:`liqcost.planner.schedule.build_grid`) from the start (the order's ``start``, the
   ``start`` argument, or the first session after the profile's as-of date) over the horizon: the
   order's ``end``, ``planner.days``, or the fewest trading days (at most ``planner.horizon_days``) whose
   caps hold the order. Each session's bounds come from the calendar (early closes included, when it gives
   them); a start outside the data's range warns.
2. **Trajectory** (:func:`liqcost.planner.trajectory.target_schedule`): ``planner.schedule`` (ac, twap,
   vwap, pov). For ``ac`` the linear temporary-impact coefficient is matched to the central impact model's
   temporary cost at the VWAP rate over the grid, ``eta = P temp Q^-1 V_plan`` (so that the VWAP schedule
   costs the model's value), giving ``kappa_tilde^2 = lambda (P sigma)^2 / eta`` with ``lambda`` the
   order's ``urgency`` or ``planner.risk_aversion`` (per currency).
3. **Caps, lots, exact sums** (:func:`liqcost.planner.schedule.allocate`): the order's ``max_participation``
   (else ``planner.max_participation_frac``) of every window's expected volume and
   ``planner.max_daily_participation_frac`` of every day's, shared with the orders planned before it in the
   same name; round lots, the last tranche absorbs the odd lot. An order the caps cannot hold raises
   :class:`~liqcost.errors.OrderError` with the smallest horizon or cap that would work.
4. **Limit rules** (:func:`liqcost.planner.limits.choose_rules`) by expected cost, from the fill model: a rule
   relative to the live quote when the window opens, capped at the order's limit; an indicative price for
   the first window only (the one quote known at plan time). An order's rules depend on its own tranches
   only, so they are chosen once every order is placed, for all the orders of a name at once
   (:func:`~liqcost.planner.limits.choose_rules_batch`: the fill model evaluated once per name).
5. **Costs** (:mod:`liqcost.planner.costs`): the path priced by the impact models (each tranche at its own
   participation, the mid moving with the earlier tranches' permanent impact), fees per tranche, each
   tranche's cost against its window's mid and against the arrival mid; the summary's expected cost with
   its model band and risk band (``sigma sqrt(sum d_k (x_k / Q)^2)``, Almgren & Chriss 2000's variance in
   bps, and the fill-outcome risk), the cost of crossing now, expected days.

With ``frontier=True`` each order is also planned over every horizon of ``pretrade.frontier_days`` and the
horizon that minimises ``cost + urgency x risk^2`` is marked.

Costs are in bps of the arrival mid (positive = paid), shares are whole shares, times are shown in the
exchange's time zone.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from liqcost.errors import DataQualityWarning, NoDataError, OrderError
from liqcost.planner import costs as _costs
from liqcost.planner.horizon import Search, Terms
from liqcost.planner.limits import choose_rules_batch, limit_ticks_np, reference_quote, rule_code
from liqcost.planner.schedule import Infeasible, allocate
from liqcost.planner.trajectory import target_schedule
from liqcost.result import Problem, Result
from liqcost.schema import PLAN_SUMMARY, TRANCHES

__all__ = ["PLAN_COLUMNS", "SUMMARY_COLUMNS", "PlanResult", "plan"]

NS = 1_000_000_000
#: the tranche table's columns (``schema.TRANCHES``) and the per-order summary's (``schema.PLAN_SUMMARY``)
PLAN_COLUMNS = TRANCHES.names
SUMMARY_COLUMNS = PLAN_SUMMARY.names

# the terminal's view: key columns, windows as local HH:MM (every column stays in csv/json/parquet)
_TERMINAL_TRANCHES = ["order_id", "tranche", "day", "window", "qty_shares", "limit_rule", "indicative_price_px",
                      "participation_frac", "fill_prob_frac", "expected_fill_frac", "cost_vs_window_mid_bps",
                      "cost_vs_arrival_bps"]
_TERMINAL_SUMMARY = ["order_id", "symbol", "side", "qty_shares", "order_daily_volume_frac", "schedule", "n_tranches",
                     "expected_days", "expected_cost_bps", "cost_low_bps", "cost_high_bps", "cost_p05_bps", "cost_p95_bps",
                     "impact_bps", "spread_cost_bps", "fees_bps", "cross_now_cost_bps", "status"]
_TERMINAL_FRONTIER = ["order_id", "horizon_days", "n_tranches", "participation_frac", "expected_cost_bps", "cost_low_bps",
                      "cost_high_bps", "risk_bps", "cost_p05_bps", "cost_p95_bps", "recommended", "status"]
_TERMINAL_FILL = ["symbol", "rule", "window_minutes", "fill_prob_frac", "fill_prob_se", "fill_prob_hazard_frac", "n_obs",
                  "drift_unfilled_bps"]


@dataclass(frozen=True)
class PlanResult(Result):
    """A plan: one row per tranche and one summary row per order (the :class:`~liqcost.result.Result` protocol).

    Attributes
    ----------
    tranches : polars.DataFrame
        ``schema.TRANCHES``: ``side`` is ``buy``/``sell``; ``window_start``/``window_end`` are in the
        exchange's time zone; ``limit_price_px`` is the rule's price against the reference quote at plan time
        (re-peg it to the quote when the window opens); ``participation_frac`` is planned shares over the
        window's expected volume, ``expected_participation_frac`` the expected executed shares (carried
        shares included) over it; ``fill_prob_frac`` is the probability that the tranche fills completely in
        its window, ``expected_fill_frac`` its expected filled fraction; ``expected_cost_bps`` is per planned
        share, impact included.
    order_summary : polars.DataFrame
        ``schema.PLAN_SUMMARY``, one row per order; ``status`` is ``planned`` or, with ``errors="report"``,
        why the order could not be planned.
    fill_models : dict
        The fill models used, by symbol.
    notes : tuple of str
        What the planner assumed or could not do (shown by the command line).
    errors : polars.DataFrame
        Orders refused before planning (``schema.ORDER_PROBLEMS``: bad rows, names without a profile).
    source : str
        Where the orders came from, for the problems' messages.
    """

    title: ClassVar[str] = "plan"

    tranches: object = None
    order_summary: object = None
    fill_models: dict = field(default_factory=dict, repr=False)
    notes: tuple = ()
    errors: object = None
    source: str = "orders"
    frontier: object = None

    @property
    def problems(self) -> tuple:
        """One :class:`~liqcost.result.Problem` per order refused before planning."""
        from liqcost.inputs import order_where

        if self.errors is None:
            return ()
        return tuple(Problem("order_rejected", order_where(self.source, r["row"], r["order_id"]), r["reason"])
                     for r in self.errors.iter_rows(named=True))

    def summary(self):
        """One row per order (``schema.PLAN_SUMMARY``)."""
        return self.order_summary

    def fill_table(self):
        """The fill-probability curves of the fitted models (empty without ticks)."""
        import polars as pl

        fills = [m.table() for m in self.fill_models.values()]
        if not fills:
            return pl.DataFrame({"symbol": []}, schema={"symbol": pl.String})
        return pl.concat(fills, how="diagonal_relaxed")

    def tables(self, which: str = "both") -> dict:
        """``plan`` (tranches), ``summary`` and ``fill``: ``which`` is ``both`` (plan and summary), ``plan``,
        ``summary``, ``fill`` or ``all``."""
        out = {}
        if which in ("both", "plan", "all"):
            out["plan"] = self.tranches
        if which in ("both", "summary", "all"):
            out["summary"] = self.order_summary
        if which in ("fill", "all"):
            out["fill"] = self.fill_table()
        if self.frontier is not None and which != "fill":
            out["frontier"] = self.frontier
        return out

    def display_tables(self, which: str = "both") -> dict:
        """The tables as a terminal shows them: key columns, windows as local ``MM-DD HH:MM-HH:MM``, rounded."""
        import polars as pl

        out = {}
        for name, frame in self.tables(which).items():
            if name == "plan" and frame.height:
                f = frame.with_columns(
                    (pl.col("date").dt.strftime("%m-%d ") + pl.col("window_start").dt.strftime("%H:%M") + pl.lit("-")
                     + pl.col("window_end").dt.strftime("%H:%M")).alias("window"))
                out[name] = f.select(_TERMINAL_TRANCHES).with_columns(
                    pl.col("participation_frac", "fill_prob_frac", "expected_fill_frac").round(3),
                    pl.col("cost_vs_window_mid_bps", "cost_vs_arrival_bps").round(1))
            elif name == "summary" and frame.height:
                out[name] = frame.select(_TERMINAL_SUMMARY).with_columns(pl.col(pl.Float64).round(2))
            elif name == "fill" and frame.height:
                out[name] = frame.filter(pl.col("stratum") == "all").select(_TERMINAL_FILL).with_columns(
                    pl.col(pl.Float64).round(3))
            elif name == "frontier" and frame.height:
                out[name] = frame.select(_TERMINAL_FRONTIER)
            else:
                out[name] = frame
        return out

    def summary_text(self) -> str:
        """One paragraph per order, for a human."""
        out = []
        for r in self.order_summary.iter_rows(named=True):
            if r["status"] != "planned":
                out.append(f"{r['order_id']}: not planned: {r['status']}")
                continue
            out.append(
                f"{r['order_id']}: {r['side']} {r['qty_shares']:,.0f} {r['symbol']} ({r['order_daily_volume_frac']:.0%} of a "
                f"day's volume) in {r['n_tranches']} tranches over {r['expected_days']} day(s), {r['schedule']}: expected cost "
                f"{r['expected_cost_bps']:.1f} bps vs arrival, fees included (model band {r['cost_low_bps']:.1f} to "
                f"{r['cost_high_bps']:.1f}; 90% risk band {r['cost_p05_bps']:.1f} to {r['cost_p95_bps']:.1f}; crossing "
                f"now {r['cross_now_cost_bps']:.1f} bps)."
            )
        return "\n".join(out)


# ------------------------------------------------------------------------------------------ inputs


def _profiles(profile) -> dict:
    """Profile rows by symbol (a frame, one row as a dict, or a dict of rows by symbol)."""
    import polars as pl

    from liqcost.inputs import normalize_profiles

    if isinstance(profile, dict) and "symbol" in profile and not isinstance(profile.get("symbol"), (list, tuple)):
        return {profile["symbol"]: profile}
    if isinstance(profile, dict):
        return dict(profile)
    if isinstance(profile, (pl.DataFrame, pl.LazyFrame)):
        return {r["symbol"]: r for r in normalize_profiles(profile).to_dicts()}
    raise TypeError("profile must be a polars DataFrame of profile rows or a dict")


def _ts_ns(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise OrderError(f"start/end {value.isoformat()} has no time zone; give it in UTC or with an offset.")
        return round(value.timestamp() * NS) if value.microsecond else int(value.timestamp()) * NS
    raise OrderError(f"cannot read the time {value!r}; give a datetime with a time zone.")


def _fmt_local(ns: int, tz) -> dt.datetime:
    return dt.datetime.fromtimestamp(ns / NS, tz)


@dataclass
class _Context:
    """What every order of one plan call shares (nothing of it outlives the call)."""

    config: object
    kind: str
    start: object
    quotes: dict
    models: dict
    tz: object
    search: Search
    notes: list = field(default_factory=list)
    starts: dict = field(default_factory=dict)
    checked: set = field(default_factory=set)
    _params: object = None
    _local: dict = field(default_factory=dict)
    central: dict = field(default_factory=dict)  # id(profile row) -> (the row, its central models), for ``ac``
    temporary: dict = field(default_factory=dict)  # (id(profile row), shares, days) -> temporary impact, bps (``ac``)

    def local(self, ns: int) -> dt.datetime:
        """``ns`` (UTC) as a datetime in the exchange's time zone (windows repeat across orders: each once)."""
        v = self._local.get(ns)
        if v is None:
            v = self._local[ns] = _fmt_local(ns, self.tz)
        return v

    @property
    def params(self):
        """The impact parameters of this call (loaded once)."""
        if self._params is None:
            self._params = _costs.impact_params(self.config)
        return self._params

    def default_start_ns(self, prof: dict) -> int:
        """The first session open after the profile's as-of date, or ``start`` (a date means its open)."""
        key = (prof.get("symbol"), self.start.isoformat() if isinstance(self.start, dt.date) else self.start)
        if key not in self.starts:
            self.starts[key] = _default_start_ns(prof, self.config, self.start)
        return self.starts[key]


def _default_start_ns(profile: dict, config, start) -> int:
    from liqcost.planner.schedule import session_bounds, trading_days

    if isinstance(start, dt.datetime):
        return _ts_ns(start)
    if isinstance(start, dt.date):
        first = trading_days(start, 1, config)[0]
        return int(session_bounds([first], config)[0][0])
    asof = profile.get("asof_date")
    if isinstance(asof, dt.datetime):
        asof = asof.date()
    if not isinstance(asof, dt.date):
        asof = dt.date.today()
    first = trading_days(asof + dt.timedelta(days=1), 1, config)[0]
    return int(session_bounds([first], config)[0][0])


# ----------------------------------------------------------------------------------------- planning


def plan(orders, profile, fill_model=None, config=None, *, start=None, quotes: dict | None = None,
         schedule: str | None = None, errors: str = "raise", no_profile: dict | None = None,
         source: str = "orders", frontier: bool = False) -> PlanResult:
    """Plan limit-order tranches for one or more orders.

    Parameters
    ----------
    orders : polars.DataFrame, LazyFrame, dict, list of dict or liqcost.inputs.OrderCheck
        Rows of :data:`liqcost.schema.ORDERS`, read by :func:`liqcost.inputs.normalize_orders` (the rules
        every command shares; an ``OrderCheck`` is taken as already read): ``order_id, symbol, side (buy/sell or +1/-1), qty`` and optionally ``start,
        end`` (datetimes with a time zone, or ns UTC), ``max_participation``, ``urgency`` (Almgren-Chriss
        lambda, per currency), ``limit_price``.
    profile : polars.DataFrame or dict
        Liquidity profile rows (:data:`liqcost.schema.PROFILE`) of the orders' symbols.
    fill_model : FillModel, dict of FillModel, or None
        Fill-probability model per symbol (:func:`liqcost.models.fill_prob.fit_fill_model`). Without one, a
        symbol's tranches are marketable limits (``cross``) only.
    config : liqcost.config.Config, optional
        ``planner``, ``impact``, ``session``, ``measures``, ``orders`` sections (defaults when None).
    start : datetime.date or datetime.datetime, optional
        Start of orders without their own ``start`` (a date means its session open). Default: the first
        session after the profile's ``asof_date``.
    quotes : dict, optional
        ``symbol -> (bid, ask)`` prevailing at plan time (default: the profile's price and quoted spread).
    schedule : str, optional
        Overrides ``planner.schedule``.
    errors : ``"raise"`` or ``"report"``
        What an order that cannot be planned does: raise its error, or get a summary row whose ``status``
        says why (and no tranche) while the other orders are planned (a basket).
    no_profile : dict of str to str, optional
        Why a symbol has no profile (``unknown symbol 'X' ...``), for the orders in it.
    source : str
        Where the orders came from, for messages.
    frontier : bool
        Also plan every order over each horizon of ``pretrade.frontier_days`` (whole days, alone in its name)
        and report each plan's expected cost and risk with the one recommended for the order's urgency
        (``result.frontier``, ``schema.FRONTIER``).

    Returns
    -------
    PlanResult

    Raises
    ------
    OrderError
        A refused order (size, side ...) or one the caps cannot hold within the horizon (the message gives
        the smallest horizon in days, or cap, that would work).
    NoDataError
        A symbol without a profile, or whose profile has no volume.
    """
    from zoneinfo import ZoneInfo

    from liqcost.config import Config
    from liqcost.inputs import OrderCheck, normalize_orders, order_where

    config = config or Config()
    if errors not in ("raise", "report"):
        raise ValueError("errors must be 'raise' or 'report'")
    check = orders if isinstance(orders, OrderCheck) else normalize_orders(orders, source=source,
                                                                            fractional=config.orders.fractional_shares)
    source = check.source
    if errors == "raise" and check.problems.height:
        r = check.problems.row(0, named=True)
        raise OrderError(f"{order_where(source, r['row'], r['order_id'])}: {r['reason']}.")
    profiles = _profiles(profile)
    models = fill_model if isinstance(fill_model, dict) else ({} if fill_model is None else {fill_model.symbol: fill_model})
    ctx = _Context(config, schedule or config.planner.schedule, start, quotes or {}, models,
                   ZoneInfo(config.session.timezone), Search(config), list(check.notes))
    refused = {r["row"]: r for r in check.problems.iter_rows(named=True)}
    rows = _order_rows(check.orders)
    if ctx.kind == "ac":
        _price_ac_ahead(rows.values(), profiles, ctx)
    no_profile = no_profile or {}
    planned, slots, seen_sides, error_rows, planned_orders = [], [], {}, [], []
    for row_no in sorted(set(refused) | set(rows)):
        if row_no in refused:
            r = refused[row_no]
            slots.append(_failed_summary(r, None, ctx, f"order {r['order_id']}: {r['reason']}."))
            error_rows.append(r)
            continue
        order = rows[row_no]
        try:
            res = _place(order, profiles, ctx, no_profile)
        except (OrderError, NoDataError) as exc:
            if errors == "raise":
                raise
            slots.append(_failed_summary(order, order, ctx, exc.message))
            if isinstance(exc, NoDataError):  # no usable profile: the order is refused (a problem of the run)
                error_rows.append({"row": row_no, "order_id": order["order_id"], "symbol": order["symbol"],
                                   "column": "symbol", "reason": _without_prefix(exc.message, order["order_id"])})
            else:  # the caps cannot hold it: an outcome of planning, said in its status and a note
                ctx.notes.append(exc.message)
            continue
        seen_sides.setdefault(order["symbol"], set()).add(int(order["side"]))
        slots.append(len(planned))
        planned.append(res)
        planned_orders.append(order)
    planned = _complete(planned, ctx)
    _finish(planned, config, ctx.params)
    for sym, sides in seen_sides.items():
        if len(sides) > 1:
            msg = f"{sym}: orders on both sides of the same name; they are planned independently and would trade with each other."
            warnings.warn(msg, DataQualityWarning, stacklevel=2)
            ctx.notes.append(msg)
    summaries = [planned[s].summary if isinstance(s, int) else s for s in slots]
    frontier_tab = None
    if frontier:
        frontier_tab = _frontier(planned_orders, profiles, ctx, no_profile)
    return PlanResult(
        tranches=_frame([p.tranches for p in planned], TRANCHES, config.session.timezone),
        order_summary=_frame([{k: [v] for k, v in s.items()} for s in summaries], PLAN_SUMMARY, config.session.timezone),
        fill_models={s: models[s] for s in seen_sides if s in models},
        notes=tuple(dict.fromkeys(ctx.notes)),
        errors=_problems_frame(error_rows),
        source=source,
        frontier=frontier_tab,
    )


def _frontier(orders: list[dict], profiles: dict, ctx: _Context, no_profile: dict):
    """Each planned order planned again over every horizon of ``pretrade.frontier_days`` (whole trading days,
    the order alone in its name, its own end ignored): the plans' expected cost, model and risk bands, and the
    horizon recommended for its urgency: the least ``cost + urgency x risk^2`` in currency (Almgren & Chriss
    2000's mean-variance criterion) among the horizons the caps hold."""
    import polars as pl

    from liqcost.models.frontier import risk_band
    from liqcost.schema import FRONTIER

    config = ctx.config
    horizons = sorted({max(math.ceil(h - 1e-9), 1) for h in config.pretrade.frontier_days})
    rows = []
    for order in orders:
        o = dict(order, end=None)
        lam = order.get("urgency")
        lam = config.planner.risk_aversion if lam is None else float(lam)
        prof = profiles[order["symbol"]]
        price = float(prof.get("price_px") or float("nan"))
        money = float(order["qty"]) * price * 1e-4
        day_vol = _costs.daily_volume(prof, config)
        first = len(rows)
        for h in horizons:
            cfg = config.model_copy(update={"planner": config.planner.model_copy(
                update={"days": h, "horizon_days": max(h, config.planner.horizon_days)})})
            sub = _Context(cfg, ctx.kind, ctx.start, ctx.quotes, ctx.models, ctx.tz, Search(cfg, remedies=False), checked=ctx.checked,
                           _params=ctx.params)
            row = {"order_id": str(order["order_id"]), "symbol": order["symbol"], "side": "buy" if order["side"] > 0 else "sell",
                   "qty_shares": float(order["qty"]), "horizon_days": float(h), "point": "grid",
                   "participation_frac": float(order["qty"]) / (day_vol * h) if day_vol > 0 else float("nan")}
            try:
                res = _plan_one(o, profiles, sub, no_profile)
                _finish([res], cfg, sub.params)
            except OrderError as exc:
                row.update(within_cap=False, status=_without_prefix(exc.message, order["order_id"]), n_tranches=0,
                           expected_days=None, **{c: None for c in ("expected_cost_bps", "cost_low_bps", "cost_high_bps",
                                                                    "impact_bps", "spread_cost_bps", "fees_bps",
                                                                    "timing_risk_bps", "risk_bps", "cost_p05_bps",
                                                                    "cost_p95_bps", "expected_cost_usd", "risk_usd",
                                                                    "objective_usd")})
                rows.append(row)
                continue
            s = res.summary
            lo, hi = risk_band(s["expected_cost_bps"], s["risk_bps"])
            cost_usd, risk_usd = s["expected_cost_bps"] * money, s["risk_bps"] * money
            row.update(within_cap=True, status="planned", n_tranches=s["n_tranches"], expected_days=s["expected_days"],
                       expected_cost_bps=s["expected_cost_bps"], cost_low_bps=s["cost_low_bps"], cost_high_bps=s["cost_high_bps"],
                       impact_bps=s["impact_bps"], spread_cost_bps=s["spread_cost_bps"], fees_bps=s["fees_bps"],
                       timing_risk_bps=s["timing_risk_bps"], risk_bps=s["risk_bps"], cost_p05_bps=float(lo),
                       cost_p95_bps=float(hi), expected_cost_usd=cost_usd, risk_usd=risk_usd,
                       objective_usd=cost_usd + lam * risk_usd**2)
            rows.append(row)
        best = [i for i in range(first, len(rows)) if rows[i]["within_cap"] and rows[i]["objective_usd"] is not None
                and math.isfinite(rows[i]["objective_usd"])]
        pick = min(best, key=lambda i: (rows[i]["objective_usd"], rows[i]["horizon_days"])) if best else None
        for i in range(first, len(rows)):
            rows[i]["recommended"] = i == pick
    schema = FRONTIER.polars_schema()
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema).select(FRONTIER.names)


def _order_rows(clean) -> dict:
    """Normalised orders by input row, as plain dicts (times as ns UTC, exact)."""
    import polars as pl

    times = [pl.col(c).dt.epoch("ns") for c in ("start", "end") if c in clean.columns]
    frame = clean.with_columns(times) if times else clean
    return {r["row"]: r for r in frame.to_dicts()}


def _without_prefix(message: str, order_id) -> str:
    return message.removeprefix(f"order {order_id}: ").removesuffix(".")


def _problems_frame(rows: list):
    import polars as pl

    from liqcost.schema import ORDER_PROBLEMS

    schema = ORDER_PROBLEMS.polars_schema()
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def _frame(parts: list[dict], contract, tz: str):
    """One table from per-order column dicts, in the contract's columns and dtypes."""
    import polars as pl

    schema = contract.polars_schema(tz=tz)
    if not parts:
        return pl.DataFrame(schema=schema)
    data = {}
    for c in contract.names:
        cols = [p[c] for p in parts]
        if all(isinstance(v, np.ndarray) and v.dtype != object for v in cols):
            data[c] = np.concatenate(cols)
        else:
            data[c] = [v for col in cols for v in col]
    return pl.DataFrame(data, schema=schema)


def _failed_summary(order: dict, planned_order, ctx: _Context, message: str) -> dict:
    """The summary row of an order that was not planned: its id, what is known of it, and why."""
    side = planned_order.get("side") if planned_order else None
    qty = planned_order.get("qty") if planned_order else None
    qty_i = round(qty) if isinstance(qty, float) and math.isfinite(qty) and abs(qty) <= 2**53 else None
    row = {c: (float("nan") if t == "f64" else None) for c, t in ((c.name, c.dtype) for c in PLAN_SUMMARY.columns)}
    row.update(order_id=str(order.get("order_id")), symbol=order.get("symbol"),
               side="buy" if side == 1 else ("sell" if side == -1 else None), qty_shares=qty_i, schedule=ctx.kind,
               n_tranches=0, expected_days=0, unfilled=ctx.config.planner.unfilled, fill_model=None, status=message)
    return row


@dataclass
class _Planned:
    """One planned order: its tranche columns and summary by name, and what :func:`_finish` needs."""

    tranches: dict
    summary: dict
    qty: int
    side: int
    profile: dict
    span_days: float
    q: np.ndarray
    spread_part: np.ndarray
    participation: np.ndarray
    spread_cost: float


@dataclass
class _Placed:
    """One order on its windows (grid, caps, lots): what the limit rules and the outcome are computed from."""

    order: dict
    terms: Terms
    prof: dict
    hz: object
    shares: np.ndarray
    sel: np.ndarray
    half_life: float
    note_at: int  # where in the notes a note about this order's limit price goes (the notes keep the orders' order)


def _plan_one(order: dict, profiles: dict, ctx: _Context, no_profile: dict) -> _Planned:
    """Window grid, trajectory, lots, limit prices and outcome of one order (impact added by :func:`_finish`)."""
    return _complete([_place(order, profiles, ctx, no_profile)], ctx)[0]


def _place(order: dict, profiles: dict, ctx: _Context, no_profile: dict) -> _Placed:
    """Window grid, trajectory and lots of one order, its shares taken from the caps of the later orders in its
    name; the limit rules and the outcome follow for all orders at once (:func:`_complete`)."""
    prof = _profile_for(order, profiles, no_profile)
    terms, lam, rate = _terms(order, prof, ctx)
    hz = ctx.search.choose(prof, terms)
    shares, half_life = _shares(terms, prof, hz, ctx, lam, rate)
    sel = np.flatnonzero(shares > 0)
    ctx.search.usage.add(terms.symbol, hz.grid.start_ns[sel], hz.grid.end_ns[sel], shares[sel])
    sym = order["symbol"]
    if ctx.models.get(sym) is None and any(r != "cross" for r in ctx.config.planner.limit_rules):
        ctx.notes.append(f"{sym}: no fill-probability model (no ticks); tranches are marketable limits (cross).")
    return _Placed(order, terms, prof, hz, shares, sel, half_life, len(ctx.notes))


def _complete(placed: list[_Placed], ctx: _Context) -> list[_Planned]:
    """Limit rules and outcome of placed orders (the fill model evaluated once per name over all its tranches)."""
    lims, late_notes = _limits_batch(placed, ctx)
    for at, msg in reversed(late_notes):  # in the place each order's note had when orders were done one by one
        ctx.notes.insert(at, msg)
    return [_outcome(p.order, p.terms, p.prof, p.hz, p.shares, p.sel, lim, p.half_life, ctx) for p, lim in zip(placed, lims)]


def _profile_for(order: dict, profiles: dict, no_profile: dict) -> dict:
    sym = order["symbol"]
    if sym in profiles:
        return profiles[sym]
    reason = no_profile.get(sym)
    if reason is None:
        known = ", ".join(sorted(profiles)[:20]) or "none"
        reason = f"no liquidity profile for symbol {sym!r}; profiles: {known}"
    raise NoDataError(f"order {order['order_id']}: {reason}.")


def _terms(order: dict, prof: dict, ctx: _Context) -> tuple[Terms, float, float | None]:
    """The order's caps, start and end; its urgency and, for ``pov``, its rate."""
    pc = ctx.config.planner
    oid, sym = str(order["order_id"]), order["symbol"]
    day_vol = _costs.daily_volume(prof, ctx.config)
    if not math.isfinite(day_vol) or day_vol <= 0:
        raise NoDataError(f"{sym}: the profile has no expected volume ({pc.volume_basis} is {day_vol}); nothing can be planned.")
    own_cap = order.get("max_participation")
    cap_frac = own_cap or pc.max_participation_frac
    day_cap_frac = own_cap or pc.max_daily_participation_frac
    lam = order.get("urgency")
    lam = pc.risk_aversion if lam is None else float(lam)
    rate = None
    if ctx.kind == "pov":
        rate = pc.pov_rate_frac or cap_frac
        if rate > cap_frac:
            raise OrderError(f"order {oid}: the pov rate {rate:.0%} exceeds the participation cap {cap_frac:.0%}.")
        cap_frac = min(cap_frac, rate)
        day_cap_frac = min(day_cap_frac, rate)
    start_ns = _ts_ns(order.get("start"))
    if start_ns is None:
        start_ns = ctx.default_start_ns(prof)
        if ctx.start is not None:
            _check_start(oid, prof, start_ns, ctx)
    else:
        _check_start(oid, prof, start_ns, ctx)
    end_ns = _ts_ns(order.get("end"))
    if end_ns is not None and end_ns <= start_ns:
        raise OrderError(f"order {oid}: end is not after start.")
    qty = round(float(order["qty"]))
    return Terms(oid, sym, qty, cap_frac, day_cap_frac, start_ns, end_ns), lam, rate


def _check_start(order_id: str, prof: dict, start_ns: int, ctx: _Context) -> None:
    """Warn (once per name and start) when a plan starts outside the data's range: before the profile's
    lookback begins, or more than ``pretrade.stale_days`` trading days after its last day."""
    from liqcost.planner.schedule import trading_days

    asof = prof.get("asof_date")
    if isinstance(asof, dt.datetime):
        asof = asof.date()
    if not isinstance(asof, dt.date):
        return
    day = _fmt_local(start_ns, ctx.tz).date()
    key = (prof.get("symbol"), day)
    if key in ctx.checked:
        return
    ctx.checked.add(key)
    first = prof.get("first_date")
    first = first.date() if isinstance(first, dt.datetime) else first
    if not isinstance(first, dt.date) and prof.get("lookback_days"):  # the lookback's first day, holidays aside
        mask = [1 if d in ctx.config.session.trading_days else 0 for d in range(7)]
        first = np.busday_offset(np.datetime64(asof, "D"), -(int(prof["lookback_days"]) - 1), roll="backward",
                                 weekmask=mask).astype(dt.date)
    sym = prof.get("symbol")
    msg = None
    if isinstance(first, dt.date) and day < first:
        msg = (f"{sym}: the plan starts on {day}, before the data it is planned from begin ({first} to {asof}): the "
               "liquidity profile describes a later period; plan from data that ends before the start (--asof).")
    elif day > asof:
        gap = len(trading_days(asof + dt.timedelta(days=1), 0, ctx.config, until=day)) - 1
        if gap > ctx.config.pretrade.stale_days:
            msg = (f"{sym}: the plan starts on {day}, {gap:,} trading days after its data end ({asof}): the liquidity "
                   "profile may not describe that date; refresh the data or check --start.")
    if msg:  # the command line shows the warning itself
        warnings.warn(msg, DataQualityWarning, stacklevel=4)


def _shares(t: Terms, prof: dict, hz, ctx: _Context, lam: float, rate) -> tuple[np.ndarray, float]:
    """The trajectory on the chosen windows, in whole lots within the caps; and the AC half-life (days)."""
    pc = ctx.config.planner
    grid = hz.grid
    day_vol = _costs.daily_volume(prof, ctx.config)
    price = float(prof.get("price_px") or float("nan"))
    sigma = float(prof.get("volatility_daily_frac") or float("nan"))
    k2 = 0.0
    half_life = float("nan")
    if ctx.kind == "ac":
        import polars as pl

        v_plan = float(grid.volume.sum())
        # the linear temporary-impact coefficient matched to the central model: a VWAP schedule over the grid pays
        # eta Q / V_plan per share, the model's temporary cost at that rate
        horizon = max(float(len(grid.dates)), 1e-6)
        temp = ctx.temporary.get((id(prof), t.qty, horizon))
        if temp is None:  # not priced ahead (_price_ac_ahead): the name's row read once, this order priced on it
            setup = ctx.central.get(id(prof))
            if setup is None:
                setup = ctx.central[id(prof)] = (prof, _costs.central_models(pl.DataFrame([prof], infer_schema_length=None),
                                                                             ctx.config, ctx.params))
            temp = float(_costs.temporary_bps_batch([t.qty], None, [horizon], ctx.config, ctx.params, setup[1])[0])
        eta = price * temp * 1e-4 * v_plan / t.qty if t.qty > 0 else float("nan")
        if math.isfinite(sigma) and sigma > 0 and math.isfinite(price) and lam > 0 and math.isfinite(eta) and eta > 0:
            k2 = lam * (price * sigma) ** 2 / eta
            half_life = 1.0 / math.sqrt(k2 * day_vol)
        else:
            half_life = math.inf
    target = target_schedule(ctx.kind, float(t.qty), grid.volume, grid.clock_minutes, grid.variance_days,
                             kappa_tilde_sq=k2, rate=rate)
    try:
        shares = allocate(target, hz.cap, grid.day, hz.day_cap, t.qty, pc.round_lot_shares, pc.min_tranche_shares)
    except Infeasible as exc:  # pragma: no cover - capacity was checked; kept for the odd-lot corner case
        raise OrderError(f"order {t.order_id}: {exc.reason} for {t.qty:,} shares of {t.symbol}; raise the caps or the horizon.") from None
    return shares, half_life


def _limits_batch(placed: list[_Placed], ctx: _Context) -> tuple[list[dict], list[tuple[int, str]]]:
    """Each tranche's limit rule (by expected cost, from the fill model) and its price at plan time, for every
    placed order: the orders of one name share their fill model, quote and half-spread, and are done together
    (:func:`~liqcost.planner.limits.choose_rules_batch`). Returns one dict per order and the notes to insert."""
    pc = ctx.config.planner
    by_symbol: dict = {}
    for i, p in enumerate(placed):
        by_symbol.setdefault(p.order["symbol"], []).append(i)
    lims: list = [None] * len(placed)
    late_notes = []
    for sym, members in by_symbol.items():
        prof = placed[members[0]].prof
        fm = ctx.models.get(sym)
        bid, ask, tick = reference_quote(prof, ctx.config, ctx.quotes.get(sym))
        mid = 0.5 * (bid + ask)
        hs_ref = (ask - bid) / 2 / mid * 1e4 if mid > 0 else _costs.half_spread_bps(prof)
        spread_ticks = (ask - bid) / tick if tick > 0 else None
        group = [placed[i] for i in members]
        counts = np.array([p.sel.size for p in group], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        q = np.concatenate([p.shares[p.sel] for p in group]).astype(np.float64)
        vol = np.concatenate([p.hz.grid.volume[p.sel] for p in group])
        window_s = np.concatenate([p.hz.grid.clock_minutes[p.sel] for p in group]) * 60.0
        kind = np.concatenate([p.hz.grid.kind[p.sel] for p in group])
        tod = np.concatenate([p.hz.grid.tod[p.sel] for p in group])
        auction = np.where(kind == "continuous", "", np.where(kind == "open_auction", "auction_open", "auction_close")).astype(object)
        room = np.maximum(np.concatenate([p.hz.cap[p.sel] for p in group]) - q, 0.0)
        imp = np.zeros(q.size)  # the impact is added by _finish (it does not change the rules)
        out = choose_rules_batch(list(pc.limit_rules), q, vol, window_s, tod, auction, offsets, imp, hs_ref, fm,
                                 pc.unfilled, room, pc.fill_method, spread_ticks)
        # the indicative price: only the first window's quote is known at plan time; later windows carry their rule
        # (re-pegged to the live quote when the window opens, never beyond the cap price), not a price
        first = offsets[:-1]
        rule0 = out["rule"][first] if q.size else np.zeros(0, dtype=object)
        priced = np.array([not r.startswith("auction") for r in rule0], dtype=bool)
        codes = np.array([rule_code(r) if ok else 0 for r, ok in zip(rule0, priced)], dtype=np.int64)
        sides = np.array([p.order["side"] for p in group])
        if math.isfinite(bid) and math.isfinite(ask):
            ticks = limit_ticks_np(sides, round(bid / tick), round(ask / tick), codes)
            price0 = np.where(priced, np.round(ticks * tick, 10), np.nan)
        else:
            price0 = np.full(codes.size, np.nan)
        for j, p in enumerate(group):
            a, b = int(offsets[j]), int(offsets[j + 1])
            order, side = p.order, p.order["side"]
            limit = order.get("limit_price")
            limit = float(limit) if limit is not None and math.isfinite(limit) else float("nan")
            prices = np.full(b - a, np.nan)
            if b > a:
                prices[0] = price0[j]
            if math.isfinite(limit):
                capped = (prices > limit) if side > 0 else (prices < limit)
                if capped[:1].any():
                    late_notes.append((p.note_at, members[j], f"order {order['order_id']}: the first tranche's indicative price is capped "
                                                  f"at the order's limit {limit:g}."))
                prices = np.where(capped, limit, prices)
            o = {k: (v[a:b] if k != "crossed_at_end" else float(v[j])) for k, v in out.items()}
            lims[members[j]] = {"out": o, "prices": prices, "bid": bid, "ask": ask, "hs_ref": hs_ref, "q": q[a:b],
                                "vol": vol[a:b], "fm": fm, "limit": limit}
    late_notes.sort(key=lambda x: (x[0], x[1]))  # at one place, in the orders' order
    return lims, [(at, msg) for at, _, msg in late_notes]


def _outcome(order: dict, t: Terms, prof: dict, hz, shares, sel, lim: dict, half_life: float, ctx: _Context) -> _Planned:
    """The tranche columns and the summary (risk, spread cost) of one order, by column name."""
    grid, out, q, vol = hz.grid, lim["out"], lim["q"], lim["vol"]
    side_word = "buy" if order["side"] > 0 else "sell"
    cum = np.cumsum(shares[sel])
    n = sel.size
    nan = np.full(n, np.nan)
    local = ctx.local
    tranches = {  # per order; numpy arrays are joined across orders by _frame
        "order_id": [t.order_id] * n, "symbol": [t.symbol] * n, "side": [side_word] * n,
        "tranche": np.arange(1, n + 1, dtype=np.int64), "day": grid.day[sel] + 1, "date": grid.date[sel].tolist(),
        "window_start": [local(k) for k in grid.start_ns[sel].tolist()],
        "window_end": [local(k) for k in grid.end_ns[sel].tolist()],
        "qty_shares": shares[sel].astype(np.int64), "cum_qty_shares": cum.astype(np.int64),
        "limit_rule": [str(r) for r in out["rule"]],
        "indicative_price_px": [float(x) if math.isfinite(x) else None for x in lim["prices"].tolist()],
        "limit_cap_px": [lim["limit"] if math.isfinite(lim["limit"]) else None] * n, "cap_frac": np.full(n, float(t.cap_frac)),
        "ref_bid_px": np.full(n, float(lim["bid"])), "ref_ask_px": np.full(n, float(lim["ask"])),
        "expected_volume_shares": np.asarray(vol, dtype=np.float64), "participation_frac": q / vol,
        "fill_prob_frac": out["full_fill_prob"], "expected_fill_frac": out["fill_frac"],
        "expected_participation_frac": out["executed"] / vol,
        "carry_in_shares": out["carry_in"],
        "mid_move_bps": nan, "spread_cost_bps": out["spread_part_bps"], "impact_bps": nan,
        "fees_bps": nan, "cost_vs_window_mid_bps": nan, "cost_vs_arrival_bps": nan,
        "shortfall_contribution_bps": nan,  # filled by _finish
    }
    w = q / q.sum()
    spread_cost = float((w * out["spread_part_bps"]).sum())
    timing = _timing_risk_bps(prof, grid, sel, t.qty, cum)
    fill_risk = float(math.sqrt(float(np.sum((w * out["sd_bps"]) ** 2))))
    risk = math.sqrt(timing**2 + fill_risk**2) if math.isfinite(timing) else fill_risk
    fm = lim["fm"]
    fm_desc = (f"ticks: {fm.n_days} days to {fm.last_date}, {fm.n_placements} placements, queue {fm.queue_ahead_frac:.0%}"
               if fm is not None else "none (cross only)")
    day_vol = _costs.daily_volume(prof, ctx.config)
    summary = {
        "order_id": t.order_id, "symbol": t.symbol, "side": side_word, "qty_shares": t.qty,
        "order_daily_volume_frac": t.qty / day_vol, "schedule": ctx.kind,
        "start": local(int(grid.start_ns[sel[0]])), "end": local(int(grid.end_ns[sel[-1]])),
        "n_tranches": int(n), "expected_days": int(grid.day[sel[-1]]) + 1,
        "expected_cost_bps": spread_cost, "cost_low_bps": float("nan"), "cost_high_bps": float("nan"),  # _finish
        "cost_p05_bps": float("nan"), "cost_p95_bps": float("nan"),
        "risk_bps": risk, "timing_risk_bps": timing, "fill_risk_bps": fill_risk, "impact_bps": float("nan"),
        "spread_cost_bps": spread_cost, "fees_bps": float("nan"), "fees_usd": float("nan"),
        "cross_now_cost_bps": float("nan"), "cross_now_source": None,
        "expected_cross_at_end_shares": float(out["crossed_at_end"]), "max_participation_frac": float(np.max(q / vol)),
        "daily_volume_shares": day_vol, "half_spread_bps": float(lim["hs_ref"]), "ref_bid_px": float(lim["bid"]),
        "ref_ask_px": float(lim["ask"]), "limit_cap_px": lim["limit"] if math.isfinite(lim["limit"]) else None,
        "ac_half_life_days": half_life,
        "unfilled": ctx.config.planner.unfilled, "fill_model": fm_desc, "impact_model": None, "status": "planned",
    }
    return _Planned(tranches, summary, t.qty, int(order["side"]), prof, _span_days(grid, sel), q, out["spread_part_bps"],
                    q / vol, spread_cost)


def _span_days(grid, sel) -> float:
    """Trading days from the first tranche's window start to the last one's end (session time)."""
    if sel.size == 0:
        return 0.0
    k0, k1 = int(sel[0]), int(sel[-1])
    d0, d1 = int(grid.day[k0]), int(grid.day[k1])
    sess0 = float(grid.day_close_ns[d0] - grid.day_open_ns[d0])
    sess1 = float(grid.day_close_ns[d1] - grid.day_open_ns[d1])
    f0 = (grid.start_ns[k0] - grid.day_open_ns[d0]) / sess0 if sess0 > 0 else 0.0
    f1 = (grid.end_ns[k1] - grid.day_open_ns[d1]) / sess1 if sess1 > 0 else 1.0
    return max(float(d1 - d0) + float(f1) - float(f0), 1.0 / 390.0)


def _timing_risk_bps(prof: dict, grid, sel, qty: int, cum) -> float:
    """``sigma sqrt(sum_k d_k (x_k / Q)^2)`` in bps: the holdings after each tranche are exposed until the next
    one (Almgren & Chriss 2000); the variance of windows without a tranche accrues too."""
    sigma = float(prof.get("volatility_daily_frac") or float("nan"))
    remaining = qty - cum
    var_days = grid.variance_days[sel]
    if sel.size:
        cum_var = np.concatenate([[0.0], np.cumsum(grid.variance_days)])
        seg = cum_var[np.append(sel[1:], grid.size)] - cum_var[sel]
        var_days = np.where(np.arange(sel.size) < sel.size - 1, seg, 0.0)
    if not math.isfinite(sigma):
        return float("nan")
    return float(sigma * math.sqrt(float(np.sum(var_days * (remaining / qty) ** 2))) * 1e4)


def _finish(planned: list[_Planned], config, params=None) -> None:
    """Price every planned order along its tranches (one call of the impact models over all of them) and fill
    the tranches' costs against both reference prices, the order's fees, model band, risk band and the cost of
    crossing now (:mod:`liqcost.planner.costs`)."""

    from liqcost.models.frontier import risk_band

    if not planned:
        return
    profiles = _profile_rows([p.profile for p in planned])
    counts = np.array([p.q.size for p in planned], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    params = params if params is not None else _costs.impact_params(config)
    pc = _costs.path_costs([p.qty for p in planned], [p.side for p in planned], profiles, offsets,
                           np.concatenate([p.q for p in planned]), np.concatenate([p.participation for p in planned]),
                           [p.span_days for p in planned], [p.spread_cost for p in planned], config, params)
    xnow = _cross_now(planned, profiles, pc, config, params)
    for i, p in enumerate(planned):
        sl = slice(offsets[i], offsets[i + 1])
        move, imp, fee = pc.mid_move_bps[sl], pc.impact_bps[sl], pc.fees_bps[sl]
        vs_mid = p.spread_part + imp + fee
        vs_arrival = move + vs_mid
        w = p.q / p.q.sum()
        t = p.tranches
        t["mid_move_bps"] = np.asarray(move, dtype=np.float64)
        t["impact_bps"] = np.asarray(imp, dtype=np.float64)
        t["fees_bps"] = np.asarray(fee, dtype=np.float64)
        t["cost_vs_window_mid_bps"] = np.asarray(vs_mid, dtype=np.float64)
        t["cost_vs_arrival_bps"] = np.asarray(vs_arrival, dtype=np.float64)
        t["shortfall_contribution_bps"] = np.asarray(w * vs_arrival, dtype=np.float64)
        expected = float((w * vs_arrival).sum())
        s = p.summary
        s["expected_cost_bps"] = expected
        s["cost_low_bps"], s["cost_high_bps"] = float(pc.low_bps[i]), float(pc.high_bps[i])
        lo, hi = risk_band(expected, s["risk_bps"])
        s["cost_p05_bps"], s["cost_p95_bps"] = float(lo), float(hi)
        s["impact_bps"] = float(pc.impact_total_bps[i])
        s["fees_bps"], s["fees_usd"] = float(pc.fees_total_bps[i]), float(pc.fees_usd[i])
        s["impact_model"] = str(pc.model[i])
        s["cross_now_cost_bps"] = float(max(xnow["cost_bps"][i], expected)) if math.isfinite(xnow["cost_bps"][i]) else expected
        s["cross_now_source"] = str(xnow["source"][i]) if xnow["cost_bps"][i] >= expected else "worked"


def _price_ac_ahead(orders, profiles: dict, ctx: _Context) -> None:
    """``ac``: the central model's temporary impact of every order over each whole number of days its plan can
    span (1 to ``planner.days`` or ``planner.horizon_days``), in one call of the models; :func:`_shares` looks the
    value up (the same number as pricing the order alone) and prices only what is not here. The rows are the
    call's profiles, alive for the whole call, so their ids stay theirs."""
    pc = ctx.config.planner
    span = pc.days or pc.horizon_days
    keys, rows, qty, days = [], [], [], []
    seen = set(ctx.temporary)
    for order in orders:
        prof = profiles.get(order.get("symbol"))
        try:
            q = round(float(order["qty"]))
        except (TypeError, ValueError, OverflowError):
            continue
        if prof is None:
            continue
        for d in range(1, int(span) + 1):
            key = (id(prof), q, float(d))
            if key not in seen:
                seen.add(key)
                keys.append(key), rows.append(prof), qty.append(q), days.append(float(d))
    if not keys:
        return
    values = _costs.temporary_bps_batch(qty, _profile_rows(rows), days, ctx.config, ctx.params)
    ctx.temporary.update(zip(keys, values.tolist()))


def _profile_rows(rows: list[dict]):
    """One profile row per order as a frame (orders in one name share their profile: each is read once)."""
    import polars as pl

    first: dict = {}
    idx = [first.setdefault(id(r), len(first)) for r in rows]
    uniq = list({id(r): r for r in rows}.values())
    frame = pl.DataFrame(uniq, infer_schema_length=None)
    return frame if len(uniq) == len(rows) else frame[np.asarray(idx, dtype=np.int64)]


def _cross_now(planned: list[_Planned], profiles, pc, config, params) -> dict:
    """Crossing every planned order now: the visible book walked at the plan-time quote (the profile's depth at
    the touch), else the central model's instantaneous limit; never below the cost of working the order over the
    fastest frontier horizon (``pretrade.frontier_days``) at a constant rate; fees included."""
    from liqcost.models.book import level_gap_px, tick_size, walk_book

    q = np.array([p.qty for p in planned], dtype=np.float64)
    price = np.array([float(p.profile.get("price_px") or np.nan) for p in planned])
    bid = np.array([p.summary["ref_bid_px"] for p in planned], dtype=np.float64)
    ask = np.array([p.summary["ref_ask_px"] for p in planned], dtype=np.float64)
    mid = np.where(np.isfinite(bid) & np.isfinite(ask) & (ask >= bid), 0.5 * (bid + ask), price)
    spread_px = np.where(np.isfinite(bid) & np.isfinite(ask) & (ask >= bid), ask - bid, np.nan)
    depth = np.array([float(p.profile.get("quoted_depth_shares") or np.nan) for p in planned])
    tick = tick_size(mid, config.planner)
    book = walk_book(q, depth, spread_px / 2.0, level_gap_px(spread_px, tick, config.pretrade.book_level_gap_spreads), mid)
    hs = np.array([p.summary["half_spread_bps"] for p in planned], dtype=np.float64)
    session_min = config.session.close_minutes - config.session.open_minutes
    instant = _costs.impact_bps_batch(q, profiles, np.full(q.size, config.pretrade.immediate_minutes / max(session_min, 1.0)),
                                      config, params) + hs
    fastest = _costs.impact_bps_batch(q, profiles, np.full(q.size, min(config.pretrade.frontier_days)), config, params) + hs
    immediate = np.where(np.isfinite(book), book, instant) + pc.fees_total_bps
    floor = fastest + pc.fees_total_bps
    cost = np.fmax(immediate, floor)
    source = np.where(immediate >= floor, np.where(np.isfinite(book), "book", "model"), "worked")
    return {"cost_bps": cost, "source": source}
