"""Times of day with the date in the file name (Lean), DST gaps and folds, and time-zone names (issue 10)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.cli import cli
from liqcost.config import Config
from liqcost.errors import ConfigError, DataError
from liqcost.io.ingest import _ingest_rules, read_source
from liqcost.io.mapping import Mapping, TimestampSpec, load_mapping
from liqcost.io.validate import validate

CFG = Config()
NY = ZoneInfo("America/New_York")
UTC = dt.timezone.utc

# Lean equity tick trades: milliseconds since local midnight, price in 1/10000 dollar, no header, the
# date and the ticker in the file name (20131007_aapl_Trade_Tick.csv inside 20131007_trade.zip)
LEAN_TRADES = "34200000,1000000,100,Q,0,0\n34200500,1000100,200,Q,0,0\n57599999,1000200,50,P,0,0\n"
LEAN_MAPPING = """\
csv: {has_header: false, column_names: [ms, price, size, exchange, cond, suspicious]}
columns: {ts: ms}
symbol_from_filename: '^\\d{8}_(?P<symbol>[a-z]+)_'
price_scale: 0.0001
timestamp: {format: ms_since_midnight, date_from_filename: '^(?P<date>\\d{8})_', timezone: America/New_York}
"""


def run(path, kind="trades", mapping=None, config=CFG):
    mapping = mapping or Mapping()
    raw, fmt = read_source(path, kind, config, mapping)
    return validate(raw, kind, str(path), _ingest_rules(config, mapping, fmt), config.session.timezone)


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY).astimezone(UTC)


def test_lean_milliseconds_since_midnight_with_the_date_from_the_file_name(tmp_path):
    f = tmp_path / "20131007_aapl_Trade_Tick.csv"
    f.write_text(LEAN_TRADES)
    m = tmp_path / "lean.yaml"
    m.write_text(LEAN_MAPPING)
    res = run(f, mapping=load_mapping(m))
    assert res.rows_quarantined == 0
    assert res.clean.get_column("ts").to_list() == [local(2013, 10, 7, 9, 30), local(2013, 10, 7, 9, 30, 0, 500_000),
                                                    local(2013, 10, 7, 15, 59, 59, 999_000)]
    assert res.clean.get_column("price").to_list() == [100.0, 100.01, 100.02]
    assert set(res.clean.get_column("symbol")) == {"aapl"}


@pytest.mark.parametrize("fmt,scale", [("s_since_midnight", 1), ("ms_since_midnight", 1_000), ("us_since_midnight", 1_000_000),
                                       ("ns_since_midnight", 1_000_000_000)])
def test_every_time_of_day_unit(tmp_path, fmt, scale):
    f = tmp_path / "2024-07-01_x.csv"
    f.write_text(f"symbol,t,price,size\nA,{34200 * scale},10,1\nA,{86400 * scale},10,1\nA,-1,10,1\n")
    spec = TimestampSpec(format=fmt, date_from_filename=r"^(?P<date>\d{4}-\d{2}-\d{2})_")
    res = run(f, mapping=Mapping(columns={"ts": "t"}, timestamp=spec))
    assert res.clean.get_column("ts").to_list() == [local(2024, 7, 1, 9, 30)]
    assert res.reasons == {"time of day outside 0-24 h": 2}


def test_a_time_of_day_file_read_as_epoch_ms_is_quarantined_with_a_hint(tmp_path):
    f = tmp_path / "20131007_aapl_Trade_Tick.csv"
    f.write_text(LEAN_TRADES)
    mapping = Mapping(csv={"has_header": False, "column_names": ["ms", "price", "size", "ex", "cond", "s"]}, columns={"ts": "ms"},
                      symbol="AAPL", timestamp=TimestampSpec(format="epoch_ms"))
    res = run(f, mapping=mapping)
    assert res.clean.height == 0 and res.rows_quarantined == 3
    assert res.reasons == {"ts outside the plausible window": 3}
    why = res.quarantine.get_column("reason")[0]
    assert "'34200000' read as epoch_ms falls on 1970-01-01" in why
    assert "timestamp.format: ms_since_midnight with date_from_filename" in why


def test_strftime_time_only_with_the_date_from_the_file_name(tmp_path):
    f = tmp_path / "ticks_20250303.csv"
    f.write_text("symbol,t,price,size\nA,09:30:00.25,10,1\nA,16:00:00,10,1\n")
    spec = TimestampSpec(format="%H:%M:%S%.f", date_from_filename=r"_(?P<date>\d{8})\.csv$")
    res = run(f, mapping=Mapping(columns={"ts": "t"}, timestamp=spec))
    assert res.clean.get_column("ts").to_list() == [local(2025, 3, 3, 9, 30, 0, 250_000), local(2025, 3, 3, 16)]


def test_time_of_day_mapping_mistakes(tmp_path):
    with pytest.raises(Exception, match="ms_since_midnight is a time of day: add date_from_filename"):
        Mapping(timestamp={"format": "ms_since_midnight"})
    with pytest.raises(Exception, match=r"named group \(\?P<date>"):
        Mapping(timestamp={"format": "ms_since_midnight", "date_from_filename": r"\d{8}"})
    bad = tmp_path / "m.yaml"
    bad.write_text("timestamp: {format: ms_since_midnight}\n")
    with pytest.raises(ConfigError, match="timestamp: expected format ms_since_midnight is a time of day"):
        load_mapping(bad)
    f = tmp_path / "no_date_here.csv"
    f.write_text("symbol,ts,price,size\nA,1,1,1\n")
    spec = TimestampSpec(format="ms_since_midnight", date_from_filename=r"(?P<date>\d{8})")
    with pytest.raises(DataError, match="does not match timestamp.date_from_filename"):
        run(f, mapping=Mapping(timestamp=spec))


DST = (
    "symbol,ts,price,size\n"
    "A,2025-03-09 01:59:59,10,1\n"
    "A,2025-03-09 02:30:00,10,1\n"  # spring forward: 02:00-03:00 does not exist
    "A,2025-03-09 03:00:00,10,1\n"
    "A,2025-11-02 01:30:00,10,1\n"  # fall back: 01:00-02:00 happens twice
    "A,2025-11-02 02:00:00,10,1\n"
)


@pytest.mark.parametrize("ambiguous", ["earliest", "latest", "raise"])
@pytest.mark.parametrize("nonexistent", ["quarantine", "shift_forward"])
def test_dst_gap_and_fold_follow_the_policy(tmp_path, ambiguous, nonexistent):
    f = tmp_path / "dst.csv"
    f.write_text(DST)
    res = run(f, mapping=Mapping(timestamp=TimestampSpec(ambiguous=ambiguous, nonexistent=nonexistent)))
    got = dict(zip(res.clean.get_column("ts").to_list(), [True] * res.clean.height))
    why = dict(res.quarantine.select("row", "reason").iter_rows())
    gap = dt.datetime(2025, 3, 9, 7, 30, tzinfo=UTC)  # 02:30 read with the offset before the gap: 03:30 EDT
    if nonexistent == "shift_forward":
        assert gap in got and 3 not in why
    else:
        assert why[3] == "non-existent local time (DST gap in America/New_York; timestamp.nonexistent) '2025-03-09 02:30:00'"
    first, second = dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC), dt.datetime(2025, 11, 2, 6, 30, tzinfo=UTC)
    if ambiguous == "raise":
        assert why[5] == "ambiguous local time (DST fold in America/New_York; timestamp.ambiguous) '2025-11-02 01:30:00'"
        assert first not in got and second not in got
    else:
        assert (first if ambiguous == "earliest" else second) in got
    # times next to the changes are unaffected
    assert dt.datetime(2025, 3, 9, 6, 59, 59, tzinfo=UTC) in got and dt.datetime(2025, 11, 2, 7, tzinfo=UTC) in got


def test_the_default_dst_policy_quarantines_with_a_reason_per_row(tmp_path):
    f = tmp_path / "dst.csv"
    f.write_text(DST)
    res = run(f)
    assert res.reasons == {"non-existent local time": 1, "ambiguous local time": 1}
    # a zone without DST has neither
    utc = Config.model_validate({"session": {"timezone": "UTC"}})
    assert run(f, config=utc).rows_quarantined == 0


def test_a_bad_time_zone_is_a_config_error_at_load_time(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("timestamp: {timezone: Not/AZone}\n")
    with pytest.raises(ConfigError, match="timestamp.timezone: expected an IANA time zone"):
        load_mapping(m)
    f = tmp_path / "t.csv"
    f.write_text("symbol,ts,price,size\nA,2025-03-03T15:00:00Z,1,1\n")
    runner = CliRunner()
    r = runner.invoke(cli, ["ingest", "--kind", "trades", "--mapping", str(m), str(f), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2 and "timestamp.timezone" in r.output and "Traceback" not in r.output
    c = tmp_path / "c.yaml"
    c.write_text("session: {timezone: Not/AZone}\n")
    r = runner.invoke(cli, ["--config", str(c), "ingest", "--kind", "trades", str(f), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2 and "session.timezone" in r.output
    m.write_text("format: taq\noptions: {timezone: Not/AZone}\n")
    r = runner.invoke(cli, ["ingest", "--kind", "trades", "--mapping", str(m), str(f), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2 and "options.timezone" in r.output


def test_naive_parquet_stamps_follow_the_policy_too(tmp_path):
    p = tmp_path / "t.parquet"
    pl.DataFrame({"symbol": ["A", "A"], "ts": [dt.datetime(2025, 11, 2, 1, 30), dt.datetime(2025, 11, 2, 12)], "price": [1.0, 1.0],
                  "size": [1.0, 1.0]}).write_parquet(p)
    res = run(p)
    assert res.clean.height == 1 and res.reasons == {"ambiguous local time": 1}
    res = run(p, mapping=Mapping(timestamp=TimestampSpec(ambiguous="latest")))
    assert res.clean.get_column("ts").to_list()[0] == dt.datetime(2025, 11, 2, 6, 30, tzinfo=UTC)
