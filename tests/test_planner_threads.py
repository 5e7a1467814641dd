"""``plan()`` keeps no state between calls: two threads planning at once get what a serial run gets.

Each call owns its grid memo and the record of what earlier orders in a name already use
(:class:`liqcost.planner.horizon.Search`); nothing is module-level, so interleaved calls cannot see each
other's orders.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from polars.testing import assert_frame_equal
from test_planner_support import sample_fill_models, sample_profiles

import liqcost as lc
from liqcost.config import Config
from liqcost.planner.plan import plan

START = dt.date(2025, 3, 31)

# baskets that crowd the same windows (a later order finds the capacity the earlier ones use)
BASKETS = [
    [{"order_id": f"a{i}", "symbol": "THNA", "side": 1, "qty": 2500 + 300 * i} for i in range(4)],
    [{"order_id": f"b{i}", "symbol": "THNA", "side": 1, "qty": 4000 - 500 * i} for i in range(3)]
    + [{"order_id": "c", "symbol": "THND", "side": -1, "qty": 1800}],
]


def _plan(basket):
    return plan(basket, sample_profiles(), sample_fill_models(), Config(), start=START, errors="report")


def _same(a, b):
    assert_frame_equal(a.tranches, b.tranches)
    assert_frame_equal(a.summary(), b.summary())
    assert a.notes == b.notes


@pytest.mark.parametrize("rounds", [3])
def test_two_threads_at_once_equal_the_serial_runs(rounds):
    serial = [_plan(b) for b in BASKETS]
    for _ in range(rounds):
        barrier = threading.Barrier(2)

        def work(basket, barrier=barrier):
            barrier.wait()  # start together, so the calls interleave
            return _plan(basket)

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(work, BASKETS))
        for got, want in zip(results, serial):
            _same(got, want)


def test_the_same_basket_in_two_threads(tmp_path):
    """Through the front door too (profiles from a file, orders as a frame)."""
    path = tmp_path / "prof.parquet"
    sample_profiles().write_parquet(path)
    basket = BASKETS[0]
    serial = lc.plan(basket, profile=path, start=START)
    barrier = threading.Barrier(2)

    def work(_):
        barrier.wait()
        return lc.plan(basket, profile=path, start=START)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for got in pool.map(work, range(2)):
            _same(got, serial)
