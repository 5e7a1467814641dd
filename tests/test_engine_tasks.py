"""tca and simulate cut into tasks (the partitions a Dask cluster runs) give what one piece gives.

With the local engine: ``engine.workers = 1`` reviews (replays) everything in one call, as the commands
always did; 2 or more cut the work into partitions on threads and put the parts back together
(:func:`liqcost.tca.review.combine`, :func:`liqcost.sim.variants.combine_days`). The review's tables are
equal to the bit, with fills whose order has another symbol, a rejected order, an unknown symbol and an
order without fills in the book. The replay's rows, notes and problems are equal; its per-run costs up to
the order in which polars sums a run's fills (about 1e-15 relative).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from liqcost.app.simulate import simulate
from liqcost.app.tca import _groups, tca


def _equal_frames(a, b, rtol=0.0):
    """Same columns, types and rows; floats within ``rtol`` (exact when 0)."""
    assert a.columns == b.columns and a.schema == b.schema and a.height == b.height
    if rtol == 0.0:
        assert a.equals(b, null_equal=True)
        return
    for c in a.columns:
        x, y = a.get_column(c), b.get_column(c)
        if x.dtype == pl.Float64:
            both = pl.DataFrame({"x": x, "y": y})
            bad = both.filter(~(((pl.col("x") - pl.col("y")).abs() <= rtol * pl.col("x").abs().clip(1e-9))
                                | (pl.col("x").is_nan() & pl.col("y").is_nan())
                                | (pl.col("x").is_null() & pl.col("y").is_null())
                                | (pl.col("x") == pl.col("y"))))
            assert bad.height == 0, (c, bad.head(3))
        else:
            assert x.equals(y, null_equal=True), c


@pytest.fixture(scope="module")
def book(sample_data, tmp_path_factory):
    return make_book(sample_data, tmp_path_factory.mktemp("tca_book"))


def make_book(sample_data, out):
    """The sample's fills and orders with rows that tie symbols together and rows the review sets aside."""
    fills = pl.read_csv(sample_data / "fills.csv", infer_schema_length=0)
    orders = pl.read_csv(sample_data / "orders.csv", infer_schema_length=0)
    first = fills.row(0, named=True)
    extra = [
        {**fills.filter(pl.col("order_id") == "META002").row(0, named=True), "symbol": "THNC"},  # symbol differs
        {**first, "order_id": "NEW1", "symbol": "ZZZZ"},                                              # unknown symbol
        {**first, "order_id": "NEW2", "price": "99.0"},                                               # far outside the range
    ]
    fills = pl.concat([fills, pl.DataFrame(extra, schema=fills.schema)])
    o_extra = [orders.filter(pl.col("order_id") == "META005").row(0, named=True),                     # duplicate id
               {**orders.filter(pl.col("symbol") == "THND").row(0, named=True), "order_id": "NOFILL"}]  # no fills
    orders = pl.concat([orders, pl.DataFrame(o_extra, schema=orders.schema)])
    fills.write_csv(out / "fills.csv")
    orders.write_csv(out / "orders.csv")
    return out / "fills.csv", out / "orders.csv"


def test_groups_keep_the_rows_of_an_order_together():
    f = pl.DataFrame({"order_id": ["a", "a", "b", "c", "d"], "symbol": ["X", "Y", "Y", "Z", "W"]})
    o = pl.DataFrame({"order_id": ["d"], "symbol": ["V"]})
    groups = sorted(sorted(g) for g in _groups(f, o))
    assert groups == [["V", "W"], ["X", "Y"], ["Z"]]


def test_tca_in_partitions_equals_the_review_in_one_piece(book, sample_data):
    fills, orders = book
    runs = {w: tca(fills, orders, data=sample_data / "dataset", workers=w) for w in (1, 2, 5)}
    one = runs[1]
    assert one.quarantine.height >= 2 and one.rejected_orders.height >= 1 and one.partial  # the book is dirty
    assert "NOFILL" in one.orders.get_column("order_id").to_list()
    for w in (2, 5):
        got = runs[w]
        assert got.tables().keys() == one.tables().keys()
        for name, frame in one.tables().items():
            _equal_frames(got.tables()[name], frame)
        _equal_frames(got.summary(), one.summary())
        assert got.notes == one.notes and got.problems == one.problems
        assert got.partial_message() == one.partial_message()


DAYS = {"start": dt.date(2025, 3, 17), "end": dt.date(2025, 3, 21)}


@pytest.mark.parametrize("kwargs", [
    {"symbol": "THNB", "side": "buy", "qty": 3000, "variants": "pricing=passive,aggressive", **DAYS},
    {"orders": "orders.csv", **DAYS},
    # up to the end of the data: the last start days are left out (the plans end after the tape), with a note
    {"symbol": "THNC", "side": "sell", "qty": 1500, "days": 3, "start": dt.date(2025, 3, 20)},
])
def test_simulate_in_tasks_equals_one_call(kwargs, sample_data):
    kw = {k: (sample_data / v if k == "orders" else v) for k, v in kwargs.items()}
    one = simulate(data=sample_data / "dataset", workers=1, **kw)
    got = simulate(data=sample_data / "dataset", workers=3, **kw)
    assert one.orders.height >= 3
    for name in one.TABLES:
        _equal_frames(getattr(got, name), getattr(one, name), rtol=1e-12)
    assert got.notes == one.notes and got.problems == one.problems and got.run_events == one.run_events
    if "days" in kwargs:
        assert any("left out" in n for n in one.notes)
