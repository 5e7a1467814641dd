"""Flags of the pre-trade check: what is wrong or risky about an order, why, and how bad.

Each flag has a code, a severity (``info`` < ``warn`` < ``critical``), the value that triggered it, the
threshold (from the ``pretrade`` and ``bars`` config sections) and a one-sentence message.

============================ ========================================================================
code                         rule
============================ ========================================================================
``size_adv``                 order / ADV above ``adv_flag_frac`` (warn) or ``adv_critical_frac`` (critical)
``size_mdv``                 order / median daily volume above ``mdv_flag_frac`` / ``mdv_critical_frac``;
                             critical when the median day trades nothing
``wide_spread``              spread above ``spread_flag_bps`` / ``spread_critical_bps``
``penny_price``              price below ``bars.penny_price_px`` (warn)
``micro_cap``                market cap below the smallest ``bars.market_cap_bands_usd`` band (warn);
                             ``market_cap_unknown`` (info) when shares outstanding are unknown
``zero_volume_days``         share of zero-volume days above ``zero_volume_flag_frac`` / ``..._critical_frac``
``stale_data``               profile's last data (trade, quote or bar) more than ``stale_days`` /
                             ``stale_critical_days`` trading days before the as-of date (exchange calendar)
``missing_days``             more than ``bars.missing_days_flag_frac`` of the window's days have no bar from
                             the vendor: info when read as no-trade days, warn when left out as unknown
``spread_stand_in``          the name's own spread is missing or unusable: info when the quoted spread or a
                             bar estimate stands in, warn for the peers' median or the prior
``volatility_stand_in``      the same for the volatility
``few_days``                 profile built on fewer than ``min_lookback_days`` days (warn)
``bars_only``                profile built from bars only: bar-estimated spread, wider band (info)
``days_to_complete``         expected days above the last ``bucket_days`` threshold (warn); not sellable
                             in a stressed window (critical)
``window_too_short``         the order's start/end window needs a participation above its cap (warn;
                             critical above twice the cap)
``limit_price``              the limit leaves less room than the expected cost (warn)
``turnover_fallback``        shares outstanding unknown: Almgren et al. used a typical turnover (info)
``spread_fallback``          the configured spread (quoted/effective) is missing; the profile's
                             ``spread_bps`` was used (info)
``outside_model_range``      the order (fraction of ADV) or its participation is beyond the range the
                             impact parameters were fitted for (``valid_range`` of the parameter file)
                             (warn): the costs are extrapolations
``block_trade_candidate``    the order is above ``block_adv_multiple`` times ADV (warn): the days it needs
                             at the cap, and a pointer to a block or negotiated trade
``cost_exceeds_notional``    a model's high cost is above ``max_cost_frac`` of the notional (critical)
============================ ========================================================================

The last three are :func:`cost_rules` (the cost model's own flags).
"""

from __future__ import annotations

__all__ = ["SEVERITIES", "build_flags", "cost_rules", "data_flags", "stale_trading_days", "summarize_flags",
           "with_data_flags"]

SEVERITIES = ("info", "warn", "critical")


def _sev(warn_cond, crit_cond=None):
    import polars as pl

    expr = pl.when(crit_cond).then(pl.lit("critical")) if crit_cond is not None else None
    if expr is None:
        return pl.when(warn_cond).then(pl.lit("warn")).otherwise(None)
    return expr.when(warn_cond).then(pl.lit("warn")).otherwise(None)


def _pct(expr, digits: int = 1):
    import polars as pl

    return (expr * 100).round(digits).cast(pl.String)


def _num(expr, digits: int = 0):
    import polars as pl

    if digits == 0:
        return expr.round(0).cast(pl.Int64, strict=False).cast(pl.String)
    return expr.round(digits).cast(pl.String)


def _money(expr):
    """Currency in millions, e.g. ``41.2M``."""
    import polars as pl

    return (expr / 1e6).round(1).cast(pl.String) + pl.lit("M")


