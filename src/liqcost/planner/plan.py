"""``plan(orders, profile, fill_model, config) -> PlanResult``: orders into limit-order tranches.

For each order (in the order given):

1. **Window grid** (:func:`liqcost.planner.schedule.build_grid`) from the start (the order's ``start``, the
   ``start`` argument, or the first session after the profile's as-of date) over the horizon: the
   order's ``end``, ``planner.days``, or the fewest trading days (at most ``planner.horizon_days``) whose
   caps hold the order.
2. **Trajectory** (:func:`liqcost.planner.trajectory.target_schedule`): ``planner.schedule`` (ac, twap,
   vwap, pov). For ``ac`` the temporary-impact coefficient is the square-root law (``impact.sqrt_y``)
   linearised at the order's size, ``eta = P Y sigma sqrt(Q/V) V_plan / Q`` (so that the VWAP schedule costs the law's value), giving
   ``kappa_tilde^2 = lambda (P sigma)^2 / eta`` with ``lambda`` the order's ``urgency`` or
   ``planner.risk_aversion`` (per currency).
3. **Caps, lots, exact sums** (:func:`liqcost.planner.schedule.allocate`): the order's ``max_participation``
   (else ``planner.max_participation_frac``) of every window's expected volume and
   ``planner.max_daily_participation_frac`` of every day's, shared with the orders planned before it in the
   same name; round lots, the last tranche absorbs the odd lot. An order the caps cannot hold raises
   :class:`~liqcost.errors.OrderError` with the smallest horizon or cap that would work.
4. **Limit prices** (:func:`liqcost.planner.limits.choose_rules`) by expected cost, from the fill model.
5. **Summary**: expected cost (share-weighted over tranches, impact included), a 90% band from the timing
   risk (``sigma sqrt(sum d_k (x_k / Q)^2)``, Almgren & Chriss 2000's variance in bps) and the fill-outcome
   risk, the cost of crossing everything at once for comparison, expected days.

Costs are in bps of the arrival mid (positive = paid), shares are whole shares, times are shown in the
exchange's time zone.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from liqcost.errors import DataQualityWarning, NoDataError, OrderError
from liqcost.planner import costs as _costs
from liqcost.planner.limits import choose_rules, limit_ticks_np, reference_quote, rule_code
from liqcost.planner.schedule import Infeasible, allocate, build_grid, infeasible_message
from liqcost.planner.trajectory import target_schedule

__all__ = ["PLAN_COLUMNS", "SUMMARY_COLUMNS", "PlanResult", "plan"]

NS = 1_000_000_000
MAX_SEARCH_DAYS = 252
# when the finest windows cannot hold an order: longer regular windows (in profile intervals), then the
# windows that lose the least capacity to lot rounding
_COARSER = (2, 3, 4, 6, 1000, "max_lots")

PLAN_COLUMNS = [
    "order_id", "symbol", "side", "tranche", "day", "date", "window_start", "window_end", "qty_shares",
    "cum_qty_shares", "limit_rule", "limit_price_px", "ref_bid_px", "ref_ask_px", "expected_volume_shares",
    "participation_frac", "fill_prob_frac", "expected_fill_frac", "expected_participation_frac", "carry_in_shares",
    "expected_cost_bps", "impact_bps",
]
SUMMARY_COLUMNS = [
    "order_id", "symbol", "side", "qty_shares", "pct_of_daily_volume_frac", "schedule", "start", "end", "n_tranches",
    "expected_days", "expected_cost_bps", "cost_p05_bps", "cost_p95_bps", "risk_bps", "timing_risk_bps",
    "fill_risk_bps", "impact_bps", "spread_cost_bps", "cross_now_cost_bps", "expected_cross_at_end_shares",
    "max_participation_frac", "daily_volume_shares", "half_spread_bps", "ac_half_life_days", "unfilled", "fill_model",
    "status",
]


@dataclass(frozen=True)
class PlanResult:
    """A plan: one row per tranche and one summary row per order.

    Attributes
    ----------
    tranches : polars.DataFrame
        Columns :data:`PLAN_COLUMNS`: ``side`` is ``buy``/``sell``; ``window_start``/``window_end`` are in the
        exchange's time zone; ``limit_price_px`` is the rule's price against the reference quote at plan time
        (re-peg it to the quote when the window opens); ``participation_frac`` is planned shares over the
        window's expected volume, ``expected_participation_frac`` the expected executed shares (carried
        shares included) over it; ``fill_prob_frac`` is the probability that the tranche fills completely in
        its window, ``expected_fill_frac`` its expected filled fraction; ``expected_cost_bps`` is per planned
        share, impact included.
    summary : polars.DataFrame
        Columns :data:`SUMMARY_COLUMNS`, one row per order; ``status`` is ``planned`` or, with
        ``errors="report"``, why the order could not be planned.
    fill_models : dict
        The fill models used, by symbol.
    notes : tuple of str
        What the planner assumed or could not do (shown by the command line).
    """

    tranches: object
    summary: object
    fill_models: dict = field(default_factory=dict, repr=False)
    notes: tuple = ()

    def tables(self) -> dict:
        """``{"plan": tranches, "summary": summary}`` for :func:`liqcost.cli.output.emit`."""
        return {"plan": self.tranches, "summary": self.summary}

    def summary_text(self) -> str:
        """One paragraph per order, for a human."""
        out = []
        for r in self.summary.iter_rows(named=True):
            if r["status"] != "planned":
                out.append(f"{r['order_id']}: not planned: {r['status']}")
                continue
            out.append(
                f"{r['order_id']}: {r['side']} {r['qty_shares']:,.0f} {r['symbol']} ({r['pct_of_daily_volume_frac']:.0%} of a day's "
                f"volume) in {r['n_tranches']} tranches over {r['expected_days']} day(s), {r['schedule']}: expected cost "
                f"{r['expected_cost_bps']:.1f} bps (90% band {r['cost_p05_bps']:.1f} to {r['cost_p95_bps']:.1f}; crossing "
                f"now {r['cross_now_cost_bps']:.1f} bps)."
            )
        return "\n".join(out)


# ------------------------------------------------------------------------------------------ inputs


def _orders_list(orders) -> list[dict]:
    import polars as pl

    if isinstance(orders, dict):
        rows = [orders]
    elif isinstance(orders, pl.DataFrame):
        rows = orders.to_dicts()
    else:
        rows = list(orders)
    out = []
    for i, r in enumerate(rows, 1):
        r = dict(r)
        r.setdefault("order_id", f"{r.get('symbol', 'order')}-{i}")
        out.append(r)
    return out


def _profiles(profile) -> dict:
    import polars as pl

    if isinstance(profile, dict) and "symbol" in profile and not isinstance(profile.get("symbol"), (list, tuple)):
        return {profile["symbol"]: profile}
    if isinstance(profile, dict):
        return dict(profile)
    if isinstance(profile, pl.DataFrame):
        return {r["symbol"]: r for r in profile.to_dicts()}
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


def _default_start_ns(profile: dict, config, start) -> int:
    """The first session open after the profile's as-of date (or the given start: a date means its open)."""
    from liqcost.models.fill_prob import session_bounds_ns
    from liqcost.planner.schedule import trading_days

    if isinstance(start, dt.datetime):
        return _ts_ns(start)
    if isinstance(start, dt.date):
        first = trading_days(start, 1, config)[0]
        return int(session_bounds_ns([first], config.session)[0][0])
    asof = profile.get("asof_date")
    if isinstance(asof, dt.datetime):
        asof = asof.date()
    if not isinstance(asof, dt.date):
        asof = dt.date.today()
    first = trading_days(asof + dt.timedelta(days=1), 1, config)[0]
    return int(session_bounds_ns([first], config.session)[0][0])


