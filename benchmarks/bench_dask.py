"""Benchmark: the tick measures of ``profile`` on the local engine (threads) against Dask with 2 worker processes.

Usage::

    python benchmarks/bench_dask.py                          # generate the data once into /tmp, then measure
    python benchmarks/bench_dask.py --data /path/to/dataset  # measure on an existing dataset
    python benchmarks/bench_dask.py --trades-per-day 2000    # a small set (a smoke run; say so when reporting)

Data (not timed, made once, kept in ``--work`` = /tmp/liqcost_bench_dask): five ``liqcost sample --symbols 8
--days 5 --trades-per-day 100000 --no-dirt --no-ingest`` runs on consecutive weeks (200 symbol-days, about 20M
trades and 50M quotes), each raw file ingested into one dataset with ``liqcost ingest``.

Timed, each in a fresh process (so the peak memory is the run's), the modes alternating over ``--rounds``:

* ``local``  -- ``daily_metrics`` on the local engine, 2 threads (the default on 2 cores);
* ``local1`` -- the same on 1 thread (rows/s of one worker, the unit of the cost model);
* ``dask2``  -- the same with ``engine.scheduler = local:2`` (2 worker processes, 1 thread each): cluster start
  included in ``wall_s``, and given apart (``connect_s``); per task, the seconds inside the worker.
* ``dask2_warm`` -- the same on a LocalCluster of 2 workers started before and warmed on the small dataset,
  reached by its ``tcp://`` address (a long-lived cluster: no start, kernels already loaded).

Every child first runs the same call on a small dataset, so the numba kernels are loaded from the cache and
compile time is excluded (Dask workers load them in their first task: that is part of the Dask figure).
Per-partition overhead of Dask: (wall after connect x workers - seconds inside the tasks) / tasks, and a
separate round trip of 400 empty tasks. Peak RSS: ``ru_maxrss`` of the client process and of each worker.
Results: ``benchmarks/results/bench_dask.json``, with the 1-minute load average before and after each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WEEKS = [("2025-03-03", 1), ("2025-03-10", 2), ("2025-03-17", 3), ("2025-03-24", 4), ("2025-03-31", 5)]


def load() -> float:
    return round(os.getloadavg()[0], 2)


def _liqcost() -> str:
    return str(Path(sys.executable).with_name("liqcost"))


def make_data(work: Path, trades_per_day: int, symbols: int = 8, days: int = 5) -> Path:
    """Generate the raw weeks and ingest them into ``work/ds`` (reused when complete)."""
    ds = work / "ds"
    marker = work / "_complete.json"
    if marker.exists():
        return ds
    work.mkdir(parents=True, exist_ok=True)
    for start, seed in WEEKS:
        run = work / f"raw_{start}"
        if not (run / "raw" / "quotes.csv").exists():
            subprocess.run([_liqcost(), "-q", "sample", "--symbols", str(symbols), "--days", str(days),
                            "--trades-per-day", str(trades_per_day), "--seed", str(seed), "--start", start,
                            "--no-dirt", "--no-ingest", "-o", str(run)], check=True)
        for kind in ("trades", "quotes"):
            subprocess.run([_liqcost(), "-q", "ingest", "--kind", kind, "--source-id", f"{start}/{kind}",
                            str(run / "raw" / f"{kind}.csv"), "-o", str(ds)], check=True)
    marker.write_text(json.dumps({"trades_per_day": trades_per_day, "symbols": symbols, "weeks": len(WEEKS)}))
    return ds


def _small_dataset(work: Path) -> Path:
    out = work / "warm"
    if not (out / "dataset").exists():
        from liqcost.io.synth import generate, write_sample

        write_sample(generate(n_symbols=2, n_days=3, seed=5, trades_per_day=200, dirt=False), out)
    return out / "dataset"


def _noop(x):
    return x


def child(mode: str, data: str, work: str) -> dict:
    """One measured run in this (fresh) process; returns a JSON-able record."""
    from liqcost.config import load_config
    from liqcost.engine import run_tasks
    from liqcost.io.dataset import Dataset
    from liqcost.measures import daily as daily_mod

    cluster = None
    if mode == "dask2_warm":  # a running cluster whose workers have loaded the kernels (a long-lived cluster)
        import distributed

        from liqcost.engine.dask import worker_env

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", env=worker_env(1))
        warm_sched = {"engine.scheduler": cluster.scheduler_address, "engine.workers": 2}
    overrides = {"local": {"engine.workers": 2}, "local1": {"engine.workers": 1},
                 "dask2": {"engine.scheduler": "local:2"}}.get(mode) or warm_sched
    cfg = load_config(overrides=overrides)
    warm_cfg = load_config(overrides={"engine.workers": 1} if cluster is None else warm_sched)
    daily_mod.daily_metrics(warm_cfg, dataset=Dataset(_small_dataset(Path(work))))  # kernels loaded, not timed
    rec = {"mode": mode, "loadavg_before": load()}
    stats: dict = {}
    if mode.startswith("dask2"):  # capture the engine's stats (per task, per worker) without changing the call
        import liqcost.engine as engine

        real = engine.run_tasks

        def spy(*a, **k):
            k["stats"] = stats
            return real(*a, **k)

        engine.run_tasks = spy
    t0 = time.perf_counter()
    res = daily_mod.daily_metrics(cfg, dataset=Dataset(data))
    rec["wall_s"] = time.perf_counter() - t0
    rec["loadavg_after"] = load()
    rec["n_trades"], rec["n_quotes"] = res.n_trades, res.n_quotes
    rec["symbol_days"] = res.n_partitions
    rec["daily_rows"] = res.daily.height
    rec["client_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if mode.startswith("dask2"):
        tasks = [t for t in stats["tasks"] if t]
        rec["connect_s"] = stats["connect_seconds"]
        rec["n_tasks"] = len(tasks)
        rec["task_seconds_sum"] = sum(t["seconds"] for t in tasks)
        rec["task_seconds_max"] = max(t["seconds"] for t in tasks)
        run_s = stats["wall_seconds"] - stats["connect_seconds"]
        rec["overhead_per_task_s"] = (run_s * 2 - rec["task_seconds_sum"]) / len(tasks)
        rec["worker_peak_rss_mb"] = {pid: round(b / 2**20, 1) for pid, b in stats["workers"].items()}
        rec["tasks_per_worker"] = {str(p): sum(1 for t in tasks if t["pid"] == p) for p in {t["pid"] for t in tasks}}
    if mode == "dask2":  # round trip of empty tasks on a fresh 2-worker cluster
        nst: dict = {}
        run_tasks(_noop, list(range(400)), scheduler="local:2", stats=nst)
        rec["empty_task_round_trip_s"] = (nst["wall_seconds"] - nst["connect_seconds"]) / 400
        rec["empty_cluster_connect_s"] = nst["connect_seconds"]
    if cluster is not None:
        cluster.close()
    return rec


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="An existing dataset (default: generate into --work).")
    ap.add_argument("--work", default="/tmp/liqcost_bench_dask")
    ap.add_argument("--trades-per-day", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", default=str(HERE / "results" / "bench_dask.json"))
    ap.add_argument("--note", default="", help="Free text stored with the results (where --data came from ...).")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "DATA", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    work = Path(args.work)
    data = Path(args.data) if args.data else make_data(work, args.trades_per_day)
    _small_dataset(work)
    runs = []
    modes = ["local", "dask2", "dask2_warm", "local1"]
    for r in range(args.rounds):
        for mode in (modes if r % 2 == 0 else modes[::-1]):
            out = subprocess.run([sys.executable, __file__, "--child", mode, str(data), str(work)],
                                 capture_output=True, text=True)
            if out.returncode:
                sys.stderr.write(out.stderr[-3000:])
                raise SystemExit(f"{mode} failed")
            rec = json.loads(out.stdout.strip().splitlines()[-1])
            rec["round"] = r
            runs.append(rec)
            print(json.dumps(rec), flush=True)

    def med(mode, key):
        vals = [x[key] for x in runs if x["mode"] == mode]
        return statistics.median(vals) if vals else None

    first = runs[0]
    trades, quotes = first["n_trades"], first["n_quotes"]
    summary = {
        "local_2threads_wall_s": med("local", "wall_s"),
        "local_1thread_wall_s": med("local1", "wall_s"),
        "dask_2workers_wall_s": med("dask2", "wall_s"),
        "dask_2workers_connect_s": med("dask2", "connect_s"),
        "dask_2workers_running_cluster_wall_s": med("dask2_warm", "wall_s"),
        "ratio_dask2_running_cluster_over_local2": med("dask2_warm", "wall_s") / med("local", "wall_s"),
        "trades_per_s_per_dask_worker_running_cluster": trades / (med("dask2_warm", "wall_s") * 2),
        "rows_per_s_per_dask_worker_running_cluster_trades_and_quotes":
            (trades + quotes) / (med("dask2_warm", "wall_s") * 2),
        "dask_running_cluster_overhead_per_task_s": med("dask2_warm", "overhead_per_task_s"),
        "ratio_dask2_over_local2": med("dask2", "wall_s") / med("local", "wall_s"),
        "ratio_dask2_excluding_start_over_local2": (med("dask2", "wall_s") - med("dask2", "connect_s"))
        / med("local", "wall_s"),
        "trades_per_s_local_1thread": trades / med("local1", "wall_s"),
        "trades_per_s_per_dask_worker": trades / (med("dask2", "wall_s") * 2),
        "trades_per_s_per_dask_worker_excluding_start": trades / ((med("dask2", "wall_s") - med("dask2", "connect_s")) * 2),
        "rows_per_s_per_dask_worker_trades_and_quotes": (trades + quotes) / (med("dask2", "wall_s") * 2),
        "dask_overhead_per_task_s": med("dask2", "overhead_per_task_s"),
        "dask_empty_task_round_trip_s": med("dask2", "empty_task_round_trip_s"),
        "peak_rss_mb": {
            "local_2threads_process": med("local", "client_peak_rss_mb"),
            "local_1thread_process": med("local1", "client_peak_rss_mb"),
            "dask_client": med("dask2", "client_peak_rss_mb"),
            "dask_each_worker": [x["worker_peak_rss_mb"] for x in runs if x["mode"] == "dask2"],
            "dask_running_cluster_client": med("dask2_warm", "client_peak_rss_mb"),
            "dask_running_cluster_each_worker": [x["worker_peak_rss_mb"] for x in runs if x["mode"] == "dask2_warm"],
        },
    }
    doc = {
        "benchmark": "bench_dask",
        "what": "daily_metrics (the tick pass of `liqcost profile`) over a dataset: local engine vs Dask local:2",
        "data": {"path": str(data), "generated_here": args.data is None, "trades": trades, "quotes": quotes,
                 "symbol_days": first["symbol_days"],
                 "recipe": "5 x `liqcost sample --symbols 8 --days 5 --trades-per-day N --no-dirt` ingested into one "
                           "dataset" + ("" if args.data is None else " (given with --data; see notes)")},
        "note": args.note,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "loadavg_1min": {"min": min(x["loadavg_before"] for x in runs), "max": max(x["loadavg_after"] for x in runs)},
        "rounds": args.rounds,
        "summary": summary,
        "runs": runs,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
