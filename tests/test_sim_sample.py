"""The replay on the committed sample: passive against aggressive plans, the generator's metaorders
replayed with and without own impact against the generator's truth, and the planner's predicted cost
against the replayed distribution over start days (plans built with the planner as the README shows)."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest

from liqcost.config import Config
from liqcost.io.dataset import Dataset
from liqcost.measures.build import build_from_dataset
from liqcost.measures.profile import liquidity_profile
from liqcost.app.inputs import fill_models
from liqcost.planner.plan import plan
from liqcost.sim.replay import replay
from liqcost.sim.tape import Tape
from liqcost.sim.variants import plan_variants, replay_days

SYMS = ["THNA", "THNB", "THNC"]


@pytest.fixture(scope="module")
def env(sample_data):
    cfg = Config()
    data = Dataset(sample_data / "dataset")
    built = build_from_dataset(data, cfg)  # every symbol, all 20 days (the metaorders' impact)
    tapes = {s: Tape.from_dataset(data, s, config=cfg) for s in built.profile["symbol"].to_list()}
    days = data.dates("quotes", "THNA")
    return {"cfg": cfg, "data": data, "built": built, "tapes": tapes, "days": days, "cache": {}}


def _inputs(env, start):
    """Profile and fill models with the information before ``start`` (the previous trading day)."""
    prev = env["days"][env["days"].index(start) - 1]
    if prev not in env["cache"]:
        prof = liquidity_profile(env["built"].daily, env["cfg"], asof=prev)
        fm = fill_models(env["data"], SYMS, env["cfg"], asof=prev)
        env["cache"][prev] = (prof, fm)
    return env["cache"][prev]


def _daily_plan(env, sym, frac_adv, rules=None, unfilled=None):
    """A callable ``start_day -> plan``: buy ``frac_adv`` of the name's ADV, planned the evening before."""
    cfg = env["cfg"]
    if rules is not None:
        cfg = cfg.model_copy(update={"planner": cfg.planner.model_copy(update={"limit_rules": rules})})

    def make(start):
        prof, fm = _inputs(env, start)
        adv = prof.filter(pl.col("symbol") == sym)["adv_shares"][0]
        orders = pl.DataFrame({"order_id": [f"{sym}-buy"], "symbol": [sym], "side": [1],
                               "qty": [float(max(round(frac_adv * adv / 100) * 100, 100))]})
        p = plan(orders, prof, fm, cfg, start=start)
        if unfilled is None:
            return p
        return (p.tranches.with_columns(pl.lit(unfilled).alias("unfilled")),
                p.order_summary.select("order_id", pl.col("expected_cost_bps").alias("predicted_cost_bps"),
                                 pl.col("cost_p05_bps").alias("predicted_p05_bps"),
                                 pl.col("cost_p95_bps").alias("predicted_p95_bps")))

    return make


def _starts(env):
    return env["days"][7:19]  # a week of history before the first, a day of tape after the last


@pytest.mark.parametrize("sym", SYMS)
def test_passive_plan_pays_less_spread_and_fills_less(env, sym):
    variants = {"passive": _daily_plan(env, sym, 0.05, ["join"], "leave"),
                "aggressive": _daily_plan(env, sym, 0.05, ["cross"], "leave")}
    res = replay_days(variants, env["tapes"], _starts(env), profile=env["built"].profile, config=env["cfg"])
    print(res.distribution.select("variant", "n_runs", "cost_mean_bps", "spread_cost_mean_bps", "unfilled_mean_frac",
                                  "fill_rate_mean_frac"))
    d = {r["variant"]: r for r in res.distribution.iter_rows(named=True)}
    p, a = d["passive"], d["aggressive"]
    assert p["n_runs"] == a["n_runs"] == 12, res.problems
    assert p["spread_cost_mean_bps"] < a["spread_cost_mean_bps"]
    assert p["unfilled_mean_frac"] > a["unfilled_mean_frac"]
    # the aggressive plan takes the ask (at least half the spread) and never exceeds the cap of printed volume
    assert a["spread_cost_mean_bps"] > 0 and a["passive_mean_frac"] == 0.0
    assert res.runs.filter(pl.col("variant") == "aggressive")["participation_frac"].max() <= 0.10 + 1e-9


