"""What finishing faster costs, on the committed sample (issue 12, "must show").

THNB buy 8,000 (25 % of a day's volume): over 1, 2, 3, 5 and 10 days the expected impact falls and the
timing risk rises; crossing now costs at least the 1-day cost; the recommended point moves with the urgency;
and the same through ``plan --frontier`` and the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.app.inputs import Liquidity
from liqcost.cli import cli
from liqcost.config import Config, load_config
from liqcost.pretrade import pretrade

ROOT = Path(__file__).resolve().parents[1]
DS = ROOT / "sample_data" / "dataset"
THNB = {"order_id": "b", "symbol": "THNB", "side": "buy", "qty": 8000}


@pytest.fixture(scope="module")
def profiles():
    return Liquidity.from_inputs(Config(), data=DS).profiles(["THNA", "THNB", "THNC", "THND", "THNE"])[0]


def _price(profiles, urgency=None, **cfg):
    order = dict(THNB) if urgency is None else dict(THNB, urgency=urgency)
    return pretrade(pl.DataFrame([order]), profiles, load_config(overrides=cfg) if cfg else Config(), frontier=True)


def test_impact_falls_and_risk_rises_with_the_horizon(profiles):
    r = _price(profiles)
    f = r.frontier.filter(pl.col("point") == "grid").sort("horizon_days")
    assert f["horizon_days"].to_list() == [1.0, 2.0, 3.0, 5.0, 10.0]
    for col in ("impact_bps", "expected_cost_bps", "cost_low_bps", "cost_high_bps"):
        assert np.all(np.diff(f[col].to_numpy()) < 0), col
    assert np.all(np.diff(f["timing_risk_bps"].to_numpy()) > 0)
    # a 1-day execution is a quarter of the day's volume: beyond the 10 % cap; 3 days and longer are within
    assert f["within_cap"].to_list() == [False, False, True, True, True]
    o = r.orders.row(0, named=True)
    one_day = f["expected_cost_bps"][0]
    # crossing now (the visible book walked) costs at least working the order over one day
    assert o["cross_now_cost_bps"] >= one_day
    assert o["cross_now_source"] == "book" and o["cross_now_cost_bps"] > 1.5 * one_day
    # the band is a model band, the percentiles a risk band: different names, different widths
    assert o["cost_low_bps"] < o["cost_central_bps"] < o["cost_high_bps"]
    assert o["cost_p05_bps"] < o["cost_low_bps"] and o["cost_p95_bps"] > o["cost_high_bps"]


def test_the_recommended_point_follows_the_urgency(profiles):
    picked = {}
    for u in (0.0, 3e-5, 1e-2):
        r = _price(profiles, urgency=u)
        f = r.frontier
        assert f["recommended"].sum() == 1
        rec = f.filter(pl.col("recommended")).row(0, named=True)
        assert rec["within_cap"]
        # the recommendation minimises cost + urgency x variance over the points within the cap
        ok = f.filter(pl.col("within_cap"))
        money = 8000 * r.orders["price_px"][0] * 1e-4
        obj = ok["expected_cost_bps"] * money + u * (ok["timing_risk_bps"] * money) ** 2
        assert rec["objective_usd"] == pytest.approx(obj.min())
        picked[u] = rec["horizon_days"]
        assert r.orders["recommended_days"][0] == picked[u]
    assert picked[0.0] == 10.0  # risk-neutral: the cheapest horizon
    assert picked[1e-2] < picked[3e-5] < picked[0.0]  # more urgent: sooner
    assert picked[1e-2] == pytest.approx(8000 / (0.1 * r.orders["adv_shares"][0]))  # as fast as the cap allows


def test_plan_frontier_follows_the_urgency():
    import liqcost as lc

    recs = {}
    for u in (0.0, 1e-2):
        r = lc.plan(symbol="THNB", side="buy", qty=8000, data=DS, max_participation=0.5, urgency=u, frontier=True)
        f = r.frontier.sort("horizon_days")
        planned = f.filter(pl.col("status") == "planned")
        assert planned.height == 5
        assert np.all(np.diff(planned["impact_bps"].to_numpy()) < 0)
        assert np.all(np.diff(planned["timing_risk_bps"].to_numpy()) > 0)
        assert (planned["expected_days"].to_numpy() <= planned["horizon_days"].to_numpy()).all()
        recs[u] = f.filter(pl.col("recommended"))["horizon_days"][0]
    assert recs[0.0] == 10.0 and recs[1e-2] < recs[0.0]


def test_frontier_through_the_command_line():
    args = ["-q", "--format", "json", "pretrade", "--data", str(DS), "--symbol", "THNB", "--side", "buy", "--qty", "8000",
            "--frontier", "--urgency", "1e-4"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    tables = json.loads(res.output)["tables"]
    assert set(tables) >= {"order", "frontier"}
    rec = [r for r in tables["frontier"] if r["recommended"]]
    assert len(rec) == 1 and tables["order"][0]["recommended_days"] == rec[0]["horizon_days"]
    res = CliRunner().invoke(cli, ["-q", "plan", "--data", str(DS), "--symbol", "THNB", "--side", "buy", "--qty", "8000",
                                   "--frontier", "--table", "summary"])
    assert res.exit_code == 0, res.output
    assert "frontier" in res.output and "recommended" in res.output and "beyond the caps" in res.output
