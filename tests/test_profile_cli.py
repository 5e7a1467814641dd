"""`liqcost profile` through CliRunner and one real subprocess, on the committed sample dataset."""

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
DATA = ROOT / "sample_data" / "dataset"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_json_both_tables():
    r = run("-q", "--format", "json", "profile", "--data", str(DATA), "--symbol", "THNA", "--symbol", "THNC")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)["tables"]
    assert set(out) == {"daily", "profile"}
    assert {p["symbol"] for p in out["profile"]} == {"THNA", "THNC"}
    thna = next(p for p in out["profile"] if p["symbol"] == "THNA")
    assert thna["adv_shares"] > 0 and 0 < thna["spread_bps"] < 500
    assert len(out["daily"]) == 40


def test_table_format_and_options():
    r = run("profile", "--data", str(DATA), "--table", "profile", "--signing", "emo", "--quote-lag", "0",
            "--lookback", "5")
    assert r.exit_code == 0
    assert "THNE" in r.output and "adv_shares" in r.output


def test_files_instead_of_dataset_and_trades_out(tmp_path):
    t = pl.read_parquet(sorted(DATA.glob("kind=trades/symbol=THNB/*/*.parquet")))
    q = pl.read_parquet(sorted(DATA.glob("kind=quotes/symbol=THNB/*/*.parquet")))
    t.write_parquet(tmp_path / "t.parquet")
    q.write_csv(tmp_path / "q.csv")
    audit = tmp_path / "audit.csv"
    r = run("-q", "--format", "csv", "-o", str(tmp_path / "out.csv"), "profile", "--trades", str(tmp_path / "t.parquet"),
            "--quotes", str(tmp_path / "q.csv"), "--trades-out", str(audit))
    assert r.exit_code == 0, r.output
    daily = pl.read_csv(tmp_path / "out.csv")  # the main table is exactly -o FILE
    prof = pl.read_csv(tmp_path / "out.profile.csv")
    assert prof["symbol"].to_list() == ["THNB"]
    a = pl.read_csv(audit)
    assert a.height == t.height == daily["n_trades"].sum()
    assert {"sign", "sign_rule", "quote_age_ns", "effective_spread_bps", "markout_5s_bps"} <= set(a.columns)
    # the same numbers as from the dataset
    ref = json.loads(run("-q", "--format", "json", "profile", "--data", str(DATA), "--symbol", "THNB",
                         "--table", "profile").output)["tables"]["profile"][0]
    assert prof["adv_shares"][0] == pytest.approx(ref["adv_shares"])
    assert prof["spread_bps"][0] == pytest.approx(ref["spread_bps"], rel=1e-9)


def test_usage_errors():
    r = CliRunner().invoke(cli, ["profile"])
    assert r.exit_code == 2 and "--data" in r.output
    r = CliRunner().invoke(cli, ["profile", "--data", str(DATA), "--trades", "x.csv"])
    assert r.exit_code == 2 and "not both" in r.output
    r = CliRunner().invoke(cli, ["profile", "--data", str(DATA), "--start", "2025-03-10", "--end", "2025-03-01"])
    assert r.exit_code == 2
    r = CliRunner().invoke(cli, ["profile", "--data", str(DATA), "--symbol", "NOPE"])
    assert r.exit_code == 1 and "NOPE" in r.output and "THNA" in r.output


def test_real_subprocess(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = tmp_path / "p.parquet"
    p = subprocess.run([sys.executable, "-m", "liqcost", "-q", "--format", "parquet", "-o", str(out), "profile",
                        "--data", str(DATA), "--table", "profile"], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    prof = pl.read_parquet(out)
    assert prof.height == 5 and prof["zero_volume_days"].sum() > 0


# ----------------------------------------------------------------------------------- bars (issue 5 wiring)


def _json(r):
    """The tables of a JSON output; a single table's records."""
    import json as _j

    assert r.exit_code == 0, r.output
    tables = _j.loads(r.stdout)["tables"]
    return next(iter(tables.values())) if len(tables) == 1 else tables


def test_profile_from_bars_alone():
    import json as _j

    from click.testing import CliRunner

    from liqcost.cli import cli

    root = Path(__file__).resolve().parents[1] / "sample_data"
    out = _json(CliRunner().invoke(cli, ["--format", "json", "profile", "--bars", str(root / "raw" / "bars.csv"), "--table", "all"]))
    truth = _j.loads((root / "truth" / "ground_truth.json").read_text())["symbols"]
    prof = {r["symbol"]: r for r in out["profile"]}
    assert set(prof) == set(truth)
    for sym, row in prof.items():
        assert row["source"] == "bars"
        assert row["adv_shares"] == pytest.approx(truth[sym]["adv_shares"])
        assert row["edge_spread_bps"] is None or row["edge_spread_bps"] > 0
        assert row.get("effective_spread_bps") is None  # tick measures are absent from a bars-only profile
    # the bar estimates per symbol-day carry a reason wherever they are NaN
    for r in out["bars"]:
        if r["edge_spread_bps"] is None:
            assert r["edge_spread_reason"]


def test_profile_ticks_and_bar_files_merge():
    from click.testing import CliRunner

    from liqcost.cli import cli

    raw = Path(__file__).resolve().parents[1] / "sample_data" / "raw"
    out = _json(CliRunner().invoke(cli, ["--format", "json", "profile", "--trades", str(raw / "trades.csv"), "--quotes",
                                         str(raw / "quotes.csv"), "--bars", str(raw / "bars.csv"), "--table", "profile"]))
    assert {r["source"] for r in out} == {"ticks+bars"}
    assert all(r["effective_spread_bps"] > 0 and r["edge_spread_bps"] is not None for r in out)


def test_profile_dataset_and_files_conflict():
    from click.testing import CliRunner

    from liqcost.cli import cli

    root = Path(__file__).resolve().parents[1] / "sample_data"
    r = CliRunner().invoke(cli, ["profile", "--data", str(root / "dataset"), "--bars", str(root / "raw" / "bars.csv")])
    assert r.exit_code == 2 and "either --data" in r.output


def test_rows_set_aside_from_files_are_counted_with_reasons(tmp_path):
    (tmp_path / "t.csv").write_text("symbol,ts,price,size\nA,2025-03-03T15:00:02Z,10,100\n"
                                    "A,2025-03-03T15:00:01Z,-10,100\nA,2025-03-03T15:00:03Z,nan,100\n")
    (tmp_path / "q.csv").write_text("symbol,ts,bid,ask,bid_size,ask_size\nA,2025-03-03T15:00:00Z,10.1,10.0,1,1\n"
                                    "A,2025-03-03T15:00:00.5Z,9.9,10.0,1,1\n")
    r = run("--format", "json", "-o", str(tmp_path / "out.json"), "profile", "--trades", str(tmp_path / "t.csv"),
            "--quotes", str(tmp_path / "q.csv"), "--table", "daily")
    assert r.exit_code == 0, r.output
    assert "t.csv: 2 row(s) set aside by validation (1 non-positive price, 1 NaN price)" in r.output
    assert "q.csv: 1 row(s) set aside by validation (1 crossed quote (bid > ask))" in r.output
    daily = json.loads((tmp_path / "out.json").read_text())["tables"]["daily"]
    assert [d["n_trades"] for d in daily] == [1]
