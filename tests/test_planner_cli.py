"""``liqcost plan`` through click's CliRunner (and one real subprocess): every format, orders files, errors."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from test_planner_support import SAMPLE, sample_profiles

from liqcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = str(SAMPLE / "dataset")


@pytest.fixture(scope="module")
def profile_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prof") / "profile.parquet"
    sample_profiles().write_parquet(path)
    return str(path)


def run(*args):
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r


def test_single_order_table(profile_file):
    r = run("plan", "--data", DATA, "--profile", profile_file, "--symbol", "THNB", "--side", "buy", "--qty", "3000")
    assert r.exit_code == 0, r.output
    assert "plan" in r.output and "summary" in r.output
    assert "THNB-1" in r.output and "join" in r.output
    assert "expected_cost_bps" in r.output


def test_json_output_is_both_tables(profile_file):
    r = run("--format", "json", "plan", "--data", DATA, "--profile", profile_file, "--symbol", "THNA", "--side", "sell",
            "--qty", "4321", "--schedule", "ac", "--urgency", "1e-4")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)["tables"]
    assert set(data) == {"plan", "summary"}
    assert sum(t["qty_shares"] for t in data["plan"]) == 4321
    assert data["plan"][-1]["qty_shares"] % 100 == 21  # the last tranche takes the odd lot
    s = data["summary"][0]
    assert s["schedule"] == "ac" and s["side"] == "sell" and s["cost_p05_bps"] <= s["expected_cost_bps"] <= s["cost_p95_bps"]
    assert data["plan"][0]["window_start"].endswith("-04:00")  # exchange time, with its offset


def test_csv_and_parquet_files(profile_file, tmp_path):
    out = tmp_path / "p.csv"
    r = run("--format", "csv", "-o", str(out), "plan", "--data", DATA, "--profile", profile_file, "--symbol", "THNA",
            "--side", "buy", "--qty", "5000")
    assert r.exit_code == 0, r.output
    plan_csv = pl.read_csv(tmp_path / "p.csv")  # the main table is exactly -o FILE, the others FILE.TABLE.csv
    assert plan_csv["qty_shares"].sum() == 5000
    assert pl.read_csv(tmp_path / "p.summary.csv").height == 1
    outp = tmp_path / "p.parquet"
    r = run("--format", "parquet", "-o", str(outp), "plan", "--data", DATA, "--profile", profile_file, "--symbol", "THNA",
            "--side", "buy", "--qty", "5000", "--table", "all")
    assert r.exit_code == 0, r.output
    assert pl.read_parquet(tmp_path / "p.parquet")["qty_shares"].sum() == 5000
    fill = pl.read_parquet(tmp_path / "p.fill.parquet")
    assert set(fill["rule"]) >= {"join", "mid"} and fill["fill_prob_frac"].is_between(0, 1).all()
    # csv to stdout: one table
    r = run("--format", "csv", "plan", "--data", DATA, "--profile", profile_file, "--symbol", "THNA", "--side", "buy",
            "--qty", "500", "--table", "summary")
    assert r.exit_code == 0 and r.stdout.startswith("order_id,")


def test_orders_file_with_a_bad_row(profile_file, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,symbol,side,qty,max_participation\n"
        "o1,THNA,buy,6000,0.05\n"
        "o2,THND,sell,1500,\n"
        "o3,THNC,buy,-10,\n"
    )
    r = CliRunner().invoke(cli, ["--format", "json", "plan", "--data", DATA, "--profile", profile_file, "--orders", str(orders)])
    assert r.exit_code == 1, r.output  # partial: the others are planned, the refused row is named
    data = json.loads(r.stdout)["tables"]
    got = {}
    for t in data["plan"]:
        got[t["order_id"]] = got.get(t["order_id"], 0) + t["qty_shares"]
    assert got == {"o1": 6000, "o2": 1500}
    o1 = [t for t in data["plan"] if t["order_id"] == "o1"]
    assert all(t["participation_frac"] <= 0.05 + 1e-9 for t in o1)
    assert f"{orders} row 4 (order o3): qty -10 is not above zero" in r.stderr  # the file line
    assert "1 of the orders could not be used" in r.stderr


def test_profile_only_plans_marketable_tranches(profile_file):
    r = run("--format", "json", "plan", "--profile", profile_file, "--symbol", "THNC", "--side", "buy", "--qty", "400")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)["tables"]
    assert {t["limit_rule"] for t in data["plan"]} == {"cross"}
    assert "no fill-probability model" in r.stderr


def test_options_reach_the_plan(profile_file, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("planner:\n  round_lot_shares: 50\n  unfilled: cross_at_end\n")
    r = run("--config", str(cfg), "--format", "json", "plan", "--data", DATA, "--profile", profile_file, "--symbol", "THNA",
            "--side", "buy", "--qty", "2000", "--days", "2", "--start", "2025-04-01T11:00", "--rules", "join,cross",
            "--max-participation", "0.05")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)["tables"]
    plan_rows = data["plan"]
    assert all(t["qty_shares"] % 50 == 0 for t in plan_rows)
    assert {t["limit_rule"] for t in plan_rows} <= {"join", "cross"}
    assert "2025-04-01T11:00" <= plan_rows[0]["window_start"][:16] and plan_rows[0]["date"] == "2025-04-01"
    assert {t["day"] for t in plan_rows} == {1, 2}
    assert all(t["carry_in_shares"] == 0 for t in plan_rows)
    assert data["summary"][0]["unfilled"] == "cross_at_end"


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["plan", "--data", DATA], 2, "say what to plan"),
        (["plan", "--data", DATA, "--symbol", "THNA", "--side", "buy"], 2, "missing --qty"),
        (["plan", "--symbol", "THNA", "--side", "buy", "--qty", "10"], 2, "say where the data are"),
        (["plan", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "1", "--orders", "x.csv"], 2, "not both"),
        (["plan", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "1", "--start", "tomorrow"], 2, "YYYY-MM-DD"),
    ],
)
def test_usage_errors(args, code, text):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == code, r.output
    assert text in r.output
    assert "Traceback" not in r.output


def test_impossible_order_exit_code_and_remedy(profile_file):
    r = CliRunner().invoke(cli, ["plan", "--data", DATA, "--profile", profile_file, "--symbol", "THNE", "--side", "buy",
                                 "--qty", "20000"])
    assert r.exit_code == 1
    assert "do not fit" in r.output and "trading days" in r.output


def test_data_without_profile(profile_file):
    r = CliRunner().invoke(cli, ["--format", "json", "plan", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "800"])
    if importlib.util.find_spec("liqcost.measures") is None or importlib.util.find_spec("liqcost.measures.profile") is None:
        assert r.exit_code == 2 and "--profile" in r.output
    else:  # the tick profile builder is merged: the profile comes from the dataset
        assert r.exit_code == 0, r.output
        assert sum(t["qty_shares"] for t in json.loads(r.stdout)["tables"]["plan"]) == 800


def test_real_subprocess(profile_file):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-m", "liqcost", "--format", "json", "plan", "--data", DATA, "--profile", profile_file,
                        "--symbol", "THND", "--side", "sell", "--qty", "2500"], capture_output=True, text=True, env=env,
                       check=False)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)["tables"]
    assert sum(t["qty_shares"] for t in data["plan"]) == 2500


def test_orders_file_reports_an_impossible_order(profile_file, tmp_path):
    orders = tmp_path / "orders.yaml"
    orders.write_text("- {order_id: small, symbol: THNA, side: buy, qty: 1500}\n- {order_id: big, symbol: THNE, side: sell, qty: 90000}\n")
    r = run("--format", "json", "plan", "--data", DATA, "--profile", profile_file, "--orders", str(orders))
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)["tables"]
    status = {s["order_id"]: s["status"] for s in data["summary"]}
    assert status["small"] == "planned" and "do not fit" in status["big"]
    assert "order big" in r.stderr


def test_orders_file_with_an_unknown_symbol_plans_the_others(tmp_path):
    """Profiles built from --data: a name the dataset lacks is reported on its order, the others are planned."""
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,symbol,side,qty\nA,THNA,buy,3000\nB,ZZZ,buy,5\n")
    r = CliRunner().invoke(cli, ["--format", "json", "plan", "--data", DATA, "--orders", str(orders), "--table", "summary"])
    assert r.exit_code == 1, r.output
    summary = {s["order_id"]: s for s in json.loads(r.stdout)["tables"]["summary"]}
    assert summary["A"]["status"] == "planned" and summary["A"]["n_tranches"] > 0
    assert "unknown symbol 'ZZZ': no data for it in dataset" in summary["B"]["status"]
    assert f"{orders} row 3 (order B): unknown symbol 'ZZZ'" in r.stderr
    only_bad = tmp_path / "bad.csv"
    only_bad.write_text("order_id,symbol,side,qty\nB,ZZZ,buy,5\n")
    r = run("plan", "--data", DATA, "--orders", str(only_bad))
    assert r.exit_code == 1 and "none of the 1 orders can be used" in r.output and "unknown symbol 'ZZZ'" in r.output
