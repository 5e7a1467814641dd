"""The one-pass liquidity profile equals the per-symbol loop it replaced (tests/reference/profile.py).

Random daily panels (names with 1 to 70 days, zero-volume days, NaN measures, zero returns, days without
Kyle sums, half days) are profiled by both; every column the loop builds must agree (floats to 1e-12
relative), except the input selection, which the one-pass version tightened on purpose
(``measures.min_effective_trades``, positive values only): those columns are checked against the rule
applied to the loop's components.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.profile import liquidity_profile_loop

from liqcost.calendar import early_closes_for, trading_grid, holidays_for
from liqcost.config import load_config
from liqcost.measures.profile import liquidity_profile
from liqcost.measures.ticks import TickParams

CFG = load_config()
LABELS = TickParams.from_config(CFG).horizon_labels
N_BINS = TickParams.from_config(CFG).n_bins
SELECTION = {"spread_bps", "spread_source", "volatility_daily_frac", "volatility_source", "spread_long_bps",
             "volatility_long_daily_frac"}


def random_panel(seed: int, n_sym: int, max_days: int, with_shares: bool, min_days: int = 1) -> pl.DataFrame:
    """A daily-metrics table with the columns the profile reads (random, NaN-ridden, some half days)."""
    rng = np.random.default_rng(seed)
    start = dt.date(2025, 9, 1) + dt.timedelta(days=int(rng.integers(0, 90)))
    cal = trading_grid(start, start + dt.timedelta(days=200), range(5), holidays_for(CFG, start, start + dt.timedelta(days=200)))
    rows = []
    for k in range(n_sym):
        n = int(rng.integers(min_days, max_days + 1))
        first = int(rng.integers(0, 30))
        days = cal[first:first + n]
        early = early_closes_for(CFG, days[0], days[-1])
        px = float(rng.uniform(0.5, 80))
        for d in days:
            px *= math.exp(rng.normal(0, 0.03))
            traded = rng.random() > 0.3
            n_tr = int(rng.integers(1, 40)) if traded else 0
            vol = float(rng.integers(1, 5000) * 10) if traded else 0.0
            n_eff = int(rng.integers(0, n_tr + 1)) if traded else 0
            nb = N_BINS if d not in early else -(-(early[d] - CFG.session.open_minutes) // 30)
            bins = np.zeros(N_BINS)
            oa = ca = 0.0
            if traded:
                w = rng.dirichlet(np.ones(nb + 2))
                bins[:nb] = vol * w[:nb]
                oa, ca = vol * w[nb], vol * w[nb + 1]
            k_obs = int(rng.integers(0, 30)) if rng.random() > 0.3 else 0
            x, y = rng.normal(0, 100, k_obs), rng.normal(0, 5, k_obs)
            sums = [float(k_obs), float(x.sum()), float(y.sum()), float((x * x).sum()), float((x * y).sum()), float((y * y).sum())]

            def maybe(v, p=0.2):
                return float("nan") if rng.random() < p else float(v)

            row = {
                "symbol": f"S{k}", "date": d, "volume_shares": vol, "dollar_volume_usd": vol * px, "n_trades": n_tr,
                "n_quotes": int(rng.integers(0, 3)) * int(rng.random() > 0.2), "n_effective": n_eff,
                "effective_spread_bps": maybe(rng.choice([0.0, rng.uniform(5, 400)], p=[0.1, 0.9])) if n_eff else float("nan"),
                "quoted_spread_bps": maybe(rng.choice([0.0, rng.uniform(5, 500)], p=[0.1, 0.9]), 0.3),
                "return_mid_frac": maybe(rng.choice([0.0, rng.normal(0, 0.03)], p=[0.3, 0.7]), 0.2),
                "volatility_daily_frac": maybe(rng.choice([0.0, rng.uniform(0.001, 0.08)], p=[0.2, 0.8]), 0.3),
                "kyle_ols_sums": sums,
                "trade_size_median_shares": maybe(rng.uniform(1, 500), 0.3),
                "trade_size_p90_shares": maybe(rng.uniform(100, 2000), 0.3),
                "odd_lot_frac": maybe(rng.uniform(0, 1), 0.3),
                "trade_gap_median_s": maybe(rng.uniform(1, 3000), 0.3),
                "no_trade_bucket_frac": maybe(rng.uniform(0, 1), 0.1),
                "quote_coverage_frac": maybe(rng.uniform(0, 1), 0.1),
                "amihud_bps_per_musd": maybe(rng.uniform(0, 1e4), 0.4),
                "volume_bins_shares": bins.tolist(), "open_auction_shares": oa, "close_auction_shares": ca,
                "close_px": maybe(px, 0.3), "close_mid_px": maybe(px * 1.001, 0.2),
                **{f"price_impact_{lab}_bps": maybe(rng.normal(20, 30), 0.4) for lab in LABELS},
            }
            if with_shares:
                row["shares_outstanding"] = maybe(rng.uniform(1e6, 1e8), 0.7)
            rows.append(row)
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("kyle_ols_sums").cast(pl.List(pl.Float64)), pl.col("volume_bins_shares").cast(pl.List(pl.Float64)),
        pl.col("date").cast(pl.Date))
    return frame.sample(fraction=1.0, shuffle=True, seed=seed)  # row order must not matter


def _same(a, b) -> bool:
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(b, float) or isinstance(a, float):
        if a is None or b is None:
            return a is None and b is None
        if math.isnan(b) or math.isnan(a):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def _own_selection(loop_row: dict, window: pl.DataFrame) -> dict:
    """The documented selection rule (module docstring of liqcost.measures.profile) on the loop's components."""
    m = CFG.measures
    eff, qs = loop_row["effective_spread_bps"], loop_row["quoted_spread_bps"]
    cc, rv = loop_row["volatility_cc_frac"], loop_row["volatility_rv_frac"]
    n_eff = int(window["n_effective"].sum())
    rets = window["return_mid_frac"].to_numpy()[1:]
    n_rets = int(np.isfinite(rets).sum())
    if math.isfinite(eff) and eff > 0 and n_eff >= m.min_effective_trades:
        spread, s_src = eff, "effective"
    elif math.isfinite(qs) and qs > 0:
        spread, s_src = qs, "quoted"
    else:
        spread, s_src = float("nan"), "none"
    if n_rets >= m.min_volatility_returns and math.isfinite(cc) and cc > 0:
        vol, v_src = cc, "close_to_close_mid"
    elif math.isfinite(rv) and rv > 0:
        vol, v_src = rv, "intraday_realized"
    else:
        vol, v_src = float("nan"), "none"
    return {"spread_bps": spread, "spread_source": s_src, "volatility_daily_frac": vol, "volatility_source": v_src,
            "n_effective_trades": n_eff}


