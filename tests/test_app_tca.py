"""``lc.tca`` (liqcost.app.tca): files and frames read alike, the market data of exactly the symbol-days the orders span,
estimates that cannot see the order's own day or later, side as words, every row set aside accounted for."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
from conftest import sample_dataset_with
import pytest

import liqcost as lc
from liqcost.app.tca import TcaReview, _day_spans, _read_market
from liqcost.errors import DataError, UsageError
from liqcost.io.dataset import Dataset
from liqcost.result import Result

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
DATA = SAMPLE / "dataset"
FILLS = SAMPLE / "fills.csv"
ORDERS = SAMPLE / "orders.csv"


@pytest.fixture(scope="module")
def rv() -> TcaReview:
    return lc.tca(FILLS, ORDERS, data=DATA)


def test_the_result_follows_the_protocol(rv):
    assert isinstance(rv, Result) and not rv.partial and rv.problems == ()
    assert list(rv.tables()) == ["orders", "fills", "aggregates", "model", "model_aggregates", "outliers", "not_compared",
                                 "quarantine", "rejected_orders"]
    assert all(isinstance(t, pl.DataFrame) for t in rv.tables().values())
    text = str(rv)
    assert text.startswith("summary") and "META009" in text
    s = rv.summary()
    assert s.columns == ["measure", "all", "buy", "sell"]
    row = dict(zip(s["measure"], s["all"]))
    assert row["orders"] == 10 and row["fills"] == 128 and row["model_orders"] == 10
    assert row["model_realized_cost_bps"] == pytest.approx(row["arrival_cost_bps"])  # the same weighting
    assert rv.data_range == (dt.date(2025, 3, 4), dt.date(2025, 3, 27))


def test_side_is_a_word_in_every_output_table_and_a_sign_in_the_library_objects(rv):
    for name in ("orders", "fills", "model"):
        assert set(rv.tables()[name]["side"].unique()) == {"buy", "sell"}, name
    assert set(rv.review.orders["side"].unique()) == {1, -1}
    assert {c for c in rv.fills.columns if c.endswith("_ns")} == set()  # internal nanosecond columns left out
    assert rv.fills.schema["decision_ts"] == pl.Datetime("ns", "UTC")


def test_frames_and_files_give_the_same_review(rv):
    from polars.testing import assert_frame_equal

    fills = pl.read_csv(FILLS, try_parse_dates=True)  # polars reads the stamps to the microsecond: equal to 1e-9
    orders = pl.read_csv(ORDERS, try_parse_dates=True)
    again = lc.tca(fills, orders.lazy(), data=Dataset(DATA))
    cols = ["order_id", "is_bps", "is_spread_bps", "slippage_day_vwap_bps", "expected_cost_bps", "z"]
    assert_frame_equal(again.orders.select(cols), rv.orders.select(cols), rel_tol=1e-9)


def test_the_market_data_read_are_the_symbol_days_the_orders_span():
    ds = Dataset(DATA)
    fills = pl.DataFrame({"order_id": ["A", "A", "B"], "symbol": ["THNA", "THNA", "THNB"],
                          "ts": [dt.datetime(2025, 3, 5, 15, tzinfo=dt.timezone.utc), dt.datetime(2025, 3, 6, 15, tzinfo=dt.timezone.utc),
                                 dt.datetime(2025, 3, 20, 15, tzinfo=dt.timezone.utc)]})
    orders = pl.DataFrame({"order_id": ["A", "C"], "symbol": ["THNA", "THNA"],
                           "start": [dt.datetime(2025, 3, 4, 15, tzinfo=dt.timezone.utc)] * 2,
                           "end": [dt.datetime(2025, 3, 6, 20, tzinfo=dt.timezone.utc), dt.datetime(2025, 3, 10, 20, tzinfo=dt.timezone.utc)]})
    spans = _day_spans(fills, orders, "America/New_York")
    # A: its start (4 March) to its last fill; C (no fill): start to end, merged with A; B: one day
    assert spans == {"THNA": [(dt.date(2025, 3, 4), dt.date(2025, 3, 10))], "THNB": [(dt.date(2025, 3, 20), dt.date(2025, 3, 20))]}
    market = _read_market(ds, spans)
    days = market["trades"].select(pl.col("symbol"), pl.col("ts").dt.convert_time_zone("America/New_York").dt.date().alias("d")).unique()
    assert set(days.filter(pl.col("symbol") == "THNB")["d"]) == {dt.date(2025, 3, 20)}
    assert set(days.filter(pl.col("symbol") == "THNA")["d"]) == {dt.date(2025, 3, d) for d in (4, 5, 6, 7, 10)}
    assert market["trades"].columns == ["symbol", "ts", "price", "size"] and market["quotes"].columns == ["symbol", "ts", "bid", "ask"]
    assert market["bars"]["date"].min() == dt.date(2025, 3, 4)


def test_no_estimate_sees_the_order_day_or_later(rv, tmp_path):
    """Inflate THNB's volume from the day of META003 (24 March) on: the review of that day changes, its estimate does not."""
    from liqcost.config import Config
    from liqcost.io.ingest import ingest_file

    copy = tmp_path / "ds"
    shutil.copytree(DATA, copy)
    raw = pl.read_csv(DATA.parent / "raw" / "trades.csv", infer_schema=False)
    late = (pl.col("symbol") == "THNB") & (pl.col("ts").str.slice(0, 10) >= "2025-03-24")
    edited = raw.with_columns(pl.when(late).then(pl.col("size").cast(pl.Float64, strict=False) * 10)
                              .otherwise(pl.col("size").cast(pl.Float64, strict=False)).alias("size"))
    edited.write_csv(tmp_path / "trades.csv")
    ingest_file(tmp_path / "trades.csv", "trades", copy, Config(), source_id="raw/trades.csv")  # replaces its rows
    after = lc.tca(FILLS, ORDERS, data=copy)
    old = rv.model_orders.filter(pl.col("order_id") == "META003").row(0, named=True)
    new = after.model_orders.filter(pl.col("order_id") == "META003").row(0, named=True)
    assert old["asof_date"] == new["asof_date"] == dt.date(2025, 3, 21)
    assert new["expected_cost_bps"] == pytest.approx(old["expected_cost_bps"], rel=1e-12)
    assert new["adv_shares"] == pytest.approx(old["adv_shares"], rel=1e-12)
    p_old = rv.orders.filter(pl.col("order_id") == "META003")["participation_frac"][0]
    p_new = after.orders.filter(pl.col("order_id") == "META003")["participation_frac"][0]
    assert p_new < p_old / 5  # the review itself does read the day
    assert all(r["asof_date"] < r["date"] for r in rv.model_orders.iter_rows(named=True))


