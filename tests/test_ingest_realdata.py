"""Ingest of real public data through the committed generic mapping files (configs/mappings/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import require_shared
from liqcost.cli import cli
from liqcost.io.dataset import Dataset

ROOT = Path(__file__).resolve().parents[1]
MAPS = ROOT / "configs" / "mappings"


def ingest(tmp_path, mapping, src, config=None, fmt="json"):
    args = ["--format", fmt] + (["--config", str(config)] if config else []) + ["ingest", "--mapping", str(MAPS / mapping), str(src), "-o", str(tmp_path / "ds")]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    import json

    return json.loads(r.stdout)["tables"]["ingest"][0]


def test_taq_trades_and_quotes(tmp_path):
    t_src = require_shared("taq_highfrequency", "parquet", "sampleTDataRaw.parquet")
    q_src = require_shared("taq_highfrequency", "parquet", "sampleQDataRaw.parquet")
    rep = ingest(tmp_path, "taq_trades_generic.yaml", t_src)
    assert rep["rows_read"] == 77263 == rep["rows_kept"] + rep["rows_quarantined"]
    assert rep["rows_kept"] == 77263  # identical TAQ prints are distinct trades (duplicates: keep)
    raw = pl.read_parquet(t_src)
    ds = Dataset(tmp_path / "ds")
    # New York trading dates: 2018-01-02 and 2018-01-03 (after-hours prints to 19:55 ET are on the 3rd)
    assert [p.date for p in ds.partitions("trades")] == [dt.date(2018, 1, 2), dt.date(2018, 1, 3)]
    got = ds.scan("trades").collect()
    assert got.height == raw.height
    assert got.get_column("ts").min() == raw.get_column("DT").min()
    assert got.get_column("price").sum() == pytest.approx(raw.get_column("PRICE").sum())
    assert got.get_column("size").sum() == raw.get_column("SIZE").sum()
    assert set(got.get_column("venue").unique()) == set(raw.get_column("EX").unique())

    rep = ingest(tmp_path, "taq_quotes_generic.yaml", q_src)
    assert rep["rows_read"] == 131401 == rep["rows_kept"] + rep["rows_quarantined"]
    reasons = dict(r.split(": ") for r in rep["reasons"].split("; "))
    # per-exchange quotes with a zero side are one-sided, not data errors we may hide: counted
    assert int(reasons["non-positive bid"]) > 0 and int(reasons["non-positive ask"]) > 0
    q = Dataset(tmp_path / "ds").scan("quotes").collect()  # a Dataset reads one version: open the new one
    assert (q.get_column("bid") <= q.get_column("ask")).all()
    assert q.get_column("bid_size").min() >= 100  # round lots to shares


def test_binance_trades_and_bookticker(tmp_path):
    t_src = require_shared("binance", "parquet", "spot_btcusdt_20240808_trades.parquet")
    q_src = require_shared("binance", "parquet", "spot_btcusdt_20240808_bookticker.parquet")
    crypto = ROOT / "configs" / "crypto.yaml"
    rep = ingest(tmp_path, "binance_trades_generic.yaml", t_src, crypto)
    assert rep["rows_read"] == 9757 == rep["rows_kept"]
    raw = pl.read_parquet(t_src)
    ds = Dataset(tmp_path / "ds")
    got = ds.scan("trades").collect().sort("ts", "trade_id")
    first = raw.sort("trade_time_ms", "trade_id").row(0, named=True)
    assert got.row(0, named=True)["price"] == float(first["price"])
    assert got.get_column("ts")[0] == dt.datetime.fromtimestamp(first["trade_time_ms"] / 1000, dt.timezone.utc)
    # buyer_is_maker = true is a seller-initiated trade
    assert (got.get_column("aggressor") == -1).sum() == raw.get_column("buyer_is_maker").sum()
    # UTC days: one trade after midnight lands on 2024-08-09
    assert [p.date for p in ds.partitions("trades")] == [dt.date(2024, 8, 8), dt.date(2024, 8, 9)]

    rep = ingest(tmp_path, "binance_bookticker_generic.yaml", q_src, crypto)
    assert rep["rows_read"] == 28040 == rep["rows_kept"] + rep["rows_quarantined"]
    q = ds.refresh().scan("quotes").collect()  # a Dataset reads one version until refreshed
    assert q.get_column("ask").min() > 61000 and (q.get_column("ask") >= q.get_column("bid")).all()
