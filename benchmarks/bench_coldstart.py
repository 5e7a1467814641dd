"""Cold start: numba compile time per command from an empty cache, kernels compiled, warm whole-process times.

Usage::

    python benchmarks/bench_coldstart.py                        # this tree
    python benchmarks/bench_coldstart.py --baseline db7a0fd     # and a git revision as the peer, interleaved
    python benchmarks/bench_coldstart.py --warm-repeat 7 --cold-repeat 2

What is measured, each command in its own process:

* ``cold``: the quick start's main job (``pretrade`` on the sample's orders, then ``plan`` for THNB, sharing
  one fresh ``NUMBA_CACHE_DIR``, as a first run after install does), ``profile`` of the sample and, for
  this tree, ``warmup`` (every stage), each from an empty cache. A numba event listener in the process
  adds up the time spent compiling (wall and CPU, nested compilations counted once) and counts the
  compiled signatures per kernel module; the parent records the process's wall and CPU time.
* ``warm``: the same commands with the cache filled, ``--warm-repeat`` times, interleaved between the
  trees; min and median wall seconds of the whole process (interpreter start, imports, reading the
  dataset, computing, printing).

The machine is shared and small, so every run records the 1-minute load average, the trees are run
alternately, and the figures to compare are the ratios within one run (and CPU seconds, which load
inflates less than wall seconds). Results go to ``benchmarks/results/bench_coldstart.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "sample_data"

COMMANDS = {
    "pretrade": ["pretrade", "--data", str(SAMPLE / "dataset"), "--orders", str(SAMPLE / "orders.csv")],
    "plan": ["plan", "--data", str(SAMPLE / "dataset"), "--symbol", "THNB", "--side", "buy", "--qty", "8000"],
    "profile": ["profile", "--data", str(SAMPLE / "dataset")],
}

# runs one liqcost command with a compile listener; prints a JSON line
_PROBE = r"""
import json, sys, time
from numba.core import event as ev
stack, spans, per_module = [], [0.0, 0.0], {}
class L(ev.Listener):
    def on_start(self, e):
        stack.append((time.perf_counter(), time.process_time()))
    def on_end(self, e):
        w0, c0 = stack.pop()
        if not stack:  # nested compilations are inside their caller's span: count the outermost once
            spans[0] += time.perf_counter() - w0
            spans[1] += time.process_time() - c0
        d = e.data["dispatcher"]
        mod = d.py_func.__module__
        per_module[mod] = per_module.get(mod, 0) + 1
ev.register("numba:compile", L())
from liqcost.cli import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code or 0
liq = {m: n for m, n in per_module.items() if m.startswith("liqcost.")}
print("RESULT " + json.dumps({"exit": code, "compile_wall_s": spans[0], "compile_cpu_s": spans[1],
                              "compiled": sum(per_module.values()), "compiled_liqcost": sum(liq.values()),
                              "compiled_by_module": liq}))
