"""Quote layouts (issue 10 item 7): one-sided rows merged into quotes, and TAQ's withdrawn side."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from liqcost.config import Config
from liqcost.io.formats import read as read_format
from liqcost.io.ingest import _ingest_rules, ingest_file, read_source
from liqcost.io.mapping import Mapping, load_mapping
from liqcost.io.validate import validate

CFG = Config()
NY = ZoneInfo("America/New_York")
UTC = dt.timezone.utc

# Lean equity quote ticks: ms since midnight, bid, bid size, ask, ask size, exchange, condition, suspicious;
# each row carries one side, the other is 0
LEAN_QUOTES = (
    "34200000,1000000,5,0,0,Q,0,0\n"        # bid only, no offer yet this day: cannot be paired
    "34200000,0,0,1001000,3,Q,0,0\n"        # offer at the same instant: pairs with that bid
    "34200100,1000100,2,0,0,Q,0,0\n"        # a new bid: pairs with the offer
    "34200200,0,0,1000500,1,P,0,0\n"        # a new offer
)
LEAN_MAPPING = """\
csv: {has_header: false, column_names: [ms, bid, bid_size, ask, ask_size, exchange, cond, suspicious]}
columns: {ts: ms}
symbol_from_filename: '^\\d{8}_(?P<symbol>[a-z]+)_'
price_scale: 0.0001
size_scale: 100
timestamp: {format: ms_since_midnight, date_from_filename: '^(?P<date>\\d{8})_', timezone: America/New_York}
quotes: {merge_one_sided: true}
"""


def run(path, mapping=None, config=CFG):
    mapping = mapping or Mapping()
    raw, fmt = read_source(path, "quotes", config, mapping)
    return validate(raw, "quotes", str(path), _ingest_rules(config, mapping, fmt), config.session.timezone)


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY).astimezone(UTC)


def test_one_sided_lean_rows_are_merged(tmp_path):
    f = tmp_path / "20131007_aapl_Quote_Tick.csv"
    f.write_text(LEAN_QUOTES)
    m = tmp_path / "lean.yaml"
    m.write_text(LEAN_MAPPING)
    res = run(f, load_mapping(m))
    assert res.clean.select("ts", "bid", "ask", "bid_size", "ask_size").rows() == [
        (local(2013, 10, 7, 9, 30), 100.0, 100.1, 500.0, 300.0),
        (local(2013, 10, 7, 9, 30, 0, 100_000), 100.01, 100.1, 200.0, 300.0),
        (local(2013, 10, 7, 9, 30, 0, 200_000), 100.01, 100.05, 200.0, 100.0),
    ]
    assert res.quarantine.select("row", "reason").rows() == [
        (1, "one-sided quote without an earlier offer in the symbol-day (quotes.merge_one_sided)")
    ]
    assert (res.one_sided_merged, res.one_sided_unpaired) == (3, 1)
    assert res.summary()["one_sided_quotes_merged"] == 3 and res.summary()["one_sided_quotes_unpaired"] == 1
    # without the option every row is a one-sided quote and is quarantined, as before
    plain = load_mapping(m).model_copy(update={"quotes": load_mapping(m).quotes.model_copy(update={"merge_one_sided": False})})
    res = run(f, plain)
    assert res.clean.height == 0 and res.rows_quarantined == 4


def test_a_side_never_carries_into_the_next_day(tmp_path):
    # sorted by time across two symbols and two days; the offer of day 1 does not pair a bid of day 2
    f = tmp_path / "q.csv"
    f.write_text(
        "symbol,ts,bid,ask,bid_size,ask_size\n"
        "A,2025-03-03T15:00:00Z,0,10.2,0,1\n"
        "B,2025-03-03T15:00:00Z,5.0,5.1,1,1\n"
        "A,2025-03-03T15:00:01Z,10.0,0,2,0\n"
        "A,2025-03-04T15:00:00Z,10.1,0,3,0\n"
        "B,2025-03-04T15:00:00Z,0,5.2,0,4\n"
    )
    res = run(f, Mapping(quotes={"merge_one_sided": True}))
    assert res.clean.select("symbol", "bid", "ask", "bid_size", "ask_size").rows() == [
        ("A", 10.0, 10.2, 2.0, 1.0), ("B", 5.0, 5.1, 1.0, 1.0),
    ]
    assert sorted(res.quarantine.get_column("row").to_list()) == [2, 5, 6]
    assert res.reasons == {"one-sided quote without an earlier bid in the symbol-day": 2,
                           "one-sided quote without an earlier offer in the symbol-day": 1}
    # the config's default can switch it on for every file, and a mapping can switch it off again
    on = Config.model_validate({"ingest": {"merge_one_sided_quotes": True}})
    assert run(f, config=on).one_sided_merged == 1
    assert run(f, Mapping(quotes={"merge_one_sided": False}), config=on).one_sided_merged == 0


def test_ingest_reports_and_accounts_for_merged_rows(tmp_path):
    f = tmp_path / "20131007_aapl_Quote_Tick.csv"
    f.write_text(LEAN_QUOTES)
    m = tmp_path / "lean.yaml"
    m.write_text(LEAN_MAPPING)
    rep = ingest_file(f, "quotes", tmp_path / "ds", CFG, load_mapping(m))
    assert (rep.rows_read, rep.rows_kept, rep.rows_quarantined) == (4, 3, 1)


# ---------------------------------------------------------------------------------------------- TAQ


TAQ_QUOTES = (
    "DT,EX,SYMBOL,BID,BIDSIZ,OFR,OFRSIZ\n"
    "2018-01-02 14:30:00,N,XXX,10.00,2,10.10,3\n"
    "2018-01-02 14:30:01,P,XXX,10.01,1,10.12,1\n"
    "2018-01-02 14:30:02,P,XXX,0,0,10.11,4\n"       # P withdraws its bid (price and size 0): best bid back to N
    "2018-01-02 14:30:03,N,XXX,0,5,10.10,3\n"       # a 0 price with a size is not a TAQ withdrawal: set aside
    "2018-01-02 14:30:04,N,XXX,-1,1,10.10,3\n"      # a negative price: set aside
    "2018-01-02 14:30:05,N,XXX,10.02,2,0,0\n"       # N withdraws its offer: P's 10.11 is the best
)


def test_taq_zero_price_means_withdrawn_only_with_a_zero_size(tmp_path):
    f = tmp_path / "quotes.csv"
    f.write_text(TAQ_QUOTES)
    q = read_format(f, "quotes", "taq", {"nbbo": "build"}, "UTC")
    good = q.filter(pl.col("_reason").is_null())
    assert good.select("_row", "bid", "ask").rows() == [(2, 10.0, 10.1), (3, 10.01, 10.1), (4, 10.0, 10.1), (7, 10.02, 10.11)]
    assert good.filter(pl.col("_row") == 4).get_column("bid_size").item() == 200.0  # only N at 10.00
    why = dict(q.filter(pl.col("_reason").is_not_null()).select("_row", "_reason").iter_rows())
    assert why[5] == ("zero exchange bid price with a size ignored for the NBBO (TAQ withdraws a side with price and size 0 on 'N')")
    assert why[6] == "negative exchange bid price ignored for the NBBO (on 'N')"
    assert set(why) == {5, 6}


@pytest.mark.parametrize("bad", [math.nan])
def test_taq_nan_price_is_not_a_withdrawal(tmp_path, bad):
    p = tmp_path / "quotes.parquet"
    pl.DataFrame({"DT": [dt.datetime(2018, 1, 2, 14, 30), dt.datetime(2018, 1, 2, 14, 30, 1)], "EX": ["N", "P"], "SYMBOL": ["X", "X"],
                  "BID": [10.0, bad], "BIDSIZ": [1, 1], "OFR": [10.1, 10.2], "OFRSIZ": [1, 1]}).with_columns(
        pl.col("DT").dt.replace_time_zone("UTC")).write_parquet(p)
    q = read_format(p, "quotes", "taq", {"nbbo": "build"}, "UTC")
    assert q.filter(pl.col("_row") == 2).get_column("_reason").item() == "NaN exchange bid price ignored for the NBBO (on 'P')"