def _fmt_local(ns: int, tz) -> dt.datetime:
    return dt.datetime.fromtimestamp(ns / NS, tz)


# ----------------------------------------------------------------------------------------- planning


def plan(orders, profile, fill_model=None, config=None, *, start=None, quotes: dict | None = None,
         schedule: str | None = None, errors: str = "raise") -> PlanResult:
    """Plan limit-order tranches for one or more orders.

    Parameters
    ----------
    orders : polars.DataFrame, dict or list of dict
        Rows of :data:`liqcost.schema.ORDERS`: ``order_id, symbol, side (+1/-1), qty`` and optionally
        ``start, end`` (datetimes with a time zone, or ns UTC), ``max_participation``, ``urgency``
        (Almgren-Chriss lambda, per currency), ``limit_price``.
    profile : polars.DataFrame or dict
        Liquidity profile rows (:data:`liqcost.schema.PROFILE`) of the orders' symbols.
    fill_model : FillModel, dict of FillModel, or None
        Fill-probability model per symbol (:func:`liqcost.models.fill_prob.fit_fill_model`). Without one, a
        symbol's tranches are marketable limits (``cross``) only.
    config : liqcost.config.Config, optional
        ``planner``, ``impact``, ``session``, ``measures`` sections (defaults when None).
    start : datetime.date or datetime.datetime, optional
        Start of orders without their own ``start`` (a date means its session open). Default: the first
        session after the profile's ``asof_date``.
    quotes : dict, optional
        ``symbol -> (bid, ask)`` prevailing at plan time (default: the profile's price and quoted spread).
    schedule : str, optional
        Overrides ``planner.schedule``.
    errors : ``"raise"`` or ``"report"``
        What an order that cannot be planned does: raise its :class:`~liqcost.errors.OrderError`, or get
        a summary row whose ``status`` is the error's message (and no tranche) while the other orders are
        planned (a basket).

    Returns
    -------
    PlanResult

    Raises
    ------
    OrderError
        A bad order (size, side, unknown symbol) or one the caps cannot hold within the horizon (the
        message gives the smallest horizon in days, or cap, that would work).
    NoDataError
        A symbol without a usable profile (no volume).
    """
    import polars as pl

    from liqcost.config import Config

    config = config or Config()
    pc = config.planner
    kind = schedule or pc.schedule
    profiles = _profiles(profile)
    models = fill_model if isinstance(fill_model, dict) else ({} if fill_model is None else {fill_model.symbol: fill_model})
    rows, summaries, notes = [], [], []
    used: dict[str, list] = {}  # symbol -> [(start_ns, end_ns, shares)] of orders planned before
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(config.session.timezone)
    seen_sides: dict[str, set] = {}
    if errors not in ("raise", "report"):
        raise ValueError("errors must be 'raise' or 'report'")
    cache: dict = {}
    _USED_MEMO.clear()
    planned, slots = [], []  # slots: per order, an index into planned or a failed summary row
    for order in _orders_list(orders):
        try:
            res = _plan_one(order, profiles, models, config, kind, start, quotes or {}, used, tz, notes, cache)
        except (OrderError, NoDataError) as exc:
            if errors == "raise":
                raise
            notes.append(exc.message)
            slots.append(_failed_row(order, kind, pc, exc.message))
            continue
        sym = order["symbol"]
        seen_sides.setdefault(sym, set()).add(int(order["side"]))
        slots.append(len(planned))
        planned.append(res)
    done_rows, done_summaries = _finish(planned, config, _costs.impact_params(config) if planned else None)
    rows.extend(done_rows)
    for slot in slots:
        summaries.append(done_summaries[slot] if isinstance(slot, int) else slot)
    for sym, sides in seen_sides.items():
        if len(sides) > 1:
            msg = f"{sym}: orders on both sides of the same name; they are planned independently and would trade with each other."
            warnings.warn(msg, DataQualityWarning, stacklevel=2)
            notes.append(msg)
    tz_name = config.session.timezone
    ts_type = pl.Datetime("us", tz_name)
    plan_schema = {
        "order_id": pl.String, "symbol": pl.String, "side": pl.String, "tranche": pl.Int64, "day": pl.Int64,
        "date": pl.Date, "window_start": ts_type, "window_end": ts_type, "qty_shares": pl.Int64, "cum_qty_shares": pl.Int64,
        "limit_rule": pl.String, "limit_price_px": pl.Float64, "ref_bid_px": pl.Float64, "ref_ask_px": pl.Float64,
        "expected_volume_shares": pl.Float64, "participation_frac": pl.Float64, "fill_prob_frac": pl.Float64,
        "expected_fill_frac": pl.Float64, "expected_participation_frac": pl.Float64, "carry_in_shares": pl.Float64,
        "expected_cost_bps": pl.Float64, "impact_bps": pl.Float64,
    }
    tranches = pl.DataFrame(rows, schema=plan_schema, orient="row") if rows else pl.DataFrame(schema=plan_schema)
    sum_schema = {
        "order_id": pl.String, "symbol": pl.String, "side": pl.String, "qty_shares": pl.Int64,
        "pct_of_daily_volume_frac": pl.Float64, "schedule": pl.String, "start": ts_type, "end": ts_type,
        "n_tranches": pl.Int64, "expected_days": pl.Int64, "expected_cost_bps": pl.Float64, "cost_p05_bps": pl.Float64,
        "cost_p95_bps": pl.Float64, "risk_bps": pl.Float64, "timing_risk_bps": pl.Float64, "fill_risk_bps": pl.Float64,
        "impact_bps": pl.Float64, "spread_cost_bps": pl.Float64, "cross_now_cost_bps": pl.Float64,
        "expected_cross_at_end_shares": pl.Float64, "max_participation_frac": pl.Float64, "daily_volume_shares": pl.Float64,
        "half_spread_bps": pl.Float64, "ac_half_life_days": pl.Float64, "unfilled": pl.String, "fill_model": pl.String,
        "status": pl.String,
    }
    summary = pl.DataFrame(summaries, schema=sum_schema, orient="row")
    return PlanResult(tranches, summary, {s: models[s] for s in seen_sides if s in models}, tuple(dict.fromkeys(notes)))


