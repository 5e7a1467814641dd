"""Benchmark of the transactional dataset against the layout it replaces (v1) and against Delta Lake.

Usage::

    python benchmarks/bench_dataset.py                       # every section (about an hour on 2 loaded cores)
    python benchmarks/bench_dataset.py --sections listing delta
    python benchmarks/bench_dataset.py --main-python /work/main/.venv/bin/python

Sections (results in ``benchmarks/results/bench_dataset.json``, every figure with the 1-minute load average):

* ``ingest``  -- ``ingest_file`` of the 20M-trade benchmark data (five ``liqcost sample --symbols 8 --days 5
  --trades-per-day 100000`` runs on consecutive weeks: 20M trades, 50M quotes, split into one CSV per run and
  symbol so that one file's validation stays within a few GB) by the version before (v1 writer, the
  interpreter given by ``--main-python``) and after. Files alternate between the two (which one goes first
  alternates too), so both see the same machine load; each call is timed inside its own process (start-up
  and imports excluded). Throughput = rows / summed seconds.
* ``profile`` -- ``build_from_dataset`` (daily tick metrics of every symbol-day + liquidity profiles) on the
  two resulting datasets, ``--rounds`` interleaved rounds in fresh processes, numba kernels loaded first.
* ``listing`` -- 3,000 symbols x 250 days: the v1 folder walk (``Dataset.partitions`` / ``dates`` of the
  version before, over 750,000 ``date=`` folders of empty files: only names are read) against the state read
  of the new layout (36,000 symbol-month files); and the read time of single symbol-days (real data, 100
  symbols x 250 days in both layouts).
* ``delta``   -- Delta Lake (``deltalake``, if installed; it is not a liqcost dependency) against this
  format: opening and listing a 36,000-file table, a small re-ingest commit (one 1,000-row source replaced),
  and write throughput of 5M trades.

Data go to ``--data-dir`` (default /tmp/liqcost_bench_dataset) and are reused between runs; nothing is
written in the repository except the JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNS = [("2025-03-03", 1), ("2025-03-10", 2), ("2025-03-17", 3), ("2025-03-24", 4), ("2025-03-31", 5)]


def load() -> float:
    return round(os.getloadavg()[0], 2)


# ------------------------------------------------------------------------------------------ workers
# A worker runs in the interpreter of one version (before: --main-python, after: this one) and imports
# the liqcost installed there; it prints one JSON line.

def worker(task: dict) -> dict:
    import polars as pl  # noqa: F401

    from liqcost.config import Config

    rec = {"task": task["name"], "loadavg_before": load()}
    if task["name"] == "ingest":
        from liqcost.io.ingest import ingest_file

        if task.get("fresh"):
            shutil.rmtree(task["ds"], ignore_errors=True)
        t0, c0 = time.perf_counter(), time.process_time()
        rep = ingest_file(task["src"], task["kind"], task["ds"], Config())
        rec["seconds"] = time.perf_counter() - t0
        rec["cpu_seconds"] = time.process_time() - c0
        rec["rows"] = rep.rows_read
    elif task["name"] == "profile":
        from liqcost.io.dataset import Dataset
        from liqcost.measures.build import build_from_dataset

        build_from_dataset(Dataset(task["warm"]), Config())  # kernels compiled or loaded from the cache
        t0, c0 = time.perf_counter(), time.process_time()
        built = build_from_dataset(Dataset(task["ds"]), Config())
        rec["seconds"] = time.perf_counter() - t0
        rec["cpu_seconds"] = time.process_time() - c0
        rec["daily_rows"] = built.daily.height
        rec["profile_rows"] = built.profile.height
    elif task["name"] == "listing":
        from liqcost.io.dataset import Dataset

        t0 = time.perf_counter()
        ds = Dataset(task["ds"])
        parts = ds.partitions("trades")
        t1 = time.perf_counter()
        days = ds.dates("trades")
        syms = ds.symbols("trades")
        t2 = time.perf_counter()
        rec.update(partitions_seconds=t1 - t0, dates_symbols_seconds=t2 - t1, partitions=len(parts), days=len(days),
                   symbols=len(syms))
    elif task["name"] == "read":
        from liqcost.io.dataset import Dataset

        ds = Dataset(task["ds"])
        picks = [(s, dt.date.fromisoformat(d)) for s, d in task["picks"]]
        t0 = time.perf_counter()
        n = sum(ds.read("trades", s, d).height for s, d in picks)
        rec["seconds_per_read"] = (time.perf_counter() - t0) / len(picks)
        t0 = time.perf_counter()
        m = ds.scan("trades", [picks[0][0]]).collect().height
        rec["symbol_history_seconds"] = time.perf_counter() - t0
        rec.update(rows=n, history_rows=m, reads=len(picks))
    elif task["name"] == "ingest_tree":  # build a real-data tree for the read test
        from liqcost.io.ingest import ingest_file

        t0 = time.perf_counter()
        ingest_file(task["src"], "trades", task["ds"], Config())
        rec["seconds"] = time.perf_counter() - t0
    rec["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rec["loadavg_after"] = load()
    return rec


def call(python: str, task: dict) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    p = subprocess.run([python, str(Path(__file__).resolve()), "--worker", json.dumps(task)], capture_output=True,
                       text=True, env=env, cwd="/")
    if p.returncode != 0:
        raise RuntimeError(f"worker {task['name']} with {python} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ data

def make_20m(data: Path, python: str) -> list[tuple[str, str, int]]:
    """The 20M-trade set: five `liqcost sample` runs, split into one CSV per run, kind and symbol."""
    import polars as pl

    out = data / "raw20m"
    marker = out / "_files.json"
    if marker.exists():
        return json.loads(marker.read_text())
    out.mkdir(parents=True, exist_ok=True)
    files = []
    liqcost = str(Path(python).with_name("liqcost"))
    for start, seed in RUNS:
        run = data / f"sample_{start}"
        if not (run / "raw" / "quotes.csv").exists():
            subprocess.run([liqcost, "-q", "sample", "--symbols", "8", "--days", "5", "--trades-per-day", "100000",
                            "--seed", str(seed), "--start", start, "--no-dirt", "--no-ingest", "-o", str(run)], check=True)
        for kind in ("trades", "quotes"):
            src = run / "raw" / f"{kind}.csv"
            syms = pl.scan_csv(src).select(pl.col("symbol").unique()).collect().get_column("symbol").sort().to_list()
            for sym in syms:
                dst = out / f"{kind}_{start}_{sym}.csv"
                pl.scan_csv(src, infer_schema=False).filter(pl.col("symbol") == sym).sink_csv(dst)
                n = pl.scan_csv(dst).select(pl.len()).collect().item()
                files.append((str(dst), kind, n))
    marker.write_text(json.dumps(files))
    return files


def make_v1_tree(root: Path, n_sym: int, n_days: int) -> None:
    """A v1 layout of empty part files (the v1 listing reads folder and file names only)."""
    if (root / "_done").exists():
        return
    days = _days(n_days)
    for s in range(n_sym):
        base = root / "kind=trades" / f"symbol=S{s:04d}"
        for d in days:
            leaf = base / f"date={d.isoformat()}"
            leaf.mkdir(parents=True, exist_ok=True)
            (leaf / "part-0123456789abcdef.parquet").touch()
    (root / "_done").touch()


def _days(n: int) -> list[dt.date]:
    out, d = [], dt.date(2024, 1, 2)
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def synthetic_trades(n_sym: int, n_days: int, per_day: int, seed: int = 1):
    """Canonical trades: ``per_day`` trades per symbol-day in the New York session."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    days = _days(n_days)
    opens = np.array([int(dt.datetime(d.year, d.month, d.day, 14, 31, tzinfo=dt.timezone.utc).timestamp()) * 10**9
                      for d in days], dtype=np.int64)
    sym = np.repeat(np.arange(n_sym), n_days * per_day)
    day = np.tile(np.repeat(np.arange(n_days), per_day), n_sym)
    ts = opens[day] + rng.integers(0, 6 * 3600 * 10**9, sym.size)
    frame = pl.DataFrame({"symbol": pl.Series([f"S{i:04d}" for i in range(n_sym)])[sym],
                          "ts": pl.Series(ts).cast(pl.Datetime("ns", "UTC")),
                          "price": np.round(10 + rng.normal(0, 0.1, sym.size), 2),
                          "size": (rng.integers(1, 10, sym.size) * 100).astype(np.float64)})
    return frame.sort("symbol", "ts")


