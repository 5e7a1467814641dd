"""A dataset is never half-written: ``kill -9`` of an ingest at any moment leaves the old or the new
dataset (row counts and ``liqcost profile`` output), and concurrent ingests all land with exact counts.

The ingests run as real subprocesses. The kill offsets are spread over the write phase of a reference
run (from the first data file written to the commit), measured on this machine, plus a few earlier
ones, so that kills land before, during and after the writing of the data files whatever the load.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.cli import cli
from liqcost.io.dataset import Dataset

pytestmark = pytest.mark.slow

# two days in each of three months: every name has three symbol-month files (many files, few rows)
DAYS = [dt.date(2025, 1, 6), dt.date(2025, 1, 7), dt.date(2025, 2, 3), dt.date(2025, 2, 4), dt.date(2025, 3, 3),
        dt.date(2025, 3, 4)]


def make_trades(path: Path, n_sym: int, per_day: int, seed: int, drop_every: int = 0, syms=None) -> int:
    """Trades of ``n_sym`` names on DAYS (three buckets per name), written as CSV; returns rows."""
    rng = np.random.default_rng(seed)
    frames = []
    for d in DAYS:
        base = int(dt.datetime(d.year, d.month, d.day, 14, 31, tzinfo=dt.timezone.utc).timestamp()) * 10**9
        for s in (syms if syms is not None else range(n_sym)):
            ts = base + np.sort(rng.integers(0, 6 * 3600 * 10**9, per_day))
            frames.append(pl.DataFrame({"symbol": f"S{s:03d}", "ts": pl.Series(ts).cast(pl.Datetime("ns", "UTC")),
                                        "price": np.round(10 + rng.normal(0, 0.05, per_day), 2),
                                        "size": rng.integers(1, 10, per_day) * 100}))
    frame = pl.concat(frames)
    if drop_every:
        frame = frame.filter(pl.int_range(pl.len()) % drop_every != 0)
    frame.write_csv(path)
    return frame.height


def ingest_cmd(src: Path, ds: Path, *extra) -> list[str]:
    return [sys.executable, "-m", "liqcost", "-q", *extra, "ingest", "--kind", "trades", str(src), "-o", str(ds)]


def env():
    e = dict(os.environ)
    e["POLARS_MAX_THREADS"] = "2"
    return e


def state_of(ds: Path):
    """(rows, profile json) of a dataset; (0, None) when it holds no rows (or does not exist)."""
    from liqcost.io.dataset_log import layout_of

    if layout_of(ds) != "v2":
        return 0, None
    d = Dataset(ds, must_exist=False)
    if not d.state.files:
        return 0, None
    rows = d.scan("trades").collect().height
    r = CliRunner().invoke(cli, ["-q", "--format", "json", "profile", "--data", str(ds), "--table", "profile"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return rows, json.loads(r.output)


def phases(cmd, ds: Path) -> tuple[float, float, float]:
    """Run an ingest to completion, watching the folder: seconds to the first new data file, to the commit,
    and in total."""
    t0 = time.perf_counter()
    before = set(ds.rglob("part-*.parquet")) if ds.exists() else set()
    logs = len(list((ds / "_liqcost" / "log").glob("*.json"))) if ds.exists() else 0
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
    first = commit = None
    while p.poll() is None:
        if first is None and ds.exists() and any(True for f in ds.glob("kind=*/*/*/part-*.parquet") if f not in before):
            first = time.perf_counter() - t0
        if commit is None and ds.exists() and len(list((ds / "_liqcost" / "log").glob("*.json"))) > logs:
            commit = time.perf_counter() - t0
        time.sleep(0.002)
    total = time.perf_counter() - t0
    assert p.returncode == 0
    return first or 0.5 * total, commit or total, total


def kill_at(cmd, delay: float) -> None:
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
    time.sleep(delay)
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()


def kill_series(cmd_for, first: float, commit: float, check, attempts: int = 10) -> int:
    """Kill ingests at several delays; ``check(k, delay)`` asserts the state and says whether the kill
    landed too early (``"old"``: no data file written), mid-write (``"mid"``: files written, not committed)
    or after the commit (``"new"``). The first delays are spread over the write phase measured on a
    reference run; later ones bisect towards it (subprocess start-up varies a lot on a loaded machine).
    Returns how many kills landed mid-write."""
    import random

    rng = random.Random(7)
    span = max(commit - first, 0.05)
    delays = [0.5 * first, first + 0.2 * span, first + 0.5 * span, first + 0.8 * span]
    lo, hi = 0.0, commit + 2 * span
    mid = 0
    for k in range(attempts):
        delay = delays[k] if k < len(delays) else rng.uniform(lo, hi) if mid else (lo + hi) / 2
        kill_at(cmd_for(k), delay)
        outcome = check(k, delay)
        if outcome == "mid":
            mid += 1
        elif outcome == "old":
            lo = max(lo, delay)
        else:
            hi = min(hi, delay)
        if hi <= lo:  # start-up times moved: widen again
            lo, hi = max(0.0, lo - span), hi + span
        if mid >= 1 and k >= 4:
            break
    return mid


def orphans(ds: Path) -> int:
    if not ds.exists():
        return 0
    from liqcost.io.dataset_log import layout_of, load_state

    live = load_state(ds).live_paths() if layout_of(ds) == "v2" else set()
    return sum(1 for f in ds.rglob("part-*.parquet") if f.relative_to(ds).as_posix() not in live)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("crash")
    n_old = make_trades(d / "v1.csv", 150, 8, seed=3)  # 450 symbol-month files: a write phase to land in
    n_new = make_trades(d / "v2.csv", 150, 8, seed=3, drop_every=7)  # the same file edited: rows removed
    return d, n_old, n_new


def test_kill_during_a_new_ingest_leaves_nothing_or_everything(files, tmp_path):
    d, n_old, _ = files
    ref = tmp_path / "ref"
    first, commit, _total = phases(ingest_cmd(d / "v1.csv", ref), ref)
    want_rows, want_profile = state_of(ref)
    assert want_rows == n_old

    def check(k, delay):
        ds = tmp_path / f"ds{k}"
        rows, prof = state_of(ds)
        assert (rows, prof) in ((0, None), (want_rows, want_profile)), f"kill at {delay:.3f}s: {rows} rows"
        if rows:
            return "new"
        outcome = "mid" if orphans(ds) else "old"  # data files written but not committed: readers ignore them
        # the next ingest into the killed folder works and gives the new dataset
        r = subprocess.run(ingest_cmd(d / "v1.csv", ds), env=env(), capture_output=True)
        assert r.returncode == 0, r.stderr
        assert state_of(ds) == (want_rows, want_profile)
        return outcome

    mid_write = kill_series(lambda k: ingest_cmd(d / "v1.csv", tmp_path / f"ds{k}"), first, commit, check)
    assert mid_write >= 1, "no kill landed while data files were being written (the test did not test it)"


def test_kill_during_a_reingest_leaves_the_old_or_the_new(files, tmp_path):
    d, n_old, n_new = files
    src = tmp_path / "trades.csv"
    base = tmp_path / "base"
    src.write_bytes((d / "v1.csv").read_bytes())
    assert subprocess.run(ingest_cmd(src, base), env=env()).returncode == 0
    old = state_of(base)
    src.write_bytes((d / "v2.csv").read_bytes())
    newds = tmp_path / "new"
    import shutil

    shutil.copytree(base, newds)
    first, commit, _ = phases(ingest_cmd(src, newds), newds)
    new = state_of(newds)
    assert old[0] == n_old and new[0] == n_new and old[1] != new[1]

    def cmd_for(k):
        shutil.copytree(base, tmp_path / f"ds{k}")
        return ingest_cmd(src, tmp_path / f"ds{k}")

    def check(k, delay):
        got = state_of(tmp_path / f"ds{k}")
        assert got in (old, new), f"kill at {delay:.3f}s: {got[0]} rows (old {n_old}, new {n_new})"
        if got == new:
            return "new"
        return "mid" if orphans(tmp_path / f"ds{k}") else "old"

    mid_write = kill_series(cmd_for, first, commit, check)
    assert mid_write >= 1, "no kill landed while data files were being written (the test did not test it)"


def test_concurrent_ingests_all_land(tmp_path):
    # four files into one dataset at once, sharing names and months, with compaction forced (re-planned
    # rewrites under contention): every row lands once
    cfg = tmp_path / "c.yaml"
    cfg.write_text("dataset:\n  compact_max_files: 2\n")
    counts = {}
    for k in range(4):
        counts[k] = make_trades(tmp_path / f"f{k}.csv", 0, 3 + k, seed=10 + k, syms=range(k * 5, k * 5 + 40))
    ds = tmp_path / "ds"
    procs = [subprocess.Popen(ingest_cmd(tmp_path / f"f{k}.csv", ds, "--config", str(cfg)), env=env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for k in range(4)]
    errs = [p.communicate()[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errs
    d = Dataset(ds)
    assert d.version == 4
    assert d.scan("trades").collect().height == sum(counts.values())
    by_src = {s["id"]: s["report"]["rows_kept"] for s in d.sources()}
    assert sorted(by_src.values()) == sorted(counts.values())
    for k in range(4):  # each source's rows, as the state counts them in the (compacted) files
        sid = str((tmp_path / f"f{k}.csv").resolve())
        assert sum(f.rows_of(sid) for f in d.state.files_of_source("trades", sid)) == counts[k]
    buckets: dict = {}
    for f in d.state.files.values():
        buckets.setdefault((f.symbol, f.bucket), []).append(f)
    assert max(len(v) for v in buckets.values()) <= 2  # compaction held under contention
