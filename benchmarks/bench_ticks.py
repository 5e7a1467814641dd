"""Benchmark of the tick pipeline: numba (liqcost) vs pandas vs polars-only, and vs merely reading the Parquet.

Usage::

    python benchmarks/bench_ticks.py            # 20M trades, 40M quotes (10 symbols x 40 days)
    python benchmarks/bench_ticks.py --small    # 1M trades, 2M quotes, for a quick run

The data are generated here (fast numpy generator, uneven symbols) and written once as a liqcost dataset
(layout v2: one source per symbol and kind, committed with ``liqcost.io.dataset_write.write_frame``) under
``--data-dir``. Each method then runs in its own
subprocess (so its peak memory, ``ru_maxrss``, is its own) and reports its wall time with compilation
excluded (numba kernels are warmed up on a tiny input first):

* ``read``          polars reads every trade and quote file (all columns): the I/O floor;
* ``profile``       the whole ``liqcost profile`` computation from the Parquet dataset (read, tick pass,
                    daily table with day grid, liquidity profile) on the local engine's threads;
* ``numba``         the same computation from trades/quotes already in memory (polars frames);
  ``numba1``        the same on one thread;
* ``kernel``        the fused tick pass alone over the engine's batches, columns already in numpy (what
  ``kernel1``       the ns per trade of the kernel means), on the engine's threads and on one;
* ``pandas``        the pandas peer of ``liqcost bench --peers`` (``benchmarks/peers/pandas_ticks.py``):
                    ``merge_asof`` by symbol-day + vectorized numpy;
* ``polars``        the polars-only peer of ``liqcost bench --peers`` (``benchmarks/peers/polars_ticks.py``):
                    one ``join_asof`` by symbol-day per probe over all symbols + expressions.

The machine is shared, so the fast methods run ``--repeat`` rounds, interleaved (read, profile, numba,
... then again), each in a fresh process, and the best round of each counts; every round's time and
1-minute load average are in the JSON (``runs_seconds``, ``runs_loadavg_1min``). The first read of a run
only warms the page cache and is not counted. The slow peers run ``--repeat-peers`` rounds (1).

The peers compute the core outputs: prevailing valid quote (strictly before), Lee-Ready signs,
effective spread, realized spread and price impact at the 4 clock and 3 trade-count horizons (clipped at
the close), volume, VWAP, number of trades and time-weighted quoted spread per symbol-day. liqcost
computes these and ~60 more columns. The peers' daily values are checked against liqcost's (max abs diff
in the JSON). Results go to ``benchmarks/results/bench_ticks[_small].json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

NS = 1_000_000_000
NY = ZoneInfo("America/New_York")
HORIZONS_S = (5, 60, 300, 1800)
HORIZONS_TR = (1, 5, 20)
LABELS = ["5s", "1min", "5min", "30min", "1tr", "5tr", "20tr"]


# ------------------------------------------------------------------------------------------ the data

def _days(n):
    d = dt.date(2024, 1, 2)
    out = []
    from liqcost.calendar import nyse_holidays

    hol = nyse_holidays(2024) | nyse_holidays(2025)
    while len(out) < n:
        if d.weekday() < 5 and d not in hol:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _open_ns(d):
    return int(dt.datetime(d.year, d.month, d.day, 9, 30, tzinfo=NY).timestamp()) * NS


def generate(root: Path, n_symbols: int, n_days: int, trades_total: int, quotes_total: int, seed: int = 1) -> dict:
    """Write the benchmark dataset; uneven symbols (weights 1..n), two quotes per trade on average."""
    import polars as pl

    from liqcost.io.dataset_write import write_frame

    rng = np.random.default_rng(seed)
    weights = np.arange(1, n_symbols + 1, dtype=float)
    weights /= weights.sum()
    days = _days(n_days)
    n_t = n_q = 0
    for s in range(n_symbols):
        sym = f"S{s:03d}"
        tpd = max(1, int(trades_total * weights[s] / n_days))
        qpd = max(1, int(quotes_total * weights[s] / n_days))
        mid0 = float(rng.uniform(2, 80))
        tick = 0.01
        t_frames, q_frames = [], []
        for d in days:
            o = _open_ns(d)
            c = o + int(6.5 * 3600) * NS
            q_ts = np.sort(rng.integers(o - 300 * NS, c, qpd))
            steps = rng.normal(0, 0.02 / np.sqrt(qpd), qpd)
            mid = mid0 * np.exp(np.cumsum(steps))
            mid0 = float(mid[-1])
            half = np.maximum(1, rng.integers(1, 4, qpd)) * tick / 2 + mid * 0.0005
            bid = np.floor((mid - half) / tick) * tick
            ask = np.maximum(np.ceil((mid + half) / tick) * tick, bid + tick)
            crossed = rng.random(qpd) < 0.001
            bid[crossed], ask[crossed] = ask[crossed] + tick, bid[crossed]
            bsz = rng.integers(1, 20, qpd) * 100.0
            asz = rng.integers(1, 20, qpd) * 100.0
            t_ts = np.sort(rng.integers(o, c, tpd))
            k = np.searchsorted(q_ts, t_ts, side="left") - 1
            k = np.clip(k, 0, qpd - 1)
            side = np.where(rng.random(tpd) < 0.5, 1, -1)
            px = np.where(side > 0, ask[k], bid[k])
            inside = rng.random(tpd) < 0.1
            px[inside] = np.round((bid[k][inside] + ask[k][inside]) / 2 / (tick / 2)) * (tick / 2)
            size = np.round(np.exp(rng.normal(4.5, 1.0, tpd)))
            size = np.maximum(size, 1.0)
            ts_type = pl.Datetime("ns", "UTC")
            t_frames.append(pl.DataFrame({"symbol": np.full(tpd, sym), "ts": pl.Series(t_ts).cast(ts_type), "price": px,
                                          "size": size}))
            q_frames.append(pl.DataFrame({"symbol": np.full(qpd, sym), "ts": pl.Series(q_ts).cast(ts_type), "bid": bid,
                                          "ask": ask, "bid_size": bsz, "ask_size": asz}))
            n_t += tpd
            n_q += qpd
        # one source per symbol and kind, committed through liqcost's dataset writer (layout v2)
        write_frame(root, "trades", pl.concat(t_frames), source_id=f"bench/{sym}/trades")
        write_frame(root, "quotes", pl.concat(q_frames), source_id=f"bench/{sym}/quotes")
    meta = {"layout": 2, "n_symbols": n_symbols, "n_days": n_days, "trades": n_t, "quotes": n_q, "seed": seed,
            "partitions": n_symbols * n_days}
    (root / "_bench.json").write_text(json.dumps(meta))
    return meta


# ------------------------------------------------------------------------------------------ loading

def _files(root: Path, kind: str) -> list[str]:
    return sorted(str(p) for p in root.glob(f"kind={kind}/**/*.parquet"))


def load_polars(root: Path):
    import polars as pl

    t = pl.read_parquet(_files(root, "trades"))
    q = pl.read_parquet(_files(root, "quotes"))
    return t, q


def _config():
    from liqcost.config import load_config

    return load_config(overrides={"measures.horizons_s": list(map(float, HORIZONS_S)),
                                  "measures.horizons_trades": list(HORIZONS_TR)})


def _warm_numba():
    """Compile (or load from cache) every kernel on a tiny input: compile time is excluded."""
    import polars as pl

    from liqcost.measures.daily import daily_metrics
    from liqcost.measures.profile import liquidity_profile

    o = _open_ns(dt.date(2024, 1, 2))
    ts = pl.Series([o + 10 * NS, o + 20 * NS]).cast(pl.Datetime("ns", "UTC"))
    qts = pl.Series([o + 9 * NS, o + 19 * NS]).cast(pl.Datetime("ns", "UTC"))
    t = pl.DataFrame({"symbol": ["W", "W"], "ts": ts, "price": [10.0, 10.1], "size": [100.0, 100.0]})
    q = pl.DataFrame({"symbol": ["W", "W"], "ts": qts, "bid": [9.9, 10.0], "ask": [10.1, 10.2],
                      "bid_size": [1.0, 1.0], "ask_size": [1.0, 1.0]})
    daily = daily_metrics(_config(), trades=t, quotes=q, workers=1).daily
    liquidity_profile(daily, _config())


# ------------------------------------------------------------------------------------------ peers

def _core_from_liqcost(daily):
    cols = ["symbol", "date", "n_trades", "volume_shares", "vwap_px", "quoted_spread_bps", "effective_spread_bps"]
    cols += [f"realized_spread_{lab}_bps" for lab in LABELS] + [f"price_impact_{lab}_bps" for lab in LABELS]
    return daily.select(cols).sort("symbol", "date")


def _session_bounds(dates):
    o = np.array([_open_ns(d) for d in dates], dtype=np.int64)
    return o, o + int(6.5 * 3600) * NS


def _run_peer(name: str, t, q):
    """Run the peer of ``benchmarks/peers`` (the one ``liqcost bench --peers`` times) on frames in memory.

    Its preparation (conversions into the peer's own structures) is not timed; only its computation is.
    Returns the peer's daily rows (symbol, date and the core columns, named as liqcost's) and the seconds.
    """
    import importlib

    sys.path.insert(0, str(HERE))
    peer = importlib.import_module(f"peers.{name}_ticks").PEER
    inputs = {"trades": t, "quotes": q, "timezone": "America/New_York", "bounds": _session_bounds,
              "horizons_s": [float(h) for h in HORIZONS_S], "horizons_trades": list(HORIZONS_TR)}
    prepared = peer.prepare(inputs)
    t0 = time.perf_counter()
    out = peer.run(prepared)
    elapsed = time.perf_counter() - t0
    return peer.result(out), elapsed


def _max_diff(peer, ref):
    import polars as pl

    peer = peer.sort("symbol", "date")
    j = ref.join(peer, on=["symbol", "date"], suffix="_peer")
    out = {}
    for c in ref.columns:
        if c in ("symbol", "date") or f"{c}_peer" not in j.columns:
            continue
        a = j[c].cast(pl.Float64).fill_null(float("nan")).to_numpy()
        b = j[f"{c}_peer"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
        both = np.isfinite(a) & np.isfinite(b)
        out[c] = {"max_abs_diff": float(np.max(np.abs(a[both] - b[both]))) if both.any() else None,
                  "nan_mismatch": int((np.isfinite(a) != np.isfinite(b)).sum())}
    return out


# ------------------------------------------------------------------------------------------ methods

def _kernel_batches(root: Path, workers: int):
    """The benchmark data as the engine's batches (columns materialized), for the fused-pass timings."""
    from liqcost.config import load_config
    from liqcost.measures.daily import _chunks
    from liqcost.measures.ticks import TickParams, plan_frames

    t, q = load_polars(root)
    params = TickParams.from_config(_config())
    plan = plan_frames(t, q, params.timezone)
    ranges = _chunks((plan.t_len + plan.q_len).tolist(), float(load_config().engine.batch_rows), 4 * workers)
    return [plan.batch(a, b) for a, b in ranges], params