"""


def _run(src: Path, args: list[str], cache: Path | None, probe: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONWARNINGS="ignore")
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    cmd = [sys.executable, "-c", _PROBE, "-q", *args] if probe else [sys.executable, "-m", "liqcost", "-q", *args]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed under {src}:\n{p.stderr[-3000:]}")
    rec = {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
           "loadavg_1min": load}
    if probe:
        line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")][-1]
        rec.update(json.loads(line[7:]))
    return rec


def _tree(rev: str) -> Path:
    """The ``src`` folder of a git revision of this repository, in a temporary folder."""
    dest = Path(tempfile.mkdtemp(prefix=f"liqcost_{rev[:10]}_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest / "src"


def cold(trees: dict[str, Path], repeat: int) -> dict:
    out: dict = {name: {"main_job": [], "profile": [], "warmup": []} for name in trees}
    for _ in range(repeat):
        for name, src in trees.items():
            with tempfile.TemporaryDirectory() as d:
                cache = Path(d) / "numba"
                pre = _run(src, COMMANDS["pretrade"], cache, True)
                plan = _run(src, COMMANDS["plan"], cache, True)
                n_files = len(list(cache.rglob("*.nbi")))
            out[name]["main_job"].append({
                "pretrade": pre, "plan": plan, "cache_index_files": n_files,
                "compile_wall_s": pre["compile_wall_s"] + plan["compile_wall_s"],
                "compile_cpu_s": pre["compile_cpu_s"] + plan["compile_cpu_s"],
                "wall_s": pre["wall_s"] + plan["wall_s"], "cpu_s": pre["cpu_s"] + plan["cpu_s"],
                "compiled_liqcost": pre["compiled_liqcost"] + plan["compiled_liqcost"],
            })
            with tempfile.TemporaryDirectory() as d:
                out[name]["profile"].append(_run(src, COMMANDS["profile"], Path(d) / "numba", True))
            if (src / "liqcost" / "cli" / "cmd_warmup.py").exists():
                with tempfile.TemporaryDirectory() as d:
                    out[name]["warmup"].append(_run(src, ["warmup"], Path(d) / "numba", False))
            print(f"cold {name:9s} main job compile {out[name]['main_job'][-1]['compile_wall_s']:6.1f} s wall "
                  f"{out[name]['main_job'][-1]['compile_cpu_s']:6.1f} s cpu, profile "
                  f"{out[name]['profile'][-1]['compile_wall_s']:6.1f} s, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return out


def warm(trees: dict[str, Path], repeat: int) -> dict:
    out: dict = {name: {c: [] for c in COMMANDS} for name in trees}
    with tempfile.TemporaryDirectory() as d:
        caches = {name: Path(d) / name for name in trees}
        for name, src in trees.items():  # fill the caches
            for args in COMMANDS.values():
                _run(src, args, caches[name], False)
        for _ in range(repeat):
            for cmd, args in COMMANDS.items():
                for name, src in trees.items():
                    out[name][cmd].append(_run(src, args, caches[name], False))
    for name in trees:
        for cmd in COMMANDS:
            walls = [r["wall_s"] for r in out[name][cmd]]
            print(f"warm {name:9s} {cmd:9s} min {min(walls):5.2f} s median {statistics.median(walls):5.2f} s",
                  file=sys.stderr)
    return out


def _summary(cold_res: dict, warm_res: dict) -> dict:
    s: dict = {}
    for name in cold_res:
        mj = cold_res[name]["main_job"]
        s[name] = {
            "main_job_compile_wall_s_min": min(r["compile_wall_s"] for r in mj),
            "main_job_compile_cpu_s_min": min(r["compile_cpu_s"] for r in mj),
            "main_job_kernels_compiled": mj[0]["compiled_liqcost"],
            "main_job_cache_index_files": mj[0]["cache_index_files"],
            "main_job_compiled_by_module": {"pretrade": mj[0]["pretrade"]["compiled_by_module"],
                                            "plan": mj[0]["plan"]["compiled_by_module"]},
            "profile_compile_wall_s_min": min(r["compile_wall_s"] for r in cold_res[name]["profile"]),
            "profile_compile_cpu_s_min": min(r["compile_cpu_s"] for r in cold_res[name]["profile"]),
            "profile_kernels_compiled": cold_res[name]["profile"][0]["compiled_liqcost"],
        }
        if cold_res[name]["warmup"]:
            s[name]["warmup_wall_s_min"] = min(r["wall_s"] for r in cold_res[name]["warmup"])
            s[name]["warmup_cpu_s_min"] = min(r["cpu_s"] for r in cold_res[name]["warmup"])
        for cmd in COMMANDS:
            walls = [r["wall_s"] for r in warm_res[name][cmd]]
            s[name][f"warm_{cmd}_wall_s_min"] = min(walls)
            s[name][f"warm_{cmd}_wall_s_median"] = statistics.median(walls)
    names = list(s)
    if len(names) == 2:
        new, old = names
        s["ratios_new_over_baseline"] = {k: s[new][k] / s[old][k] for k in s[new]
                                         if isinstance(s[new][k], float) and k in s[old] and s[old][k]}
    return s


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", default=None, help="A git revision to measure side by side (the peer).")
    ap.add_argument("--cold-repeat", type=int, default=1, help="Cold rounds per tree (each compiles everything).")
    ap.add_argument("--warm-repeat", type=int, default=5, help="Warm runs per command and tree, interleaved.")
    ap.add_argument("--out", default=str(HERE / "results" / "bench_coldstart.json"))
    args = ap.parse_args(argv)

    trees = {"this": ROOT / "src"}
    tmp = None
    if args.baseline:
        tmp = _tree(args.baseline)
        trees["baseline"] = tmp
    try:
        loads = [os.getloadavg()[0]]
        cold_res = cold(trees, args.cold_repeat)
        loads.append(os.getloadavg()[0])
        warm_res = warm(trees, args.warm_repeat)
        loads.append(os.getloadavg()[0])
    finally:
        if tmp is not None:
            shutil.rmtree(tmp.parent, ignore_errors=True)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    result = {
        "revision": rev, "baseline": args.baseline,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "loadavg_1min": {"start": loads[0], "after_cold": loads[1], "end": loads[2]},
        "summary": _summary(cold_res, warm_res), "cold": cold_res, "warm": warm_res,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