def check_against_loop(daily: pl.DataFrame, cfg=CFG, **kw) -> None:
    fast = liquidity_profile(daily, cfg, complete=False, **kw)
    dates = daily["date"]
    early = early_closes_for(cfg, dates.min(), dates.max())
    half = {d: -(-(c - cfg.session.open_minutes) // cfg.measures.profile_interval_minutes) for d, c in early.items()}
    slow = liquidity_profile_loop(daily, cfg, half_days=half, **kw)
    assert fast["symbol"].to_list() == slow["symbol"].to_list()
    assert [c for c in fast.columns if c in slow.columns] == slow.columns  # same order for the common columns
    L = kw.get("lookback_days") or cfg.measures.lookback_days
    L2 = kw.get("lookback_days_long") or cfg.measures.lookback_days_long
    asof = kw.get("asof")
    sel = daily.sort("symbol", "date")
    if asof is not None:
        sel = sel.filter(pl.col("date") <= asof)
    long_loop = liquidity_profile_loop(daily, cfg, half_days=half, **{**kw, "lookback_days": L2})
    for i, (f, s) in enumerate(zip(fast.iter_rows(named=True), slow.iter_rows(named=True))):
        for c in slow.columns:
            if c not in SELECTION:
                assert _same(f[c], s[c]), (f["symbol"], c, f[c], s[c])
        rows = sel.filter(pl.col("symbol") == f["symbol"])
        want = _own_selection(s, rows.tail(L))
        for c, v in want.items():
            assert _same(f[c], v), (f["symbol"], c, f[c], v)
        want_long = _own_selection(long_loop.row(i, named=True), rows.tail(L2))
        assert _same(f["spread_long_bps"], want_long["spread_bps"]), (f["symbol"], "spread_long_bps")
        assert _same(f["volatility_long_daily_frac"], want_long["volatility_daily_frac"])
        assert f["last_data_date"] == rows.tail(L).filter((pl.col("n_trades") > 0) | (pl.col("n_quotes") > 0))["date"].max()


@given(seed=st.integers(0, 10**6), n_sym=st.integers(1, 5), max_days=st.sampled_from([3, 25, 70]),
       with_shares=st.booleans(), lookback=st.sampled_from([None, 1, 7]), cut=st.booleans())
@settings(max_examples=40, deadline=None)
def test_one_pass_equals_the_loop_on_random_panels(seed, n_sym, max_days, with_shares, lookback, cut):
    daily = random_panel(seed, n_sym, max_days, with_shares)
    kw = {"lookback_days": lookback} if lookback else {}
    if cut:
        kw["asof"] = daily["date"].sort()[daily.height // 2]
    check_against_loop(daily, **kw)


def test_one_pass_equals_the_loop_on_the_sample(sample_data):
    from liqcost.io.dataset import Dataset
    from liqcost.measures.daily import daily_metrics

    daily = daily_metrics(CFG, dataset=Dataset(sample_data / "dataset")).daily
    check_against_loop(daily)
    check_against_loop(daily, lookback_days=5, lookback_days_long=10, asof=dt.date(2025, 3, 14))


def test_half_day_intervals_are_not_zero_volume_time():
    # two names, one window: a full day and the day after Thanksgiving with the same morning shape
    days = [dt.date(2025, 11, 26), dt.date(2025, 11, 28)]
    full = [100.0] * 7 + [300.0] * 6  # 700 in the morning, 1800 in the afternoon
    half = [100.0] * 7 + [0.0] * 6  # closes at 13:00: seven 30-minute intervals
    rows = []
    for d, bins in zip(days, (full, half)):
        vol = sum(bins) + 100.0
        rows.append({"symbol": "X", "date": d, "volume_shares": vol, "volume_bins_shares": bins,
                     "open_auction_shares": 50.0, "close_auction_shares": 50.0})
    base = random_panel(3, 1, 2, False, min_days=2).drop("symbol", "date", "volume_shares", "volume_bins_shares",
                                              "open_auction_shares", "close_auction_shares").head(2)
    daily = pl.concat([pl.DataFrame(rows).with_columns(pl.col("date").cast(pl.Date)), base], how="horizontal")
    p = liquidity_profile(daily, CFG, complete=False).row(0, named=True)
    prof = np.array(p["volume_profile_frac"])
    # an afternoon interval is the full day's share, rescaled (not halved by the half day's empty afternoon)
    v_full, v_half = sum(full) + 100.0, sum(half) + 100.0
    morning = (100.0 / v_full + 100.0 / v_half) / 2
    afternoon = 300.0 / v_full
    auctions = (50.0 / v_full + 50.0 / v_half)  # open + close, each the mean of the two days
    total = 7 * morning + 6 * afternoon + auctions
    assert prof[:7] == pytest.approx([morning / total] * 7) and prof[7:] == pytest.approx([afternoon / total] * 6)
    assert prof.sum() + p["open_auction_frac"] + p["close_auction_frac"] == pytest.approx(1.0)
    # without the calendar (no half days) the afternoon would be averaged with zeros
    flat = liquidity_profile(daily, load_config(overrides={"session.holiday_calendar": "none"}), complete=False)
    assert flat.row(0, named=True)["volume_profile_frac"][7] == pytest.approx(afternoon / 2)
    check_against_loop(daily)
