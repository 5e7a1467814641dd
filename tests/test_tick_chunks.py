"""A symbol-day measured in chunks of trades (measures.chunk_trades) equals the day measured whole.

The chunked pass (kernels.tickpass.tick_chunk) carries the running values from chunk to chunk; these
tests put chunk boundaries everywhere (down to one trade per chunk) on fixed tapes built to put a boundary
at a quote change, between a trade and its horizon mid, inside a run of equal prices (the tick test's
state) and at the close, and on random tapes (hypothesis), and compare every daily column with the
whole-day pass (which tests/test_kernels_tickpass.py compares with the slow reference twin).
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqcost.io.dataset import Piece
from liqcost.measures import ticks
from liqcost.measures.ticks import SymbolDay, TickParams, measure_batch, measure_day_chunked, process_parts, read_parts

NS = 1_000_000_000
DAY = dt.date(2024, 3, 5)
OPEN = 1709649000 * NS  # 2024-03-05 09:30 America/New_York
CLOSE = OPEN + 390 * 60 * NS


def _write(tmp_path, trades: dict, quotes: dict, name: str = "x") -> SymbolDay:
    tp = tmp_path / f"t_{name}.parquet"
    qp = tmp_path / f"q_{name}.parquet"
    tf = pl.DataFrame(trades).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    qf = pl.DataFrame(quotes).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    tf.write_parquet(tp, row_group_size=7)
    qf.write_parquet(qp, row_group_size=5)
    return SymbolDay("X", DAY, (Piece(tp, 0, tf.height),), (Piece(qp, 0, qf.height),) if qf.height else ())


def _same(whole: pl.DataFrame, chunked: pl.DataFrame, label: str) -> None:
    assert whole.columns == chunked.columns
    for col in whole.columns:
        a, b = whole.get_column(col).to_list()[0], chunked.get_column(col).to_list()[0]
        if isinstance(a, list):
            assert len(a) == len(b), (label, col)
            pairs = list(zip(a, b))
        else:
            pairs = [(a, b)]
        for x, y in pairs:
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None or (isinstance(x, float) and math.isnan(x)):
                    assert (x is None and y is None) or (math.isnan(x) and math.isnan(y)), (label, col, x, y)
                else:
                    assert y == pytest.approx(x, rel=1e-12, abs=1e-12), (label, col, x, y)
            else:
                assert x == y, (label, col, x, y)


def _no_whole(*a, **k):
    raise AssertionError("the chunked pass fell back to the whole day")


def _check_all_chunks(part: SymbolDay, params: TickParams, sizes) -> None:
    whole = measure_batch(read_parts([part]), params, False).daily
    with pytest.MonkeyPatch.context() as mp:  # the chunks must not fall back to reading the day whole
        mp.setattr(ticks, "measure_batch", _no_whole)
        for k in sizes:
            chunked = measure_day_chunked(part, params, chunk=k).daily
            _same(whole, chunked, f"chunk={k}")


def _fixed_tape():
    s = NS
    # quotes: pre-open wide quote, changes right at trade times, a crossed (invalid) quote, a gap longer
    # than the maximum quote age, quotes after the close
    q_ts = [OPEN - 600 * s, OPEN + 1 * s, OPEN + 10 * s, OPEN + 10 * s, OPEN + 30 * s, OPEN + 31 * s,
            OPEN + 4000 * s, OPEN + 4005 * s, CLOSE - 70 * s, CLOSE - 5 * s, CLOSE, CLOSE + 30 * s]
    bid = [9.0, 10.00, 10.02, 10.03, 10.05, 10.10, 10.00, 10.01, 10.20, 10.22, 10.24, 10.30]
    ask = [11.0, 10.04, 10.06, 10.07, 10.01, 10.14, 10.04, 10.05, 10.24, 10.26, 10.28, 10.34]
    bsz = [100.0, 200.0, 300.0, 100.0, 100.0, 500.0, 100.0, 200.0, 300.0, 100.0, 100.0, 100.0]
    # trades: an opening auction, a trade at a quote change, a run of equal prices across the boundaries
    # (the tick test carries its last direction), trades whose 5 s horizon mid is the next chunk's quote,
    # trades just before and at the close, an after-hours trade and a bad print
    t_ts = [OPEN - 5 * s, OPEN, OPEN + 10 * s, OPEN + 11 * s, OPEN + 12 * s, OPEN + 13 * s, OPEN + 14 * s,
            OPEN + 29 * s, OPEN + 31 * s, OPEN + 4004 * s, OPEN + 4006 * s, CLOSE - 6 * s, CLOSE - 1 * s, CLOSE,
            CLOSE + 10 * s, CLOSE + 20 * s]
    px = [10.0, 10.02, 10.05, 10.05, 10.05, 10.05, 10.04, 10.04, 10.12, 10.03, 10.03, 10.25, 10.26, 10.26,
          10.3, -1.0]
    sz = [float(x) for x in (500, 100, 50, 200, 100, 300, 100, 100, 400, 150, 100, 100, 200, 300, 100, 100)]
    auc = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]
    aggr = [0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0]
    trades = {"ts": t_ts, "price": px, "size": sz, "aggressor": pl.Series(aggr, dtype=pl.Int8),
              "auction": pl.Series(auc, dtype=pl.Int8)}
    quotes = {"ts": q_ts, "bid": bid, "ask": ask, "bid_size": bsz, "ask_size": bsz[::-1]}
    return trades, quotes


PARAMS = [
    TickParams(horizons_s=(5.0, 60.0, 300.0, 1800.0), horizons_trades=(1, 5, 20)),
    TickParams(horizons_s=(1.0, 7.0), horizons_trades=(2,), max_quote_age_s=20.0, quote_lag_s=1.0, clip=False),
    TickParams(horizons_s=(), horizons_trades=(), strict=False, signing="tick", rv_interval_s=60.0,
               max_quote_age_s=None),
    TickParams(horizons_s=(5.0, 60.0, 300.0, 1800.0, 3600.0), horizons_trades=(1, 3, 5, 20), signing="emo"),
]


@pytest.mark.parametrize("params", PARAMS, ids=range(len(PARAMS)))
def test_fixed_tape_every_chunk_size(tmp_path, params):
    trades, quotes = _fixed_tape()
    part = _write(tmp_path, trades, quotes)
    _check_all_chunks(part, params, range(1, len(trades["ts"]) + 2))


def test_no_quotes_and_no_continuous_trades(tmp_path):
    trades, quotes = _fixed_tape()
    part = _write(tmp_path, trades, {k: v[:0] for k, v in quotes.items()}, "noq")
    _check_all_chunks(part, PARAMS[0], (1, 2, 5))
    pre = {k: v[:1] for k, v in trades.items()}  # only the opening auction print
    part = _write(tmp_path, pre, quotes, "auc")
    _check_all_chunks(part, PARAMS[1], (1, 2))


@st.composite
def _tape(draw):
    n = draw(st.integers(1, 60))
    m = draw(st.integers(0, 80))
    span = draw(st.sampled_from([60, 600, 23400, 30000]))
    t_off = sorted(draw(st.lists(st.integers(-300, span), min_size=n, max_size=n)))
    q_off = sorted(draw(st.lists(st.integers(-600, span + 60), min_size=m, max_size=m)))
    ticks = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))  # repeated prices: tick-test runs
    px = [round(10.0 + 0.01 * sum(ticks[:i + 1]), 2) for i in range(n)]
    sz = [float(draw(st.sampled_from([1, 50, 100, 200, 1000]))) for _ in range(n)]
    auc = [draw(st.sampled_from([0, 0, 0, 0, 1, 2])) for _ in range(n)]
    aggr = [draw(st.sampled_from([0, 0, 1, -1])) for _ in range(n)]
    mids = [10.0 + 0.01 * draw(st.integers(-8, 8)) for _ in range(m)]
    half = [0.01 * draw(st.integers(-1, 4)) for _ in range(m)]  # -1: crossed (invalid), 0: locked
    scale = draw(st.sampled_from([1, 1000]))  # seconds or milliseconds
    trades = {"ts": [OPEN + x * NS // scale * (1 if scale == 1 else 1) for x in t_off], "price": px, "size": sz,
              "aggressor": pl.Series(aggr, dtype=pl.Int8), "auction": pl.Series(auc, dtype=pl.Int8)}
    quotes = {"ts": [OPEN + x * NS // scale for x in q_off], "bid": [a - h for a, h in zip(mids, half)],
              "ask": [a + h for a, h in zip(mids, half)], "bid_size": [100.0] * m, "ask_size": [200.0] * m}
    return trades, quotes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tape=_tape(), chunk=st.integers(1, 25), which=st.integers(0, len(PARAMS) - 1))
def test_random_tapes_chunked_equals_whole(tmp_path_factory, tape, chunk, which):
    trades, quotes = tape
    part = _write(tmp_path_factory.mktemp("h"), trades, quotes)
    _check_all_chunks(part, PARAMS[which], (chunk, 1 + chunk // 3))


def test_process_parts_chunks_large_days_only(tmp_path):
    trades, quotes = _fixed_tape()
    big = _write(tmp_path, trades, quotes, "big")
    small = SymbolDay("A", DAY, big.trade_pieces, big.quote_pieces)
    params = TickParams(chunk_trades=3)
    got = process_parts(([small, big], params, False)).daily
    ref = measure_batch(read_parts([small, big]), TickParams(), False).daily
    assert got.get_column("symbol").to_list() == ["A", "X"]
    _same(ref[1:], got[1:], "process_parts")
    _same(ref[:1], got[:1], "process_parts")


def test_daily_metrics_on_the_sample_same_with_chunks():
    """The sample dataset's daily metrics with every day in chunks of 10 trades equal those read whole."""
    from pathlib import Path

    from liqcost.config import load_config
    from liqcost.io.dataset import Dataset
    from liqcost.measures.daily import daily_metrics

    ds = Dataset(Path(__file__).resolve().parents[1] / "sample_data" / "dataset")
    whole = daily_metrics(load_config(overrides={"measures": {"chunk_trades": None}}), dataset=ds, workers=1).daily
    with pytest.MonkeyPatch.context() as mp:
        calls = []
        real = ticks.measure_day_chunked
        mp.setattr(ticks, "measure_day_chunked", lambda *a, **k: calls.append(1) or real(*a, **k))
        chunked = daily_metrics(load_config(overrides={"measures": {"chunk_trades": 10}}), dataset=ds, workers=1).daily
    assert calls and whole.height == chunked.height
    for k in range(whole.height):
        _same(whole[k:k + 1], chunked[k:k + 1], f"row {k}")