def _failed_row(order: dict, kind: str, pc, message: str) -> tuple:
    side = order.get("side")
    qty = order.get("qty")
    try:
        qty_i = round(float(qty))
    except (TypeError, ValueError):
        qty_i = None
    nan = float("nan")
    return (str(order.get("order_id")), order.get("symbol"), "buy" if side == 1 else ("sell" if side == -1 else None), qty_i,
            nan, kind, None, None, 0, 0, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, pc.unfilled,
            None, message)


def _grid(cache: dict, prof, config, start_ns, n_days=None, end_ns=None, coarse=None, group=1):
    """build_grid memoised within one plan() call (orders in the same name share their grids; grids are
    never modified)."""
    key = (prof.get("symbol"), id(prof), start_ns, n_days, end_ns, coarse, group)
    g = cache.get(key)
    if g is None:
        g = cache[key] = build_grid(prof, config, start_ns, n_days=n_days, end_ns=end_ns, coarse=coarse, group=group)
    return g


def _build_option(cache, prof, config, start_ns, end_ns, n_days, option, coarse):
    kw = {"coarse": coarse} if option == "max_lots" else {"group": option}
    if end_ns is not None:
        return _grid(cache, prof, config, start_ns, end_ns=end_ns, **kw)
    return _grid(cache, prof, config, start_ns, n_days=n_days, **kw)


