"""Stand-ins for the inputs a sparse name cannot estimate itself, with their source and uncertainty.

A name with too few trades or bars has no usable spread or volatility of its own; pricing it at zero (a
single trade at the midpoint, a quote that never moved) or refusing to price it are both wrong. Each
input falls back, in order, to the next source that has a positive value:

spread (``spread_bps``, ``spread_source``)
    1. ``effective``: the median daily effective spread, when the window holds at least
       ``measures.min_effective_trades`` trades with one (:func:`liqcost.measures.profile.liquidity_profile`);
    2. ``quoted``: the median time-weighted quoted spread (ticks);
    3. ``bars``: the bar estimate of the dataset's bars (``bars.spread_estimators``, first defined);
    4. ``trade_bars``: the same estimators on daily bars built from the name's own trades (a name with
       trades but no quotes and no bars);
    5. ``cross_section``: the median spread of the names of the same run with their own estimate (sources
       1-4) in the same price band (``measures.price_bands_px``) and market-cap band
       (``bars.market_cap_bands_usd``), when there are at least ``measures.min_peers`` of them; else of
       the same price band alone;
    6. ``prior``: ``measures.prior_spread_bps`` for the price band (the median of thin US names,
       ``docs/measures.md``), under the NYSE calendar only (``session.holiday_calendar`` nyse, or auto
       with America/New_York): it was measured on US stocks and says nothing about other markets;
    7. ``none``: no price, nothing to go on.

volatility (``volatility_daily_frac``, ``volatility_source``)
    ``close_to_close_mid`` (at least ``measures.min_volatility_returns`` daily mid returns), then
    ``intraday_realized``, ``bars``, ``trade_bars``, ``cross_section``, ``prior``
    (``measures.prior_volatility_daily_frac``), ``none``. A zero is not an estimate: a quote that did not
    move in twenty days says the name is thin, not riskless.

volume (``adv_shares``, ``volume_source``)
    ``ticks`` or ``bars`` (never stood in for: a name's volume is what sizing is about; a name that did not
    trade has ADV 0 and pre-trade says so), ``none`` when unknown.

Uncertainties (relative, one standard deviation on a log scale, so ``exp(+-z u)`` brackets the input):

* ``spread_uncertainty_frac``: ``1 / sqrt(n)`` for an effective spread from ``n`` trades;
  ``measures.quoted_spread_uncertainty_frac`` for the quoted spread standing in;
  ``measures.bar_estimate_uncertainty_frac`` for a bar estimate; the peers' dispersion (1.4826 x the
  median absolute deviation of their log values, at least the bar estimate's) for a cross-section;
  ``measures.prior_uncertainty_frac`` for the prior;
* ``volatility_uncertainty_frac``: ``1 / sqrt(2 (n - 1))`` for a standard deviation of ``n`` returns (the
  standard error of a sample standard deviation of normal data; ``n`` days for the intraday realized
  volatility, valid bars for a bar estimate), the peers' dispersion, or the prior's;
* ``adv_uncertainty_frac``: the coefficient of variation of the daily volumes over the square root of
  the days observed (the standard error of a mean).

The pre-trade band is meant to widen by them (the cost model's inputs); ``pretrade.flags.data_flags``
names every stand-in in a flag.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["OWN_SOURCES", "complete_inputs", "price_band"]

#: sources that are a name's own measurement (the pool a cross-section draws from)
OWN_SOURCES = ("effective", "quoted", "bars", "trade_bars", "close_to_close_mid", "intraday_realized")
_MAD_SD = 1.4826  # MAD -> standard deviation for normal data


def price_band(price: pl.Expr, bands: list[float]) -> pl.Expr:
    """Price band label of a price: ``<1``, ``1-5``, ``5-20``, ``>=20`` for bands [1, 5, 20]; null when unknown."""
    labels = [f"<{bands[0]:g}"] + [f"{a:g}-{b:g}" for a, b in zip(bands[:-1], bands[1:])] + [f">={bands[-1]:g}"]
    expr = pl.when(price.is_null() | price.is_nan() | (price <= 0)).then(pl.lit(None, dtype=pl.String))
    for b, lab in zip(bands, labels):
        expr = expr.when(price < b).then(pl.lit(lab))
    return expr.otherwise(pl.lit(labels[-1]))


def _price_index(price: np.ndarray, bands: list[float]) -> np.ndarray:
    """Index of each price's band (0 = below the first boundary), -1 when the price is unknown."""
    ok = np.isfinite(price) & (price > 0)
    idx = np.searchsorted(np.asarray(bands, dtype=np.float64), np.where(ok, price, 0.0), side="right")
    return np.where(ok, idx, -1)


