"""The post-trade review on orders computed by hand: shortfall, its parts, benchmarks, markouts, timing.

One name, ABC, over two sessions (Mon 3 and Tue 4 March 2025, 09:30-16:00 New York = 14:30-21:00 UTC), with
a handful of quotes and prints. Every expected number below is worked out by hand from the tables in this
file (the arithmetic is written out), never by the code under test. Quote matching is strictly before
(the default), so a quote stamped exactly at a horizon does not count yet.

Orders:
* BUY1  buy 500, fully filled in two fills on day 1, decision time given, fees.
* SELL1 sell 1000, 600 filled (partial), window from the orders (start 09:58, end 11:00), fees.
* BUY2  buy 800 over two days: one fill on day 1, one on day 2 before the day's first quote, one later.
* UNF1  buy 100 from the orders, never filled: all opportunity cost.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from liqcost.config import Config, load_config
from liqcost.tca import review

D1, D2 = dt.date(2025, 3, 3), dt.date(2025, 3, 4)


def et(day: dt.date, hhmm: str) -> dt.datetime:
    """New York wall-clock time on ``day`` (EST, UTC-5 before 9 March 2025) as UTC."""
    h, m = (int(x) for x in hhmm.split(":")[:2])
    s = int(hhmm.split(":")[2]) if hhmm.count(":") == 2 else 0
    return dt.datetime(day.year, day.month, day.day, h, m, s, tzinfo=dt.timezone.utc) + dt.timedelta(hours=5)


QUOTES = [  # day, time, bid, ask
    (D1, "09:35", 9.90, 10.10),   # mid 10.00, first quote of day 1
    (D1, "09:40", 10.00, 10.20),  # mid 10.10
    (D1, "09:50", 10.10, 10.30),  # mid 10.20
    (D1, "10:00", 10.20, 10.40),  # mid 10.30
    (D1, "10:20", 10.00, 10.20),  # mid 10.10
    (D1, "15:00", 9.90, 10.10),   # mid 10.00
    (D2, "09:33", 10.30, 10.50),  # mid 10.40, first quote of day 2
    (D2, "11:00", 10.40, 10.60),  # mid 10.50
    (D2, "15:59", 10.50, 10.70),  # mid 10.60
]
TRADES = [  # day, time, price, size (the tape holds our own fills)
    (D1, "09:31", 10.05, 100),
    (D1, "09:45", 10.20, 300),  # BUY1 fill 1
    (D1, "09:55", 10.30, 400),  # 200 of them BUY1 fill 2
    (D1, "10:05", 10.25, 400),  # SELL1 fill 1
    (D1, "10:10", 10.20, 400),
    (D1, "10:30", 10.05, 200),  # SELL1 fill 2
    (D1, "15:30", 10.00, 500),
    (D1, "15:55", 10.10, 300),  # BUY2 fill A
    (D2, "09:31", 10.40, 100),  # BUY2 fill B (before the day's first quote)
    (D2, "10:00", 10.50, 100),
    (D2, "11:30", 10.60, 600),  # 400 of them BUY2 fill C
    (D2, "15:00", 10.55, 300),
]
FILLS = [  # order, side, day, time, price, qty, fee, decision time
    ("BUY1", "buy", D1, "09:45", 10.20, 300, 1.00, (D1, "09:37")),
    ("BUY1", "buy", D1, "09:55", 10.30, 200, 1.00, (D1, "09:37")),
    ("SELL1", "sell", D1, "10:05", 10.25, 400, 2.00, None),
    ("SELL1", "sell", D1, "10:30", 10.05, 200, 1.00, None),
    ("BUY2", "buy", D1, "15:55", 10.10, 300, 1.50, (D1, "15:45")),
    ("BUY2", "buy", D2, "09:31", 10.40, 100, 0.50, (D1, "15:45")),
    ("BUY2", "buy", D2, "11:30", 10.60, 400, 2.00, (D1, "15:45")),
]
ORDERS = [  # order, side, qty, start, end
    ("BUY1", 1, 500.0, None, None),
    ("SELL1", -1, 1000.0, (D1, "09:58"), (D1, "11:00")),
    ("BUY2", 1, 800.0, None, None),
    ("UNF1", 1, 100.0, (D2, "10:00"), (D2, "12:00")),
]
SESSION_MIN = 390.0  # 09:30-16:00
OMEGA = 0.2  # planner.overnight_variance_frac


def _frames():
    quotes = pl.DataFrame(
        {"symbol": "ABC", "ts": [et(d, t) for d, t, *_ in QUOTES], "bid": [q[2] for q in QUOTES], "ask": [q[3] for q in QUOTES],
         "bid_size": 100.0, "ask_size": 100.0}).with_columns(pl.col("ts").dt.cast_time_unit("ns"))
    trades = pl.DataFrame(
        {"symbol": "ABC", "ts": [et(d, t) for d, t, *_ in TRADES], "price": [x[2] for x in TRADES],
         "size": [float(x[3]) for x in TRADES]}).with_columns(pl.col("ts").dt.cast_time_unit("ns"))
    fills = pl.DataFrame(
        {"order_id": [f[0] for f in FILLS], "symbol": "ABC", "side": [f[1] for f in FILLS],
         "ts": [et(f[2], f[3]) for f in FILLS], "price": [f[4] for f in FILLS], "qty": [float(f[5]) for f in FILLS],
         "fee": [f[6] for f in FILLS], "decision_ts": [et(*f[7]) if f[7] else None for f in FILLS],
         "venue": ["XNAS", "ARCX", "XNAS", "XNAS", "XNAS", "XNAS", "ARCX"], "broker": "B1"},
        schema_overrides={"decision_ts": pl.Datetime("us", "UTC")},
    ).with_columns(pl.col("ts").dt.cast_time_unit("ns"), pl.col("decision_ts").dt.cast_time_unit("ns"))
    orders = pl.DataFrame(
        {"order_id": [o[0] for o in ORDERS], "symbol": "ABC", "side": [o[1] for o in ORDERS], "qty": [o[2] for o in ORDERS],
         "start": [et(*o[3]) if o[3] else None for o in ORDERS], "end": [et(*o[4]) if o[4] else None for o in ORDERS]},
        schema_overrides={"start": pl.Datetime("us", "UTC"), "end": pl.Datetime("us", "UTC")},
    ).with_columns(pl.col("start").dt.cast_time_unit("ns"), pl.col("end").dt.cast_time_unit("ns"))
    return fills, orders, trades, quotes


@pytest.fixture(scope="module")
def res():
    fills, orders, trades, quotes = _frames()
    return review(fills, orders, trades=trades, quotes=quotes, config=Config())


def _order(res, oid) -> dict:
    return res.orders.filter(pl.col("order_id") == oid).row(0, named=True)


def _fills(res, oid) -> list[dict]:
    return res.fills.filter(pl.col("order_id") == oid).sort("ts").to_dicts()


def _parts_sum(o):
    parts = o["delay_cost_usd"] + o["execution_cost_usd"] + o["opportunity_cost_usd"] + o["fees_usd"]
    assert o["is_usd"] == pytest.approx(parts, abs=1e-9)
    assert o["execution_cost_usd"] == pytest.approx(o["spread_cost_usd"] + o["impact_cost_usd"], abs=1e-9)
    bps = o["is_delay_bps"] + o["is_spread_bps"] + o["is_impact_bps"] + o["is_opportunity_bps"] + o["is_fees_bps"]
    assert o["is_bps"] == pytest.approx(bps, abs=1e-9)


def test_buy_fully_filled_with_fees(res):
    o = _order(res, "BUY1")
    # arrival: the mid at the decision time 09:37 is the 09:35 quote's, 10.00; before the first fill (09:45)
    # the 09:40 quote's mid, 10.10
    assert o["arrival_source"] == "decision_mid"
    assert o["arrival_mid_px"] == pytest.approx(10.00)
    assert o["first_fill_mid_px"] == pytest.approx(10.10)
    assert o["filled_qty_shares"] == 500 and o["intended_qty_shares"] == 500 and o["status"] == "filled"
    assert o["avg_price_px"] == pytest.approx((300 * 10.20 + 200 * 10.30) / 500)  # 10.24
    # delay 500 x (10.10 - 10.00) = 50; execution 5120 - 500 x 10.10 = 70, of which spread 300 x 0.10 + 200 x 0.10 = 50
    assert o["delay_cost_usd"] == pytest.approx(50.0)
    assert o["execution_cost_usd"] == pytest.approx(70.0)
    assert o["spread_cost_usd"] == pytest.approx(50.0)
    assert o["impact_cost_usd"] == pytest.approx(20.0)  # the second fill's mid is 0.10 above the first's: 200 x 0.10
    assert o["opportunity_cost_usd"] == 0.0
    assert o["fees_usd"] == pytest.approx(2.0)
    assert o["is_usd"] == pytest.approx(122.0)
    assert o["paper_notional_usd"] == pytest.approx(5000.0)
    assert o["is_bps"] == pytest.approx(122.0 / 5000 * 1e4)  # 244
    assert (o["is_delay_bps"], o["is_spread_bps"], o["is_impact_bps"], o["is_fees_bps"]) == pytest.approx((100.0, 100.0, 40.0, 4.0))
    assert o["arrival_cost_bps"] == pytest.approx((10.24 - 10.00) / 10.00 * 1e4)  # 240
    assert o["spread_paid_bps"] == pytest.approx(50 / 5000 * 1e4)
    assert o["impact_cost_bps"] == pytest.approx((50 + 20) / 5000 * 1e4)
    _parts_sum(o)
    # interval 09:37-09:55: prints at 09:45 (300 @ 10.20) and 09:55 (400 @ 10.30)
    vwap = (300 * 10.20 + 400 * 10.30) / 700
    assert o["interval_vwap_px"] == pytest.approx(vwap)
    assert o["slippage_interval_vwap_bps"] == pytest.approx((10.24 - vwap) / vwap * 1e4)
    assert o["participation_frac"] == pytest.approx(500 / 700)
    assert o["market_volume_shares"] == 700
    # whole day 1: value 26405 over 2600 shares
    day1 = (1005 + 3060 + 4120 + 4100 + 4080 + 2010 + 5000 + 3030) / 2600
    assert o["day_vwap_px"] == pytest.approx(day1)
    assert o["slippage_day_vwap_bps"] == pytest.approx((10.24 - day1) / day1 * 1e4)
    assert o["open_px"] == pytest.approx(10.05) and o["close_px"] == pytest.approx(10.10)
    assert o["slippage_close_bps"] == pytest.approx((10.24 - 10.10) / 10.10 * 1e4)
    # TWAP of the mid over 09:37-09:55: 10.00 for 3 min, 10.10 for 10 min, 10.20 for 5 min
    twap = (10.00 * 3 + 10.10 * 10 + 10.20 * 5) / 18
    assert o["twap_px"] == pytest.approx(twap)
    assert o["slippage_twap_bps"] == pytest.approx((10.24 - twap) / twap * 1e4)
    # after the last fill (09:55): +1 min the 09:50 mid 10.20; +30 min the 10:20 mid 10.10; close: 10.00
    assert o["markout_1min_bps"] == pytest.approx((10.20 - 10.24) / 10.00 * 1e4)  # -40
    assert o["post_move_1min_bps"] == pytest.approx((10.20 - 10.00) / 10.00 * 1e4)  # 200
    assert o["markout_30min_bps"] == pytest.approx((10.10 - 10.24) / 10.00 * 1e4)
    assert o["markout_close_bps"] == pytest.approx((10.00 - 10.24) / 10.00 * 1e4)
    assert o["n_days"] == 1 and o["venue"] == "XNAS" and o["broker"] == "B1"


def test_buy_fill_spreads_and_markouts(res):
    f1, f2 = _fills(res, "BUY1")
    assert f1["mid_px"] == pytest.approx(10.10) and f2["mid_px"] == pytest.approx(10.20)
    assert f1["half_spread_paid_bps"] == pytest.approx(0.10 / 10.10 * 1e4)
    assert f1["effective_spread_bps"] == pytest.approx(2 * 0.10 / 10.10 * 1e4)
    assert f1["quoted_spread_bps"] == pytest.approx(0.20 / 10.10 * 1e4)
    assert f2["half_spread_paid_bps"] == pytest.approx(0.10 / 10.20 * 1e4)
    # fill 1 at 09:45: +1 min -> 10.10; +5 min is 09:50 exactly, the 09:50 quote does not prevail yet -> 10.10;
    # +30 min (10:15) -> the 10:00 quote's 10.30; close -> 10.00
    assert f1["markout_1min_bps"] == pytest.approx((10.10 - 10.20) / 10.10 * 1e4)
    assert f1["markout_5min_bps"] == pytest.approx((10.10 - 10.20) / 10.10 * 1e4)
    assert f1["markout_30min_bps"] == pytest.approx((10.30 - 10.20) / 10.10 * 1e4)
    assert f1["markout_close_bps"] == pytest.approx((10.00 - 10.20) / 10.10 * 1e4)
    # trade-count horizons: the next print is 09:55 (mid then 10.20); the 5th later is 15:30 (mid 10.00);
    # there is no 20th later print that day: the mid at the close (10.00)
    assert f1["markout_1tr_bps"] == pytest.approx(0.0, abs=1e-9)
    assert f1["markout_5tr_bps"] == pytest.approx((10.00 - 10.20) / 10.10 * 1e4)
    assert f1["markout_20tr_bps"] == pytest.approx((10.00 - 10.20) / 10.10 * 1e4)
    # fill 2 at 09:55: +1 min -> 10.20 (09:50 quote); +30 min (10:25) -> 10.10 (10:20 quote)
    assert f2["markout_1min_bps"] == pytest.approx((10.20 - 10.30) / 10.20 * 1e4)
    assert f2["markout_30min_bps"] == pytest.approx((10.10 - 10.30) / 10.20 * 1e4)
    assert f1["mid_status"] == f2["mid_status"] == "ok"


def test_buy_timing_variance(res):
    o = _order(res, "BUY1")
    # same day: variance time (1 - omega) x session time since the 09:37 arrival: 8 and 18 minutes
    v = [(1 - OMEGA) * 8 / SESSION_MIN, (1 - OMEGA) * 18 / SESSION_MIN]
    w = [0.6, 0.4]
    want = sum(w[i] * w[j] * min(v[i], v[j]) for i in range(2) for j in range(2))
    assert o["timing_variance_days"] == pytest.approx(want)
    assert o["variance_time_last_days"] == pytest.approx(v[1])


def test_sell_partial_fill_valued_at_window_end(res):
    o = _order(res, "SELL1")
    # arrival: the order's start 09:58 -> 09:50 quote's mid 10.20; first fill (10:05) mid 10.30
    assert o["arrival_source"] == "order_start_mid"
    assert o["arrival_mid_px"] == pytest.approx(10.20)
    assert o["status"] == "partial" and o["fill_rate_frac"] == pytest.approx(0.6)
    avg = (400 * 10.25 + 200 * 10.05) / 600
    assert o["avg_price_px"] == pytest.approx(avg)
    # a sell: delay -600 x (10.30 - 10.20) = -60 (the price rose before we sold: a gain)
    assert o["delay_cost_usd"] == pytest.approx(-60.0)
    # execution -(6110 - 600 x 10.30) = 70; spread -(400 x (10.25 - 10.30) + 200 x (10.05 - 10.10)) = 30
    assert o["execution_cost_usd"] == pytest.approx(70.0)
    assert o["spread_cost_usd"] == pytest.approx(30.0)
    assert o["impact_cost_usd"] == pytest.approx(40.0)
    # 400 unfilled, valued at the mid at the order's end (11:00: the 10:20 quote's 10.10): -400 x (10.10 - 10.20) = 40
    assert o["end_price_px"] == pytest.approx(10.10) and o["end_price_source"] == "end_mid"
    assert o["opportunity_cost_usd"] == pytest.approx(40.0)
    assert o["fees_usd"] == pytest.approx(3.0)
    assert o["is_usd"] == pytest.approx(-60 + 70 + 40 + 3)
    assert o["paper_notional_usd"] == pytest.approx(10200.0)
    assert o["is_bps"] == pytest.approx(53 / 10200 * 1e4)
    assert o["is_opportunity_bps"] == pytest.approx(40 / 10200 * 1e4)
    assert o["arrival_cost_bps"] == pytest.approx(-(avg - 10.20) / 10.20 * 1e4)
    _parts_sum(o)
    # interval 09:58-10:30: 400 @ 10.25, 400 @ 10.20, 200 @ 10.05
    vwap = (4100 + 4080 + 2010) / 1000
    assert o["interval_vwap_px"] == pytest.approx(vwap)
    assert o["slippage_interval_vwap_bps"] == pytest.approx(-(avg - vwap) / vwap * 1e4)
    assert o["participation_frac"] == pytest.approx(0.6)
    f1, f2 = _fills(res, "SELL1")
    assert f1["half_spread_paid_bps"] == pytest.approx(0.05 / 10.30 * 1e4)  # sold 0.05 below the mid
    assert f2["half_spread_paid_bps"] == pytest.approx(0.05 / 10.10 * 1e4)
    # a sell's markout: -(m_h - p) / m; fill 1 at 10:05, +5 min (10:10) -> 10.30: -(10.30 - 10.25) / 10.30
    assert f1["markout_5min_bps"] == pytest.approx(-(10.30 - 10.25) / 10.30 * 1e4)


def test_order_spanning_two_days_with_a_fill_before_the_first_quote(res):
    o = _order(res, "BUY2")
    fa, fb, fc = _fills(res, "BUY2")
    # fill B (day 2, 09:31) precedes the day's first quote (09:33): no mid, stated
    assert fb["mid_status"] == "before_first_quote"
    assert math.isnan(fb["mid_px"]) and math.isnan(fb["half_spread_paid_bps"]) and math.isnan(fb["markout_1min_bps"])
    assert fa["mid_px"] == pytest.approx(10.00) and fc["mid_px"] == pytest.approx(10.50)
    assert o["n_fills_before_first_quote"] == 1
    assert o["arrival_source"] == "decision_mid" and o["arrival_mid_px"] == pytest.approx(10.00)
    assert o["n_days"] == 2
    avg = (3030 + 1040 + 4240) / 800
    assert o["avg_price_px"] == pytest.approx(avg)
    assert o["delay_cost_usd"] == pytest.approx(0.0)
    assert o["execution_cost_usd"] == pytest.approx(8310 - 8000)
    # spread from the fills with a mid (A: 300 x 0.10, C: 400 x 0.10); fill B's execution cost counts as impact
    assert o["spread_cost_usd"] == pytest.approx(70.0)
    assert o["impact_cost_usd"] == pytest.approx(100 * (10.40 - 10.00) + 400 * (10.50 - 10.00))
    assert o["fees_usd"] == pytest.approx(4.0)
    assert o["is_bps"] == pytest.approx(314 / 8000 * 1e4)
    _parts_sum(o)
    # interval day 1 15:45 -> day 2 11:30: 300 @ 10.10, 100 @ 10.40, 100 @ 10.50, 600 @ 10.60
    vwap = (3030 + 1040 + 1050 + 6360) / 1100
    assert o["interval_vwap_px"] == pytest.approx(vwap)
    assert o["slippage_interval_vwap_bps"] == pytest.approx((avg - vwap) / vwap * 1e4)
    assert o["participation_frac"] == pytest.approx(800 / 1100)
    # both sessions: (26405 + 11615) / (2600 + 1100); open of day 1, close of day 2
    day = 38020 / 3700
    assert o["day_vwap_px"] == pytest.approx(day)
    assert o["open_px"] == pytest.approx(10.05) and o["close_px"] == pytest.approx(10.55)
    # TWAP over session time only: day 1 15:45-16:00 at 10.00 (15 min); day 2 09:30-11:30, no mid before 09:33,
    # then 10.40 for 87 min and 10.50 for 30 min
    twap = (10.00 * 15 + 10.40 * 87 + 10.50 * 30) / (15 + 87 + 30)
    assert o["twap_px"] == pytest.approx(twap)
    # after the last fill (day 2, 11:30): +1 min -> 10.50, close -> 10.60
    assert o["markout_1min_bps"] == pytest.approx((10.50 - avg) / 10.00 * 1e4)
    assert o["markout_close_bps"] == pytest.approx((10.60 - avg) / 10.00 * 1e4)
    # variance time: arrival at 375/390 of day 1; fill A 385/390 the same day; B and C a session later,
    # at 1/390 and 120/390 of day 2, across one overnight gap (omega of a day's variance)
    u_a = 375 / SESSION_MIN
    v = [(1 - OMEGA) * (385 / SESSION_MIN - u_a),
         (1 - OMEGA) * (1 + 1 / SESSION_MIN - u_a) + OMEGA,
         (1 - OMEGA) * (1 + 120 / SESSION_MIN - u_a) + OMEGA]
    w = [3 / 8, 1 / 8, 4 / 8]
    want = sum(w[i] * w[j] * min(v[i], v[j]) for i in range(3) for j in range(3))
    assert o["timing_variance_days"] == pytest.approx(want)
    assert o["venue"] == "ARCX"  # 400 shares on each of XNAS and ARCX: a tie goes to the first name


def test_unfilled_order_is_all_opportunity_cost(res):
    o = _order(res, "UNF1")
    # arrival at its start (day 2, 10:00): the 09:33 quote's mid 10.40; valued at its end (12:00): 10.50
    assert o["status"] == "unfilled" and o["filled_qty_shares"] == 0 and o["n_fills"] == 0
    assert o["arrival_mid_px"] == pytest.approx(10.40)
    assert o["opportunity_cost_usd"] == pytest.approx(100 * (10.50 - 10.40))
    assert o["is_bps"] == pytest.approx(10 / 1040 * 1e4)
    assert math.isnan(o["arrival_cost_bps"]) and math.isnan(o["avg_price_px"])
    _parts_sum(o)


def test_opportunity_at_the_close_when_asked():
    fills, orders, trades, quotes = _frames()
    cfg = load_config(overrides={"tca.opportunity_price": "close"})
    r = review(fills, orders, trades=trades, quotes=quotes, config=cfg)
    o = r.orders.filter(pl.col("order_id") == "SELL1").row(0, named=True)
    # the close of the order's last day (day 1): the 15:00 quote's mid 10.00; -400 x (10.00 - 10.20) = 80
    assert o["end_price_source"] == "close_mid" and o["opportunity_cost_usd"] == pytest.approx(80.0)


def test_summary_notes_and_aggregates(res):
    s = res.summary()
    assert s.columns == ["measure", "all", "buy", "sell"]
    row = dict(zip(s["measure"], s["all"]))
    assert row["orders"] == 4 and row["fills"] == 7
    total_is = 122 + 53 + 314 + 10
    assert row["is_usd"] == pytest.approx(total_is)
    assert row["is_bps"] == pytest.approx(total_is / (5000 + 10200 + 8000 + 1040) * 1e4)
    text = str(res)
    assert "post-trade review" in text and "is_bps" in text
    notes = " ".join(res.notes)
    assert "before the first quote" in notes and "not fully filled" in notes
    agg = res.aggregates.filter((pl.col("dimension") == "side") & (pl.col("value") == "-1")).row(0, named=True)
    assert agg["n_orders"] == 1 and agg["is_usd"] == pytest.approx(53.0)
    assert set(res.aggregates.get_column("dimension").unique()) == {"symbol", "side", "date", "broker", "venue"}
    assert not res.partial and res.quarantine.height == 0


def test_without_orders_intended_is_filled():
    fills, _, trades, quotes = _frames()
    r = review(fills, None, trades=trades, quotes=quotes)
    o = r.orders.filter(pl.col("order_id") == "SELL1").row(0, named=True)
    # no order: arrival just before the first fill (10:05 -> the 10:00 quote's 10.30), nothing unfilled
    assert o["arrival_source"] == "first_fill_mid" and o["arrival_mid_px"] == pytest.approx(10.30)
    assert o["intended_source"] == "filled" and o["opportunity_cost_usd"] == 0 and o["delay_cost_usd"] == 0
    assert r.orders.height == 3
    assert any("without an intended quantity" in n for n in r.notes)


def test_row_order_of_inputs_does_not_matter(res):
    fills, orders, trades, quotes = _frames()
    rng = np.random.default_rng(3)
    shuffle = lambda f: f[rng.permutation(f.height).tolist()]  # noqa: E731
    other = pl.DataFrame({"symbol": "ZZZ", "ts": [et(D1, "10:00")], "bid": [1.0], "ask": [1.1], "bid_size": 1.0, "ask_size": 1.0}
                         ).with_columns(pl.col("ts").dt.cast_time_unit("ns"))
    r = review(shuffle(fills), shuffle(orders), trades=shuffle(trades), quotes=shuffle(pl.concat([quotes, other])))
    a = res.orders.sort("order_id")
    b = r.orders.sort("order_id")
    for c in ("is_usd", "arrival_cost_bps", "interval_vwap_px", "twap_px", "timing_variance_days", "markout_5tr_bps"):
        np.testing.assert_allclose(a[c].to_numpy(), b[c].to_numpy(), rtol=1e-12, equal_nan=True)
