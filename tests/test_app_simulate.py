"""``lc.simulate`` on the committed sample: each start day is planned with what was known the evening before
(profiles equal to ``build_from_dataset(end=day before)``, plans equal to ``liqcost plan --asof``), simulated
fills read by ``tca`` give the replay's own shortfall, the plan's predicted cost against the replayed
distribution, books, variants, and plan files of both schema versions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import liqcost as lc
from liqcost.app.inputs import read_plan_file
from liqcost.app.simulate import (
    SimulateResult,
    Variant,
    _History,
    _replay_columns,
    _Ticks,
    parse_variants,
)
from liqcost.config import Config, load_config
from liqcost.errors import ConfigError, FileFormatError, NoDataError, UsageError
from liqcost.io.dataset import Dataset
from liqcost.measures.build import build_from_dataset

SYMS = ["THNA", "THNB", "THNC"]


@pytest.fixture(scope="module")
def ds(sample_data):
    return Dataset(sample_data / "dataset")


@pytest.fixture(scope="module")
def days(ds):
    return ds.dates("quotes", "THNB")


# ------------------------------------------------------------------------------------ no look-ahead


def test_profiles_as_of_each_evening_equal_a_fresh_build(ds, days):
    """Daily metrics computed once, the profile cut at each as-of date: the same table as building it from the
    dataset up to that date (ticks and bars, as liqcost plan --asof does)."""
    cfg = Config()
    asofs = [days[4], days[11], days[18]]
    ticks = {s: _Ticks(ds, s, days[0], days[-1], cfg) for s in ("THNA", "THNB")}
    hist = _History(ds, cfg, ["THNA", "THNB"], asofs, ticks)
    for a in asofs:
        got, missing = hist.profile(a)
        want = build_from_dataset(ds, cfg, ["THNA", "THNB"], end=a).profile
        assert not missing
        assert_frame_equal(got.sort("symbol"), want.sort("symbol"), check_exact=False, rel_tol=1e-12)
    assert hist.asof(days[5]) == days[4] and hist.asof(days[0]) is None


def test_each_start_day_is_planned_as_liqcost_plan_asof_would_plan_it(sample_data, days):
    day = days[12]
    res = lc.simulate(symbol="THNB", side="buy", qty=3000, data=sample_data / "dataset", start=day, end=day, impact=False)
    ref = lc.plan(symbol="THNB", side="buy", qty=3000, data=sample_data / "dataset", asof=days[11], start=day)
    assert res.start_days == (day,)
    got = res.tranches.sort("tranche")
    want = ref.tranches.sort("tranche")
    assert got["qty_shares"].to_list() == want["qty_shares"].cast(pl.Float64).to_list()
    assert got["limit_rule"].to_list() == want["limit_rule"].to_list()
    assert (got["window_start"].dt.epoch("ns") == want["window_start"].dt.convert_time_zone("UTC").dt.epoch("ns")).all()
    o = res.orders.row(0, named=True)
    s = ref.order_summary.row(0, named=True)
    assert o["predicted_cost_bps"] == pytest.approx(s["expected_cost_bps"])
    assert o["predicted_p95_bps"] == pytest.approx(s["cost_p95_bps"])
    assert o["order_id"] == f"{s['order_id']}:plan:{day}" and o["plan_order_id"] == s["order_id"] and o["side"] == "buy"


# ------------------------------------------------------------------------------------ fills for tca


def test_tca_reads_the_simulated_fills_like_real_ones(sample_data, ds, days):
    """The post-trade review of the simulated fills (with own impact) against the dataset's ticks gives the
    replay's own implementation shortfall, order by order (every order is filled: carry, then crossed at the
    last window's end)."""
    from liqcost.tca.review import review

    res = lc.simulate(symbol="THNB", side="buy", qty=3000, data=sample_data / "dataset", start=days[8], end=days[10],
                      variants="pricing=passive,aggressive")
    assert res.orders.height == 6 and (res.orders["fill_rate_frac"] == 1.0).all()
    fills = res.fills
    assert set(fills["side"].unique()) == {"buy"} and fills["order_id"].n_unique() == 6
    first, last = days[7], days[12]
    trades = ds.scan("trades", ["THNB"], first, last).collect()
    quotes = ds.scan("quotes", ["THNB"], first, last).collect()
    orders = res.orders.select("order_id", "symbol", "side", pl.col("qty_shares").alias("qty"))
    rev = review(fills.select("order_id", "symbol", "side", "ts", "price", "qty", "decision_ts", "decision_price",
                              "limit_price"), orders, trades=trades, quotes=quotes, config=load_config(None))
    both = rev.orders.select("order_id", "is_bps", "arrival_source").join(
        res.orders.select("order_id", "shortfall_bps", "arrival_mid_px"), on="order_id")
    assert both.height == 6
    assert np.allclose(both["is_bps"].to_numpy(), both["shortfall_bps"].to_numpy(), rtol=0, atol=1e-6), both


# ------------------------------------------------------------------------------------ predicted vs replayed


