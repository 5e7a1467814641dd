"""HTML reports built from the committed sample through the Python API (as the README does): what each
report holds, that it is self-contained, and that it is deterministic except its one timestamp line.

``sample_reports()`` is shared with ``test_report_browser.py`` (built once per test session).
``LIQCOST_UPDATE_GOLDEN=1`` rewrites ``tests/golden/report_sample.json`` after an intended change.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "report_sample.json"
WHEN = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.timezone.utc)

#: chart ids each report must hold (per-name charts have the name as a suffix)
EXPECTED_CHARTS = {
    "liquidity": {"spread_distribution", "spread_history", "daily_volume", "volume_profile"},
    "pretrade": {f"cost_curve-{s}" for s in ("THNA", "THNB", "THNC", "THND", "THNE")},
    "plan": {"plan_timeline-THNB_buy", "plan_timeline-THNA_sell", "fill_curves-THNA", "fill_curves-THNB"},
    "sections": {"frontier", "replay_comparison", "tca_scatter"},
}


@functools.lru_cache(maxsize=1)
def sample_frames():
    """The sample's frames through the public Python API: profile, pretrade of the book, a plan, fill models."""
    import polars as pl

    import liqcost as lc
    from liqcost.config import load_config

    cfg = load_config(None)
    data = ROOT / "sample_data" / "dataset"
    built = lc.profile(data=data)
    pre = lc.pretrade(ROOT / "sample_data" / "orders.csv", data=data)
    orders = pl.DataFrame({"order_id": ["THNB-buy", "THNA-sell"], "symbol": ["THNB", "THNA"], "side": [1, -1],
                           "qty": [8000.0, 12000.0]})
    planned = lc.plan(orders, data=data)
    # the cost-risk frontier of one order: the same plan over 3 to 7 trading days (it needs 3 at the 10% cap)
    rows = []
    for days in range(3, 8):
        s = lc.plan(orders.head(1), data=data, days=days, horizon_days=days).order_summary.row(0, named=True)
        rows.append({"horizon_days": days, "expected_cost_bps": s["expected_cost_bps"], "risk_bps": s["risk_bps"]})
    front = pl.DataFrame(rows)
    score = front["expected_cost_bps"] + 0.5 * front["risk_bps"]  # a risk-averse choice for the example
    front = front.with_columns(recommended=pl.Series([i == int(score.arg_min()) for i in range(front.height)]))
    return cfg, built, pre, planned, front


def contract_frames(pre):
    """Frames with the documented contracts of the replay and TCA charts (no simulator or TCA yet): replay
    quantiles of three variants, and realized costs of the sample book drawn around its predictions."""
    import numpy as np
    import polars as pl

    replay = pl.DataFrame({
        "variant": ["plan (join)", "plan (improve_1)", "cross now"],
        "cost_p05_bps": [-180.0, -150.0, 120.0], "cost_p25_bps": [20.0, 35.0, 160.0], "cost_p50_bps": [110.0, 120.0, 190.0],
        "cost_p75_bps": [210.0, 215.0, 230.0], "cost_p95_bps": [380.0, 370.0, 290.0], "cost_mean_bps": [112.0, 118.0, 195.0],
        "n_runs": [250, 250, 250],
    })
    ok = pre.orders.filter(pl.col("status") == "ok")
    rng = np.random.default_rng(7)
    pred = ok["cost_central_bps"].to_numpy()
    risk = ok["timing_risk_bps"].to_numpy()
    realized = pred + risk * rng.standard_normal(pred.size)
    tca = pl.DataFrame({"order_id": ok["order_id"], "symbol": ok["symbol"], "predicted_bps": pred, "realized_bps": realized,
                        "z": (realized - pred) / risk})
    return replay, tca


@functools.lru_cache(maxsize=1)
def sample_reports():
    """``{name: Report}`` for every report (each section built from the sample)."""
    from liqcost.report import (Report, frontier_section, liquidity_report, plan_report, pretrade_report,
                                replay_section, tca_section)

    cfg, built, pre, planned, front = sample_frames()
    replay, tca = contract_frames(pre)
    more = Report("More sections: frontier, replay, TCA", cfg)
    more.add(frontier_section(front)).add(replay_section(replay)).add(tca_section(tca))
    return {
        "liquidity": liquidity_report(built, config=cfg),
        "pretrade": pretrade_report(pre, built.profile, cfg),
        "plan": plan_report(planned, config=cfg),
        "sections": more,
    }


def strip_generated(html: str) -> str:
    return "\n".join(line for line in html.splitlines() if 'class="generated"' not in line)