def build_flags(t, config, *, valid_range: dict | None = None):
    """Evaluate every rule on the priced orders.

    Parameters
    ----------
    t : polars.DataFrame
        One row per priced order with the columns the pre-trade check computes (``order_adv_frac``,
        ``order_mdv_frac``, ``spread_bps``, ``price_px``, ``cap_band``, ``zero_volume_frac``,
        ``stale_trading_days``, ``lookback_days``, ``source``, ``liquidity_bucket``, ``expected_days``,
        ``days_stressed``, ``window_participation_frac``, ``cap_frac``, ``limit_room_bps``,
        ``cost_central_bps``, ``turnover_fallback``, ``spread_fallback``, ``participation_frac``,
        ``days_at_cap``, ``cost_high_bps``).
    config : liqcost.config.Config
    valid_range : dict, optional
        The impact parameters' ``valid_range`` (default: the published one).

    Returns
    -------
    polars.DataFrame
        ``order_id``, ``symbol``, ``flag``, ``severity``, ``value``, ``threshold``, ``message``.
    """
    import polars as pl

    pc, bc = config.pretrade, config.bars
    c = pl.col
    smallest_band = min(bc.market_cap_bands_usd.values()) if bc.market_cap_bands_usd else 0.0
    last_bucket = pc.bucket_days[-1]
    rules = [
        (
            "size_adv",
            _sev(c("order_adv_frac") > pc.adv_flag_frac, c("order_adv_frac") > pc.adv_critical_frac),
            c("order_adv_frac"),
            pl.when(c("order_adv_frac") > pc.adv_critical_frac).then(pc.adv_critical_frac).otherwise(pc.adv_flag_frac),
            pl.format(
                "order is {}% of ADV ({} shares/day), above {}%; expect material impact and several days of trading",
                _pct(c("order_adv_frac")), _num(c("adv_shares")),
                _pct(pl.when(c("order_adv_frac") > pc.adv_critical_frac).then(pc.adv_critical_frac).otherwise(pc.adv_flag_frac), 0),
            ),
        ),
        (
            "size_mdv",
            _sev(c("order_mdv_frac") > pc.mdv_flag_frac, (c("order_mdv_frac") > pc.mdv_critical_frac) | (c("mdv_shares") <= 0)),
            c("order_mdv_frac"),
            pl.when(c("order_mdv_frac") > pc.mdv_critical_frac).then(pc.mdv_critical_frac).otherwise(pc.mdv_flag_frac),
            pl.when(c("mdv_shares") <= 0)
            .then(pl.lit("the median day trades nothing: the name trades on fewer than half of the days"))
            .otherwise(
                pl.format(
                    "order is {}% of the median daily volume ({} shares); a typical day absorbs less than the ADV suggests",
                    _pct(c("order_mdv_frac")), _num(c("mdv_shares")),
                )
            ),
        ),
        (
            "wide_spread",
            _sev(c("spread_bps") > pc.spread_flag_bps, c("spread_bps") > pc.spread_critical_bps),
            c("spread_bps"),
            pl.when(c("spread_bps") > pc.spread_critical_bps).then(pc.spread_critical_bps).otherwise(pc.spread_flag_bps),
            pl.format("spread of {} bps, above {} bps: use limit orders and expect to pay a large part of it",
                      _num(c("spread_bps")),
                      _num(pl.when(c("spread_bps") > pc.spread_critical_bps).then(pc.spread_critical_bps).otherwise(pc.spread_flag_bps))),
        ),
        (
            "penny_price",
            _sev(c("price_px") < bc.penny_price_px),
            c("price_px"),
            pl.lit(bc.penny_price_px),
            pl.format("price {} is below {}: penny-stock rules, wide relative ticks and thin books", _num(c("price_px"), 4),
                      pl.lit(f"{bc.penny_price_px:g}")),
        ),
        (
            "micro_cap",
            _sev(c("cap_band") == "micro"),
            c("market_cap_usd"),
            pl.lit(smallest_band),
            pl.format("market cap {} is below the smallest band ({}): micro cap", _money(c("market_cap_usd")),
                      pl.lit(f"{smallest_band / 1e6:,.1f}M")),
        ),
        (
            "market_cap_unknown",
            pl.when(c("cap_band") == "unknown").then(pl.lit("info")).otherwise(None),
            pl.lit(None, pl.Float64),
            pl.lit(None, pl.Float64),
            pl.lit("market cap unknown (no shares outstanding in the profile): size band and I-Star set default to 'all'"),
        ),
        (
            "zero_volume_days",
            _sev(c("zero_volume_frac") > pc.zero_volume_flag_frac, c("zero_volume_frac") > pc.zero_volume_critical_frac),
            c("zero_volume_frac"),
            pl.when(c("zero_volume_frac") > pc.zero_volume_critical_frac).then(pc.zero_volume_critical_frac).otherwise(pc.zero_volume_flag_frac),
            pl.format("{}% of the last {} days had no trade at all", _pct(c("zero_volume_frac"), 0), c("lookback_days").cast(pl.String)),
        ),
        (
            "few_days",
            _sev(c("lookback_days") < pc.min_lookback_days),
            c("lookback_days").cast(pl.Float64),
            pl.lit(float(pc.min_lookback_days)),
            pl.format("profile built on {} trading days only: ADV and volatility are rough (band widened)", c("lookback_days").cast(pl.String)),
        ),
        (
            "bars_only",
            pl.when(c("source") == "bars").then(pl.lit("info")).otherwise(None),
            pl.lit(None, pl.Float64),
            pl.lit(None, pl.Float64),
            pl.lit("profile built from bars only: the spread is a bar estimate and the band is widened"),
        ),
        (
            "days_to_complete",
            _sev(c("expected_days") > last_bucket, c("liquidity_bucket") == "not_sellable_stressed"),
            c("expected_days"),
            pl.when(c("liquidity_bucket") == "not_sellable_stressed").then(float(pc.stress_max_days)).otherwise(float(last_bucket)),
            pl.when(c("liquidity_bucket") == "not_sellable_stressed")
            .then(pl.format("at the stressed volume the order needs {} days at {}% of volume, more than {}: not sellable in a stressed window",
                            _num(c("days_stressed"), 1), _pct(c("cap_frac"), 0), pl.lit(str(pc.stress_max_days))))
            .otherwise(pl.format("expected {} trading days at {}% of volume (more than {})", _num(c("expected_days"), 1),
                                 _pct(c("cap_frac"), 0), pl.lit(str(last_bucket)))),
        ),
        (
            "window_too_short",
            _sev(c("window_participation_frac") > c("cap_frac"), c("window_participation_frac") > 2 * c("cap_frac")),
            c("window_participation_frac"),
            c("cap_frac"),
            pl.format("the start-end window needs {}% of volume, above the {}% cap; widen the window or cut the order",
                      _pct(c("window_participation_frac")), _pct(c("cap_frac"), 0)),
        ),
        (
            "limit_price",
            _sev(c("limit_room_bps") < c("cost_central_bps")),
            c("limit_room_bps"),
            c("cost_central_bps"),
            pl.format("the limit leaves {} bps from the last price, less than the {} bps expected cost: expect a partial fill",
                      _num(c("limit_room_bps"), 1), _num(c("cost_central_bps"), 1)),
        ),
        (
            "turnover_fallback",
            pl.when(c("turnover_fallback")).then(pl.lit("info")).otherwise(None),
            pl.lit(None, pl.Float64),
            pl.lit(None, pl.Float64),
            pl.lit("shares outstanding unknown: Almgren et al. (2005) permanent impact uses a typical daily turnover"),
        ),
        (
            "spread_fallback",
            pl.when(c("spread_fallback")).then(pl.lit("info")).otherwise(None),
            pl.lit(None, pl.Float64),
            pl.lit(None, pl.Float64),
            pl.lit(f"no {config.impact.half_spread_from} spread in the profile: the half-spread uses spread_bps"),
        ),
    ]
    rules += cost_rules(config, valid_range)
    # NaN compares above everything in polars: make missing values null so no rule fires on them
    floats = [name for name, dtype in t.schema.items() if dtype == pl.Float64]
    lazy = t.lazy().with_columns([pl.col(f).fill_nan(None) for f in floats])
    frames = [
        lazy.select(
            c("order_id"),
            c("symbol"),
            pl.lit(code).alias("flag"),
            sev.alias("severity"),
            value.cast(pl.Float64).alias("value"),
            thr.cast(pl.Float64).alias("threshold"),
            msg.alias("message"),
        ).filter(c("severity").is_not_null())
        for code, sev, value, thr, msg in rules
    ]
    out = pl.concat(frames).collect()
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return out.with_columns(c("severity").replace_strict(rank, return_dtype=pl.Int8).alias("_r")).sort(
        ["order_id", "_r", "flag"], descending=[False, True, False], maintain_order=True
    ).drop("_r")


