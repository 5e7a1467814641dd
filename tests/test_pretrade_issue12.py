"""Issue 12, one test per reproduction of the cost side: costs a trader can act on.

Sample names come from the committed sample; HMNF and SGRP from the real daily bars of
``../shared/data/daily_us_stocks`` (skipped when absent, required when ``CI=true``).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from conftest import ROOT, require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

import liqcost as lc
from liqcost.app.inputs import Liquidity
from liqcost.cli import cli
from liqcost.config import Config, load_config
from liqcost.pretrade import pretrade

DS = ROOT / "sample_data" / "dataset"
MAPS = ROOT / "configs" / "mappings"
ASOF = dt.date(2025, 3, 28)


@pytest.fixture(scope="module")
def sample_profiles():
    return Liquidity.from_inputs(Config(), data=DS).profiles(["THNA", "THNB", "THNC", "THND", "THNE"])[0]


@pytest.fixture(scope="module")
def daily_ds(tmp_path_factory):
    src = require_shared("daily_us_stocks", "stocks_daily_sample700.parquet")
    tmp = tmp_path_factory.mktemp("issue12_daily")
    d = pl.read_parquet(src).filter(pl.col("ticker").is_in(["HMNF", "SGRP"]))
    files = []
    for t in ("HMNF", "SGRP"):
        f = tmp / f"{t.lower()}.us.txt"
        d.filter(pl.col("ticker") == t).select(pl.col("Date").dt.strftime("%Y-%m-%d"), "Open", "High", "Low", "Close", "Volume",
                                               pl.lit(0).alias("OpenInt")).write_csv(f)
        files.append(str(f))
    res = CliRunner().invoke(cli, ["-q", "ingest", "--kind", "bars", "--mapping", str(MAPS / "daily_csv.yaml"), *files, "-o",
                                   str(tmp / "ds")])
    assert res.exit_code == 0, res.output
    return tmp / "ds"


def _profile(**kw):
    """A hand-made profile: ADV 200,000, 4 % volatility, 50 bps spread, $10, 20 M shares, flat volume."""
    base = {"symbol": "XYZ", "asof_date": ASOF, "lookback_days": 20, "source": "ticks", "price_px": 10.0,
            "adv_shares": 200_000.0, "mdv_shares": 200_000.0, "adv_usd": 2e6, "zero_volume_days": 0,
            "daily_volume_shares": [200_000.0] * 20, "spread_bps": 50.0, "volatility_daily_frac": 0.04,
            "shares_outstanding": 2e7, "market_cap_usd": 2e8}
    base.update(kw)
    return pl.DataFrame([base], schema_overrides={"daily_volume_shares": pl.List(pl.Float64)})


# ---------------------------------------------------------------------- working never cheaper than crossing
def test_working_an_order_costs_less_than_crossing_it(sample_profiles):
    # THNB buy 8,000: 144.78 bps over 3 days at a 10 % cap vs 144.84 bps in one day at 29 % (before)
    slow = lc.plan(symbol="THNB", side="buy", qty=8000, data=DS).summary().row(0, named=True)
    fast = lc.plan(symbol="THNB", side="buy", qty=8000, data=DS, days=1, max_participation=0.3).summary().row(0, named=True)
    assert slow["expected_days"] == 3 and fast["expected_days"] == 1
    assert fast["impact_bps"] > slow["impact_bps"] + 25  # a day at 30 % pays for its speed
    assert fast["expected_cost_bps"] > slow["expected_cost_bps"] + 25
    assert slow["cross_now_cost_bps"] > fast["expected_cost_bps"] > slow["expected_cost_bps"]


def test_urgency_moves_the_plan(sample_profiles):
    # Almgren-Chriss urgency from 1e-6 to 1e-2 moved the cost by about 1 bp (before)
    s = {}
    for u in (1e-6, 1e-2):
        s[u] = lc.plan(symbol="THNB", side="buy", qty=8000, data=DS, schedule="ac", urgency=u, max_participation=0.5,
                       days=5).summary().row(0, named=True)
    assert s[1e-2]["expected_cost_bps"] > s[1e-6]["expected_cost_bps"] + 50  # trading faster costs more
    assert s[1e-2]["timing_risk_bps"] < 0.5 * s[1e-6]["timing_risk_bps"]  # and risks less


@pytest.mark.realdata
def test_hmnf_plan_is_cheaper_than_crossing_now(daily_ds):
    # HMNF at 115 % of ADV: a 14-day plan cost 255.63 bps, the same as "crossing now" (before)
    r = lc.plan(symbol="HMNF", side="buy", qty=3000, data=daily_ds, horizon_days=20)
    s = r.summary().row(0, named=True)
    assert s["expected_days"] > 10
    assert s["cross_now_cost_bps"] > s["expected_cost_bps"] + 100
    assert s["cross_now_source"] == "model"  # bars only: the models' instantaneous limit, no book to walk
    t = r.tranches
    assert (t["limit_rule"] == "cross").all()
    # crossing at 18.46 for 14 days (before): a price for the first window only, the rule elsewhere
    assert t["indicative_price_px"][0] is not None and t["indicative_price_px"][1:].is_null().all()
    # the plan's own impact expects the mid against us later on: it is the mid move, apart from the tranche's cost
    move = t.group_by("day").agg(pl.col("mid_move_bps").mean()).sort("day")["mid_move_bps"].to_numpy()
    assert move[0] < move[2] and np.all(np.diff(move) > 0)
    assert (t["cost_vs_arrival_bps"] > t["cost_vs_window_mid_bps"]).sum() == t.height - 1


# ------------------------------------------------------------------------------------------ crossing now
def test_cross_now_prices_an_immediate_trade(sample_profiles):
    # with I-Star central, cross_now_cost_bps showed 125.2 bps for THNB (half-spread + the 3-day impact); an immediate
    # I-Star is the whole I* (POV = 1), and the book is worse still
    cfg = load_config(overrides={"impact.central": "istar"})
    o = pretrade(pl.DataFrame([{"symbol": "THNB", "side": "buy", "qty": 8000}]), sample_profiles, cfg).orders.row(0, named=True)
    p = sample_profiles.filter(pl.col("symbol") == "THNB").row(0, named=True)
    # THNB is a micro cap: I-Star's small-cap set a1 702, a2 0.47, a3 0.69
    istar = 702 * (8000 / p["adv_shares"]) ** 0.47 * (p["volatility_daily_frac"] * math.sqrt(250)) ** 0.69
    assert 200 < istar < 350 and o["cost_central_bps"] < 150
    assert o["cross_now_cost_bps"] >= istar + o["half_spread_bps"]
    assert o["cross_now_source"] == "book"
    # without a depth at the touch (bars only) the models' instantaneous limit prices it: I* and the half-spread
    bars = sample_profiles.filter(pl.col("symbol") == "THNB").with_columns(pl.lit(None, pl.Float64).alias("quoted_depth_shares"))
    b = pretrade(pl.DataFrame([{"symbol": "THNB", "side": "buy", "qty": 8000}]), bars, cfg).orders.row(0, named=True)
    assert b["cross_now_source"] == "model"
    # within pretrade.immediate_minutes (5 of the session's 390): p = x / (5/390), POV = p / (1 + p)
    p_now = 8000 / p["adv_shares"] / (5 / 390)
    want = istar * (0.98 * math.sqrt(p_now / (1 + p_now)) + 0.02) + b["half_spread_bps"]
    assert b["cross_now_cost_bps"] == pytest.approx(want, rel=1e-9)


def test_cross_now_is_never_below_working_the_order():
    # a deep book (100,000 shares at the touch) would make a sweep look cheap: it is floored at the fastest plan
    o = pretrade(pl.DataFrame([{"symbol": "XYZ", "side": "buy", "qty": 100_000}]),
                 _profile(quoted_depth_shares=1e6, quoted_spread_bps=50.0), Config(), frontier=True)
    row = o.orders.row(0, named=True)
    one_day = o.frontier.filter(pl.col("horizon_days") == 1.0)["expected_cost_bps"][0]
    assert row["cross_now_source"] == "worked" and row["cross_now_cost_bps"] == pytest.approx(one_day)


# --------------------------------------------------------------------------------------------- labels
def test_two_bands_two_names(sample_profiles):
    # pretrade's 98-291 bps (model disagreement) and plan's -423 to +712 (expected +- 1.645 timing risk) were both "bands"
    o = pretrade(pl.DataFrame([{"symbol": "THNB", "side": "buy", "qty": 8000}]), sample_profiles, Config()).orders.row(0, named=True)
    assert o["cost_low_bps"] < o["cost_central_bps"] < o["cost_high_bps"]
    assert o["cost_p05_bps"] == pytest.approx(o["cost_central_bps"] - 1.6448536 * o["timing_risk_bps"])
    s = lc.plan(symbol="THNB", side="buy", qty=8000, data=DS).summary().row(0, named=True)
    assert s["cost_low_bps"] < s["expected_cost_bps"] < s["cost_high_bps"]
    assert s["cost_p05_bps"] == pytest.approx(s["expected_cost_bps"] - 1.6448536 * s["risk_bps"])
    from liqcost.schema import PLAN_SUMMARY, PRETRADE_ORDERS

    for contract in (PRETRADE_ORDERS, PLAN_SUMMARY):
        assert "model band" in contract.column("cost_low_bps").doc.lower()
        assert "risk band" in contract.column("cost_p05_bps").doc.lower()


def test_tranche_costs_are_labelled_by_their_reference_price():
    # per-tranche expected_cost_bps climbed 36.5 -> 229.4 bps: the impact was the order's footprint vs arrival
    # while the spread used the tranche's own mid, unlabelled (before)
    r = lc.plan(symbol="THNB", side="buy", qty=8000, data=DS)
    t, s = r.tranches, r.summary().row(0, named=True)
    assert (t["cost_vs_arrival_bps"] - t["mid_move_bps"] - t["cost_vs_window_mid_bps"]).abs().max() < 1e-9
    assert (t["cost_vs_window_mid_bps"] - t["spread_cost_bps"] - t["impact_bps"] - t["fees_bps"]).abs().max() < 1e-9
    assert t["shortfall_contribution_bps"].sum() == pytest.approx(s["expected_cost_bps"], rel=1e-9)
    assert np.all(np.diff(t["mid_move_bps"].to_numpy()) > 0)  # the earlier tranches' footprint
    # against arrival the last tranche pays much more than the first; against its own window's mid about the same
    arr, own = t["cost_vs_arrival_bps"].to_numpy(), t["cost_vs_window_mid_bps"].to_numpy()
    assert arr[-1] - arr[0] > 80 and abs(own[-1] - own[0]) < 30
    # limit prices: all 18 tranches over 3 days showed today's 3.88 (before)
    assert t.height == 18 and t["indicative_price_px"][0] == pytest.approx(3.88)
    assert t["indicative_price_px"][1:].is_null().all() and t["limit_rule"].is_not_null().all()
    assert t["limit_cap_px"].is_null().all()  # no limit on the order
    assert (t["fill_prob_frac"] > 0).all()  # stated for the tranche's rule


# ------------------------------------------------------------------------------------------- days
def test_stressed_days_never_below_expected_days(sample_profiles):
    # THNB 2.97 vs 3.06; META007 0.67 vs 1.24 (before)
    book = pretrade(lc.app.inputs.read_orders(ROOT / "sample_data" / "orders.csv", Config()), sample_profiles, Config()).orders
    assert (book["days_stressed"] >= book["expected_days"]).all()
    single = pretrade(pl.DataFrame([{"symbol": "THNB", "side": "buy", "qty": 8000}]), sample_profiles, Config()).orders
    assert single["days_stressed"][0] >= single["expected_days"][0]


@settings(max_examples=25, deadline=None)
@given(vols=st.lists(st.one_of(st.just(0.0), st.floats(10.0, 1e6)), min_size=3, max_size=40), q=st.floats(100.0, 1e6))
def test_stressed_days_property(vols, q):
    if sum(vols) <= 0:
        return
    v = np.array(vols)
    prof = _profile(daily_volume_shares=list(v), adv_shares=float(v.mean()), mdv_shares=float(np.median(v)),
                    zero_volume_days=int((v == 0).sum()), lookback_days=len(vols))
    o = pretrade(pl.DataFrame([{"symbol": "XYZ", "side": "sell", "qty": round(q)}]), prof, Config()).orders.row(0, named=True)
    assert o["days_stressed"] >= o["expected_days"] - 1e-12


# ----------------------------------------------------------------------------------- huge orders, ceiling
@pytest.mark.realdata
def test_huge_orders_are_flagged_not_worked_for_years(daily_ds):
    # SGRP $500k sell showed a high of 39,131 bps (391 % of notional) with no warning; 7-110x ADV orders were told
    # to work it for years (before)
    r = lc.pretrade(symbol="SGRP", side="sell", notional=500_000, data=daily_ds)
    o = r.orders.row(0, named=True)
    codes = dict(zip(r.flags["flag"], r.flags["severity"]))
    assert codes["cost_exceeds_notional"] == "critical" and o["cost_high_bps"] > 1e4
    assert codes["outside_model_range"] == "warn"
    assert codes["block_trade_candidate"] == "warn"
    msg = r.flags.filter(pl.col("flag") == "block_trade_candidate")["message"][0]
    assert f"about {round(o['days_at_cap'])} trading days" in msg and "block or negotiated trade" in msg
    assert o["order_adv_frac"] > 7 and math.isnan(o["recommended_days"])  # no "work it for years" recommendation


def test_model_range_and_block_flags_by_hand():
    cfg = Config()
    orders = pl.DataFrame({"order_id": ["in", "big", "block"], "symbol": ["XYZ"] * 3, "side": ["buy"] * 3,
                           "qty": [60_000.0, 100_000.0, 500_000.0]})
    r = pretrade(orders, _profile(), cfg)
    flags = {(f["order_id"], f["flag"]) for f in r.flags.iter_rows(named=True)}
    assert ("in", "outside_model_range") not in flags  # 30 % of ADV: inside the published 40 %
    assert ("big", "outside_model_range") in flags and ("big", "block_trade_candidate") not in flags  # 50 %
    assert ("block", "block_trade_candidate") in flags  # 2.5x ADV: 25 days at 10 %
    assert r.orders.filter(pl.col("order_id") == "block")["days_at_cap"][0] == pytest.approx(25.0)
    # a calibrated parameter file's range moves the flag
    wide = pretrade(orders, _profile(), cfg, params=_params(max_order_adv_frac=0.6))
    assert not any(f == ("big", "outside_model_range") for f in
                   ((g["order_id"], g["flag"]) for g in wide.flags.iter_rows(named=True)))


def _params(**valid_range):
    from liqcost.models.params import ImpactParams, default_params

    d = default_params().to_dict()
    d["valid_range"].update(valid_range)
    return ImpactParams.from_dict(d, "test")


# ------------------------------------------------------------------------------------------------ fees
def test_fees_on_a_one_dollar_stock():
    # no fees (before): on a $1 stock 1-3 cents a share is 100-300 bps
    prof = _profile(price_px=1.0, spread_bps=200.0)
    for cents in (1, 3):
        cfg = load_config(overrides={"fees.commission_per_share_usd": cents / 100})
        o = pretrade(pl.DataFrame([{"symbol": "XYZ", "side": "buy", "qty": 20_000}]), prof, cfg, frontier=True)
        row = o.orders.row(0, named=True)
        assert row["fees_bps"] == pytest.approx(100.0 * cents) and row["commission_usd"] == pytest.approx(200.0 * cents)
        assert row["cost_central_bps"] == pytest.approx(row["half_spread_bps"] + row["impact_bps"] + row["fees_bps"])
        assert row["cost_low_bps"] > row["fees_bps"]  # fees are certain: in every end of the band
        assert (o.frontier["fees_bps"] == row["fees_bps"]).all() and row["cross_now_cost_bps"] > row["fees_bps"]
        models = o.models
        assert (models["fees_bps"] == row["fees_bps"]).all()
    # a sell pays the SEC fee and the FINRA TAF too; a buy does not
    cfg = load_config(overrides={"fees.sec_fee_per_million_usd": 27.8})
    both = pretrade(pl.DataFrame({"order_id": ["b", "s"], "symbol": ["XYZ"] * 2, "side": ["buy", "sell"], "qty": [20_000] * 2}),
                    prof, cfg).orders
    b, s = both.row(0, named=True), both.row(1, named=True)
    assert b["fees_usd"] == 0 and b["sec_fee_usd"] == 0
    assert s["sec_fee_usd"] == pytest.approx(27.8e-6 * 20_000) and s["taf_usd"] == pytest.approx(0.000166 * 20_000)
    assert s["fees_bps"] == pytest.approx((s["sec_fee_usd"] + s["taf_usd"]) / 20_000 * 1e4)


def test_profile_input_uncertainty_widens_the_band():
    base = pretrade(pl.DataFrame([{"symbol": "XYZ", "side": "buy", "qty": 20_000}]), _profile(), Config()).orders.row(0, named=True)
    wide = pretrade(pl.DataFrame([{"symbol": "XYZ", "side": "buy", "qty": 20_000}]), _profile(input_uncertainty_frac=0.8),
                    Config()).orders.row(0, named=True)
    assert wide["cost_central_bps"] == pytest.approx(base["cost_central_bps"])
    assert wide["cost_low_bps"] < base["cost_low_bps"] and wide["cost_high_bps"] > base["cost_high_bps"]


def test_docs_define_every_output_column():
    from liqcost.schema import FRONTIER, PLAN_SUMMARY, PRETRADE_ORDERS, TRANCHES

    text = (Path(ROOT) / "docs" / "costs.md").read_text()
    for contract in (PRETRADE_ORDERS, FRONTIER, TRANCHES, PLAN_SUMMARY):
        for name in contract.names:
            assert f"`{name}`" in text, (contract.kind, name)
