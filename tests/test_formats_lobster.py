"""LOBSTER reader: real sample files (zip, Parquet copy, AAPL level-10 fixture), Lee-Ready check, malformed files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from pydantic import ValidationError

from liqcost.errors import ConfigError, EmptyDataError, FileFormatError, UsageError
from liqcost.io.formats import detect, get_reader, parse_options
from liqcost.io.formats import read as read_format

pytestmark = pytest.mark.realdata

NY = ZoneInfo("America/New_York")


def _zip(ticker: str):
    return require_shared("lobster", "original_zips", f"LOBSTER_SampleFile_{ticker}_2012-06-21_1.zip")


def _raw_lines(ticker: str, part: str) -> list[str]:
    with zipfile.ZipFile(_zip(ticker)) as zf:
        name = next(n for n in zf.namelist() if f"_{part}_" in n)
        return zf.read(name).decode().splitlines()


def _hand_ts(text: str, date=dt.date(2012, 6, 21)) -> int:
    """Decode LOBSTER's 'seconds after midnight' text by hand: integer ns UTC, no float."""
    whole, _, frac = text.partition(".")
    ns_after_midnight = int(whole) * 10**9 + int((frac + "000000000")[:9])
    midnight = dt.datetime.combine(date, dt.time(), NY)
    utc_midnight_ns = int(midnight.timestamp()) * 10**9
    return utc_midnight_ns + ns_after_midnight


def _ns(series: pl.Series) -> np.ndarray:
    return series.dt.epoch("ns").to_numpy()


@pytest.fixture(scope="module")
def amzn_trades():
    return read_format(_zip("AMZN"), "trades", "lobster")


@pytest.fixture(scope="module")
def amzn_quotes():
    return read_format(_zip("AMZN"), "quotes", "lobster")


def test_detect_lobster_files():
    assert detect(_zip("AMZN")) == "lobster"
    fixture = require_shared("lobster", "aapl_level10_first999rows_fixture")
    for f in fixture.iterdir():
        assert detect(f) == "lobster"
    assert detect(require_shared("lobster", "parquet", "AMZN_2012-06-21_level1_message_plus_book.parquet")) == "lobster"


def test_amzn_trade_counts_and_types(amzn_trades):
    t = amzn_trades
    # PROVENANCE: AMZN executions type 4 / 5 = 8,974 / 2,445; no halts
    assert t.height == 11_419
    assert t.get_column("_reason").null_count() == t.height
    counts = dict(t.group_by("cond").len().iter_rows())
    assert counts == {"visible": 8_974, "hidden": 2_445}
    assert t.get_column("size").sum() == 810_755  # executed shares (PROVENANCE)
    assert t.get_column("price").min() == pytest.approx(220.51) and t.get_column("price").max() == pytest.approx(226.03)
    assert t.schema["ts"] == pl.Datetime("ns", "UTC") and t.schema["aggressor"] == pl.Int8
    assert set(t.get_column("venue").unique()) == {"XNAS"} and set(t.get_column("symbol").unique()) == {"AMZN"}
    assert t.get_column("_row").is_unique().all()


