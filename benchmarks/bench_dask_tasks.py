"""``tca`` and ``simulate`` on a running 2-worker Dask LocalCluster against the local engine, on the sample.

Run from the repository's folder: ``python benchmarks/bench_dask_tasks.py``. For each command: one untimed
call locally and one on the cluster (kernels loaded here and in each worker), then 3 rounds, each a local
call then a cluster call; the median wall time counts. Per-partition overhead of each Dask run inside a
command (the review or replay, and the history's tick pass): (wall after connect x workers - seconds inside
the tasks) / tasks, collected with :func:`liqcost.engine.recording`. The 1-minute load average before and
after goes with the figures. Results: ``benchmarks/results/bench_dask_tasks.json``.

The sample (5 symbols, 20 days, 10 orders) is far too small for a cluster to pay: the figures show the
per-task overhead and what the client still does, not a speed-up.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path


def main() -> None:
    import distributed

    from liqcost.app.simulate import simulate
    from liqcost.app.tca import tca
    from liqcost.engine import recording
    from liqcost.engine.dask import worker_env

    data = "sample_data/dataset"
    jobs = {
        "tca": ("tca of sample_data/fills.csv and orders.csv (10 orders, model on)",
                lambda **k: tca("sample_data/fills.csv", "sample_data/orders.csv", data=data, **k)),
        "simulate": ("simulate of the book sample_data/orders.csv over the start days 2025-03-10 .. 2025-03-21",
                     lambda **k: simulate(data=data, orders="sample_data/orders.csv", start=dt.date(2025, 3, 10),
                                          end=dt.date(2025, 3, 21), **k)),
    }
    out: dict = {"benchmark": "bench_dask_tasks", "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  env=worker_env(1)) as cluster:
        addr = cluster.scheduler_address
        for name, (what, job) in jobs.items():
            job()
            job(scheduler=addr)
            rec: dict = {"what": what, "local_s": [], "cluster_s": [], "dask_runs": []}
            for _ in range(3):
                t = time.perf_counter()
                job()
                rec["local_s"].append(round(time.perf_counter() - t, 4))
                with recording() as runs:
                    t = time.perf_counter()
                    job(scheduler=addr)
                    rec["cluster_s"].append(round(time.perf_counter() - t, 4))
                for st in runs:
                    tasks = [x for x in st["tasks"] if x]
                    run_s = st["wall_seconds"] - st["connect_seconds"]
                    rec["dask_runs"].append({
                        "tasks": len(tasks), "task_s_sum": round(sum(x["seconds"] for x in tasks), 4),
                        "overhead_per_task_ms": round(1e3 * (run_s * len(st["workers"]) - sum(x["seconds"] for x in tasks))
                                                      / len(tasks), 2),
                        "worker_peak_rss_mb": round(max(st["workers"].values()) / 2**20, 1) if st["workers"] else None})
            rec["local_s_median"] = statistics.median(rec["local_s"])
            rec["cluster_s_median"] = statistics.median(rec["cluster_s"])
            rec["overhead_per_task_ms_median"] = statistics.median(r["overhead_per_task_ms"] for r in rec["dask_runs"])
            out[name] = rec
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    path = Path("benchmarks/results/bench_dask_tasks.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: (v if not isinstance(v, dict) else {a: b for a, b in v.items() if a != "dask_runs"})
                      for k, v in out.items()}, indent=1))


if __name__ == "__main__":
    main()
