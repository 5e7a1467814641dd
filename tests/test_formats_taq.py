"""TAQ-style reader on the R highfrequency samples (Parquet and CSV) and on hand-made WRDS-style files."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from reference.nbbo import nbbo_reference

from liqcost.errors import ConfigError, EmptyDataError, SchemaError
from liqcost.io.formats import detect, parse_options
from liqcost.io.formats import read as read_format

pytestmark = pytest.mark.realdata


def _t():
    return require_shared("taq_highfrequency", "parquet", "sampleTDataRaw.parquet")


def _q():
    return require_shared("taq_highfrequency", "parquet", "sampleQDataRaw.parquet")


@pytest.fixture(scope="module")
def trades():
    return read_format(_t(), "trades", "taq")


def test_detect():
    assert detect(_t()) == "taq" and detect(_q()) == "taq"
    assert detect(require_shared("taq_highfrequency", "parquet", "sampleTData.parquet")) == "taq"


def test_trade_counts_and_reasons(trades):
    t = trades
    assert t.height == 77_263  # every source row comes out, kept or with a reason
    assert t.get_column("_row").to_list() == list(range(1, 77_264))
    reasons = dict(t.get_column("_reason").drop_nulls().value_counts().iter_rows())
    assert reasons == {
        "derivatively-priced sale condition '4' dropped": 390,
        "out-of-sequence sale condition 'U' dropped": 86,
        "next-day-settlement sale condition 'N' dropped": 40,
        "qualified-contingent sale condition '7' dropped": 27,
        "out-of-sequence sale condition 'Z' dropped": 17,
        "seller-option sale condition 'R' dropped": 11,
        "bunched sale condition 'B' dropped": 10,
        "official-close-report sale condition 'M' dropped": 8,
        "cash-settlement sale condition 'C' dropped": 6,
        "official-open-report sale condition 'Q' dropped": 4,
        "prior-reference-price sale condition 'P' dropped": 2,
        "cancelled trade (CORR=08: original later cancelled)": 1,
        "cancel record (CORR=10)": 1,
    }
    assert t.get_column("_reason").null_count() == 76_660
    # opening prints 'O' and closing prints '6' on the two days, all on NYSE
    auctions = t.filter(pl.col("auction") > 0).select("cond", "auction", "venue", "size").sort("cond")
    assert auctions.get_column("auction").to_list() == [2, 2, 1, 1]
    assert set(auctions.get_column("venue")) == {"N"}


def test_rows_match_the_raw_file(trades):
    raw = pl.read_parquet(_t()).with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    t = trades
    first = t.row(0, named=True)
    assert (first["symbol"], first["venue"], first["cond"], first["price"], first["size"]) == ("XXX", "P", "FTI", 157.8, 2.0)
    assert str(first["ts"]) == "2018-01-02 10:01:21.479000+00:00"
    assert t.get_column("ts").dt.epoch("ns")[0] == raw.get_column("DT").dt.epoch("ns")[0]
    last = t.row(t.height - 1, named=True)
    assert (last["venue"], last["cond"], last["price"], last["size"]) == ("D", "TI", 157.45, 15.0)
    joined = t.join(raw, on="_row")
    assert (joined.get_column("price") == joined.get_column("PRICE")).all()
    assert (joined.get_column("size") == joined.get_column("SIZE").cast(pl.Float64)).all()
    assert (joined.get_column("ts") == joined.get_column("DT")).all()
    corr = t.filter(pl.col("_reason").str.contains("CORR")).join(raw, on="_row")
    assert corr.get_column("CORR").to_list() == [8, 10] and corr.get_column("SIZE").to_list() == [127_300, 127_300]


def test_round_ts_removes_posixct_noise():
    t = read_format(_t(), "trades", "taq", {"round_ts": "ms"})
    assert str(t.get_column("ts")[0]) == "2018-01-02 10:01:21.479000+00:00"
    assert t.get_column("ts").dt.epoch("ns")[0] == 1_514_887_281_479_000_000
    assert (t.get_column("ts").dt.epoch("ns") % 1_000_000 == 0).all()


def test_csv_version_reads_the_same(tmp_path, trades):
    csv = tmp_path / "sampleTDataRaw.csv"
    pl.read_parquet(_t()).write_csv(csv)  # DT as 2018-01-02T10:01:21.479000092+0000
    assert detect(csv) == "taq"
    c = read_format(csv, "trades", "taq")
    assert c.get_column("_row")[0] == 2  # the header is line 1
    assert c.with_columns(pl.col("_row") - 1).equals(trades)


def test_condition_options(tmp_path):
    t = read_format(_t(), "trades", "taq", {"conditions": {"T": "drop", "4": "keep"}, "keep_corrections": [0, 8]})
    reasons = dict(t.get_column("_reason").drop_nulls().value_counts().iter_rows())
    raw = pl.read_parquet(_t()).get_column("COND").fill_null("").to_list()
    # a trade is named after its first dropped code in code order; 'T' loses to dropped codes sorting before it
    earlier_drops = set("ABCDGHKLMNPQR") | set("789")  # '4' is kept by the override
    want = sum(1 for c in raw if "T" in c and not (set(c) & earlier_drops))
    assert reasons["form-t sale condition 'T' dropped"] == want == 341
    assert "derivatively-priced sale condition '4' dropped" not in reasons
    assert "cancelled trade (CORR=08: original later cancelled)" not in reasons
    assert reasons["cancel record (CORR=10)"] == 1
    with pytest.raises(ConfigError, match=r"options\.conditions: expected one-character sale-condition codes"):
        parse_options("taq", {"conditions": {"ZZ": "drop"}}, "m.yaml")
    with pytest.raises(ConfigError, match=r"options\.conditions\.Z: expected 'keep' or 'drop'"):
        parse_options("taq", {"conditions": {"Z": "maybe"}}, "m.yaml")


WRDS = """DATE,TIME_M,EX,SYM_ROOT,SYM_SUFFIX,TR_SCOND,SIZE,PRICE,TR_CORR
2018-01-02,9:30:00.123456789,N,BRK,B,@O,500,190.5,00
20180102,09:30:01.5,D,BRK,B,@ I,20,190.51,00
2018-01-02,09:30:02,Q,BRK,,%,100,190.49,00
2018-01-02,9:30:03.000000001,T,BRK,,F,abc,190.52,00
2018-01-02,9:30:04,T,BRK,,F,100,190.52,01
2018-01-02,25:30:04,T,BRK,,F,100,190.52,00
"""


def test_wrds_layout_and_reasons(tmp_path):
    f = tmp_path / "trades_wrds.csv"
    f.write_text(WRDS)
    assert detect(f) == "taq"
    t = read_format(f, "trades", "taq", session_tz="America/New_York")
    assert t.get_column("symbol").to_list()[:2] == ["BRK.B", "BRK.B"] and t.get_column("symbol")[2] == "BRK"
    ns = t.get_column("ts").dt.epoch("ns").to_list()
    est = dt.datetime(2018, 1, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    base = int(est.timestamp()) * 10**9
    assert ns[0] == base + 123_456_789 and ns[1] == base + 1_500_000_000
    assert ns[3] == base + 3_000_000_001
    assert t.get_column("auction")[0] == 1 and t.get_column("cond")[1] == "@ I"
    assert t.get_column("_reason").to_list() == [
        None,
        None,
        "unknown sale condition code '%' (set options.conditions)",
        "unparseable size 'abc'",
        "corrected trade (CORR=01: original later corrected)",
        "unparseable time '2018-01-02 25:30:04'",
    ]
    assert t.get_column("_row").to_list() == [2, 3, 4, 5, 6, 7]
    kept = read_format(f, "trades", "taq", {"unknown_conditions": "keep", "timezone": "UTC"})
    assert kept.get_column("_reason")[2] is None
    assert kept.get_column("ts").dt.epoch("ns")[0] == int(dt.datetime(2018, 1, 2, 9, 30, tzinfo=dt.UTC).timestamp()) * 10**9 + 123_456_789
    only_n = read_format(f, "trades", "taq", {"exchanges": ["n"]})
    assert only_n.get_column("_reason")[1] == "exchange not selected 'D' (options.exchanges)"


def test_wrong_kind_and_missing_columns(tmp_path):
    with pytest.raises(SchemaError, match="need the column\\(s\\) PRICE, SIZE.*looks like a TAQ quotes file: pass --kind quotes"):
        read_format(_q(), "trades", "taq")
    with pytest.raises(SchemaError, match="looks like a TAQ trades file: pass --kind trades"):
        read_format(_t(), "quotes", "taq")
    f = tmp_path / "t.csv"
    f.write_text("EX,SYMBOL,PRICE,SIZE\nN,X,1,1\n")
    with pytest.raises(SchemaError, match="no time column"):
        read_format(f, "trades", "taq")
    f.write_text("DT,EX,SYMBOL,PRICE,SIZE\n")
    with pytest.raises(EmptyDataError, match="header but no rows"):
        read_format(f, "trades", "taq")


# ---------------------------------------------------------------------------------------------- quotes


def _reference_nbbo(raw: pl.DataFrame, max_age_ns: int = -1) -> pl.DataFrame:
    """NBBO by the slow reference, then one state per time stamp and changes only (the reader's rules)."""
    raw = raw.with_columns(pl.col("DT").dt.convert_time_zone("America/New_York").dt.date().alias("day")).sort("day", "DT", "_row")
    # TAQ's withdrawn side (price 0, size 0) is "no quote" (NaN) for the NBBO kernel and its reference
    raw = raw.with_columns([pl.when(pl.col(c) == 0).then(math.nan).otherwise(pl.col(c)).alias(c) for c in ("BID", "OFR")])
    b, bs, a, as_ = nbbo_reference(
        raw.get_column("day").to_list(), raw.get_column("DT").dt.epoch("ns").to_list(), raw.get_column("EX").to_list(),
        raw.get_column("BID").to_list(), (raw.get_column("BIDSIZ") * 100).cast(pl.Float64).to_list(),
        raw.get_column("OFR").to_list(), (raw.get_column("OFRSIZ") * 100).cast(pl.Float64).to_list(), max_age_ns,
    )
    out = raw.select("DT", "_row").with_columns(
        pl.Series("bid", b), pl.Series("bid_size", bs, dtype=pl.Float64), pl.Series("ask", a), pl.Series("ask_size", as_, dtype=pl.Float64)
    )
    out = out.filter((pl.col("DT") != pl.col("DT").shift(-1)).fill_null(True))
    state = ["bid", "ask", "bid_size", "ask_size"]
    same = pl.all_horizontal([(pl.col(c) == pl.col(c).shift(1)) | (pl.col(c).is_nan() & pl.col(c).shift(1).is_nan()) for c in state])
    return out.filter(~same.fill_null(False))


@pytest.mark.parametrize("max_age_s", [None, 10.0])
def test_nbbo_matches_reference_on_real_quotes(max_age_s):
    raw = pl.read_parquet(_q()).with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    crossed = (raw.get_column("BID") > 0) & (raw.get_column("OFR") > 0) & (raw.get_column("BID") > raw.get_column("OFR"))
    q = read_format(_q(), "quotes", "taq", {"max_quote_age_s": max_age_s})
    ref = _reference_nbbo(raw.filter(~crossed), -1 if max_age_s is None else int(max_age_s * 1e9))
    got = q.filter(~pl.col("_reason").fill_null("").str.starts_with("crossed exchange quote"))
    assert got.get_column("_row").to_list() == ref.get_column("_row").to_list()
    for c in ("bid", "ask"):
        want = ref.get_column(c).to_numpy()
        np.testing.assert_array_equal(got.get_column(c).fill_null(math.nan).to_numpy(), want)
    np.testing.assert_array_equal(got.get_column("bid_size").to_numpy(), ref.get_column("bid_size").to_numpy())
    # the sample has no crossed exchange quote (its 44 'bid > offer' rows are one-sided, offer 0)
    assert int(crossed.sum()) == 0
    assert q.height == (26_920 if max_age_s is None else 37_392)


def test_quote_modes(tmp_path):
    n_only = read_format(_q(), "quotes", "taq", {"exchanges": ["N"]})
    good = n_only.filter(pl.col("_reason").is_null())
    assert set(good.get_column("venue")) == {"N"}  # one exchange: its own quotes, venue kept
    raw_n = pl.read_parquet(_q()).with_row_index("_row", offset=1).filter(pl.col("EX") == "N")
    assert n_only.filter(pl.col("_reason").str.starts_with("exchange not selected")).height == 131_401 - raw_n.height
    first = good.row(0, named=True)
    src = raw_n.row(0, named=True)
    assert (first["bid"], first["ask"], first["bid_size"], first["ask_size"]) == (src["BID"], src["OFR"], src["BIDSIZ"] * 100.0, src["OFRSIZ"] * 100.0)
    shares = read_format(_q(), "quotes", "taq", {"exchanges": ["N"], "quote_size_unit": "shares"})
    assert shares.filter(pl.col("_reason").is_null()).row(0, named=True)["bid_size"] == src["BIDSIZ"]
    off = read_format(_q(), "quotes", "taq", {"nbbo": "off", "quotes_on_change": False})
    assert off.height == 131_401 and off.get_column("_reason").null_count() == 131_401
    # a vendor NBBO in BEST_* columns is used as given
    f = tmp_path / "nbbo.csv"
    f.write_text(
        "DATE,TIME_M,EX,SYM_ROOT,BID,BIDSIZ,ASK,ASKSIZ,BEST_BID,BEST_BIDSIZ,BEST_ASK,BEST_ASKSIZ\n"
        "2018-01-02,09:30:00.1,N,XYZ,10.0,1,10.2,1,10.05,3,10.1,2\n"
        "2018-01-02,09:30:00.2,P,XYZ,10.0,1,10.3,1,10.05,3,10.1,2\n"
        "2018-01-02,09:30:00.3,P,XYZ,10.06,1,10.3,1,10.06,1,10.1,2\n"
    )
    g = read_format(f, "quotes", "taq")
    assert g.get_column("_row").to_list() == [2, 4] and g.get_column("bid").to_list() == [10.05, 10.06]
    assert g.get_column("bid_size").to_list() == [300.0, 100.0] and g.get_column("venue").null_count() == 2


def test_quotes_crossed_exchange_quote_kept_out(tmp_path):
    f = tmp_path / "q.csv"
    f.write_text(
        "DT,EX,SYMBOL,BID,BIDSIZ,OFR,OFRSIZ\n"
        "2018-01-02 14:30:00.000,N,XYZ,10.00,1,10.10,2\n"
        "2018-01-02 14:30:00.100,P,XYZ,10.20,1,10.05,1\n"
        "2018-01-02 14:30:00.200,P,XYZ,10.01,4,10.10,1\n"
        "2018-01-02 14:30:00.300,N,XYZ,0,0,10.09,2\n"
        "2018-01-02 14:30:00.400,P,XYZ,10.01,4,10.10,1\n"
    )
    q = read_format(f, "quotes", "taq")
    assert q.get_column("_row").to_list() == [2, 3, 4, 5]  # row 6 repeats P's quote: the NBBO does not change
    assert q.get_column("_reason")[1] == "crossed exchange quote ignored for the NBBO (bid > offer on 'P')"
    rows = q.filter(pl.col("_reason").is_null())
    assert rows.get_column("bid").to_list() == [10.0, 10.01, 10.01]
    assert rows.get_column("ask").to_list() == [10.10, 10.10, 10.09]
    assert rows.get_column("ask_size").to_list() == [200.0, 300.0, 200.0]  # N and P at 10.10, then N alone at 10.09
    assert rows.get_column("bid_size").to_list() == [100.0, 400.0, 400.0]


def test_ingest_end_to_end(tmp_path):
    from liqcost.config import Config
    from liqcost.io.ingest import ingest_file

    ds = tmp_path / "ds"
    r = ingest_file(_t(), "trades", ds, Config())
    assert (r.format, r.rows_read) == ("taq", 77_263)
    assert r.reasons["derivatively-priced sale condition"] == 390  # counted by the reason's leading words
    # the reader declares DUPLICATES = "keep": equal prints in one millisecond are distinct trades
    assert "exact duplicate" not in " ".join(r.reasons)
