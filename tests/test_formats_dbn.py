"""Databento DBN reader: every real fixture decoded and checked against databento_dbn's own decoder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace as NS

import databento_dbn as dbn
import numpy as np
import pytest
import zstandard
from conftest import require_shared

from liqcost.errors import EmptyDataError, FileFormatError, UsageError
from liqcost.io.formats import detect, get_reader
from liqcost.io.formats import read as read_format

pytestmark = pytest.mark.realdata

DBN = get_reader("dbn")
SUPPORTED = set(DBN.SCHEMA_KINDS)


def _root() -> Path:
    return require_shared("databento")


def _files() -> list[Path]:
    return sorted(_root().glob("*/*.dbn.zst")) + sorted(_root().glob("*/*/*.dbn.zst"))


def _objects(path: Path):
    dec = dbn.DBNDecoder()
    dec.write(_plain(path))
    recs = dec.decode()
    return recs[0], recs[1:]


NAUT = "nautilus_trader"
FUT_TRADES = "futures_trades_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"
FUT_MBP1 = "futures_mbp-1_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"
FUT_OHLCV = "futures_ohlcv-1m_2024-07-01T23-40_2024-07-02T00-10.dbn.zst"


def test_every_fixture_detected_and_numpy_decode_matches_databento_dbn():
    files = _files()
    assert len(files) == 41
    checked = 0
    for f in files:
        assert detect(f) == "dbn"
        meta, objs = _objects(f)
        if str(meta.schema) not in SUPPORTED:
            with pytest.raises(UsageError, match=f"DBN schema '{meta.schema}' is not read by liqcost"):
                DBN.decode(f)
            continue
        dec = DBN.decode(f)
        rec = dec.records
        assert len(rec) == len(objs), f
        fields = ["instrument_id", "ts_event"]
        if str(meta.schema).startswith("ohlcv"):
            fields += ["open", "high", "low", "close", "volume"]
        else:
            fields += ["price", "size", "ts_recv", "sequence"]
        for name in fields:
            assert np.array_equal(rec[name], np.array([getattr(o, name) for o in objs], dtype=rec[name].dtype)), (f, name)
        if "bid_px_00" in rec.dtype.names:
            for name in ("bid_px", "ask_px", "bid_sz", "ask_sz"):
                want = np.array([getattr(o.levels[0], name) for o in objs], dtype=rec[f"{name}_00"].dtype)
                assert np.array_equal(rec[f"{name}_00"], want), (f, name)
        if "side" in rec.dtype.names:
            assert [chr(s) for s in rec["side"]] == [str(o.side) if len(str(o.side)) == 1 else o.side.value for o in objs]
        checked += 1
    assert checked == 30  # 41 files; 11 are definition, mbo, statistics, status or imbalance


def test_versions_1_and_3_both_read():
    v1 = _root() / NAUT / FUT_TRADES
    v3 = _root() / "databento-python" / "XNAS.ITCH" / "test_data.trades.dbn.zst"
    assert DBN.decode(v1).version == 1 and DBN.decode(v3).version == 3


def test_nvda_tbbo_exact_values():
    f = _root() / "databento-python" / "XNAS.ITCH" / "test_data.tbbo.dbn.zst"
    t = read_format(f, "trades", "dbn")
    assert t.height == 4 and set(t.get_column("symbol")) == {"NVDA"} and set(t.get_column("venue")) == {"XNAS.ITCH"}
    first = t.row(0, named=True)
    # record 1: ts_event 1609146312576690768, price 521000000000, size 36, side 'B'
    assert t.get_column("ts").dt.epoch("ns")[0] == 1_609_146_312_576_690_768
    assert str(first["ts"]) == "2020-12-28 09:05:12.576690+00:00"
    assert (first["price"], first["size"], first["aggressor"], first["trade_id"]) == (521.0, 36.0, 1, "362933")
    assert t.get_column("aggressor").to_list() == [1, 1, -1, 0]  # B, B, A, N
    assert t.get_column("price").to_list() == [521.0, 521.0, 521.0, 521.01]
    q = read_format(f, "quotes", "dbn")
    # the book just before each trade, stamped 1 ns earlier; record 2 repeats record 1's book except the ask size
    assert q.get_column("ts").dt.epoch("ns")[0] == 1_609_146_312_576_690_767
    assert q.row(0, named=True)["bid"] == 520.0 and q.row(0, named=True)["ask"] == 521.0
    assert (q.row(0, named=True)["bid_size"], q.row(0, named=True)["ask_size"]) == (100.0, 40.0)
    assert q.height == 4 and q.get_column("_reason").null_count() == 4
    assert read_format(f, "quotes", "dbn", {"tbbo_quote_lead_ns": 0}).get_column("ts").dt.epoch("ns")[0] == 1_609_146_312_576_690_768


def test_nautilus_futures_window():
    trades = read_format(_root() / NAUT / FUT_TRADES, "trades", "dbn")
    assert trades.height == 120 and set(trades.get_column("symbol")) == {"ESU4"}
    assert str(trades.get_column("ts")[0]) == "2024-07-01 23:58:01.218218+00:00"
    assert trades.get_column("ts").dt.epoch("ns")[-1] == 1_719_878_512_813_445_903  # 2024-07-02 00:01:52.813445903
    assert trades.row(0, named=True)["price"] == 5528.75
    # the trades inside the mbp-1 file (action T) are the same prints as the trades file
    from_mbp = read_format(_root() / NAUT / FUT_MBP1, "trades", "dbn")
    cols = ["symbol", "ts", "price", "size", "aggressor", "trade_id"]
    assert from_mbp.select(cols).equals(trades.select(cols))
    quotes = read_format(_root() / NAUT / FUT_MBP1, "quotes", "dbn")
    assert quotes.height == 2_167  # of 2,288 book events: one state per time stamp, changes only
    assert (quotes.get_column("ask") > quotes.get_column("bid")).all()
    full = read_format(_root() / NAUT / FUT_MBP1, "quotes", "dbn", {"quotes_on_change": False, "last_state_per_timestamp": False})
    assert full.height == 2_288
    bars = read_format(_root() / NAUT / FUT_OHLCV, "bars", "dbn")
    assert bars.height == 60 and dict(bars.group_by("symbol").len().iter_rows()) == {"ESU4": 30, "NQU4": 30}
    assert str(bars.get_column("ts").min()) == "2024-07-01 23:40:00+00:00" and "date" not in bars.columns


def test_daily_bars_and_bbo():
    d = read_format(_root() / "databento-python" / "XNAS.ITCH" / "test_data.ohlcv-1d.dbn.zst", "bars", "dbn")
    row = d.row(0, named=True)
    assert (row["open"], row["high"], row["low"], row["close"], row["volume"]) == (521.0, 522.86, 510.54, 515.6, 1_424_253.0)
    assert row["date"] == dt.date(2020, 12, 28)
    b = read_format(_root() / "databento-python" / "EQUS.MINI" / "test_data.bbo-1s.dbn.zst", "quotes", "dbn")
    assert b.get_column("_reason").to_list()[:2] == ["empty book (DBN UNDEF_PRICE on both sides)", "empty ask side (DBN UNDEF_PRICE)"]
    # bbo is stamped at ts_recv, the end of the sampling interval (ts_event is undefined here)
    assert b.get_column("ts").dt.epoch("ns")[0] == 1_679_995_995_000_000_000
    assert b.row(1, named=True)["bid"] == 307.92 and b.row(1, named=True)["ask"] is None
    g = read_format(_root() / "databento-python" / "GLBX.MDP3" / "test_data.bbo-1m.dbn.zst", "quotes", "dbn")
    assert g.get_column("bid").to_list() == [3702.25, 3704.5, 3704.0, 3704.25]


def test_wrong_kind_and_unsupported_schema():
    with pytest.raises(UsageError, match="holds bars, not trades; pass --kind bars"):
        read_format(_root() / NAUT / FUT_OHLCV, "trades", "dbn")
    with pytest.raises(UsageError, match="'mbo' is not read"):
        read_format(_root() / NAUT / "esh4-glbx-mdp3-20231224.mbo.dbn.zst", "trades", "dbn")
    with pytest.raises(UsageError, match="makes trades, quotes, bars, not fills"):
        read_format(_root() / NAUT / FUT_TRADES, "fills", "dbn")


def _plain(path: Path) -> bytes:
    return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), read_across_frames=True).read()


def test_truncated_and_damaged_files(tmp_path):
    src = _root() / NAUT / FUT_TRADES
    raw = src.read_bytes()
    cut = tmp_path / "cut.dbn.zst"
    cut.write_bytes(raw[:-100])
    with pytest.raises(FileFormatError, match="truncated .*last zstd frame is incomplete"):
        read_format(cut, "trades", "dbn")
    plain = _plain(src)
    short = tmp_path / "short.dbn"
    short.write_bytes(plain[:-10])
    with pytest.raises(FileFormatError, match="last DBN record is incomplete \\(38 of 48 bytes\\)"):
        read_format(short, "trades", "dbn")
    meta_cut = tmp_path / "meta.dbn"
    meta_cut.write_bytes(plain[:40])
    with pytest.raises(FileFormatError, match="metadata is truncated"):
        read_format(meta_cut, "trades", "dbn")
    junk = tmp_path / "junk.dbn"
    junk.write_bytes(b"hello, world\n" * 10)
    with pytest.raises(FileFormatError, match="not a DBN file"):
        read_format(junk, "trades", "dbn")
    empty = tmp_path / "empty.dbn.zst"
    empty.write_bytes(b"")
    with pytest.raises(EmptyDataError):
        read_format(empty, "trades", "dbn")
    # an uncompressed copy reads the same as the .zst
    whole = tmp_path / "whole.dbn"
    whole.write_bytes(plain)
    assert read_format(whole, "trades", "dbn").equals(read_format(src, "trades", "dbn"))


def _metadata(mappings, schema=dbn.Schema.TRADES) -> bytes:
    m = dbn.Metadata(
        dataset="GLBX.MDP3",
        start=1_719_878_280_000_000_000,
        stype_in=dbn.SType.RAW_SYMBOL,
        stype_out=dbn.SType.INSTRUMENT_ID,
        schema=schema,
        symbols=[mp.raw_symbol for mp in mappings],
        mappings=mappings,
        end=1_719_878_580_000_000_000,
    )
    return bytes(m)


def _records(path: Path) -> bytes:
    plain = _plain(path)
    return plain[8 + int.from_bytes(plain[4:8], "little") :]


def test_symbology_unmapped_and_by_date(tmp_path):
    records = _records(_root() / NAUT / FUT_TRADES)
    bare = tmp_path / "bare.dbn"
    bare.write_bytes(_metadata([]) + records)
    t = read_format(bare, "trades", "dbn")
    assert t.get_column("_reason").null_count() == 0
    assert t.get_column("_reason")[0] == "no symbol mapping for instrument_id 118 (set options.symbol or options.unmapped: instrument_id)"
    assert set(read_format(bare, "trades", "dbn", {"unmapped": "instrument_id"}).get_column("symbol")) == {"118"}
    assert set(read_format(bare, "trades", "dbn", {"symbol": "ES"}).get_column("symbol")) == {"ES"}
    # instrument 118 is 'OLD' on 2024-07-01 and 'NEW' from 2024-07-02 (UTC dates)
    iv = lambda a, b: NS(start_date=a, end_date=b, symbol="118")
    maps = [NS(raw_symbol="OLD", intervals=[iv(dt.date(2024, 7, 1), dt.date(2024, 7, 2))]),
            NS(raw_symbol="NEW", intervals=[iv(dt.date(2024, 7, 2), dt.date(2024, 7, 3))])]
    rolled = tmp_path / "rolled.dbn"
    rolled.write_bytes(_metadata(maps) + records)
    r = read_format(rolled, "trades", "dbn")
    day = r.get_column("ts").dt.date()
    assert (r.filter(day == dt.date(2024, 7, 1)).get_column("symbol") == "OLD").all()
    assert (r.filter(day == dt.date(2024, 7, 2)).get_column("symbol") == "NEW").all()
    assert r.filter(day == dt.date(2024, 7, 2)).height > 0


def test_mixed_record_stream(tmp_path):
    """A live-style stream with system and symbol-mapping records between the trades."""
    src = _root() / NAUT / FUT_TRADES
    records = _records(src)
    heartbeat = bytes(dbn.SystemMsg(ts_event=1_719_878_281_000_000_000, msg="Heartbeat"))
    mixed = tmp_path / "mixed.dbn"
    mixed.write_bytes(_metadata([]) + records[: 48 * 10] + heartbeat + records[48 * 10 :] + heartbeat)
    t = read_format(mixed, "trades", "dbn", {"symbol": "ESU4"})
    ref = read_format(src, "trades", "dbn")
    cols = ["symbol", "ts", "price", "size", "aggressor"]
    assert t.select(cols).equals(ref.select(cols))
    cut = tmp_path / "mixed_cut.dbn"
    cut.write_bytes(mixed.read_bytes()[:-7])
    with pytest.raises(FileFormatError, match="last DBN record is incomplete"):
        read_format(cut, "trades", "dbn", {"symbol": "ESU4"})


def test_options_validation():
    from liqcost.config import ConfigError
    from liqcost.io.formats import parse_options

    assert parse_options("dbn", {"schema": "tbbo"}, "m.yaml").schema_ == "tbbo"
    with pytest.raises(ConfigError, match=r"options\.schema: expected 'auto', 'trades'"):
        parse_options("dbn", {"schema": "mbo"}, "m.yaml")
    with pytest.raises(ConfigError, match=r"options\.price_scale: expected greater than 0"):
        parse_options("dbn", {"price_scale": 0}, "m.yaml")


def test_ingest_end_to_end(tmp_path):
    from liqcost.config import Config
    from liqcost.io.ingest import ingest_file

    ds = tmp_path / "ds"
    r = ingest_file(_root() / NAUT / FUT_MBP1, "quotes", ds, Config())
    assert (r.format, r.rows_read, r.rows_kept) == ("dbn", 2_167, 2_167)
    r = ingest_file(_root() / NAUT / FUT_TRADES, "trades", ds, Config())
    assert (r.rows_read, r.rows_kept, r.rows_quarantined) == (120, 120, 0)
    r = ingest_file(_root() / NAUT / FUT_OHLCV, "bars", ds, Config())
    assert (r.rows_read, r.rows_kept, sorted(r.symbols)) == (60, 60, ["ESU4", "NQU4"])


def test_a_file_without_records_of_the_kind_warns(tmp_path):
    """XNAS.ITCH mbp-1 fixture: four ADD book updates and no trade; read as trades it ingests nothing, and says so."""
    from liqcost.config import Config
    from liqcost.errors import DataQualityWarning
    from liqcost.io.ingest import ingest_file

    with pytest.warns(DataQualityWarning, match=r"no trades in the file \(read as dbn\); nothing was ingested"):
        r = ingest_file(_root() / "databento-python" / "XNAS.ITCH" / "test_data.mbp-1.dbn.zst", "trades", tmp_path / "ds",
                        Config())
    assert (r.rows_read, r.rows_kept, r.partitions_written) == (0, 0, 0)
