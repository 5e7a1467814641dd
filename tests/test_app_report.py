"""``lc.report`` and the reports of single results (``--html``): what each holds, plans read back from every file
format ``liqcost plan -o`` writes, the profiles computed once, determinism but for the timestamp line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import liqcost as lc
from liqcost.app.report import ReportRun, read_plan, result_report, tca_report
from liqcost.cli import cli
from liqcost.errors import FileFormatError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data" / "dataset"
FILLS = ROOT / "sample_data" / "fills.csv"
ORDERS = ROOT / "sample_data" / "orders.csv"
WHEN = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.timezone.utc)
NAMES = ("THNA", "THNB", "THNC", "THND", "THNE")


def chart_ids(rep) -> set[str]:
    return {c.id for c in rep.charts}


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """The same plan written by `liqcost plan -o` as Parquet, CSV and JSON."""
    root = tmp_path_factory.mktemp("plans")
    out = {}
    for fmt in ("parquet", "csv", "json"):
        path = root / f"plan.{fmt}"
        r = CliRunner().invoke(cli, ["-q", "--format", fmt, "-o", str(path), "plan", "--data", str(DATA), "--symbol", "THNB",
                                     "--side", "buy", "--qty", "8000", "--table", "all"])
        assert r.exit_code == 0, r.output
        out[fmt] = path
    return out


@pytest.fixture(scope="module")
def full(plans):
    return lc.report(DATA, orders=ORDERS, plan=plans["parquet"], fills=FILLS, fill_orders=ORDERS)


def test_everything_in_one_page(full):
    assert isinstance(full, ReportRun) and full.parts == ("liquidity", "pretrade", "plan", "tca") and not full.partial
    ids = chart_ids(full.report)
    assert {"spread_distribution", "spread_history", "daily_volume", "volume_profile", "tca_scatter"} <= ids
    assert {f"cost_curve-{s}" for s in NAMES} <= ids
    assert "plan_timeline-THNB_1" in ids and "fill_curves-THNB" in ids
    titles = full.tables()["sections"]["title"].to_list()
    assert titles[:3] == ["Liquidity profile", "Spreads", "Volume"]
    assert "Pre-trade: Cost against order size" in titles and "Post-trade: Realized vs predicted cost" in titles
    assert full.report.heading == "liqcost report: liquidity, pretrade, plan, tca"
    assert set(full.results) == {"profile", "pretrade", "tca"}
    # the pre-trade section priced the book on the liquidity section's own profiles (built once)
    pre, prof = full.results["pretrade"], full.results["profile"]
    assert set(pre.orders["symbol"]) <= set(prof.profile["symbol"])
    html = full.to_html(WHEN)
    assert html == full.to_html(WHEN)  # deterministic
    other = full.to_html(WHEN + dt.timedelta(hours=1)).splitlines()
    assert sum(a != b for a, b in zip(html.splitlines(), other)) == 1  # but for the timestamp line
    assert "the plan is read from" in " ".join(full.notes)


def test_liquidity_only_of_the_named_symbols():
    rep = lc.report(DATA, symbols=["THND"])
    assert rep.parts == ("liquidity",) and rep.report.symbols == ["THND"]
    assert chart_ids(rep.report) == {"spread_distribution", "spread_history", "daily_volume", "volume_profile"}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_plan_reads_back_from_every_format(plans, fmt):
    ref_t, ref_s, ref_f = read_plan(plans["parquet"])
    t, s, f = read_plan(plans[fmt])
    assert t.height == ref_t.height == 18 and s is not None and f is not None and f.height == ref_f.height
    assert isinstance(t.schema["window_start"], pl.Datetime) and t.schema["date"] == pl.Date
    assert t["qty_shares"].sum() == 8000
    rep = lc.report(DATA, plan=plans[fmt])
    timeline = next(c for c in rep.report.charts if c.id.startswith("plan_timeline"))
    ref = next(c for c in lc.report(DATA, plan=plans["parquet"]).report.charts if c.id.startswith("plan_timeline"))
    assert timeline.n_marks == ref.n_marks > 0


def test_a_file_that_is_not_a_plan(tmp_path):
    with pytest.raises(FileFormatError, match="plan file not found"):
        read_plan(tmp_path / "nope.parquet")
    pl.DataFrame({"a": [1]}).write_csv(tmp_path / "x.csv")
    with pytest.raises(FileFormatError, match="not a plan's tranche table"):
        read_plan(tmp_path / "x.csv")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(FileFormatError, match="unknown plan file type"):
        read_plan(tmp_path / "x.txt")


def test_the_report_of_each_result_type(full):
    prof = full.results["profile"]
    assert chart_ids(result_report(prof)) == {"spread_distribution", "spread_history", "daily_volume", "volume_profile"}
    pre = full.results["pretrade"]
    with_curves = result_report(pre, data=DATA)  # the profiles rebuilt as of the result's date
    assert {f"cost_curve-{s}" for s in NAMES} <= chart_ids(with_curves)
    from_table = result_report(pre, profile=prof.profile)
    assert chart_ids(from_table) == chart_ids(with_curves)
    assert not any(c.id.startswith("cost_curve") for c in result_report(pre).charts)  # no profile: the orders only
    curve = lc.pretrade(symbol="THNE", curve=True, data=DATA)
    assert chart_ids(result_report(curve)) == {"cost_curve-THNE"}
    plan = lc.plan(symbol="THNB", side="buy", qty=8000, data=DATA)
    assert {"plan_timeline-THNB_1", "fill_curves-THNB"} <= chart_ids(result_report(plan))
    rv = full.results["tca"]
    rep = tca_report(rv)
    assert chart_ids(rep) == {"tca_scatter"} and [s.id for s in rep.sections] == ["summary", "tca", "orders"]
    with pytest.raises(TypeError, match="no HTML report"):
        result_report(object())


def test_what_could_not_be_used_is_said(tmp_path):
    lines = FILLS.read_text().splitlines() + ["META000,THNA,-1,2025-03-17T15:00:00Z,abc,100,,"]
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "o.csv").write_text("symbol,side,qty\nTHNA,buy,1000\nZZZZ,buy,100\n")
    rep = lc.report(DATA, orders=tmp_path / "o.csv", fills=tmp_path / "f.csv")
    assert rep.partial and {p.kind for p in rep.problems} == {"order_rejected", "fill_quarantined"}
    sections = [s.id for s in rep.report.sections]
    assert "set_aside" in sections
    assert "no market data for ZZZZ" in " ".join(rep.notes)