def method(name: str, root: Path, workers: int) -> dict:
    import polars as pl

    rec: dict = {"method": name, "loadavg_1min_before": os.getloadavg()[0]}
    if name == "read":
        files_t, files_q = _files(root, "trades"), _files(root, "quotes")
        pl.read_parquet(files_t[:2])
        t0 = time.perf_counter()
        t = pl.read_parquet(files_t)
        q = pl.read_parquet(files_q)
        rec["seconds"] = time.perf_counter() - t0
        rec["rows"] = t.height + q.height
    elif name == "profile":
        from liqcost.io.dataset import Dataset
        from liqcost.measures.daily import daily_metrics
        from liqcost.measures.profile import liquidity_profile

        _warm_numba()
        t0 = time.perf_counter()
        res = daily_metrics(_config(), dataset=Dataset(root), workers=workers)
        prof = liquidity_profile(res.daily, _config())
        rec["seconds"] = time.perf_counter() - t0
        rec["trades"] = res.n_trades
        rec["daily_rows"] = res.daily.height
        rec["profile_rows"] = prof.height
        rec["daily_columns"] = res.daily.width
    elif name in ("numba", "numba1"):
        from liqcost.measures.daily import daily_metrics

        _warm_numba()
        t, q = load_polars(root)
        t0 = time.perf_counter()
        res = daily_metrics(_config(), trades=t, quotes=q, workers=1 if name == "numba1" else workers)
        rec["seconds"] = time.perf_counter() - t0
        rec["trades"] = res.n_trades
        _core_from_liqcost(res.daily).write_parquet(root / f"_core_{name}.parquet")
    elif name in ("kernel", "kernel1"):
        # the fused tick pass alone (liqcost.kernels.tickpass.tick_pass through measure_batch) over the
        # engine's batches, columns already in memory: on the engine's threads, or on one
        from liqcost.engine import run_tasks
        from liqcost.measures.ticks import measure_batch

        _warm_numba()
        batches, params = _kernel_batches(root, workers)
        for b in batches[:2]:
            measure_batch(b, params)
        t0 = time.perf_counter()
        run_tasks(lambda b: measure_batch(b, params), batches, workers=1 if name == "kernel1" else workers)
        rec["seconds"] = time.perf_counter() - t0
        rec["trades"] = sum(b.n_trades for b in batches)
    elif name == "pandas":
        t, q = load_polars(root)
        daily, rec["seconds"] = _run_peer("pandas", t, q)
        rec["trades"] = t.height
        daily.write_parquet(root / "_core_pandas.parquet")
    elif name == "polars":
        t, q = load_polars(root)
        daily, rec["seconds"] = _run_peer("polars", t, q)
        rec["trades"] = t.height
        daily.write_parquet(root / "_core_polars.parquet")
    rec["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rec["loadavg_1min_after"] = os.getloadavg()[0]
    return rec


FAST = ["read", "profile", "numba", "numba1", "kernel", "kernel1"]
SLOW = ["pandas", "polars"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="1M trades and 2M quotes instead of 20M / 40M.")
    ap.add_argument("--data-dir", default=None, help="Where to write (and reuse) the generated dataset.")
    ap.add_argument("--workers", type=int, default=0, help="Threads for liqcost (0 = one per core).")
    ap.add_argument("--repeat", type=int, default=3,
                    help="Rounds of the fast methods (read, profile, numba, kernel ...), interleaved; the best "
                         "round of each counts (the machine is shared: compare side by side, best of N).")
    ap.add_argument("--repeat-peers", type=int, default=1, help="Rounds of the slow peers (pandas, polars).")
    ap.add_argument("--skip", nargs="*", default=[], help="Methods to skip (pandas, polars, numba1 ...).")
    ap.add_argument("--keep", nargs="*", default=[], help="Methods whose figures to keep from the previous JSON.")
    ap.add_argument("--method", default=None, help=argparse.SUPPRESS)  # internal: run one method in this process
    ap.add_argument("--out", default=None, help="JSON file (default benchmarks/results/bench_ticks[_small].json).")
    args = ap.parse_args(argv)

    size = "small" if args.small else "full"
    spec = dict(n_symbols=4, n_days=10, trades_total=1_000_000, quotes_total=2_000_000) if args.small else dict(
        n_symbols=10, n_days=40, trades_total=20_000_000, quotes_total=40_000_000)
    root = Path(args.data_dir or f"/tmp/liqcost_bench_ticks_{size}")
    from liqcost.engine import default_workers

    workers = args.workers or default_workers()
    if args.method:
        print(json.dumps(method(args.method, root, workers)))
        return 0

    meta_file = root / "_bench.json"
    if meta_file.exists() and all(json.loads(meta_file.read_text()).get(k) == v
                                  for k, v in (("n_symbols", spec["n_symbols"]), ("n_days", spec["n_days"]), ("layout", 2))):
        meta = json.loads(meta_file.read_text())
        print(f"reusing {root}: {meta['trades']:,} trades, {meta['quotes']:,} quotes", file=sys.stderr)
    else:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        t0 = time.perf_counter()
        meta = generate(root, **spec)
        print(f"generated {meta['trades']:,} trades and {meta['quotes']:,} quotes in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
    disk = sum(p.stat().st_size for p in root.rglob("part-*.parquet"))

    out = Path(args.out) if args.out else HERE / "results" / f"bench_ticks{'_small' if args.small else ''}.json"
    results: dict = {}
    if args.keep and out.exists():  # keep the methods measured before, re-measure the others
        results = {k: v for k, v in json.loads(out.read_text())["methods"].items() if k in args.keep}
    rounds = [m for _ in range(args.repeat) for m in FAST]
    rounds += [m for _ in range(args.repeat_peers) for m in SLOW]
    first_read = True
    for name in rounds:
        if name in args.skip or name in args.keep:
            continue
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        p = subprocess.run([sys.executable, __file__, "--method", name, "--data-dir", str(root), "--workers",
                            str(workers)] + (["--small"] if args.small else []), capture_output=True, text=True, env=env)
        if p.returncode != 0:
            print(p.stderr, file=sys.stderr)
            raise SystemExit(f"method {name} failed")
        rec = json.loads(p.stdout.strip().splitlines()[-1])
        if name == "read" and first_read:  # the first read warms the page cache: not a round
            first_read = False
            print(f"{'read':8s} {rec['seconds']:8.2f} s   (page cache warm-up, not counted)", file=sys.stderr)
            continue
        best = results.get(name)
        runs = (best or {}).get("runs_seconds", []) + [rec["seconds"]]
        loads = (best or {}).get("runs_loadavg_1min", []) + [rec["loadavg_1min_before"]]
        if best is None or rec["seconds"] < best["seconds"]:
            best = rec
        best["runs_seconds"], best["runs_loadavg_1min"] = runs, loads
        results[name] = best
        print(f"{name:8s} {rec['seconds']:8.2f} s   peak {rec['peak_rss_mb']:8.0f} MB   "
              f"load {rec['loadavg_1min_before']:.2f}", file=sys.stderr)

    n_t = meta["trades"]
    summary = {
        "size": size, "data": {**meta, "parquet_bytes": disk}, "workers": workers,
        "repeat": args.repeat, "repeat_peers": args.repeat_peers,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "cpu_model": _cpu_model(),
                    "threads_env": {k: os.environ.get(k) for k in ("POLARS_MAX_THREADS", "NUMBA_NUM_THREADS",
                                                                   "OMP_NUM_THREADS")}},
        "methods": results,
        "throughput_trades_per_s": {k: n_t / v["seconds"] for k, v in results.items() if k != "read"},
        "ns_per_trade": {k: v["seconds"] / n_t * 1e9 for k, v in results.items() if k != "read"},
    }
    ratios = {}
    if "profile" in results and "read" in results:
        ratios["profile_over_read"] = results["profile"]["seconds"] / results["read"]["seconds"]
    for peer in ("pandas", "polars"):
        if peer in results and "numba" in results:
            ratios[f"{peer}_over_numba"] = results[peer]["seconds"] / results["numba"]["seconds"]
        if peer in results and "numba1" in results:
            ratios[f"{peer}_over_numba_1thread"] = results[peer]["seconds"] / results["numba1"]["seconds"]
    if "numba" in results and "numba1" in results:
        ratios["numba_1thread_over_threads"] = results["numba1"]["seconds"] / results["numba"]["seconds"]
    if "kernel" in results and "kernel1" in results:
        ratios["kernel_1thread_over_threads"] = results["kernel1"]["seconds"] / results["kernel"]["seconds"]
    summary["ratios"] = ratios
    summary["targets"] = {
        "numba_10x_faster_than_pandas": ratios.get("pandas_over_numba", 0) >= 10,
        "profile_within_1p5x_read": ratios.get("profile_over_read", 99) <= 1.5,
        "note": "the targets are for >= 20M trades and 40M quotes (the full size); --small is for quick "
                "iterations, where fixed costs (process, thread pool, per-file scans, daily table) weigh more",
    }
    # agreement of the peers' core outputs with liqcost's
    import polars as pl

    ref_file = root / "_core_numba.parquet"
    if ref_file.exists():
        ref = pl.read_parquet(ref_file)
        summary["agreement_with_liqcost"] = {
            peer: _max_diff(pl.read_parquet(root / f"_core_{peer}.parquet"), ref)
            for peer in ("pandas", "polars", "numba1") if (root / f"_core_{peer}.parquet").exists()
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1, default=str) + "\n")
    print(json.dumps({"ratios": ratios, "ns_per_trade": summary["ns_per_trade"], "targets": summary["targets"]},
                     indent=1))
    return 0


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


if __name__ == "__main__":
    raise SystemExit(main())