def test_symbols_and_no_model(rv):
    one = lc.tca(FILLS, ORDERS, data=DATA, symbols=["THNB"], model=False)
    assert set(one.orders["symbol"]) == {"THNB"} and one.model is None and "model" not in one.tables()
    assert one.orders["expected_cost_bps"].is_null().all()
    assert any("only THNB" in n for n in one.notes)
    cols = ["order_id", "is_bps"]
    assert one.orders.select(cols).equals(rv.orders.filter(pl.col("symbol") == "THNB").select(cols))


def test_rows_set_aside_are_accounted_for(tmp_path):
    lines = FILLS.read_text().splitlines()
    lines += ["META000,THNA,-1,2025-03-17T15:00:00Z,abc,100,,", "META000,THNA,1,2025-03-17T15:00:00Z,12.1,100,,"]
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n")
    r = lc.tca(tmp_path / "f.csv", ORDERS, data=DATA, model=False)
    assert r.partial and r.n_fills == 130 and r.review.fills.height == 128
    q = r.quarantine
    assert q.columns == ["source", "row", "order_id", "symbol", "side", "ts", "price", "qty", "reason"]
    assert q["row"].to_list() == [130, 131] and q["price"][0] == "abc" and q["side"][1] == "buy"
    assert [p.kind for p in r.problems] == ["fill_quarantined", "fill_quarantined"]
    assert r.partial_message() == ("2 of the 130 fills were set aside (the quarantine table holds each with its file, line "
                                   "and reason); the other 128 fills were reviewed.")


def test_many_reasons_are_summed_up_in_one_problem(tmp_path):
    lines = FILLS.read_text().splitlines()
    lines += [f"META000,THNA,-1,2025-03-17T15:00:00Z,bad{k},100,," for k in range(12)]  # 12 distinct reasons
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n")
    r = lc.tca(tmp_path / "f.csv", data=DATA, model=False)
    assert len(r.problems) == 9 and r.problems[-1].where == "more rows" and "4 more fills" in r.problems[-1].message


def test_inputs_that_cannot_be_reviewed(tmp_path):
    with pytest.raises(UsageError, match="--mapping nope: no such file"):
        lc.tca(FILLS, data=DATA, mapping="nope")
    (tmp_path / "empty.csv").write_text("order_id,symbol,side,ts,price,qty\n")
    with pytest.raises(DataError, match="no rows"):
        lc.tca(tmp_path / "empty.csv", data=DATA)
    with pytest.raises(DataError, match="no such fills file"):
        lc.tca(tmp_path / "missing.csv", data=DATA)
    sample_dataset_with(tmp_path / "ds2", {"fills"})
    with pytest.raises(DataError, match="no market data"):
        lc.tca(FILLS, data=tmp_path / "ds2")
