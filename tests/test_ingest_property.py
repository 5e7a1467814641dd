"""Hypothesis: random, dirty files never crash ingest and the accounting always holds."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqcost.config import Config
from liqcost.errors import LiqcostError
from liqcost.io.ingest import ingest_file
from liqcost.io.readers import read_generic
from liqcost.io.mapping import Mapping
from liqcost.io.validate import validate

CFG = Config()

TS = st.sampled_from(
    ["2025-03-03T15:00:00Z", "2025-03-03T15:00:01.5Z", "2025-03-04 10:00:00", "2025-03-03T14:59:59.999999999Z", "", "yesterday", "1741012201000", "2025-13-45T99:00:00Z"]
)
NUM = st.one_of(
    st.sampled_from(["", "NaN", "nan", "inf", "-inf", "0", "-1", "1e308", "abc", "1,5", " 12.5 ", "0.0001"]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: f"{x:.6g}"),
)
SYM = st.sampled_from(["A", "B", "", "BRK.B", "x y"])
TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .-", max_size=6)


def _csv(rows, header):
    lines = [",".join(header)]
    for r in rows:
        lines.append(",".join(v.replace(",", ";") if i != 0 else v for i, v in enumerate(r)))
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(SYM, TS, NUM, NUM), min_size=1, max_size=40))
def test_random_trades_accounting(rows):
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "t.csv"
        src.write_text(_csv(rows, ["symbol", "ts", "price", "size"]))
        try:
            rep = ingest_file(src, "trades", Path(d) / "ds", CFG)
        except LiqcostError:
            return  # a clean, user-facing error is an acceptable outcome
        assert rep.rows_read == len(rows)
        assert rep.rows_read == rep.rows_kept + rep.rows_quarantined
        assert sum(rep.reasons.values()) == rep.rows_quarantined
        kept = pl.read_parquet(list((Path(d) / "ds").glob("kind=trades/*/*/*.parquet"))) if rep.rows_kept else None
        if kept is not None:
            assert kept.height == rep.rows_kept
            assert (kept.get_column("price") > 0).all() and (kept.get_column("size") > 0).all()
            assert kept.get_column("price").is_finite().all()


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(SYM, TS, NUM, NUM, NUM, NUM), min_size=1, max_size=40))
def test_random_quotes_accounting(rows):
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "q.csv"
        src.write_text(_csv(rows, ["symbol", "ts", "bid", "ask", "bid_size", "ask_size"]))
        try:
            raw = read_generic(src, "quotes", Mapping(), "America/New_York")
        except LiqcostError:
            return
        res = validate(raw, "quotes", str(src), CFG.ingest, "America/New_York")
        assert res.rows_read == len(rows) == res.rows_kept + res.rows_quarantined
        clean = res.clean
        if clean.height:
            assert (clean.get_column("bid") <= clean.get_column("ask")).all()
            assert (clean.get_column("bid") > 0).all()
        # every quarantined row keeps its line number, unique and within the file
        rows_q = res.quarantine.get_column("row").to_list()
        assert len(set(rows_q)) == len(rows_q) and all(2 <= r <= len(rows) + 1 for r in rows_q)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(SYM, st.sampled_from(["2025-03-03", "2025-03-04", "bad", ""]), NUM, NUM, NUM, NUM, NUM), min_size=1, max_size=30))
def test_random_bars_accounting(rows):
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "b.csv"
        src.write_text(_csv(rows, ["symbol", "date", "open", "high", "low", "close", "volume"]))
        try:
            raw = read_generic(src, "bars", Mapping(), "America/New_York")
        except LiqcostError:
            return
        res = validate(raw, "bars", str(src), CFG.ingest, "America/New_York")
        assert res.rows_read == res.rows_kept + res.rows_quarantined
        c = res.clean
        if c.height:
            assert (c["high"] >= c["low"]).all() and (c["close"] <= c["high"]).all() and (c["volume"] >= 0).all()


@settings(max_examples=30, deadline=None)
@given(header=st.lists(TEXT, min_size=1, max_size=6, unique=True), body=st.lists(st.lists(TEXT, min_size=1, max_size=6), max_size=5))
def test_arbitrary_files_never_crash(header, body):
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "x.csv"
        src.write_text(",".join(header) + "\n" + "\n".join(",".join(r) for r in body) + ("\n" if body else ""))
        try:
            rep = ingest_file(src, "trades", Path(d) / "ds", CFG)
        except LiqcostError as exc:
            assert exc.message and "\n" not in exc.message.strip()
            return
        assert rep.rows_read == rep.rows_kept + rep.rows_quarantined


@given(
    st.lists(st.tuples(st.sampled_from(["AAA", "BB", "C", " D", "E ", "", None]), st.integers(1, 400)),
             min_size=1, max_size=40),
    st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_text_check_on_runs_equals_the_check_on_every_row(runs, shuffle):
    """readers._text_is_clean takes distinct values among the runs' values when the column starts in long
    runs: the verdict is the one of checking every row (any blank-padded or empty value makes it False)."""
    from liqcost.io.readers import _text_is_clean

    values = [v for v, n in runs for _ in range(n)]
    s = pl.Series("symbol", values, dtype=pl.String)
    if shuffle:
        s = s.sample(fraction=1.0, shuffle=True, seed=3)
    rows = [v for v in s.to_list() if v is not None]
    expected = all(v == v.strip() and v != "" for v in rows)
    assert _text_is_clean(s) == expected