def _col(frame: pl.DataFrame, name: str, dtype=pl.Float64, default=None) -> pl.Series:
    if name in frame.columns:
        return frame.get_column(name)
    return pl.Series(name, [default] * frame.height, dtype=dtype)


def _num(frame: pl.DataFrame, name: str) -> np.ndarray:
    return _col(frame, name).cast(pl.Float64).fill_null(float("nan")).to_numpy().copy()


def _str(frame: pl.DataFrame, name: str) -> np.ndarray:
    return np.array(_col(frame, name, pl.String).fill_null("none").to_list(), dtype=object)


def _trade_bar_estimates(daily: pl.DataFrame, symbols: list[str], config) -> pl.DataFrame | None:
    """Bar estimates (spread and volatility) of daily bars built from the trades of ``symbols``."""
    from liqcost.measures.bars import bar_profile

    cols = {"open_px": "open", "high_px": "high", "low_px": "low", "close_px": "close", "volume_shares": "volume"}
    if not symbols or not set(cols) <= set(daily.columns):
        return None
    bars = (
        daily.filter(pl.col("symbol").is_in(symbols) & (pl.col("n_trades") > 0))
        .select("symbol", "date", *[pl.col(a).alias(b) for a, b in cols.items()])
        .filter(pl.all_horizontal(pl.col("open", "high", "low", "close").is_finite()))
        # every spread and volatility estimator needs bars.min_periods bars: fewer cannot give one
        .filter(pl.len().over("symbol") >= config.bars.min_periods)
    )
    if bars.height == 0:
        return None
    end = daily.get_column("date").max()
    prof = bar_profile(bars, config, asof=end, complete=False, source="trades (daily bars)")
    return prof.select("symbol", "spread_bps", "spread_estimator", "volatility_daily_frac", "volatility_estimator",
                       "n_valid_bars")


def _cross_section(value: np.ndarray, own: np.ndarray, pband: np.ndarray, cband: np.ndarray, need: np.ndarray,
                   min_peers: int, floor_u: float):
    """Median of the own values in each target's (price, cap) band, else in its price band.

    ``value``/``own``/``pband``/``cband`` describe every name of the pool (targets first); ``need`` marks the
    targets. Returns value, uncertainty (1.4826 x the median absolute deviation of the peers' log values,
    at least ``floor_u``) and peer count per row: NaN / 0 where no group has ``min_peers``.
    """
    n = value.size
    out_v, out_u, out_k = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    pool = own & np.isfinite(value) & (value > 0) & (pband >= 0)
    if not need.any() or not pool.any():
        return out_v, out_u, out_k
    ok = np.flatnonzero(pool)
    peers = pl.DataFrame({"p": pband[ok], "c": cband[ok].astype(str), "val": value[ok], "lv": np.log(value[ok])})
    lv = pl.col("lv")
    stats = [pl.col("val").median().alias("v"), ((lv - lv.median()).abs().median() * _MAD_SD).alias("u"),
             pl.len().cast(pl.Int64).alias("k")]
    by_pc = peers.group_by("p", "c").agg(stats).filter(pl.col("k") >= min_peers)
    by_p = peers.group_by("p").agg(stats).filter(pl.col("k") >= min_peers)
    rows = np.flatnonzero(need & (pband >= 0))
    t = pl.DataFrame({"i": rows, "p": pband[rows], "c": cband[rows].astype(str)})
    t = t.join(by_pc.filter(pl.col("c") != "unknown"), on=["p", "c"], how="left").join(
        by_p, on="p", how="left", suffix="_p")
    use_pc = t["k"].is_not_null().to_numpy()
    i = t["i"].to_numpy()
    v = np.where(use_pc, t["v"].fill_null(np.nan).to_numpy(), t["v_p"].fill_null(np.nan).to_numpy())
    u = np.where(use_pc, t["u"].fill_null(np.nan).to_numpy(), t["u_p"].fill_null(np.nan).to_numpy())
    k = np.where(use_pc, t["k"].fill_null(0).to_numpy(), t["k_p"].fill_null(0).to_numpy())
    out_v[i], out_u[i], out_k[i] = v, np.maximum(u, floor_u), k
    return out_v, out_u, out_k


