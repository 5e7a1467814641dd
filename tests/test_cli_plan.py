"""``liqcost plan`` additions of the command-line work: a book of which no order could be planned exits 1 (it
exited 0 with an empty plan), a book with some planned exits 0, and ``--html`` writes the plan's report."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from liqcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = str(ROOT / "sample_data" / "dataset")


def test_a_book_with_nothing_planned_exits_1():
    # the sample's orders are past metaorders: each window is one afternoon, too short at the 10% cap
    r = CliRunner().invoke(cli, ["-q", "plan", "--data", DATA, "--orders", str(ROOT / "sample_data" / "orders.csv")])
    assert r.exit_code == 1, r.output
    assert "none of the 10 orders could be planned" in r.stderr and "longer horizon or a higher participation cap" in r.stderr
    assert r.stdout.startswith("plan")  # the summary with each order's reason is still written


def test_a_book_with_some_planned_exits_0_and_writes_its_report(tmp_path):
    html = tmp_path / "plan.html"
    r = CliRunner().invoke(cli, ["-q", "plan", "--data", DATA, "--orders", str(ROOT / "configs" / "orders_example.csv"),
                                 "--html", str(html)])
    assert r.exit_code == 0, r.output
    text = html.read_text()
    assert text.startswith("<!DOCTYPE html>") and 'data-chart="plan_timeline-SELL_THNA"' in text
    assert 'data-chart="fill_curves-THNA"' in text