# ------------------------------------------------------------------------------------------ content


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_report_holds_its_charts_and_is_self_contained(name):
    rep = sample_reports()[name]
    html = rep.to_html(WHEN)
    charts = {c.id: c for c in rep.charts}
    assert EXPECTED_CHARTS[name] <= set(charts), sorted(charts)
    for c in charts.values():
        assert c.n_marks > 0, c.id
        root = ElementTree.fromstring(c.svg)  # each chart is well-formed SVG
        assert root.tag.endswith("svg") and root.get("data-chart") == c.id
        assert int(root.get("data-marks")) == c.n_marks
    # one file: no script, no external resource, the CSP forbids fetching anything
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "default-src 'none'" in html
    assert len(re.findall(r'id="([^"]+)"', html)) == len(set(re.findall(r'id="([^"]+)"', html)))  # unique ids
    # header: data range, config digest, version
    from liqcost import __version__
    from liqcost.report import config_digest

    assert config_digest(rep.config) in html and f"liqcost <b>{__version__}</b>" in html
    assert html.count('class="generated"') == 1
    # the Result protocol
    sections = rep.summary()
    assert sections.height == len(rep.sections) and sections["charts"].sum() == len(rep.charts)


def test_liquidity_report_marks_zero_volume_days_and_header_range():
    rep = sample_reports()["liquidity"]
    html = rep.to_html(WHEN)
    assert "Data <b>2025-03-03 to 2025-03-28</b>" in html
    vol = next(c for c in rep.charts if c.id == "daily_volume")
    # the sample has 9 zero-volume days over its five names (truth: planted), each marked
    assert vol.svg.count("zero volume</title>") >= 9 and "9 zero-volume day(s)" in vol.caption


def test_pretrade_report_marks_each_order_on_its_curve():
    cfg, built, pre, *_ = sample_frames()
    rep = sample_reports()["pretrade"]
    ok = pre.orders.filter(pre.orders["status"] == "ok")
    for s in ok["symbol"].unique().to_list():
        chart = next(c for c in rep.charts if c.id == f"cost_curve-{s}")
        for oid in ok.filter(ok["symbol"] == s)["order_id"].to_list():
            assert f"<title>{oid}:" in chart.svg, (s, oid)


def test_plan_timeline_has_every_tranche():
    *_, planned, _ = sample_frames()
    rep = sample_reports()["plan"]
    for oid in planned.tranches["order_id"].unique().to_list():
        chart = next(c for c in rep.charts if c.id == f"plan_timeline-{oid.replace('-', '_')}")
        n = planned.tranches.filter(planned.tranches["order_id"] == oid).height
        assert chart.svg.count("<title>tranche ") == 2 * n  # a bar in the volume panel and one in participation


def test_money_columns_carry_the_configured_currency():
    from liqcost.config import load_config
    from liqcost.report import pretrade_report

    cfg, built, pre, *_ = sample_frames()
    usdt = load_config(None, {"session.currency": "USDT"})
    html = pretrade_report(pre, built.profile, usdt).to_html(WHEN)
    assert "cost_central_usdt" in html and "cost_central_usd<" not in html and "Currency <b>USDT</b>" in html


# ------------------------------------------------------------------------------------------ determinism


def _fingerprint(rep) -> dict:
    html = strip_generated(rep.to_html(WHEN))
    return {
        "html_sha256": hashlib.sha256(html.encode()).hexdigest(),
        "charts": {c.id: {"marks": c.n_marks, "svg_sha256": hashlib.sha256(c.svg.encode()).hexdigest()} for c in rep.charts},
    }


def test_reports_are_deterministic_except_the_timestamp_line():
    for name, rep in sample_reports().items():
        a = rep.to_html(WHEN).splitlines()
        b = rep.to_html(WHEN + dt.timedelta(days=3, seconds=7)).splitlines()
        diff = [(x, y) for x, y in zip(a, b) if x != y]
        assert len(a) == len(b) and len(diff) == 1, name
        assert 'class="generated"' in diff[0][0]


def test_reports_match_golden():
    got = {name: _fingerprint(rep) for name, rep in sample_reports().items()}
    if os.environ.get("LIQCOST_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert GOLDEN.exists(), f"{GOLDEN} missing: run with LIQCOST_UPDATE_GOLDEN=1 once and commit it"
    want = json.loads(GOLDEN.read_text())
    for name in want:
        changed = sorted(k for k in set(want[name]["charts"]) | set(got[name]["charts"])
                         if want[name]["charts"].get(k) != got[name]["charts"].get(k))
        assert not changed, f"{name}: charts changed {changed} (LIQCOST_UPDATE_GOLDEN=1 after an intended change)"
        assert want[name]["html_sha256"] == got[name]["html_sha256"], f"{name}: the HTML changed outside the charts"
