"""``liqcost simulate`` through click's CliRunner (and one real subprocess): plan files written by ``liqcost plan``
in every format, variants over start days, own impact on and off, the tables and the report, the errors, and
the examples of its --help."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = str(ROOT / "sample_data" / "dataset")
D1, D5 = "2025-03-10", "2025-03-14"  # five start days of the sample


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """A buy of 3,000 THNB written by `liqcost plan` as CSV, JSON and Parquet, and a large buy of 8,000 as CSV."""
    d = tmp_path_factory.mktemp("plans")
    for fmt in ("csv", "json", "parquet"):
        r = run("-q", "--format", fmt, "-o", d / f"plan.{fmt}", "plan", "--data", DATA, "--symbol", "THNB", "--side", "buy",
                "--qty", "3000")
        assert r.exit_code == 0, r.output
    r = run("-q", "--format", "csv", "-o", d / "large.csv", "plan", "--data", DATA, "--symbol", "THNB", "--side", "buy",
            "--qty", "8000")
    assert r.exit_code == 0, r.output
    return d


def sim_json(*args):
    r = run("--format", "json", "simulate", "--data", DATA, *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["tables"]


def test_replays_a_plan_file_in_every_format(plans):
    summary = pl.read_csv(plans / "plan.summary.csv")
    out = {}
    for fmt in ("csv", "json", "parquet"):
        t = sim_json("--plan", plans / f"plan.{fmt}", "--start", D1, "--end", D5, "--no-impact")
        assert set(t) == {"comparison", "cost_risk", "distribution", "orders", "tranches", "fills"}
        c = t["comparison"][0]
        assert c["variant"] == "plan" and c["n_runs"] == 5 and c["impact_mean_bps"] == 0.0
        assert c["predicted_cost_mean_bps"] == pytest.approx(summary["expected_cost_bps"][0])
        assert [o["start_day"] for o in t["orders"]] == ["2025-03-10", "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
        assert {o["side"] for o in t["orders"]} == {"buy"} and {f["side"] for f in t["fills"]} == {"buy"}
        # the plan's four tranches, moved to each start day at the same local times
        tr = [r for r in t["tranches"] if r["start_day"] == "2025-03-12"]
        assert [r["qty_shares"] for r in tr] == pl.read_csv(plans / "plan.csv")["qty_shares"].cast(float).to_list()
        assert tr[0]["window_start"].startswith("2025-03-12T13:30")  # 09:30 New York time, in UTC
        out[fmt] = [o["shortfall_bps"] for o in t["orders"]]
    assert out["csv"] == out["json"] == out["parquet"]  # the same plan, whatever the file


def test_three_variants_over_five_start_days_in_csv_files(tmp_path):
    out = tmp_path / "sim.csv"
    r = run("--format", "csv", "-o", out, "simulate", "--data", DATA, "--symbol", "THNB", "--side", "buy", "--qty", "3000",
            "--variants", "pricing=passive,mid,aggressive", "--start", D1, "--end", D5)
    assert r.exit_code == 0, r.output
    comp = pl.read_csv(out)
    assert comp["variant"].to_list() == ["passive", "mid", "aggressive"] and comp["n_runs"].to_list() == [5, 5, 5]
    # the passive plan earns part of the spread the aggressive one pays
    assert comp["spread_cost_mean_bps"][0] < comp["spread_cost_mean_bps"][2]
    assert (comp["cost_p05_bps"] <= comp["cost_median_bps"]).all() and (comp["cost_median_bps"] <= comp["cost_p95_bps"]).all()
    for name, rows in (("cost_risk", 3), ("distribution", 3), ("orders", 15)):
        assert pl.read_csv(tmp_path / f"sim.{name}.csv").height == rows, name
    orders = pl.read_csv(tmp_path / "sim.orders.csv")
    fills = pl.read_csv(tmp_path / "sim.fills.csv")
    tranches = pl.read_csv(tmp_path / "sim.tranches.csv")
    assert set(orders["side"]) == {"buy"} and orders["order_id"].n_unique() == 15
    assert set(fills["order_id"]) <= set(orders["order_id"]) and set(tranches["order_id"]) == set(orders["order_id"])
    per = fills.group_by("order_id").agg(pl.col("qty").sum()).join(orders.select("order_id", "filled_shares"), on="order_id")
    assert (per["qty"] - per["filled_shares"]).abs().max() < 1e-6
    # every start day planned with what was known before it: the passive plan joins the bid only
    assert set(tranches.filter(pl.col("variant") == "passive")["limit_rule"]) == {"join"}


def test_own_impact_raises_the_cost_of_a_large_plan_and_the_report(plans, tmp_path):
    html = tmp_path / "replay.html"
    on = sim_json("--plan", plans / "large.csv", "--start", D1, "--end", "2025-03-21", "--html", html)["comparison"][0]
    off = sim_json("--plan", plans / "large.csv", "--start", D1, "--end", "2025-03-21", "--no-impact")["comparison"][0]
    print({k: (on[k], off[k]) for k in ("n_runs", "cost_mean_bps", "impact_mean_bps", "predicted_cost_mean_bps")})
    assert on["n_runs"] == off["n_runs"] >= 6
    assert on["impact_mean_bps"] > 10 and off["impact_mean_bps"] == 0.0
    assert on["cost_mean_bps"] > off["cost_mean_bps"] + 10
    text = html.read_text()
    assert text.startswith("<!DOCTYPE html>") and 'data-chart="replay_comparison"' in text
    assert "Cost and risk per variant" in text and "Start days" in text


@pytest.mark.parametrize("args, code, message", [
    (["--plan", "{plans}/plan.summary.csv"], 1, "missing column 'window_start'"),
    (["--plan", "{plans}/plan.csv", "--start", "2024-01-02", "--end", "2024-01-31"], 1,
     "from 2025-03-03 to 2025-03-28; no start day between 2024-01-02 and 2024-01-31"),
    (["--plan", "{plans}/nope.csv"], 1, "plan file not found"),
    (["--symbol", "THNX", "--side", "buy", "--qty", "100"], 1, "unknown symbol 'THNX'"),
    (["--plan", "{plans}/plan.csv", "--max-participation", "0.05"], 2, "planner options (max_participation) apply to plans"),
    (["--plan", "{plans}/plan.csv", "--variants", "horizon=3"], 2, "re-plans the order"),
    (["--symbol", "THNB", "--side", "buy", "--qty", "100", "--variants", "speed=3"], 2, "unknown factor 'speed'"),
    (["--symbol", "THNB", "--side", "buy"], 2, "missing --qty"),
    (["--plan", "{plans}/plan.csv", "--start", "2025-03-20", "--end", "2025-03-10"], 2, "is before --start"),
    ([], 2, "say what to replay"),
    (["--symbol", "THNE", "--side", "buy", "--qty", "20000", "--start", "2025-03-17", "--end", "2025-03-18"], 1,
     "no order could be planned on any of the 2 start day(s)"),
])
def test_bad_input_is_one_sentence_and_its_exit_code(plans, args, code, message):
    r = CliRunner().invoke(cli, ["simulate", "--data", DATA] + [a.format(plans=plans) for a in args])
    assert r.exit_code == code, r.output
    assert message in r.output and "Traceback" not in r.output


def test_help_examples_run(tmp_path, monkeypatch):
    from liqcost.cli.cmd_simulate import simulate

    lines = [ln.strip() for ln in simulate.help.split("Examples:")[1].splitlines() if ln.strip().startswith("liqcost ")]
    assert len(lines) == 5
    monkeypatch.chdir(tmp_path)
    for line in lines:
        args = [a.replace("sample_data/", f"{ROOT}/sample_data/") for a in shlex.split(line)[1:]]
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 0, (line, r.output)
    assert "comparison" in r.stdout and (tmp_path / "replay.html").exists()
    doc = json.loads((tmp_path / "sim.json").read_text())
    assert [c["variant"] for c in doc["tables"]["comparison"]] == ["pov5%", "pov20%"]


def test_real_subprocess():
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    ok = subprocess.run([sys.executable, "-m", "liqcost", "simulate", "--help"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and "--variants" in ok.stdout and "--no-impact" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "liqcost", "simulate", "--data", DATA, "--plan", "x.csv", "--symbol", "A",
                          "--side", "buy", "--qty", "1"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "not both" in bad.stderr and "Traceback" not in bad.stderr


def test_the_command_calls_one_app_function():
    import ast

    tree = ast.parse((ROOT / "src" / "liqcost" / "cli" / "cmd_simulate.py").read_text())
    from_app = [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "liqcost.app" for a in n.names]
    assert from_app == ["simulate"]


def _bash_lines(text: str) -> list[str]:
    import re

    return [ln.strip() for b in re.findall(r"```bash\n(.*?)```", text, re.S) for ln in b.splitlines()
            if ln.strip().startswith("liqcost ")]


@pytest.mark.parametrize("doc", ["docs/simulate.md", "README.md"])
def test_documented_commands_run(doc, tmp_path, monkeypatch):
    text = (ROOT / doc).read_text()
    if doc == "README.md":  # the simulate section only (the others have their own tests)
        text = text[text.index("### `liqcost simulate`"):text.index("### `liqcost config`")]
    lines = _bash_lines(text)
    assert len(lines) >= 3
    monkeypatch.chdir(tmp_path)
    for line in lines:
        args = [a.replace("sample_data/", f"{ROOT}/sample_data/") for a in shlex.split(line)[1:]]
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 0, (line, r.output)
    assert (tmp_path / "replay.html").exists()


def test_the_python_example_of_the_page_runs(monkeypatch):
    import re

    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "simulate.md").read_text(), re.S)
    assert len(blocks) == 2  # the library's (tests/test_sim_docs.py) and lc.simulate's
    monkeypatch.chdir(ROOT)
    env: dict = {}
    exec(compile(blocks[1], "docs/simulate.md", "exec"), env)  # noqa: S102 - the documented example itself
    res = env["res"]
    assert res.comparison["variant"].to_list() == ["pov5%", "pov10%", "pov20%"]
    assert res.fills.height > 0 and env["tca"].orders.height == res.orders.height


def test_an_orders_file_with_a_refused_row_is_partial(tmp_path):
    book = tmp_path / "book.csv"
    book.write_text("order_id,symbol,side,qty\nA,THNB,buy,2000\nB,THND,sell,0\n")
    out = tmp_path / "sim.json"
    r = CliRunner().invoke(cli, ["--format", "json", "-o", str(out), "simulate", "--data", DATA, "--orders", str(book),
                                 "--start", "2025-03-17", "--end", "2025-03-18"])
    assert r.exit_code == 1, r.output
    assert "row 3 (order B)" in r.output and "1 of the orders could not be used" in r.output
    doc = json.loads(out.read_text())["tables"]
    assert {o["plan_order_id"] for o in doc["orders"]} == {"A"} and doc["comparison"][0]["n_runs"] == 2