def cost_rules(config, valid_range: dict | None = None) -> list:
    """The cost model's flags: ``outside_model_range``, ``block_trade_candidate``, ``cost_exceeds_notional``.

    Each rule is ``(code, severity expression, value, threshold, message)`` over the priced orders' columns
    (``order_adv_frac``, ``participation_frac``, ``cap_frac``, ``days_at_cap``, ``cost_high_bps``,
    ``notional_usd``).
    """
    import polars as pl

    from liqcost.models.params import PUBLISHED

    pc = config.pretrade
    vr = dict(PUBLISHED["valid_range"], **(valid_range or {}))
    c = pl.col
    max_x, max_p = float(vr["max_order_adv_frac"]), float(vr["max_participation_frac"])
    out_x = c("order_adv_frac") > max_x
    out_p = c("participation_frac") > max_p
    ceiling = pc.max_cost_frac * 1e4
    return [
        (
            "outside_model_range",
            _sev(out_x | out_p),
            pl.when(out_x).then(c("order_adv_frac")).otherwise(c("participation_frac")),
            pl.when(out_x).then(pl.lit(max_x)).otherwise(pl.lit(max_p)),
            pl.when(out_x)
            .then(pl.format("order is {}% of ADV, beyond the {}% the impact parameters were fitted for (valid_range): the "
                            "costs are extrapolations, read them as a rough order of magnitude",
                            _pct(c("order_adv_frac"), 0), pl.lit(f"{100 * max_x:g}")))
            .otherwise(pl.format("worked at {}% of the volume, beyond the {}% the impact parameters were fitted for "
                                 "(valid_range): the costs are extrapolations", _pct(c("participation_frac"), 0),
                                 pl.lit(f"{100 * max_p:g}"))),
        ),
        (
            "block_trade_candidate",
            _sev(c("order_adv_frac") > pc.block_adv_multiple),
            c("order_adv_frac"),
            pl.lit(float(pc.block_adv_multiple)),
            pl.format("order is {}x ADV: about {} trading days at {}% of volume; a block or negotiated trade (a broker's "
                      "block desk, a crossing network) may beat working it in the market",
                      _num(c("order_adv_frac"), 1), _num(c("days_at_cap"), 0), _pct(c("cap_frac"), 0)),
        ),
        (
            "cost_exceeds_notional",
            pl.when(c("cost_high_bps") > ceiling).then(pl.lit("critical")).otherwise(None),
            c("cost_high_bps") / 1e4,
            pl.lit(float(pc.max_cost_frac)),
            pl.format("the high end of the model band is {}% of the notional (above {}%): the models are far outside "
                      "what they describe; do not work it this way",
                      _num(c("cost_high_bps") / 100.0, 0), pl.lit(f"{100 * pc.max_cost_frac:g}")),
        ),
    ]


