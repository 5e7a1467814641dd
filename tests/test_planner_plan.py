"""plan(): exact sums and caps on the sample names (property tests), schedules, limit rules, errors."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_planner_support import sample_fill_model, sample_fill_models, sample_profiles

from liqcost.config import Config
from liqcost.errors import DataQualityWarning, NoDataError, OrderError
from liqcost.planner.plan import PLAN_COLUMNS, SUMMARY_COLUMNS, plan

START = dt.date(2025, 3, 31)


def cfg_with(**planner):
    base = Config()
    return base.model_copy(update={"planner": base.planner.model_copy(update=planner)})


def prof_row(sym):
    return next(r for r in sample_profiles().iter_rows(named=True) if r["symbol"] == sym)


def check_plan(result, qty_by_order, cfg):
    t = result.tranches
    assert t.columns == PLAN_COLUMNS
    for oid, qty in qty_by_order.items():
        o = t.filter(pl.col("order_id") == oid).sort("tranche")
        q = o["qty_shares"].to_numpy()
        assert q.sum() == qty  # the plan sums exactly to the order
        assert o["cum_qty_shares"][-1] == qty
        lot = cfg.planner.round_lot_shares
        odd = np.flatnonzero(q % lot)
        assert odd.size <= 1 and (odd.size == 0 or q[odd[0]] % lot == qty % lot)
        assert np.all(q > 0)
        assert list(o["tranche"]) == list(range(1, o.height + 1))
        assert (o["window_start"].diff().drop_nulls() >= dt.timedelta(0)).all()


# ---------------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(
    sym=st.sampled_from(["THNA", "THNB", "THNC", "THND", "THNE"]),
    frac=st.floats(0.001, 0.6),
    odd=st.integers(0, 99),
    side=st.sampled_from([1, -1]),
    schedule=st.sampled_from(["vwap", "twap", "ac", "pov"]),
    cap=st.sampled_from([0.05, 0.1, 0.25]),
    lot=st.sampled_from([1, 100]),
    urgency=st.sampled_from([None, 1e-6, 1e-3]),
)
def test_plan_sums_exactly_and_respects_caps(sym, frac, odd, side, schedule, cap, lot, urgency):
    p = prof_row(sym)
    qty = max(int(frac * p["adv_shares"] // 100 * 100) + odd, 1)
    cfg = cfg_with(round_lot_shares=lot, min_tranche_shares=float(lot), horizon_days=10)
    order = {"order_id": "o", "symbol": sym, "side": side, "qty": qty, "max_participation": cap, "urgency": urgency}
    try:
        r = plan(order, sample_profiles(), None, cfg, start=START, schedule=schedule)
    except OrderError as exc:
        msg = str(exc)
        assert "do not fit" in msg and ("trading days" in msg or "participation cap" in msg)
        return
    check_plan(r, {"o": qty}, cfg)
    t = r.tranches
    # no window above the cap; no day above the daily cap (here the order's max_participation too)
    assert (t["qty_shares"] <= cap * t["expected_volume_shares"] + 1e-6).all()
    day_vol = r.summary()["daily_volume_shares"][0]
    per_day = t.group_by("day").agg(pl.col("qty_shares").sum())
    assert (per_day["qty_shares"] <= cap * day_vol + 1e-6).all()
    s = r.summary().row(0, named=True)
    assert s["cost_p05_bps"] <= s["expected_cost_bps"] <= s["cost_p95_bps"]
    assert s["expected_days"] == t["day"].max() and s["n_tranches"] == t.height


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.integers(1, 3))
def test_orders_in_the_same_name_share_the_caps(n_orders, days):
    p = prof_row("THNA")
    cfg = cfg_with(days=days)
    # together 8% of the volume of the days: each fits alone, together they crowd the same windows
    orders = [{"order_id": f"o{i}", "symbol": "THNA", "side": 1, "qty": int(0.08 * p["adv_shares"] * days / n_orders // 100 * 100)}
              for i in range(n_orders)]
    r = plan(orders, sample_profiles(), None, cfg, start=START)
    t = r.tranches
    check_plan(r, {o["order_id"]: o["qty"] for o in orders}, cfg)
    per_window = t.group_by("window_start").agg(pl.col("qty_shares").sum(), pl.col("expected_volume_shares").first())
    assert (per_window["qty_shares"] <= 0.10 * per_window["expected_volume_shares"] + 1e-6).all()


def test_a_later_order_finds_the_capacity_used():
    p = prof_row("THNA")
    q = int(0.07 * p["adv_shares"] // 100 * 100)
    orders = [{"order_id": "first", "symbol": "THNA", "side": 1, "qty": q},
              {"order_id": "second", "symbol": "THNA", "side": 1, "qty": q}]
    with pytest.raises(OrderError, match="order second: .*already use part of the capacity"):
        plan(orders, sample_profiles(), None, cfg_with(days=1), start=START)
    r = plan(orders, sample_profiles(), None, cfg_with(days=2), start=START)
    assert r.tranches.group_by("order_id").agg(pl.col("qty_shares").sum()).sort("order_id")["qty_shares"].to_list() == [q, q]


# ------------------------------------------------------------------------------------- errors


def test_impossible_order_says_what_would_work():
    p = prof_row("THND")
    qty = 20_000  # two days of THND's volume
    with pytest.raises(OrderError) as info:
        plan({"order_id": "big", "symbol": "THND", "side": -1, "qty": qty}, sample_profiles(), None, Config(), start=START)
    msg = str(info.value)
    assert info.value.exit_code == 1
    m_days = re.search(r"at least (\d+) trading days", msg)
    m_cap = re.search(r"participation cap of ([\d.]+)%", msg)
    assert m_days and m_cap, msg
    n_days, cap = int(m_days.group(1)), float(m_cap.group(1)) / 100
    assert n_days > 5 and 0.1 < cap <= 1.0
    # the remedies work, and they are the smallest that do
    ok = plan({"order_id": "big", "symbol": "THND", "side": -1, "qty": qty}, sample_profiles(), None,
              cfg_with(horizon_days=n_days), start=START)
    assert ok.tranches["qty_shares"].sum() == qty and ok.summary()["expected_days"][0] == n_days
    with pytest.raises(OrderError):
        plan({"order_id": "big", "symbol": "THND", "side": -1, "qty": qty}, sample_profiles(), None,
             cfg_with(horizon_days=n_days - 1), start=START)
    ok = plan({"order_id": "big", "symbol": "THND", "side": -1, "qty": qty, "max_participation": cap}, sample_profiles(),
              None, Config(), start=START)
    assert ok.tranches["qty_shares"].sum() == qty
    with pytest.raises(OrderError):
        plan({"order_id": "big", "symbol": "THND", "side": -1, "qty": qty, "max_participation": cap - 0.002},
             sample_profiles(), None, Config(), start=START)
    assert p["adv_shares"] < qty


@pytest.mark.parametrize(
    "order, match",
    [
        ({"symbol": "THNA", "side": 0, "qty": 100}, "side '0' is neither buy nor sell"),
        ({"symbol": "THNA", "side": 1, "qty": -5}, "qty -5 is not above zero"),
        ({"symbol": "THNA", "side": 1, "qty": 100.5}, "not a whole number"),
        ({"symbol": "THNA", "side": 1, "qty": 100, "max_participation": 1.5}, r"outside \(0, 1\]"),
        ({"symbol": "THNA", "side": 1, "qty": 100, "urgency": -1.0}, "urgency -1 is not a number >= 0"),
    ],
)
def test_bad_orders(order, match):
    with pytest.raises(OrderError, match=match):
        plan(order, sample_profiles(), None, Config(), start=START)


def test_unknown_symbol_is_a_data_error():
    with pytest.raises(NoDataError, match="no liquidity profile for symbol 'NOPE'"):
        plan({"symbol": "NOPE", "side": 1, "qty": 100}, sample_profiles(), None, Config(), start=START)


def test_profile_without_volume():
    p = dict(prof_row("THNA"), adv_shares=0.0, mdv_shares=0.0)
    with pytest.raises(NoDataError, match="no expected volume"):
        plan({"symbol": "THNA", "side": 1, "qty": 100}, pl.DataFrame([p]), None, Config(), start=START)


# ----------------------------------------------------------------------------------- schedules


def _cum(r):
    t = r.tranches
    return t["window_start"].to_list(), t["cum_qty_shares"].to_numpy()


def test_ac_front_loads_and_tends_to_vwap():
    order = {"order_id": "a", "symbol": "THNA", "side": 1, "qty": 12_000}
    cfg = cfg_with(days=3)
    vwap = plan(order, sample_profiles(), None, cfg, start=START, schedule="vwap")
    ac0 = plan(dict(order, urgency=1e-12), sample_profiles(), None, cfg, start=START, schedule="ac")
    ac_hi = plan(dict(order, urgency=1e-4), sample_profiles(), None, cfg, start=START, schedule="ac")
    w_v, c_v = _cum(vwap)
    w_0, c_0 = _cum(ac0)
    assert w_v == w_0 and np.max(np.abs(c_v - c_0)) <= 100  # lambda -> 0: VWAP up to a lot
    # high urgency: ahead of VWAP at every window (caps permitting), more done on day 1
    cv = dict(zip(w_v, c_v))
    w_h, c_h = _cum(ac_hi)
    assert all(c >= cv.get(w, 0) for w, c in zip(w_h, c_h) if w in cv)
    day1 = lambda r: int(r.tranches.filter(pl.col("day") == 1)["qty_shares"].sum())
    assert day1(ac_hi) > day1(vwap)
    assert ac_hi.summary()["timing_risk_bps"][0] < vwap.summary()["timing_risk_bps"][0]
    assert ac_hi.summary()["ac_half_life_days"][0] < ac0.summary()["ac_half_life_days"][0]


def test_twap_vwap_pov_shapes():
    order = {"order_id": "s", "symbol": "THNA", "side": -1, "qty": 5_200}
    cfg = cfg_with(days=1, max_participation_frac=0.5, max_daily_participation_frac=0.5)
    twap = plan(order, sample_profiles(), None, cfg, start=START, schedule="twap").tranches
    assert twap.height == 13 and set(twap["qty_shares"].to_list()) == {400}
    vwap = plan(order, sample_profiles(), None, cfg, start=START, schedule="vwap").tranches
    share = vwap["qty_shares"] / vwap["expected_volume_shares"]
    # a constant share of expected volume, up to the lot rounding (half a lot either way)
    assert share.max() - share.min() <= 100 / vwap["expected_volume_shares"].min() + 1e-9
    pov_cfg = cfg_with(pov_rate_frac=0.12, max_participation_frac=0.5, max_daily_participation_frac=0.5)
    pov = plan(order, sample_profiles(), None, pov_cfg, start=START, schedule="pov").tranches
    part = pov["participation_frac"].to_numpy()
    lot_frac = 100 / pov["expected_volume_shares"].to_numpy()
    assert np.all(part <= 0.12 + 1e-9) and np.all(part[:-1] >= 0.12 - lot_frac[:-1])  # at the rate until done
    assert pov["window_end"].max() < twap["window_end"].max()  # done before the close
    with pytest.raises(OrderError, match="exceeds the participation cap"):
        plan(order, sample_profiles(), None, cfg_with(pov_rate_frac=0.5), start=START, schedule="pov")


def test_days_auto_uses_the_fewest_days():
    p = prof_row("THNB")
    small = plan({"symbol": "THNB", "side": 1, "qty": 1000}, sample_profiles(), None, Config(), start=START)
    assert small.summary()["expected_days"][0] == 1
    big = plan({"symbol": "THNB", "side": 1, "qty": int(0.25 * p["adv_shares"] // 100 * 100)}, sample_profiles(), None,
               Config(), start=START)
    assert big.summary()["expected_days"][0] == 3  # 25% of ADV at 10% a day
    fixed = plan({"symbol": "THNB", "side": 1, "qty": 1000}, sample_profiles(), None, cfg_with(days=4), start=START)
    assert fixed.summary()["expected_days"][0] == 4


def test_order_start_end_and_default_start():
    start = dt.datetime(2025, 4, 1, 15, 0, tzinfo=dt.UTC)  # 11:00 New York
    end = dt.datetime(2025, 4, 2, 16, 0, tzinfo=dt.UTC)
    r = plan({"symbol": "THNA", "side": 1, "qty": 3000, "start": start, "end": end}, sample_profiles(), None, Config())
    t = r.tranches
    assert t["window_start"].min() >= start and t["window_end"].max() <= end
    assert t["qty_shares"].sum() == 3000
    # default: the first session after the profile's as-of date (Friday 2025-03-28 -> Monday)
    d = plan({"symbol": "THNA", "side": 1, "qty": 3000}, sample_profiles(), None, Config())
    assert d.tranches["date"][0] == dt.date(2025, 3, 31)
    assert d.tranches["window_start"][0].hour == 9 and d.tranches["window_start"][0].minute == 30


# -------------------------------------------------------------------------------- limit prices


def test_limit_rules_from_the_fill_model():
    order = {"order_id": "x", "symbol": "THNA", "side": 1, "qty": 6_000}
    fm = sample_fill_models()
    passive = plan(order, sample_profiles(), fm, Config(), start=START)
    cross = plan(order, sample_profiles(), fm, cfg_with(limit_rules=["cross"]), start=START)
    t = passive.tranches
    assert set(t["limit_rule"]) <= {"join", "improve_1", "improve_2", "mid", "cross"}
    assert (t["limit_rule"] != "cross").any()
    # the indicative price against the plan-time quote, first window only (a buy joins at the bid, crosses at the
    # ask); later windows carry their rule, re-pegged to the live quote
    r = t.row(0, named=True)
    if r["limit_rule"] == "join":
        assert r["indicative_price_px"] == pytest.approx(r["ref_bid_px"])
    assert r["ref_bid_px"] <= r["indicative_price_px"] <= r["ref_ask_px"]
    assert t["indicative_price_px"][1:].is_null().all()
    assert (cross.tranches["limit_rule"] == "cross").all()
    assert cross.tranches["indicative_price_px"][0] == cross.tranches["ref_ask_px"][0]
    s_p, s_c = passive.summary().row(0, named=True), cross.summary().row(0, named=True)
    # crossing everything costs the half-spread plus the impact; working passively is expected to be cheaper
    assert s_c["expected_cost_bps"] == pytest.approx(s_c["half_spread_bps"] + s_c["impact_bps"], rel=1e-9)
    assert s_p["expected_cost_bps"] < s_c["expected_cost_bps"]
    assert s_p["expected_cost_bps"] > s_p["impact_bps"] - s_p["half_spread_bps"]  # cannot earn more than the spread
    assert (t["expected_fill_frac"] >= t["fill_prob_frac"] - 1e-12).all()
    assert t["expected_fill_frac"].is_between(0, 1).all()


def test_sell_side_prices_mirror():
    t = plan({"symbol": "THNA", "side": -1, "qty": 3000}, sample_profiles(), sample_fill_models(), Config(), start=START).tranches
    r = t.row(0, named=True)
    assert r["ref_bid_px"] <= r["indicative_price_px"] <= r["ref_ask_px"]
    if r["limit_rule"] == "join":
        assert r["indicative_price_px"] == pytest.approx(r["ref_ask_px"])


def test_unfilled_policy():
    order = {"symbol": "THND", "side": 1, "qty": 3000}
    fm = {"THND": sample_fill_model("THND")}
    carry = plan(order, sample_profiles(), fm, cfg_with(unfilled="carry"), start=START)
    end = plan(order, sample_profiles(), fm, cfg_with(unfilled="cross_at_end"), start=START)
    assert carry.tranches["carry_in_shares"].sum() > 0
    assert (end.tranches["carry_in_shares"] == 0).all()
    passive = end.tranches.filter(pl.col("limit_rule") != "cross")
    unfilled = ((1 - passive["expected_fill_frac"]) * passive["qty_shares"]).sum()
    assert end.summary()["expected_cross_at_end_shares"][0] == pytest.approx(unfilled)
    # carried shares stay within the window caps
    t = carry.tranches
    assert ((t["qty_shares"] + t["carry_in_shares"]) <= 0.10 * t["expected_volume_shares"] + 1e-6).all()


def test_no_fill_model_means_cross_only():
    r = plan({"symbol": "THNC", "side": 1, "qty": 500}, sample_profiles(), None, Config(), start=START)
    assert (r.tranches["limit_rule"] == "cross").all()
    assert any("no fill-probability model" in n for n in r.notes)
    assert r.summary()["fill_model"][0].startswith("none")


def test_order_limit_price_caps_tranches():
    p = prof_row("THNA")
    limit = round(p["price_px"] - 0.02, 2)
    r = plan({"symbol": "THNA", "side": 1, "qty": 2000, "limit_price": limit}, sample_profiles(), None, Config(), start=START)
    assert r.tranches["indicative_price_px"][0] <= limit + 1e-9
    assert (r.tranches["limit_cap_px"] == limit).all() and r.summary()["limit_cap_px"][0] == limit  # every rule is capped
    assert any("capped at the order's limit" in n for n in r.notes)


def test_auction_tranches_when_allowed():
    p = dict(prof_row("THNA"), open_auction_frac=0.04, close_auction_frac=0.12)
    prof = pl.DataFrame([p])
    r = plan({"symbol": "THNA", "side": 1, "qty": 4000}, prof, None, cfg_with(auctions=True, days=1), start=START)
    t = r.tranches
    assert t["limit_rule"][-1] == "auction_close" and t["limit_rule"][0] == "auction_open"
    assert t["indicative_price_px"][-1] is None
    assert t.filter(pl.col("limit_rule") == "auction_close")["qty_shares"][0] <= 0.10 * 0.12 * p["adv_shares"] + 1e-6
    r = plan({"symbol": "THNA", "side": 1, "qty": 4000}, prof, None, cfg_with(days=1), start=START)
    assert not r.tranches["limit_rule"].str.starts_with("auction").any()


def test_both_sides_in_one_name_warns():
    with pytest.warns(DataQualityWarning, match="both sides"):
        r = plan([{"order_id": "b", "symbol": "THNA", "side": 1, "qty": 500},
                  {"order_id": "s", "symbol": "THNA", "side": -1, "qty": 500}], sample_profiles(), None, Config(), start=START)
    assert set(r.summary()["order_id"]) == {"b", "s"}


def test_summary_columns_and_text():
    r = plan({"order_id": "z", "symbol": "THNB", "side": 1, "qty": 2500}, sample_profiles(), sample_fill_models(), Config(),
             start=START)
    assert r.summary().columns == SUMMARY_COLUMNS
    s = r.summary().row(0, named=True)
    assert s["risk_bps"] == pytest.approx(math.hypot(s["timing_risk_bps"], s["fill_risk_bps"]))
    # the order's cost is its tranches' contributions against arrival: spread + impact along the path + fees
    assert s["expected_cost_bps"] == pytest.approx(s["spread_cost_bps"] + s["impact_bps"] + s["fees_bps"], rel=1e-9)
    t = r.tranches
    assert t["shortfall_contribution_bps"].sum() == pytest.approx(s["expected_cost_bps"], rel=1e-9)
    assert (t["cost_vs_arrival_bps"] - t["cost_vs_window_mid_bps"] - t["mid_move_bps"]).abs().max() < 1e-9
    assert s["cost_low_bps"] <= s["expected_cost_bps"] <= s["cost_high_bps"] and s["impact_model"] == "sqrt"
    f = prof_row("THNB")["volatility_daily_frac"] * math.sqrt(2500 / prof_row("THNB")["adv_shares"]) * 1e4
    assert 0.8 * f * 0.5 < s["impact_bps"] < 0.8 * f * 2.2  # the size law with its participation factor
    assert "z: buy 2,500 THNB" in r.summary_text()
    assert set(r.tables()) == {"plan", "summary"}


def test_basket_reports_the_orders_it_cannot_plan():
    orders = [{"order_id": "ok", "symbol": "THNA", "side": 1, "qty": 2000},
              {"order_id": "huge", "symbol": "THNE", "side": 1, "qty": 50_000},
              {"order_id": "ghost", "symbol": "NOPE", "side": 1, "qty": 10}]
    r = plan(orders, sample_profiles(), None, Config(), start=START, errors="report")
    status = dict(zip(r.summary()["order_id"], r.summary()["status"]))
    assert status["ok"] == "planned" and "do not fit" in status["huge"] and "no liquidity profile" in status["ghost"]
    assert set(r.tranches["order_id"]) == {"ok"}
    assert "huge: not planned" in r.summary_text()
    # the order without a profile is refused (a problem: the run is partial); the one that does not fit is an outcome
    assert [p.where for p in r.problems] == ["orders row 3 (order ghost)"] and r.partial
    with pytest.raises(OrderError):
        plan(orders, sample_profiles(), None, Config(), start=START)
    with pytest.raises(ValueError):
        plan(orders, sample_profiles(), None, Config(), start=START, errors="ignore")
