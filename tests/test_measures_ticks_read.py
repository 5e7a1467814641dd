"""Reading dataset batches (one scan per file, counts from the heights): the daily metrics equal those
computed from the same rows in memory, with optional columns missing from some files and symbol-days
split over several files."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from reference.frames import random_days

from liqcost.config import load_config
from liqcost.io.dataset import Dataset
from liqcost.io.dataset_write import write_frame
from liqcost.measures.daily import daily_metrics, plan_dataset
from liqcost.measures.ticks import read_parts

DAYS = [dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(4)]
NY = "America/New_York"


def _write(root, kind, frame, split_first=False, drop=(), drop_half=False, per_day=False):
    """Commit the rows into a dataset (liqcost.io.dataset_write.write_frame): one source holding every
    symbol-month, or (``per_day``) one source per symbol-day, so a month file holds one day; the symbol-days
    numbered in ``drop`` are sources of their own written without the optional columns; ``split_first``
    moves the second half of the first symbol-day into a source of its own (two files for that day, which
    disagree on their columns with ``drop_half``). Returns the rows as written (a missing flag reads as 0)."""
    frame = frame.with_columns(pl.col("ts").dt.convert_time_zone(NY).dt.date().alias("_d"))
    written = []
    sources: dict[str, list] = {}
    for k, ((sym, d), g) in enumerate(sorted(frame.group_by(["symbol", "_d"]), key=lambda x: x[0])):
        g = g.drop("_d").sort("ts")
        written.append(g.with_columns(pl.lit(0, pl.Int8).alias("aggressor"), pl.lit(0, pl.Int8).alias("auction"))
                       if k in drop else g)
        if k in drop:
            g = g.drop("aggressor", "auction")
        main = f"{kind}-{k}" if per_day or k in drop else f"{kind}-main"
        if split_first and k == 0:
            a = g.head(g.height // 2)
            if drop_half:  # the symbol-day's two files disagree on their columns
                written[-1] = pl.concat([a.with_columns(pl.lit(0, pl.Int8).alias("aggressor"),
                                                        pl.lit(0, pl.Int8).alias("auction")), g.tail(g.height - a.height)])
                a = a.drop("aggressor", "auction")
                sources.setdefault(f"{kind}-first-a", []).append(a)
            else:
                sources.setdefault(main, []).append(a)
            sources.setdefault(f"{kind}-first-b", []).append(g.tail(g.height - g.height // 2))
        else:
            sources.setdefault(main, []).append(g)
    for sid, frames in sources.items():
        write_frame(root, kind, pl.concat(frames, how="diagonal_relaxed").sort("symbol", "ts", maintain_order=True), sid)
    return pl.concat(written, how="diagonal_relaxed")


def _same(a: pl.DataFrame, b: pl.DataFrame):
    assert a.columns == b.columns and a.height == b.height
    for c in a.columns:
        x, y = a.get_column(c), b.get_column(c)
        if x.dtype == pl.Float64:
            np.testing.assert_array_equal(x.to_numpy(), y.to_numpy(), err_msg=c)
        else:
            assert x.equals(y, null_equal=True), c


def _case(tmp_path, drop=(), split_first=False, drop_half=False, per_day=False):
    t, q = random_days(["AA", "BB", "CC"], DAYS, seed=4, trades_per_day=40, quotes_per_day=80)
    t = t.with_columns(pl.when(pl.int_range(pl.len()) % 7 == 0).then(pl.lit(1, pl.Int8)).otherwise(pl.lit(0, pl.Int8))
                       .alias("aggressor"))
    t = _write(tmp_path, "trades", t, split_first=split_first, drop=drop, drop_half=drop_half, per_day=per_day)
    _write(tmp_path, "quotes", q, per_day=per_day)
    cfg = load_config()
    from_ds = daily_metrics(cfg, dataset=Dataset(tmp_path), workers=1).daily
    from_mem = daily_metrics(cfg, trades=t, quotes=q, workers=1).daily
    _same(from_ds, from_mem)
    return t, q


@pytest.mark.parametrize("per_day", [False, True], ids=["month-files", "day-files"])
def test_dataset_reads_equal_in_memory(tmp_path, per_day):
    # month files read by day slices (several days of a file in one task read as one slice), or one
    # file per symbol-day (several files in a bucket)
    _case(tmp_path, per_day=per_day)


def test_batches_group_days_of_a_file_into_one_read(tmp_path):
    _case(tmp_path)
    from liqcost.measures.ticks import _file_queries, _trade_select

    parts = plan_dataset(Dataset(tmp_path))
    queries, runs = _file_queries([p.trade_pieces for p in parts], _trade_select)
    assert len(queries) == 3  # three symbols, four days each: one slice per symbol-month file
    assert sorted(len(r[3]) for r in runs) == [4, 4, 4]


def test_partitions_without_the_optional_columns(tmp_path):
    # two symbol-days lack aggressor/auction (their flags read as 0), the others keep theirs
    t, _ = _case(tmp_path, drop=(0, 5))
    batch = read_parts(plan_dataset(Dataset(tmp_path)))
    assert batch.t_aggr.sum() == t["aggressor"].cast(pl.Int64).sum() > 0


def test_files_of_a_symbol_day_that_disagree(tmp_path):
    # the first file of the first symbol-day has no flags, the second has them: each file is read by its schema
    t, _ = _case(tmp_path, split_first=True, drop_half=True)
    batch = read_parts(plan_dataset(Dataset(tmp_path)))
    assert batch.t_aggr.sum() == t["aggressor"].cast(pl.Int64).sum() > 0


def test_symbol_day_split_over_two_files(tmp_path):
    t, _ = _case(tmp_path, split_first=True)
    parts = plan_dataset(Dataset(tmp_path))
    batch = read_parts(parts)
    counts = np.diff(batch.t_off)
    assert len(parts[0].trade_files) == 2
    expected = t.group_by("symbol", pl.col("ts").dt.convert_time_zone(NY).dt.date().alias("d")).agg(pl.len()).sort(
        "symbol", "d")["len"].to_numpy()
    np.testing.assert_array_equal(counts, expected)


def test_nulls_read_as_nan_and_zero(tmp_path):
    # null prices/sizes/quote sides (excluded or invalid rows) and null flags read like the in-memory path
    t, q = random_days(["AA", "BB"], DAYS[:2], seed=9, trades_per_day=30, quotes_per_day=60)
    i = pl.int_range(pl.len())
    t = t.with_columns(pl.when(i % 11 == 3).then(None).otherwise(pl.col("price")).alias("price"),
                       pl.when(i % 13 == 5).then(None).otherwise(pl.col("size")).alias("size"),
                       pl.when(i % 5 == 1).then(None).otherwise(pl.lit(1, pl.Int8)).alias("aggressor"))
    q = q.with_columns(pl.when(i % 17 == 2).then(None).otherwise(pl.col("bid")).alias("bid"))
    _write(tmp_path, "trades", t)
    _write(tmp_path, "quotes", q)
    cfg = load_config()
    _same(daily_metrics(cfg, dataset=Dataset(tmp_path), workers=1).daily,
          daily_metrics(cfg, trades=t, quotes=q, workers=1).daily)
    batch = read_parts(plan_dataset(Dataset(tmp_path)))
    assert np.isnan(batch.t_px).sum() == t["price"].null_count() > 0
    assert batch.t_aggr.sum() == t["aggressor"].drop_nulls().cast(pl.Int64).sum()


def test_in_memory_selection_equals_the_full_run_rows():
    # symbol/date selections cut the frames into non-adjacent row ranges (frames in order) or go through
    # the reordered copy (shuffled frames): the selected rows equal those of the full run
    t, q = random_days(["AA", "BB", "CC"], DAYS, seed=5, trades_per_day=30, quotes_per_day=60)
    cfg = load_config(overrides={"engine.batch_rows": 1000})
    full = daily_metrics(cfg, trades=t, quotes=q, workers=2).daily
    for tt, qq in ((t, q), (t.sample(fraction=1.0, seed=1), q.sample(fraction=1.0, seed=2))):
        sel = daily_metrics(cfg, trades=tt, quotes=qq, symbols=["AA", "CC"], start=DAYS[1], end=DAYS[2], workers=2).daily
        want = full.filter(pl.col("symbol").is_in(["AA", "CC"]) & pl.col("date").is_between(DAYS[1], DAYS[2]))
        cols = [c for c in full.columns if not c.startswith("return_") and c != "amihud_bps_per_musd"]
        _same(sel.select(cols), want.select(cols))  # (day-to-day returns need the day before)


def test_files_of_one_name_with_different_columns(tmp_path):
    # every part file has the same name but only some have the flag columns: each is read by its own schema
    t, _ = _case(tmp_path, drop=(2, 7))
    batch = read_parts(plan_dataset(Dataset(tmp_path)))
    assert batch.t_aggr.sum() == t["aggressor"].cast(pl.Int64).sum() > 0


def test_frames_grouped_out_of_alphabetical_order_are_used_in_place():
    # frames grouped by symbol-day in time order but not in (symbol, day) order are used without a copy and a
    # sort; a symbol-day split into two runs of rows (or time going back inside one) is not, and goes through
    # the reordered copy: every way gives the daily table of the sorted frames
    from liqcost.kernels.tickpass import partition_runs
    from liqcost.measures.ticks import _one_run_each, local_day_bounds_ns, plan_frames

    t, q = random_days(["AA", "BB", "CC"], DAYS, seed=7, trades_per_day=30, quotes_per_day=60)
    t, q = t.sort("symbol", "ts"), q.sort("symbol", "ts")
    desc_t = t.sort("symbol", "ts", descending=[True, False])
    desc_q = q.sort("symbol", "ts", descending=[True, False])
    a, b = t.filter(pl.col("symbol") == "AA"), t.filter(pl.col("symbol") != "AA")
    cut = a.height // 2 + 5  # inside a day of AA: that symbol-day's rows in two runs
    split_t = pl.concat([a.head(cut), b, a.tail(a.height - cut)])
    cfg = load_config()
    want = daily_metrics(cfg, trades=t, quotes=q, workers=1).daily
    for tt, qq in ((desc_t, desc_q), (split_t, q), (desc_t, q)):
        _same(daily_metrics(cfg, trades=tt, quotes=qq, workers=1).daily, want)

    def in_place(frame):
        runs = frame.get_column("symbol").rle()
        run_len = runs.struct.field("len").to_numpy().astype(np.int64)
        code = {"AA": 0, "BB": 1, "CC": 2}
        run_code = np.array([code[x] for x in runs.struct.field("value").to_list()], dtype=np.int64)
        ts = frame.get_column("ts").dt.epoch("ns").to_numpy()
        bounds = local_day_bounds_ns(DAYS[0] - dt.timedelta(days=1), DAYS[-1] + dt.timedelta(days=1), NY)
        pids, starts, ordered = partition_runs(run_len, run_code, ts, bounds)
        return ordered, _one_run_each(pids, starts, ts)

    assert in_place(t) == (True, True)
    assert in_place(desc_t) == (False, True)  # used in place
    assert in_place(split_t)[1] is False
    plan = plan_frames(desc_t, desc_q, NY)
    assert isinstance(plan.t_src, pl.DataFrame) and isinstance(plan.q_src, pl.DataFrame)  # no copy
    assert plan.symbols == sorted(plan.symbols)
