"""The pre-trade sizing check: what an order will cost, how long it will take, and whether it is too big.

``pretrade(orders, profiles, config)`` prices a batch of orders (one or 10,000) against per-symbol
liquidity profiles (``schema.PROFILE``), vectorized over the orders:

1. **Cost**: every configured impact model (:mod:`liqcost.models.impact`) at the order's schedule (its
   participation cap, or its start/end window when given), a central estimate and a low/high band
   (:mod:`liqcost.pretrade.band`), in bps of the arrival mid and in currency.
2. **Days to complete** at the cap from the name's empirical daily volumes, zero days included
   (:mod:`liqcost.pretrade.days`): expected days and the probability of finishing within 1, 5, 10, 20
   days; the days needed at a stressed (low-quantile) volume; a liquidity bucket in the style of fund
   liquidity rules (``<=3d``, ``<=7d``, ``>7d``, ``not_sellable_stressed``; thresholds in config).
3. **Flags** with reasons and severities (:mod:`liqcost.pretrade.flags`).
4. For a book, a **portfolio** summary (:mod:`liqcost.pretrade.portfolio`).

Orders that cannot be priced (unknown symbol, no volume or price or volatility in the lookback) are kept
as ``status = 'error'`` rows with a reason; bad rows of the input (zero or negative size, unknown side)
are listed in ``errors``. ``cost_curve`` prices one name at sizes from 0.1 % to 200 % of ADV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PretradeResult", "cost_curve", "pretrade"]


@dataclass(frozen=True)
class PretradeResult:
    """Result of :func:`pretrade`.

    Attributes
    ----------
    orders : polars.DataFrame
        One row per order that passed input checks: cost band (``cost_central_bps``, ``cost_low_bps``,
        ``cost_high_bps`` and ``_usd``), each model's cost (``cost_<model>_bps``), timing risk, days to
        complete (``days_expected``, ``p_complete_<k>d``, ``days_stressed``), ``liquidity_bucket``, the
        worst flag ``severity`` and the ``flags``, the profile values used, and ``status`` / ``error``.
    models : polars.DataFrame
        One row per priced order and model: the parts of the cost (spread, temporary, permanent, timing risk).
    flags : polars.DataFrame
        One row per flag: ``order_id``, ``symbol``, ``flag``, ``severity``, ``value``, ``threshold``, ``message``.
    errors : polars.DataFrame
        Orders that could not be priced: input ``row`` (when known), ``order_id``, ``symbol``, ``reason``.
    portfolio : dict of str to polars.DataFrame
        ``summary``, ``liquidation``, ``ladder``, ``least_liquid`` (empty when nothing was priced).
    asof : datetime.date or None
        The as-of date staleness was judged against.
    central : str
        The central model (or ``median``).
    notes : tuple of str
        Caveats that applied (parameter fallbacks, where the parameters came from).
    """

    orders: object
    models: object
    flags: object
    errors: object
    portfolio: dict = field(default_factory=dict)
    asof: dt.date | None = None
    central: str = "sqrt"
    notes: tuple = ()

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

    def tables(self, portfolio: bool = True) -> dict:
        """The named tables (for ``liqcost.cli.output.emit``)."""
        out = {"orders": self.orders, "flags": self.flags}
        if portfolio:
            out.update(self.portfolio)
        if self.errors.height:
            out["errors"] = self.errors
        return out

    def summary(self) -> str:
        """A short text report: one line per order (first 20) and the portfolio totals."""
        lines = [
            f"Pre-trade check: {self.orders.height + self._rejected()} order(s), {self.n_priced} priced, "
            f"{self.n_errors} not priced; central model {self.central}"
            + (f"; as of {self.asof}" if self.asof else "")
        ]
        for r in self.priced.head(20).iter_rows(named=True):
            side = "buy" if r["side"] > 0 else "sell"
            lines.append(
                f"  {r['order_id']}: {side} {r['qty_shares']:,.0f} {r['symbol']} ({100 * r['pct_adv_frac']:.1f}% ADV, "
                f"{r['notional_usd']:,.0f}): {r['cost_central_bps']:.0f} bps [{r['cost_low_bps']:.0f}, {r['cost_high_bps']:.0f}]"
                f" = {r['cost_central_usd']:,.0f}; {r['days_expected']:.1f} days expected; {r['liquidity_bucket']}"
                + (f"; {r['flags']}" if r.get("flags") else "")
            )
        for r in self.errors.head(20).iter_rows(named=True):
            where = f"row {r['row']}" if r.get("row") is not None else r.get("order_id")
            lines.append(f"  not priced ({where}, {r.get('symbol')}): {r['reason']}")
        s = self.portfolio.get("summary")
        if s is not None and s.height and self.n_priced > 1:
            r = s.row(0, named=True)
            lines.append(
                f"Book: gross {r['gross_notional_usd']:,.0f}; expected cost {r['cost_central_usd']:,.0f} "
                f"({r['cost_central_bps']:.0f} bps) [{r['cost_low_usd']:,.0f}, {r['cost_high_usd']:,.0f}]"
            )
            least = self.portfolio.get("least_liquid")
            if least is not None and least.height:
                names = ", ".join(f"{a} ({d:.1f}d)" for a, d in zip(least["symbol"].head(5), least["days_expected"].head(5)))
                lines.append(f"Least liquid: {names}")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _rejected(self) -> int:
        import polars as pl

        if self.errors.height == 0:
            return 0
        in_orders = set(self.orders.get_column("order_id").to_list())
        return int(self.errors.filter(~pl.col("order_id").is_in(list(in_orders)) | pl.col("order_id").is_null()).height)


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
def pretrade(orders, profiles, config=None, *, asof: dt.date | None = None, params=None, portfolio: bool = True) -> PretradeResult:
    """Price orders against liquidity profiles: cost band, days to complete, liquidity bucket and flags.

    Parameters
    ----------
    orders : polars.DataFrame
        ``schema.ORDERS`` columns: ``symbol``, ``side`` (+1/-1 or buy/sell), ``qty`` (shares, > 0) and
        optionally ``order_id``, ``start``/``end`` (UTC timestamps: the execution window),
        ``max_participation`` (cap as a fraction of volume, overrides ``pretrade.participation_cap_frac``),
        ``limit_price``.
    profiles : polars.DataFrame
        One row per symbol in ``schema.PROFILE`` (from ``liqcost profile``, ``profiles_for`` or a file).
    config : liqcost.config.Config, optional
        Defaults when None.
    asof : datetime.date, optional
        As-of date for staleness (default: the latest ``asof_date`` among the profiles).
    params : liqcost.models.params.ImpactParams, optional
        Model parameters (default: published values, ``impact.sqrt_y`` and ``impact.params_file``).
    portfolio : bool
        Also build the portfolio tables.

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
    from liqcost.models.impact import Order, Profile, Schedule
    from liqcost.models.params import cap_band, load_params
    from liqcost.pretrade.band import cost_band, input_uncertainty
    from liqcost.pretrade.days import VolumeLists, days_to_complete, stressed_daily_volume
    from liqcost.pretrade.flags import build_flags, summarize_flags
    from liqcost.pretrade.inputs import check_profiles, normalize_orders
    from liqcost.pretrade.portfolio import portfolio_tables

    config = config or Config()
    params = params or load_params(config)
    pc, ic = config.pretrade, config.impact
    clean, rejected = normalize_orders(orders)
    profiles = check_profiles(profiles)
    asof = asof or _default_asof(profiles)
    if profiles.height > 2 * max(clean.height, 1):  # a universe table: keep the names the orders need
        profiles = profiles.join(clean.select("symbol").unique(), on="symbol", how="semi")
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

    # --- orders that cannot be priced
    lb = pl.col("lookback_days").cast(pl.String)
    win = pl.format(" in the {}-day lookback ending {}", lb, pl.col("asof_date").cast(pl.String))
    err = (
        pl.when(pl.col("_pidx").is_null()).then(pl.format("unknown symbol '{}': no liquidity profile for it", pl.col("symbol")))
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
    price, adv, mdv, sigma = arr("price_px"), arr("adv_shares"), arr("mdv_shares"), arr("volatility_daily_frac")
    spread_all = arr("spread_bps")
    chosen = {"spread": spread_all, "quoted": arr("quoted_spread_bps"), "effective": arr("effective_spread_bps")}
    if ic.half_spread_from == "max":
        with np.errstate(invalid="ignore"):
            sp = np.fmax(chosen["quoted"], chosen["effective"])
    else:
        sp = chosen[ic.half_spread_from]
    spread_fallback = ~np.isfinite(sp) & (ic.half_spread_from != "spread")
    spread = np.where(np.isfinite(sp), sp, spread_all)
    theta = arr("shares_outstanding")
    mcap = arr("market_cap_usd")
    mcap = np.where(np.isfinite(mcap), mcap, price * theta)
    cap = arr("max_participation")
    cap = np.where(np.isfinite(cap) & (cap > 0), cap, pc.participation_cap_frac)
    t_window = _session_days(t, config) if n else np.zeros(0)
    symbols = t.get_column("symbol").to_numpy() if n else np.zeros(0, dtype=object)
    bands = cap_band(mcap, config.bars.market_cap_bands_usd)
    resolved_sets = params.resolve(symbols, bands)["istar"]["set"] if n else np.zeros(0, dtype=object)
    models = params.build(ic.models, symbols, bands)
    order = Order(q, side)
    profile = Profile(price, adv, sigma, spread, theta, mcap)
    schedule = Schedule(participation_frac=cap, duration_days=t_window)
    parts = {name: m.cost_bps(order, profile, schedule) for name, m in models.items()}
    p_sched, t_sched = schedule.resolve(q, adv)
    with np.errstate(invalid="ignore", divide="ignore"):
        window_p = np.where(np.isfinite(t_window), q / (adv * t_window), np.nan)
    notional = q * price
    bars_only = (t.get_column("source").to_numpy() == "bars") if n else np.zeros(0, bool)
    inputs = input_uncertainty(arr("lookback_days"), arr("_vol_cv"), bars_only, config)
    band = cost_band(parts, ic.central, params.uncertainty, inputs, ic.band_z)

    # --- days to complete
    all_days = sorted(set(pc.probability_days) | set(pc.liquidation_days))
    pidx = t.get_column("_pidx").to_numpy() if n else np.zeros(0, np.int64)
    days = days_to_complete(vols, pidx, q, cap, all_days)
    stress = arr("_stress_vol")
    with np.errstate(invalid="ignore", divide="ignore"):
        days_stressed = np.where(stress > 0, q / cap / stress, np.inf)
    b0, b1 = pc.bucket_days
    bucket = np.select(
        [days_stressed > pc.stress_max_days, days.expected_days <= b0, days.expected_days <= b1],
        ["not_sellable_stressed", f"<={b0}d", f"<={b1}d"],
        f">{b1}d",
    ) if n else np.zeros(0, dtype=object)

    # --- staleness, limit room
    weekmask = [1 if d in config.session.trading_days else 0 for d in range(7)]
    if n and asof is not None:
        pa = t.get_column("asof_date").to_numpy().astype("datetime64[D]")
        stale = np.maximum(np.busday_count(pa, np.datetime64(asof, "D"), weekmask=weekmask), 0)
    else:
        stale = np.zeros(n, np.int64)
    limit = arr("limit_price")
    with np.errstate(invalid="ignore"):
        limit_room = side * (limit - price) / price * 1e4

    theta_fb = parts["almgren2005"].flags.get("theta_fallback", np.zeros(n, bool)) if "almgren2005" in parts else np.zeros(n, bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols = {
            "qty_shares": q,
            "price_px": price,
            "notional_usd": notional,
            "pct_adv_frac": q / adv,
            "pct_mdv_frac": np.where(mdv > 0, q / mdv, np.inf),
            "cap_frac": cap,
            "participation_frac": p_sched,
            "duration_days": t_sched,
            "cost_central_bps": band["central_bps"],
            "cost_low_bps": band["low_bps"],
            "cost_high_bps": band["high_bps"],
            "cost_central_usd": band["central_bps"] * 1e-4 * notional,
            "cost_low_usd": band["low_bps"] * 1e-4 * notional,
            "cost_high_usd": band["high_bps"] * 1e-4 * notional,
            "timing_risk_bps": band["timing_risk_bps"],
            "timing_risk_usd": band["timing_risk_bps"] * 1e-4 * notional,
            "half_spread_bps": spread / 2.0,
            **{f"cost_{name}_bps": c.total_bps for name, c in parts.items()},
            "days_expected": days.expected_days,
            **{f"p_complete_{k}d": days.p_within[k] for k in pc.probability_days},
            "days_stressed": days_stressed,
            "window_participation_frac": window_p,
            "limit_room_bps": limit_room,
        }
    priced = t.select("order_id", "symbol", "side").with_columns(
        [pl.Series(k, v, dtype=pl.Float64) for k, v in cols.items()]
        + [
            pl.Series("liquidity_bucket", bucket, dtype=pl.String),
            pl.Series("cap_band", bands.astype(str) if n else np.zeros(0, str), dtype=pl.String),
            pl.Series("istar_set", resolved_sets.astype(str) if n else np.zeros(0, str), dtype=pl.String),
            pl.Series("stale_trading_days", stale, dtype=pl.Int64),
            pl.Series("turnover_fallback", theta_fb, dtype=pl.Boolean),
            pl.Series("spread_fallback", spread_fallback, dtype=pl.Boolean),
        ]
    ).with_columns(
        t.get_column("adv_shares"), t.get_column("mdv_shares"), pl.Series("spread_bps", spread), t.get_column("volatility_daily_frac"),
        pl.Series("market_cap_usd", mcap), t.get_column("source").alias("profile_source"), t.get_column("asof_date"),
        t.get_column("lookback_days"),
        (t.get_column("zero_volume_days").cast(pl.Float64) / t.get_column("_n_days").cast(pl.Float64)).alias("zero_volume_frac"),
    )
    flags = build_flags(priced.rename({"profile_source": "source"}), config)
    fsum = summarize_flags(flags)
    priced = priced.join(fsum, on="order_id", how="left").with_columns(
        pl.col("severity").fill_null("ok"), pl.col("flags").fill_null(""), pl.lit("ok").alias("status"), pl.lit(None, pl.String).alias("error")
    )
    out_cols = (
        ["order_id", "symbol", "side", "qty_shares", "price_px", "notional_usd", "pct_adv_frac", "pct_mdv_frac",
         "cost_central_bps", "cost_low_bps", "cost_high_bps", "cost_central_usd", "cost_low_usd", "cost_high_usd",
         "timing_risk_bps", "timing_risk_usd", "half_spread_bps"]
        + [f"cost_{name}_bps" for name in parts]
        + ["cap_frac", "participation_frac", "duration_days", "days_expected"]
        + [f"p_complete_{k}d" for k in pc.probability_days]
        + ["days_stressed", "liquidity_bucket", "severity", "flags", "adv_shares", "mdv_shares", "spread_bps",
           "volatility_daily_frac", "zero_volume_frac", "market_cap_usd", "cap_band", "istar_set", "profile_source",
           "asof_date", "lookback_days", "stale_trading_days", "status", "error"]
    )
    priced = priced.select(out_cols)
    errored = bad.select(
        "order_id", "symbol", "side", pl.col("qty").alias("qty_shares"),
        pl.lit("error").alias("status"), pl.col("error"),
    )
    table = pl.concat([priced, errored], how="diagonal_relaxed").select(out_cols)
    # keep the input order
    pos = clean.select("order_id", "row")
    table = table.join(pos, on="order_id", how="left").sort("row").drop("row")

    # --- per-model parts
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
        models_tab = pl.DataFrame(schema={"order_id": pl.String, "symbol": pl.String, "model": pl.String})
    errors = pl.concat(
        [rejected, bad.select("row", "order_id", "symbol", pl.col("error").alias("reason"))], how="vertical_relaxed"
    ).sort("row", nulls_last=True)

    notes = [f"impact parameters: {params.source}"]
    for c in parts.values():
        notes.extend(c.notes)

    def price_fn(qty, duration):
        o = Order(qty, side)
        s = Schedule(participation_frac=cap, duration_days=duration)
        totals = [models[name].cost_bps(o, profile, s).total_bps for name in models]
        if ic.central == "median":
            return np.nanmedian(np.vstack(totals), axis=0)
        return totals[list(models).index(ic.central)]

    tabs = {}
    if portfolio and n:
        pw = {k: days.p_within[k] for k in pc.liquidation_days}
        tabs = portfolio_tables(priced, flags, price_fn, config, pw, clean.height + rejected.height, errors.height)
    return PretradeResult(table, models_tab, flags, errors, tabs, asof, ic.central, tuple(dict.fromkeys(notes)))


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
        band (bps and currency), ``days_expected``, the completion probabilities and the bucket.
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
    res = pretrade(orders, prof, config, params=params, portfolio=False)
    if res.n_priced == 0:
        raise NoDataError(f"{sym}: cannot price the curve: {res.errors.get_column('reason')[0]}")
    t = res.orders
    keep = (["qty_shares", "notional_usd"] + [c for c in t.columns if c.startswith("cost_")]
            + ["timing_risk_bps", "participation_frac", "duration_days", "days_expected"]
            + [c for c in t.columns if c.startswith("p_complete_")] + ["days_stressed", "liquidity_bucket", "severity"])
    return t.select(pl.lit(sym).alias("symbol"), pl.Series("size_frac_adv", sizes), *keep)
