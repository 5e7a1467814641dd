"""liqcost.sim.replay over polars frames: hand-built tapes whose fills are known exactly, the cost
decomposition, own impact on and off, the fills contract, and every way the inputs can be wrong."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from liqcost.config import Config
from liqcost.errors import ConfigError, DataError, NoDataError, OrderError, SchemaError, UsageError
from liqcost.schema import FILLS, check_frame
from liqcost.sim.impact import OwnImpact, own_impact_params
from liqcost.sim.options import SimOptions, resolve_options
from liqcost.sim.replay import replay
from liqcost.sim.tape import Tape

S = 1_000_000_000
T0 = dt.datetime(2025, 3, 3, 14, 30, tzinfo=dt.timezone.utc)  # 09:30 New York
UTC = pl.Datetime("ns", "UTC")
OFF = {"own_impact": False}


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def market(quotes, trades=(), symbol="XYZ"):
    """Frames from (seconds, bid, ask, bid_size, ask_size) and (seconds, price, size)."""
    q = pl.DataFrame({"symbol": [symbol] * len(quotes), "ts": [at(x[0]) for x in quotes], "bid": [x[1] for x in quotes],
                      "ask": [x[2] for x in quotes], "bid_size": [float(x[3]) for x in quotes],
                      "ask_size": [float(x[4]) for x in quotes]}).with_columns(pl.col("ts").cast(UTC))
    t = pl.DataFrame({"symbol": [symbol] * len(trades), "ts": [at(x[0]) for x in trades],
                      "price": [float(x[1]) for x in trades], "size": [float(x[2]) for x in trades]},
                     schema={"symbol": pl.String, "ts": pl.Datetime("us", "UTC"), "price": pl.Float64, "size": pl.Float64})
    return t.with_columns(pl.col("ts").cast(UTC)), q


def tranches(*rows, symbol="XYZ"):
    """Rows: dicts with order_id, side, start, end (seconds), qty, rule and optional columns."""
    out = []
    for r in rows:
        d = {"order_id": r.get("order_id", "o1"), "symbol": symbol, "side": r.get("side", "buy"),
             "window_start": at(r["start"]), "window_end": at(r["end"]), "qty_shares": float(r["qty"]),
             "limit_rule": r.get("rule", "join"), "limit_price_px": r.get("price"), "limit_cap_px": r.get("cap"),
             "max_participation_frac": r.get("part", 1.0), "unfilled": r.get("unfilled", "leave")}
        out.append(d)
    return pl.DataFrame(out, schema={"order_id": pl.String, "symbol": pl.String, "side": pl.String,
                                     "window_start": pl.Datetime("us", "UTC"), "window_end": pl.Datetime("us", "UTC"),
                                     "qty_shares": pl.Float64, "limit_rule": pl.String, "limit_price_px": pl.Float64,
                                     "limit_cap_px": pl.Float64, "max_participation_frac": pl.Float64,
                                     "unfilled": pl.String})


BOOK = (0, 10.00, 10.02, 300, 200)


def fills_of(res):
    return [(round((f["ts"] - T0).total_seconds(), 6), round(f["price"], 10), f["qty"], f["fill_kind"])
            for f in res.fills.iter_rows(named=True)]


# ------------------------------------------------------------------------------- known fills


def test_trade_through_fill_and_opportunity_cost():
    trades, quotes = market([BOOK, (50, 10.04, 10.06, 100, 100)], [(5, 9.99, 80)])
    res = replay(tranches({"start": 1, "end": 60, "qty": 100}), (trades, quotes), options=OFF)
    assert fills_of(res) == [(5.0, 10.00, 80.0, "passive")]
    o = res.orders.row(0, named=True)
    assert o["filled_shares"] == 80.0 and o["unfilled_shares"] == 20.0 and o["fill_rate_frac"] == pytest.approx(0.8)
    # arrival mid 10.01; 80 filled at 10.00 (-9.99 bps); 20 left while the mid rose to 10.05 (+39.96 bps)
    m0 = 10.01
    assert o["arrival_mid_px"] == pytest.approx(m0)
    assert o["execution_cost_bps"] == pytest.approx((10.00 - m0) / m0 * 1e4)
    assert o["end_move_bps"] == pytest.approx((10.05 - m0) / m0 * 1e4)
    assert o["shortfall_bps"] == pytest.approx(0.8 * (10.00 - m0) / m0 * 1e4 + 0.2 * (10.05 - m0) / m0 * 1e4)
    assert o["spread_cost_bps"] == pytest.approx((10.00 - m0) / m0 * 1e4)  # earned the half-spread


def test_queue_ahead_and_partial_fill():
    # 300 shares ahead at the bid: prints of 100 and 250 at 10.00 leave 50 for us, the window closes
    trades, quotes = market([BOOK], [(5, 10.00, 100), (6, 10.00, 250)])
    res = replay(tranches({"start": 1, "end": 60, "qty": 100}), (trades, quotes), options=OFF)
    assert fills_of(res) == [(6.0, 10.00, 50.0, "passive")]
    t = res.tranches.row(0, named=True)
    assert t["filled_shares"] == 50.0 and t["unfilled_shares"] == 50.0 and t["market_volume_shares"] == 350.0
    # the trade-through-only queue model never fills on prints at the price
    res = replay(tranches({"start": 1, "end": 60, "qty": 100}), (trades, quotes),
                 options={"own_impact": False, "queue_model": "trade_through"})
    assert res.fills.height == 0 and res.orders["unfilled_frac"][0] == 1.0


def test_no_volume_leaves_everything():
    trades, quotes = market([BOOK, (30, 10.00, 10.02, 250, 200)], [])
    res = replay(tranches({"start": 1, "end": 60, "qty": 100}), (trades, quotes), options=OFF)
    o = res.orders.row(0, named=True)
    assert res.fills.height == 0 and o["filled_shares"] == 0 and o["unfilled_shares"] == 100
    assert o["execution_cost_bps"] is None and o["shortfall_bps"] == pytest.approx(0.0)
    assert res.tranches["market_volume_shares"][0] == 0.0 and res.tranches["participation_frac"][0] is None


def test_participation_cap_binds():
    trades, quotes = market([BOOK], [(5, 9.99, 500), (6, 9.99, 500), (7, 10.05, 1000)])
    res = replay(tranches({"start": 1, "end": 60, "qty": 1000, "part": 0.1}), (trades, quotes), options=OFF)
    # 10% of the printed volume: 50 after the first print, 100 after the second; the print at 10.05 does
    # not reach a bid at 10.00 but counts as volume
    assert [f[2] for f in fills_of(res)] == [50.0, 50.0]
    t = res.tranches.row(0, named=True)
    assert t["market_volume_shares"] == 2000.0 and t["participation_frac"] == pytest.approx(0.05)
    # the config's cap applies to rows without one
    frame = tranches({"start": 1, "end": 60, "qty": 1000}).drop("max_participation_frac")
    res = replay(frame, (trades, quotes), options=OFF, config=Config())
    assert res.tranches["filled_shares"][0] == pytest.approx(100.0)
    res = replay(frame, (trades, quotes), options={"own_impact": False, "participation_cap": False})
    assert res.tranches["filled_shares"][0] == pytest.approx(1000.0)


def test_end_of_window_cleanup_walks_the_book():
    trades, quotes = market([BOOK], [])
    res = replay(tranches({"start": 1, "end": 60, "qty": 500, "unfilled": "cross_at_end"}), (trades, quotes), options=OFF)
    assert fills_of(res) == [(60.0, pytest.approx((200 * 10.02 + 200 * 10.03 + 100 * 10.04) / 500), 500.0, "cleanup")]
    o = res.orders.row(0, named=True)
    assert o["fill_rate_frac"] == 1.0 and o["unfilled_frac"] == 0.0
    assert res.tranches["cleanup_shares"][0] == 500.0
    # the order's cap price bounds the sweep: nothing above 10.03
    res = replay(tranches({"start": 1, "end": 60, "qty": 500, "unfilled": "cross_at_end", "cap": 10.03}),
                 (trades, quotes), options=OFF)
    assert res.orders["filled_shares"][0] == 400.0 and res.orders["unfilled_shares"][0] == 100.0


def test_carry_then_cross_after_last_tranche():
    trades, quotes = market([BOOK], [(15, 9.99, 120)])
    frame = tranches({"start": 1, "end": 10, "qty": 100, "unfilled": "carry"},
                     {"start": 10, "end": 20, "qty": 100, "unfilled": "carry"})
    res = replay(frame, (trades, quotes), options=OFF)
    t = res.tranches.sort("tranche")
    assert t["carry_out_shares"].to_list() == [100.0, 0.0] and t["carry_in_shares"].to_list() == [0.0, 100.0]
    # the second window fills 120 through the bid, then carry after the last tranche crosses at its end
    assert fills_of(res) == [(15.0, 10.00, 120.0, "passive"), (20.0, 10.02, 80.0, "cleanup")]
    res = replay(frame, (trades, quotes), options={"own_impact": False, "carry_last": "leave"})
    assert res.orders["unfilled_shares"][0] == 80.0


def test_repeg_after_quote_move():
    trades, quotes = market([BOOK, (3, 10.01, 10.03, 150, 200)], [(4, 10.01, 200), (5, 10.00, 500)])
    res = replay(tranches({"start": 1, "end": 60, "qty": 100}), (trades, quotes), options=OFF)
    assert res.tranches["n_reprices"][0] == 1
    assert fills_of(res) == [(4.0, 10.01, 50.0, "passive"), (5.0, 10.01, 50.0, "passive")]


def test_sell_side_and_rules():
    trades, quotes = market([(0, 10.00, 10.04, 300, 200)], [(5, 10.03, 30), (6, 10.02, 40), (7, 10.05, 500)])
    mid = replay(tranches({"start": 1, "end": 60, "qty": 100, "side": "sell", "rule": "mid"}), (trades, quotes), options=OFF)
    # a sell at the mid rounded up to the tick: 10.02, a new level; the print at 10.03 trades through it
    assert fills_of(mid) == [(5.0, 10.02, 30.0, "passive"), (6.0, 10.02, 40.0, "passive"), (7.0, 10.02, 30.0, "passive")]
    imp = replay(tranches({"start": 1, "end": 60, "qty": 100, "side": -1, "rule": "improve_1"}), (trades, quotes), options=OFF)
    assert [f[1] for f in fills_of(imp)] == [10.03, 10.03]
    fixed = replay(tranches({"start": 1, "end": 60, "qty": 100, "side": "sell", "rule": "fixed", "price": 10.05}),
                   (trades, quotes), options=OFF)
    assert fills_of(fixed) == []  # behind the ask: the print at 10.05 meets an unknown queue


# ------------------------------------------------------------------------------- own impact


def test_own_impact_on_versus_off():
    quotes = [BOOK] + [(s, 10.00, 10.02, 300, 200) for s in range(10, 400, 10)]
    trades, q = market(quotes, [])
    frame = tranches(*[{"start": 30 * i + 1, "end": 30 * i + 1, "qty": 100, "rule": "cross"} for i in range(10)])
    imp = OwnImpact(y=0.8, permanent_frac=0.5, volatility_daily_frac=0.04, daily_volume_shares=10_000.0)
    on = replay(frame, (trades, q), impact=imp, options={"participation_cap": False})
    off = replay(frame, (trades, q), options={"own_impact": False, "participation_cap": False})
    a = imp.scale_per_sqrt_share
    assert a == pytest.approx(1.5 * 0.8 * 0.04 / 100.0)
    # ten children of 100 shares in one order: no relaxation between them, the j-th pays a sqrt(100 j)
    disp = on.fills.sort("ts")["displacement_bps"].to_numpy()
    assert disp == pytest.approx(a * np.sqrt(100.0 * np.arange(10)) * 1e4)
    price = on.fills.sort("ts")["price"].to_numpy()
    assert price == pytest.approx(10.02 * (1 + disp * 1e-4))
    o_on, o_off = on.orders.row(0, named=True), off.orders.row(0, named=True)
    assert o_off["impact_bps"] == 0.0 and o_on["impact_bps"] > 0
    # the market path is the same: the difference of the costs is the impact
    assert o_on["shortfall_bps"] - o_off["shortfall_bps"] == pytest.approx(o_on["impact_bps"], rel=1e-3)
    assert o_on["impact_bps"] == pytest.approx(float(np.mean(disp)) * 10.01 / 10.01, rel=1e-3)
    # an even execution pays on average what the square-root law's cost convention says, up to the
    # discretisation of ten children (mean of sqrt(j/10) is 0.61, the continuous law's 2/3)
    law = imp.expected_cost_bps(1000.0)
    assert o_on["impact_bps"] == pytest.approx(law * 1.5 * np.mean(np.sqrt(np.arange(10) / 10)), rel=1e-3)


def test_own_impact_relaxes_after_the_order():
    quotes = [BOOK] + [(s, 10.00, 10.02, 300, 200) for s in range(10, 7300, 60)]
    trades, q = market(quotes, [])
    frame = tranches({"order_id": "a", "start": 1, "end": 1, "qty": 400, "rule": "cross"},
                     {"order_id": "b", "start": 3601, "end": 3601, "qty": 100, "rule": "cross"})
    imp = OwnImpact(y=0.8, permanent_frac=0.5, volatility_daily_frac=0.04, daily_volume_shares=10_000.0, half_life_s=1200.0)
    res = replay(frame, (trades, q), impact=imp, options={"participation_cap": False})
    peak = imp.scale_per_sqrt_share * 20.0  # sqrt(400)
    p = imp.permanent_of_peak_frac
    assert p == pytest.approx(2 / 3)
    want = peak * (p + (1 - p) * 2 ** (-3600 / 1200))
    b = res.fills.filter(pl.col("order_id") == "b").row(0, named=True)
    assert b["displacement_bps"] == pytest.approx(want * 1e4)
    # order b's arrival mid already carries order a's impact, so b's own impact is measured from there
    assert res.orders.filter(pl.col("order_id") == "b")["impact_bps"][0] == pytest.approx(0.0, abs=1e-9)


def test_own_impact_params_from_profile_and_parameter_file(tmp_path):
    prof = {"symbol": "XYZ", "volatility_daily_frac": 0.03, "adv_shares": 40_000.0, "mdv_shares": 30_000.0,
            "price_px": 5.0, "shares_outstanding": 2e7}
    imp = own_impact_params(prof, Config())
    assert (imp.y, imp.permanent_frac, imp.daily_volume_shares) == (0.8, 0.5, 40_000.0)
    assert imp.expected_cost_bps(4000.0) == pytest.approx(0.8 * 0.03 * math.sqrt(0.1) * 1e4)
    cfg = Config.model_validate({"impact": {"sqrt_y": 0.6}, "planner": {"volume_basis": "mdv"}})
    imp = own_impact_params(prof, cfg)
    assert imp.y == 0.6 and imp.daily_volume_shares == 30_000.0
    f = tmp_path / "params.yaml"
    f.write_text("source: calibrated on my fills\noverrides:\n  - symbol: XYZ\n    sqrt: {y: 1.1, permanent_frac: 0.3}\n")
    imp = own_impact_params(prof, Config.model_validate({"impact": {"params_file": str(f)}}))
    assert (imp.y, imp.permanent_frac, imp.source) == (1.1, 0.3, "calibrated on my fills")
    assert imp.permanent_of_peak_frac == pytest.approx(0.4)
    with pytest.raises(NoDataError, match="volatility"):
        own_impact_params(prof | {"volatility_daily_frac": None}, Config())


def test_own_impact_needs_a_profile():
    trades, quotes = market([BOOK], [])
    with pytest.raises(UsageError, match="profile"):
        replay(tranches({"start": 1, "end": 2, "qty": 100}), (trades, quotes))
    prof = pl.DataFrame({"symbol": ["XYZ"], "volatility_daily_frac": [0.03], "adv_shares": [40_000.0]})
    res = replay(tranches({"start": 1, "end": 2, "qty": 100, "rule": "cross"}), (trades, quotes), profile=prof,
                 options={"participation_cap": False})
    assert "Y 0.8" in res.notes[0]


# ------------------------------------------------------------------------------- outputs


def test_decomposition_and_fills_contract():
    rng = np.random.default_rng(3)
    quotes, trades_l = [], []
    bid = 1000
    for s in range(0, 3600, 20):
        bid += int(rng.integers(-1, 2))
        quotes.append((s, bid / 100, (bid + int(rng.integers(1, 4))) / 100, 100 * int(rng.integers(1, 6)), 100 * int(rng.integers(1, 6))))
        trades_l.append((s + 7, (bid + int(rng.integers(-1, 3))) / 100, float(rng.integers(1, 400))))
    trades, q = market(quotes, trades_l)
    frame = tranches(*[{"start": 600 * i + 1, "end": 600 * (i + 1), "qty": 300, "unfilled": "carry", "part": 0.3,
                        "rule": ["join", "mid", "improve_1", "cross", "join", "join"][i]} for i in range(6)])
    imp = OwnImpact(y=0.8, permanent_frac=0.5, volatility_daily_frac=0.04, daily_volume_shares=20_000.0)
    res = replay(frame, (trades, q), impact=imp)
    f = res.fills
    check_frame(f, FILLS, "simulated fills")
    assert f["side"].dtype == pl.Int8 and f["ts"].dtype == UTC
    parts = f["spread_bps"] + f["impact_bps"] + f["drift_bps"]
    assert np.allclose(parts.to_numpy(), f["shortfall_bps"].to_numpy())
    o = res.orders.row(0, named=True)
    assert o["filled_shares"] + o["unfilled_shares"] == pytest.approx(o["qty_shares"])
    assert o["shortfall_bps"] == pytest.approx(
        o["fill_rate_frac"] * o["execution_cost_bps"] + o["unfilled_frac"] * o["end_move_bps"])
    assert o["execution_cost_bps"] == pytest.approx(o["spread_cost_bps"] + o["impact_bps"] + o["drift_bps"])
    assert (f["decision_price"] == o["arrival_mid_px"]).all()
    t = res.tranches
    assert (t["filled_shares"].sum()) == pytest.approx(o["filled_shares"])
    # participation never above the cap (cleanup crossings aside)
    assert (t["participation_frac"].drop_nulls() <= 0.3 + 1e-12).all()
    s = res.summary()
    assert s.columns[0] == "order_id" and "shortfall_bps" in s.columns
    assert "simulate" in str(res) and not res.partial


def test_replay_of_several_symbols_and_orders():
    t1, q1 = market([BOOK], [(5, 9.99, 100)], symbol="AAA")
    t2, q2 = market([(0, 5.00, 5.02, 100, 100)], [(5, 5.03, 100)], symbol="BBB")
    frame = pl.concat([
        tranches({"order_id": "a", "start": 1, "end": 9, "qty": 50}, symbol="AAA"),
        tranches({"order_id": "b", "start": 1, "end": 9, "qty": 50, "side": "sell"}, symbol="BBB"),
    ])
    res = replay(frame, (pl.concat([t1, t2]), pl.concat([q1, q2])), options=OFF)
    assert res.orders["order_id"].to_list() == ["a", "b"]
    assert res.orders["filled_shares"].to_list() == [50.0, 50.0]
    tapes = {"AAA": Tape.from_frames(t1, q1), "BBB": Tape.from_frames(t2, q2)}
    again = replay(frame, tapes, options=OFF)
    assert again.orders.equals(res.orders)


# ------------------------------------------------------------------------------- bad inputs


def test_missing_columns_are_all_named():
    trades, quotes = market([BOOK], [])
    frame = tranches({"start": 1, "end": 2, "qty": 100}).drop("limit_rule", "qty_shares")
    with pytest.raises(SchemaError, match="missing column 'qty_shares'.*missing column 'limit_rule'"):
        replay(frame, (trades, quotes), options=OFF)
    naive = tranches({"start": 1, "end": 2, "qty": 100}).with_columns(pl.col("window_start").dt.replace_time_zone(None))
    with pytest.raises(SchemaError, match="window_start' has no time zone"):
        replay(naive, (trades, quotes), options=OFF)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"qty": -5}, "qty_shares must be a positive number of shares, got -5.0"),
        ({"side": "hold"}, "side must be buy \\(\\+1\\) or sell \\(-1\\), got hold"),
        ({"rule": "peg"}, "unknown limit_rule peg"),
        ({"rule": "fixed"}, "a fixed rule needs a positive limit_price_px"),
        ({"rule": "auction_close"}, "rule auction_close is an auction order; auctions cannot be replayed"),
        ({"end": 0}, "window_end is before window_start"),
        ({"part": 1.5}, "max_participation_frac must be in \\(0, 1\\]"),
        ({"unfilled": "later"}, "unfilled must be one of carry, cross_at_end, leave"),
    ],
)
def test_bad_rows_name_their_row(change, message):
    trades, quotes = market([BOOK], [])
    row = {"start": 1, "end": 2, "qty": 100} | change
    frame = tranches({"order_id": "good", "start": 1, "end": 2, "qty": 100}, {"order_id": "bad"} | row)
    with pytest.raises(OrderError, match=f"tranches row 2 \\(order bad\\): {message}"):
        replay(frame, (trades, quotes), options=OFF)
    res = replay(frame, (trades, quotes), options=OFF, errors="report")
    assert res.orders["order_id"].to_list() == ["good"] and res.partial
    assert res.problems[0].kind == "order_rejected" and "row 2" in res.problems[0].where


def test_order_level_checks():
    trades, quotes = market([BOOK], [])
    overlap = tranches({"start": 1, "end": 10, "qty": 100}, {"start": 5, "end": 20, "qty": 100})
    with pytest.raises(OrderError, match="overlap"):
        replay(overlap, (trades, quotes), options=OFF)
    both = tranches({"start": 1, "end": 10, "qty": 100}, {"start": 10, "end": 20, "qty": 100, "side": "sell"})
    with pytest.raises(OrderError, match="both sides"):
        replay(both, (trades, quotes), options=OFF)
    only_bad = tranches({"start": 1, "end": 10, "qty": 0})
    res = replay(only_bad, (trades, quotes), options=OFF, errors="report")
    assert res.orders.height == 0 and res.fills.height == 0 and res.partial


def test_options_are_checked_and_default_to_the_planner():
    with pytest.raises(ConfigError, match="simulate.queue_modle: unknown key \\(did you mean 'queue_model'\\?\\)"):
        resolve_options({"queue_modle": "prob"}, Config())
    cfg = Config.model_validate({"planner": {"fill_queue_ahead_frac": 0.5, "max_participation_frac": 0.2,
                                             "unfilled": "cross_at_end"}})
    o = resolve_options(SimOptions(), cfg)
    assert (o["queue_ahead_frac"], o["max_participation_frac"], o["unfilled"]) == (0.5, 0.2, "cross_at_end")
    assert resolve_options({"queue_ahead_frac": 0.0}, cfg)["queue_ahead_frac"] == 0.0


def test_tape_counts_bad_rows_and_orders_events():
    trades, quotes = market([BOOK, (5, 10.02, 10.00, 100, 100), (6, 10.00, 10.02, 100, 100)],
                            [(5, 10.00, 50), (6, -1.0, 10), (7, 10.01, 0)])
    tape = Tape.from_frames(trades, quotes)
    assert tape.dropped == {"trades: missing, zero or negative price or size": 2,
                            "quotes: missing or non-positive bid, or ask below bid": 1}
    # the trade at 5 s, the quote at 6 s; ties put trades first
    t = Tape.from_arrays("X", np.array([5, 3]), np.array([[10.0, 1.0], [10.0, 2.0]]), np.array([5, 1]),
                         np.array([[9.99, 10.01, 1, 1], [9.98, 10.0, 1, 1]]), 0.01)
    assert t.ts.tolist() == [1, 3, 5, 5] and t.kind.tolist() == [1, 0, 0, 1]
    assert t.quote_at(4) == (9.98, 10.0, 1.0, 1.0) and t.span(1, 5) == 3
    with pytest.raises(NoDataError, match="no usable quotes"):
        Tape.from_frames(trades, quotes.filter(pl.col("bid") > 100))
    with pytest.raises(DataError, match="2 symbols"):
        both = pl.concat([quotes, quotes.with_columns(pl.lit("ABC").alias("symbol"))])
        Tape.from_frames(trades, both)


def test_tape_from_dataset_and_its_days(sample_data):
    tape = Tape.from_dataset(sample_data / "dataset", "THNE", dt.date(2025, 3, 3), dt.date(2025, 3, 5))
    assert tape.days() == [dt.date(2025, 3, 3), dt.date(2025, 3, 4), dt.date(2025, 3, 5)]
    assert tape.tick_px == 0.01 and tape.n_quotes > 0 and tape.dropped == {}
    with pytest.raises(NoDataError, match="none between"):
        frame = tranches({"start": 1, "end": 2, "qty": 100}, symbol="THNE").with_columns(
            pl.col("window_start").dt.offset_by("1y"), pl.col("window_end").dt.offset_by("1y"))
        replay(frame, sample_data / "dataset", options=OFF)
