"""The pre-trade sizing check: what an order will cost, how long it will take, and whether it is too big.

``pretrade(orders, profiles, config)`` prices a batch of orders (one or 10,000) against per-symbol
liquidity profiles (``schema.PROFILE``), vectorized over the orders:

1. **Cost**: every configured impact model (:mod:`liqcost.models.impact`) at the order's schedule (its
   participation cap, or its start/end window when given: the models price the speed), fees included
   (:mod:`liqcost.models.fees`), a central estimate with its model band (low/high across models and
   uncertainties, :mod:`liqcost.models.band`) and its risk band (5th/95th percentiles of the realized cost
   from the timing risk), in bps of the arrival mid and in currency.
2. **What finishing faster costs** (:mod:`liqcost.models.frontier`): the cost-risk frontier over
   ``pretrade.frontier_days`` with the point recommended for the order's urgency, and the cost of crossing
   now (the visible book walked, else the models' instantaneous limit; never below working it).
3. **Days to complete** at the cap from the name's empirical daily volumes, zero days included
   (:mod:`liqcost.pretrade.days`): expected days and the probability of finishing within 1, 5, 10, 20
   days; the days needed at a stressed (low-quantile) volume, never fewer than the expected days; a
   liquidity bucket in the style of fund liquidity rules (``<=3d``, ``<=7d``, ``>7d``,
   ``not_sellable_stressed``; thresholds in config).
4. **Flags** with reasons and severities (:mod:`liqcost.pretrade.flags`).
5. For a book, a **portfolio** summary (:mod:`liqcost.pretrade.portfolio`).

Orders that cannot be priced (unknown symbol, no volume or price or volatility in the lookback) are kept
as ``status = 'error'`` rows with a reason; orders refused by the input rules every command shares
(:func:`liqcost.inputs.normalize_orders`: zero, negative or fractional size, unknown side ...) are listed
in ``errors`` with the ones not priced. ``cost_curve`` prices one name at sizes from 0.1 % to 200 % of ADV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from liqcost.result import Problem, Result

__all__ = ["COMPACT_COLUMNS", "PretradeResult", "cost_curve", "pretrade"]


#: the per-order columns of the terminal view of a book (every column in csv/json/parquet)
COMPACT_COLUMNS = [
    "order_id", "symbol", "side", "qty_shares", "order_adv_frac", "cost_central_bps", "cost_low_bps", "cost_high_bps",
    "cost_central_usd", "cross_now_cost_bps", "recommended_days", "expected_days", "p_complete_5d", "liquidity_bucket",
    "severity", "status",
]
_MODEL_PARTS = ["model", "spread_bps", "temporary_bps", "permanent_bps", "fees_bps", "total_bps", "timing_risk_bps", "total_usd"]
#: the frontier's columns in the terminal
_TERMINAL_FRONTIER = ["order_id", "horizon_days", "point", "participation_frac", "within_cap", "expected_cost_bps",
                      "cost_low_bps", "cost_high_bps", "timing_risk_bps", "cost_p05_bps", "cost_p95_bps", "recommended"]


@dataclass(frozen=True)
class PretradeResult(Result):
    """Result of :func:`pretrade` (the :class:`~liqcost.result.Result` protocol).

    Attributes
    ----------
    orders : polars.DataFrame
        One row per order (``schema.PRETRADE_ORDERS``): the expected cost with its model band
        (``cost_central_bps``, ``cost_low_bps``, ``cost_high_bps`` and ``_usd``) and its risk band
        (``cost_p05_bps``, ``cost_p95_bps``), its parts (half-spread, impact, fees), each model's cost
        (``cost_<model>_bps``), timing risk, crossing now, the recommended horizon, days to complete
        (``expected_days``, ``p_complete_<k>d``, ``days_stressed``), ``liquidity_bucket``, the worst flag
        ``severity`` and the ``flags``, the profile values used, and ``status`` / ``error`` (orders that could
        not be priced keep a row with ``status = 'error'``). ``side`` is ``buy``/``sell``.
    models : polars.DataFrame
        One row per priced order and model: the parts of the cost (spread, temporary, permanent, fees, timing
        risk).
    flags : polars.DataFrame
        One row per flag: ``order_id``, ``symbol``, ``flag``, ``severity``, ``value``, ``threshold``, ``message``.
    errors : polars.DataFrame
        Orders refused or not priced (``schema.ORDER_PROBLEMS``: ``row``, ``order_id``, ``symbol``,
        ``column``, ``reason``).
    portfolio : dict of str to polars.DataFrame
        ``summary``, ``liquidation``, ``ladder``, ``least_liquid`` (empty for one order or when nothing was priced).
    asof : datetime.date or None
        The as-of date staleness was judged against.
    central : str
        The central model (or ``median``).
    notes : tuple of str
        Caveats that applied (parameter fallbacks, sizes rounded down).
    params_source : str
        Where the impact parameters came from.
    single : bool
        One order (from the command line's flags): the tables are ``order``, ``models``, ``flags``.
    detail : bool
        Also list each model's cost parts for a book (the ``models`` table).
    source : str
        Where the orders came from (a file name), for the problems' messages.
    frontier : polars.DataFrame
        The cost-risk frontier (``schema.FRONTIER``): one row per priced order and horizon.
    show_frontier : bool
        List the frontier among the tables.
    fee_schedule : str
        The fee schedule in words.
    """

    title: ClassVar[str] = "pretrade"

    orders: object = None
    models: object = None
    flags: object = None
    errors: object = None
    portfolio: dict = field(default_factory=dict)
    asof: dt.date | None = None
    central: str = "sqrt"
    notes: tuple = ()
    params_source: str = ""
    single: bool = False
    detail: bool = False
    source: str = "orders"
    frontier: object = None
    show_frontier: bool = False
    fee_schedule: str = ""

    @property
    def priced(self):
        """The priced orders (``status == 'ok'``)."""
        import polars as pl

        return self.orders.filter(pl.col("status") == "ok")

    @property
    def n_priced(self) -> int:
        return self.priced.height

    @property
    def n_errors(self) -> int:
        return self.errors.height

    @property
    def problems(self) -> tuple:
        """One :class:`~liqcost.result.Problem` per order refused or not priced."""
        from liqcost.inputs import order_where

        return tuple(Problem("order_rejected", order_where(self.source, r["row"], r["order_id"]), r["reason"])
                     for r in self.errors.iter_rows(named=True))

    def tables(self) -> dict:
        """The named tables: ``order``, ``models``, ``flags`` for one order; for a book ``orders``, ``flags``,
        the portfolio tables, ``models`` (with ``detail``) and ``errors`` (when there are any)."""
        if self.single:
            out = {"order": self.orders, "models": self.models.select(_MODEL_PARTS) if self.models.height else self.models,
                   "flags": self.flags.select("flag", "severity", "message")}
            if self.show_frontier:
                out["frontier"] = self.frontier
            return out
        out = {"orders": self.orders, "flags": self.flags}
        if self.show_frontier:
            out["frontier"] = self.frontier
        out.update(self.portfolio)
        if self.detail:
            out["models"] = self.models
        if self.errors.height:
            out["errors"] = self.errors
        return out

    def summary(self):
        """One row per order with the key columns (cost band, days, bucket, severity, status)."""
        return self.orders.select([c for c in COMPACT_COLUMNS if c in self.orders.columns])

    def display_tables(self) -> dict:
        """What a terminal shows: the order as field/value pairs (one order) or the compact book."""
        if self.single:  # one row: the renderer shows it as field/value pairs, each value by its unit
            t = self.tables()
            out = {"order": self.orders, "models": t["models"], "flags": t["flags"]}
            if self.show_frontier:
                out["frontier"] = self.frontier.select(_TERMINAL_FRONTIER)
            return out
        out = {"orders": self.summary(), "flags": self.flags.select("order_id", "symbol", "flag", "severity", "message")}
        if self.show_frontier:
            out["frontier"] = self.frontier.select(_TERMINAL_FRONTIER)
        out.update(self.portfolio)
        if self.detail:
            out["models"] = self.models
        if self.errors.height:
            out["errors"] = self.errors
        return out


# ------------------------------------------------------------------------------------------------ helpers
def _session_days(frame, config) -> np.ndarray:
    """Trading-session time between ``start`` and ``end`` of each order, in trading days (NaN when absent)."""
    import polars as pl

    n = frame.height
    if "start" not in frame.columns or "end" not in frame.columns:
        return np.full(n, np.nan)
    s = config.session
    tz = s.timezone
    open_m, close_m = s.open_minutes, s.close_minutes
    length = float(close_m - open_m)

    def parts(col):
        local = pl.col(col).dt.convert_time_zone(tz)
        minutes = local.dt.hour().cast(pl.Float64) * 60 + local.dt.minute() + local.dt.second() / 60.0
        return local.dt.date().alias(f"{col}_d"), ((minutes - open_m) / length).clip(0.0, 1.0).alias(f"{col}_f")

    cols = []
    for c in ("start", "end"):
        if frame.schema[c] != pl.Datetime("ns", "UTC"):
            frame = frame.with_columns(pl.col(c).cast(pl.Datetime("ns", "UTC"), strict=False))
        cols.extend(parts(c))
    x = frame.select(cols)
    have = (x["start_d"].is_not_null() & x["end_d"].is_not_null()).to_numpy()
    out = np.full(n, np.nan)
    if not have.any():
        return out
    weekmask = [1 if d in s.trading_days else 0 for d in range(7)]
    d0 = x["start_d"].to_numpy()[have].astype("datetime64[D]")
    d1 = x["end_d"].to_numpy()[have].astype("datetime64[D]")
    full_days = np.busday_count(d0, d1, weekmask=weekmask).astype(np.float64)
    t = full_days + x["end_f"].to_numpy()[have] - x["start_f"].to_numpy()[have]
    out[have] = np.maximum(t, 1.0 / length)  # at least one minute
    return out


def _volume_cv(vols) -> np.ndarray:
    n = vols.lengths.astype(np.float64)
    if vols.values.size == 0:
        return np.full(vols.n_symbols, np.nan)
    s1 = vols.segment_sums(vols.values)
    s2 = vols.segment_sums(vols.values**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = np.maximum(s2 / n - mean**2, 0.0) * n / np.maximum(n - 1, 1)
        return np.sqrt(var) / mean


def _default_asof(profiles):
    if profiles.height == 0:
        return None
    v = profiles.get_column("asof_date").max()
    return v if isinstance(v, dt.date) else None


# ------------------------------------------------------------------------------------------------- core
def pretrade(orders, profiles, config=None, *, asof: dt.date | None = None, params=None, portfolio: bool = True,
             no_profile: dict | None = None, source: str = "orders", frontier: bool = False) -> PretradeResult:
    """Price orders against liquidity profiles: cost band, days to complete, liquidity bucket and flags.

    Parameters
    ----------
    orders : polars.DataFrame, LazyFrame, dict, list of dict or liqcost.inputs.OrderCheck
        ``schema.ORDERS`` columns, read by :func:`liqcost.inputs.normalize_orders` (the rules every command
        shares; an ``OrderCheck`` is taken as already read): ``symbol``, ``side`` (buy/sell words or +1/-1), ``qty`` (whole shares, > 0) and optionally
        ``order_id``, ``start``/``end`` (the execution window), ``max_participation`` (cap as a fraction of
        volume, overrides ``pretrade.participation_cap_frac``), ``limit_price``. Refused orders are rows of
        ``errors``; the others are priced.
    profiles : polars.DataFrame
        One row per symbol in ``schema.PROFILE`` (from ``liqcost profile``, :func:`liqcost.profile` or a file).
    config : liqcost.config.Config, optional
        Defaults when None.
    asof : datetime.date, optional
        As-of date for staleness (default: the latest ``asof_date`` among the profiles).
    params : liqcost.models.params.ImpactParams, optional
        Model parameters (default: published values, ``impact.sqrt_y`` and ``impact.params_file``).
    portfolio : bool
        Also build the portfolio tables.
    no_profile : dict of str to str, optional
        Why a symbol has no profile (``unknown symbol 'X' ...``), for the error rows of its orders.
    source : str
        Where the orders came from, for messages.
    frontier : bool
        Also list the cost-risk frontier (one row per order and horizon) among the tables; it is always
        computed (``recommended_days``) and kept in ``result.frontier``.

    Returns
    -------
    PretradeResult

    Raises
    ------
    liqcost.errors.SchemaError
        The profile table lacks a required column.
    liqcost.errors.OrderError
        The orders frame lacks ``symbol``, ``side`` or ``qty``.
    """
    import polars as pl

    from liqcost.config import Config
    from liqcost.inputs import OrderCheck, normalize_orders, normalize_profiles
    from liqcost.models.fees import FeeSchedule, executions
    from liqcost.models.impact import Schedule, impact_inputs
    from liqcost.models.params import load_params
    from liqcost.models.band import cost_band, input_uncertainty
    from liqcost.models.frontier import Pricer, cross_now, risk_band
    from liqcost.models.frontier import frontier as price_frontier
    from liqcost.pretrade.flags import build_flags, stale_trading_days, summarize_flags, with_data_flags
    from liqcost.pretrade.portfolio import portfolio_tables
    from liqcost.schema import ORDER_PROBLEMS

    config = config or Config()
    params = params or load_params(config)
    pc, ic = config.pretrade, config.impact
    check = orders if isinstance(orders, OrderCheck) else normalize_orders(orders, source=source,
                                                                            fractional=config.orders.fractional_shares)
    source = check.source
    clean, rejected = check.orders, check.problems
    profiles = normalize_profiles(profiles)
    asof = asof or _default_asof(profiles)
    if profiles.height > 2 * max(clean.height, 1):  # a universe table: keep the names the orders need
        profiles = profiles.join(clean.select("symbol").unique(), on="symbol", how="semi")
    vols, j = _join_profiles(clean, profiles, pc)

    # --- orders that cannot be priced
    err = _why_not_priced(no_profile)
    j = j.with_columns(err.alias("error"))
    bad = j.filter(pl.col("error").is_not_null())
    t = j.filter(pl.col("error").is_null())
    n = t.height

    # --- arrays of the priced orders
    def arr(name, default=np.nan):
        if name not in t.columns:
            return np.full(n, default)
        return t.get_column(name).cast(pl.Float64).fill_null(float("nan")).to_numpy()

    q = arr("qty")
    side = t.get_column("side").to_numpy().astype(np.int8) if n else np.zeros(0, np.int8)
    mdv = arr("mdv_shares")
    inputs = impact_inputs(t, spread=ic.half_spread_from, volume="adv")
    profile = inputs.profile
    price, adv, spread = profile.price_px, profile.adv_shares, profile.spread_bps
    mcap = profile.market_cap_usd
    cap = arr("max_participation")
    cap = np.where(np.isfinite(cap) & (cap > 0), cap, pc.participation_cap_frac)
    urgency = arr("urgency")
    urgency = np.where(np.isfinite(urgency) & (urgency >= 0), urgency, config.planner.risk_aversion)
    t_window = _session_days(t, config) if n else np.zeros(0)
    symbols = inputs.symbols
    bands = inputs.cap_band(config.bars.market_cap_bands_usd)
    resolved_sets = params.resolve(symbols, bands)["istar"]["set"] if n else np.zeros(0, dtype=object)
    models = params.build(ic.models, symbols, bands)
    bars_only = (t.get_column("source").to_numpy() == "bars") if n else np.zeros(0, bool)
    uncertain = input_uncertainty(arr("lookback_days"), arr("_vol_cv"), bars_only, config, arr("input_uncertainty_frac"))
    fees = FeeSchedule.from_config(config)
    pricer = Pricer(q, side.astype(np.int64), profile, models, ic.central, fees,
                    executions(q, arr("trade_size_median_shares"), config.planner.round_lot_shares), params.uncertainty,
                    uncertain, ic.band_z)
    idx = np.arange(n)
    schedule = Schedule(participation_frac=cap, duration_days=t_window)
    p_sched, t_sched = schedule.resolve(q, adv)
    parts = pricer.parts(idx, t_window, participation_frac=cap)
    band = cost_band(parts, ic.central, params.uncertainty, uncertain, ic.band_z)
    fee_parts = fees.fees(side, q, price, pricer.n_executions)
    fees_bps = fee_parts.bps
    impact_central = band["central_bps"] - spread / 2.0 - fees_bps
    with np.errstate(invalid="ignore", divide="ignore"):
        window_p = np.where(np.isfinite(t_window), q / (adv * t_window), np.nan)
    notional = q * price
    p05, p95 = risk_band(band["central_bps"], band["timing_risk_bps"])

    # --- the frontier (horizons and the cap's schedule), crossing now
    fr = price_frontier(pricer, pc.frontier_days, cap, urgency, notional=notional)
    with np.errstate(invalid="ignore", divide="ignore"):
        block = q / adv > pc.block_adv_multiple  # a block candidate gets a pointer to a block trade, not "work it for years"
    fr["recommended"] &= ~block[fr["order"]]
    fr["rec_row"] = np.where(block, -1, fr["rec_row"])
    rec = fr["rec_row"]
    has_rec = rec >= 0
    rec_days = np.where(has_rec, fr["horizon_days"][np.maximum(rec, 0)], np.nan)
    rec_cost = np.where(has_rec, fr["expected_cost_bps"][np.maximum(rec, 0)], np.nan)
    floor = np.fmax(fr["fastest_cost_bps"], band["central_bps"])
    xnow = cross_now(pricer, config, arr("quoted_depth_shares"), arr("quoted_spread_bps"), floor)

    # --- days to complete
    pidx = t.get_column("_pidx").to_numpy() if n else np.zeros(0, np.int64)
    days, days_stressed, bucket = _days(vols, pidx, q, cap, arr("_stress_vol"), pc, n)

    # --- staleness, limit room
    stale = stale_trading_days(t, asof, config)
    limit = arr("limit_price")
    with np.errstate(invalid="ignore"):
        limit_room = side * (limit - price) / price * 1e4

    theta_fb = parts["almgren2005"].flags.get("theta_fallback", np.zeros(n, bool)) if "almgren2005" in parts else np.zeros(n, bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols = {
            "qty_shares": q,
            "price_px": price,
            "notional_usd": notional,
            "order_adv_frac": q / adv,
            "order_mdv_frac": np.where(mdv > 0, q / mdv, np.inf),
            "cost_central_bps": band["central_bps"],
            "cost_low_bps": band["low_bps"],
            "cost_high_bps": band["high_bps"],
            "cost_central_usd": band["central_bps"] * 1e-4 * notional,
            "cost_low_usd": band["low_bps"] * 1e-4 * notional,
            "cost_high_usd": band["high_bps"] * 1e-4 * notional,
            "cost_p05_bps": p05,
            "cost_p95_bps": p95,
            "timing_risk_bps": band["timing_risk_bps"],
            "timing_risk_usd": band["timing_risk_bps"] * 1e-4 * notional,
            "half_spread_bps": spread / 2.0,
            "impact_bps": impact_central,
            "fees_bps": fees_bps,
            "fees_usd": fee_parts.total_usd,
            "commission_usd": fee_parts.commission_usd,
            "sec_fee_usd": fee_parts.sec_fee_usd,
            "taf_usd": fee_parts.taf_usd,
            **{f"cost_{name}_bps": c.total_bps for name, c in parts.items()},
            "cross_now_cost_bps": xnow["cost_bps"],
            "cross_now_usd": xnow["cost_bps"] * 1e-4 * notional,
            "recommended_days": rec_days,
            "recommended_cost_bps": rec_cost,
            "urgency": urgency,
            "cap_frac": cap,
            "participation_frac": p_sched,
            "duration_days": t_sched,
            "days_at_cap": fr["cap_days"],
            "expected_days": days.expected_days,
            **{f"p_complete_{k}d": days.p_within[k] for k in pc.probability_days},
            "days_stressed": days_stressed,
            "window_participation_frac": window_p,
            "limit_room_bps": limit_room,
        }
    priced = t.select("order_id", "symbol", _side_word("side")).with_columns(
        [pl.Series(k, v, dtype=pl.Float64) for k, v in cols.items()]
        + [
            pl.Series("cross_now_source", xnow["source"].astype(str) if n else np.zeros(0, str), dtype=pl.String),
            pl.Series("liquidity_bucket", bucket, dtype=pl.String),
            pl.Series("cap_band", bands.astype(str) if n else np.zeros(0, str), dtype=pl.String),
            pl.Series("istar_set", resolved_sets.astype(str) if n else np.zeros(0, str), dtype=pl.String),
            pl.Series("stale_trading_days", stale, dtype=pl.Int64),
            pl.Series("turnover_fallback", theta_fb, dtype=pl.Boolean),
            pl.Series("spread_fallback", inputs.spread_fallback, dtype=pl.Boolean),
        ]
    ).with_columns(
        t.get_column("adv_shares"), t.get_column("mdv_shares"), pl.Series("spread_bps", spread), t.get_column("volatility_daily_frac"),
        pl.Series("market_cap_usd", mcap), t.get_column("source").alias("profile_source"), t.get_column("asof_date"),
        t.get_column("lookback_days"),
        (t.get_column("zero_volume_days").cast(pl.Float64) / t.get_column("_n_days").cast(pl.Float64)).alias("zero_volume_frac"),
    )
    flags = with_data_flags(build_flags(priced.rename({"profile_source": "source"}), config, valid_range=params.valid_range),
                            t, stale, config)
    fsum = summarize_flags(flags)
    priced = priced.join(fsum, on="order_id", how="left").with_columns(
        pl.col("severity").fill_null("ok"), pl.col("flags").fill_null(""), pl.lit("ok").alias("status"), pl.lit(None, pl.String).alias("error")
    )
    out_cols = output_columns(list(parts), pc.probability_days)
    frontier_tab = _frontier_table(t, fr, q, notional) if n else _frontier_table(t, None, q, notional)
    priced = priced.select(out_cols)
    errored = bad.select(
        "order_id", "symbol", _side_word("side"), pl.col("qty").alias("qty_shares"),
        pl.lit("error").alias("status"), pl.col("error"),
    )
    table = pl.concat([priced, errored], how="diagonal_relaxed").select(out_cols)
    # keep the input order
    pos = clean.select("order_id", "row")
    table = table.join(pos, on="order_id", how="left").sort("row").drop("row")

    # --- per-model parts
    models_tab = _models_table(t, parts, notional)
    errors = pl.concat(
        [rejected, bad.select("row", "order_id", "symbol", pl.lit("symbol").alias("column"), pl.col("error").alias("reason"))],
        how="vertical_relaxed",
    ).select(ORDER_PROBLEMS.names).sort("row", nulls_last=True)

    notes = list(check.notes)
    for c in parts.values():
        notes.extend(c.notes)
    notes.extend(fees.notes(asof, bool((side < 0).any())))

    def price_fn(qty, duration):
        return pricer.central_cost(idx, duration, qty=qty)

    tabs = {}
    if portfolio and n:
        pw = {k: days.p_within[k] for k in pc.liquidation_days}
        tabs = portfolio_tables(priced, flags, price_fn, config, pw, clean.height + rejected.height, errors.height)
    return PretradeResult(orders=table, models=models_tab, flags=flags, errors=errors, portfolio=tabs, asof=asof,
                          central=ic.central, notes=tuple(dict.fromkeys(notes)), params_source=params.source,
                          source=source, frontier=frontier_tab, show_frontier=frontier, fee_schedule=fees.describe())


def _join_profiles(clean, profiles, pc):
    """The orders joined with their profile row and the volume statistics days-to-complete needs."""
    import polars as pl

    from liqcost.pretrade.days import VolumeLists, stressed_daily_volume

    prof = profiles.with_row_index("_pidx").with_columns(pl.col("_pidx").cast(pl.Int64))
    vols = VolumeLists.from_series(prof.get_column("daily_volume_shares"))
    vol_mean = vols.means()
    prof = prof.with_columns(
        pl.Series("_vol_mean", vol_mean),
        pl.Series("_vol_cv", _volume_cv(vols)),
        pl.Series("_stress_vol", stressed_daily_volume(vols, pc.stress_window_days, pc.stress_volume_quantile_frac)),
        pl.Series("_n_days", vols.lengths.astype(np.int64)),
    )
    j = clean.join(prof, on="symbol", how="left", coalesce=True)
    return vols, j


def _why_not_priced(no_profile: dict | None):
    """Why an order cannot be priced (null when it can): no profile, no volume, price, volatility or spread."""
    import polars as pl

    lb = pl.col("lookback_days").cast(pl.String)
    win = pl.format(" in the {}-day lookback ending {}", lb, pl.col("asof_date").cast(pl.String))
    unknown = pl.format("unknown symbol '{}': no liquidity profile for it", pl.col("symbol"))
    if no_profile:
        unknown = pl.coalesce(pl.col("symbol").replace_strict(no_profile, default=None, return_dtype=pl.String), unknown)
    err = (
        pl.when(pl.col("_pidx").is_null()).then(unknown)
        .when((pl.col("_n_days") == 0) | pl.col("_vol_mean").is_null()).then(pl.format("no daily volumes{}", win))
        .when(~(pl.col("_vol_mean") > 0)).then(pl.format("no volume at all{}: the name did not trade", win))
        .when(~(pl.col("adv_shares") > 0) | pl.col("adv_shares").is_nan()).then(pl.format("no ADV{}", win))
        .when(~(pl.col("price_px") > 0) | pl.col("price_px").is_nan()).then(pl.format("no price{}", win))
        .when(pl.col("volatility_daily_frac").is_null() | pl.col("volatility_daily_frac").is_nan() | (pl.col("volatility_daily_frac") < 0))
        .then(pl.format("no volatility estimate{} (fewer than 3 returns)", win))
        .when(pl.col("spread_bps").is_null() | pl.col("spread_bps").is_nan() | (pl.col("spread_bps") < 0))
        .then(pl.format("no spread estimate{}", win))
        .otherwise(None)
    )
    return err


def _days(vols, pidx, q, cap, stress, pc, n):
    """Days to complete at the cap (expected, within k days), days at the stressed volume, the bucket."""
    from liqcost.pretrade.days import days_to_complete

    all_days = sorted(set(pc.probability_days) | set(pc.liquidation_days))
    days = days_to_complete(vols, pidx, q, cap, all_days)
    with np.errstate(invalid="ignore", divide="ignore"):
        days_stressed = np.where(stress > 0, q / cap / stress, np.inf)
    # a stressed market is never faster than the usual one (the continuous ratio above can undercut the
    # whole-day renewal count of the expected days)
    days_stressed = np.fmax(days_stressed, days.expected_days)
    b0, b1 = pc.bucket_days
    bucket = np.select(
        [days_stressed > pc.stress_max_days, days.expected_days <= b0, days.expected_days <= b1],
        ["not_sellable_stressed", f"<={b0}d", f"<={b1}d"],
        f">{b1}d",
    ) if n else np.zeros(0, dtype=object)
    return days, days_stressed, bucket


def _frontier_table(t, fr, q, notional):
    """The frontier rows as a ``schema.FRONTIER`` frame (sorted by order, then horizon)."""
    import polars as pl

    from liqcost.models.frontier import risk_band
    from liqcost.schema import FRONTIER

    if fr is None or t.height == 0:
        return pl.DataFrame(schema=FRONTIER.polars_schema(FRONTIER.required))
    # rows by order, then horizon (the cap's point among them)
    order_rows = np.lexsort((fr["point"] == "cap", fr["horizon_days"], fr["order"]))
    o = fr["order"][order_rows]
    p05, p95 = risk_band(fr["expected_cost_bps"], fr["timing_risk_bps"])
    money = notional[fr["order"]] * 1e-4
    ids = t.select("order_id", "symbol", _side_word("side"))[pl.Series(o)]
    cols = {
        "qty_shares": q[fr["order"]],
        "horizon_days": fr["horizon_days"],
        "point": fr["point"],
        "participation_frac": fr["participation_frac"],
        "within_cap": fr["within_cap"],
        "expected_cost_bps": fr["expected_cost_bps"],
        "cost_low_bps": fr["cost_low_bps"],
        "cost_high_bps": fr["cost_high_bps"],
        "impact_bps": fr["impact_bps"],
        "spread_cost_bps": fr["spread_cost_bps"],
        "fees_bps": fr["fees_bps"],
        "timing_risk_bps": fr["timing_risk_bps"],
        "risk_bps": fr["timing_risk_bps"],
        "cost_p05_bps": p05,
        "cost_p95_bps": p95,
        "expected_cost_usd": fr["expected_cost_bps"] * money,
        "risk_usd": fr["timing_risk_bps"] * money,
        "objective_usd": fr["objective_usd"],
        "recommended": fr["recommended"],
    }
    frame = ids.hstack([pl.Series(k, np.asarray(v)[order_rows], dtype=pl.String if k == "point" else None)
                        for k, v in cols.items()])
    return frame.select(FRONTIER.required)


def _models_table(t, parts: dict, notional):
    """One row per priced order and model: the parts of its cost."""
    import polars as pl

    n = t.height
    if n:
        models_tab = pl.concat(
            [
                pl.DataFrame({"order_id": t.get_column("order_id"), "symbol": t.get_column("symbol")}).hstack(
                    c.to_frame(notional)
                )
                for c in parts.values()
            ]
        )
    else:
        models_tab = pl.DataFrame(schema={"order_id": pl.String, "symbol": pl.String, **{c: (pl.String if c == "model" else pl.Float64)
                                                                                          for c in _MODEL_PARTS}})
    return models_tab


def output_columns(models: list[str], probability_days) -> list[str]:
    """The columns of the per-order table in order (``schema.PRETRADE_ORDERS`` with ``cost_<model>_bps`` after
    ``taf_usd`` and ``p_complete_<k>d`` after ``expected_days``)."""
    from liqcost.schema import PRETRADE_ORDERS

    out = []
    for name in PRETRADE_ORDERS.names:
        out.append(name)
        if name == "taf_usd":
            out += [f"cost_{m}_bps" for m in models]
        elif name == "expected_days":
            out += [f"p_complete_{k}d" for k in probability_days]
    return out


def _side_word(col: str):
    """+1/-1 as ``buy``/``sell`` (one convention for every output table)."""
    import polars as pl

    return pl.when(pl.col(col) > 0).then(pl.lit("buy")).when(pl.col(col) < 0).then(pl.lit("sell")).otherwise(None).alias(col)


def cost_curve(profile_row, config=None, sizes_frac_adv=None, *, params=None, side: int = 1):
    """Cost and days to complete against order size, for one name.

    Parameters
    ----------
    profile_row : polars.DataFrame or dict
        One profile row (``schema.PROFILE``).
    config : liqcost.config.Config, optional
    sizes_frac_adv : array_like, optional
        Order sizes as fractions of ADV (default: ``pretrade.curve_points`` log-spaced sizes from
        ``curve_min_frac_adv`` to ``curve_max_frac_adv``, 0.1 % to 200 % of ADV).
    params : liqcost.models.params.ImpactParams, optional
    side : int
        +1 buy, -1 sell.

    Returns
    -------
    polars.DataFrame
        ``size_frac_adv``, ``qty_shares``, ``notional_usd``, each model's cost, the central estimate and
        band (bps and currency), ``expected_days``, the completion probabilities and the bucket.
    """
    import polars as pl

    from liqcost.config import Config
    from liqcost.errors import NoDataError

    config = config or Config()
    prof = profile_row if isinstance(profile_row, pl.DataFrame) else pl.DataFrame([profile_row])
    if prof.height != 1:
        raise NoDataError(f"cost_curve needs exactly one profile row, got {prof.height}.")
    pc = config.pretrade
    if sizes_frac_adv is None:
        sizes = np.geomspace(pc.curve_min_frac_adv, pc.curve_max_frac_adv, pc.curve_points)
    else:
        sizes = np.asarray(sizes_frac_adv, dtype=np.float64)
    sym = prof.get_column("symbol")[0]
    adv = float(prof.get_column("adv_shares")[0])
    orders = pl.DataFrame(
        {"order_id": [f"{sym}@{s:.4g}xADV" for s in sizes], "symbol": [sym] * sizes.size, "side": [int(side)] * sizes.size,
         "qty": sizes * adv}
    )
    from liqcost.inputs import normalize_orders

    # sizes at fractions of ADV are a model sweep, not orders: fractional shares are priced as they are
    res = pretrade(normalize_orders(orders, source=f"{sym} curve", fractional="allow"), prof, config, params=params,
                   portfolio=False)
    if res.n_priced == 0:
        raise NoDataError(f"{sym}: cannot price the curve: {res.errors.get_column('reason')[0]}")
    t = res.orders
    keep = (["qty_shares", "notional_usd"] + [c for c in t.columns if c.startswith("cost_")]
            + ["timing_risk_bps", "participation_frac", "duration_days", "expected_days"]
            + [c for c in t.columns if c.startswith("p_complete_")] + ["days_stressed", "liquidity_bucket", "severity"])
    return t.select(pl.lit(sym).alias("symbol"), pl.Series("size_frac_adv", sizes), *keep)
