"""Range checks before storage (issue 10): impossible time stamps, the plausibility window, price and size bounds.

Reproductions: ``AAA,2999-12-31T15:00:00Z,...`` was stored as 1830-11-22 (9999 -> 1816, 0001 -> 1754: the
nanoseconds since 1970 overflowed); one row dated 2099 moved the profile's as-of date to 2099; sizes of
1e20 and prices of 1e302 were kept as clean.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DATA

from liqcost.cli import cli
from liqcost.config import Config, IngestConfig, TimeWindow, TimeWindows
from liqcost.io.ingest import _ingest_rules, read_source
from liqcost.io.mapping import Mapping, TimestampSpec
from liqcost.io.readers import plausible_window
from liqcost.io.validate import validate

CFG = Config()
TZ = "America/New_York"


def run(path, kind="trades", mapping=None, config=CFG):
    mapping = mapping or Mapping()
    raw, fmt = read_source(path, kind, config, mapping)
    return validate(raw, kind, str(path), _ingest_rules(config, mapping, fmt), config.session.timezone)


def reasons_by_row(result) -> dict:
    return dict(result.quarantine.select("row", "reason").iter_rows())


def test_impossible_years_are_quarantined_not_wrapped(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(
        "symbol,ts,price,size\n"
        "AAA,2025-03-03T15:00:00Z,10.0,100\n"
        "AAA,2999-12-31T15:00:00Z,10.0,100\n"
        "AAA,9999-12-31T15:00:00Z,10.0,100\n"
        "AAA,0001-01-01T00:00:00Z,10.0,100\n"
        "AAA,2610-01-01T00:00:00Z,10.0,100\n"  # would wrap round to 2025-06-12, inside any window
    )
    res = run(f)
    assert res.clean.height == 1 and res.clean.get_column("ts").dt.year().to_list() == [2025]
    why = reasons_by_row(res)
    for row, text in ((3, "2999-12-31T15:00:00Z"), (4, "9999-12-31T15:00:00Z"), (5, "0001-01-01T00:00:00Z"), (6, "2610-01-01T00:00:00Z")):
        assert why[row].startswith("ts outside the plausible window (1970-01-02 to ")
        assert "ingest.time_window.trades" in why[row] and f"'{text}'" in why[row]
    assert res.reasons == {"ts outside the plausible window": 4}
    # the quarantine keeps what the file said
    assert res.quarantine.filter(pl.col("row") == 3).get_column("ts").item() == "2999-12-31T15:00:00Z"


@pytest.mark.parametrize(
    "fmt,values",
    [
        ("%m/%d/%Y %H:%M:%S", ["03/03/2025 10:00:00", "12/31/2999 10:00:00", "01/01/0001 00:00:00"]),  # year not first
        ("%Y-%m-%d %H:%M:%S%.f", ["2025-03-03 10:00:00.5", "2999-12-31 10:00:00", "0001-01-01 00:00:00"]),  # naive
    ],
)
def test_impossible_years_in_other_text_formats(tmp_path, fmt, values):
    f = tmp_path / "t.csv"
    f.write_text("symbol,ts,price,size\n" + "".join(f"AAA,{v},10,1\n" for v in values))
    res = run(f, mapping=Mapping(timestamp=TimestampSpec(format=fmt)))
    assert res.clean.height == 1 and res.clean.get_column("ts").dt.year().item() == 2025
    assert set(res.reasons) == {"ts outside the plausible window"} and res.rows_quarantined == 2


def test_epoch_numbers_are_checked_in_their_own_unit(tmp_path):
    # 10**17 ms would overflow when multiplied into ns; 0 and a time of day land in 1970
    f = tmp_path / "t.csv"
    f.write_text("symbol,ts,price,size\nAAA,1741012200000,10,1\nAAA,100000000000000000,10,1\nAAA,0,10,1\nAAA,-5,10,1\n")
    res = run(f, mapping=Mapping(timestamp=TimestampSpec(format="epoch_ms")))
    assert res.clean.get_column("ts").to_list() == [dt.datetime(2025, 3, 3, 14, 30, tzinfo=dt.timezone.utc)]
    why = reasons_by_row(res)
    assert why[3].startswith("ts outside the plausible window") and "'100000000000000000'" in why[3]
    assert "time of day" in why[4] and "ms_since_midnight" in why[4]  # 0 ms: 1970-01-01 00:00
    assert why[5].startswith("ts outside the plausible window")
    # floats, and 'auto' (digits of 9+ characters), in Parquet
    p = tmp_path / "t.parquet"
    pl.DataFrame({"symbol": ["A", "A", "A"], "ts": [1.7410122e9, 9.9e18, float("nan")], "price": [1.0] * 3, "size": [1.0] * 3}).write_parquet(p)
    res = run(p, mapping=Mapping(timestamp=TimestampSpec(format="epoch_s")))
    assert res.clean.height == 1 and res.rows_quarantined == 2
    pl.DataFrame({"symbol": ["A", "A"], "ts": [1741012200000000, 9_000_000_000_000_000_000], "price": [1.0] * 2, "size": [1.0] * 2}).write_parquet(p)
    res = run(p)  # auto: 1.74e15 is microseconds, 9e18 nanoseconds (2255, outside the window)
    assert res.clean.get_column("ts").dt.year().to_list() == [2025] and res.rows_quarantined == 1


def test_typed_parquet_time_columns_out_of_range(tmp_path):
    p = tmp_path / "t.parquet"
    stamps = [dt.datetime(2025, 3, 3, 15), dt.datetime(2999, 12, 31, 15), dt.datetime(1, 1, 1)]
    base = {"symbol": ["A"] * 3, "price": [1.0] * 3, "size": [1.0] * 3}
    # microseconds, with and without a zone: 2999 does not fit in nanoseconds and is not cast (which would raise)
    for tz in ("UTC", None, "Europe/Paris"):
        pl.DataFrame(base | {"ts": pl.Series(stamps).cast(pl.Datetime("us", tz))}).write_parquet(p)
        res = run(p)
        assert res.clean.height == 1 and res.rows_quarantined == 2, tz
        assert set(res.reasons) == {"ts outside the plausible window"}
    # bar dates: 9999-12-31 is a valid Date, but not a plausible one
    pl.DataFrame({"symbol": ["A", "A"], "date": [dt.date(2025, 3, 3), dt.date(9999, 12, 31)], "open": [1.0] * 2, "high": [1.0] * 2,
                  "low": [1.0] * 2, "close": [1.0] * 2, "volume": [1.0] * 2}).write_parquet(p)
    res = run(p, "bars")
    assert res.clean.height == 1 and list(res.reasons) == ["date outside the plausible window"]


def test_window_is_configurable_per_kind():
    rules = IngestConfig(time_window=TimeWindows(trades=TimeWindow(earliest=dt.date(2020, 1, 1), latest=dt.date(2025, 12, 31))))
    w = plausible_window(rules, "trades")
    assert w.label == "2020-01-01 to 2025-12-31 UTC, ingest.time_window.trades"
    assert w.hi_ns == int(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()) * 10**9 - 1
    # by default not after the day after the run, and orders a year ahead
    today = dt.date(2025, 6, 30)
    assert plausible_window(IngestConfig(), "quotes", today).last_date == dt.date(2025, 7, 1)
    assert plausible_window(IngestConfig(), "orders", today).last_date == dt.date(2026, 7, 1)
    with pytest.raises(Exception, match="latest .* must not be before earliest"):
        TimeWindow(earliest=dt.date(2025, 1, 2), latest=dt.date(2025, 1, 1))


def test_vendor_frames_are_window_checked_by_validate():
    # readers of vendor formats do not see the window: validate checks every time column again
    frame = pl.DataFrame({"symbol": ["A", "A"], "ts": [dt.datetime(2025, 3, 3), dt.datetime(2099, 3, 3)], "price": [1.0, 1.0],
                          "size": [1.0, 1.0]}).with_columns(pl.col("ts").dt.replace_time_zone("UTC").dt.cast_time_unit("ns"))
    res = validate(frame, "trades", "x", CFG.ingest, TZ)
    assert res.clean.height == 1
    assert res.quarantine.get_column("reason").item().startswith("ts outside the plausible window (1970-01-02 to ")


def test_a_2099_typo_does_not_move_the_profile_as_of_date(tmp_path):
    lines = (SAMPLE_DATA / "raw" / "trades.csv").read_text().splitlines()
    sym = lines[1].split(",")[0]
    typo = tmp_path / "trades.csv"
    typo.write_text("\n".join(lines + [f"{sym},2099-03-04T15:00:00Z,12.40,5"]) + "\n")
    r = CliRunner().invoke(cli, ["--format", "json", "profile", "--trades", str(typo), "--table", "profile"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)["tables"]["profile"]
    assert {row["asof_date"][:4] for row in out} == {"2025"}
    assert "ts outside the plausible window" in r.output + (r.stderr if r.stderr_bytes is not None else "")


def test_prices_and_sizes_beyond_the_bounds_are_quarantined(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("symbol,ts,price,size\nA,2025-03-03T15:00:00Z,10,100\nA,2025-03-03T15:00:01Z,1e302,100\n"
                 "A,2025-03-03T15:00:02Z,10,1e20\n")
    res = run(f)
    why = reasons_by_row(res)
    assert why[3] == "implausible price (1e+302 above ingest.max_price_px 1e+09)"
    assert why[4] == "implausible size (1e+20 above ingest.max_size_shares 1e+15)"
    assert res.reasons == {"implausible price": 1, "implausible size": 1}
    # null disables a bound
    loose = Config.model_validate({"ingest": {"max_price_px": None, "max_size_shares": None}})
    assert run(f, config=loose).clean.height == 3
    # quotes, bars and vendor frames too
    q = pl.DataFrame({"symbol": ["A", "A"], "ts": [dt.datetime(2025, 3, 3), dt.datetime(2025, 3, 4)], "bid": [1.0, 1e300],
                      "ask": [1.1, 1.1e300], "bid_size": [1e20, 5.0], "ask_size": [1.0, 1.0]}).with_columns(
        pl.col("ts").dt.replace_time_zone("UTC").dt.cast_time_unit("ns"))
    res = validate(q, "quotes", "q", CFG.ingest, TZ)
    assert res.clean.height == 0 and res.reasons == {"implausible bid": 1, "implausible bid_size": 1}