def test_amzn_values_decoded_by_hand(amzn_trades):
    lines = _raw_lines("AMZN", "message")
    assert len(lines) == 57_515
    t = amzn_trades
    # first trade = line 1: "34200.017459617,5,0,1,2238200,-1" (hidden sell order executed -> buy)
    assert lines[0] == "34200.017459617,5,0,1,2238200,-1"
    first = t.row(0, named=True)
    assert first["_row"] == 1
    assert _ns(t.get_column("ts"))[0] == _hand_ts("34200.017459617")
    assert str(first["ts"]) == "2012-06-21 13:30:00.017459+00:00"  # EDT = UTC-4
    assert first["price"] == 223.82 and first["size"] == 1.0 and first["aggressor"] == 1 and first["cond"] == "hidden"
    # line 3: "34200.190226476,4,11885113,21,2238100,1": visible buy limit order hit -> seller-initiated
    row3 = t.filter(pl.col("_row") == 3).row(0, named=True)
    assert lines[2] == "34200.190226476,4,11885113,21,2238100,1"
    assert (row3["price"], row3["size"], row3["aggressor"], row3["cond"]) == (223.81, 21.0, -1, "visible")
    # last execution line of the file, decoded by hand
    last_exec = max(i for i, ln in enumerate(lines) if ln.split(",")[1] in ("4", "5"))
    fields = lines[last_exec].split(",")
    last = t.row(t.height - 1, named=True)
    assert last["_row"] == last_exec + 1
    assert _ns(t.get_column("ts"))[-1] == _hand_ts(fields[0])
    assert last["price"] == int(fields[4]) / 10_000 and last["size"] == float(fields[3])
    assert last["aggressor"] == -int(fields[5])
    # every execution time equals the text decoded without float
    exec_lines = [ln.split(",") for ln in lines if ln.split(",")[1] in ("4", "5")]
    assert np.array_equal(_ns(t.get_column("ts")), np.array([_hand_ts(f[0]) for f in exec_lines], dtype=np.int64))


def test_eight_decimal_times_are_exact():
    # "34200.18960767" has 8 decimals: 34200 s + 189,607,670 ns
    lines = _raw_lines("AMZN", "message")
    assert lines[1].startswith("34200.18960767,")
    q = read_format(_zip("AMZN"), "quotes", "lobster")
    row2 = q.filter(pl.col("_row") == 2)
    assert _ns(row2.get_column("ts"))[0] == _hand_ts("34200.18960767")


def test_zip_and_parquet_copy_agree(amzn_trades, amzn_quotes):
    pq = require_shared("lobster", "parquet", "AMZN_2012-06-21_level1_message_plus_book.parquet")
    assert read_format(pq, "trades", "lobster").equals(amzn_trades)
    assert read_format(pq, "quotes", "lobster").equals(amzn_quotes)


def test_amzn_quotes_on_change(amzn_quotes):
    q = amzn_quotes
    book = _raw_lines("AMZN", "orderbook")
    msgs = _raw_lines("AMZN", "message")
    assert len(book) == len(msgs) == 57_515
    # reference: collapse to the last row per time stamp, then keep changes of the level-1 state
    times = [m.split(",")[0] for m in msgs]
    keep = []
    prev = None
    for i, (t, b) in enumerate(zip(times, book)):
        if i + 1 < len(times) and times[i + 1] == t:
            continue
        if b != prev:
            keep.append(i + 1)
            prev = b
    assert q.get_column("_row").to_list() == keep
    assert q.height == 51_701
    first = q.row(0, named=True)  # book after message 1: "2239500,100,2231800,100"
    assert book[0] == "2239500,100,2231800,100"
    assert (first["ask"], first["ask_size"], first["bid"], first["bid_size"]) == (223.95, 100.0, 223.18, 100.0)
    assert q.get_column("_reason").null_count() == q.height
    # PROVENANCE: median level-1 spread $0.13, never crossed
    assert float((q.get_column("ask") - q.get_column("bid")).median()) == pytest.approx(0.13)
    assert (q.get_column("ask") > q.get_column("bid")).all()


def _lee_ready(trades: pl.DataFrame, quotes: pl.DataFrame) -> pl.DataFrame:
    """Lee & Ready (1991): quote test against the midpoint prevailing strictly before the trade, tick test at the mid."""
    mids = quotes.filter(pl.col("_reason").is_null()).select(
        (pl.col("ts").dt.epoch("ns") + 1).alias("t_eff"), ((pl.col("bid") + pl.col("ask")) / 2).alias("mid")
    )
    tr = trades.with_columns(pl.col("ts").dt.epoch("ns").alias("t")).sort("t", "_row")
    tr = tr.join_asof(mids.sort("t_eff"), left_on="t", right_on="t_eff", strategy="backward")
    tr = tr.with_columns(pl.col("price").diff().alias("dp"))
    tr = tr.with_columns(pl.when(pl.col("dp") != 0).then(pl.col("dp").sign()).otherwise(None).forward_fill().alias("tick"))
    lr = pl.when(pl.col("price") > pl.col("mid")).then(1).when(pl.col("price") < pl.col("mid")).then(-1).otherwise(pl.col("tick"))
    return tr.with_columns(lr.alias("lee_ready"))


