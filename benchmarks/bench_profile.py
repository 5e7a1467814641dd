"""Benchmark: per-name overhead of the liquidity profile (issue 16 item 3) and the 700-ticker daily set.

Plain script: ``python benchmarks/bench_profile.py [--repeats 5] [--before /work/main/.venv/bin/liqcost]``.
Writes ``benchmarks/results/bench_profile.json`` with the machine, the cores and the 1-minute load average
at the start and end of each scenario (the machine is shared: read the ratios, which are measured in the
same run, interleaved, on the same cores).

Scenarios
---------
``names_5k`` (in-process, after one warm-up run): 5,000 names with one trade and one quote each (one day).
  Stages: the tick daily metrics (``daily_metrics``: tick pass and day grid), the one-pass
  ``liquidity_profile`` (own inputs only) against its peer, the per-symbol loop it replaced
  (``tests/reference/profile.py``; the two are checked equal on these data before timing), the input
  stand-ins (``complete_inputs``: here every name falls back to the prior for its volatility), and the
  whole in-process build (``build_from_frames``). Per-name cost = stage time / 5,000.
``names_5k_process`` (whole processes): ``liqcost profile --trades T --quotes Q`` on the same names as
  canonical Parquet files (validation of the raw files included: the ingest helper's part) and the time of a
  process that only imports liqcost and reads the two files, for scale.
``daily_700`` (whole processes): ``liqcost profile --data DS --table profile`` and ``--table both`` on the
  700-ticker daily US sample (``../shared/data/daily_us_stocks``; ingested once into ``--workdir``), with
  this tree's liqcost and with ``--before`` (another installation, e.g. main's), interleaved; wall seconds
  CPU seconds (user + system) and peak resident memory (``/usr/bin/time``). Plus the in-process split of this tree's run: dataset
  listing and read (the dataset helper's part), the bar profile, the stand-ins.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _timed(fn, repeats: int) -> dict:
    fn()  # warm-up: imports, numba cache loads, first-call costs
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(runs), "best_s": min(runs), "runs_s": runs}


def one_trade_names(n: int, seed: int = 0):
    """``n`` names, one trade and one quote each on one day (canonical trades and quotes frames)."""
    import polars as pl

    rng = np.random.default_rng(seed)
    base = int(dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.timezone.utc).timestamp() * 1e9)
    syms = [f"S{i:05d}" for i in range(n)]
    px = np.round(rng.uniform(1, 50, n), 2)
    ts = pl.Series(base + rng.integers(0, 3600 * 10**9, n)).cast(pl.Datetime("ns", "UTC"))
    trades = pl.DataFrame({"symbol": syms, "ts": ts, "price": px, "size": np.full(n, 100.0)})
    quotes = pl.DataFrame({"symbol": syms, "ts": pl.Series(np.full(n, base - 60 * 10**9)).cast(pl.Datetime("ns", "UTC")),
                           "bid": px - 0.01, "ask": px + 0.01, "bid_size": np.full(n, 100.0), "ask_size": np.full(n, 100.0)})
    return trades.sort("symbol", "ts"), quotes.sort("symbol", "ts")


def bench_names(n: int, repeats: int) -> dict:
    from reference.profile import liquidity_profile_loop

    from liqcost.config import load_config
    from liqcost.measures.build import build_from_frames
    from liqcost.measures.daily import daily_metrics
    from liqcost.measures.fallback import complete_inputs
    from liqcost.measures.profile import liquidity_profile

    cfg = load_config()
    trades, quotes = one_trade_names(n)
    load0 = _load()
    daily = daily_metrics(cfg, trades=trades, quotes=quotes).daily
    fast = liquidity_profile(daily, cfg, complete=False)
    slow = liquidity_profile_loop(daily, cfg)
    same = [c for c in slow.columns if c not in ("spread_bps", "spread_source", "volatility_daily_frac",
                                                 "volatility_source", "spread_long_bps", "volatility_long_daily_frac")]
    if not fast.select(same).equals(slow.select(same)):
        # equal to the last bits where both sum in the same order; otherwise within 1e-12 (tests check it)
        for c in same:
            a, b = fast[c], slow[c]
            if a.dtype.is_float():
                x, y = a.to_numpy(), b.to_numpy()
                assert np.allclose(x, y, rtol=1e-12, atol=1e-12, equal_nan=True), c
            elif a.to_list() != b.to_list() and not a.dtype.is_nested():
                raise AssertionError(f"one-pass profile differs from the loop in {c}")
    out = {
        "names": n,
        "daily_metrics": _timed(lambda: daily_metrics(cfg, trades=trades, quotes=quotes), repeats),
        "liquidity_profile": _timed(lambda: liquidity_profile(daily, cfg, complete=False), repeats),
        "loop_peer": _timed(lambda: liquidity_profile_loop(daily, cfg), max(1, repeats // 3)),
        "complete_inputs": _timed(lambda: complete_inputs(fast, cfg, daily=daily), repeats),
        "build_from_frames": _timed(lambda: build_from_frames(cfg, trades=trades, quotes=quotes), repeats),
    }
    for k in ("liquidity_profile", "loop_peer", "complete_inputs", "build_from_frames", "daily_metrics"):
        out[k]["per_name_ms"] = out[k]["median_s"] / n * 1e3
    out["loop_over_one_pass"] = out["loop_peer"]["median_s"] / out["liquidity_profile"]["median_s"]
    out["loadavg_1m"] = [load0, _load()]
    return out


def _process(cmd: list[str], env=None) -> tuple[float, int, float]:
    """Wall seconds, peak resident memory (KB) and CPU seconds (user + system) of a whole process."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    rss, user, system = r.stderr.strip().splitlines()[-1].split()
    return wall, int(rss), float(user) + float(system)


