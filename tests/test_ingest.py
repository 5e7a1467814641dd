"""Ingest: every validation rule, its message and exit code, the quarantine accounting, idempotence."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.cli import cli
from liqcost.config import Config
from liqcost.errors import ConfigError, DataError, EmptyDataError, FileFormatError, SchemaError
from liqcost.io.dataset import Dataset
from liqcost.io.ingest import ingest_file, load_table
from liqcost.io.mapping import Mapping, load_mapping

CFG = Config()

TRADES_HEAD = "symbol,ts,price,size\n"


def run_ingest(tmp_path, text: str, kind: str = "trades", name: str = "in.csv", mapping: Mapping | None = None, cfg=CFG):
    src = tmp_path / name
    src.write_text(text)
    report = ingest_file(src, kind, tmp_path / "ds", cfg, mapping)
    assert report.rows_read == report.rows_kept + report.rows_quarantined
    assert sum(report.reasons.values()) == report.rows_quarantined
    return report


def quarantine(tmp_path, kind="trades") -> pl.DataFrame:
    files = list((tmp_path / "ds" / "_quarantine" / f"kind={kind}").glob("*.parquet"))
    return pl.read_parquet(files[0]) if files else pl.DataFrame()


def cli_ingest(tmp_path, text: str, kind="trades", extra=()):
    src = tmp_path / "in.csv"
    src.write_text(text)
    return CliRunner().invoke(cli, ["ingest", "--kind", kind, *extra, str(src), "-o", str(tmp_path / "ds")])


# ------------------------------------------------------------------------------------- file-level errors


def test_missing_column_exit_1_with_suggestion(tmp_path):
    r = cli_ingest(tmp_path, "symbol,ts,prise,size\nA,2025-03-03T15:00:00Z,1,1\n")
    assert r.exit_code == 1
    assert "lacks 'price' (looked for column 'price' (did you mean 'prise'?))" in r.output
    assert "--mapping" in r.output and "Traceback" not in r.output


def test_empty_file(tmp_path):
    r = cli_ingest(tmp_path, "")
    assert r.exit_code == 1 and "the file is empty" in r.output
    with pytest.raises(EmptyDataError, match="header but no rows"):
        run_ingest(tmp_path, TRADES_HEAD)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileFormatError, match="file not found"):
        ingest_file(tmp_path / "nope.csv", "trades", tmp_path / "ds", CFG)
    with pytest.raises(FileFormatError, match="is a directory"):
        ingest_file(tmp_path, "trades", tmp_path / "ds", CFG)


def test_ragged_csv_is_a_format_error(tmp_path):
    with pytest.raises(FileFormatError, match="cannot be"):
        run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,1,1\nA,2025-03-03T15:00:01Z,1,1,9,9\n")


def test_no_kind_is_usage_error(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(TRADES_HEAD)
    r = CliRunner().invoke(cli, ["ingest", str(src), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2 and "--kind" in r.output


def test_no_output_is_usage_error(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(TRADES_HEAD)
    r = CliRunner().invoke(cli, ["ingest", "--kind", "trades", str(src)])
    assert r.exit_code == 2 and "-d DATASET" in r.output


def test_bad_mapping_is_config_error(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("colums:\n  ts: Time\n")
    with pytest.raises(ConfigError) as info:
        load_mapping(m)
    assert info.value.problems == ["colums: unknown key (did you mean 'columns'?)"]
    src = tmp_path / "in.csv"
    src.write_text(TRADES_HEAD)
    r = CliRunner().invoke(cli, ["ingest", "--kind", "trades", "--mapping", str(m), str(src), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2


def test_mapping_key_that_is_not_a_canonical_column(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("columns:\n  ts: Time\n  prise: Px\n")
    src = tmp_path / "in.csv"
    src.write_text("symbol,Time,Px,size\nA,2025-03-03T15:00:00Z,10,100\n")
    r = CliRunner().invoke(cli, ["ingest", "--kind", "trades", "--mapping", str(m), str(src), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2
    assert "mapping columns.prise: not a trades column (did you mean 'price'?)" in r.output
    assert not (tmp_path / "ds").exists()


def test_unknown_format_in(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(TRADES_HEAD + "A,2025-03-03T15:00:00Z,1,1\n")
    r = CliRunner().invoke(cli, ["ingest", "--kind", "trades", "--format-in", "parket", str(src), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2 and "unknown input format 'parket' (did you mean 'parquet'?)" in r.output


# ---------------------------------------------------------------------------------------- row rules


@pytest.mark.parametrize(
    "row, reason",
    [
        ("A,2025-03-03T15:00:00Z,abc,100", "unparseable price 'abc'"),
        ("A,2025-03-03T15:00:00Z,,100", "missing price"),
        ("A,2025-03-03T15:00:00Z,NaN,100", "NaN price"),
        ("A,2025-03-03T15:00:00Z,0,100", "non-positive price"),
        ("A,2025-03-03T15:00:00Z,-1.5,100", "non-positive price"),
        ("A,2025-03-03T15:00:00Z,10,0", "non-positive size"),
        ("A,2025-03-03T15:00:00Z,10,-5", "non-positive size"),
        ("A,2025-03-03T15:00:00Z,10,NaN", "NaN size"),
        ("A,not-a-time,10,5", "unparseable ts 'not-a-time'"),
        ("A,,10,5", "missing ts"),
        (",2025-03-03T15:00:00Z,10,5", "missing symbol"),
    ],
)
def test_trade_row_rules(tmp_path, row, reason):
    good = "A,2025-03-03T15:00:01Z,10,100\n"
    rep = run_ingest(tmp_path, TRADES_HEAD + good + row + "\n")
    assert (rep.rows_read, rep.rows_kept, rep.rows_quarantined) == (2, 1, 1)
    q = quarantine(tmp_path)
    assert q.get_column("reason").to_list() == [reason]
    assert q.get_column("row").to_list() == [3]  # line 3 of the file
    assert q.get_column("source").to_list() == [str(tmp_path / "in.csv")]


def test_quarantine_keeps_raw_text(tmp_path):
    run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,1O.5,100\n" + "A,2025-03-03T15:00:01Z,10,100\n")
    q = quarantine(tmp_path)
    assert q.row(0, named=True)["price"] == "1O.5"  # the file's own text, not a null


def test_duplicates_quarantined_first_kept(tmp_path):
    rows = ["A,2025-03-03T15:00:00Z,10,100", "A,2025-03-03T15:00:01Z,10,100", "A,2025-03-03T15:00:00Z,10,100"]
    rep = run_ingest(tmp_path, TRADES_HEAD + "\n".join(rows) + "\n")
    assert rep.reasons == {"exact duplicate": 1}
    assert quarantine(tmp_path).get_column("reason").to_list() == ["exact duplicate of row 2"]


def test_duplicates_keep_policy(tmp_path):
    rows = ["A,2025-03-03T15:00:00Z,10,100", "A,2025-03-03T15:00:00Z,10,100"]
    rep = run_ingest(tmp_path, TRADES_HEAD + "\n".join(rows) + "\n", mapping=Mapping(duplicates="keep"))
    assert rep.rows_kept == 2 and rep.rows_quarantined == 0


def test_distinct_trade_ids_are_not_duplicates(tmp_path):
    text = "symbol,ts,price,size,trade_id\nA,2025-03-03T15:00:00Z,10,100,1\nA,2025-03-03T15:00:00Z,10,100,2\n"
    rep = run_ingest(tmp_path, text)
    assert rep.rows_kept == 2


def test_unsorted_rows_sorted_and_counted(tmp_path):
    rows = ["A,2025-03-03T15:00:02Z,10,100", "A,2025-03-03T15:00:01Z,10,101", "B,2025-03-03T15:00:00Z,5,1", "A,2025-03-03T15:00:03Z,10,102"]
    rep = run_ingest(tmp_path, TRADES_HEAD + "\n".join(rows) + "\n")
    assert rep.rows_out_of_order_sorted == 1 and rep.rows_quarantined == 0
    a = Dataset(tmp_path / "ds").read("trades", "A", dt.date(2025, 3, 3))
    assert a.get_column("size").to_list() == [101.0, 100.0, 102.0]
    assert a.get_column("ts").is_sorted()


def test_unsorted_error_policy(tmp_path):
    cfg = Config.model_validate({"ingest": {"unsorted": "error"}})
    rows = ["A,2025-03-03T15:00:02Z,10,100", "A,2025-03-03T15:00:01Z,10,101"]
    with pytest.raises(DataError, match="time stamps go backwards at row 3"):
        run_ingest(tmp_path, TRADES_HEAD + "\n".join(rows) + "\n", cfg=cfg)


def test_bad_print(tmp_path):
    rows = [f"A,2025-03-03T15:00:{i:02d}Z,{10 + 0.01 * (i % 3):.2f},100" for i in range(30)]
    rows[15] = "A,2025-03-03T15:00:15Z,100.0,100"  # a decimal slip
    rep = run_ingest(tmp_path, TRADES_HEAD + "\n".join(rows) + "\n")
    assert rep.reasons == {"bad print": 1}
    assert quarantine(tmp_path).get_column("row").to_list() == [17]
    # disabled by config
    cfg = Config.model_validate({"ingest": {"bad_print_max_deviation_frac": None}})
    rep = run_ingest(tmp_path / ".." / tmp_path.name, TRADES_HEAD + "\n".join(rows) + "\n", name="b.csv", cfg=cfg)
    assert rep.rows_quarantined == 0


def test_bad_print_not_flagged_on_few_trades(tmp_path):
    # two trades a day far apart in price: too few neighbours to call either one bad
    rep = run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,10,100\nA,2025-03-03T16:00:00Z,14,100\n")
    assert rep.rows_quarantined == 0


QUOTES_HEAD = "symbol,ts,bid,ask,bid_size,ask_size\n"


@pytest.mark.parametrize(
    "row, reason",
    [
        ("A,2025-03-03T15:00:00Z,10.02,10.01,100,100", "crossed quote (bid > ask)"),
        ("A,2025-03-03T15:00:00Z,0,10.01,100,100", "non-positive bid (one-sided quote)"),
        ("A,2025-03-03T15:00:00Z,10,-1,100,100", "non-positive ask (one-sided quote)"),
        ("A,2025-03-03T15:00:00Z,10,10.01,-100,100", "negative or NaN bid size"),
        ("A,2025-03-03T15:00:00Z,1,10.01,100,100", "implausibly wide quote (spread > max_quote_spread_frac of mid)"),
        ("A,2025-03-03T15:00:00Z,x,10.01,100,100", "unparseable bid 'x'"),
    ],
)
def test_quote_row_rules(tmp_path, row, reason):
    rep = run_ingest(tmp_path, QUOTES_HEAD + "A,2025-03-03T15:00:01Z,10,10.01,100,100\n" + row + "\n", kind="quotes")
    assert rep.rows_quarantined == 1
    assert quarantine(tmp_path, "quotes").get_column("reason").to_list() == [reason]


def test_locked_quotes_flagged_and_kept(tmp_path):
    rep = run_ingest(tmp_path, QUOTES_HEAD + "A,2025-03-03T15:00:01Z,10,10,100,100\nA,2025-03-03T15:00:02Z,10,10.01,100,100\n", kind="quotes")
    assert rep.rows_kept == 2 and rep.locked_quotes_flagged == 1
    q = Dataset(tmp_path / "ds").read("quotes", "A", dt.date(2025, 3, 3))
    assert q.get_column("locked").to_list() == [True, False]


def test_locked_quotes_quarantine_policy(tmp_path):
    cfg = Config.model_validate({"ingest": {"locked_quotes": "quarantine"}})
    rep = run_ingest(tmp_path, QUOTES_HEAD + "A,2025-03-03T15:00:01Z,10,10,100,100\n", kind="quotes", cfg=cfg)
    assert rep.reasons == {"locked quote": 1}


BARS_HEAD = "symbol,date,open,high,low,close,volume\n"


@pytest.mark.parametrize(
    "row, reason",
    [
        ("A,2025-03-04,10,9,9.5,9.5,100", "high below low"),
        ("A,2025-03-04,11,10.5,9,10,100", "open outside [low, high]"),
        ("A,2025-03-04,10,10.5,9,8,100", "close outside [low, high]"),
        ("A,2025-03-04,10,10.5,9,10,-1", "negative or NaN volume"),
        ("A,2025-03-04,0,10.5,9,10,1", "non-positive or NaN open"),
        ("A,04/03/2025x,10,10.5,9,10,1", "unparseable date '04/03/2025x'"),
    ],
)
def test_bar_row_rules(tmp_path, row, reason):
    rep = run_ingest(tmp_path, BARS_HEAD + "A,2025-03-03,10,10.5,9.5,10,0\n" + row + "\n", kind="bars")
    assert rep.rows_kept == 1  # a zero-volume bar is a real bar, kept
    assert quarantine(tmp_path, "bars").get_column("reason").to_list() == [reason]


def test_fills_rules_and_sides(tmp_path):
    text = (
        "order_id,symbol,side,ts,price,qty\n"
        "o1,A,buy,2025-03-03T15:00:00Z,10,100\n"
        "o1,A,B,2025-03-03T15:00:01Z,10,100\n"
        "o2,A,sell,2025-03-03T15:00:02Z,10,100\n"
        "o2,A,hold,2025-03-03T15:00:03Z,10,100\n"
        "o2,A,S,2025-03-03T15:00:04Z,10,0\n"
    )
    rep = run_ingest(tmp_path, text, kind="fills")
    assert rep.rows_kept == 3
    assert rep.reasons == {"unparseable side": 1, "non-positive or NaN qty": 1}


def test_orders_rules(tmp_path):
    text = "order_id,symbol,side,qty,max_participation\no1,A,buy,100,0.1\no2,A,sell,-5,\no3,A,buy,100,1.5\n"
    rep = run_ingest(tmp_path, text, kind="orders")
    assert rep.rows_kept == 1
    assert rep.reasons == {"non-positive or NaN qty": 1, "max_participation outside": 1}


def test_orders_from_yaml_one_bad_row(tmp_path):
    p = tmp_path / "orders.yaml"
    p.write_text("orders:\n  - {symbol: A, side: buy, qty: 1000}\n  - {symbol: B, side: sideways, qty: 10}\n  - {symbol: C, side: sell, qty: 5}\n")
    clean, bad = load_table(p, "orders", CFG)
    assert clean.get_column("symbol").to_list() == ["A", "C"]
    assert bad.select("row", "reason").rows() == [(2, "unparseable side 'sideways'")]


# -------------------------------------------------------------------------------------------- mapping


def test_mapping_vendor_csv(tmp_path):
    m = Mapping.model_validate(
        {
            "columns": {"symbol": "Ticker", "ts": ["Date", "Time"], "price": "PxE4", "size": "Qty", "aggressor": "Side"},
            "timestamp": {"format": "%Y-%m-%d %H:%M:%S%.f", "timezone": "America/New_York"},
            "price_scale": 0.0001,
            "side_values": {"B": 1, "S": -1},
        }
    )
    text = "Ticker,Date,Time,PxE4,Qty,Side\nABCD,2025-03-03,09:30:01.250,123400,300,B\nABCD,2025-03-03,09:30:02,123500,100,S\n"
    rep = run_ingest(tmp_path, text, mapping=m)
    assert rep.rows_kept == 2
    df = Dataset(tmp_path / "ds").read("trades", "ABCD", dt.date(2025, 3, 3))
    assert df.get_column("price").to_list() == pytest.approx([12.34, 12.35])
    assert df.get_column("aggressor").to_list() == [1, -1]
    # 09:30:01.25 New York (EST, UTC-5) is 14:30:01.25 UTC
    assert df.get_column("ts")[0] == dt.datetime(2025, 3, 3, 14, 30, 1, 250000, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "fmt, value",
    [("epoch_s", "1741012201"), ("epoch_ms", "1741012201000"), ("epoch_us", "1741012201000000"), ("epoch_ns", "1741012201000000000"), ("auto", "1741012201000")],
)
def test_epoch_timestamps(tmp_path, fmt, value):
    m = Mapping.model_validate({"timestamp": {"format": fmt}, "symbol_from_filename": True})
    rep = run_ingest(tmp_path, f"ts,price,size\n{value},10,1\n", name="xyz_trades.csv", mapping=m)
    assert rep.symbols == ["XYZ_TRADES"]
    df = Dataset(tmp_path / "ds").read("trades", "XYZ_TRADES", dt.date(2025, 3, 3))
    assert df.get_column("ts")[0] == dt.datetime(2025, 3, 3, 14, 30, 1, tzinfo=dt.timezone.utc)


def test_symbol_from_filename_regex(tmp_path):
    m = Mapping.model_validate({"symbol_from_filename": r"^(?P<symbol>[A-Z]+)_\d{8}"})
    rep = run_ingest(tmp_path, "ts,price,size\n2025-03-03 10:00:00,10,1\n", name="QRS_20250303.csv", mapping=m)
    assert rep.symbols == ["QRS"]


def test_mapping_regex_needs_symbol_group(tmp_path):
    with pytest.raises(ConfigError, match="named group"):
        p = tmp_path / "m.yaml"
        p.write_text("symbol_from_filename: '^([A-Z]+)'\n")
        load_mapping(p)


def test_naive_times_use_session_zone_and_dst(tmp_path):
    # 2025-03-10 is after the US switch to daylight time: 09:30 New York = 13:30 UTC
    rep = run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-10 09:30:00,10,1\nA,2025-03-07 09:30:00,10,1\n")
    assert rep.rows_kept == 2
    ds = Dataset(tmp_path / "ds")
    assert ds.read("trades", "A", dt.date(2025, 3, 10)).get_column("ts")[0].hour == 13
    assert ds.read("trades", "A", dt.date(2025, 3, 7)).get_column("ts")[0].hour == 14


# ------------------------------------------------------------------------------------------ datasets


def test_reingest_is_idempotent(tmp_path):
    text = TRADES_HEAD + "A,2025-03-03T15:00:00Z,10,100\nA,2025-03-04T15:00:00Z,10,100\nB,2025-03-04T15:00:00Z,5,1\n"
    run_ingest(tmp_path, text)
    first = Dataset(tmp_path / "ds").scan("trades").collect()
    run_ingest(tmp_path, text)
    again = Dataset(tmp_path / "ds").scan("trades").collect()
    assert again.height == first.height == 3
    # the same file edited: the rows it wrote before are replaced, not added to
    run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,10,100\n")
    ds = Dataset(tmp_path / "ds")
    assert ds.scan("trades").collect().height == 1
    assert ds.symbols("trades") in (["A"], ["A", "B"])
    assert [p.date for p in ds.partitions("trades")] == [dt.date(2025, 3, 3)]


def test_scan_keeps_columns_only_later_files_have(tmp_path):
    # polars' multi-file scan takes the first file's schema: the aggressor of a second source (and a
    # shares_outstanding column of later bar files) used to vanish from Dataset.scan
    run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,10,100\n", name="plain.csv")
    src = tmp_path / "signed.parquet"
    pl.DataFrame({"symbol": ["B", "B"], "ts": ["2025-03-03T15:00:00Z", "2025-03-04T15:00:00Z"], "price": [5.0, 5.1],
                  "size": [1.0, 2.0], "aggressor": pl.Series([1, -1], dtype=pl.Int8)}).with_columns(
        pl.col("ts").str.to_datetime(time_unit="ns", time_zone="UTC")).write_parquet(src)
    ingest_file(src, "trades", tmp_path / "ds", CFG)
    got = Dataset(tmp_path / "ds").scan("trades").collect().sort("symbol", "ts")
    assert got.get_column("aggressor").to_list() == [None, 1, -1]
    assert Dataset(tmp_path / "ds").scan("trades", ["A"]).collect().height == 1


def test_dataset_layout_and_report(tmp_path):
    rep = run_ingest(tmp_path, TRADES_HEAD + "BRK/B,2025-03-03T15:00:00Z,10,100\n")
    ds = Dataset(tmp_path / "ds")
    assert ds.symbols("trades") == ["BRK/B"]  # odd symbols survive the folder name
    parts = ds.partitions("trades")
    f = parts[0].files[0]
    assert f.parent.name == "month=2025-03" and f.parent.parent.name == "symbol=BRK%2FB"
    assert f.name.startswith("part-") and len(f.stem) == 5 + 32  # a unique name, never overwritten
    (src,) = ds.sources("trades")
    assert src["id"] == str((tmp_path / "in.csv").resolve()) == rep.source_id
    assert src["content_hash"] == rep.content_hash
    assert src["report"]["rows_read"] == 1 and src["report"]["rows_kept"] == 1


def test_dataset_errors(tmp_path):
    from liqcost.errors import NoDataError

    with pytest.raises(NoDataError, match="not a liqcost dataset"):
        Dataset(tmp_path / "nothing")
    run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,10,100\n")
    with pytest.raises(NoDataError, match="no trades data for ZZZ"):
        Dataset(tmp_path / "ds").scan("trades", ["ZZZ"])


def test_schema_check_function():
    from liqcost.schema import check_frame

    frame = pl.DataFrame({"symbol": ["A"], "ts": [1], "price": [1.0], "sizee": [1.0]})
    with pytest.raises(SchemaError) as info:
        check_frame(frame, "trades", source="x.parquet")
    msg = info.value.message
    assert "missing column 'size' (did you mean 'sizee'?)" in msg
    assert "column 'ts' has type Int64, expected datetime_ns_utc" in msg
    ok = pl.DataFrame({"symbol": ["A"], "ts": pl.Series([1]).cast(pl.Datetime("ns", "UTC")), "price": [1.0], "size": [1]})
    check_frame(ok, "trades")
    check_frame(ok.lazy(), "trades")


def test_cli_report_file_and_json(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(TRADES_HEAD + "A,2025-03-03T15:00:00Z,10,100\nA,2025-03-03T15:00:00Z,-1,100\n")
    rep = tmp_path / "report.json"
    r = CliRunner().invoke(cli, ["--format", "json", "ingest", "--kind", "trades", "--report", str(rep), str(src), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 0, r.output
    data = json.loads(rep.read_text())["tables"]["ingest"]
    assert data[0]["rows_read"] == 2 and data[0]["rows_kept"] == 1 and data[0]["rows_quarantined"] == 1


def test_many_quarantined_rows_warn(tmp_path):
    from liqcost.errors import DataQualityWarning

    with pytest.warns(DataQualityWarning, match="1 of 2 rows quarantined"):
        run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,10,100\nA,2025-03-03T15:00:01Z,-10,100\n")


def test_infinite_values_quarantined(tmp_path):
    rep = run_ingest(tmp_path, TRADES_HEAD + "A,2025-03-03T15:00:00Z,inf,100\nA,2025-03-03T15:00:01Z,10,inf\nA,2025-03-03T15:00:02Z,10,1\n")
    assert rep.reasons == {"infinite price": 1, "infinite size": 1}


def test_load_table_keeps_rows_and_file_order(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("symbol,side,qty\nZZ,buy,100\nAA,sell,0\nMM,sell,50\n")
    clean, bad = load_table(p, "orders", CFG)
    assert clean.select("order_id", "symbol", "row").rows() == [("ZZ-2", "ZZ", 2), ("MM-4", "MM", 4)]
    assert bad.select("row", "reason").rows() == [(3, "non-positive or NaN qty")]


def test_bars_partitioned_by_symbol_year(tmp_path):
    rows = ["A,2024-12-30,10,10.5,9.5,10,100", "A,2024-12-31,10,10.5,9.5,10,0", "A,2025-01-02,10,10.5,9.5,10,50", "B,2025-01-02,5,5,5,5,0"]
    rep = run_ingest(tmp_path, BARS_HEAD + "\n".join(rows) + "\n", kind="bars")
    assert rep.partitions_written == 3  # A 2024, A 2025, B 2025: one file per symbol-year, not per bar
    ds = Dataset(tmp_path / "ds")
    parts = ds.partitions("bars", ["A"])
    assert [(p.year, p.date) for p in parts] == [(2024, None), (2025, None)]
    assert ds.dates("bars", "A") == [dt.date(2024, 12, 30), dt.date(2024, 12, 31), dt.date(2025, 1, 2)]
    assert ds.scan("bars", ["A"], dt.date(2024, 12, 31), dt.date(2025, 1, 2)).collect().get_column("volume").to_list() == [0.0, 50.0]
    assert ds.read("bars", "A", dt.date(2024, 12, 31)).height == 1
    assert [p.year for p in ds.partitions("bars", None, dt.date(2025, 1, 1))] == [2025, 2025]



def test_dataset_option_and_the_deprecated_o(tmp_path):
    # issue 15: ingest writes to -d/--dataset; -o still works, with a note, and two different folders are refused
    from conftest import SAMPLE_DATA

    raw = str(SAMPLE_DATA / "raw" / "trades.csv")
    new = CliRunner().invoke(cli, ["-q", "ingest", "--kind", "trades", raw, "-d", str(tmp_path / "a")])
    assert new.exit_code == 0, new.output
    old = CliRunner().invoke(cli, ["ingest", "--kind", "trades", raw, "-o", str(tmp_path / "b")])
    assert old.exit_code == 0, old.output
    assert "deprecated" in old.stderr and "-d/--dataset" in old.stderr
    assert Dataset(tmp_path / "a").scan("trades").collect().height == Dataset(tmp_path / "b").scan("trades").collect().height
    both = CliRunner().invoke(cli, ["ingest", "--kind", "trades", raw, "-d", str(tmp_path / "a"), "-o", str(tmp_path / "c")])
    assert both.exit_code == 2 and "two datasets given" in both.output