@pytest.mark.parametrize(
    "ticker, n_ok, n_visible_ok, n_hidden_ok",
    [("AMZN", 11_147, 8_974, 2_173), ("GOOG", 11_353, 7_764, 3_589)],
)
def test_aggressor_agrees_with_lee_ready(ticker, n_ok, n_visible_ok, n_hidden_ok):
    trades = read_format(_zip(ticker), "trades", "lobster")
    quotes = read_format(_zip(ticker), "quotes", "lobster")
    lr = _lee_ready(trades, quotes)
    agree = (lr.get_column("lee_ready") == lr.get_column("aggressor")).fill_null(False)  # no quote yet = disagree
    by = dict(lr.with_columns(agree.alias("ok")).group_by("cond").agg(pl.col("ok").sum()).iter_rows())
    # visible executions trade at the quote the order rested at: Lee-Ready agrees on every one that has a
    # prevailing quote (GOOG's single miss is its first trade, before any quote)
    assert by["visible"] == n_visible_ok
    assert by["hidden"] == n_hidden_ok
    assert int(agree.sum()) == n_ok
    assert n_ok / trades.height > 0.97


def test_goog_counts():
    t = read_format(_zip("GOOG"), "trades", "lobster")
    assert dict(t.group_by("cond").len().iter_rows()) == {"visible": 7_765, "hidden": 3_913}
    assert t.get_column("size").sum() == 706_125


def test_aapl_level10_fixture():
    folder = require_shared("lobster", "aapl_level10_first999rows_fixture")
    msg = folder / "AAPL_2012-06-21_34200000_57600000_message_10.csv"
    lines = msg.read_text().splitlines()
    assert len(lines) == 999  # last line has no trailing newline
    q = read_format(msg, "quotes", "lobster")
    t = read_format(msg, "trades", "lobster")
    assert q.get_column("_row").max() <= 999 and q.height == 448
    n_exec = sum(1 for ln in lines if ln.split(",")[1] in ("4", "5"))
    assert t.height == n_exec
    first = q.row(0, named=True)
    assert (first["ask"], first["bid"], first["ask_size"], first["bid_size"]) == (585.94, 585.33, 200.0, 18.0)
    assert _ns(q.get_column("ts"))[0] == _hand_ts("34200.004241176")
    # the last line (no trailing newline) is read
    assert t.get_column("_row").max() <= 999
    assert read_format(msg, "quotes", "lobster", {"quotes_on_change": False, "last_state_per_timestamp": False}).height == 999


# ----------------------------------------------------------------------------------- synthetic pairs


def _pair(tmp_path, messages: list[str], book: list[str], level: int = 1, name: str = "XYZ_2012-06-21_34200000_57600000"):
    m = tmp_path / f"{name}_message_{level}.csv"
    b = tmp_path / f"{name}_orderbook_{level}.csv"
    m.write_text("\n".join(messages) + "\n")
    b.write_text("\n".join(book) + "\n")
    return m, b


BOOK = "1000100,100,1000000,200"


