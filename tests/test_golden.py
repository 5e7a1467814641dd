"""Golden outputs of `profile`, `pretrade` and `plan` on the committed sample and on real data.

These pin the numbers the commands print, so that restructuring (a new dataset layout, the application
layer, renamed internals) is checked to change nothing a user sees. A change made on purpose (a renamed
column, a better model) updates the files with ``LIQCOST_UPDATE_GOLDEN=1 python -m pytest
tests/test_golden.py`` and says so in the commit and the closing note.

Floats compare to a relative 1e-9 (summation order may move the last bits); strings, integers, row
counts and column names exactly.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DATA, require_shared

from liqcost.cli import cli

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LIQCOST_UPDATE_GOLDEN") == "1"
DS = SAMPLE_DATA / "dataset"
MAPS = ROOT / "configs" / "mappings"


def run_json(*args, code: int = 0):
    r = CliRunner().invoke(cli, ["-q", "--format", "json", *[str(a) for a in args]], catch_exceptions=False)
    assert r.exit_code == code, r.output
    tables = json.loads(r.stdout)["tables"]  # the envelope's tables: one table as its records, several by name
    return next(iter(tables.values())) if len(tables) == 1 else tables


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def _diff(got, want, where="") -> list[str]:
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected tables {sorted(want)}, got {type(got).__name__}"]
        out = []
        if set(got) != set(want):
            out.append(f"{where}: tables {sorted(got)} != {sorted(want)}")
        for k in sorted(set(got) & set(want)):
            out += _diff(got[k], want[k], f"{where}/{k}")
        return out
    if len(got) != len(want):
        return [f"{where}: {len(got)} rows, expected {len(want)}"]
    out = []
    for i, (g, w) in enumerate(zip(got, want)):
        if set(g) != set(w):
            out.append(f"{where}[{i}]: columns differ: extra {sorted(set(g) - set(w))}, missing {sorted(set(w) - set(g))}")
            continue
        for c in w:
            if not _close(g[c], w[c]):
                out.append(f"{where}[{i}].{c}: {g[c]!r} != {w[c]!r}")
        if len(out) > 20:
            break
    return out


def check(name: str, got) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE or not path.exists():
        if not UPDATE and os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"golden file {path} missing (generate it with LIQCOST_UPDATE_GOLDEN=1)")
        path.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n")
        return
    want = json.loads(path.read_text())
    problems = _diff(got, want, name)
    assert not problems, "\n".join(problems[:20])


# ------------------------------------------------------------------------------------------ the sample


def test_golden_sample_profile():
    check("sample_profile", run_json("profile", "--data", DS, "--table", "all"))


def test_golden_sample_pretrade_book():
    check("sample_pretrade_book", run_json("pretrade", "--data", DS, "--orders", SAMPLE_DATA / "orders.csv", "--detail"))


def test_golden_sample_pretrade_single_and_curve():
    check("sample_pretrade_single", run_json("pretrade", "--data", DS, "--symbol", "THNA", "--side", "buy", "--qty", "20000"))
    check("sample_pretrade_curve", run_json("pretrade", "--data", DS, "--symbol", "THNE", "--curve"))


def test_golden_sample_plan():
    check("sample_plan_thnb", run_json("plan", "--data", DS, "--symbol", "THNB", "--side", "buy", "--qty", "8000", "--table", "all"))
    # the sample's orders are past metaorders of one afternoon each: none fits the default cap (exit 1), and the
    # summary says why for each
    check("sample_plan_book", run_json("plan", "--data", DS, "--orders", SAMPLE_DATA / "orders.csv", "--table", "all", code=1))


# ------------------------------------------------------------------------------------------ real data

THIN = ("HMNF", "SGRP", "CKX", "BASI", "SENEB")
LIQUID = ("MSFT",)


@pytest.fixture(scope="module")
def daily_ds(tmp_path_factory):
    src = require_shared("daily_us_stocks", "stocks_daily_sample700.parquet")
    tmp = tmp_path_factory.mktemp("golden_daily")
    d = pl.read_parquet(src).filter(pl.col("ticker").is_in(THIN + LIQUID))
    files = []
    for t in THIN + LIQUID:
        f = tmp / f"{t.lower()}.us.txt"
        d.filter(pl.col("ticker") == t).select(pl.col("Date").dt.strftime("%Y-%m-%d"), "Open", "High", "Low", "Close", "Volume",
                                               pl.lit(0).alias("OpenInt")).write_csv(f)
        files.append(f)
    ds = tmp / "ds"
    run_json("ingest", "--kind", "bars", "--mapping", MAPS / "daily_csv.yaml", *files, "-o", ds)
    orders = tmp / "orders.csv"
    orders.write_text("order_id,symbol,side,qty\nh1,HMNF,buy,3000\ns1,SGRP,sell,40000\nc1,CKX,buy,2000\n"
                      "b1,BASI,sell,5000\nm1,MSFT,buy,1000000\n")
    return ds, orders


@pytest.mark.realdata
def test_golden_daily_bars(daily_ds):
    ds, orders = daily_ds
    check("daily_profile", run_json("profile", "--data", ds, "--table", "profile"))
    check("daily_pretrade", run_json("pretrade", "--data", ds, "--orders", orders, "--detail"))
    check("daily_plan", run_json("plan", "--data", ds, "--symbol", "HMNF", "--side", "buy", "--qty", "3000", "--horizon-days", "20", "--table", "all"))


@pytest.mark.realdata
def test_golden_lobster_ticks(tmp_path):
    zips = require_shared("lobster", "original_zips")
    src = sorted(zips.glob("*AMZN*"))
    assert src, f"no AMZN zip in {zips}"
    ds = tmp_path / "ds"
    for kind in ("trades", "quotes"):
        run_json("ingest", "--kind", kind, "--mapping", MAPS / "lobster.yaml", src[0], "-o", ds)
    check("lobster_profile", run_json("profile", "--data", ds, "--table", "both"))
    check("lobster_pretrade", run_json("pretrade", "--data", ds, "--symbol", "AMZN", "--side", "sell", "--qty", "50000"))
    check("lobster_plan", run_json("plan", "--data", ds, "--symbol", "AMZN", "--side", "sell", "--qty", "50000", "--table", "all"))