@pytest.fixture(scope="module")
def metaorders(env):
    data = env["data"]
    fills = data.scan("fills").collect().sort("order_id", "ts")
    truth = pl.read_csv(env["data"].root.parent / "truth" / "metaorders.csv", try_parse_dates=True)
    one_ns = pl.duration(nanoseconds=1)
    # each child is a marketable order at the child's time, as the generator executed it (the quote in force
    # just before the child), with no participation cap
    children = fills.with_columns(
        (pl.col("ts") - one_ns).alias("window_start"), (pl.col("ts") - one_ns).alias("window_end"),
        pl.col("qty").alias("qty_shares"), pl.lit("cross").alias("limit_rule"), pl.lit("leave").alias("unfilled"),
    )
    return fills, truth, children


def test_metaorders_replayed_on_their_own_days_reproduce_the_generator(env, metaorders):
    fills, truth, children = metaorders
    res = replay(children, env["tapes"], config=env["cfg"], options={"own_impact": False, "participation_cap": False})
    got = res.fills.sort("order_id", "ts").with_columns((pl.col("ts") + pl.duration(nanoseconds=1)).alias("t_child"))
    both = got.join(fills.select("order_id", pl.col("ts").alias("t_child"), pl.col("price").alias("gen_px"),
                                 pl.col("qty").alias("gen_qty")), on=["order_id", "t_child"], how="inner")
    assert both.height == fills.height == res.fills.height
    # every child pays the generator's price, or worse only when it is larger than the displayed quote (the
    # replay walks the book, the generator fills any size at the touch)
    far = []
    for r in both.iter_rows(named=True):
        q = env["tapes"][r["symbol"]].quote_at(int(r["t_child"].timestamp() * 1e9) - 2)
        far.append(q[3] if r["side"] > 0 else q[2])
    both = both.with_columns(pl.Series("far_size", far))
    same = both.filter(pl.col("qty") <= pl.col("far_size"))
    assert same.height > 0.8 * both.height
    assert np.allclose(same["price"].to_numpy(), same["gen_px"].to_numpy(), rtol=0, atol=1e-9)
    worse = both.filter(pl.col("qty") > pl.col("far_size"))
    assert ((worse["price"] - worse["gen_px"]) * worse["side"] >= -1e-9).all()
    # so the replayed cost is the generator's realized cost measured from the same arrival quote
    o = res.orders.join(truth.select("order_id", "vwap_px"), on="order_id")
    gap = (o["side"] * (o["avg_price_px"] / o["vwap_px"] - 1) * 1e4).to_numpy()
    assert (gap >= -1e-6).all() and (gap < 15).all()