def test_halts_and_dummy_levels_get_reasons(tmp_path):
    msgs = [
        "34200.1,1,1,100,1000000,1",
        "36023.0,7,0,0,-1,-1",
        "36323.0,7,0,0,0,-1",
        "36723.0,7,0,0,1,-1",
        "36800.5,4,1,50,1000000,1",
        "36900.5,3,2,100,1000100,-1",
        "57500,6,-1,1000,1000050,-1",
    ]
    book = [BOOK, BOOK, BOOK, BOOK, "1000100,100,1000000,150", "9999999999,0,1000000,150", "9999999999,0,-9999999999,0"]
    m, _ = _pair(tmp_path, msgs, book)
    t = read_format(m, "trades", "lobster")
    reasons = t.get_column("_reason").to_list()
    assert reasons[:3] == [
        "LOBSTER trading halt (type 7, price -1)",
        "LOBSTER quoting resumes (type 7, price 0)",
        "LOBSTER trading resumes (type 7, price 1)",
    ]
    ok = t.filter(pl.col("_reason").is_null())
    assert ok.get_column("_row").to_list() == [5, 7]
    cross = ok.row(1, named=True)
    assert (cross["cond"], cross["aggressor"], cross["auction"], cross["price"]) == ("cross", 0, 2, 100.005)
    assert ok.row(0, named=True)["aggressor"] == -1
    q = read_format(m, "quotes", "lobster")
    assert q.get_column("_row").to_list() == [1, 5, 6, 7]
    assert q.get_column("_reason").to_list()[2:] == [
        "empty ask side (LOBSTER dummy price 9999999999)",
        "empty book (LOBSTER dummy prices on both sides)",
    ]
    assert q.row(2, named=True)["ask"] is None
    # integer seconds ("57500") parse too
    assert _ns(t.get_column("ts"))[-1] == _hand_ts("57500")


def test_options_hidden_symbol_date_timezone(tmp_path):
    msgs = ["34200.5,5,0,10,1000000,-1", "34201.5,4,1,10,1000000,1"]
    m, _ = _pair(tmp_path, msgs, [BOOK, BOOK])
    t = read_format(m, "trades", "lobster", {"include_hidden": False, "symbol": "ABC", "date": "2012-12-21"})
    assert t.get_column("_reason").to_list() == ["hidden-order execution excluded (options.include_hidden: false)", None]
    assert set(t.get_column("symbol")) == {"ABC"}
    # December: EST = UTC-5
    assert _ns(t.get_column("ts"))[1] == _hand_ts("34201.5", dt.date(2012, 12, 21))
    assert str(t.get_column("ts")[1]) == "2012-12-21 14:30:01.500000+00:00"
    with pytest.raises(ConfigError, match=r"options\.include_hiden: unknown key \(did you mean 'include_hidden'\?\)"):
        parse_options("lobster", {"include_hiden": False}, "m.yaml")
    with pytest.raises(ConfigError, match=r"options\.timezone: expected an IANA time zone"):
        parse_options("lobster", {"timezone": "Mars/Olympus"}, "m.yaml")


def test_same_timestamp_states_collapse(tmp_path):
    # an aggressive order walks two levels at one time stamp: only the final state is a quote
    msgs = ["34200.1,1,1,100,1000000,1", "34200.2,4,9,100,1000100,-1", "34200.2,4,8,50,1000200,-1"]
    book = [BOOK, "1000200,50,1000000,200", "1000300,70,1000000,200"]
    m, _ = _pair(tmp_path, msgs, book)
    assert read_format(m, "quotes", "lobster").get_column("_row").to_list() == [1, 3]
    assert read_format(m, "quotes", "lobster", {"last_state_per_timestamp": False}).get_column("_row").to_list() == [1, 2, 3]


def test_wrong_column_count_is_an_error(tmp_path):
    m, _ = _pair(tmp_path, ["34200.1,1,1,100,1000000,1", "34200.2,4,1,100,1000000,1,7"], [BOOK, BOOK])
    with pytest.raises(FileFormatError, match=r"message_1\.csv line 2: 7 fields, expected 6"):
        read_format(m, "trades", "lobster")
    m, _ = _pair(tmp_path, ["34200.1,1,1,100,1000000,1", "34200.2,4,1,100,1000000,1"], [BOOK, "1000100,100,1000000"])
    with pytest.raises(FileFormatError, match=r"orderbook_1\.csv line 2: 3 fields, expected 4"):
        read_format(m, "quotes", "lobster")
    # level in the file name says 2: the book must have 8 fields
    m, _ = _pair(tmp_path, ["34200.1,1,1,100,1000000,1"], [BOOK], level=2)
    with pytest.raises(FileFormatError, match=r"line 1: 4 fields, expected 8 \(4 fields per level x 2 levels\)"):
        read_format(m, "quotes", "lobster")