_USED_MEMO: dict = {}


def _used_on(grid, used: list) -> np.ndarray:
    """``_used_shares`` for a grid, updated incrementally as orders in the name add tranches (memoised
    within one plan call; grids are cached and never modified)."""
    if not used:
        return np.zeros(grid.size)
    key = (id(grid), id(used))
    entry = _USED_MEMO.get(key)
    if entry is None or entry[2] is not grid:
        entry = _USED_MEMO[key] = [0, np.zeros(grid.size), grid]
    if entry[0] < len(used):
        entry[1] = entry[1] + _used_shares(used[entry[0]:], grid.start_ns, grid.end_ns)
        entry[0] = len(used)
    return entry[1]


def _used_shares(used: list, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
    """Shares other orders of the name already take in each window (pro rata to time overlap)."""
    if not used:
        return np.zeros(start_ns.size)
    u = np.asarray(used, dtype=np.float64)  # [U, 3]: start, end, shares
    us, ue, uq = u[:, 0], u[:, 1], u[:, 2]
    s = start_ns.astype(np.float64)[:, None]
    e = end_ns.astype(np.float64)[:, None]
    length = ue - us
    ov = np.clip(np.minimum(e, ue[None, :]) - np.maximum(s, us[None, :]), 0.0, None)
    timed = np.where(length[None, :] > 0, uq[None, :] * ov / np.where(length > 0, length, 1.0)[None, :], 0.0)
    instant = np.where((length[None, :] <= 0) & (s == us[None, :]) & (e == ue[None, :]), uq[None, :], 0.0)
    return (timed + instant).sum(axis=1)


def _caps(grid, cap_frac: float, day_cap_frac: float, max_tranche, used: list):
    volume = grid.volume
    u = _used_on(grid, used)
    cap = cap_frac * volume - u
    if max_tranche is not None:
        cap = np.minimum(cap, max_tranche)
    used_day = np.bincount(grid.day, weights=u, minlength=len(grid.dates)) if grid.size else np.zeros(len(grid.dates))
    day_cap = day_cap_frac * grid.day_volume - used_day
    return np.maximum(cap, 0.0), np.maximum(day_cap, 0.0)


def _day_capacity(grid, cap_frac, day_cap_frac, pc, used) -> np.ndarray:
    """Round lots each day of the grid can take (additive over days)."""
    from liqcost.planner.schedule import capacity_by_day

    if grid.size == 0:
        return np.zeros(len(grid.dates), dtype=np.int64)
    cap, dcap = _caps(grid, cap_frac, day_cap_frac, pc.max_tranche_shares, used)
    return capacity_by_day(cap, grid.day, dcap, pc.round_lot_shares, max(pc.min_tranche_shares, 1.0))


def _days_needed(grid, qty, cap_frac, day_cap_frac, pc, used) -> int | None:
    """Fewest leading days of the grid whose caps hold the order (None: not within the grid)."""
    need = math.ceil(qty / pc.round_lot_shares)
    cum = np.cumsum(_day_capacity(grid, cap_frac, day_cap_frac, pc, used))
    idx = np.flatnonzero(cum >= need)
    return int(idx[0]) + 1 if idx.size else None


def _feasible(grid, qty, cap_frac, day_cap_frac, pc, used) -> bool:
    return _days_needed(grid, qty, cap_frac, day_cap_frac, pc, used) is not None


def _remedies(prof, config, start_ns, qty, days, cap_frac, day_cap_frac, pc, used, end_ns):
    """Smallest number of days at the caps, and smallest cap within the horizon, that hold the order
    (with the windows that lose the least capacity to lot rounding)."""
    from liqcost.planner.schedule import capacity_lots

    lot, mt = pc.round_lot_shares, max(pc.min_tranche_shares, 1.0)

    def grid_for(cap, n_days=None):
        if end_ns is not None:
            return build_grid(prof, config, start_ns, end_ns=end_ns, coarse=(cap, lot, mt))
        return build_grid(prof, config, start_ns, n_days=n_days, coarse=(cap, lot, mt))

    min_days = None
    if end_ns is None:
        long = grid_for(cap_frac, MAX_SEARCH_DAYS)
        min_days = _days_needed(long, qty, cap_frac, day_cap_frac, pc, used)
    scale = max(day_cap_frac / cap_frac, 1e-9)
    min_cap = None
    if _feasible(grid_for(1.0, days), qty, 1.0, min(1.0, scale), pc, used):
        lo, hi = cap_frac, 1.0
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            if _feasible(grid_for(mid, days), qty, mid, min(1.0, mid * scale), pc, used):
                hi = mid
            else:
                lo = mid
        min_cap = hi
    grid = grid_for(cap_frac, days)
    cap, dcap = _caps(grid, cap_frac, day_cap_frac, pc.max_tranche_shares, used)
    capacity = capacity_lots(cap, grid.day, dcap, lot, mt) * lot
    return min_days, min_cap, float(capacity), grid


def _plan_one(order, profiles, models, config, kind, start, quotes, used_by_symbol, tz, notes, cache):
    pc = config.planner
    oid = str(order.get("order_id"))
    sym = order.get("symbol")
    if sym not in profiles:
        known = ", ".join(sorted(profiles)[:20]) or "none"
        raise OrderError(f"order {oid}: no liquidity profile for symbol {sym!r}; profiles: {known}.")
    prof = profiles[sym]
    side = order.get("side")
    if side not in (1, -1):
        raise OrderError(f"order {oid}: side must be buy (+1) or sell (-1), got {side!r}.")
    qty_raw = order.get("qty")
    if qty_raw is None or not (float(qty_raw) > 0) or not math.isfinite(float(qty_raw)):
        raise OrderError(f"order {oid}: quantity must be a positive number of shares, got {qty_raw!r}.")
    qty = round(float(qty_raw))
    if abs(qty - float(qty_raw)) > 1e-6:
        raise OrderError(f"order {oid}: quantity {qty_raw} is not a whole number of shares.")
    day_vol = _costs.daily_volume(prof, config)
    if not math.isfinite(day_vol) or day_vol <= 0:
        raise NoDataError(f"{sym}: the profile has no expected volume ({pc.volume_basis} is {day_vol}); nothing can be planned.")
    cap_frac = order.get("max_participation") or pc.max_participation_frac
    if not (0 < cap_frac <= 1):
        raise OrderError(f"order {oid}: max_participation must be in (0, 1], got {cap_frac}.")
    day_cap_frac = order.get("max_participation") or pc.max_daily_participation_frac
    lam = order.get("urgency")
    lam = pc.risk_aversion if lam is None or not math.isfinite(lam) else float(lam)
    if lam < 0:
        raise OrderError(f"order {oid}: urgency (risk aversion) must be >= 0, got {lam}.")
    rate = None
    if kind == "pov":
        rate = pc.pov_rate_frac or cap_frac
        if rate > cap_frac:
            raise OrderError(f"order {oid}: the pov rate {rate:.0%} exceeds the participation cap {cap_frac:.0%}.")
        cap_frac = min(cap_frac, rate)
        day_cap_frac = min(day_cap_frac, rate)
    start_ns = _ts_ns(order.get("start"))
    if start_ns is None:
        key = ("start", id(prof), start.isoformat() if isinstance(start, dt.date) else start)
        if key not in cache:
            cache[key] = _default_start_ns(prof, config, start)
        start_ns = cache[key]
    end_ns = _ts_ns(order.get("end"))
    if end_ns is not None and end_ns <= start_ns:
        raise OrderError(f"order {oid}: end is not after start.")
    used = used_by_symbol.setdefault(sym, [])

    # ---- horizon: the order's end, planner.days, or the fewest days within the caps; the finest windows
    # first, then windows that lose the least capacity to lot rounding
    coarse = (cap_frac, pc.round_lot_shares, max(pc.min_tranche_shares, 1.0))
    if end_ns is not None:
        fine = _grid(cache, prof, config, start_ns, end_ns=end_ns)
        days = len(fine.dates)
        fixed = True
    else:
        days = pc.days or pc.horizon_days
        fine = _grid(cache, prof, config, start_ns, n_days=days)
        fixed = pc.days is not None
    # fewest days (at most the horizon) first, then the finest windows that achieve them
    grid = None
    if fixed:
        if _feasible(fine, qty, cap_frac, day_cap_frac, pc, used):
            grid = fine
        else:
            for option in _COARSER:
                c = _build_option(cache, prof, config, start_ns, end_ns, days, option, coarse)
                if _feasible(c, qty, cap_frac, day_cap_frac, pc, used):
                    grid = c
                    break
    else:
        best_d = _days_needed(fine, qty, cap_frac, day_cap_frac, pc, used)
        best = fine
        # no window layout beats the day caps: stop when the fine windows already reach them
        _, dcap = _caps(fine, cap_frac, day_cap_frac, pc.max_tranche_shares, used)
        upper = np.cumsum(np.floor(dcap / pc.round_lot_shares + 1e-9))
        hit = np.flatnonzero(upper >= math.ceil(qty / pc.round_lot_shares))
        d_upper = int(hit[0]) + 1 if hit.size else None
        for option in _COARSER:
            if best_d == 1 or (best_d is not None and best_d == d_upper):
                break
            c = _build_option(cache, prof, config, start_ns, None, days, option, coarse)
            d = _days_needed(c, qty, cap_frac, day_cap_frac, pc, used)
            if d is not None and (best_d is None or d < best_d):
                best_d, best = d, c
        if best_d is not None:
            grid = best
            n_keep = best_d
    if grid is not None and fixed:
        n_keep = len(grid.dates)
    if grid is None:
        min_days, min_cap, capacity, _ = _remedies(prof, config, start_ns, qty, days, cap_frac, day_cap_frac, pc, used, end_ns)
        extra = ""
        if used:
            extra = "Earlier orders in the same name already use part of the capacity."
        raise OrderError(infeasible_message(oid, sym, qty, days, cap_frac, day_cap_frac, capacity, day_vol, min_days, min_cap,
                                            extra))

    # caps on the chosen grid (memoised), then its first n_keep days
    cap, dcap = _caps(grid, cap_frac, day_cap_frac, pc.max_tranche_shares, used)
    if n_keep < len(grid.dates):
        keep = grid.day < n_keep
        grid = grid.head_days(n_keep)
        cap, dcap = cap[keep], dcap[:n_keep]

    # ---- trajectory
    price = float(prof.get("price_px") or float("nan"))
    sigma = float(prof.get("volatility_daily_frac") or float("nan"))
    k2 = 0.0
    half_life = float("nan")
    if kind == "ac":
        v_plan = float(grid.volume.sum())
        if math.isfinite(sigma) and sigma > 0 and math.isfinite(price) and lam > 0:
            eta = price * config.impact.sqrt_y * sigma * math.sqrt(qty / day_vol) * v_plan / qty
            k2 = lam * (price * sigma) ** 2 / eta
            half_life = 1.0 / math.sqrt(k2 * day_vol)
        else:
            half_life = math.inf
    target = target_schedule(kind, float(qty), grid.volume, grid.clock_min, grid.variance_days,
                             kappa_tilde_sq=k2, rate=rate)
    try:
        shares = allocate(target, cap, grid.day, dcap, qty, pc.round_lot_shares, pc.min_tranche_shares)
    except Infeasible as exc:  # pragma: no cover - capacity was checked; kept for the odd-lot corner case
        raise OrderError(f"order {oid}: {exc.reason} for {qty:,} shares of {sym}; raise the caps or the horizon.") from None
    sel = np.flatnonzero(shares > 0)
    for k in sel:
        used.append((int(grid.start_ns[k]), int(grid.end_ns[k]), float(shares[k])))

    # ---- limit prices and expected outcome
    fm = models.get(sym)
    if fm is None and any(r != "cross" for r in pc.limit_rules):
        notes.append(f"{sym}: no fill-probability model (no ticks); tranches are marketable limits (cross).")
    bid, ask, tick = reference_quote(prof, config, quotes.get(sym))
    mid = 0.5 * (bid + ask)
    hs_ref = (ask - bid) / 2 / mid * 1e4 if mid > 0 else _costs.half_spread_bps(prof)
    q = shares[sel].astype(np.float64)
    vol = grid.volume[sel]
    window_s = grid.clock_min[sel] * 60.0
    auction = np.array(["" if k == "continuous" else ("auction_open" if k == "open_auction" else "auction_close")
                        for k in grid.kind[sel]], dtype=object)
    imp = np.zeros(q.size)  # the impact is added by _finish (it does not change the rules)
    room = np.maximum(cap[sel] - q, 0.0)
    spread_ticks = (ask - bid) / tick if tick > 0 else None
    rules = list(pc.limit_rules)
    out = choose_rules(rules, q, vol, window_s, grid.tod[sel], auction, imp, hs_ref, fm, pc.unfilled, room,
                       pc.fill_method, spread_ticks)
    limit = order.get("limit_price")
    priced = np.array([not r.startswith("auction") for r in out["rule"]], dtype=bool)
    codes = np.array([rule_code(r) if ok else 0 for r, ok in zip(out["rule"], priced)], dtype=np.int64)
    if math.isfinite(bid) and math.isfinite(ask):
        ticks = limit_ticks_np(side, round(bid / tick), round(ask / tick), codes)
        prices = np.where(priced, np.round(ticks * tick, 10), np.nan)
    else:
        prices = np.full(codes.size, np.nan)
    if limit is not None and math.isfinite(limit):
        capped = (prices > limit) if side > 0 else (prices < limit)
        if capped.any():
            notes.append(f"order {oid}: {int(capped.sum())} tranche price(s) capped at the order's limit {limit:g}.")
        prices = np.where(capped, limit, prices)

    # ---- rows
    cum = np.cumsum(shares[sel])
    side_s = "buy" if side > 0 else "sell"
    rows = []
    for i, k in enumerate(sel):
        rows.append([
            oid, sym, side_s, i + 1, int(grid.day[k]) + 1, grid.date[k], _fmt_local(int(grid.start_ns[k]), tz),
            _fmt_local(int(grid.end_ns[k]), tz), int(shares[k]), int(cum[i]), str(out["rule"][i]), float(prices[i]),
            float(bid), float(ask), float(vol[i]), float(q[i] / vol[i]), float(out["full_fill_prob"][i]),
            float(out["fill_frac"][i]), float(out["executed"][i] / vol[i]), float(out["carry_in"][i]),
            float("nan"), float("nan"),
        ])
    w = q / q.sum()
    spread_cost = float((w * out["spread_part_bps"]).sum())
    remaining = qty - cum
    var_days = grid.variance_days[sel]
    # holdings after each tranche exposed until the next one; the variance of dropped windows accrues too
    if sel.size:
        cum_var = np.concatenate([[0.0], np.cumsum(grid.variance_days)])
        seg = cum_var[np.append(sel[1:], grid.size)] - cum_var[sel]
        var_days = np.where(np.arange(sel.size) < sel.size - 1, seg, 0.0)
    timing = float(sigma * math.sqrt(float(np.sum(var_days * (remaining / qty) ** 2))) * 1e4) if math.isfinite(sigma) else float("nan")
    fill_risk = float(math.sqrt(float(np.sum((w * out["sd_bps"]) ** 2))))
    risk = math.sqrt(timing**2 + fill_risk**2) if math.isfinite(timing) else fill_risk
    fm_desc = (f"ticks: {fm.n_days} days to {fm.last_date}, {fm.n_placements} placements, queue {fm.queue_ahead_frac:.0%}"
               if fm is not None else "none (cross only)")
    summary = [
        oid, sym, side_s, qty, qty / day_vol, kind, _fmt_local(int(grid.start_ns[sel[0]]), tz),
        _fmt_local(int(grid.end_ns[sel[-1]]), tz), int(sel.size), int(grid.day[sel[-1]]) + 1, spread_cost,
        float("nan"), float("nan"), risk, timing, fill_risk, float("nan"), spread_cost,  # impact: _finish
        float(hs_ref), float(out["crossed_at_end"]), float(np.max(q / vol)), day_vol, float(hs_ref),
        half_life, pc.unfilled, fm_desc, "planned",
    ]
    pending = {"qty": qty, "profile": prof, "days": len(grid.dates), "q": q, "spread_part": out["spread_part_bps"]}
    return rows, summary, pending


_S_EXPECTED, _S_P05, _S_P95, _S_RISK, _S_IMPACT, _S_CROSS = 10, 11, 12, 13, 16, 18
_R_COST, _R_IMPACT = 20, 21


def _finish(results, config, params) -> tuple[list, list]:
    """Add the impact of every planned order (one call of the impact models over all of them) to its
    tranches and summary: tranche cost = spread part + attributed impact; the band around the total."""
    if not results:
        return [], []
    impacts = _costs.impact_bps_batch([r[2]["qty"] for r in results], [r[2]["profile"] for r in results],
                                      [r[2]["days"] for r in results], config, params)
    rows, summaries = [], []
    for (order_rows, summary, pend), total in zip(results, impacts):
        imp = _costs.tranche_impact_bps(pend["q"], float(total))
        for i, row in enumerate(order_rows):
            row[_R_COST] = float(pend["spread_part"][i] + imp[i])
            row[_R_IMPACT] = float(imp[i])
            rows.append(tuple(row))
        w = pend["q"] / pend["q"].sum()
        expected = float((w * (pend["spread_part"] + imp)).sum())
        risk = summary[_S_RISK]
        summary[_S_EXPECTED] = expected
        summary[_S_P05], summary[_S_P95] = expected - 1.645 * risk, expected + 1.645 * risk
        summary[_S_IMPACT] = float(total)
        summary[_S_CROSS] = float(summary[_S_CROSS] + total)
        summaries.append(tuple(summary))
    return rows, summaries