def summarize_flags(flags):
    """Per order: the worst severity and the flags as ``code:severity`` joined by ``", "``."""
    import polars as pl

    rank = {s: i for i, s in enumerate(SEVERITIES)}
    if flags.height == 0:
        return pl.DataFrame(schema={"order_id": pl.String, "severity": pl.String, "flags": pl.String})
    return (
        flags.with_columns(pl.col("severity").replace_strict(rank, return_dtype=pl.Int8).alias("_r"))
        .group_by("order_id", maintain_order=True)
        .agg(
            pl.col("_r").max().replace_strict({v: k for k, v in rank.items()}, return_dtype=pl.String).alias("severity"),
            (pl.col("flag") + ":" + pl.col("severity")).str.join(", ").alias("flags"),
        )
    )


# ------------------------------------------------------------------------------ the data behind a profile


def stale_trading_days(t, asof, config):
    """Trading days from each profile's last data to the as-of date (0 without an as-of date).

    Counted on the exchange calendar (``session`` weekdays less holidays,
    :func:`liqcost.calendar.trading_days_between`) from ``last_data_date`` (the last day with a trade,
    quote or bar), or ``asof_date`` for a profile table without it. A bars profile's window always ends on
    the as-of date, so its ``asof_date`` says nothing about staleness; its last bar does.
    """
    import numpy as np
    import polars as pl

    from liqcost.calendar import trading_days_between

    if asof is None or t.height == 0:
        return np.zeros(t.height, np.int64)
    last = pl.col("last_data_date") if "last_data_date" in t.columns else pl.col("asof_date")
    dates = t.select(pl.coalesce(last, pl.col("asof_date")).alias("d"))["d"]
    out = np.zeros(t.height, np.int64)
    have = dates.is_not_null().to_numpy()
    if have.any():
        out[have] = trading_days_between(dates.drop_nulls().to_numpy().astype("datetime64[D]"), asof, config)
    return out


