"""NBBO kernel (liqcost.kernels.nbbo) against its slow reference twin: fixed cases and hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.nbbo import nbbo_reference

from liqcost.kernels.nbbo import STATUS_BAD_EXCHANGE, STATUS_OK, nbbo_from_exchanges

NAN = math.nan


def run(group, ts, exch, bid, bsz, ask, asz, n_exch=None, max_age=-1):
    n = len(group)
    arrs = [np.ascontiguousarray(a, dtype=d) for a, d in (
        (group, np.int64), (ts, np.int64), (exch, np.int64), (bid, np.float64), (bsz, np.float64), (ask, np.float64), (asz, np.float64))]
    outs = [np.empty(n) for _ in range(4)]
    n_exch = n_exch if n_exch is not None else (max(exch) + 1 if n else 1)
    status = nbbo_from_exchanges(arrs[0], arrs[1], arrs[2], arrs[3], arrs[4], arrs[5], arrs[6], n_exch, max_age, *outs)
    return status, outs


def test_hand_checked_sequence():
    # exchange 0 quotes 10.00 x 10.10, exchange 1 improves the bid, exchange 2 joins the offer, 1 withdraws its bid
    group = [0, 0, 0, 0, 0]
    ts = [1, 2, 3, 4, 5]
    exch = [0, 1, 2, 1, 0]
    bid = [10.00, 10.02, 9.99, NAN, 10.02]  # NaN: exchange 1 has no bid any more
    bsz = [100, 300, 500, 0, 200]
    ask = [10.10, 10.12, 10.10, 10.12, 10.10]
    asz = [200, 100, 400, 100, 200]
    status, (b, bs, a, as_) = run(group, ts, exch, bid, bsz, ask, asz)
    assert status == STATUS_OK
    assert b.tolist() == [10.00, 10.02, 10.02, 10.00, 10.02]
    assert bs.tolist() == [100, 300, 300, 100, 200]  # row 5: exchange 0 now alone at 10.02
    assert a.tolist() == [10.10, 10.10, 10.10, 10.10, 10.10]
    assert as_.tolist() == [200, 200, 600, 600, 600]  # exchanges 0 and 2 both at 10.10


def test_empty_sides_reset_and_age():
    # one-sided exchange, then a new symbol resets everything
    status, (b, bs, a, as_) = run([0, 0, 1], [1, 2, 3], [0, 1, 1], [5.0, NAN, 7.0], [10, 0, 1], [NAN, 5.2, 7.1], [0, 20, 2])
    assert status == STATUS_OK
    assert math.isnan(a[0]) and as_[0] == 0 and b[0] == 5.0
    assert (b[1], a[1], as_[1]) == (5.0, 5.2, 20)
    assert (b[2], bs[2], a[2], as_[2]) == (7.0, 1, 7.1, 2)  # symbol 1 does not see symbol 0's quotes
    # max age: exchange 0's quote (t=0) is 5 ns old at t=5 and drops out with max_age 4
    args = ([0, 0], [0, 5], [0, 1], [10.0, 9.0], [1, 1], [11.0, 12.0], [1, 1])
    assert run(*args)[1][0].tolist() == [10.0, 10.0]
    assert run(*args, max_age=4)[1][0].tolist() == [10.0, 9.0]
    assert run(*args, max_age=5)[1][0].tolist() == [10.0, 10.0]


def test_bad_exchange_code_and_empty_input():
    status, outs = run([0, 0], [1, 2], [0, 3], [1.0, 1.0], [1, 1], [2.0, 2.0], [1, 1], n_exch=2)
    assert status == STATUS_BAD_EXCHANGE and outs[0][0] == 1.0 and math.isnan(outs[0][1])
    status, outs = run([], [], [], [], [], [], [], n_exch=1)
    assert status == STATUS_OK and all(o.size == 0 for o in outs)


def _compare(group, ts, exch, bid, bsz, ask, asz, max_age=-1):
    status, outs = run(group, ts, exch, bid, bsz, ask, asz, n_exch=4, max_age=max_age)
    ref = nbbo_reference(group, ts, exch, bid, bsz, ask, asz, max_age)
    assert status == STATUS_OK
    for got, want in zip(outs, ref):
        np.testing.assert_array_equal(got, np.array(want, dtype=np.float64))


def test_reference_agrees_on_fixed_case():
    _compare([0, 0, 0, 1, 1], [1, 1, 2, 3, 3], [0, 1, 0, 2, 3], [1.0, 1.0, 0.0, 2.0, 2.5], [1, 2, 3, 4, 5],
             [1.5, 1.4, 1.4, NAN, 2.6], [5, 6, 7, 8, 9])


prices = st.sampled_from([0.0, NAN, 9.98, 9.99, 10.0, 10.01, 10.02, -1.0])
rows = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 3), st.integers(0, 3), prices, st.integers(0, 500), prices, st.integers(0, 500)),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(rows, st.sampled_from([-1, 0, 2, 5]))
def test_kernel_matches_reference(data, max_age):
    data = sorted(data, key=lambda r: r[0])  # grouped by symbol (stable)
    group = [r[0] for r in data]
    ts = list(np.cumsum([r[1] for r in data]).astype(int)) if data else []
    cols = list(zip(*data)) if data else [[]] * 7
    _compare(group, ts, list(cols[2]), list(cols[3]), [float(x) for x in cols[4]], list(cols[5]), [float(x) for x in cols[6]], max_age)


@pytest.mark.parametrize("n", [1, 2])
def test_ties_add_sizes(n):
    # n+1 exchanges at the same bid: sizes add up
    exch = list(range(n + 1))
    status, (b, bs, a, as_) = run([0] * (n + 1), list(range(n + 1)), exch, [5.0] * (n + 1), [100.0] * (n + 1), [6.0] * (n + 1), [50.0] * (n + 1))
    assert status == STATUS_OK and b[-1] == 5.0 and a[-1] == 6.0
    assert bs[-1] == 100.0 * (n + 1) and as_[-1] == 50.0 * (n + 1)