def test_row_count_mismatch_is_an_error(tmp_path):
    m, _ = _pair(tmp_path, ["34200.1,1,1,100,1000000,1", "34200.2,3,1,100,1000000,1"], [BOOK])
    with pytest.raises(FileFormatError, match=r"1 rows but the message file has 2"):
        read_format(m, "quotes", "lobster")


def test_truncated_real_orderbook_in_a_zip(tmp_path):
    # a real archive whose orderbook member lost its last 1000 lines
    src = _zip("GOOG")
    bad = tmp_path / "LOBSTER_SampleFile_GOOG_2012-06-21_1.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if "_orderbook_" in name:
                data = b"\n".join(data.splitlines()[:-1000]) + b"\n"
            zout.writestr(name, data)
    with pytest.raises(FileFormatError, match=r"48482 rows but the message file has 49482"):
        read_format(bad, "quotes", "lobster")


def test_unparseable_fields_become_reasons(tmp_path):
    m, _ = _pair(tmp_path, ["34200.1,4,1,abc,1000000,1", "34x00.1,4,1,100,1000000,1", "34200.3,9,1,1,1,1"], [BOOK, BOOK, BOOK])
    t = read_format(m, "trades", "lobster")
    assert t.get_column("_reason").to_list() == [
        "unparseable LOBSTER message line '34200.1,4,1,abc,1000000,1'",
        "unparseable LOBSTER time '34x00.1'",
        "unknown LOBSTER event type '9'",
    ]


def test_empty_and_wrong_inputs(tmp_path):
    m = tmp_path / "XYZ_2012-06-21_34200000_57600000_message_1.csv"
    m.write_bytes(b"")
    with pytest.raises(EmptyDataError, match="empty"):
        read_format(m, "trades", "lobster")
    m.write_text("\n\n")
    with pytest.raises(EmptyDataError, match="no lines of data"):
        read_format(m, "trades", "lobster")
    m.write_text("34200.1,4,1,100,1000000,1\n")
    with pytest.raises(FileFormatError, match="orderbook file .* is missing"):
        read_format(m, "quotes", "lobster")
    assert read_format(m, "trades", "lobster").height == 1  # trades need only the message file
    ob = tmp_path / "XYZ_2012-06-21_34200000_57600000_orderbook_1.csv"
    ob.write_text(BOOK + "\n")
    with pytest.raises(UsageError, match="pass the message file"):
        read_format(ob, "trades", "lobster")
    odd = tmp_path / "messages.csv"
    odd.write_text("34200.1,4,1,100,1000000,1\n")
    with pytest.raises(UsageError, match="set options.symbol"):
        read_format(odd, "trades", "lobster")
    assert read_format(odd, "trades", "lobster", {"symbol": "XYZ", "date": "2012-06-21", "level": 1}).height == 1
    with pytest.raises(UsageError, match="makes trades, quotes, not bars"):
        read_format(m, "bars", "lobster")
    junk = tmp_path / "archive.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(FileFormatError, match="not a readable zip"):
        read_format(junk, "trades", "lobster")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(FileFormatError, match="holds no LOBSTER message file"):
        read_format(tmp_path / "other.zip", "trades", "lobster")


def test_module_contract():
    mod = get_reader("lobster")
    assert mod.KINDS == ("trades", "quotes")
    opts = mod.Options()
    with pytest.raises(ValidationError, match="frozen"):
        opts.include_hidden = False
    assert all(f.description for f in mod.Options.model_fields.values())


def test_ingest_end_to_end(tmp_path):
    from liqcost.config import Config
    from liqcost.io.dataset import Dataset
    from liqcost.io.ingest import ingest_file

    ds = tmp_path / "ds"
    rt = ingest_file(_zip("AMZN"), "trades", ds, Config())
    rq = ingest_file(_zip("AMZN"), "quotes", ds, Config())
    assert (rt.format, rt.rows_read, rt.rows_kept, rt.rows_quarantined) == ("lobster", 11_419, 11_419, 0)
    assert (rq.rows_read, rq.rows_kept) == (51_701, 51_701)
    data = Dataset(ds).read("trades", "AMZN", dt.date(2012, 6, 21))
    assert data.height == 11_419 and data.get_column("aggressor").abs().min() == 1
    _ = io
