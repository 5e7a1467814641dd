"""Peak memory of `liqcost profile --data DATASET` on one large symbol-day, chunked and whole.

Usage::

    python benchmarks/bench_memory.py                      # 5M trades, 10M quotes in one symbol-day
    python benchmarks/bench_memory.py --trades 1000000 --quotes 2000000 --days 20

One symbol-day of ``--trades`` trades and ``--quotes`` quotes (numpy random walk over the 09:30-16:00
session of 2024-03-05, canonical columns, no bad rows) is written as canonical Parquet and ingested into a
dataset in a temporary folder; so are the same rows spread over ``--days`` consecutive days (the
comparison: each day then fits whole). Then ``liqcost profile --data DS`` runs as a whole process with the
default config (``measures.chunk_trades`` 500,000: the big day is measured in chunks) and with
``measures.chunk_trades: null`` (every day read whole), ``--rounds`` interleaved rounds, each in a fresh
process: its peak resident memory (``ru_maxrss`` of the child from ``os.wait4``), wall and CPU time (user
+ system of the child). The numba kernels are loaded from the cache first (one untimed run). Results with
the load average go to ``benchmarks/results/bench_memory.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NS = 1_000_000_000
OPEN = 1709649000 * NS  # 2024-03-05 09:30 America/New_York
SESSION = 390 * 60 * NS


def _tape(n_t: int, n_q: int, seed: int, day_offsets: np.ndarray | None = None):
    import polars as pl

    rng = np.random.default_rng(seed)
    q_ts = np.sort(OPEN + rng.integers(-30 * 60 * NS, SESSION, n_q))
    t_ts = np.sort(OPEN + rng.integers(0, SESSION, n_t))
    if day_offsets is not None:  # spread over days: same intraday times, day k gets rows k::days
        q_ts = q_ts + day_offsets[np.arange(n_q) % day_offsets.size]
        t_ts = t_ts + day_offsets[np.arange(n_t) % day_offsets.size]
        q_ts.sort()
        t_ts.sort()
    mid = 20.0 * np.exp(np.cumsum(rng.normal(0, 2e-5, n_q)))
    half = np.round(mid * rng.uniform(2e-4, 2e-3, n_q), 2) / 2 + 0.005
    bid = np.round(mid - half, 2)
    ask = np.maximum(np.round(mid + half, 2), bid + 0.01)
    j = np.clip(np.searchsorted(q_ts, t_ts) - 1, 0, n_q - 1)
    side = rng.integers(0, 2, n_t)
    px = np.where(side == 1, ask[j], bid[j])
    sz = rng.choice([100.0, 200.0, 300.0, 500.0, 50.0, 1000.0], n_t)
    trades = pl.DataFrame({"symbol": pl.Series(["BIG"] * n_t, dtype=pl.String),
                           "ts": pl.Series(t_ts).cast(pl.Datetime("ns", "UTC")), "price": px, "size": sz})
    quotes = pl.DataFrame({"symbol": pl.Series(["BIG"] * n_q, dtype=pl.String),
                           "ts": pl.Series(q_ts).cast(pl.Datetime("ns", "UTC")), "bid": bid, "ask": ask,
                           "bid_size": rng.choice([100.0, 200.0, 500.0], n_q),
                           "ask_size": rng.choice([100.0, 200.0, 500.0], n_q)})
    return trades, quotes


def _liqcost() -> list[str]:
    exe = Path(sys.executable).with_name("liqcost")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "liqcost"]


def _run(cmd: list[str]) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{err[-2000:]}")
    return {"wall_s": round(wall, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3), "peak_rss_mb": round(ru.ru_maxrss / 1024, 1)}


def _ingest(trades, quotes, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    trades.write_parquet(folder / "trades.parquet")
    quotes.write_parquet(folder / "quotes.parquet")
    ds = folder / "ds"
    for kind in ("trades", "quotes"):
        subprocess.run([*_liqcost(), "-q", "ingest", "--kind", kind, str(folder / f"{kind}.parquet"), "-d", str(ds)],
                       check=True, stdout=subprocess.DEVNULL)
    (folder / "trades.parquet").unlink()
    (folder / "quotes.parquet").unlink()
    return ds


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trades", type=int, default=5_000_000)
    ap.add_argument("--quotes", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=20, help="days of the comparison dataset (the same rows spread out)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--generate", nargs=2, metavar=("FOLDER", "SPREAD"), help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "bench_memory.json")
    args = ap.parse_args(argv)
    if args.generate:  # (in a child process, so that the measuring process stays small: a child's
        # ru_maxrss counts the memory it inherits from its parent when it is forked)
        folder, spread = args.generate
        offs = None if spread == "0" else np.array([k * 86_400 * NS for k in range(-args.days + 1, 1)], dtype=np.int64)
        t, q = _tape(args.trades, args.quotes, 1, offs)
        _ingest(t, q, Path(folder))
        return
    tmp = Path(tempfile.mkdtemp(prefix="liqcost_bench_memory_"))
    load0 = os.getloadavg()
    try:
        one, many = tmp / "one_day" / "ds", tmp / "many_days" / "ds"
        for folder, spread in ((tmp / "one_day", "0"), (tmp / "many_days", "1")):
            subprocess.run([sys.executable, __file__, "--trades", str(args.trades), "--quotes", str(args.quotes),
                            "--days", str(args.days), "--generate", str(folder), spread], check=True)
        whole_cfg = tmp / "whole.yaml"
        whole_cfg.write_text("measures:\n  chunk_trades: null\n")
        cases = {
            "one_day_chunked": [*_liqcost(), "-q", "profile", "--data", str(one)],
            "one_day_whole": [*_liqcost(), "-q", "--config", str(whole_cfg), "profile", "--data", str(one)],
            f"{args.days}_days_whole": [*_liqcost(), "-q", "--config", str(whole_cfg), "profile", "--data", str(many)],
        }
        _run(cases["one_day_chunked"])  # kernels compiled / loaded from the cache, files in the page cache
        runs: dict = {k: [] for k in cases}
        loads = []
        for _ in range(args.rounds):
            for name, cmd in cases.items():
                l0 = os.getloadavg()[0]
                r = _run(cmd)
                r["load_1min"] = [round(l0, 2), round(os.getloadavg()[0], 2)]
                runs[name].append(r)
                loads.append(r["load_1min"])
        summary = {k: {"peak_rss_mb_max": max(r["peak_rss_mb"] for r in v),
                       "wall_s_median": float(np.median([r["wall_s"] for r in v])),
                       "cpu_s_median": float(np.median([r["cpu_s"] for r in v]))} for k, v in runs.items()}
        out = {
            "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "command": "python benchmarks/bench_memory.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "data": {"trades": args.trades, "quotes": args.quotes, "days_comparison": args.days},
            "chunk_trades_default": 500_000,
            "parent_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in os.getloadavg()],
            "summary": summary, "runs": runs,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
        for k, v in summary.items():
            print(f"{k:>20}: peak {v['peak_rss_mb_max']:8.1f} MB  wall {v['wall_s_median']:7.2f} s  "
                  f"CPU {v['cpu_s_median']:7.2f} s")
        print(f"load before {out['load_before']}, after {out['load_after']}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