def test_metaorders_own_impact_in_line_with_the_truth(env, metaorders):
    """Each metaorder replayed with own impact on every other day of its symbol (no metaorder on the tape).

    Tolerance: the replay's impact uses the profile's volatility and ADV, estimated from the 20 days of the
    sample (relative standard errors about 16% and 8-12% after the square root: about 20% per symbol), where
    the generator used its true parameters; the replay's continuous square-root path is paid by K children
    at ``3/2 mean_j sqrt(j / K)`` of the law's value (0.82 for K = 5, 0.97 for K = 45), where the generator
    scales its K-child path to pay the law exactly. So the ratio of the replayed impact to the truth,
    divided by that discretisation factor, must lie within 0.5-1.5 for each metaorder (2.5 standard
    errors) and within 0.8-1.2 on average over the five symbols (about 2 standard errors of the mean).
    """
    fills, truth, children = metaorders
    rows = []
    for r in truth.iter_rows(named=True):
        sym, k = r["symbol"], r["n_children"]
        busy = set(truth.filter(pl.col("symbol") == sym)["date"].to_list())
        days = [d for d in env["tapes"][sym].days() if d not in busy]
        tpl = children.filter(pl.col("order_id") == r["order_id"])
        opts = {"participation_cap": False}
        on = replay_days({"m": tpl}, env["tapes"], days, profile=env["built"].profile, config=env["cfg"], options=opts)
        off = replay_days({"m": tpl}, env["tapes"], days, config=env["cfg"], options=opts | {"own_impact": False})
        disc = 1.5 * float(np.mean(np.sqrt(np.arange(k) / k)))
        imp = on.runs["impact_bps"].to_numpy()
        rows.append({
            "order_id": r["order_id"], "symbol": sym, "runs": on.runs.height, "impact_bps": imp.mean(),
            "truth_bps": r["expected_impact_bps"], "ratio": imp.mean() / r["expected_impact_bps"] / disc,
            "on_minus_off": float((on.runs["shortfall_bps"] - off.runs["shortfall_bps"]).mean()),
            "impact_plus_drift": float((on.runs["shortfall_bps"] - on.runs["spread_cost_bps"]).mean()),
            "impact_plus_drift_var": float((on.runs["shortfall_bps"] - on.runs["spread_cost_bps"]).var() / on.runs.height),
            "truth_realized": r["realized_cost_bps"] - r["half_spread_paid_bps"],
        })
    t = pl.DataFrame(rows)
    print(t)
    assert (t["runs"] >= 15).all()
    assert ((t["ratio"] > 0.5) & (t["ratio"] < 1.5)).all()
    per_symbol = t.group_by("symbol").agg(pl.col("ratio").mean())["ratio"]
    assert 0.8 < per_symbol.mean() < 1.2
    # the market path is the same with impact on and off: the difference of the costs is the impact
    assert np.allclose(t["on_minus_off"].to_numpy(), t["impact_bps"].to_numpy(), rtol=0.05)
    # impact plus market drift (the cost beyond the spread) against the generator's realized one, pooled:
    # both carry the price noise of the window; 3 standard errors of the difference
    se = math.sqrt(t["impact_plus_drift_var"].sum() / t.height**2 + t["truth_realized"].var() / t.height)
    assert abs(t["impact_plus_drift"].mean() - t["truth_realized"].mean()) < 3 * se


def test_planned_cost_against_the_replayed_distribution(env):
    """Plans made each evening (profile and fill model up to the day before) for 5% of ADV, replayed the next
    day(s) with own impact: the share of start days whose predicted cost lies within the replayed costs'
    5-95% range, and the share whose replayed cost lies in the plan's own 90% band."""
    variants = {s: _daily_plan(env, s, 0.05) for s in SYMS}
    res = replay_days(variants, env["tapes"], _starts(env), profile=env["built"].profile, config=env["cfg"])
    d = res.distribution.select("variant", "n_runs", "cost_mean_bps", "cost_p05_bps", "cost_p95_bps",
                                "predicted_cost_mean_bps", "predicted_in_replay_90_frac", "realized_in_plan_band_frac")
    print(json.dumps(d.to_dicts(), indent=1, default=str))
    assert (d["n_runs"] == 12).all()
    runs = res.runs
    # most start days: the plan's prediction is a plausible outcome of the replay
    assert (d["predicted_in_replay_90_frac"] >= 0.5).all()
    assert (d["realized_in_plan_band_frac"] >= 0.5).all()
    assert runs["predicted_cost_bps"].is_not_null().all() and runs["predicted_p95_bps"].is_not_null().all()


def test_plan_variants_carry_their_caps(env):
    prof, fm = _inputs(env, _starts(env)[0])
    orders = pl.DataFrame({"order_id": ["b"], "symbol": ["THNB"], "side": [1], "qty": [3000.0]})
    variants, notes = plan_variants(orders, prof, fm, env["cfg"], start=_starts(env)[0])
    assert list(variants)[:6] == ["pov5%", "pov10%", "pov20%", "passive", "mid", "aggressive"]
    assert variants["pov5%"][0]["max_participation_frac"].unique().to_list() == [0.05]
    assert set(variants["passive"][0]["limit_rule"].unique()) <= {"join"}
    assert set(variants["aggressive"][0]["limit_rule"].unique()) == {"cross"}
    assert all("variant 1d" in n for n in notes)  # 3,000 shares do not fit in one day at 10%
    res = replay_days({k: variants[k] for k in ("pov5%", "pov20%")}, env["tapes"], _starts(env)[:4],
                      profile=env["built"].profile, config=env["cfg"])
    caps = {"pov5%": 0.05, "pov20%": 0.20}
    for v, cap in caps.items():
        part = res.runs.filter(pl.col("variant") == v)["participation_frac"]
        assert (part <= cap + 1e-9).all()