def bench_names_process(n: int, work: Path, repeats: int, liqcost: str) -> dict:
    trades, quotes = one_trade_names(n)
    t, q = work / "trades_5k.parquet", work / "quotes_5k.parquet"
    trades.write_parquet(t)
    quotes.write_parquet(q)
    read = [sys.executable, "-c", f"import liqcost, polars as pl; pl.read_parquet({str(t)!r}); pl.read_parquet({str(q)!r})"]
    prof = [liqcost, "-q", "--format", "parquet", "-o", str(work / "p5k.parquet"), "profile", "--trades", str(t),
            "--quotes", str(q), "--table", "profile"]
    load0 = _load()
    _process(prof)
    runs = {"read_only": [], "profile": []}
    for _ in range(repeats):
        runs["read_only"].append(_process(read))
        runs["profile"].append(_process(prof))
    med = {k: statistics.median(w for w, _, _ in v) for k, v in runs.items()}
    return {"names": n, "wall_median_s": med, "cpu_median_s": {k: statistics.median(c for *_, c in v) for k, v in runs.items()},
            "peak_rss_mb": {k: max(m for _, m, _ in v) / 1024 for k, v in runs.items()},
            "runs": runs, "loadavg_1m": [load0, _load()]}


def _daily_dataset(work: Path, liqcost: str) -> Path:
    import polars as pl

    ds = work / "ds700"
    if ds.exists():
        return ds
    src = ROOT.parent / "shared" / "data" / "daily_us_stocks" / "stocks_daily_sample700.parquet"
    if not src.exists():
        src = Path("/work/shared/data/daily_us_stocks/stocks_daily_sample700.parquet")
    f = work / "daily700.parquet"
    pl.read_parquet(src).drop("dv_decile").write_parquet(f)
    m = work / "bars700.yaml"
    m.write_text("kind: bars\ncolumns: {symbol: ticker, date: Date, open: Open, high: High, low: Low, close: Close, "
                 "volume: Volume}\n")
    subprocess.run([liqcost, "-q", "ingest", "--kind", "bars", "--mapping", str(m), str(f), "-o", str(ds)], check=True,
                   capture_output=True)
    return ds


