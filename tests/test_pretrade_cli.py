"""``liqcost pretrade`` through the command line: one order, a book, a curve, profiles from a file, clear errors."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = str(ROOT / "sample_data" / "dataset")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _json(result):
    """The named tables of a JSON output (the envelope also carries the liqcost and schema versions)."""
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"liqcost_version", "schema_version"} <= set(doc)
    return doc["tables"]


# ------------------------------------------------------------------------------------------- one order
def test_single_order_table():
    r = run("pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 80000)
    assert r.exit_code == 0, r.output
    for word in ("cost_central_bps", "expected_days", "liquidity_bucket", "size_adv", "critical", "almgren2005"):
        assert word in r.stdout


def test_single_order_json_has_band_models_and_flags():
    out = _json(run("--format", "json", "pretrade", "--data", DATA, "--symbol", "THND", "--side", "sell", "--qty", 2000))
    assert set(out) == {"order", "models", "flags"}
    o = out["order"][0]
    assert o["side"] == "sell" and o["qty_shares"] == 2000 and o["status"] == "ok"
    assert o["cost_low_bps"] <= o["cost_central_bps"] <= o["cost_high_bps"]
    assert o["cost_central_usd"] == pytest.approx(o["cost_central_bps"] * 1e-4 * o["notional_usd"])
    assert {m["model"] for m in out["models"]} == {"sqrt", "almgren2005", "istar", "crossover", "log"}
    assert {f["flag"] for f in out["flags"]} >= {"penny_price", "micro_cap"}


def test_notional_is_converted_at_the_last_price():
    out = _json(run("--format", "json", "pretrade", "--data", DATA, "--symbol", "THNB", "--side", "buy", "--notional", 25000))
    o = out["order"][0]
    assert o["qty_shares"] == 25000 // o["price_px"]


def test_flags_override_the_config():
    out = _json(run("--format", "json", "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 20000,
                    "--cap", 0.05, "--model", "sqrt", "--model", "istar", "--central", "istar", "--y", 1.0))
    o = out["order"][0]
    assert o["cap_frac"] == 0.05
    assert o["cost_central_bps"] == o["cost_istar_bps"]
    assert "cost_almgren2005_bps" not in o
    assert {m["model"] for m in out["models"]} == {"sqrt", "istar"}


def test_outputs_to_files(tmp_path):
    r = run("--format", "csv", "-o", tmp_path / "one.csv", "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 100)
    assert r.exit_code == 0, r.output
    assert pl.read_csv(tmp_path / "one.csv")["symbol"].to_list() == ["THNA"]  # the main table: exactly -o
    r = run("--format", "parquet", "-o", tmp_path / "one.parquet", "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 100)
    assert r.exit_code == 0
    assert pl.read_parquet(tmp_path / "one.models.parquet").height == 5
    r = run("--format", "parquet", "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 100)
    assert r.exit_code == 2 and "needs -o FILE" in r.output


# ----------------------------------------------------------------------------------- impossible orders
@pytest.mark.parametrize(
    "args, code, text",
    [  # a bad order given as flags is a usage error (exit 2); the same order in a file is reported on its row
        (["--qty", 0], 2, "order THNA-1: qty 0 is not above zero"),
        (["--qty", -100], 2, "order THNA-1: qty -100 is not above zero"),
        (["--notional", 0], 2, "--notional 0: an order must be worth a positive, finite amount"),
        (["--notional", 0.5], 2, "buys less than one share"),
    ],
)
def test_impossible_sizes_exit_nonzero(args, code, text):
    r = run("pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", *args)
    assert r.exit_code == code
    assert text in r.output and "Traceback" not in r.output


def test_unknown_symbol_suggests_the_closest():
    r = run("pretrade", "--data", DATA, "--symbol", "THNX", "--side", "buy", "--qty", 100)
    assert r.exit_code == 1
    assert "unknown symbol 'THNX'" in r.output and "did you mean 'THN" in r.output


def test_no_data_in_the_lookback(tmp_path):
    r = run("pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 100, "--asof", "2025-01-15")
    assert r.exit_code == 1 and "no data on or before 2025-01-15; the dataset starts on 2025-03-03" in r.output
    # a name whose data stop before the window: ingest two symbols, one of which goes quiet in January
    rows = []
    days = pl.date_range(pl.date(2025, 1, 2), pl.date(2025, 3, 31), "1d", eager=True).filter(
        pl.date_range(pl.date(2025, 1, 2), pl.date(2025, 3, 31), "1d", eager=True).dt.weekday() <= 5)
    for d in days:
        rows.append({"symbol": "LIVE", "date": d, "open": 5.0, "high": 5.1, "low": 4.9, "close": 5.0, "volume": 1000.0})
        if d.month == 1:
            rows.append({"symbol": "GONE", "date": d, "open": 3.0, "high": 3.1, "low": 2.9, "close": 3.0, "volume": 500.0})
    pl.DataFrame(rows).write_csv(tmp_path / "bars.csv")
    assert run("ingest", "--kind", "bars", tmp_path / "bars.csv", "-o", tmp_path / "ds").exit_code == 0
    r = run("pretrade", "--data", tmp_path / "ds", "--symbol", "GONE", "--side", "sell", "--qty", 100)
    assert r.exit_code == 1
    assert "no data for GONE in the 20-trading-day lookback ending 2025-03-31" in r.output
    assert "its data end on 2025-01-31" in r.output
    # the same in a book: priced LIVE, GONE reported with the reason
    book = tmp_path / "book.csv"
    book.write_text("order_id,symbol,side,qty\nA,LIVE,sell,100\nB,GONE,sell,100\nC,LIV,buy,5\n")
    r = run("--format", "json", "pretrade", "--data", tmp_path / "ds", "--orders", book)
    assert r.exit_code == 1 and "2 of the orders could not be used" in r.stderr  # priced what it could, named the rest
    out = json.loads(r.stdout)["tables"]
    reasons = {e["order_id"]: e["reason"] for e in out["errors"]}
    assert reasons["B"].startswith("no data for GONE in the 20-trading-day lookback ending 2025-03-31")
    assert "did you mean 'LIVE'?" in reasons["C"]
    assert [o["status"] for o in out["orders"]] == ["ok", "error", "error"]


@pytest.mark.parametrize(
    "args, text",
    [
        (["--symbol", "THNA", "--side", "buy", "--qty", 1], "exactly one of --data DATASET or --profile FILE"),
        (["--data", DATA, "--symbol", "THNA", "--qty", 1], "--side buy or --side sell is required"),
        (["--data", DATA, "--symbol", "THNA", "--side", "buy"], "exactly one of --qty SHARES or --notional"),
        (["--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 1, "--notional", 5], "exactly one of --qty"),
        (["--data", DATA, "--curve"], "--curve needs --symbol"),
        (["--data", DATA], "give one order"),
        (["--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 1, "--asof", "March"], "Invalid value for '--asof': expected a date as YYYY-MM-DD"),
    ],
)
def test_usage_errors_exit_2(args, text):
    r = run("pretrade", *args)
    assert r.exit_code == 2, r.output
    assert text in r.output


# ---------------------------------------------------------------------------------------------- a book
def test_book_with_one_bad_row_prices_the_others(tmp_path):
    f = tmp_path / "book.csv"
    f.write_text("order_id,symbol,side,qty\nA,THNA,sell,20000\nB,THNB,sell,-5\nC,THND,sell,3000\nD,NOPE,buy,100\nE,THNE,sell,900\n")
    r = run("--format", "json", "pretrade", "--data", DATA, "--orders", f)
    assert r.exit_code == 1, r.output  # partial: the output is written, each refused order is named, exit 1
    assert f"Warning: {f} row 3 (order B): qty -5 is not above zero; an order is for one share or more" in r.stderr
    assert f"Warning: {f} row 5 (order D): unknown symbol 'NOPE'" in r.stderr
    assert "2 of the orders could not be used" in r.stderr
    out = json.loads(r.stdout)["tables"]
    assert set(out) >= {"orders", "flags", "summary", "liquidation", "ladder", "least_liquid", "errors"}
    priced = [o["order_id"] for o in out["orders"] if o["status"] == "ok"]
    assert priced == ["A", "C", "E"]
    errors = {e["row"]: (e["column"], e["reason"]) for e in out["errors"]}
    assert errors[3] == ("qty", "qty -5 is not above zero; an order is for one share or more")
    assert errors[5][0] == "symbol" and errors[5][1].startswith("unknown symbol 'NOPE': no data for it in dataset")
    assert s_n_orders(out) == 5
    s = out["summary"][0]
    assert s["n_priced"] == 3 and s["gross_notional_usd"] > 0
    assert out["least_liquid"][0]["expected_days"] >= out["least_liquid"][-1]["expected_days"]


def s_n_orders(out) -> int:
    return out["summary"][0]["n_orders"]


def test_book_with_nothing_priceable_fails(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("order_id,symbol,side,qty\nA,THNA,buy,0\nB,NOPE,buy,10\n")
    r = run("pretrade", "--data", DATA, "--orders", f)
    assert r.exit_code == 1
    assert "none of the 2 orders can be used" in r.output and "row 2 (order A): qty 0 is not above zero" in r.output


def test_yaml_book_and_detail(tmp_path):
    f = tmp_path / "book.yaml"
    f.write_text("orders:\n  - {symbol: THNA, side: sell, qty: 5000}\n  - {symbol: THNC, side: buy, qty: 800, max_participation: 0.2}\n")
    out = _json(run("--format", "json", "pretrade", "--data", DATA, "--orders", f, "--detail"))
    assert [o["cap_frac"] for o in out["orders"]] == [0.1, 0.2]
    assert len(out["models"]) == 10


def test_sample_orders_table_output():
    r = run("pretrade", "--data", DATA, "--orders", ROOT / "sample_data" / "orders.csv")
    assert r.exit_code == 0, r.output
    for word in ("orders", "summary", "liquidation", "ladder", "least_liquid", "META009"):
        assert word in r.stdout


# ----------------------------------------------------------------------------------- profile file, curve
def test_precomputed_profile_file(tmp_path):
    import liqcost as lc

    prof = lc.profile(DATA, symbols=["THNA", "THNB"], tables="profile").profile
    prof.write_parquet(tmp_path / "prof.parquet")
    a = _json(run("--format", "json", "pretrade", "--profile", tmp_path / "prof.parquet", "--symbol", "THNA", "--side", "buy", "--qty", 5000))
    b = _json(run("--format", "json", "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", 5000))
    assert a["order"][0]["cost_central_bps"] == pytest.approx(b["order"][0]["cost_central_bps"])
    r = run("pretrade", "--profile", tmp_path / "prof.parquet", "--symbol", "THNE", "--side", "buy", "--qty", 5)
    assert r.exit_code == 1 and "unknown symbol 'THNE'" in r.output
    r = run("pretrade", "--profile", tmp_path / "none.parquet", "--symbol", "THNE", "--side", "buy", "--qty", 5)
    assert r.exit_code == 1 and "profile file not found" in r.output


def test_curve():
    out = _json(run("--format", "json", "pretrade", "--data", DATA, "--symbol", "THNE", "--curve"))["curve"]
    assert len(out) == 25
    assert out[0]["size_frac_adv"] == pytest.approx(0.001) and out[-1]["size_frac_adv"] == pytest.approx(2.0)
    assert all(a["cost_central_bps"] <= b["cost_central_bps"] for a, b in itertools.pairwise(out))


def test_real_subprocess():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    ok = subprocess.run(
        [sys.executable, "-m", "liqcost", "--format", "json", "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "80000"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["tables"]["order"][0]["symbol"] == "THNA"
    bad = subprocess.run(
        [sys.executable, "-m", "liqcost", "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "0"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "qty 0 is not above zero" in bad.stderr
