"""Bad fills are quarantined row by row while the rest is reviewed; names with bars only get what bars allow."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from test_tca_review import D1, _frames, et

from liqcost.errors import SchemaError, UsageError
from liqcost.tca import review


def _bad_fills(fills: pl.DataFrame) -> pl.DataFrame:
    base = fills.filter(pl.col("order_id") == "BUY1").head(1)
    rows = [
        base.with_columns(pl.lit(-100.0).alias("qty")),                                              # negative quantity
        base.with_columns(pl.lit("QQQQ").alias("symbol"), pl.lit("NEW1").alias("order_id")),         # unknown symbol
        base.with_columns(pl.col("ts") + pl.duration(days=2, time_unit="ns"), pl.lit("LATE").alias("order_id")),    # 5 March: no data
        base.with_columns(pl.lit("sell").alias("side")),                                             # side vs its order
        base.with_columns(pl.lit(20.0).alias("price")),                                              # far above the day's high
        base.with_columns(pl.lit("XYZ").alias("symbol"), pl.lit("SELL1").alias("order_id")),         # not its order's symbol
        base.with_columns(pl.lit(None, pl.String).alias("order_id")),                                # no order id
        base.with_columns(pl.lit("hold").alias("side")),                                             # not a side
        base.with_columns(pl.lit("REJ").alias("order_id")),                                          # its order is rejected
    ]
    return pl.concat([fills] + rows, how="vertical_relaxed")


@pytest.fixture(scope="module")
def clean_and_dirty():
    fills, orders, trades, quotes = _frames()
    orders_bad = pl.concat([orders, pl.DataFrame({"order_id": ["REJ"], "symbol": ["ABC"], "side": [1], "qty": [0.0]},
                                                 schema_overrides={"side": pl.Int64})], how="diagonal_relaxed")
    clean = review(fills, orders, trades=trades, quotes=quotes)
    dirty = review(_bad_fills(fills), orders_bad, trades=trades, quotes=quotes)
    return clean, dirty


def test_each_bad_fill_is_quarantined_with_its_reason(clean_and_dirty):
    _, r = clean_and_dirty
    q = r.quarantine.sort("row")
    assert q.get_column("row").to_list() == list(range(8, 17))  # the nine appended rows, 1-based
    reasons = q.get_column("reason").to_list()
    assert reasons[0].startswith("non-positive qty")
    assert reasons[1].startswith("unknown symbol QQQQ")
    assert reasons[2] == "outside the data range: no market data for ABC on 2025-03-05"
    assert reasons[3] == "side sell inconsistent with its order (a buy)"
    assert reasons[4].startswith("price 20.0 far outside the day's range 10.0-10.3")
    assert reasons[5] == "symbol XYZ differs from its order's (ABC)"
    assert reasons[6] == "missing order_id"
    assert reasons[7] == "side not buy/sell"
    assert reasons[8].startswith("its order (row 5) was rejected: qty 0 is not above zero")
    assert r.rejected_orders.height == 1


def test_the_rest_is_reviewed_as_if_the_bad_rows_were_absent(clean_and_dirty):
    clean, dirty = clean_and_dirty
    a = clean.orders.sort("order_id")
    b = dirty.orders.filter(pl.col("order_id").is_in(a.get_column("order_id").to_list())).sort("order_id")
    for c in ("is_usd", "is_bps", "arrival_cost_bps", "slippage_interval_vwap_bps", "timing_variance_days"):
        assert a.get_column(c).to_list() == pytest.approx(b.get_column(c).to_list(), nan_ok=True)
    # the run is partial: one problem per reason, naming the rows
    assert dirty.partial and not clean.partial
    kinds = {p.kind for p in dirty.problems}
    assert kinds == {"fill_quarantined", "order_rejected"}
    assert any("fills row 9" in p.where and "unknown symbol" in p.message for p in dirty.problems)


def test_missing_columns_and_no_market_data_are_errors():
    fills, orders, trades, quotes = _frames()
    with pytest.raises(SchemaError, match="missing column 'qty'"):
        review(fills.drop("qty"), trades=trades, quotes=quotes)
    with pytest.raises(UsageError, match="market data"):
        review(fills)


def test_a_fill_on_a_day_with_only_bars_is_not_outside_the_data():
    fills, orders, trades, quotes = _frames()
    day3 = dt.date(2025, 3, 5)
    bars = pl.DataFrame({"symbol": ["ABC"], "date": [day3], "open": [10.5], "high": [10.8], "low": [10.4], "close": [10.7],
                         "volume": [1000.0], "vwap": [10.6]})
    late = fills.filter(pl.col("order_id") == "BUY1").head(1).with_columns(pl.col("ts") + pl.duration(days=2, time_unit="ns"),
                                                                           pl.lit("LATE").alias("order_id"), pl.lit(None).alias("decision_ts"))
    r = review(pl.concat([fills, late]), orders, trades=trades, quotes=quotes, bars=bars)
    assert r.quarantine.height == 0
    o = r.orders.filter(pl.col("order_id") == "LATE").row(0, named=True)
    assert o["day_source"] == "bars" and o["day_vwap_px"] == pytest.approx(10.6)


# ------------------------------------------------------------------------------------------- bars only
BARS = pl.DataFrame({
    "symbol": ["BRS", "BRS"],
    "date": [D1, dt.date(2025, 3, 4)],
    "open": [5.00, 5.20], "high": [5.40, 5.50], "low": [4.90, 5.10], "close": [5.20, 5.40],
    "volume": [10000.0, 8000.0], "vwap": [5.10, None],
})


def test_bars_only_review():
    fills, orders, trades, quotes = _frames()
    bf = pl.DataFrame({
        "order_id": ["BB1", "BB1", "BB2"], "symbol": "BRS", "side": [1, 1, -1],
        "ts": [et(D1, "10:00"), et(D1, "14:00"), et(dt.date(2025, 3, 4), "11:00")],
        "price": [5.15, 5.25, 5.30], "qty": [600.0, 400.0, 500.0], "decision_price": [5.05, 5.05, None],
    }).with_columns(pl.col("ts").dt.cast_time_unit("ns"))
    r = review(pl.concat([fills, bf], how="diagonal_relaxed"), None, trades=trades, quotes=quotes, bars=BARS)
    assert r.quarantine.height == 0
    o = r.orders.filter(pl.col("order_id") == "BB1").row(0, named=True)
    # no quote: the fills' decision price is the arrival price, nothing to split the execution cost with
    assert o["arrival_source"] == "decision_price" and o["arrival_mid_px"] == pytest.approx(5.05)
    assert o["execution_cost_usd"] == pytest.approx(600 * 5.15 + 400 * 5.25 - 1000 * 5.05)
    assert o["is_bps"] == pytest.approx(140 / 5050 * 1e4)
    assert math.isnan(o["spread_cost_usd"]) and math.isnan(o["impact_cost_usd"])
    avg = 5190 / 1000
    # what bars give: open, close and the bars' VWAP of the day
    assert o["slippage_day_vwap_bps"] == pytest.approx((avg - 5.10) / 5.10 * 1e4)
    assert o["slippage_open_bps"] == pytest.approx((avg - 5.00) / 5.00 * 1e4)
    assert o["slippage_close_bps"] == pytest.approx((avg - 5.20) / 5.20 * 1e4)
    for c in ("interval_vwap_px", "twap_px", "participation_frac", "markout_1min_bps"):
        assert math.isnan(o[c]), c
    p = r.orders.filter(pl.col("order_id") == "BB2").row(0, named=True)
    # day 2's bar has no VWAP: the typical price (H + L + C) / 3 stands in; no decision price, no arrival
    proxy = (5.50 + 5.10 + 5.40) / 3
    assert p["day_source"] == "bars_proxy" and p["day_vwap_px"] == pytest.approx(proxy)
    assert p["slippage_day_vwap_bps"] == pytest.approx(-(5.30 - proxy) / proxy * 1e4)
    assert p["arrival_source"] == "none" and math.isnan(p["is_bps"]) and p["status"] == "no_arrival_price"
    notes = " ".join(r.notes)
    assert "reviewed against bars" in notes and "typical price" in notes and "without any arrival price" in notes
    # the tick-reviewed orders are unchanged by the bars-only name beside them
    clean = review(fills, None, trades=trades, quotes=quotes)
    a = clean.orders.sort("order_id").get_column("is_usd").to_list()
    b = r.orders.filter(pl.col("symbol") == "ABC").sort("order_id").get_column("is_usd").to_list()
    assert a == pytest.approx(b)


def test_quotes_only_and_trades_only():
    fills, orders, trades, quotes = _frames()
    full = review(fills, orders, trades=trades, quotes=quotes).orders.sort("order_id")
    q = review(fills, orders, quotes=quotes)
    assert q.quarantine.height == 0  # no trades: no day range to check prices against, nothing set aside
    qo = q.orders.sort("order_id")
    # the shortfall needs only quotes; VWAPs and participation need trades
    assert qo.get_column("is_usd").to_list() == pytest.approx(full.get_column("is_usd").to_list())
    assert qo.get_column("interval_vwap_px").is_nan().all() and qo.get_column("participation_frac").is_nan().all()
    t = review(fills, orders, trades=trades)
    to = t.orders.sort("order_id")
    # no quotes and no decision price: no arrival price; the VWAP benchmarks are still there
    assert (to.get_column("arrival_source") == "none").all() and to.get_column("is_bps").is_nan().all()
    assert to.get_column("interval_vwap_px").to_list()[:3] == pytest.approx(full.get_column("interval_vwap_px").to_list()[:3])
    assert any("without any arrival price" in n for n in t.notes)
