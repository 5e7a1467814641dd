"""Bitstamp and Mt.Gox trade CSVs (sparse early bitcoin markets)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import require_shared

from liqcost.errors import FileFormatError, UsageError
from liqcost.io.formats import detect
from liqcost.io.formats import read as read_format

pytestmark = pytest.mark.realdata


def test_bitstamp_file():
    f = require_shared("bitstamp", "bitstampUSD.csv")
    assert detect(f) == "bitstamp"
    t = read_format(f, "trades", "bitstamp")
    lines = f.read_text().splitlines()
    assert t.height == len(lines) == 9_999 and t.get_column("_reason").null_count() == t.height
    assert lines[0] == "1315922016,5.800000000000,1.000000000000"
    first = t.row(0, named=True)
    assert (first["symbol"], first["price"], first["size"], first["_row"]) == ("BTCUSD.BITSTAMP", 5.8, 1.0, 1)
    assert str(first["ts"]) == "2011-09-13 13:53:36+00:00"
    assert str(t.get_column("ts").max()) == "2012-05-31 08:41:18+00:00"
    assert t.get_column("price").min() == 2.22 and t.get_column("price").max() == 15.0
    assert "aggressor" not in t.columns


def test_mtgox_file():
    f = require_shared("bitstamp", "trades-mgtox-usd-2013-01-01.csv")
    assert detect(f) == "bitstamp"
    t = read_format(f, "trades", "bitstamp")
    assert t.height == 2_331 and t.get_column("_row")[0] == 2
    assert t.get_column("size").sum() == pytest.approx(28_168.9, abs=0.05)
    assert dict(t.group_by("aggressor").len().iter_rows()) == {1: 812, -1: 1_519}
    first = t.row(0, named=True)
    # 1356998659486096,13.51001,36.87430786,ask: the id is the time in microseconds
    assert (first["price"], first["size"], first["aggressor"], first["trade_id"]) == (13.51001, 36.87430786, -1, "1356998659486096")
    assert t.get_column("ts").dt.epoch("us")[0] == 1_356_998_659_486_096
    # the taker-side reading agrees with the tick rule on most price-changing trades
    chg = t.with_columns(pl.col("price").diff().sign().alias("tick")).filter(pl.col("tick") != 0)
    assert (chg.get_column("tick") == chg.get_column("aggressor")).mean() > 0.9
    assert set(read_format(f, "trades", "bitstamp", {"mtgox_type": "ignore"}).get_column("aggressor")) == {0}


def test_exchanges_get_their_own_symbol(tmp_path):
    # both files are BTC/USD; one symbol for both merged two exchanges (2011-12 Bitstamp, 2013 Mt.Gox) into
    # one day grid with seven months of "zero-volume" days between them (found by the end-to-end profile run)
    from liqcost.config import load_config
    from liqcost.io.dataset import Dataset
    from liqcost.io.ingest import ingest_file

    cfg = load_config(None, {"session.timezone": "UTC"})
    for name in ("bitstampUSD.csv", "trades-mgtox-usd-2013-01-01.csv"):
        ingest_file(require_shared("bitstamp", name), "trades", tmp_path / "ds", cfg)
    ds = Dataset(tmp_path / "ds")
    assert ds.symbols("trades") == ["BTCUSD.BITSTAMP", "BTCUSD.MTGOX"]
    assert ds.dates("trades", "BTCUSD.MTGOX") == [dt.date(2013, 1, 1)]
    assert ds.read("trades", "BTCUSD.MTGOX").get_column("venue").unique().to_list() == ["MTGOX"]


def test_malformed(tmp_path):
    f = tmp_path / "bitstampUSD.csv"
    f.write_text("1315922016,5.8,1.0\n1315922024,5.83\n")
    with pytest.raises(FileFormatError, match="line 2: 2 fields, expected 3"):
        read_format(f, "trades", "bitstamp")
    f.write_text("1315922016,5.8,1.0\nabc,5.83,2\n1315922030,x,2\n")
    t = read_format(f, "trades", "bitstamp")
    assert t.get_column("_reason").to_list() == [None, "unparseable time 'abc'", "unparseable price 'x'"]
    g = tmp_path / "trades.csv"
    g.write_text("1315922016,5.8,1.0\n")
    with pytest.raises(UsageError, match="set options.symbol"):
        read_format(g, "trades", "bitstamp")
    assert read_format(g, "trades", "bitstamp", {"symbol": "BTCEUR"}).get_column("symbol")[0] == "BTCEUR"
