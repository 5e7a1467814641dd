"""Liquidity profile: contract, zero days in ADV/MDV, windows, volume profile, pooled Kyle, volatility."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from reference.frames import random_days

from liqcost.config import load_config
from liqcost.kernels.regression import pooled_within_from_sums
from liqcost.measures.daily import daily_metrics
from liqcost.measures.profile import liquidity_profile
from liqcost.schema import PROFILE, check_frame

MON = dt.date(2025, 3, 3)
DAYS = [MON + dt.timedelta(days=i) for i in range(26) if (MON + dt.timedelta(days=i)).weekday() < 5]


@pytest.fixture(scope="module")
def daily():
    t, q = random_days(["AAA", "BBB"], DAYS, seed=5, trades_per_day=40, quotes_per_day=60,
                       skip={("BBB", DAYS[3]), ("BBB", DAYS[-2])})
    return daily_metrics(load_config(), trades=t, quotes=q).daily


def test_contract_and_zero_days(daily):
    cfg = load_config(overrides={"measures.lookback_days": 10})
    prof = liquidity_profile(daily, cfg)
    check_frame(prof, PROFILE)
    b = prof.filter(pl.col("symbol") == "BBB").row(0, named=True)
    vols = daily.filter(pl.col("symbol") == "BBB").sort("date")["volume_shares"].to_list()[-10:]
    assert b["daily_volume_shares"] == vols  # oldest first, zero day included
    assert b["zero_volume_days"] == 1 and 0.0 in b["daily_volume_shares"]
    assert b["adv_shares"] == pytest.approx(np.mean(vols))
    assert b["mdv_shares"] == pytest.approx(np.median(vols))
    assert b["lookback_days"] == 10 and b["asof_date"] == DAYS[-1]
    assert b["trades_per_day"] == pytest.approx(np.mean(
        daily.filter(pl.col("symbol") == "BBB").sort("date")["n_trades"].to_list()[-10:]))


def test_volume_profile_and_auctions_sum_to_one(daily):
    prof = liquidity_profile(daily, load_config())
    for row in prof.iter_rows(named=True):
        assert len(row["volume_profile_frac"]) == 13 and row["profile_interval_minutes"] == 30
        assert sum(row["volume_profile_frac"]) + row["open_auction_frac"] + row["close_auction_frac"] == pytest.approx(1.0)


def test_windows_asof_and_long_window(daily):
    cfg = load_config(overrides={"measures.lookback_days": 5, "measures.lookback_days_long": 60})
    asof = DAYS[9]
    prof = liquidity_profile(daily, cfg, asof=asof)
    a = prof.filter(pl.col("symbol") == "AAA").row(0, named=True)
    d = daily.filter((pl.col("symbol") == "AAA") & (pl.col("date") <= asof)).sort("date")
    assert a["asof_date"] == asof and a["lookback_days"] == 5 and a["lookback_days_long"] == 10
    assert a["adv_shares"] == pytest.approx(d["volume_shares"].tail(5).mean())
    assert a["adv_long_shares"] == pytest.approx(d["volume_shares"].mean())
    assert a["effective_spread_bps"] == pytest.approx(float(np.nanmedian(d["effective_spread_bps"].tail(5).to_numpy())))
    assert a["spread_bps"] == a["effective_spread_bps"] and a["spread_source"] == "effective"


def test_pooled_kyle_and_volatility(daily):
    prof = liquidity_profile(daily, load_config(overrides={"measures.lookback_days": 15}))
    a = prof.filter(pl.col("symbol") == "AAA").row(0, named=True)
    d = daily.filter(pl.col("symbol") == "AAA").sort("date").tail(15)
    sums = np.ascontiguousarray(np.vstack(d["kyle_ols_sums"].to_list()))
    lam = pooled_within_from_sums(sums, 10)
    assert a["kyle_lambda_bps_per_share"] == pytest.approx(lam[0])
    assert a["kyle_lambda_bps_per_pct_adv"] == pytest.approx(lam[0] * 0.01 * a["adv_shares"])
    rets = d["return_mid_frac"].to_numpy()[1:]
    assert a["volatility_daily_frac"] == pytest.approx(np.std(rets[np.isfinite(rets)], ddof=1))
    assert a["volatility_source"] == "close_to_close_mid"


def test_few_days_fall_back_to_intraday_volatility(daily):
    short = daily.filter(pl.col("date") <= DAYS[2])
    prof = liquidity_profile(short, load_config())
    for row in prof.iter_rows(named=True):
        assert row["volatility_source"] == "intraday_realized"
        assert row["volatility_daily_frac"] == pytest.approx(row["volatility_rv_frac"])


def test_quoted_spread_when_no_trade_in_window():
    t, q = random_days(["Q"], DAYS[:3], seed=9, skip={("Q", d) for d in DAYS[:3]})
    daily = daily_metrics(load_config(), trades=None, quotes=q).daily
    row = liquidity_profile(daily, load_config()).row(0, named=True)
    assert row["adv_shares"] == 0 and row["zero_volume_days"] == 3
    assert row["spread_source"] == "quoted" and row["spread_bps"] == pytest.approx(row["quoted_spread_bps"])
    assert np.isfinite(row["price_px"])  # last closing mid when there is no trade