# ------------------------------------------------------------------------------------------ sections

def section_ingest(data: Path, before: str, after: str, rounds: int) -> dict:
    """Pass 1 ingests every file once with each version (alternating; builds the two datasets for the
    profile section); pass 2 ingests a subset of files ``rounds`` times each into fresh folders and keeps
    the best time of each file (on a loaded machine the best of several runs is what the code costs).
    CPU seconds (all threads) are recorded too: they depend much less on the load than wall time."""
    files = make_20m(data, after)
    ds_b, ds_a = data / "ds_before", data / "ds_after"
    for d in (ds_b, ds_a):
        shutil.rmtree(d, ignore_errors=True)
    order = sorted(files, key=lambda f: (f[1] != "trades", f[0]))
    res = {"before": [], "after": []}
    for k, (src, kind, rows) in enumerate(order):
        pair = [("before", before, ds_b), ("after", after, ds_a)]
        if k % 2:
            pair.reverse()
        for label, py, ds in pair:
            rec = call(py, {"name": "ingest", "src": src, "kind": kind, "ds": str(ds)})
            res[label].append(rec)
        print(f"  ingest {Path(src).name}: before {res['before'][-1]['seconds']:.2f}s after {res['after'][-1]['seconds']:.2f}s",
              flush=True)
    out = {}
    for label in ("before", "after"):
        secs = sum(r["seconds"] for r in res[label])
        cpu = sum(r["cpu_seconds"] for r in res[label])
        rows = sum(r["rows"] for r in res[label])
        out[label] = {"seconds": secs, "cpu_seconds": cpu, "rows": rows, "rows_per_s": rows / secs, "files": len(res[label]),
                      "peak_rss_mb_max": max(r["peak_rss_mb"] for r in res[label]),
                      "loadavg_mean": sum(r["loadavg_before"] for r in res[label]) / len(res[label])}
    out["after_over_before_seconds"] = out["after"]["seconds"] / out["before"]["seconds"]
    out["after_over_before_cpu"] = out["after"]["cpu_seconds"] / out["before"]["cpu_seconds"]
    out["trades"] = sum(n for _, k, n in files if k == "trades")
    out["quotes"] = sum(n for _, k, n in files if k == "quotes")
    out["per_file"] = res
    # pass 2: best of `rounds` on a subset
    subset = [f for f in order if f[1] == "trades"][:4] + [f for f in order if f[1] == "quotes"][:4]
    best = {"before": {}, "after": {}}
    for r in range(rounds):
        for k, (src, kind, _rows) in enumerate(subset):
            pair = [("before", before, data / "scratch_before"), ("after", after, data / "scratch_after")]
            if (k + r) % 2:
                pair.reverse()
            for label, py, ds in pair:
                rec = call(py, {"name": "ingest", "src": src, "kind": kind, "ds": str(ds), "fresh": True})
                prev = best[label].get(src)
                best[label][src] = rec if prev is None or rec["seconds"] < prev["seconds"] else prev
    rep = {}
    for label in best:
        recs = list(best[label].values())
        secs = sum(x["seconds"] for x in recs)
        rows = sum(x["rows"] for x in recs)
        rep[label] = {"best_seconds_sum": secs, "cpu_seconds_sum": sum(x["cpu_seconds"] for x in recs), "rows": rows,
                      "rows_per_s": rows / secs, "loadavg": [x["loadavg_before"] for x in recs]}
    rep["after_over_before_best"] = rep["after"]["best_seconds_sum"] / rep["before"]["best_seconds_sum"]
    rep["after_over_before_cpu"] = rep["after"]["cpu_seconds_sum"] / rep["before"]["cpu_seconds_sum"]
    rep["files"] = [Path(f[0]).name for f in subset]
    rep["rounds"] = rounds
    out["best_of_rounds"] = rep
    for d in (data / "scratch_before", data / "scratch_after"):
        shutil.rmtree(d, ignore_errors=True)
    return out