def complete_inputs(profile: pl.DataFrame, config, *, daily: pl.DataFrame | None = None,
                    peers: pl.DataFrame | None = None, stand_ins: bool = True) -> pl.DataFrame:
    """Fill every missing spread and volatility with its stand-in, and say where each input comes from.

    Parameters
    ----------
    profile : polars.DataFrame
        Profile rows (:data:`liqcost.schema.PROFILE`) from ticks, bars or both, with ``spread_source`` /
        ``volatility_source`` as the profile functions set them (``none`` where the name has no estimate).
    config : liqcost.config.Config
        ``measures`` (bands, peers, priors, uncertainties) and ``bars`` (estimators, market-cap bands).
    daily : polars.DataFrame, optional
        The tick daily metrics the profile was built from: daily bars of a name's trades stand in when it
        has neither quotes nor bars (``trade_bars``).
    peers : polars.DataFrame, optional
        Profiles of further names (not returned) that a cross-section may draw from, e.g. the rest of the
        dataset when ``profile`` holds only the names of a few orders (their own inputs count, as after
        ``stand_ins=False``).
    stand_ins : bool
        ``False`` stops after the name's own data (sources 1-4): no cross-section, no prior (how the peers
        of a selection are prepared).

    Returns
    -------
    polars.DataFrame
        ``profile`` with ``spread_bps``/``volatility_daily_frac`` filled where a stand-in exists, and the
        columns ``spread_source``, ``volatility_source``, ``volume_source``, ``spread_uncertainty_frac``,
        ``volatility_uncertainty_frac``, ``adv_uncertainty_frac``, ``price_band``, ``peer_count_spread``,
        ``peer_count_volatility`` and ``last_data_date``. See the module docstring.
    """
    m = config.measures
    if profile.height == 0:
        return _empty_columns(profile)
    out = profile
    n = out.height
    spread, vol = _num(out, "spread_bps"), _num(out, "volatility_daily_frac")
    s_src, v_src = _str(out, "spread_source"), _str(out, "volatility_source")
    source = _str(out, "source")
    # a value without a source (a profile from an older table) is the name's own
    s_src = np.where((s_src == "none") & np.isfinite(spread) & (spread > 0), np.where(source == "bars", "bars", "effective"), s_src)
    v_src = np.where((v_src == "none") & np.isfinite(vol) & (vol > 0), np.where(source == "bars", "bars", "close_to_close_mid"), v_src)
    s_bad = ~(np.isfinite(spread) & (spread > 0))
    v_bad = ~(np.isfinite(vol) & (vol > 0))
    spread[s_bad], vol[v_bad] = np.nan, np.nan
    s_src[s_bad], v_src[v_bad] = "none", "none"
    s_est = np.array(_col(out, "spread_estimator", pl.String).to_list(), dtype=object)
    v_est = np.array(_col(out, "volatility_estimator", pl.String).to_list(), dtype=object)
    n_obs_v = np.full(n, np.nan)

    # 4. daily bars of the name's own trades
    if daily is not None and (s_bad | v_bad).any():
        syms = out.get_column("symbol").to_numpy()[s_bad | v_bad].tolist()
        tb = _trade_bar_estimates(daily, syms, config)
        if tb is not None:
            j = out.select("symbol").join(tb, on="symbol", how="left", maintain_order="left")
            tsp, tvol = _num(j, "spread_bps"), _num(j, "volatility_daily_frac")
            take_s = s_bad & np.isfinite(tsp) & (tsp > 0)
            take_v = v_bad & np.isfinite(tvol) & (tvol > 0)
            spread[take_s], s_src[take_s] = tsp[take_s], "trade_bars"
            vol[take_v], v_src[take_v] = tvol[take_v], "trade_bars"
            s_est = np.where(take_s, np.array(j["spread_estimator"].to_list(), dtype=object), s_est)
            v_est = np.where(take_v, np.array(j["volatility_estimator"].to_list(), dtype=object), v_est)
            n_obs_v = np.where(take_v, _num(j, "n_valid_bars"), n_obs_v)

    # 5. cross-section (this run's names, plus the extra peers), 6. prior
    price = _num(out, "price_px")
    bands = list(m.price_bands_px)
    pidx = _price_index(price, bands)
    cband = _cap_band(_col(out, "market_cap_usd").cast(pl.Float64), config)
    pool = {"s": spread, "v": vol, "own_s": np.isin(s_src, OWN_SOURCES), "own_v": np.isin(v_src, OWN_SOURCES),
            "p": pidx, "c": cband}
    if peers is not None and peers.height:
        extra = peers.join(out.select("symbol"), on="symbol", how="anti")
        if extra.height:
            e_sp, e_v = _num(extra, "spread_bps"), _num(extra, "volatility_daily_frac")
            e_ss, e_vs = _str(extra, "spread_source"), _str(extra, "volatility_source")
            e_own_s = np.isin(e_ss, OWN_SOURCES) | ((e_ss == "none") & np.isfinite(e_sp))
            e_own_v = np.isin(e_vs, OWN_SOURCES) | ((e_vs == "none") & np.isfinite(e_v))
            pool = {"s": np.r_[spread, e_sp], "v": np.r_[vol, e_v], "own_s": np.r_[pool["own_s"], e_own_s],
                    "own_v": np.r_[pool["own_v"], e_own_v], "p": np.r_[pidx, _price_index(_num(extra, "price_px"), bands)],
                    "c": np.r_[cband, _cap_band(_col(extra, "market_cap_usd").cast(pl.Float64), config)]}
    k_extra = pool["s"].size - n
    floor = m.bar_estimate_uncertainty_frac
    need_s = np.r_[np.isnan(spread), np.zeros(k_extra, bool)] & stand_ins
    need_v = np.r_[np.isnan(vol), np.zeros(k_extra, bool)] & stand_ins
    cs_s, cs_su, cs_sk = (a[:n] for a in _cross_section(pool["s"], pool["own_s"], pool["p"], pool["c"], need_s,
                                                         m.min_peers, floor))
    cs_v, cs_vu, cs_vk = (a[:n] for a in _cross_section(pool["v"], pool["own_v"], pool["p"], pool["c"], need_v,
                                                         m.min_peers, floor))
    take = np.isnan(spread) & np.isfinite(cs_s)
    spread[take], s_src[take] = cs_s[take], "cross_section"
    takev = np.isnan(vol) & np.isfinite(cs_v)
    vol[takev], v_src[takev] = cs_v[takev], "cross_section"
    if stand_ins and _prior_applies(config):
        prior_s = np.asarray(m.prior_spread_bps, dtype=np.float64)
        prior_v = np.asarray(m.prior_volatility_daily_frac, dtype=np.float64)
        take = np.isnan(spread) & (pidx >= 0)
        spread[take], s_src[take] = prior_s[pidx[take]], "prior"
        takev = np.isnan(vol) & (pidx >= 0)
        vol[takev], v_src[takev] = prior_v[pidx[takev]], "prior"
    # the estimator label names a bar estimate; a tick measure keeps the merge's label ('ticks')
    s_est = np.where(np.isin(s_src, ("cross_section", "prior", "none")), None, s_est)
    v_est = np.where(np.isin(v_src, ("cross_section", "prior", "none")), None, v_est)

    # uncertainties
    n_eff = _num(out, "n_effective_trades")
    n_vol = _num(out, "n_volatility_obs")
    n_bars = _num(out, "n_valid_bars")
    n_obs_v = np.where(np.isfinite(n_obs_v), n_obs_v, np.where(v_src == "bars", n_bars, n_vol))
    with np.errstate(invalid="ignore", divide="ignore"):
        u_s = np.select(
            [s_src == "effective", s_src == "quoted", np.isin(s_src, ("bars", "trade_bars")), s_src == "cross_section",
             s_src == "prior"],
            [1.0 / np.sqrt(np.maximum(n_eff, 1.0)), np.full(n, m.quoted_spread_uncertainty_frac),
             np.full(n, m.bar_estimate_uncertainty_frac), cs_su, np.full(n, m.prior_uncertainty_frac)],
            np.nan,
        )
        u_sd = 1.0 / np.sqrt(2.0 * np.maximum(n_obs_v - 1.0, 1.0))
        u_v = np.select(
            [np.isin(v_src, ("close_to_close_mid", "bars", "trade_bars")), v_src == "intraday_realized",
             v_src == "cross_section", v_src == "prior"],
            [u_sd, 1.0 / np.sqrt(2.0 * np.maximum(np.nan_to_num(n_obs_v, nan=1.0), 1.0)), cs_vu,
             np.full(n, m.prior_uncertainty_frac)],
            np.nan,
        )
    adv = _num(out, "adv_shares")
    vol_src = np.where(np.isfinite(adv), np.where(source == "bars", "bars", "ticks"), "none")
    if "volume_source" in out.columns:
        given = _str(out, "volume_source")
        vol_src = np.where(given != "none", given, vol_src)
    lb = _num(out, "lookback_days")
    miss = np.nan_to_num(_num(out, "missing_days"), nan=0.0)
    observed = np.maximum(lb - miss, 1.0)
    cv = _volume_cv(out)
    u_adv = np.where(np.isfinite(adv) & (adv > 0), np.nan_to_num(cv, nan=1.0) / np.sqrt(observed), np.nan)

    dates = [c for c in ("last_data_date", "last_bar_date") if c in out.columns]
    last = (out.select(pl.max_horizontal(dates)).to_series() if dates
            else pl.Series("last_data_date", [None] * n, dtype=pl.Date))
    label = pl.select(price_band(pl.lit(pl.Series(price)), bands)).to_series()
    cols = [
        pl.Series("spread_bps", spread),
        pl.Series("spread_source", s_src.astype(str), dtype=pl.String),
        pl.Series("volatility_daily_frac", vol),
        pl.Series("volatility_source", v_src.astype(str), dtype=pl.String),
        pl.Series("volume_source", vol_src.astype(str), dtype=pl.String),
        pl.Series("spread_uncertainty_frac", u_s),
        pl.Series("volatility_uncertainty_frac", u_v),
        pl.Series("adv_uncertainty_frac", u_adv),
        label.alias("price_band"),
        pl.Series("peer_count_spread", np.where(s_src == "cross_section", cs_sk, 0), dtype=pl.Int64),
        pl.Series("peer_count_volatility", np.where(v_src == "cross_section", cs_vk, 0), dtype=pl.Int64),
        last.alias("last_data_date").cast(pl.Date),
    ]
    for name, est in (("spread_estimator", s_est), ("volatility_estimator", v_est)):
        if name in out.columns or any(e is not None for e in est):
            cols.append(pl.Series(name, est.tolist(), dtype=pl.String))
    return out.with_columns(cols)


