"""``liqcost report`` and ``--html`` from the command line: the files written, exit codes, and each page opened in
headless Chromium (the DevTools-pipe machinery of tests/test_report_browser.py): no console error, no network
request, every chart laid out and every mark drawn.

``LIQCOST_UPDATE_SCREENSHOTS=1`` writes the screenshot of the full report to ``docs/img/report_cli.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import test_report_browser
from conftest import cli_ok

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data" / "dataset"
FILLS = ROOT / "sample_data" / "fills.csv"
ORDERS = ROOT / "sample_data" / "orders.csv"
NAMES = ("THNA", "THNB", "THNC", "THND", "THNE")


run = cli_ok  # liqcost ARGS in-process: the exit code in ok, no traceback (tests/conftest.py)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every HTML the commands write on the sample: the full report, and --html of profile, pretrade, plan, tca."""
    root = tmp_path_factory.mktemp("report_cli")
    plan = root / "plan.parquet"
    run("-q", "plan", "--data", DATA, "--symbol", "THNB", "--side", "buy", "--qty", 8000, "--table", "all", "--format",
        "parquet", "-o", plan, "--html", root / "plan.html")
    full = run("report", "--data", DATA, "--orders", ORDERS, "--plan", plan, "--fills", FILLS, "--fill-orders", ORDERS,
               "-o", root / "report.html")
    run("-q", "profile", "--data", DATA, "--table", "profile", "--html", root / "profile.html")
    run("-q", "pretrade", "--data", DATA, "--orders", ORDERS, "--html", root / "pretrade.html")
    run("-q", "tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS, "--html", root / "tca.html")
    return {"root": root, "full": full}


EXPECTED = {
    "report": {"spread_distribution", "spread_history", "daily_volume", "volume_profile", "plan_timeline-THNB_1",
               "fill_curves-THNB", "tca_scatter"} | {f"cost_curve-{s}" for s in NAMES},
    "profile": {"spread_distribution", "spread_history", "daily_volume", "volume_profile"},
    "pretrade": {f"cost_curve-{s}" for s in NAMES},
    "plan": {"plan_timeline-THNB_1", "fill_curves-THNB"},
    "tca": {"tca_scatter"},
}


def test_the_report_command_writes_the_page_and_lists_its_sections(pages):
    r = pages["full"]
    html = (pages["root"] / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "liqcost report: liquidity, pretrade, plan, tca" in html
    assert r.stdout.startswith("sections") and "Post-trade: Realized vs predicted cost" in r.stdout
    assert "wrote the report (liquidity, pretrade, plan, tca:" in r.stderr
    for name in EXPECTED:
        assert (pages["root"] / f"{name}.html").stat().st_size > 5_000, name


def test_the_sections_in_every_format(pages, tmp_path):
    import json

    r = run("report", "--data", DATA, "--symbol", "THNA", "-o", tmp_path / "a.html", "--format", "json", "-q")
    doc = json.loads(r.stdout)
    assert [s["section"] for s in doc["tables"]["sections"]] == ["profile", "spreads", "volume"]
    r = run("--format", "csv", "report", "--data", DATA, "--symbol", "THNA", "-o", tmp_path / "b.html", "-q")
    assert r.stdout.startswith("section,title,charts,marks")


def test_report_needs_its_file_and_says_what_it_left_out(tmp_path):
    r = run("report", "--data", DATA, ok=(2,))
    assert "Missing option '-o'" in r.output
    (tmp_path / "o.csv").write_text("symbol,side,qty\nTHNA,buy,1000\nTHNB,hold,100\n")
    r = run("report", "--data", DATA, "--orders", tmp_path / "o.csv", "-o", tmp_path / "r.html", ok=(1,))
    assert (tmp_path / "r.html").exists()  # the report holds the rest
    assert "Warning:" in r.stderr and "row 3" in r.stderr


# the headless Chromium of the report browser test (skips without it, fails under CI=true), one per module
browser = test_report_browser.browser


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_page_opens_in_chromium_without_errors(pages, browser, name):
    from test_report_browser import CHART_STATS, _problems

    events = browser.open((pages["root"] / f"{name}.html").as_uri())
    assert not _problems(events), _problems(events)
    stats = browser.evaluate(CHART_STATS)
    charts = {c["id"]: c for c in stats["charts"]}
    assert EXPECTED[name] <= set(charts), sorted(charts)
    for c in charts.values():
        assert c["width"] > 300 and c["height"] > 100, c
        assert c["marks"] == c["declared"] > 0 and c["drawn"] == c["marks"], c
    png = browser.screenshot(min(stats["height"], 2600), scale=0.6)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    if name in ("report", "tca") and os.environ.get("LIQCOST_UPDATE_SCREENSHOTS") == "1":
        (ROOT / "docs" / "img" / f"report_cli_{name}.png").write_bytes(png)