def section_profile(data: Path, before: str, after: str, rounds: int) -> dict:
    warm_b = str(Path(before).parents[2] / "sample_data" / "dataset")  # (the venv of the version before)
    warm_a = str(ROOT / "sample_data" / "dataset")
    runs = {"before": [], "after": []}
    for k in range(rounds):
        pair = [("before", before, data / "ds_before", warm_b), ("after", after, data / "ds_after", warm_a)]
        if k % 2:
            pair.reverse()
        for label, py, ds, warm in pair:
            rec = call(py, {"name": "profile", "ds": str(ds), "warm": warm})
            runs[label].append(rec)
            print(f"  profile {label} round {k}: {rec['seconds']:.2f}s (load {rec['loadavg_before']})", flush=True)
    out = {}
    for label in runs:
        secs = sorted(r["seconds"] for r in runs[label])
        out[label] = {"best_seconds": secs[0], "median_seconds": secs[len(secs) // 2], "runs_seconds": secs,
                      "best_cpu_seconds": min(r["cpu_seconds"] for r in runs[label]),
                      "runs_loadavg": [r["loadavg_before"] for r in runs[label]],
                      "daily_rows": runs[label][0]["daily_rows"], "peak_rss_mb": max(r["peak_rss_mb"] for r in runs[label])}
    out["after_over_before_best"] = out["after"]["best_seconds"] / out["before"]["best_seconds"]
    out["after_over_before_median"] = out["after"]["median_seconds"] / out["before"]["median_seconds"]
    out["after_over_before_cpu"] = out["after"]["best_cpu_seconds"] / out["before"]["best_cpu_seconds"]
    return out


def section_listing(data: Path, before: str, after: str, rounds: int) -> dict:
    n_sym, n_days = 3000, 250
    v1 = data / "listing_v1"
    t0 = time.perf_counter()
    make_v1_tree(v1, n_sym, n_days)
    v2 = data / "listing_v2"
    if not (v2 / "_liqcost").exists():
        sys.path.insert(0, str(ROOT / "src"))
        from liqcost.config import Config
        from liqcost.io.dataset_write import write_frame

        cfg = Config.model_validate({"dataset": {"fsync": False}})
        write_frame(v2, "trades", synthetic_trades(n_sym, n_days, 2), "bench", cfg)
    build_s = time.perf_counter() - t0
    runs = {"before": [], "after": []}
    for k in range(max(1, rounds - 2)):  # the v1 walk takes minutes: one interleaved round is enough
        pair = [("before", before, v1), ("after", after, v2)]
        if k % 2:
            pair.reverse()
        for label, py, ds in pair:
            runs[label].append(call(py, {"name": "listing", "ds": str(ds)}))
    out = {"symbols": n_sym, "days": n_days, "build_seconds": build_s}
    for label in runs:
        best = min(runs[label], key=lambda r: r["partitions_seconds"])
        out[label] = {"partitions_seconds_best": best["partitions_seconds"],
                      "partitions_seconds_runs": [r["partitions_seconds"] for r in runs[label]],
                      "dates_symbols_seconds_best": min(r["dates_symbols_seconds"] for r in runs[label]),
                      "partitions": best["partitions"], "loadavg": [r["loadavg_before"] for r in runs[label]]}
    out["before"]["files"] = n_sym * n_days
    out["after"]["files"] = n_sym * 12
    out["before_over_after_partitions"] = out["before"]["partitions_seconds_best"] / out["after"]["partitions_seconds_best"]
    # selective reads on real data: 100 symbols x 250 days in both layouts
    src = data / "read_trades.csv"
    if not src.exists():
        synthetic_trades(100, n_days, 40, seed=2).write_csv(src)
    ds_b, ds_a = data / "read_v1", data / "read_v2"
    if not ds_b.exists():
        out["read_tree_ingest_before_seconds"] = call(before, {"name": "ingest_tree", "src": str(src), "ds": str(ds_b)})["seconds"]
    if not ds_a.exists():
        out["read_tree_ingest_after_seconds"] = call(after, {"name": "ingest_tree", "src": str(src), "ds": str(ds_a)})["seconds"]
    rng = random.Random(5)
    days = _days(n_days)
    picks = [(f"S{rng.randrange(100):04d}", days[rng.randrange(n_days)].isoformat()) for _ in range(300)]
    reads = {"before": [], "after": []}
    for k in range(rounds):
        pair = [("before", before, ds_b), ("after", after, ds_a)]
        if k % 2:
            pair.reverse()
        for label, py, ds in pair:
            reads[label].append(call(py, {"name": "read", "ds": str(ds), "picks": picks}))
    for label in reads:
        out[label]["symbol_day_read_ms_best"] = 1000 * min(r["seconds_per_read"] for r in reads[label])
        out[label]["symbol_history_read_ms_best"] = 1000 * min(r["symbol_history_seconds"] for r in reads[label])
        out[label]["read_rows"] = reads[label][0]["rows"]
    out["read_files_before"] = sum(1 for _ in ds_b.glob("kind=trades/*/*/*.parquet"))
    out["read_files_after"] = sum(1 for _ in ds_a.glob("kind=trades/*/*/*.parquet"))
    return out


def section_delta(data: Path, rounds: int) -> dict:
    try:
        import deltalake
    except ImportError:
        return {"skipped": "deltalake not installed (pip install deltalake in a scratch venv; not a liqcost dependency)"}
    import polars as pl

    sys.path.insert(0, str(ROOT / "src"))
    from liqcost.config import Config
    from liqcost.io.dataset import Dataset
    from liqcost.io.dataset_write import write_frame

    cfg = Config()
    out: dict = {"deltalake_version": deltalake.__version__}
    site = Path(deltalake.__file__).parent
    out["deltalake_installed_mb"] = round(sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6, 1)
    # 36,000 files: 3,000 symbols x 12 months
    frame = synthetic_trades(3000, 250, 2, seed=3)
    frame = frame.with_columns(pl.col("ts").dt.convert_time_zone("America/New_York").dt.strftime("%Y-%m").alias("month"),
                               pl.lit("bench").alias("_source"))
    dpath = data / "delta_36k"
    lpath = data / "liqcost_36k"
    if not dpath.exists():
        t0 = time.perf_counter()
        deltalake.write_deltalake(str(dpath), frame.to_arrow(), partition_by=["symbol", "month"])
        out["delta_write_36k_seconds"] = time.perf_counter() - t0
    if not lpath.exists():
        t0 = time.perf_counter()
        write_frame(lpath, "trades", frame.drop("month", "_source"), "bench", cfg)
        out["liqcost_write_36k_seconds"] = time.perf_counter() - t0
    from liqcost.io import dataset_log

    lst = {"delta": [], "liqcost": [], "liqcost_parts": []}
    for _ in range(rounds):
        t0 = time.perf_counter()
        n = len(deltalake.DeltaTable(str(dpath)).file_uris())
        lst["delta"].append(time.perf_counter() - t0)
        dataset_log._CACHE.clear()  # no state remembered from an earlier read in this process
        t0 = time.perf_counter()
        f = len(Dataset(lpath).state.files)
        lst["liqcost"].append(time.perf_counter() - t0)
        dataset_log._CACHE.clear()
        t0 = time.perf_counter()
        m = len(Dataset(lpath).partitions("trades"))
        lst["liqcost_parts"].append(time.perf_counter() - t0)
    out["listing_36k"] = {"delta_open_and_list_files_s": min(lst["delta"]), "delta_files": n,
                          "liqcost_open_and_list_files_s": min(lst["liqcost"]), "liqcost_files": f,
                          "liqcost_open_and_partitions_s": min(lst["liqcost_parts"]), "liqcost_symbol_days": m,
                          "loadavg": load()}
    # a small re-ingest: one 1,000-row source replaced in each 36k-file table
    small = synthetic_trades(10, 5, 20, seed=4)
    commits = {"delta": [], "liqcost": []}
    for k in range(rounds):
        sm = small.with_columns(pl.col("ts").dt.convert_time_zone("America/New_York").dt.strftime("%Y-%m").alias("month"),
                                pl.lit("small").alias("_source"), (pl.col("price") + k).alias("price"))
        t0 = time.perf_counter()
        deltalake.write_deltalake(str(dpath), sm.to_arrow(), mode="overwrite", predicate="_source = 'small'",
                                  partition_by=["symbol", "month"])
        commits["delta"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        write_frame(lpath, "trades", sm.drop("month", "_source"), "small", cfg)
        commits["liqcost"].append(time.perf_counter() - t0)
    out["small_reingest_commit"] = {"delta_replace_where_s": min(commits["delta"]),
                                    "liqcost_source_replace_s": min(commits["liqcost"]), "rows": small.height,
                                    "note": "Delta commits the data table only; quarantine and report would be two more "
                                            "tables, two more commits, not atomic with the data. liqcost's commit holds "
                                            "the rows, the quarantine and the report.", "loadavg": load()}
    # write throughput, 5M trades into a new table
    big = synthetic_trades(200, 50, 500, seed=6)
    bigm = big.with_columns(pl.col("ts").dt.convert_time_zone("America/New_York").dt.strftime("%Y-%m").alias("month"))
    thr = {"delta": [], "liqcost": []}
    for k in range(rounds):
        for p in (data / "delta_w", data / "liqcost_w"):
            shutil.rmtree(p, ignore_errors=True)
        t0 = time.perf_counter()
        deltalake.write_deltalake(str(data / "delta_w"), bigm.to_arrow(), partition_by=["symbol", "month"])
        thr["delta"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        write_frame(data / "liqcost_w", "trades", big, "big", cfg)
        thr["liqcost"].append(time.perf_counter() - t0)
    out["write_throughput"] = {"rows": big.height, "delta_rows_per_s": big.height / min(thr["delta"]),
                               "liqcost_rows_per_s": big.height / min(thr["liqcost"]),
                               "liqcost_fsync": cfg.dataset.fsync, "files": 200 * 3, "loadavg": load()}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", default="/tmp/liqcost_bench_dataset")
    ap.add_argument("--main-python", default="/work/main/.venv/bin/python",
                    help="Interpreter with the version before (the v1 layout) installed.")
    ap.add_argument("--sections", nargs="*", default=["ingest", "profile", "listing", "delta"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "results" / "bench_dataset.json"))
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker)), default=str))
        return
    data = Path(args.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    out_path = Path(args.out)
    result = json.loads(out_path.read_text()) if out_path.exists() else {}
    result["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                         "loadavg_start": load()}
    before, after = args.main_python, sys.executable
    for name in args.sections:
        print(f"{name} ...", flush=True)
        t0 = time.perf_counter()
        if name == "ingest":
            result["ingest"] = section_ingest(data, before, after, args.rounds)
        elif name == "profile":
            result["profile"] = section_profile(data, before, after, args.rounds)
        elif name == "listing":
            result["listing"] = section_listing(data, before, after, args.rounds)
        elif name == "delta":
            result["delta"] = section_delta(data, args.rounds)
        result.setdefault("section_seconds", {})[name] = time.perf_counter() - t0
        result["machine"]["loadavg_end"] = load()
        result["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        slim = json.loads(json.dumps(result, default=str))
        if "ingest" in slim:
            slim["ingest"].pop("per_file", None)
        out_path.write_text(json.dumps(slim, indent=1) + "\n")
        (out_path.with_suffix(".full.json.tmp")).write_text(json.dumps(result, indent=1, default=str))
        print(json.dumps(slim.get(name), indent=1, default=str)[:3000], flush=True)


if __name__ == "__main__":
    main()
