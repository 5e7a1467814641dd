"""Must-show on the generated sample: effective spread recovers the true spread; Lee-Ready agrees with the truth."""

import json

import numpy as np
import polars as pl
import pytest

from liqcost.config import load_config
from liqcost.measures.daily import daily_metrics
from liqcost.measures.profile import liquidity_profile


@pytest.fixture(scope="module")
def run(sample_data, tmp_path_factory):
    audit = tmp_path_factory.mktemp("sample") / "trades.parquet"
    res = daily_metrics(load_config(), dataset=sample_data / "dataset", trades_out=audit)
    truth = json.loads((sample_data / "truth" / "ground_truth.json").read_text())
    return res, pl.read_parquet(audit), truth, sample_data


def test_effective_spread_recovers_true_spread_within_5pct(run):
    res, _, truth, _ = run
    pooled = res.daily.group_by("symbol").agg(
        ((pl.col("effective_spread_ew_bps") * pl.col("n_effective")).fill_nan(0).sum()
         / pl.col("n_effective").sum()).alias("eff"), pl.col("n_trades").sum())
    checked = 0
    for sym, eff, n in pooled.iter_rows():
        t = truth["symbols"][sym]
        assert n == t["n_trades"]
        if n >= 500:
            true_full = 2 * t["true_half_spread_bps"]
            assert abs(eff / true_full - 1) <= 0.05, (sym, eff, true_full)
            checked += 1
    assert checked >= 3


def test_lee_ready_agrees_with_true_signs(run, sample_data):
    _, audit, _, _ = run
    signs = pl.read_parquet(sample_data / "truth" / "trade_signs.parquet")
    j = audit.join(signs.select("symbol", "ts", "true_sign"), on=["symbol", "ts"], how="inner")
    assert j.height == audit.height == signs.height
    agree = (j["sign"] == j["true_sign"]).mean()
    assert agree >= 0.90
    for sym, a in j.group_by("symbol").agg((pl.col("sign") == pl.col("true_sign")).mean()).iter_rows():
        assert a >= 0.90, sym


def test_volume_accounting_and_zero_days_match_truth(run):
    res, _, truth, _ = run
    prof = liquidity_profile(res.daily, load_config())
    for row in prof.iter_rows(named=True):
        t = truth["symbols"][row["symbol"]]
        assert row["lookback_days"] == truth["n_days"]
        assert row["adv_shares"] == pytest.approx(t["adv_shares"])
        assert row["mdv_shares"] == pytest.approx(t["mdv_shares"])
        assert row["zero_volume_days"] / row["lookback_days"] == pytest.approx(t["zero_volume_frac"])
        # volatility: a 20-day estimate of a known daily sigma, within sampling error
        assert 0.5 * t["volatility_daily_frac"] < row["volatility_daily_frac"] < 1.6 * t["volatility_daily_frac"]


def test_impact_is_positive_for_informed_flow(run):
    # the generator moves the efficient price by a fraction of the half-spread in the trade's direction
    res, _, _, _ = run
    d = res.daily.filter(pl.col("n_trades") > 50)
    assert np.nanmedian(d["price_impact_5min_bps"].to_numpy()) > 0
    assert np.nanmedian(d["kyle_lambda_bps_per_share"].to_numpy()) > 0


def test_shares_outstanding_from_bars_gives_market_cap(run):
    res, _, truth, _ = run
    prof = liquidity_profile(res.daily, load_config())
    for row in prof.iter_rows(named=True):
        so = truth["symbols"][row["symbol"]]["shares_outstanding"]
        assert row["shares_outstanding"] == so
        assert row["market_cap_usd"] == pytest.approx(so * row["price_px"])
