"""Bar estimators on real daily data: 700 US tickers sampled by dollar-volume decile (../shared/data).

No crash over the full histories (1970-2017), NaN only with a reason, and plausible values by
dollar-volume decile: spreads, the zero-return share and Amihud fall as the decile rises.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from scipy import stats

from liqcost.config import Config
from liqcost.measures.bars import SPREAD_ESTIMATORS, VOLATILITY_ESTIMATORS, bar_panel_estimates, bar_profile

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def daily():
    path = require_shared("daily_us_stocks", "stocks_daily_sample700.parquet")
    df = pl.read_parquet(path)
    deciles = df.group_by("ticker").agg(pl.col("dv_decile").first().cast(pl.String)).rename({"ticker": "symbol"})
    bars = df.rename({"ticker": "symbol", "Date": "date", "Open": "open", "High": "high", "Low": "low",
                      "Close": "close", "Volume": "volume"}).drop("dv_decile")
    return bars, deciles


@pytest.fixture(scope="module")
def profile(daily):
    bars, deciles = daily
    cfg = Config.model_validate({"bars": {"calendar": "observed"}})
    return bar_profile(bars, cfg, lookback_days=252).join(deciles, on="symbol")


def _reason_pairs(frame):
    pairs = [(c, c.replace("_bps", "_reason")) for c in SPREAD_ESTIMATORS.values()]
    pairs += [(c, c.replace("_frac", "_reason")) for c in VOLATILITY_ESTIMATORS.values()]
    pairs += [("zero_return_frac", "zero_return_reason"), ("adv_shares", "volume_reason"),
              ("amihud_bps_per_musd", "amihud_reason")]
    return [(v, r) for v, r in pairs if v in frame.columns]


def test_rolling_panel_over_full_histories_has_a_reason_for_every_nan(daily):
    bars, _ = daily
    est = bar_panel_estimates(bars, window=21)
    assert est["symbol"].n_unique() == 700
    assert est.height >= bars.height  # the grid adds the missing weekdays, never drops a bar
    for value, reason in _reason_pairs(est):
        col = est[value]
        assert not col.is_infinite().any(), value
        assert (col.is_nan() == est[reason].is_not_null()).all(), value
    # the genuinely thin history produces each kind of undefined estimate somewhere
    reasons = set(est["roll_spread_reason"].drop_nulls().cast(pl.String).unique())
    assert {"too_few_bars", "negative_estimate"} <= reasons
    assert "no_price_variation" in set(est["edge_spread_reason"].drop_nulls().cast(pl.String).unique())
    # spreads are non-negative (unsigned) and below 100% of the price
    for value in ("roll_spread_bps", "cs_spread_bps", "ar_spread_bps", "edge_spread_bps", "fht_spread_bps"):
        v = est[value].drop_nans()
        assert v.min() >= 0 and v.quantile(0.999) < 1e4, value


def _medians(profile, col):
    return (profile.filter(pl.col(col).is_not_nan()).group_by("dv_decile").agg(pl.col(col).median())
            .sort("dv_decile")[col].to_numpy())


def test_spread_estimates_fall_with_dollar_volume_decile(profile):
    deciles = np.arange(1, 11)
    for col, lo1, hi1, lo10, hi10 in [
        ("edge_spread_bps", 80, 800, 5, 80),
        ("ar_spread_bps", 50, 600, 5, 100),
        ("fht_spread_bps", 10, 400, 0.5, 30),
        ("lot_spread_bps", 10, 400, 0.5, 30),
    ]:
        med = _medians(profile, col)
        assert len(med) == 10, col
        rho = stats.spearmanr(deciles, med).statistic
        assert rho < -0.8, f"{col}: medians by decile {np.round(med, 1)} (Spearman {rho:.2f})"
        assert lo1 < med[0] < hi1, f"{col}: decile 1 median {med[0]:.1f} bps"
        assert lo10 < med[-1] < hi10, f"{col}: decile 10 median {med[-1]:.1f} bps"
    # the headline spread (EDGE first) ranks the bottom decile well above the top one
    med = _medians(profile, "spread_bps")
    assert med[0] > 3 * med[-1]


def test_illiquidity_measures_by_decile(profile):
    deciles = np.arange(1, 11)
    ami = _medians(profile, "amihud_bps_per_musd")
    assert np.all(np.diff(ami) < 0), f"Amihud medians should fall decile by decile: {ami}"
    zr = _medians(profile, "zero_return_frac")
    assert stats.spearmanr(deciles, zr).statistic < -0.8 and zr[0] > 0.03
    adv = _medians(profile, "adv_usd")
    assert np.all(np.diff(adv) > 0)
    # the sample's bottom decile trades $2k-$60k a day (PROVENANCE.md), the top one tens of millions
    assert 1e3 < adv[0] < 5e5 and adv[-1] > 2e7


def test_volatility_is_plausible(profile):
    for col in VOLATILITY_ESTIMATORS.values():
        med = _medians(profile, col)
        assert np.all((med > 0.003) & (med < 0.08)), f"{col}: {med}"
    v = profile["volatility_daily_frac"].drop_nans()
    assert v.len() >= 695 and v.median() == pytest.approx(0.018, rel=0.5)


def test_profile_contract_on_real_data(profile):
    from liqcost.schema import PROFILE, check_frame

    check_frame(profile, PROFILE, "bars profile")
    assert profile.height == 700
    assert (profile["lookback_days"] == 252).all()
    lens = profile["daily_volume_shares"].list.len()
    assert (lens == 252 - profile["missing_days"]).all()


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_edge_on_real_tickers_equals_bidask(daily):
    bidask = pytest.importorskip("bidask")
    import pandas as pd

    from liqcost.measures.bars import regular_grid

    bars, deciles = daily
    thin = deciles.filter(pl.col("dv_decile") == "D01")["symbol"].sort()[:3].to_list()
    thick = deciles.filter(pl.col("dv_decile") == "D10")["symbol"].sort()[:2].to_list()
    sub = bars.filter(pl.col("symbol").is_in(thin + thick) & (pl.col("date") >= pl.date(2015, 1, 1)))
    cfg = Config.model_validate({"bars": {"min_periods": 2}})
    full = bar_panel_estimates(sub, cfg, mode="full")
    roll = bar_panel_estimates(sub, cfg, window=63)
    grid = regular_grid(sub, cfg)
    for sym in thin + thick:
        g = grid.filter(pl.col("symbol") == sym)
        df = pd.DataFrame({k: g[k].to_numpy() for k in ("open", "high", "low", "close")})
        want = bidask.edge(df.open, df.high, df.low, df.close)
        got = full.filter(pl.col("symbol") == sym)["edge_spread_bps"][0] / 1e4
        assert abs(got - want) <= 1e-12, sym
        want_r = bidask.edge_rolling(df, window=63, min_periods=2).to_numpy()
        got_r = roll.filter(pl.col("symbol") == sym)["edge_spread_bps"].to_numpy() / 1e4
        np.testing.assert_allclose(got_r, want_r, rtol=0, atol=1e-12, equal_nan=True)
