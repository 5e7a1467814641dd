"""The liquidity profile: one row per symbol summarising its last N trading days.

This is the one table pre-trade and the planner read (:data:`liqcost.schema.PROFILE`). It is built from
the daily metrics (:func:`liqcost.measures.daily.daily_metrics`), whose day grid already holds the
zero-volume days, so ADV, the median daily volume and the daily-volume distribution count them.

Window statistics (``L`` = ``measures.lookback_days``, and the long window ``measures.lookback_days_long``
for the ``*_long_*`` columns):

* ``adv_shares`` / ``mdv_shares`` / ``adv_usd``: mean / median daily volume and mean dollar volume over the
  ``L`` grid days, zero days included; ``daily_volume_shares`` lists them, oldest first.
* ``effective_spread_bps``, ``quoted_spread_bps``: medians of the daily values (days with trades / quotes);
  ``spread_bps`` is the effective spread when the window holds at least ``measures.min_effective_trades``
  trades with one (``n_effective_trades``) and it is positive, else the quoted spread when positive, else
  NaN; ``spread_source`` says which (``effective``, ``quoted``, ``none``).
* ``volatility_daily_frac``: standard deviation of the day-to-day log changes of the closing midpoint
  (bounce-free, overnight included) when the window has at least ``measures.min_volatility_returns`` of
  them and it is positive, else the root mean square of the daily midpoint realized volatility
  (intraday only) when positive, else NaN; ``volatility_source`` says which and ``n_volatility_obs``
  how many returns (or days) it rests on. A zero is not taken: a mid that never moved is a thin name,
  not a riskless one.
* With ``complete`` (the default) a name left without a spread or volatility gets the stand-ins of
  :mod:`liqcost.measures.fallback`, with the source and uncertainty of each input.
* ``kyle_lambda_bps_per_pct_adv``: Kyle's lambda pooled over the window with one intercept per day
  (bps of mid per signed share) times 1% of ADV: the mid move, in bps, of trading 1% of ADV at once
  under the linear model.
* ``shares_outstanding`` / ``market_cap_usd``: the last value the dataset's bars give in the window
  (a ``shares_outstanding`` column of the daily table), times ``price_px``; null when unknown.
* ``volume_profile_frac``: mean over days with volume of each interval's share of the day's volume, the
  auction shares kept apart in ``open_auction_frac`` / ``close_auction_frac`` (together they sum to 1).
  On a half day (:func:`liqcost.calendar.early_closes_for`) the intervals after the early close are not
  observed: they are left out of their intervals' means (not counted as intervals without volume), and
  the shares are rescaled to sum to one with the auctions.
* ``last_data_date``: the last day of the window with a trade or a quote (the staleness of the data).

Every symbol is computed in one pass: polars group-bys over the window rows and numpy over the
per-symbol segments, no Python loop over symbols (``tests/reference/profile.py`` keeps the loop it
replaced, and the tests compare the two).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from liqcost.errors import NoDataError

__all__ = ["liquidity_profile"]


def _finite(name: str, expr: pl.Expr | None = None) -> pl.Expr:
    """The finite values of a column (in a group-by: of each group)."""
    e = pl.col(name) if expr is None else expr
    return e.filter(e.is_finite())


def _nan(expr: pl.Expr) -> pl.Expr:
    """Null (an empty group) as NaN."""
    return expr.cast(pl.Float64).fill_null(float("nan"))


def _kyle_terms(frame: pl.DataFrame) -> pl.DataFrame:
    """Per-day terms of the pooled within regression (``kernels.regression.pooled_within_from_sums``)."""
    sums = frame.get_column("kyle_ols_sums")
    a = sums.explode().cast(pl.Float64).to_numpy().reshape(-1, 6) if frame.height else np.zeros((0, 6))
    k = a[:, 0]
    use = k > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        kk = np.where(use, k, 1.0)
        terms = {
            "_kg": use.astype(np.float64),
            "_kn": np.where(use, k, 0.0),
            "_kxx": np.where(use, a[:, 3] - a[:, 1] * a[:, 1] / kk, 0.0),
            "_kxy": np.where(use, a[:, 4] - a[:, 1] * a[:, 2] / kk, 0.0),
            "_kyy": np.where(use, a[:, 5] - a[:, 2] * a[:, 2] / kk, 0.0),
            "_kraw": np.where(use, a[:, 5], 0.0),
        }
    return frame.with_columns([pl.Series(n, v) for n, v in terms.items()])


def _kyle(g: pl.DataFrame, min_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled slope, its standard error and n per symbol from the summed terms (vectorized
    ``pooled_within_from_sums``; the residual sum of squares floored as in ``_residual_ss``)."""
    n = g["_kn"].to_numpy()
    groups = g["_kg"].to_numpy()
    sxx, sxy, syy, raw = (g[c].to_numpy() for c in ("_kxx", "_kxy", "_kyy", "_kraw"))
    dof = n - groups - 1.0
    ok = (n >= max(min_n, 3)) & (dof >= 1.0) & (sxx > 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(ok, sxy / np.where(ok, sxx, 1.0), np.nan)
        ssr = syy - b * sxy
        ssr = np.where(ssr <= 1e-12 * raw, 0.0, ssr)
        se = np.where(ok, np.sqrt(ssr / np.where(ok, dof, 1.0) / np.where(ok, sxx, 1.0)), np.nan)
    return b, se, n


def _window_stats(w: pl.DataFrame, cfg, labels: list[str], full: bool) -> pl.DataFrame:
    """One row per symbol of the window rows ``w`` (sorted by symbol and date).

    ``full`` computes every column; otherwise only those of the long window (``_LONG``).
    """
    m = cfg.measures
    vol = pl.col("volume_shares").cast(pl.Float64)
    rets = pl.col("return_mid_frac").slice(1)
    rets = rets.filter(rets.is_finite())
    rv = _finite("volatility_daily_frac")
    aggs = [
        pl.len().cast(pl.Int64).alias("lookback_days"),
        vol.mean().alias("adv_shares"),
        vol.median().alias("mdv_shares"),
        pl.col("dollar_volume_usd").cast(pl.Float64).mean().alias("adv_usd"),
        (vol == 0).sum().cast(pl.Int64).alias("zero_volume_days"),
        _nan(_finite("effective_spread_bps").median()).alias("effective_spread_bps"),
        _nan(_finite("quoted_spread_bps").median()).alias("quoted_spread_bps"),
        rets.len().alias("_n_rets"),
        rv.len().alias("_n_rv"),
        pl.col("n_effective").cast(pl.Int64).sum().alias("n_effective_trades"),
        _nan(rets.std(ddof=1)).alias("volatility_cc_frac"),
        _nan((rv * rv).mean().sqrt()).alias("volatility_rv_frac"),
        *[pl.col(c).sum() for c in ("_kg", "_kn", "_kxx", "_kxy", "_kyy", "_kraw")],
    ]
    if full:
        aggs += [
            vol.alias("daily_volume_shares"),
            pl.col("date").first().alias("first_date"),
            pl.col("date").last().alias("asof_date"),
            pl.col("n_trades").cast(pl.Float64).mean().alias("trades_per_day"),
            _nan(_finite("trade_size_median_shares").median()).alias("trade_size_median_shares"),
            _nan(_finite("trade_size_p90_shares").median()).alias("trade_size_p90_shares"),
            _nan(_finite("odd_lot_frac").mean()).alias("odd_lot_frac"),
            _nan(_finite("trade_gap_median_s").median()).alias("trade_gap_median_s"),
            _nan(_finite("no_trade_bucket_frac").mean()).alias("no_trade_bucket_frac"),
            _nan(_finite("quote_coverage_frac").mean()).alias("quote_coverage_frac"),
            _nan(_finite("amihud_bps_per_musd").median()).alias("amihud_bps_per_musd"),
            # depth at the touch (the book walk of the pre-trade check's crossing-now cost)
            (_nan(_finite("quoted_depth_shares").median()) if "quoted_depth_shares" in w.columns
             else pl.lit(float("nan"))).alias("quoted_depth_shares"),
            *[_nan(_finite(f"price_impact_{lab}_bps").median()).alias(f"price_impact_{lab}_bps") for lab in labels],
            _nan(_finite("close_px").last()).alias("_last_close"),
            _nan(_finite("close_mid_px").last()).alias("_last_mid"),
            pl.col("date").filter((pl.col("n_trades") > 0) | (pl.col("n_quotes") > 0)).last().alias("last_data_date"),
        ]
    g = w.group_by("symbol", maintain_order=True).agg(aggs)
    eff, qs = pl.col("effective_spread_bps"), pl.col("quoted_spread_bps")
    cc, rvf = pl.col("volatility_cc_frac"), pl.col("volatility_rv_frac")
    # a name's own spread and volatility: measured and positive, else NaN with source 'none' (the stand-ins
    # of liqcost.measures.fallback take over)
    use_eff = eff.is_finite() & (eff > 0) & (pl.col("n_effective_trades") >= m.min_effective_trades)
    use_qs = qs.is_finite() & (qs > 0)
    use_cc = (pl.col("_n_rets") >= m.min_volatility_returns) & cc.is_finite() & (cc > 0)
    use_rv = rvf.is_finite() & (rvf > 0)
    g = g.with_columns(
        pl.when(pl.col("_n_rets") >= 2).then(cc).otherwise(float("nan")).alias("volatility_cc_frac"),
    ).with_columns(
        pl.when(use_eff).then(eff).when(use_qs).then(qs).otherwise(float("nan")).alias("spread_bps"),
        pl.when(use_eff).then(pl.lit("effective")).when(use_qs).then(pl.lit("quoted"))
        .otherwise(pl.lit("none")).alias("spread_source"),
        pl.when(use_cc).then(cc).when(use_rv).then(rvf).otherwise(float("nan")).alias("volatility_daily_frac"),
        pl.when(use_cc).then(pl.lit("close_to_close_mid")).when(use_rv).then(pl.lit("intraday_realized"))
        .otherwise(pl.lit("none")).alias("volatility_source"),
        pl.when(use_cc).then(pl.col("_n_rets")).when(use_rv).then(pl.col("_n_rv")).otherwise(0).cast(pl.Int64)
        .alias("n_volatility_obs"),
    )
    lam, se, n = _kyle(g, m.kyle_min_trades)
    pct = 0.01 * g["adv_shares"].to_numpy()
    g = g.with_columns(
        pl.Series("kyle_lambda_bps_per_share", lam),
        pl.Series("kyle_lambda_se_bps_per_share", se),
        pl.Series("kyle_n_trades", np.where(np.isfinite(n), n, 0).astype(np.int64)),
        pl.Series("kyle_lambda_bps_per_pct_adv", lam * pct),
        pl.Series("kyle_lambda_se_bps_per_pct_adv", se * pct),
    )
    return g.drop("_n_rets", "_n_rv", "_kg", "_kn", "_kxx", "_kxy", "_kyy", "_kraw")


def _volume_profile(w: pl.DataFrame, n_symbols: int, in_session: np.ndarray | None) -> dict[str, np.ndarray]:
    """Mean intraday volume shares per symbol over its days with volume (auctions apart).

    ``in_session`` holds each row's number of intervals inside its session (fewer than all on a half day),
    or None when no row of the window is a half day.
    """
    vol = w["volume_shares"].cast(pl.Float64).to_numpy()
    bins = w["volume_bins_shares"].explode().cast(pl.Float64).to_numpy()
    nb = bins.size // max(w.height, 1)
    bins = bins.reshape(w.height, nb)
    oa = w["open_auction_shares"].cast(pl.Float64).to_numpy()
    ca = w["close_auction_shares"].cast(pl.Float64).to_numpy()
    sym = np.cumsum(np.r_[True, (w["symbol"][1:] != w["symbol"][:-1]).to_numpy()]) - 1 if w.height else np.zeros(0, int)
    has = vol > 0
    prof = np.full((n_symbols, nb), np.nan)
    oa_f = np.full(n_symbols, np.nan)
    ca_f = np.full(n_symbols, np.nan)
    rows = np.flatnonzero(has)
    if rows.size == 0:
        return {"volume_profile_frac": prof, "open_auction_frac": oa_f, "close_auction_frac": ca_f}
    s = sym[rows]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    counts = np.diff(np.r_[starts, s.size]).astype(np.float64)
    who = s[starts]
    v = vol[rows]
    shares = bins[rows] / v[:, None]
    oa_m = np.add.reduceat(oa[rows] / v, starts) / counts
    ca_m = np.add.reduceat(ca[rows] / v, starts) / counts
    if in_session is None or (in_session[rows] >= nb).all():
        mean = np.add.reduceat(shares, starts, axis=0) / counts[:, None]
    else:  # half days: the intervals after the early close are not observed
        seen = np.arange(nb)[None, :] < in_session[rows][:, None]
        tot = np.add.reduceat(np.where(seen, shares, 0.0), starts, axis=0)
        cnt = np.add.reduceat(seen.astype(np.float64), starts, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(cnt > 0, tot / np.maximum(cnt, 1.0), 0.0)
        half = np.add.reduceat((~seen).any(axis=1).astype(np.int64), starts) > 0
        total = mean.sum(axis=1) + oa_m + ca_m
        scale = np.where(half, total, 1.0)
        mean = np.where(half[:, None], mean / scale[:, None], mean)
        oa_m = np.where(half, oa_m / scale, oa_m)
        ca_m = np.where(half, ca_m / scale, ca_m)
    prof[who] = mean
    oa_f[who] = oa_m
    ca_f[who] = ca_m
    return {"volume_profile_frac": prof, "open_auction_frac": oa_f, "close_auction_frac": ca_f}


def _in_session_bins(w: pl.DataFrame, config, n_bins: int) -> np.ndarray | None:
    """Intervals inside each row's session: ``n_bins`` except on half days (None when there is none)."""
    from liqcost.calendar import early_closes_for

    if w.height == 0:
        return None
    first, last = w["date"].min(), w["date"].max()
    early = early_closes_for(config, first, last)
    if not early:
        return None
    s = config.session
    width = int(config.measures.profile_interval_minutes)
    nb = {d: min(n_bins, -(-(c - s.open_minutes) // width)) for d, c in early.items()}
    out = w["date"].replace_strict(nb, default=n_bins, return_dtype=pl.Int64).to_numpy()
    return out if (out < n_bins).any() else None


# long-window columns: "_long" goes before the unit suffix
_LONG = {"lookback_days": "lookback_days_long", "adv_shares": "adv_long_shares", "mdv_shares": "mdv_long_shares",
         "adv_usd": "adv_long_usd", "zero_volume_days": "zero_volume_long_days", "spread_bps": "spread_long_bps",
         "volatility_daily_frac": "volatility_long_daily_frac",
         "kyle_lambda_bps_per_pct_adv": "kyle_lambda_long_bps_per_pct_adv"}

# the columns after ``_FIRST`` in the order the loop version built them
_ORDER = ["symbol", "asof_date", "source", "price_px", "shares_outstanding", "market_cap_usd", "first_date",
          "profile_interval_minutes", "lookback_days", "adv_shares", "mdv_shares", "adv_usd", "zero_volume_days",
          "daily_volume_shares", "effective_spread_bps", "quoted_spread_bps", "spread_bps", "spread_source",
          "quoted_depth_shares",
          "volatility_daily_frac", "volatility_source", "volatility_cc_frac", "volatility_rv_frac",
          "kyle_lambda_bps_per_share", "kyle_lambda_se_bps_per_share", "kyle_n_trades", "kyle_lambda_bps_per_pct_adv",
          "kyle_lambda_se_bps_per_pct_adv", "trades_per_day", "trade_size_median_shares", "trade_size_p90_shares",
          "odd_lot_frac", "trade_gap_median_s", "no_trade_bucket_frac", "quote_coverage_frac", "amihud_bps_per_musd"]
_FIRST = ["symbol", "asof_date", "lookback_days", "source", "price_px", "adv_shares", "mdv_shares", "adv_usd",
          "zero_volume_days", "daily_volume_shares", "spread_bps", "quoted_spread_bps", "effective_spread_bps",
          "volatility_daily_frac", "kyle_lambda_bps_per_pct_adv", "trade_size_median_shares", "trades_per_day",
          "volume_profile_frac", "profile_interval_minutes"]


def liquidity_profile(
    daily: pl.DataFrame,
    config,
    *,
    lookback_days: int | None = None,
    lookback_days_long: int | None = None,
    asof: dt.date | None = None,
    complete: bool = True,
) -> pl.DataFrame:
    """Per-symbol liquidity profile over the last trading days (see the module docstring).

    Parameters
    ----------
    daily : polars.DataFrame
        Output of :func:`liqcost.measures.daily.daily_metrics` (one row per grid day).
    config : liqcost.config.Config
        Uses ``measures`` (windows, horizons, minimum counts) and ``session`` (half days).
    lookback_days, lookback_days_long : int, optional
        Window lengths in trading days (defaults from the config).
    asof : datetime.date, optional
        Last date of the windows (default: each symbol's last date). Days after it are ignored.
    complete : bool
        Give a name without its own spread or volatility the stand-ins of
        :func:`liqcost.measures.fallback.complete_inputs` (daily bars of its trades, peers, the prior) with
        the sources and uncertainties of its inputs; ``False`` leaves them NaN (source ``none``), as
        :func:`liqcost.measures.build.build_from_dataset` does before it merges bars in.

    Returns
    -------
    polars.DataFrame
        One row per symbol satisfying :data:`liqcost.schema.PROFILE`, plus the ``*_long_*`` columns of the
        long window and the diagnostics named in the module docstring.
    """
    from liqcost.measures.ticks import TickParams
    from liqcost.schema import check_frame

    m = config.measures
    L = int(lookback_days or m.lookback_days)
    L2 = int(lookback_days_long or m.lookback_days_long)
    params = TickParams.from_config(config)
    labels = [lab for lab in params.horizon_labels if f"price_impact_{lab}_bps" in daily.columns]
    frame = daily
    if asof is not None:
        frame = frame.filter(pl.col("date") <= asof)
    if frame.height == 0:
        raise NoDataError(f"no daily metrics on or before {asof}; choose a later --end." if asof else "no daily metrics.")
    frame = frame.sort(["symbol", "date"])
    # rows counted from each symbol's last day: 0 is the as-of day
    back = (pl.len() - 1 - pl.int_range(pl.len())).over("symbol")
    frame = _kyle_terms(frame.with_columns(back.alias("_back")))
    short_rows = frame.filter(pl.col("_back") < L)
    short = _window_stats(short_rows, config, labels, full=True)
    long = _window_stats(frame.filter(pl.col("_back") < L2), config, labels, full=False)
    n_sym = short.height
    vp = _volume_profile(short_rows, n_sym, _in_session_bins(short_rows, config, params.n_bins))

    # shares outstanding: the last known value up to the as-of date (not only in the window)
    if "shares_outstanding" in frame.columns:
        so = frame.group_by("symbol", maintain_order=True).agg(
            _nan(_finite("shares_outstanding", pl.col("shares_outstanding").cast(pl.Float64)).last()).alias("_so"))
        so_v = so["_so"].to_numpy()
    else:
        so_v = np.full(n_sym, np.nan)
    close, mid = short["_last_close"].to_numpy(), short["_last_mid"].to_numpy()
    price = np.where(np.isfinite(close), close, mid)
    has_so = np.isfinite(so_v)
    mcap = np.where(has_so & np.isfinite(price), so_v * price, np.nan)
    out = short.drop("_last_close", "_last_mid").with_columns(
        pl.lit("ticks").alias("source"),
        pl.Series("price_px", price),
        pl.Series("shares_outstanding", np.where(has_so, so_v, np.nan)).fill_nan(None),
        pl.Series("market_cap_usd", mcap).fill_nan(None),
        pl.lit(int(m.profile_interval_minutes), dtype=pl.Int64).alias("profile_interval_minutes"),
        pl.Series("volume_profile_frac", vp["volume_profile_frac"]).cast(pl.List(pl.Float64))
        if n_sym else pl.Series("volume_profile_frac", [], dtype=pl.List(pl.Float64)),
        pl.Series("open_auction_frac", vp["open_auction_frac"]),
        pl.Series("close_auction_frac", vp["close_auction_frac"]),
        *[long.get_column(k).alias(name) for k, name in _LONG.items()],
    )
    order = _ORDER + [f"price_impact_{lab}_bps" for lab in labels] + [
        "volume_profile_frac", "open_auction_frac", "close_auction_frac", *_LONG.values(), "n_effective_trades",
        "n_volatility_obs", "volume_source", "last_data_date"]
    out = out.with_columns(pl.lit("ticks").alias("volume_source")).select(order)
    out = out.select(_FIRST + [c for c in out.columns if c not in _FIRST]).sort("symbol")
    if complete:
        from liqcost.measures.fallback import complete_inputs

        out = complete_inputs(out, config, daily=frame)
    check_frame(out, "profile", "liquidity profile")
    return out