def test_the_plans_predicted_cost_against_the_replayed_distribution(sample_data, ds, days, tmp_path):
    """A book of three buys of 5% of ADV, planned each evening (profile, fill model and quote up to the day
    before) and replayed with own impact over 12 start days, as the replay library's sample test does it, but
    through the command's own path: the share of start days whose predicted cost lies within the replayed
    5-95% range, per order (printed)."""
    prof = build_from_dataset(ds, Config(), SYMS, end=days[6]).profile
    adv = dict(zip(prof["symbol"].to_list(), prof["adv_shares"].to_list()))
    book = tmp_path / "book.csv"
    pl.DataFrame({
        "order_id": [f"{s}-buy" for s in SYMS], "symbol": SYMS, "side": ["buy"] * 3,
        "qty": [float(max(round(0.05 * adv[s] / 100) * 100, 100)) for s in SYMS],
        "start": ["2025-03-03T10:00:00-05:00"] * 3,  # not used: each order starts at each start day's open
    }).write_csv(book)
    res = lc.simulate(orders=book, data=sample_data / "dataset", start=days[7], end=days[18])
    d = res.distribution.select("order_id", "n_runs", "cost_mean_bps", "cost_p05_bps", "cost_p95_bps",
                                "predicted_cost_mean_bps", "predicted_in_replay_90_frac", "realized_in_plan_band_frac")
    print(d)
    assert (d["n_runs"] == 12).all()
    assert (d["predicted_in_replay_90_frac"] >= 0.5).all()
    assert any("start times are not used" in n for n in res.notes)
    # the book's cost each day is its orders' costs weighted by their arrival notional
    runs = res.orders.with_columns((pl.col("qty_shares") * pl.col("arrival_mid_px")).alias("n"))
    day_cost = runs.group_by("start_day").agg(((pl.col("shortfall_bps") * pl.col("n")).sum() / pl.col("n").sum()).alias("c"))
    row = res.comparison.row(0, named=True)
    assert row["n_runs"] == 12 and row["cost_mean_bps"] == pytest.approx(day_cost["c"].mean())
    assert row["predicted_p05_mean_bps"] is None  # a book's band is not the sum of its orders' bands
    assert res.cost_risk.row(0, named=True)["risk_bps"] == pytest.approx(day_cost["c"].std())


# ------------------------------------------------------------------------------------ variants and files


def test_variants_from_flags_and_yaml(tmp_path):
    v = parse_variants(["participation=0.05,10%,0.2", "pricing=passive,mid,aggressive,improve_1", "horizon=1,3d"])
    assert [x.name for x in v] == ["pov5%", "pov10%", "pov20%", "passive", "mid", "aggressive", "improve_1", "1d", "3d"]
    assert v[1].max_participation == pytest.approx(0.1) and v[3].rules == ("join",) and v[5].rules == ("cross",)
    assert v[7].days == 1 and v[7].replans and not v[0].replans
    y = tmp_path / "v.yaml"
    y.write_text("variants:\n  - {name: slow, participation: 0.05, horizon: 3}\n  - {pricing: [join, mid], unfilled: leave}\n")
    w = parse_variants(str(y))
    assert w[0] == Variant("slow", max_participation=0.05, days=3)
    assert w[1].rules == ("join", "mid") and w[1].unfilled == "leave" and w[1].name == "join+mid/leave"
    for bad, match in (("participation=1.5", r"fraction in \(0, 1\]"), ("pricing=cheap", "unknown pricing 'cheap'"),
                       ("horizn=3", "did you mean 'horizon'"), ("horizon=0", "at least one trading day"),
                       ("participation=0.1,10%", "appear twice"), ("nothing", "expected participation=")):
        with pytest.raises(UsageError, match=match):
            parse_variants(bad)
    y.write_text("- {name: x, participaton: 0.1}\n- {horizon: -1}\n")
    with pytest.raises(ConfigError) as exc:
        parse_variants(str(y))
    assert "variants[0].participaton" in exc.value.message and "variants[1].horizon" in exc.value.message