def _prior_applies(config) -> bool:
    """The prior was measured on US stocks: it stands in only under the NYSE calendar (``session``)."""
    from liqcost.calendar import resolve_calendar

    return resolve_calendar(config) == "nyse"


def _cap_band(mcap: pl.Series, config) -> np.ndarray:
    from liqcost.measures.bars import market_cap_band

    band = pl.select(market_cap_band(pl.lit(mcap.fill_null(float("nan"))), config.bars.market_cap_bands_usd)).to_series()
    return np.array(band.cast(pl.String).fill_null("unknown").to_list(), dtype=object)


def _volume_cv(frame: pl.DataFrame) -> np.ndarray:
    """Coefficient of variation (sd / mean) of each row's ``daily_volume_shares``."""
    if "daily_volume_shares" not in frame.columns:
        return np.full(frame.height, np.nan)
    v = pl.col("daily_volume_shares")
    cv = frame.select((v.list.std(ddof=1) / v.list.mean()).alias("cv"))["cv"]
    return cv.cast(pl.Float64).fill_null(float("nan")).to_numpy()


def _empty_columns(profile: pl.DataFrame) -> pl.DataFrame:
    schema = {"spread_source": pl.String, "volatility_source": pl.String, "volume_source": pl.String,
              "spread_uncertainty_frac": pl.Float64, "volatility_uncertainty_frac": pl.Float64,
              "adv_uncertainty_frac": pl.Float64, "price_band": pl.String, "peer_count_spread": pl.Int64,
              "peer_count_volatility": pl.Int64, "last_data_date": pl.Date}
    return profile.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in profile.columns])

