"""Model vs realized on the hand-computed orders: z-scores, band, size bands, outliers, what is not compared."""

from __future__ import annotations

import math

import polars as pl
import pytest
from test_tca_review import _frames

from liqcost.config import load_config
from liqcost.errors import DataError
from liqcost.tca import model_vs_realized, review
from liqcost.tca.model import size_band


@pytest.fixture(scope="module")
def rev():
    fills, orders, trades, quotes = _frames()
    return review(fills, orders, trades=trades, quotes=quotes)


def test_z_scores_with_a_given_risk(rev):
    # BUY1 cost 240 bps, SELL1 16.34, BUY2 387.5 (test_tca_review); UNF1 has no fill and is not compared
    est = pl.DataFrame({"order_id": ["BUY1", "SELL1", "BUY2"], "expected_cost_bps": [200.0, 50.0, 100.0],
                        "risk_bps": [40.0, 20.0, 50.0], "adv_shares": [5000.0, 20000.0, 1000.0]})
    mr = model_vs_realized(rev, est, load_config(overrides={"tca.outlier_z": 3.0}))
    o = {r["order_id"]: r for r in mr.orders.to_dicts()}
    assert o["BUY1"]["z"] == pytest.approx((240 - 200) / 40)
    sell = -((400 * 10.25 + 200 * 10.05) / 600 - 10.20) / 10.20 * 1e4
    assert o["SELL1"]["z"] == pytest.approx((sell - 50) / 20)
    assert o["BUY2"]["z"] == pytest.approx((387.5 - 100) / 50)
    assert [o[k]["inside_band"] for k in ("BUY1", "SELL1", "BUY2")] == [True, False, False]
    assert mr.outliers.get_column("order_id").to_list() == ["BUY2"]  # |z| = 5.75 > 3
    # size bands of filled / ADV: 500/5000 = 10 %, 600/20000 = 3 %, 800/1000 = 80 %
    assert [o[k]["size_band"] for k in ("BUY1", "SELL1", "BUY2")] == ["10-25%", "1-5%", ">=25%"]
    s = mr.summary().row(0, named=True)
    assert s["n_orders"] == 3 and s["inside_band_frac"] == pytest.approx(1 / 3)
    assert s["inside_band_expected_frac"] == pytest.approx(math.erf(1 / math.sqrt(2)))
    assert mr.not_compared.height == 0  # the unfilled order has no realized cost to compare: not listed
    agg = mr.aggregates.filter(pl.col("dimension") == "size_band")
    assert sorted(agg.get_column("value").to_list()) == ["1-5%", "10-25%", ">=25%"]


def test_risk_from_volatility_and_the_band(rev):
    est = pl.DataFrame({"order_id": ["BUY1"], "expected_cost_bps": [200.0], "volatility_daily_frac": [0.03],
                        "cost_low_bps": [180.0], "cost_high_bps": [220.0]})
    mr = model_vs_realized(rev, est)
    o = mr.orders.row(0, named=True)
    timing = 0.03 * math.sqrt(o["timing_variance_days"]) * 1e4
    assert o["timing_risk_bps"] == pytest.approx(timing)
    assert o["estimate_sd_bps"] == pytest.approx(20.0)  # (220 - 180) / (2 x impact.band_z)
    assert o["risk_bps"] == pytest.approx(math.sqrt(timing**2 + o["spread_paid_se_bps"] ** 2 + 20.0**2))
    assert o["z"] == pytest.approx((240 - 200) / o["risk_bps"])


def test_not_compared_and_bad_estimates(rev):
    est = pl.DataFrame({"order_id": ["BUY1", "SELL1"], "expected_cost_bps": [200.0, 10.0], "risk_bps": [40.0, 10.0],
                        "status": ["ok", "error"], "error": [None, "no liquidity profile for ABC before 2025-03-03"]})
    mr = model_vs_realized(rev, est)
    nc = {r["order_id"]: r["reason"] for r in mr.not_compared.to_dicts()}
    assert nc == {"SELL1": "no liquidity profile for ABC before 2025-03-03", "BUY2": "no estimate for the order"}
    with pytest.raises(DataError, match="expected_cost_bps"):
        model_vs_realized(rev, pl.DataFrame({"order_id": ["BUY1"], "cost": [1.0]}))
    with pytest.raises(DataError, match="risk_bps, or volatility_daily_frac"):
        model_vs_realized(rev, pl.DataFrame({"order_id": ["BUY1"], "expected_cost_bps": [1.0]}))


def test_size_band_labels():
    x = pl.Series([0.001, 0.02, 0.07, 0.2, 0.5, float("nan")])
    got = pl.select(size_band(pl.lit(x), [0.01, 0.05, 0.10, 0.25])).to_series().to_list()
    assert got == ["<1%", "1-5%", "5-10%", "10-25%", ">=25%", None]