def test_plan_files_of_both_schema_versions_and_hand_made_ones(tmp_path):
    cfg = Config()
    # schema v2 names the window cap cap_frac and the tranche's cost against arrival cost_vs_arrival_bps
    v2 = pl.DataFrame({"order_id": ["a"], "symbol": ["X"], "side": ["sell"], "cap_frac": [0.05],
                       "cost_vs_arrival_bps": [12.0], "limit_cap_px": [9.5]})
    out = _replay_columns(v2)
    assert out["max_participation_frac"].to_list() == [0.05] and out["expected_cost_bps"].to_list() == [12.0]
    # v1 with the orders: their cap and limit, else the default cap
    v1 = pl.DataFrame({"order_id": ["a", "b"], "expected_cost_bps": [1.0, 2.0]})
    orders = pl.DataFrame({"order_id": ["a", "b"], "max_participation": [0.2, None], "limit_price": [None, 3.0]})
    out = _replay_columns(v1, orders, 0.1)
    assert out["max_participation_frac"].to_list() == [0.2, 0.1] and out["limit_cap_px"].to_list() == [None, 3.0]
    # a hand-made CSV: exchange times without an offset, and UTC with Z
    f = tmp_path / "mine.csv"
    f.write_text("order_id,symbol,side,window_start,window_end,qty_shares,limit_rule\n"
                 "o,THNB,buy,2025-03-17 10:00,2025-03-17T15:00:00Z,500,mid\n")
    got = read_plan_file(f, cfg.session.timezone)
    frame, summary = got.tranches, got.summary
    assert summary is None
    assert frame["window_start"].to_list() == [dt.datetime(2025, 3, 17, 14, 0, tzinfo=dt.timezone.utc)]
    assert frame["window_end"].to_list() == [dt.datetime(2025, 3, 17, 15, 0, tzinfo=dt.timezone.utc)]
    f.write_text("order_id,symbol,side,window_start,window_end,qty_shares,limit_rule\no,THNB,buy,soon,later,500,mid\n")
    with pytest.raises(FileFormatError, match=r"mine.csv row 1: window_start 'soon' is not a time"):
        read_plan_file(f, cfg.session.timezone)
    j = tmp_path / "p.json"
    j.write_text('{"tables": {"summary": []}}')
    with pytest.raises(FileFormatError, match="no plan table in this JSON"):
        read_plan_file(j, cfg.session.timezone)
    with pytest.raises(FileFormatError, match="plan file not found"):
        read_plan_file(tmp_path / "none.csv", cfg.session.timezone)


def test_a_hand_made_plan_replays_on_every_start_day_and_a_missing_symbol_is_named(sample_data, tmp_path, days):
    f = tmp_path / "mine.csv"
    f.write_text("order_id,symbol,side,window_start,window_end,qty_shares,limit_rule,unfilled\n"
                 "o,THNB,buy,2025-03-17 10:00,2025-03-17 11:00,500,mid,leave\n"
                 "o,THNB,buy,2025-03-18 10:00,2025-03-18 11:00,500,join,leave\n")
    res = lc.simulate(f, data=sample_data / "dataset", impact=False)
    assert isinstance(res, SimulateResult)
    # every day of the data but the last (the plan's second day would fall after it)
    assert res.start_days == tuple(days[:-1]) and res.comparison["variant"].to_list() == ["mine"]
    assert res.orders["predicted_cost_bps"].is_null().all()
    assert res.tranches.group_by("start_day").len()["len"].to_list() == [2] * len(days[:-1])
    assert any("too close to the end of the tape" in n for n in res.notes)
    f.write_text("order_id,symbol,side,window_start,window_end,qty_shares,limit_rule\n"
                 "o,THNX,buy,2025-03-17 10:00,2025-03-17 11:00,500,mid\n")
    with pytest.raises(NoDataError, match="unknown symbol 'THNX'.*did you mean"):
        lc.simulate(f, data=sample_data / "dataset", impact=False)
    with pytest.raises(UsageError, match="re-plans the order"):
        lc.simulate(f, data=sample_data / "dataset", variants="horizon=2")


def test_dated_plans_are_validated_in_one_pass_with_their_own_rows(ds, days):
    """replay_days validates the plans of every (variant, start day) together: the same runs as one by one, and a
    bad row is named by its own variant, day and row."""
    from zoneinfo import ZoneInfo

    from liqcost.sim.impact import OwnImpact
    from liqcost.sim.replay import replay
    from liqcost.sim.tape import Tape
    from liqcost.sim.variants import replay_days

    ny = ZoneInfo("America/New_York")
    tape = Tape.from_dataset(ds, "THNB", days[0], days[6], Config())

    def make(s, bad=True):
        t = [dt.datetime(s.year, s.month, s.day, h, 0, tzinfo=ny) for h in (10, 11, 12)]
        return pl.DataFrame({"order_id": ["ok", "ok", "bad"], "symbol": ["THNB"] * 3, "side": ["buy", "buy", "sell"],
                             "window_start": [t[0], t[1], t[0]], "window_end": [t[1], t[2], t[1]],
                             "qty_shares": [300.0, 300.0, -5.0 if bad else 100.0], "limit_rule": ["join", "mid", "cross"]})

    starts = days[1:4]
    res = replay_days({"a": make, "b": lambda s: make(s, bad=False)}, {"THNB": tape}, starts, impact=OwnImpact.off())
    where = sorted(p.where for p in res.problems)
    assert where == [f"variant a on {s} row 3 (order bad)" for s in starts]
    assert res.runs.filter(pl.col("variant") == "a")["order_id"].to_list() == ["ok"] * 3
    assert res.runs.filter(pl.col("variant") == "b").height == 6
    for s in starts:
        alone = replay(make(s, bad=False), {"THNB": tape}, impact=OwnImpact.off()).orders.sort("order_id")
        got = res.runs.filter((pl.col("variant") == "b") & (pl.col("start_day") == s)).sort("order_id")
        assert got["shortfall_bps"].to_list() == pytest.approx(alone["shortfall_bps"].to_list())
        assert got["filled_shares"].to_list() == alone["filled_shares"].to_list()
