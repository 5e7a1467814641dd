"""Daily CSV bars (``Date,Open,High,Low,Close,Volume,OpenInt``) and the staged 700-ticker Parquet copy."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import require_shared

from liqcost.errors import EmptyDataError, SchemaError, UsageError
from liqcost.io.formats import detect
from liqcost.io.formats import read as read_format

pytestmark = pytest.mark.realdata


def _sample():
    return require_shared("daily_us_stocks", "stocks_daily_sample700.parquet")


def _write_huge_layout(path, rows: pl.DataFrame) -> None:
    """Write rows the way the 'Huge Stock Market Dataset' text files are laid out (OpenInt always 0)."""
    lines = ["Date,Open,High,Low,Close,Volume,OpenInt"]
    for r in rows.iter_rows(named=True):
        lines.append(f"{r['Date']:%Y-%m-%d},{r['Open']!r},{r['High']!r},{r['Low']!r},{r['Close']!r},{r['Volume']},0")
    path.write_text("\n".join(lines) + "\n")


def test_parquet_copy_counts():
    b = read_format(_sample(), "bars", "daily_csv")
    assert detect(_sample()) == "daily_csv"
    assert b.height == 1_956_885 and b.get_column("symbol").n_unique() == 700
    assert b.get_column("_reason").null_count() == b.height
    assert b.get_column("date").min() == dt.date(1970, 1, 2) and b.get_column("date").max() == dt.date(2017, 11, 10)
    assert b.filter(pl.col("volume") == 0).height == 1_106  # PROVENANCE: zero-volume rows are data, not errors
    assert b.schema["volume"] == pl.Float64 and b.schema["date"] == pl.Date and "ts" not in b.columns


def test_thin_ticker_text_file_by_hand(tmp_path):
    rows = pl.read_parquet(_sample()).filter(pl.col("ticker") == "BASI")
    f = tmp_path / "basi.us.txt"
    _write_huge_layout(f, rows)
    assert detect(f) == "daily_csv"
    text = f.read_text().splitlines()
    assert text[1] == "2005-02-25,6.13,6.25,6.13,6.25,3326,0"
    b = read_format(f, "bars", "daily_csv")
    assert b.height == 2_944 and set(b.get_column("symbol")) == {"BASI"}
    first = b.row(0, named=True)
    assert (first["date"], first["open"], first["high"], first["low"], first["close"], first["volume"], first["_row"]) == (
        dt.date(2005, 2, 25), 6.13, 6.25, 6.13, 6.25, 3326.0, 2)
    last_fields = text[-1].split(",")
    last = b.row(b.height - 1, named=True)
    assert last["date"] == dt.date.fromisoformat(last_fields[0]) == dt.date(2017, 11, 10)
    assert (last["close"], last["volume"]) == (float(last_fields[4]), float(last_fields[5]))
    assert b.select("open", "high", "low", "close").to_numpy().tolist() == rows.select("Open", "High", "Low", "Close").to_numpy().tolist()


def test_reasons_and_formats(tmp_path):
    f = tmp_path / "xyz.us.txt"
    f.write_text(
        "Date,Open,High,Low,Close,Volume,OpenInt\n"
        "20170103,1.5,1.6,1.4,1.55,1000,0\n"
        "01/04/2017,1.55,1.6,1.5,n/a,200,0\n"
        "2017-01-05,1.5,1.5,1.5,1.5,,0\n"
        "2017-13-06,1.5,1.5,1.5,1.5,0,0\n"
    )
    b = read_format(f, "bars", "daily_csv")
    assert b.get_column("date").to_list()[:3] == [dt.date(2017, 1, 3), dt.date(2017, 1, 4), dt.date(2017, 1, 5)]
    assert b.get_column("_reason").to_list() == [None, "unparseable Close 'n/a'", "unparseable Volume ''", "unparseable Date '2017-13-06'"]
    assert b.get_column("_row").to_list() == [2, 3, 4, 5]
    assert read_format(f, "bars", "daily_csv", {"symbol": "XYZ.US"}).get_column("symbol")[0] == "XYZ.US"


def test_adjusted_yahoo_layout(tmp_path):
    f = tmp_path / "ABC.csv"
    f.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,12,9,11,5.5,1000\n")
    assert detect(f) == "daily_csv"
    raw = read_format(f, "bars", "daily_csv")
    assert (raw.row(0, named=True)["close"], raw.row(0, named=True)["volume"]) == (11.0, 1000.0)
    adj = read_format(f, "bars", "daily_csv", {"adjusted": True}).row(0, named=True)
    assert (adj["open"], adj["high"], adj["low"], adj["close"], adj["volume"]) == (5.0, 6.0, 4.5, 5.5, 2000.0)


def test_malformed(tmp_path):
    empty = tmp_path / "empty.us.txt"
    empty.write_text("Date,Open,High,Low,Close,Volume,OpenInt\n")
    with pytest.raises(EmptyDataError, match="header but no rows"):
        read_format(empty, "bars", "daily_csv")
    zero = tmp_path / "zero.us.txt"
    zero.write_bytes(b"")
    with pytest.raises(EmptyDataError, match="0 bytes"):
        read_format(zero, "bars", "daily_csv")
    bad = tmp_path / "bad.us.txt"
    bad.write_text("Date,Open,High,Low,Price,Volume\n2017-01-03,1,1,1,1,1\n")
    with pytest.raises(SchemaError, match="missing Close"):
        read_format(bad, "bars", "daily_csv")
    with pytest.raises(UsageError, match="makes bars, not trades"):
        read_format(bad, "trades", "daily_csv")


def test_ingest_end_to_end(tmp_path):
    from liqcost.config import Config
    from liqcost.io.dataset import Dataset
    from liqcost.io.ingest import ingest_file

    # the last year of BASI (one part file per symbol-day: keep the test small)
    rows = pl.read_parquet(_sample()).filter((pl.col("ticker") == "BASI") & (pl.col("Date") >= dt.date(2016, 11, 10)))
    f = tmp_path / "basi.us.txt"
    _write_huge_layout(f, rows)
    r = ingest_file(f, "bars", tmp_path / "ds", Config())
    assert (r.format, r.rows_read, r.symbols) == ("daily_csv", rows.height, ["BASI"])
    assert r.rows_kept + r.rows_quarantined == rows.height and rows.height > 240
    assert Dataset(tmp_path / "ds").read("bars", "BASI").height == r.rows_kept
