"""Model versus realized: the pre-trade estimate of each order beside what it cost, with a z-score.

Two steps, kept apart so that no estimate can see the future:

1. :func:`pretrade_estimates` prices each reviewed order with the pre-trade check
   (:func:`liqcost.pretrade.pretrade`) at its filled quantity over its realized window (arrival to last fill),
   against the liquidity profile that ``profile_asof(date)`` returns for the order's date. That callable
   must build the profile from data strictly before the date; a profile whose ``asof_date`` is on or after
   the order's date is refused (:class:`~liqcost.errors.DataError`). :func:`profile_asof_from_daily` makes one
   from a daily-metrics table (``liqcost.measures.daily``) without touching files.
2. :func:`model_vs_realized` sets the estimate beside the realized cost and scores it.

The score
---------
The realized cost is the order's ``arrival_cost_bps`` (filled shares against the arrival mid: what the
impact models predict; fees and the opportunity cost of an unfilled rest are left out). Its risk, in bps,
combines three independent parts::

    risk^2 = (sigma sqrt(V) 1e4)^2 + SE_spread^2 + sd_estimate^2

* timing: ``V`` is the order's ``timing_variance_days`` (the variance of the qty-weighted mean of a random
  walk sampled at the fill times, from the review, Almgren & Chriss 2000) and ``sigma`` the profile's daily
  volatility: the noise the price's own moves put into the cost of this schedule;
* spread: the standard error of the half-spread the order's fills paid (``spread_paid_se_bps``);
* estimate: the uncertainty of the expected cost itself, ``(cost_high - cost_low) / (2 impact.band_z)``
  from the pre-trade band (zero when the estimates carry no band: a known model). :func:`pretrade_estimates`
  prices with the central model (``impact.central``) alone, so its band is that model's own parameter and
  input uncertainty, not the disagreement between models (with ``central: median`` the band of all models).

``z = (realized - expected) / risk``; an order is inside the model band when ``|z| <= tca.band_z`` and an
outlier when ``|z| > tca.outlier_z``. For a well-specified model the z-scores are standard normal: mean 0
(standard error ``1 / sqrt(n)``), standard deviation 1, and ``erf(band_z / sqrt 2)`` of the orders (68.3 %
for ``band_z = 1``) inside the band. Estimates may instead give ``risk_bps`` directly, which is then used as
is. Following Kissell (2013, ch. 3), the z-score is the standard way to judge a cost model order by order.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from liqcost.errors import DataError

__all__ = ["model_vs_realized", "pretrade_estimates", "profile_asof_from_daily", "size_band"]

_ESTIMATE_COLUMNS = {
    "cost_central_bps": "expected_cost_bps", "cost_low_bps": "cost_low_bps", "cost_high_bps": "cost_high_bps",
    "timing_risk_bps": "model_timing_risk_bps", "half_spread_bps": "half_spread_bps", "order_adv_frac": "order_adv_frac",
    "participation_frac": "model_participation_frac", "duration_days": "duration_days", "adv_shares": "adv_shares",
    "volatility_daily_frac": "volatility_daily_frac", "spread_bps": "spread_bps", "market_cap_usd": "market_cap_usd",
    "cap_band": "cap_band", "lookback_days": "lookback_days", "asof_date": "asof_date",
}


def profile_asof_from_daily(daily: pl.DataFrame, config, **kwargs):
    """A ``profile_asof(date)`` callable over a daily-metrics table: profiles from the days before ``date``.

    Parameters
    ----------
    daily : polars.DataFrame
        :func:`liqcost.measures.daily.daily_metrics` output (``DailyResult.daily``) covering the history.
    config : liqcost.config.Config
        ``measures`` windows (``lookback_days`` ...).
    **kwargs
        Passed to :func:`liqcost.measures.profile.liquidity_profile`.

    Returns
    -------
    callable
        ``profile_asof(date) -> polars.DataFrame`` (``schema.PROFILE``; empty when no day precedes ``date``),
        built from the rows with ``date < date`` only and cached per date.
    """
    from liqcost.measures.profile import liquidity_profile
    from liqcost.schema import PROFILE

    cache: dict = {}

    def profile_asof(day: dt.date) -> pl.DataFrame:
        if day not in cache:
            before = daily.filter(pl.col("date") < day)
            cache[day] = liquidity_profile(before, config, **kwargs) if before.height else pl.DataFrame(schema=PROFILE.polars_schema())
        return cache[day]

    return profile_asof


def pretrade_estimates(orders, profile_asof, config=None, *, params=None) -> pl.DataFrame:
    """The pre-trade estimate of each reviewed order, from a profile built before the order's date.

    Parameters
    ----------
    orders : TcaResult or polars.DataFrame
        The review (or its ``orders`` table): ``order_id``, ``symbol``, ``side``, ``date``, ``filled_qty_shares``,
        ``arrival_ts``, ``last_fill_ts``.
    profile_asof : callable
        ``profile_asof(date) -> profile frame`` (``schema.PROFILE``) from data strictly before ``date``.
    config : liqcost.config.Config, optional
    params : liqcost.models.params.ImpactParams, optional
        Impact parameters (default: ``impact.params_file`` or the published values).

    Returns
    -------
    polars.DataFrame
        One row per filled order: ``order_id``, ``status`` (``ok`` or ``error``), ``error``, ``expected_cost_bps``
        (the central estimate), ``cost_low_bps``, ``cost_high_bps``, ``model_timing_risk_bps`` (ex ante),
        ``half_spread_bps``, each model's ``cost_<model>_bps``, and the profile values used (``adv_shares``,
        ``volatility_daily_frac``, ``spread_bps``, ``market_cap_usd``, ``cap_band``, ``shares_outstanding``,
        ``lookback_days``, ``asof_date``), ``order_adv_frac``, ``model_participation_frac``, ``duration_days``.

    Raises
    ------
    liqcost.errors.DataError
        ``profile_asof`` returned a profile dated on or after the order's date (look-ahead).
    """
    from liqcost.config import Config
    from liqcost.pretrade import pretrade

    config = config or Config()
    central = config.impact.central
    if central != "median" and config.impact.models != [central]:
        # the band of the central model alone: its own parameter and input uncertainty (the band across all
        # models also holds their disagreement, which is not this model's risk)
        config = config.model_copy(update={"impact": config.impact.model_copy(update={"models": [central]})})
    table = orders.orders if hasattr(orders, "orders") and not isinstance(orders, pl.DataFrame) else orders
    todo = table.filter((pl.col("filled_qty_shares") > 0) & pl.col("date").is_not_null()).select(
        "order_id", "symbol", "side", "date", pl.col("filled_qty_shares").alias("qty"),
        pl.col("arrival_ts").alias("start"), pl.col("last_fill_ts").alias("end"))
    parts = []
    for (day,), chunk in todo.sort("date").group_by(["date"], maintain_order=True):
        prof = profile_asof(day)
        if prof.height and prof.get_column("asof_date").max() >= day:
            raise DataError(
                f"profile_asof({day}) returned a profile as of {prof.get_column('asof_date').max()}: a profile for an order of "
                f"{day} must use only data before that date (no look-ahead); filter the history to date < {day}.")
        known = set(prof.get_column("symbol").to_list()) if prof.height else set()
        miss = chunk.filter(~pl.col("symbol").is_in(list(known)))
        if miss.height:
            parts.append(miss.select("order_id", pl.lit("error").alias("status"),
                                     pl.format("no liquidity profile for {} before {}", pl.col("symbol"), pl.col("date")).alias("error")))
        have = chunk.filter(pl.col("symbol").is_in(list(known)))
        if have.height == 0:
            continue
        res = pretrade(have.drop("date"), prof, config, params=params, portfolio=False)
        t = res.orders
        keep = ["order_id", "status", "error"] + [c for c in t.columns if c.startswith("cost_") and c.endswith("_bps")
                                                  and c not in _ESTIMATE_COLUMNS] + [c for c in _ESTIMATE_COLUMNS if c in t.columns]
        t = t.select(keep).rename({k: v for k, v in _ESTIMATE_COLUMNS.items() if k in t.columns})
        extra = [c for c in ("shares_outstanding", "price_px") if c in prof.columns]
        if extra:
            t = t.join(have.select("order_id", "symbol").join(prof.select("symbol", *[pl.col(c).cast(pl.Float64) for c in extra]),
                                                                 on="symbol", how="left").drop("symbol").rename({"price_px": "profile_price_px"}),
                       on="order_id", how="left")
        errs = res.errors.filter(~pl.col("order_id").is_in(t.get_column("order_id").implode()))  # not already a row of t
        if errs.height:
            t = pl.concat([t, errs.select("order_id", pl.lit("error").alias("status"), pl.col("reason").alias("error"))],
                          how="diagonal_relaxed")
        parts.append(t)
    if not parts:
        return pl.DataFrame(schema={"order_id": pl.String, "status": pl.String, "error": pl.String, "expected_cost_bps": pl.Float64})
    return pl.concat(parts, how="diagonal_relaxed")


def size_band(pct_adv: pl.Expr, edges) -> pl.Expr:
    """Label of the size band (fraction of ADV) for the given edges, e.g. ``1-5%``; null when unknown."""
    def pct(x):
        return f"{100 * x:g}%"

    expr = pl.when(pct_adv.is_null() | pct_adv.is_nan()).then(None)
    prev = None
    for e in edges:
        label = f"<{pct(e)}" if prev is None else f"{100 * prev:g}-{pct(e)}"
        expr = expr.when(pct_adv < e).then(pl.lit(label))
        prev = e
    return expr.otherwise(pl.lit(f">={pct(prev)}" if prev is not None else "all"))


def model_vs_realized(review, estimates: pl.DataFrame, config=None):
    """Each order's realized cost beside its estimate: risk, z-score, band, aggregates and outliers.

    Parameters
    ----------
    review : TcaResult or polars.DataFrame
        The review (or its ``orders`` table).
    estimates : polars.DataFrame
        ``order_id`` and ``expected_cost_bps``, with either ``risk_bps`` or ``volatility_daily_frac`` (then the
        risk follows the module docstring); optionally ``cost_low_bps``/``cost_high_bps``, ``adv_shares``,
        ``market_cap_usd``/``cap_band`` and a ``status`` (``ok`` rows are compared). :func:`pretrade_estimates`
        gives all of them.
    config : liqcost.config.Config, optional
        ``tca.band_z``, ``tca.outlier_z``, ``tca.size_bands_frac_adv``, ``impact.band_z``,
        ``bars.market_cap_bands_usd``.

    Returns
    -------
    liqcost.tca.results.ModelReviewResult
    """
    from math import erf, sqrt

    from liqcost.config import Config
    from liqcost.models.params import cap_band
    from liqcost.tca.aggregate import aggregate
    from liqcost.tca.results import ModelReviewResult

    config = config or Config()
    tc = config.tca
    table = review.orders if hasattr(review, "orders") and not isinstance(review, pl.DataFrame) else review
    if "order_id" not in estimates.columns or "expected_cost_bps" not in estimates.columns:
        raise DataError(f"estimates need order_id and expected_cost_bps (columns present: {', '.join(estimates.columns)}).")
    if "risk_bps" not in estimates.columns and "volatility_daily_frac" not in estimates.columns:
        raise DataError("estimates need risk_bps, or volatility_daily_frac to compute the risk from each order's fill schedule.")
    est = estimates
    if "status" in est.columns:
        bad_est = est.filter(pl.col("status") != "ok")
        est = est.filter(pl.col("status") == "ok")
    else:
        bad_est = est.head(0)
    dup = [c for c in est.columns if c in table.columns and c != "order_id"]
    j = table.join(est.drop(dup), on="order_id", how="inner", maintain_order="left")
    z_band = config.impact.band_z
    nan = pl.lit(float("nan"))
    if "risk_bps" in est.columns:
        risk = pl.col("risk_bps")
        j = j.with_columns(nan.alias("timing_risk_bps"), nan.alias("estimate_sd_bps"))
    else:
        timing = pl.col("volatility_daily_frac") * pl.col("timing_variance_days").sqrt() * 1e4
        if "cost_low_bps" in j.columns and "cost_high_bps" in j.columns and z_band > 0:
            est_sd = ((pl.col("cost_high_bps") - pl.col("cost_low_bps")) / (2.0 * z_band)).fill_null(0.0).fill_nan(0.0)
        else:
            est_sd = pl.lit(0.0)
        j = j.with_columns(timing.alias("timing_risk_bps"), est_sd.alias("estimate_sd_bps"))
        risk = (pl.col("timing_risk_bps") ** 2 + pl.col("spread_paid_se_bps").fill_null(0.0) ** 2 + pl.col("estimate_sd_bps") ** 2).sqrt()
    j = j.with_columns(risk.alias("risk_bps"), pl.col("arrival_cost_bps").alias("realized_cost_bps"))
    z = (pl.col("realized_cost_bps") - pl.col("expected_cost_bps")) / pl.col("risk_bps")
    j = j.with_columns(
        (pl.col("realized_cost_bps") - pl.col("expected_cost_bps")).alias("error_bps"),
        pl.when(pl.col("risk_bps").fill_nan(None) > 0).then(z).otherwise(float("nan")).fill_null(float("nan")).alias("z"),
    )
    z_ok = pl.col("z").is_not_nan()  # polars orders NaN above every number: guard the comparisons
    j = j.with_columns((z_ok & (pl.col("z").abs() <= tc.band_z)).alias("inside_band"),
                       (z_ok & (pl.col("z").abs() > tc.outlier_z)).alias("outlier"))
    if "adv_shares" in j.columns:
        j = j.with_columns((pl.col("filled_qty_shares") / pl.col("adv_shares")).alias("size_frac_adv"))
        j = j.with_columns(size_band(pl.col("size_frac_adv"), tc.size_bands_frac_adv).alias("size_band"))
    if "cap_band" not in j.columns and "market_cap_usd" in j.columns:
        mc = j.get_column("market_cap_usd").cast(pl.Float64).fill_null(float("nan")).to_numpy()
        j = j.with_columns(pl.Series("cap_band", cap_band(mc, config.bars.market_cap_bands_usd).astype(str)))
    # rows that cannot be scored
    unscored = j.filter(pl.col("z").is_nan()).select(
        "order_id", "symbol",
        pl.when(pl.col("realized_cost_bps").is_nan()).then(pl.lit("no realized cost (no arrival price)"))
        .otherwise(pl.lit("no risk (no volatility or timing variance)")).alias("reason"))
    missing = table.filter(pl.col("filled_qty_shares") > 0).join(est.select("order_id"), on="order_id", how="anti").join(
        bad_est.select("order_id", *(["error"] if "error" in bad_est.columns else [])), on="order_id", how="left")
    not_compared = pl.concat([
        unscored,
        missing.select("order_id", "symbol", (pl.col("error") if "error" in missing.columns else pl.lit(None, pl.String))
                       .fill_null("no estimate for the order").alias("reason")),
    ], how="vertical_relaxed")
    scored = j.filter(pl.col("z").is_not_nan())
    dims = ["symbol", "size_band", "cap_band", "side", "date", "broker", "venue"]
    aggs = aggregate(scored, dims)
    outliers = scored.filter(pl.col("outlier")).with_columns(pl.col("z").abs().alias("_az")).sort("_az", descending=True).drop("_az")
    first = ["order_id", "symbol", "side", "date", "filled_qty_shares", "realized_cost_bps", "expected_cost_bps", "error_bps",
             "risk_bps", "z", "inside_band", "outlier", "timing_risk_bps", "spread_paid_se_bps", "estimate_sd_bps"]
    j = j.select(first + [c for c in j.columns if c not in first])
    expected = erf(tc.band_z / sqrt(2.0))
    notes = [
        f"risk per order = sqrt(timing^2 + spread^2 + estimate^2): timing from the fills' schedule and the profile's volatility "
        f"({config.planner.overnight_variance_frac:g} of a day's variance overnight), spread from the fills' own dispersion, "
        f"estimate from the pre-trade band; a well-specified model puts {100 * expected:.1f}% of orders within "
        f"{tc.band_z:g} risk of the estimate, with z-scores of mean 0 and standard deviation 1.",
    ]
    if not_compared.height:
        notes.append(f"{not_compared.height} order(s) not compared (see not_compared).")
    return ModelReviewResult(j, aggs, outliers.select(first + [c for c in outliers.columns if c not in first]),
                             not_compared, float(tc.band_z), tuple(notes))
