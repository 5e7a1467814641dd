"""Limit prices and the rule choice: prices match the kernel's rules, the choice follows expected cost."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_planner_support import sample_fill_model, sample_profiles

from liqcost.config import Config
from liqcost.kernels.fills import limit_ticks
from liqcost.planner.costs import _impact_bps, half_spread_bps, path_costs
from liqcost.planner.limits import (
    choose_rules,
    limit_ticks_np,
    reference_quote,
    rule_code,
    rule_price,
    tick_for,
)
from liqcost.planner.plan import plan


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([1, -1]), st.integers(100, 5000), st.integers(0, 40),
       st.sampled_from(["join", "improve_1", "improve_2", "improve_3", "mid"]))
def test_vectorized_rule_prices_match_the_kernel(side, bid_t, spread, rule):
    ask_t = bid_t + spread
    want = limit_ticks(side, bid_t, ask_t, rule_code(rule))
    assert int(limit_ticks_np(side, bid_t, ask_t, rule_code(rule))) == want
    # cross takes the far side
    assert int(limit_ticks_np(side, bid_t, ask_t, rule_code("cross"))) == (ask_t if side > 0 else bid_t)


def test_rule_prices_by_hand():
    assert rule_price("join", 1, 4.82, 4.87, 0.01) == pytest.approx(4.82)
    assert rule_price("improve_2", 1, 4.82, 4.87, 0.01) == pytest.approx(4.84)
    assert rule_price("mid", 1, 4.82, 4.87, 0.01) == pytest.approx(4.84)  # 4.845 rounded to the passive side
    assert rule_price("mid", -1, 4.82, 4.87, 0.01) == pytest.approx(4.85)
    assert rule_price("cross", -1, 4.82, 4.87, 0.01) == pytest.approx(4.82)
    with pytest.raises(ValueError, match="unknown limit rule"):
        rule_code("peg")


def test_reference_quote_and_ticks():
    cfg = Config()
    assert tick_for(0.5, cfg) == 0.0001 and tick_for(5.0, cfg) == 0.01
    bid, ask, tick = reference_quote({"price_px": 10.0, "quoted_spread_bps": 30.0}, cfg)
    assert tick == 0.01 and bid == pytest.approx(9.99) and ask == pytest.approx(10.02)  # 30 bps of $10 = 3 ticks
    bid, ask, _ = reference_quote({"price_px": 10.0, "spread_bps": 1.0}, cfg)
    assert ask - bid == pytest.approx(0.01)  # at least one tick
    assert reference_quote({"price_px": 10.0}, cfg, (9.9, 10.1))[:2] == (9.9, 10.1)
    assert half_spread_bps({"spread_bps": 40.0}) == 20.0 and np.isnan(half_spread_bps({}))


def test_impact_from_the_impact_models(tmp_path):
    from liqcost.config import load_config
    from liqcost.models.impact import Almgren2005Model, Order, Profile, Schedule

    cfg = Config()
    prof = {"symbol": "ABC", "price_px": 5.0, "volatility_daily_frac": 0.03, "adv_shares": 40_000.0, "mdv_shares": 10_000.0}
    # the central model over 2 days at the planner's volume basis: F = 0.8 * 0.03 * sqrt(10,000 / 40,000) = 120 bps,
    # half of it permanent, half temporary times the POV factor: p = 0.125, POV = 1/9, factor sqrt((1/9)/(1/11))
    factor = np.sqrt(11 / 9)
    assert _impact_bps(10_000, prof, 2.0, cfg) == pytest.approx(60.0 + 60.0 * factor)
    # at the median daily volume (10,000): F = 240 bps, p = 0.5, POV = 1/3
    mdv_cfg = cfg.model_copy(update={"planner": cfg.planner.model_copy(update={"volume_basis": "mdv"})})
    assert _impact_bps(10_000, prof, 2.0, mdv_cfg) == pytest.approx(120.0 + 120.0 * np.sqrt(11 / 3))
    assert _impact_bps(0, prof, 1.0, cfg) == 0.0 and np.isnan(_impact_bps(10, {"adv_shares": 1.0}, 1.0, cfg))
    # a parameter file with a per-symbol override reaches the planner
    pfile = tmp_path / "p.yaml"
    pfile.write_text("overrides:\n  - {symbol: ABC, sqrt: {y: 0.4}}\n")
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(f"impact: {{params_file: {pfile}}}\n")
    assert _impact_bps(10_000, prof, 2.0, load_config(cfg_file)) == pytest.approx((60.0 + 60.0 * factor) / 2)
    # every model is rate-dependent: the plan's duration matters
    alm = cfg.model_copy(update={"impact": cfg.impact.model_copy(update={"central": "almgren2005"})})
    want = Almgren2005Model().cost_bps(Order(10_000.0), Profile(5.0, 40_000.0, 0.03, 0.0), Schedule(duration_days=2.0))
    assert _impact_bps(10_000, prof, 2.0, alm) == pytest.approx(float(want.impact_bps[0]))
    for c in (cfg, alm):
        assert _impact_bps(10_000, prof, 0.5, c) > _impact_bps(10_000, prof, 2.0, c) > _impact_bps(10_000, prof, 8.0, c)


def test_path_costs_split_the_order_cost_by_reference_price():
    import polars as pl

    cfg = Config()
    prof = pl.DataFrame([{"symbol": "ABC", "price_px": 5.0, "volatility_daily_frac": 0.03, "adv_shares": 40_000.0,
                          "mdv_shares": 40_000.0, "lookback_days": 20, "source": "ticks"}])
    q = np.array([2500.0, 2500.0, 2500.0, 2500.0])
    pc = path_costs([10_000], [1], prof, [0, 4], q, np.full(4, 0.125), [2.0], [-3.0], cfg)
    # share-weighted, the tranches pay the central model's cost of the order at that rate, split into the
    # window's mid moving against us (the earlier tranches' permanent impact) and their own impact
    total = (q / q.sum() * (pc.mid_move_bps + pc.impact_bps)).sum()
    assert total == pytest.approx(_impact_bps(10_000, prof.row(0, named=True), 2.0, cfg), rel=1e-12)
    assert pc.impact_total_bps[0] == pytest.approx(total)
    assert pc.mid_move_bps[0] == 0 and np.all(np.diff(pc.mid_move_bps) > 0)
    # buys pay no regulatory fee, no commission by default; the band holds the central cost
    assert pc.fees_total_bps[0] == 0 and pc.fees_usd[0] == 0
    assert pc.low_bps[0] <= total - 3.0 <= pc.high_bps[0] and pc.model[0] == "sqrt"
    # a sell pays the SEC fee and the TAF, per tranche
    fee_cfg = cfg.model_copy(update={"fees": cfg.fees.model_copy(update={"sec_fee_per_million_usd": 27.8})})
    sell = path_costs([10_000], [-1], prof, [0, 4], q, np.full(4, 0.125), [2.0], [0.0], fee_cfg)
    want = 27.8e-6 * 50_000 + 0.000166 * 10_000
    assert sell.fees_usd[0] == pytest.approx(want) and sell.fees_total_bps[0] == pytest.approx(want / 50_000 * 1e4)
    assert sell.fees_bps == pytest.approx([want / 50_000 * 1e4] * 4)


def test_choice_follows_expected_cost():
    fm = sample_fill_model("THNA")
    K = 3
    q = np.array([300.0, 300.0, 300.0])
    vol = np.array([4000.0, 4000.0, 4000.0])
    w = np.full(K, 1800.0)
    tod = np.array(["midday"] * K, dtype=object)
    auc = np.array([""] * K, dtype=object)
    imp = np.zeros(K)
    room = np.full(K, 1000.0)
    out = choose_rules(["join", "improve_1", "mid", "cross"], q, vol, w, tod, auc, imp, 20.0, fm, "cross_at_end", room)
    assert set(out["rule"]) <= {"join", "improve_1", "mid"}  # passive beats paying 20 bps here
    for k, r in enumerate(out["rule"]):
        st = fm.tranche_stats(r, [1800.0], [300 / 4000], ["midday"])
        want = st["fill_frac"][0] * st["fill_cost_bps"][0] + (1 - st["fill_frac"][0]) * (st["drift_unfilled_bps"][0] + 20.0)
        assert out["spread_part_bps"][k] == pytest.approx(want)
        # no other rule is cheaper
        for other in ("join", "improve_1", "mid"):
            o = fm.tranche_stats(other, [1800.0], [300 / 4000], ["midday"])
            c = o["fill_frac"][0] * o["fill_cost_bps"][0] + (1 - o["fill_frac"][0]) * (o["drift_unfilled_bps"][0] + 20.0)
            assert out["spread_part_bps"][k] <= c + 1e-9
    # a tiny half-spread makes crossing the cheapest
    cheap = choose_rules(["join", "cross"], q, vol, w, tod, auc, imp, 0.01, fm, "cross_at_end", room)
    assert list(cheap["rule"]) == ["cross"] * K
    assert cheap["spread_part_bps"] == pytest.approx(np.full(K, 0.01))


def test_carry_moves_unfilled_shares_forward_within_room():
    fm = sample_fill_model("THND")
    q = np.array([200.0, 200.0, 200.0])
    vol = np.array([2000.0, 2000.0, 2000.0])
    w = np.full(3, 3600.0)
    tod = np.array(["midday"] * 3, dtype=object)
    out = choose_rules(["join"], q, vol, w, tod, np.array([""] * 3, dtype=object), np.zeros(3), 150.0, fm, "carry",
                       np.array([0.0, 50.0, 1e6]))
    assert out["carry_in"][0] == 0 and out["carry_in"][1] == pytest.approx(50.0)  # capped by the window's room
    # shares never vanish: executed + left at the end == planned
    assert out["executed"].sum() + out["crossed_at_end"] == pytest.approx(q.sum())


def test_plan_prices_are_on_the_tick_grid():
    r = plan({"symbol": "THND", "side": 1, "qty": 1200}, sample_profiles(), {"THND": sample_fill_model("THND")}, Config(),
             start=dt.date(2025, 3, 31))
    px = r.tranches["indicative_price_px"].drop_nulls().to_numpy()
    assert px.size == 1
    assert np.allclose(np.round(px / 0.01), px / 0.01)
