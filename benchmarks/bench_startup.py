"""Whole-process start-up: what a liqcost command costs above the start every command with a kernel pays
(issue 16: warm ``pretrade`` under 1.5 s, 5,000 names x 1 trade under 2 s).

Usage::

    python benchmarks/bench_startup.py [--repeats 7] [--json benchmarks/results/bench_startup.json]

Times these whole processes, interleaved (each once per round, ``--repeats`` rounds after one untimed round
that fills numba's cache), with their CPU time (user + system, ``os.wait4``):

``python``
    ``python -c pass``: the interpreter alone.
``libraries``
    imports what a liqcost command loads (numpy, polars, numba, pydantic, click, yaml), no kernel.
``floor``
    the same imports, then one small liqcost kernel run from numba's cache: numba's own set-up, which
    imports ``scipy.linalg`` for its BLAS check, comes with the first cached kernel. Every liqcost command
    that runs a kernel pays this before its own work (``liqcost bench --stage process_start`` is the same
    process).
``help``
    ``liqcost --help``.
``pretrade``, ``plan``
    the README's quick-start job on ``sample_data/`` (kernels cached).
``names_5k``
    ``liqcost profile --trades T --quotes Q --table profile`` on 5,000 names with one trade and one quote
    each (raw canonical Parquet files, validation included; ``bench_profile.py``'s names).

and reports, per process, the median wall and CPU seconds and the median minus the floor: liqcost's own
share (its imports, its kernels' cache loads, its work). Kernels must be compiled once before (the
untimed round does it). The 1-minute load is recorded; on a shared machine compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from liqcost.app.bench import GC_AS_A_COMMAND, PROCESS_START_CODE, whole_process  # noqa: E402

# both set the collector and end as a liqcost command does (liqcost.cli.main: gc.set_threshold, gc.freeze)
LIBS = GC_AS_A_COMMAND[0] + "import click, numpy, polars, pydantic, yaml\nimport numba\n" + GC_AS_A_COMMAND[1]
FLOOR = PROCESS_START_CODE  # the same process as `liqcost bench --stage process_start`


def _run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one whole ``python`` process (``cmd[0]`` is the interpreter)."""
    wall, cpu, _ = whole_process(cmd[1:], env=env, cwd=ROOT)
    return wall, cpu


def commands(work: Path) -> dict[str, list[str]]:
    from bench_profile import one_trade_names

    t, q = work / "trades_5k.parquet", work / "quotes_5k.parquet"
    trades, quotes = one_trade_names(5000)
    trades.write_parquet(t)
    quotes.write_parquet(q)
    py = sys.executable
    lc = [py, "-m", "liqcost", "-q"]
    return {
        "python": [py, "-c", "pass"],
        "libraries": [py, "-c", LIBS],
        "floor": [py, "-c", FLOOR],
        "help": [*lc, "--help"],
        "pretrade": [*lc, "pretrade", "--data", "sample_data/dataset", "--orders", "sample_data/orders.csv"],
        "plan": [*lc, "plan", "--data", "sample_data/dataset", "--symbol", "THNB", "--side", "buy", "--qty", "8000"],
        "names_5k": [*lc, "--format", "parquet", "-o", str(work / "p5k.parquet"), "profile", "--trades", str(t),
                     "--quotes", str(q), "--table", "profile"],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "bench_startup.json"))
    ap.add_argument("--before", metavar="SRC",
                    help="also time the liqcost commands with another tree's sources (its src/ folder, e.g. a "
                         "worktree of main), interleaved, as before_<name>; the floor stays this tree's")
    ap.add_argument("--before-cache", metavar="DIR", help="NUMBA_CACHE_DIR for --before (default: a fresh one)")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="liqcost-startup-") as tmp:
        cmds = {k: (c, None) for k, c in commands(Path(tmp)).items()}
        if a.before:
            env = dict(os.environ, PYTHONPATH=str(Path(a.before).resolve()),
                       NUMBA_CACHE_DIR=a.before_cache or str(Path(tmp) / "numba_before"))
            cmds.update({f"before_{k}": (c, env) for k, (c, _) in list(cmds.items())
                         if k in ("help", "pretrade", "plan", "names_5k")})
        load0 = os.getloadavg()[0]
        for cmd, env in cmds.values():  # untimed: numba's cache filled, files in the page cache
            _run(cmd, env)
        runs: dict[str, list] = {k: [] for k in cmds}
        loads = []
        for _ in range(a.repeats):
            loads.append(round(os.getloadavg()[0], 2))
            for name, (cmd, env) in cmds.items():
                runs[name].append(_run(cmd, env))
        loads.append(round(os.getloadavg()[0], 2))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}
    fw, fc = med["floor"]
    rows = {k: {"wall_median_s": round(w, 3), "cpu_median_s": round(c, 3),
                "wall_over_floor_s": round(w - fw, 3), "cpu_over_floor_s": round(c - fc, 3),
                "runs": [[round(w, 3), round(c, 3)] for w, c in runs[k]]} for k, (w, c) in med.items()}
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                       "started_loadavg_1m": round(load0, 2), "loadavg_1m_rounds": loads,
                       "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
           "repeats": a.repeats, "before": a.before, "processes": rows}
    print(f"{'process':16s} {'wall s':>7s} {'cpu s':>7s} {'wall - floor':>13s} {'cpu - floor':>12s}")
    for k, r in rows.items():
        print(f"{k:16s} {r['wall_median_s']:7.2f} {r['cpu_median_s']:7.2f} {r['wall_over_floor_s']:13.2f} "
              f"{r['cpu_over_floor_s']:12.2f}")
    print(f"1-minute load per round: {loads}")
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