def bench_daily(work: Path, repeats: int, liqcost: str, before: str | None) -> dict:
    ds = _daily_dataset(work, before or liqcost)
    out: dict = {"dataset": str(ds), "loadavg_1m": [_load()]}
    tools = {"after": liqcost, **({"before": before} if before else {})}
    for table in ("profile", "both"):
        runs: dict = {k: [] for k in tools}
        for name, exe in tools.items():  # warm: numba caches, file cache
            _process([exe, "-q", "--format", "parquet", "-o", str(work / f"p700_{name}.parquet"), "profile", "--data",
                      str(ds), "--table", table])
        for _ in range(repeats):
            for name, exe in tools.items():
                runs[name].append(_process([exe, "-q", "--format", "parquet", "-o", str(work / f"p700_{name}.parquet"),
                                            "profile", "--data", str(ds), "--table", table]))
        res = {k: {"wall_median_s": statistics.median(w for w, _, _ in v), "cpu_median_s": statistics.median(c for *_, c in v),
                   "peak_rss_mb": max(m for _, m, _ in v) / 1024, "runs": v} for k, v in runs.items()}
        if before:
            res["before_over_after_wall"] = res["before"]["wall_median_s"] / res["after"]["wall_median_s"]
            res["before_over_after_cpu"] = res["before"]["cpu_median_s"] / res["after"]["cpu_median_s"]
        out[f"table_{table}"] = res
    out["in_process"] = _daily_split(ds, repeats)
    out["loadavg_1m"].append(_load())
    return out


def _daily_split(ds: Path, repeats: int) -> dict:
    """Where this tree's bars profile spends its time, in-process (warm)."""
    from liqcost.config import load_config
    from liqcost.io.dataset import Dataset
    from liqcost.measures.bars import bar_profile
    from liqcost.measures.build import build_from_dataset, trading_calendar
    from liqcost.measures.fallback import complete_inputs

    cfg = load_config()
    d = Dataset(ds)
    cal = trading_calendar(d)
    last, first = cal[-1], cal[-max(cfg.measures.lookback_days, cfg.measures.lookback_days_long)]
    bars = d.scan("bars", None, first, last).collect()
    prof = bar_profile(bars, cfg, asof=last, complete=False)
    n = prof.height
    res = {
        "names": n,
        "listing_calendar": _timed(lambda: trading_calendar(Dataset(ds)), max(1, repeats // 2)),
        "read_window": _timed(lambda: Dataset(ds).scan("bars", None, first, last).collect(), repeats),
        "bar_profile": _timed(lambda: bar_profile(bars, cfg, asof=last, complete=False), repeats),
        "complete_inputs": _timed(lambda: complete_inputs(prof, cfg), repeats),
        "build_from_dataset": _timed(lambda: build_from_dataset(Dataset(ds), cfg), max(1, repeats // 2)),
    }
    for k in ("bar_profile", "complete_inputs"):
        res[k]["per_name_ms"] = res[k]["median_s"] / n * 1e3
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--names", type=int, default=5000)
    ap.add_argument("--workdir", default="/tmp/liqcost_bench_profile")
    ap.add_argument("--before", default=None, help="another liqcost executable to compare (e.g. main's)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["names_5k", "names_5k_process", "daily_700"])
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "bench_profile.json"))
    a = ap.parse_args(argv)
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    liqcost = shutil.which("liqcost", path=str(Path(sys.executable).parent)) or "liqcost"
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_1m_start": _load()},
        "repeats": a.repeats,
    }
    if "names_5k" not in a.skip:
        result["names_5k"] = bench_names(a.names, a.repeats)
        print(json.dumps({k: v for k, v in result["names_5k"].items() if not isinstance(v, dict)}), flush=True)
    if "names_5k_process" not in a.skip:
        result["names_5k_process"] = bench_names_process(a.names, work, a.repeats, liqcost)
    if "daily_700" not in a.skip:
        result["daily_700"] = bench_daily(work, a.repeats, liqcost, a.before)
    result["machine"]["loadavg_1m_end"] = _load()
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
