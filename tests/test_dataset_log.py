"""The dataset log: state replay and checkpoints, commits that lose the race, vacuum and its grace period,
readers at one version, symbol-day slices of month files."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import polars as pl
import pytest
from reference.frames import random_days

from liqcost.config import Config
from liqcost.errors import CommitConflictError
from liqcost.io.dataset import Dataset
from liqcost.io.dataset_log import checkpoint_dir, commit, layout_of, load_state, log_dir, read_checkpoint
from liqcost.io.dataset_write import vacuum, write_frame
from liqcost.io.ingest import ingest_file

HEAD = "symbol,ts,price,size\n"
NY = "America/New_York"


def small(tmp_path, name, n, sym="A", day=3):
    p = tmp_path / name
    p.write_text(HEAD + "".join(f"{sym},2025-03-{day:02d}T15:00:{i:02d}Z,10,{i + 1}\n" for i in range(n)))
    return p


def cfg(**dataset):
    return Config.model_validate({"dataset": dataset})


def test_checkpoints_equal_the_replayed_log(tmp_path):
    c = cfg(checkpoint_interval=3, fsync=False)
    ds = tmp_path / "ds"
    for k in range(8):
        ingest_file(small(tmp_path, f"f{k % 3}.csv", 2 + k, sym="AB"[k % 2], day=3 + k % 4), "trades", ds, c, vacuum=False)
    assert sorted(p.name for p in checkpoint_dir(ds).iterdir()) == [f"{v:020d}.parquet" for v in (3, 6)]
    state = load_state(ds)
    assert state.version == 8
    ck = read_checkpoint(ds, 6)
    # replaying entries 7 and 8 on checkpoint 6 gives the same state as replaying the whole log
    from liqcost.io.dataset_log import State, read_entry

    full = State()
    for v in range(1, 9):
        full.apply(read_entry(ds, v))
    for v in (7, 8):
        ck.apply(read_entry(ds, v))
    assert ck.files == full.files == state.files
    assert ck.sources == full.sources == state.sources


def test_a_damaged_checkpoint_falls_back_to_the_log(tmp_path):
    c = cfg(checkpoint_interval=2, fsync=False)
    ds = tmp_path / "ds"
    for k in range(3):
        ingest_file(small(tmp_path, f"f{k}.csv", 3), "trades", ds, c, vacuum=False)
    (checkpoint_dir(ds) / f"{2:020d}.parquet").write_bytes(b"not parquet")
    assert load_state(ds).version == 3 and Dataset(ds).scan("trades").collect().height == 9


def test_a_writer_that_loses_the_race_replans(tmp_path):
    ds = tmp_path / "ds"
    ingest_file(small(tmp_path, "a.csv", 3), "trades", ds, Config())
    calls = []

    def plan(state):
        calls.append(state.version)
        if len(calls) == 1:  # another writer commits while this one plans
            ingest_file(small(tmp_path, "b.csv", 4), "trades", ds, Config())
        return {"add": [], "remove": [], "set_sources": [], "drop_sources": []}

    state, entry = commit(ds, plan, operation="test", config=Config())
    assert calls == [1, 2] and entry["version"] == 3 and state.version == 3
    assert Dataset(ds).scan("trades").collect().height == 7


def test_a_writer_that_always_loses_gives_up_cleanly(tmp_path):
    ds = tmp_path / "ds"
    ingest_file(small(tmp_path, "a.csv", 3), "trades", ds, Config())
    n = [0]

    def plan(state):
        n[0] += 1
        ingest_file(small(tmp_path, f"x{n[0]}.csv", 1), "trades", ds, Config(), vacuum=False)
        return {"add": [], "remove": [], "set_sources": [], "drop_sources": []}

    with pytest.raises(CommitConflictError, match="nothing of it was committed; run it again"):
        commit(ds, plan, operation="test", config=cfg(commit_retries=2))
    assert n[0] == 3


def test_reingest_replanned_against_a_new_state(tmp_path):
    # a re-ingest that loses the race to a compaction of its bucket still removes exactly its old rows
    c = cfg(compact_max_files=2, fsync=False)
    ds = tmp_path / "ds"
    a = small(tmp_path, "a.csv", 5)
    ingest_file(a, "trades", ds, c)
    from liqcost.io import dataset_write

    real = dataset_write.SourceWrite.plan
    fired = []

    def racing(self, state):
        if not fired and self.source_id == str(a.resolve()):
            fired.append(1)  # two other sources land meanwhile: the bucket is compacted (a's rows move)
            ingest_file(small(tmp_path, "b.csv", 4), "trades", ds, c)
            ingest_file(small(tmp_path, "c.csv", 6), "trades", ds, c)
        return real(self, state)

    dataset_write.SourceWrite.plan = racing
    try:
        a.write_text(HEAD + "A,2025-03-03T15:01:00Z,10,1\n")
        rep = ingest_file(a, "trades", ds, c)
    finally:
        dataset_write.SourceWrite.plan = real
    assert fired and rep.rows_replaced == 5
    assert Dataset(ds).scan("trades").collect().height == 1 + 4 + 6


def test_vacuum_keeps_removed_files_for_the_grace_period(tmp_path):
    ds = tmp_path / "ds"
    a = small(tmp_path, "a.csv", 3)
    ingest_file(a, "trades", ds, Config())
    reader = Dataset(ds)  # a reader at version 1
    old_files = [ds / f for f in reader.state.files]
    a.write_text(HEAD + "A,2025-03-03T15:00:00Z,10,1\n")
    ingest_file(a, "trades", ds, Config())  # removes the old file (vacuum at the end: within grace)
    assert all(f.exists() for f in old_files)
    assert reader.scan("trades").collect().height == 3  # the old reader still reads its version
    assert vacuum(ds, grace_s=3600).deleted == []
    rep = vacuum(ds, grace_s=0)
    assert {ds / p for p in rep.deleted} >= set(old_files) and not any(f.exists() for f in old_files)
    assert Dataset(ds).scan("trades").collect().height == 1


def test_vacuum_takes_orphans_only_when_old(tmp_path):
    ds = tmp_path / "ds"
    ingest_file(small(tmp_path, "a.csv", 3), "trades", ds, Config())
    orphan = ds / "kind=trades" / "symbol=A" / "month=2025-03" / "part-deadbeef.parquet"
    orphan.write_bytes(b"half a file")
    tmp = log_dir(ds) / ".tmp-abc"
    tmp.write_bytes(b"{")
    assert vacuum(ds, grace_s=3600).deleted == [] and orphan.exists()
    past = time.time() - 7200
    os.utime(orphan, (past, past))
    os.utime(tmp, (past, past))
    rep = vacuum(ds, grace_s=3600)
    assert not orphan.exists() and not tmp.exists() and len(rep.deleted) == 2
    assert Dataset(ds).scan("trades").collect().height == 3


def test_vacuum_prunes_log_before_the_newest_checkpoint(tmp_path):
    c = cfg(checkpoint_interval=2, fsync=False)
    ds = tmp_path / "ds"
    for k in range(5):
        ingest_file(small(tmp_path, "a.csv", 1 + k), "trades", ds, c, vacuum=False)
    past = time.time() - 7200
    for p in list(log_dir(ds).iterdir()) + list(checkpoint_dir(ds).iterdir()):
        os.utime(p, (past, past))
    rep = vacuum(ds, grace_s=3600)
    assert rep.log_entries_pruned == 3
    assert sorted(p.name for p in log_dir(ds).iterdir()) == [f"{v:020d}.json" for v in (4, 5)]
    assert load_state(ds).version == 5 and Dataset(ds).scan("trades").collect().height == 5


def test_day_slices_of_month_files(tmp_path):
    days = [dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(5)] + [dt.date(2025, 4, 1)]
    t, q = random_days(["AA", "BB"], days, seed=2, trades_per_day=30, quotes_per_day=10)
    write_frame(tmp_path, "trades", t.sort("symbol", "ts"), "t")
    d = Dataset(tmp_path)
    assert sorted({f.bucket for f in d.state.files.values()}) == ["2025-03", "2025-04"]
    local = pl.col("ts").dt.convert_time_zone(NY).dt.date()
    for sym in ("AA", "BB"):
        assert d.dates("trades", sym) == sorted(set(t.filter(pl.col("symbol") == sym).select(local).to_series()))
        for day in d.dates("trades", sym):
            want = t.filter((pl.col("symbol") == sym) & (local == day)).sort("ts")
            got = d.read("trades", sym, day)
            assert got.select(want.columns).equals(want)
    parts = d.partitions("trades", ["AA"], days[1], days[3])
    assert [p.date for p in parts] == [x for x in d.dates("trades", "AA") if days[1] <= x <= days[3]]
    assert d.scan("trades", ["AA"], days[1], days[3]).collect().height == sum(p.rows for p in parts)
    assert "_source" not in d.scan("trades").collect_schema().names()
    assert d.symbols("trades", days[5], days[5]) == sorted(
        set(t.filter(local == days[5]).get_column("symbol"))) and d.symbols("trades", dt.date(2026, 1, 1)) == []


def test_listing_reads_the_state_not_the_folders(tmp_path):
    ds = tmp_path / "ds"
    ingest_file(small(tmp_path, "a.csv", 3), "trades", ds, Config())
    stray = ds / "kind=quotes" / "symbol=Z" / "month=2025-03"
    stray.mkdir(parents=True)
    (stray / "part-x.parquet").write_bytes(b"")
    d = Dataset(ds)
    assert d.kinds() == ["trades"] and d.symbols("quotes") == [] and layout_of(ds) == "v2"
    entry = json.loads((log_dir(ds) / f"{1:020d}.json").read_text())
    assert entry["operation"] == "ingest" and entry["version"] == 1 and entry["parent"] == 0


def test_state_cache_sees_a_recreated_folder(tmp_path):
    # a process remembers the last state per folder and replays only newer entries; a folder deleted and
    # written again (same path, same version numbers) must not be mistaken for the remembered one
    import shutil

    ds = tmp_path / "ds"
    ingest_file(small(tmp_path, "a.csv", 3), "trades", ds, Config())
    ingest_file(small(tmp_path, "b.csv", 2), "trades", ds, Config())
    assert load_state(ds).version == 2
    shutil.rmtree(ds)
    ingest_file(small(tmp_path, "c.csv", 5, sym="C"), "trades", ds, Config())
    ingest_file(small(tmp_path, "d.csv", 1, sym="D"), "trades", ds, Config())
    d = Dataset(ds)
    assert d.version == 2 and d.symbols("trades") == ["C", "D"] and d.scan("trades").collect().height == 6
