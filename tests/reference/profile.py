"""The liquidity profile as it was computed before the one-pass version: a Python loop over symbols.

Kept verbatim (apart from this docstring and the imports) as the slow, obviously correct twin of
:func:`liqcost.measures.profile.liquidity_profile`: the tests compare the two on fixed and
hypothesis-generated daily panels. The one addition is ``half_days``: a set of dates whose intraday volume
bins after the early close are not observed (left out of their bins' means, the shares rescaled to sum
to one with the auctions) -- the loop form of the rule the fast version applies.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from liqcost.errors import NoDataError

def _finite(values) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    return a[np.isfinite(a)]


def _median(values) -> float:
    a = _finite(values)
    return float(np.median(a)) if a.size else float("nan")


def _mean(values) -> float:
    a = _finite(values)
    return float(a.mean()) if a.size else float("nan")


def _window(rows: dict, lo: int, hi: int, cfg, horizon_labels, in_session=None) -> dict:
    from liqcost.kernels.regression import pooled_within_from_sums

    m = cfg.measures
    sl = slice(lo, hi)
    vol = np.asarray(rows["volume_shares"][sl], dtype=float)
    dvol = np.asarray(rows["dollar_volume_usd"][sl], dtype=float)
    n_days = hi - lo
    out: dict = {}
    out["lookback_days"] = n_days
    out["adv_shares"] = float(vol.mean()) if n_days else float("nan")
    out["mdv_shares"] = float(np.median(vol)) if n_days else float("nan")
    out["adv_usd"] = float(dvol.mean()) if n_days else float("nan")
    out["zero_volume_days"] = int((vol == 0).sum())
    out["daily_volume_shares"] = [float(v) for v in vol]
    eff = _median(rows["effective_spread_bps"][sl])
    qs = _median(rows["quoted_spread_bps"][sl])
    out["effective_spread_bps"] = eff
    out["quoted_spread_bps"] = qs
    out["spread_bps"] = eff if math.isfinite(eff) else qs
    out["spread_source"] = "effective" if math.isfinite(eff) else ("quoted" if math.isfinite(qs) else "none")
    out["quoted_depth_shares"] = _median(rows["quoted_depth_shares"][sl]) if "quoted_depth_shares" in rows else float("nan")
    # volatility: close-to-close midpoint returns, else intraday realized
    rets = _finite(rows["return_mid_frac"][lo + 1:hi])
    rv = _finite(rows["volatility_daily_frac"][sl])
    vol_cc = float(np.std(rets, ddof=1)) if rets.size >= 2 else float("nan")
    vol_rv = float(np.sqrt(np.mean(rv**2))) if rv.size else float("nan")
    if rets.size >= m.min_volatility_returns and math.isfinite(vol_cc):
        out["volatility_daily_frac"], out["volatility_source"] = vol_cc, "close_to_close_mid"
    elif math.isfinite(vol_rv):
        out["volatility_daily_frac"], out["volatility_source"] = vol_rv, "intraday_realized"
    else:
        out["volatility_daily_frac"], out["volatility_source"] = vol_cc, "close_to_close_mid"
    out["volatility_cc_frac"] = vol_cc
    out["volatility_rv_frac"] = vol_rv
    # Kyle's lambda pooled over the window
    sums = np.ascontiguousarray(np.array(rows["kyle_ols_sums"][sl], dtype=float).reshape(-1, 6))
    lam = pooled_within_from_sums(sums, m.kyle_min_trades)
    out["kyle_lambda_bps_per_share"] = float(lam[0])
    out["kyle_lambda_se_bps_per_share"] = float(lam[1])
    out["kyle_n_trades"] = int(lam[2]) if math.isfinite(lam[2]) else 0
    pct = 0.01 * out["adv_shares"]
    out["kyle_lambda_bps_per_pct_adv"] = float(lam[0] * pct) if math.isfinite(lam[0]) else float("nan")
    out["kyle_lambda_se_bps_per_pct_adv"] = float(lam[1] * pct) if math.isfinite(lam[1]) else float("nan")
    # activity
    n_tr = np.asarray(rows["n_trades"][sl], dtype=float)
    out["trades_per_day"] = float(n_tr.mean()) if n_days else float("nan")
    out["trade_size_median_shares"] = _median(rows["trade_size_median_shares"][sl])
    out["trade_size_p90_shares"] = _median(rows["trade_size_p90_shares"][sl])
    out["odd_lot_frac"] = _mean(rows["odd_lot_frac"][sl])
    out["trade_gap_median_s"] = _median(rows["trade_gap_median_s"][sl])
    out["no_trade_bucket_frac"] = _mean(rows["no_trade_bucket_frac"][sl])
    out["quote_coverage_frac"] = _mean(rows["quote_coverage_frac"][sl])
    out["amihud_bps_per_musd"] = _median(rows["amihud_bps_per_musd"][sl])
    for lab in horizon_labels:
        out[f"price_impact_{lab}_bps"] = _median(rows[f"price_impact_{lab}_bps"][sl])
    # intraday volume profile (days with volume), auctions apart
    bins = np.array(rows["volume_bins_shares"][sl], dtype=float).reshape(n_days, -1)
    oa = np.asarray(rows["open_auction_shares"][sl], dtype=float)
    ca = np.asarray(rows["close_auction_shares"][sl], dtype=float)
    has = vol > 0
    half = None if in_session is None else np.asarray(in_session[sl])  # bins in session per day
    if has.any() and (half is None or (half[has] >= bins.shape[1]).all()):
        out["volume_profile_frac"] = [float(x) for x in (bins[has] / vol[has, None]).mean(axis=0)]
        out["open_auction_frac"] = float((oa[has] / vol[has]).mean())
        out["close_auction_frac"] = float((ca[has] / vol[has]).mean())
    elif has.any():
        shares = bins[has] / vol[has, None]
        seen = np.arange(bins.shape[1])[None, :] < half[has][:, None]
        prof = np.array([shares[seen[:, j], j].mean() if seen[:, j].any() else 0.0 for j in range(bins.shape[1])])
        oa_m, ca_m = float((oa[has] / vol[has]).mean()), float((ca[has] / vol[has]).mean())
        total = prof.sum() + oa_m + ca_m
        out["volume_profile_frac"] = [float(x / total) for x in prof]
        out["open_auction_frac"] = oa_m / total
        out["close_auction_frac"] = ca_m / total
    else:
        out["volume_profile_frac"] = [float("nan")] * bins.shape[1]
        out["open_auction_frac"] = float("nan")
        out["close_auction_frac"] = float("nan")
    return out


# long-window columns: "_long" goes before the unit suffix
_LONG = {"lookback_days": "lookback_days_long", "adv_shares": "adv_long_shares", "mdv_shares": "mdv_long_shares",
         "adv_usd": "adv_long_usd", "zero_volume_days": "zero_volume_long_days", "spread_bps": "spread_long_bps",
         "volatility_daily_frac": "volatility_long_daily_frac",
         "kyle_lambda_bps_per_pct_adv": "kyle_lambda_long_bps_per_pct_adv"}


def liquidity_profile_loop(
    daily: pl.DataFrame,
    config,
    *,
    lookback_days: int | None = None,
    lookback_days_long: int | None = None,
    asof=None,
    half_days: dict | None = None,
) -> pl.DataFrame:
    """Per-symbol liquidity profile over the last trading days (see the module docstring).

    Parameters
    ----------
    daily : polars.DataFrame
        Output of :func:`liqcost.measures.daily.daily_metrics` (one row per grid day).
    config : liqcost.config.Config
        Uses ``measures`` (windows, horizons, minimum counts).
    lookback_days, lookback_days_long : int, optional
        Window lengths in trading days (defaults from the config).
    asof : datetime.date, optional
        Last date of the windows (default: each symbol's last date). Days after it are ignored.

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
    frame = daily.sort(["symbol", "date"])
    if asof is not None:
        frame = frame.filter(pl.col("date") <= asof)
    if frame.height == 0:
        raise NoDataError(f"no daily metrics on or before {asof}; choose a later --end." if asof else "no daily metrics.")
    records = []
    for (sym,), g in frame.group_by(["symbol"], maintain_order=True):
        rows = g.to_dict(as_series=False)
        n = g.height
        insess = None
        if half_days:
            nb = len(rows["volume_bins_shares"][0]) if n else 0
            insess = [half_days.get(d, nb) for d in rows["date"]]
        short = _window(rows, max(0, n - L), n, config, labels, insess)
        long = _window(rows, max(0, n - L2), n, config, labels, insess)
        close = _finite(rows["close_px"][max(0, n - L):n])
        mid = _finite(rows["close_mid_px"][max(0, n - L):n])
        price = float(close[-1]) if close.size else (float(mid[-1]) if mid.size else float("nan"))
        shares = _finite(rows["shares_outstanding"]) if "shares_outstanding" in rows else np.zeros(0)
        rec = {
            "symbol": sym,
            "asof_date": rows["date"][-1],
            "source": "ticks",
            "price_px": price,
            "shares_outstanding": float(shares[-1]) if shares.size else None,
            "market_cap_usd": float(shares[-1]) * price if shares.size and math.isfinite(price) else None,
            "first_date": rows["date"][max(0, n - L)],
            "profile_interval_minutes": int(m.profile_interval_minutes),
            **short,
        }
        for k, name in _LONG.items():
            rec[name] = long[k]
        records.append(rec)
    out = pl.DataFrame(records, infer_schema_length=None)
    out = out.with_columns(
        pl.col("daily_volume_shares").cast(pl.List(pl.Float64)),
        pl.col("volume_profile_frac").cast(pl.List(pl.Float64)),
        pl.col("asof_date").cast(pl.Date),
        pl.col("first_date").cast(pl.Date),
        pl.col("lookback_days").cast(pl.Int64),
        pl.col("lookback_days_long").cast(pl.Int64),
        pl.col("zero_volume_days").cast(pl.Int64),
        pl.col("zero_volume_long_days").cast(pl.Int64),
        pl.col("kyle_n_trades").cast(pl.Int64),
        pl.col("profile_interval_minutes").cast(pl.Int64),
        pl.col("shares_outstanding").cast(pl.Float64),
        pl.col("market_cap_usd").cast(pl.Float64),
    )
    first = ["symbol", "asof_date", "lookback_days", "source", "price_px", "adv_shares", "mdv_shares", "adv_usd",
             "zero_volume_days", "daily_volume_shares", "spread_bps", "quoted_spread_bps", "effective_spread_bps",
             "volatility_daily_frac", "kyle_lambda_bps_per_pct_adv", "trade_size_median_shares", "trades_per_day",
             "volume_profile_frac", "profile_interval_minutes"]
    out = out.select(first + [c for c in out.columns if c not in first]).sort("symbol")
    check_frame(out, "profile", "liquidity profile")
    return out