def data_flags(t, stale, config):
    """Flags about the data behind each order's profile: staleness, days the vendor left out, stand-in inputs.

    Parameters
    ----------
    t : polars.DataFrame
        One row per priced order with ``order_id``, ``symbol`` and its profile's columns (``asof_date``,
        ``last_data_date``, ``lookback_days``, ``source``, ``spread_bps``, ``spread_source``,
        ``volatility_daily_frac``, ``volatility_source``, the ``*_uncertainty_frac`` and ``peer_count_*``
        columns, ``price_band``, ``no_bar_days``, ``missing_days``, ``n_effective_trades``; absent columns
        raise no flag).
    stale : numpy.ndarray
        :func:`stale_trading_days` of the rows.
    config : liqcost.config.Config
        ``pretrade.stale_days``/``stale_critical_days``, ``bars.missing_days_flag_frac``, ``measures``.

    Returns
    -------
    polars.DataFrame
        ``order_id``, ``symbol``, ``flag``, ``severity``, ``value``, ``threshold``, ``message`` (the
        :func:`build_flags` columns).
    """
    import polars as pl

    pc, m = config.pretrade, config.measures
    c = pl.col
    cols = set(t.columns)
    frame = t.lazy().with_columns(pl.Series("_stale", stale, dtype=pl.Int64))
    last = c("last_data_date") if "last_data_date" in cols else c("asof_date")
    rules = [
        (
            "stale_data",
            _sev(c("_stale") > pc.stale_days, c("_stale") > pc.stale_critical_days),
            c("_stale").cast(pl.Float64),
            pl.when(c("_stale") > pc.stale_critical_days).then(pc.stale_critical_days).otherwise(pc.stale_days)
            .cast(pl.Float64),
            pl.format("last data on {}, {} trading days before the as-of date; refresh the data before trading on it",
                      pl.coalesce(last, c("asof_date")).cast(pl.String), c("_stale").cast(pl.String)),
        ),
    ]
    if {"no_bar_days", "lookback_days"} <= cols:
        share = c("no_bar_days").cast(pl.Float64) / c("lookback_days").cast(pl.Float64)
        unknown = c("missing_days").fill_null(0) > 0 if "missing_days" in cols else pl.lit(False)
        rules.append((
            "missing_days",
            pl.when(share > config.bars.missing_days_flag_frac)
            .then(pl.when(unknown).then(pl.lit("warn")).otherwise(pl.lit("info"))).otherwise(None),
            share,
            pl.lit(config.bars.missing_days_flag_frac),
            pl.when(unknown)
            .then(pl.format("{} of the last {} trading days have no bar from the vendor and are left out as unknown "
                            "(bars.missing_bar: missing): ADV and the zero-volume share rest on the other days",
                            c("no_bar_days").cast(pl.String), c("lookback_days").cast(pl.String)))
            .otherwise(pl.format("{} of the last {} trading days have no bar from the vendor: counted as days "
                                 "without trades (bars.missing_bar: no_trade), which lowers ADV",
                                 c("no_bar_days").cast(pl.String), c("lookback_days").cast(pl.String))),
        ))
    for name, value, unit, digits in (("spread", "spread_bps", " bps", 1), ("volatility", "volatility_daily_frac", "", 4)):
        src = f"{name}_source"
        if src not in cols or value not in cols:
            continue
        u = c(f"{name}_uncertainty_frac") if f"{name}_uncertainty_frac" in cols else pl.lit(None, pl.Float64)
        peers = c(f"peer_count_{name}") if f"peer_count_{name}" in cols else pl.lit(None, pl.Int64)
        band = c("price_band") if "price_band" in cols else pl.lit("?")
        shown = (c(value).round(digits).cast(pl.String) + pl.lit(unit)) if name == "spread" else (
            (c(value) * 100).round(2).cast(pl.String) + pl.lit("% a day"))
        pm = pl.format(" (uncertainty {}%)", (u * 100).round(0).cast(pl.Int64).cast(pl.String))
        own_bars = c("source") == "bars" if "source" in cols else pl.lit(False)
        n_eff = c("n_effective_trades").fill_null(0).cast(pl.String) if "n_effective_trades" in cols else pl.lit("too few")
        sev = (
            pl.when(c(src).is_in(["cross_section", "prior"])).then(pl.lit("warn"))
            .when(c(src).is_in(["quoted", "trade_bars"]) | ((c(src) == "bars") & ~own_bars)).then(pl.lit("info"))
            .otherwise(None)
        )
        what = "spread" if name == "spread" else "daily volatility"
        msg = (
            pl.when(c(src) == "quoted")
            .then(pl.format("{} trades with an effective spread in the window (fewer than {}): the quoted spread, {}, "
                            "stands in{}", n_eff, pl.lit(str(m.min_effective_trades)), shown, pm))
            .when(c(src) == "bars")
            .then(pl.format("no {} from the ticks: the bar estimate, {}, stands in{}", pl.lit(what), shown, pm))
            .when(c(src) == "trade_bars")
            .then(pl.format("no {} from quotes: an estimate from daily bars of the name's own trades, {}, stands in{}",
                            pl.lit(what), shown, pm))
            .when(c(src) == "cross_section")
            .then(pl.format("too few trades or bars of its own: the median {} of {} names priced {} stands in, {}{}",
                            pl.lit(what), peers.cast(pl.String), band, shown, pm))
            .otherwise(pl.format("no {} of its own and fewer than {} peers priced {} in the data: the prior for the "
                                 "band, {}, stands in{}", pl.lit(what), pl.lit(str(m.min_peers)), band, shown, pm))
        )
        rules.append((f"{name}_stand_in", sev, u, pl.lit(None, pl.Float64), msg))
    floats = [k for k, dtype in t.schema.items() if dtype == pl.Float64]
    frame = frame.with_columns([c(f).fill_nan(None) for f in floats])
    parts = [
        frame.select(
            c("order_id"), c("symbol"), pl.lit(code).alias("flag"), sev.alias("severity"),
            value.cast(pl.Float64).alias("value"), thr.cast(pl.Float64).alias("threshold"), msg.alias("message"),
        ).filter(c("severity").is_not_null())
        for code, sev, value, thr, msg in rules
    ]
    return pl.concat(parts).collect()


def with_data_flags(flags, t, stale, config):
    """``flags`` (from :func:`build_flags`) with :func:`data_flags` added, in the same order (order, worst
    severity first, flag)."""
    import polars as pl

    out = pl.concat([flags, data_flags(t, stale, config)], how="vertical_relaxed")
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return out.with_columns(pl.col("severity").replace_strict(rank, return_dtype=pl.Int8).alias("_r")).sort(
        ["order_id", "_r", "flag"], descending=[False, True, False], maintain_order=True
    ).drop("_r")
