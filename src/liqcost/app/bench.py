"""``liqcost bench`` as a function: time the pipeline stage by stage, on generated or given data.

:func:`bench` prepares the data (generated tick files of a chosen size, written as canonical Parquet and
ingested into a dataset in a temporary folder; or a user's dataset), compiles the kernels first (the
compile or cache-load time is reported on its own: ``liqcost warmup``'s stages), then runs the stages in a
fresh worker process per core setting (one core: ``NUMBA_NUM_THREADS=1``, ``POLARS_MAX_THREADS=1``, one
engine thread; all cores: every core), so that one-core and all-core figures are never mixed.

Inside a worker, every stage runs once untimed (the first call: kernels loaded, caches warm), then
``repeat`` rounds, interleaved (every stage once, then again), and the median of the rounds counts. Each
stage reports rows/s, ns/row, process CPU time, the peak resident memory of the process while it ran
(Linux's ``VmHWM``, reset before the stage through ``/proc/self/clear_refs``; the resident inputs count)
and its ratio to the floor: a plain polars read of exactly the columns the tick pass uses from the
dataset's files, into numpy. The 1-minute load average is recorded before and after each round.

Peers (``peers=True``; the package ``benchmarks/peers`` of a source checkout) run inside the same rounds,
on the same data and cores; each one's output is first checked equal to liqcost's (within its tolerance)
and a peer that disagrees is refused: reported with its largest difference, not timed.

Run as ``python -m liqcost.app.bench SPEC.json OUT.json`` it is the worker of one core setting.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from liqcost.errors import LiqcostError, UsageError
from liqcost.result import Result

__all__ = ["BenchResult", "BenchError", "SIZES", "STAGES", "bench", "load_results", "save_results"]

#: size -> (symbols, trading days, mean trades per symbol-day); quotes are about 2.5 per trade
SIZES: dict[str, tuple[int, int, int]] = {
    "tiny": (3, 25, 60),          # ~4.5 k trades: a check that everything runs (tests)
    "small": (20, 40, 250),       # ~200 k trades, ~510 k quotes
    "medium": (40, 50, 500),      # ~1 M trades, ~2.5 M quotes
    "large": (50, 100, 1000),     # ~5 M trades, ~12 M quotes
}

#: stage -> (what it times, what its rows are)
STAGES: dict[str, tuple[str, str]] = {
    "ingest": ("liqcost ingest of the canonical trade and quote Parquet files: validate, quarantine, write a "
               "dataset", "trades+quotes"),
    "read": ("the floor: polars reads exactly the columns the tick pass uses from the dataset's files, to numpy",
             "trades+quotes"),
    "tick_pass": ("quote match, signing, spreads and markouts per symbol-day (the fused tick pass), frames in "
                  "memory", "trades"),
    "daily": ("daily aggregates: day grid, returns, volatility, Kyle's lambda, Amihud", "symbol-days"),
    "profile": ("liquidity profile per symbol over the lookback", "symbol-days"),
    "ticks_daily": ("tick pass + daily aggregates from frames in memory (the pandas and polars peers' scope)",
                    "trades"),
    "profile_e2e": ("whole `liqcost profile --data`: dataset -> daily table and profile", "trades+quotes"),
    "profile_files": ("whole `liqcost profile --trades F --quotes F` from the canonical Parquet files (validation "
                      "included)", "trades+quotes"),
    "bars": ("bar estimators on daily bars, rolling windows (every family)", "bars"),
    "edge": ("rolling EDGE spread over the bar panel (the bidask peer's scope)", "bars"),
    "process_read": ("a whole python process that reads the floor's columns to numpy (start-up and imports "
                     "included; the collector set and the exit as a liqcost command's, liqcost.cli.main); only with "
                     "--stage", "trades+quotes"),
    "process_profile": ("a whole `liqcost profile --data` process, output written (start-up included); only with "
                        "--stage", "trades+quotes"),
    "process_files": ("a whole `liqcost profile --trades F --quotes F` process on the canonical Parquet files "
                      "(validation and start-up included); only with --stage", "trades+quotes"),
    "process_start": ("a whole python process that imports the libraries a liqcost command loads (numpy, polars, "
                      "numba, pydantic, click, yaml) and runs one kernel from numba's cache: the start-up (and exit) "
                      "any command with a kernel pays besides its own work; only with --stage", "trades+quotes"),
    "pretrade": ("pre-trade check of one order per symbol (5% of ADV), profile in memory", "orders"),
    "plan": ("tranche plan of one order per symbol (at most 5), fill models read from the dataset", "orders"),
}

#: stages run only when asked for with ``stages`` (``--stage``): each round starts whole processes
ON_REQUEST = ("process_read", "process_profile", "process_files", "process_start")

#: the kernels' warm-up stages (liqcost.app.warmup) a bench needs
_WARM = ("ticks", "bars-moments", "bars-edge-lot", "fills")
_EDGE_WINDOW, _EDGE_MIN_PERIODS = 21, 11
_PLAN_ORDERS = 5


class BenchError(LiqcostError):
    """A benchmark worker failed: an internal problem (exit 3), not a mistake of the user."""

    exit_code = 3


# ------------------------------------------------------------------------------------------- the result

@dataclass(frozen=True)
class BenchResult(Result):
    """Per-stage timings (one row per core setting and stage), peers, compile time, machine and load.

    Attributes
    ----------
    stages : tuple of dict
        ``cores`` (``one``/``all``), ``stage``, ``rows``, ``rows_are``, ``median_ms``, ``rows_per_s``,
        ``ns_per_row``, ``cpu_ms`` (process CPU time), ``peak_rss_mb`` (the process's peak resident memory
        while the stage ran, the worker's inputs included), ``peak_over_start_mb`` (that peak minus the resident
        memory when the stage started: what the stage itself added), ``ratio_to_floor``, ``first_ms`` (the
        untimed first call), ``runs_ms`` (every timed round), ``what``.
    peers : tuple of dict
        ``cores``, ``peer``, ``stage``, ``status`` (``timed``, ``refused``, ``unavailable``, ``skipped``),
        ``peer_ms``, ``liqcost_ms``, ``ratio`` (peer / liqcost, wall time), ``cpu_ratio`` (process CPU time),
        ``max_abs_diff``, ``reason``.
    compile : tuple of dict
        The warm-up stages: kernels compiled and loaded from the cache, seconds.
    machine : dict
        CPU count, python, platform, package versions, load averages, time, data sizes.
    compare : tuple of dict
        Change per stage against an earlier run (``--compare``), else empty.
    """

    title: ClassVar[str] = "bench"

    stages: tuple = ()
    peers: tuple = ()
    compile: tuple = ()
    machine: dict = field(default_factory=dict)
    compare: tuple = ()
    notes: tuple = ()

    def tables(self) -> dict:
        import polars as pl

        out = {"stages": pl.DataFrame(list(self.stages), infer_schema_length=None)}
        if self.peers:
            out["peers"] = pl.DataFrame(list(self.peers), infer_schema_length=None)
        if self.compare:
            out["compare"] = pl.DataFrame(list(self.compare), infer_schema_length=None)
        out["compile"] = pl.DataFrame(list(self.compile), infer_schema_length=None) if self.compile else pl.DataFrame(
            {"stage": [], "kernels_compiled": [], "kernels_loaded": [], "seconds": []})
        m = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in self.machine.items()}
        out["machine"] = pl.DataFrame({"key": list(m), "value": [str(v) for v in m.values()]})
        return out

    def summary(self):
        return self.tables()["stages"]

    def display_tables(self) -> dict:
        t = self.tables()
        keep = ["cores", "stage", "rows", "median_ms", "rows_per_s", "ns_per_row", "cpu_ms", "peak_rss_mb", "tasks",
                "overhead_per_task_ms", "worker_peak_rss_mb",
                "peak_over_start_mb", "ratio_to_floor", "first_ms"]
        out = {"stages": t["stages"].select([c for c in keep if c in t["stages"].columns])}
        if "peers" in t:
            out["peers"] = t["peers"].select([c for c in ("cores", "peer", "stage", "status", "peer_ms", "liqcost_ms",
                                                          "ratio", "cpu_ratio", "max_abs_diff", "reason")
                                              if c in t["peers"].columns])
        if "compare" in t:
            out["compare"] = t["compare"]
        out["compile"] = t["compile"].select([c for c in ("stage", "kernels_compiled", "kernels_loaded", "seconds")
                                              if c in t["compile"].columns])
        return out

    def heading(self) -> str:
        m = self.machine
        load = m.get("loadavg_before", [None])[0]
        return (f"bench {m.get('data', '')}: {m.get('cpus')} cores, load {load}, medians of {m.get('repeat')} "
                f"interleaved rounds")

    def to_dict(self) -> dict:
        """Everything, as saved by ``--json`` (and read back by :func:`load_results`)."""
        return {"liqcost_bench": 1, "machine": self.machine, "stages": list(self.stages), "peers": list(self.peers),
                "compile": list(self.compile), "notes": list(self.notes)}


def save_results(result: BenchResult, path) -> Path:
    """Write ``result.to_dict()`` as JSON to ``path`` atomically (what ``--json FILE`` does)."""
    from liqcost.io.atomic import write_text_atomic

    p = Path(path)
    if p.parent and not p.parent.is_dir():
        raise UsageError(f"--json {p}: the folder {p.parent} does not exist; create it or choose another path.")
    write_text_atomic(p, json.dumps(result.to_dict(), indent=1, default=str) + "\n")
    return p


def load_results(path) -> dict:
    """An earlier ``--json`` file; a clear error when it is not one."""
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise UsageError(f"--compare {p}: no such file; give a file written by `liqcost bench --json FILE`.") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"--compare {p}: not a JSON file ({exc}); give a file written by `liqcost bench --json FILE`.") from None
    if not isinstance(data, dict) or "stages" not in data or "liqcost_bench" not in data:
        raise UsageError(f"--compare {p}: not a `liqcost bench --json` file (no stages); write one with "
                         "`liqcost bench --json FILE`.")
    return data


def compare_rows(stages: list[dict], before: dict) -> list[dict]:
    """Change of each stage's median time (and ratio to the floor) against ``before`` (same core setting)."""
    old = {(r["cores"], r["stage"]): r for r in before.get("stages", [])}
    out = []
    for r in stages:
        o = old.get((r["cores"], r["stage"]))
        if o is None:
            continue
        s0, s1 = o.get("median_ms"), r.get("median_ms")
        out.append({"cores": r["cores"], "stage": r["stage"], "before_ms": s0, "after_ms": s1,
                    "change_pct": round(100 * (s1 / s0 - 1), 1) if s0 and s1 is not None else None,
                    "ratio_to_floor_before": o.get("ratio_to_floor"), "ratio_to_floor_after": r.get("ratio_to_floor"),
                    "rows_before": o.get("rows"), "rows_after": r.get("rows")})
    return out


# ------------------------------------------------------------------------------------------- the parent

def bench(size: str | None = "small", *, data=None, repeat: int = 3, cores: str = "both", peers: bool = False,
          stages=None, config=None, compare=None, seed: int = 7, peers_dir=None, warm: bool = True,
          progress=None, scheduler: str | None = None) -> BenchResult:
    """Time liqcost's stages (and peers) on generated tick files of ``size`` or on the dataset ``data``.

    Parameters
    ----------
    size : str
        ``tiny``, ``small``, ``medium`` or ``large`` (see :data:`SIZES`); ignored with ``data``.
    data : str or Path, optional
        A dataset written by ``liqcost ingest`` instead of generated data (no ``ingest`` stage then).
    repeat : int
        Timed rounds per stage (interleaved; the median counts), after one untimed first call.
    cores : str
        ``one``, ``all`` or ``both`` (each in its own worker process).
    peers : bool
        Also time the peers of ``benchmarks/peers`` (pandas, polars, bidask), each checked equal first.
    stages : list of str, optional
        Only these stages (see :data:`STAGES`); the floor ``read`` is always timed. By default every stage
        but the whole-process ones (:data:`ON_REQUEST`).
    config : liqcost.config.Config, str or Path, optional
    compare : str or Path, optional
        An earlier ``--json`` file: the result's ``compare`` table shows the change per stage.
    seed : int
        Seed of the generated data.
    peers_dir : str or Path, optional
        Folder of the peers package (default: ``LIQCOST_PEERS_DIR`` or the checkout's ``benchmarks/peers``).
    warm : bool
        Compile (or load) the kernels first and report it (``liqcost warmup``'s stages).
    progress : callable, optional
        ``progress(total, label)`` context manager yielding ``advance()`` (one step per core setting).
    scheduler : str, optional
        Also time the whole-profile stage (``profile_e2e``) on this Dask scheduler (``tcp://HOST:PORT``, or
        ``local:N`` started once for the rounds), from this process as the client: rows ``cores = cluster``
        with the tasks, the per-partition overhead (worker time not spent inside tasks: ``(wall x workers -
        task seconds) / tasks``), the median task time, the workers' peak memory and the cluster's start-up.
        The local core settings run as without it.
    """
    import contextlib
    import shutil
    import tempfile

    if repeat < 1:
        raise UsageError(f"--repeat {repeat}: give at least 1.")
    if cores not in ("one", "all", "both"):
        raise UsageError(f"--cores {cores!r}: one of one, all, both.")
    if data is None and size not in SIZES:
        raise UsageError(f"--size {size!r}: one of {', '.join(SIZES)}.")
    chosen = list(dict.fromkeys(stages or [s for s in STAGES if s not in ON_REQUEST]))
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        raise UsageError(f"--stage {unknown[0]!r}: one of {', '.join(STAGES)}.")
    if "read" not in chosen:
        chosen.insert(0, "read")
    chosen = [s for s in STAGES if s in chosen]  # the pipeline's order
    before = load_results(compare) if compare is not None else None
    from liqcost.app import load

    cfg = load(config)
    notes: list[str] = []
    peer_info = find_peers(peers_dir) if peers else None
    if peers and peer_info["error"]:
        notes.append(f"peers unavailable: {peer_info['error']}")
    machine = machine_info()
    machine["loadavg_before"] = [round(x, 2) for x in os.getloadavg()]
    machine["repeat"] = repeat
    progress = progress or (lambda total, label: contextlib.nullcontext(lambda n=1: None))

    compile_rows: list[dict] = []
    if warm:
        from liqcost.app.warmup import run_stages

        compile_rows = run_stages(list(_WARM), 0)
        for r in compile_rows:
            r.pop("compiles", None)
            r.pop("used_by", None)

    work = Path(tempfile.mkdtemp(prefix="liqcost-bench-"))
    try:
        spec = {"repeat": repeat, "stages": chosen, "config": cfg.model_dump(mode="json"),
                "peers_dir": peer_info["dir"] if peer_info and not peer_info["error"] else None, "work": str(work)}
        if data is not None:
            from liqcost.io.dataset import Dataset

            ds = Dataset(data)
            if "trades" not in ds.kinds():
                raise UsageError(f"--data {data}: the dataset has no trades; `liqcost bench` times the tick pipeline.")
            spec.update(dataset=str(Path(data).resolve()), raw=None, bars=None)
            machine["data"] = f"dataset {data}"

        else:
            spec.update(_generate(size, seed, work, cfg))
            machine["data"] = f"--size {size}"
        modes = ["one", "all"] if cores == "both" else [cores]
        stage_rows: list[dict] = []
        peer_rows: list[dict] = []
        with progress(len(modes) * (repeat + 1), "rounds") as advance:
            for mode in modes:
                out = _run_worker(spec, mode, work, advance)
                stage_rows += out["stages"]
                peer_rows += out["peers"]
                notes += [n for n in out["notes"] if n not in notes]
                machine.setdefault("counts", out["counts"])
                machine.setdefault("loadavg_rounds", {})[mode] = out["loadavg_rounds"]
        if scheduler:
            with progress(repeat + 1, "cluster rounds") as advance:
                stage_rows.append(_cluster_row(spec["dataset"], scheduler, repeat, cfg, machine.get("counts", {}), advance))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if peers and peer_info["error"]:
        peer_rows = [{"cores": "-", "peer": "all", "stage": "-", "status": "unavailable", "reason": peer_info["error"]}]
    machine["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    machine["finished_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    notes.append(f"load average (1, 5, 15 min) before {machine['loadavg_before']}, after {machine['loadavg_after']} "
                 f"on {machine['cpus']} cores: absolute times are noisy under load, ratios hold better.")
    cmp = compare_rows(stage_rows, before) if before is not None else []
    if before is not None:
        old = before.get("machine", {})
        notes.append(f"compared with {compare} ({old.get('data')}, load before {old.get('loadavg_before')}).")
    return BenchResult(tuple(stage_rows), tuple(peer_rows), tuple(compile_rows), machine, tuple(cmp), tuple(notes))


def _cluster_row(dataset: str, scheduler: str, repeat: int, cfg, counts: dict, advance) -> dict:
    """The whole-profile stage on a Dask cluster, timed from this process (the client); see :func:`bench`."""
    import resource
    import statistics

    from liqcost.app import load
    from liqcost.app.profile import profile
    from liqcost.engine import on_address, recording, shared_scheduler

    rows = int(counts.get("trades", 0)) + int(counts.get("quotes", 0))
    t0 = time.perf_counter()
    with shared_scheduler(scheduler, cfg.engine.worker_threads) as address:
        run_cfg = load(cfg, on_address(scheduler, address, cfg.engine.workers) or {"engine.scheduler": address})
        t1 = time.perf_counter()
        profile(dataset, config=run_cfg)  # untimed: each worker loads the kernels on its first task
        first = time.perf_counter() - t1
        start = t1 - t0
        advance()
        rounds = []
        for _ in range(repeat):
            with recording() as runs:
                t, c = time.perf_counter(), time.process_time()
                profile(dataset, config=run_cfg)
                secs, cpu = time.perf_counter() - t, time.process_time() - c
            tasks = [x for st in runs for x in (st.get("tasks") or []) if x]
            n_workers = max([len(st.get("workers") or {}) for st in runs] + [1])
            in_tasks = sum(x["seconds"] for x in tasks)
            run_s = sum(st["wall_seconds"] - st["connect_seconds"] for st in runs)
            peaks = [b for st in runs for b in (st.get("workers") or {}).values()]
            rounds.append({"secs": secs, "cpu": cpu, "tasks": len(tasks), "workers": n_workers,
                           "overhead": (run_s * n_workers - in_tasks) / len(tasks) if tasks else None,
                           "task_median": statistics.median([x["seconds"] for x in tasks]) if tasks else None,
                           "connect": sum(st["connect_seconds"] for st in runs),
                           "worker_peak": max(peaks) if peaks else None})
            advance()
    med = statistics.median
    secs = med([r["secs"] for r in rounds])
    over = [r["overhead"] for r in rounds if r["overhead"] is not None]
    peaks = [r["worker_peak"] for r in rounds if r["worker_peak"]]
    kind = "local" if str(scheduler).startswith("local:") else "running"
    return {
        "cores": "cluster", "stage": "profile_e2e", "rows": rows, "rows_are": STAGES["profile_e2e"][1],
        "median_ms": round(secs * 1e3, 3), "rows_per_s": round(rows / secs) if secs > 0 and rows else None,
        "ns_per_row": round(secs / rows * 1e9, 1) if rows else None, "cpu_ms": round(med([r["cpu"] for r in rounds]) * 1e3, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "tasks": rounds[-1]["tasks"], "workers": rounds[-1]["workers"],
        "overhead_per_task_ms": round(med(over) * 1e3, 2) if over else None,
        "task_median_ms": round(med([r["task_median"] for r in rounds if r["task_median"] is not None] or [0.0]) * 1e3, 2),
        "connect_ms": round(med([r["connect"] for r in rounds]) * 1e3, 2),
        "worker_peak_rss_mb": round(max(peaks) / 2**20, 1) if peaks else None,
        "cluster_start_ms": round(start * 1e3, 1) if kind == "local" else None,
        "first_ms": round(first * 1e3, 2), "runs_ms": [round(r["secs"] * 1e3, 3) for r in rounds],
        "what": f"{STAGES['profile_e2e'][0]}, on the Dask scheduler {scheduler} ({'started for the rounds' if kind == 'local' else 'running'}); "
                "peak_rss_mb is the client's",
    }


def machine_info() -> dict:
    """CPU count, python, platform and the versions of what is timed."""
    import importlib.metadata as md

    from liqcost import __version__
    from liqcost.engine import default_workers

    versions = {"liqcost": __version__}
    for name in ("numba", "polars", "numpy", "pandas", "bidask"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": default_workers(), "cpu_model": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions,
            "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def find_peers(peers_dir=None) -> dict:
    """Where the peers package is: ``{"dir": path or None, "error": why not or None}`` (not imported here)."""
    import liqcost

    where = peers_dir or os.environ.get("LIQCOST_PEERS_DIR")  # given: that folder or nothing
    found = [Path(where)] if where else [Path(liqcost.__file__).resolve().parents[2] / "benchmarks" / "peers",
                                         Path.cwd() / "benchmarks" / "peers"]  # the checkout, else the current folder
    for c in found:
        if (c / "__init__.py").is_file():
            return {"dir": str(c.resolve()), "error": None}
    if where:
        return {"dir": None, "error": f"{where} is not a peers package (no __init__.py)."}
    return {"dir": None, "error": "the peers (pandas, polars, bidask) live in benchmarks/peers of a source checkout, "
                                  "not in the installed package; run from the checkout's folder, install it with "
                                  "pip install -e ., or set LIQCOST_PEERS_DIR to that folder."}


def _generate(size: str, seed: int, work: Path, cfg) -> dict:
    """Generated tick files of ``size``: canonical Parquet (trades, quotes, bars) and their dataset."""
    from liqcost.io.ingest import ingest_file
    from liqcost.io.synth import generate

    n_sym, n_days, tpd = SIZES[size]
    s = generate(n_sym, n_days, seed, trades_per_day=float(tpd), metaorders_per_symbol=0, dirt=False,
                 tz=cfg.session.timezone)
    raw = {"trades": str(work / "trades.parquet"), "quotes": str(work / "quotes.parquet")}
    s.trades.write_parquet(raw["trades"], compression="zstd")
    s.quotes.write_parquet(raw["quotes"], compression="zstd")
    bars = str(work / "bars.parquet")
    s.bars.select("symbol", "date", "open", "high", "low", "close", "volume", "shares_outstanding").write_parquet(bars)
    ds = work / "dataset"
    for kind in ("trades", "quotes"):
        ingest_file(raw[kind], kind, ds, cfg, source_id=f"{kind}.parquet", vacuum=False)
    return {"dataset": str(ds), "raw": raw, "bars": bars}


def _run_worker(spec: dict, mode: str, work: Path, advance=None) -> dict:
    """Run one core setting's worker process; ``advance()`` after each of its rounds."""
    import subprocess

    spec = dict(spec, cores=mode)
    spec_path = work / f"spec-{mode}.json"
    out_path = work / f"out-{mode}.json"
    spec_path.write_text(json.dumps(spec))
    env = dict(os.environ)
    if mode == "one":
        env.update(NUMBA_NUM_THREADS="1", POLARS_MAX_THREADS="1", OMP_NUM_THREADS="1")
    else:
        for k in ("NUMBA_NUM_THREADS", "POLARS_MAX_THREADS", "OMP_NUM_THREADS"):
            env.pop(k, None)
    err_path = work / f"err-{mode}.txt"
    with open(err_path, "w") as err:
        p = subprocess.Popen([sys.executable, "-m", "liqcost.app.bench", str(spec_path), str(out_path)], env=env,
                             stdout=subprocess.PIPE, stderr=err, text=True)
        for line in p.stdout:  # one line per finished round
            if line.startswith("round") and advance is not None:
                advance()
        p.wait()
    if p.returncode != 0 or not out_path.is_file():
        last = (err_path.read_text().strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"bench worker ({mode} core{'s' if mode == 'all' else ''}) failed: {last}; run with -vv "
                         "and report it.")
    return json.loads(out_path.read_text())


# ------------------------------------------------------------------------------------------- the worker

def _peak_reset() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_mb(field: str) -> float | None:
    """``VmHWM`` (peak resident memory since the last reset) or ``VmRSS`` of this process, in MB (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Worker:
    """The stages of one core setting, on prepared inputs; each stage method returns its row count."""

    def __init__(self, spec: dict):
        import polars as pl

        from liqcost.config import Config
        from liqcost.engine import default_workers
        from liqcost.io.dataset import Dataset

        self.spec = spec
        self.workers = 1 if spec["cores"] == "one" else default_workers()
        c = spec["config"]
        c.setdefault("engine", {})["workers"] = self.workers
        # the peers have no quote age limit: run the tick stages without it (the work is the same)
        c.setdefault("measures", {})["max_quote_age_s"] = None
        self.cfg = Config.model_validate(c)
        self.ds_path = spec["dataset"]
        self.ds = Dataset(self.ds_path)
        self.notes: list[str] = []
        if spec.get("raw"):
            self.trades = pl.read_parquet(spec["raw"]["trades"])
            self.quotes = pl.read_parquet(spec["raw"]["quotes"])
        else:
            self.trades = self.ds.collect("trades")
            self.quotes = self.ds.collect("quotes") if "quotes" in self.ds.kinds() else None
        self.bars = None
        if spec.get("bars"):
            self.bars = pl.read_parquet(spec["bars"])
        elif "bars" in self.ds.kinds():
            self.bars = self.ds.collect("bars")
        self.state: dict = {}
        self._floor_files()

    # -- the floor
    def _floor_files(self):
        cols_t = ["ts", "price", "size"] + [c for c in ("aggressor", "auction") if c in self.ds.columns("trades")]
        self.floor = [(sorted({str(f) for p in self.ds.partitions("trades") for f in p.files}), cols_t)]
        if "quotes" in self.ds.kinds():
            self.floor.append((sorted({str(f) for p in self.ds.partitions("quotes") for f in p.files}),
                               ["ts", "bid", "ask", "bid_size", "ask_size"]))

    def n_ticks(self) -> int:
        return self.trades.height + (self.quotes.height if self.quotes is not None else 0)

    def read(self) -> int:
        import polars as pl

        n = 0
        for files, cols in self.floor:
            frame = pl.read_parquet(files, columns=cols).rechunk()
            for c in cols:
                frame.get_column(c).to_numpy()
            n += frame.height
        return n

    # -- liqcost's stages
    def ingest(self) -> int:
        import shutil
        import tempfile

        from liqcost.io.ingest import ingest_file

        raw = self.spec.get("raw")
        if not raw:
            return -1
        d = Path(tempfile.mkdtemp(prefix="ingest-", dir=self.spec["work"]))
        try:
            for kind in ("trades", "quotes"):
                ingest_file(raw[kind], kind, d / "ds", self.cfg, source_id=f"{kind}.parquet", vacuum=False)
            return self.n_ticks()
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def tick_pass(self) -> int:
        from liqcost.engine import run_tasks
        from liqcost.measures.daily import _chunks
        from liqcost.measures.ticks import TickParams, measure_batch, plan_frames

        params = TickParams.from_config(self.cfg)
        plan = plan_frames(self.trades, self.quotes, params.timezone)
        ranges = _chunks((plan.t_len + plan.q_len).tolist(), float(self.cfg.engine.batch_rows), 4 * self.workers)
        results = run_tasks(lambda r: measure_batch(plan.batch(*r), params), ranges, workers=self.workers)
        import polars as pl

        self.state["raw_daily"] = pl.concat([r.daily for r in results], how="vertical")
        return self.trades.height

    def daily(self) -> int:
        from liqcost.measures.daily import finalize_daily

        if "raw_daily" not in self.state:
            self.tick_pass()
        self.state["daily"] = finalize_daily(self.state["raw_daily"], self.cfg)
        return self.state["daily"].height

    def profile(self) -> int:
        from liqcost.measures.profile import liquidity_profile

        if "daily" not in self.state:
            self.daily()
        liquidity_profile(self.state["daily"], self.cfg)
        return self.state["daily"].height

    def ticks_daily(self) -> int:
        from liqcost.measures.daily import daily_metrics

        res = daily_metrics(self.cfg, trades=self.trades, quotes=self.quotes, workers=self.workers)
        self.state["ticks_daily"] = res.daily
        return self.trades.height

    def profile_e2e(self) -> int:
        from liqcost.app.profile import profile

        self.state["profile_table"] = profile(self.ds_path, config=self.cfg).profile
        return self.n_ticks()

    def profile_files(self) -> int:
        from liqcost.app.profile import profile

        raw = self.spec.get("raw")
        if not raw:
            return -1
        profile(trades=raw["trades"], quotes=raw["quotes"], config=self.cfg)
        return self.n_ticks()

    def _process(self, args: list[str]) -> None:
        """Run ``python ARGS`` to the end; its CPU time and peak memory go to ``self.child``."""
        _, cpu, peak = whole_process(args)
        self.child = (cpu, peak)

    def process_read(self) -> int:
        spec = Path(self.spec["work"]) / f"floor-{self.spec['cores']}.json"
        if not spec.is_file():
            spec.write_text(json.dumps(self.floor))
        start, end = GC_AS_A_COMMAND
        code = (start + "import json, sys\nimport polars as pl\n"
                "for files, cols in json.load(open(sys.argv[1])):\n"
                "    f = pl.read_parquet(files, columns=cols).rechunk()\n"
                "    [f.get_column(c).to_numpy() for c in cols]\n" + end)
        self._process(["-c", code, str(spec)])
        return self.n_ticks()

    def _config_file(self) -> Path:
        cfg = Path(self.spec["work"]) / f"config-{self.spec['cores']}.yaml"
        if not cfg.is_file():
            import yaml

            cfg.write_text(yaml.safe_dump(self.cfg.model_dump(mode="json")))
        return cfg

    def process_profile(self) -> int:
        out = Path(self.spec["work"]) / f"profile-{self.spec['cores']}.csv"
        self._process(["-m", "liqcost", "--config", str(self._config_file()), "-q", "--format", "csv", "-o", str(out),
                       "profile", "--data", self.ds_path, "--table", "profile"])
        return self.n_ticks()

    def process_files(self) -> int:
        raw = self.spec.get("raw")
        if not raw:
            return -1
        out = Path(self.spec["work"]) / f"profile-files-{self.spec['cores']}.csv"
        self._process(["-m", "liqcost", "--config", str(self._config_file()), "-q", "--format", "csv", "-o", str(out),
                       "profile", "--trades", raw["trades"], "--quotes", raw["quotes"], "--table", "profile"])
        return self.n_ticks()

    def process_start(self) -> int:
        self._process(["-c", PROCESS_START_CODE])
        return self.n_ticks()

    def bars_stage(self) -> int:
        from liqcost.measures.bars import bar_panel_estimates

        if self.bars is None:
            return -1
        bar_panel_estimates(self.bars, self.cfg, mode="rolling")
        return self.bars.height

    def edge(self) -> int:
        import numpy as np

        from liqcost.kernels.bar_edge import edge_rolling_panel
        from liqcost.measures.bars import _over_symbols, _ro

        if self.bars is None:
            return -1
        if "edge_in" not in self.state:
            b = self.bars.sort("symbol", "date")
            counts = b.group_by("symbol", maintain_order=True).len().get_column("len").to_numpy()
            off = np.zeros(counts.size + 1, dtype=np.int64)
            np.cumsum(counts, out=off[1:])
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = [_ro(np.log(b.get_column(c).to_numpy().astype(np.float64))) for c in ("open", "high", "low", "close")]
            self.state["edge_in"] = (b.select("symbol", "date"), off, logs)
        keys, off, (lo, lh, ll, lc) = self.state["edge_in"]
        out = np.full(off[-1], np.nan)
        st = np.zeros(off[-1], dtype=np.int8)

        def run(s0, s1):
            edge_rolling_panel(lo, lh, ll, lc, off[s0:s1 + 1], _EDGE_WINDOW, _EDGE_MIN_PERIODS, False, out, st)

        _over_symbols(run, off, self.workers)
        self.state["edge"] = keys.with_columns(edge_frac=out)
        return int(off[-1])

    def _orders(self, limit=None) -> list[dict]:
        import polars as pl

        if "profile_table" not in self.state:
            self.profile_e2e()
        prof = self.state["profile_table"].filter(pl.col("adv_shares").is_finite() & (pl.col("adv_shares") > 0))
        rows = prof.select("symbol", "adv_shares").rows()[:limit]
        return [{"order_id": f"B{k:04d}", "symbol": s, "side": "buy", "qty": max(100.0, round(0.05 * adv / 100) * 100)}
                for k, (s, adv) in enumerate(rows)]

    def pretrade(self) -> int:
        from liqcost.app.pretrade import pretrade

        orders = self._orders()
        if not orders:
            return -1
        pretrade(orders, profile=self.state["profile_table"], config=self.cfg)
        return len(orders)

    def plan(self) -> int:
        from liqcost.app.plan import plan

        orders = self._orders(_PLAN_ORDERS)
        if not orders:
            return -1
        plan(orders, data=self.ds_path, profile=self.state["profile_table"], config=self.cfg)
        return len(orders)

    def call(self, stage: str) -> int:
        return (self.bars_stage if stage == "bars" else getattr(self, stage))()


#: how a liqcost command sets the collector as it starts and leaves it as it ends (liqcost.cli.main: the first
#: threshold 10,000, gc.freeze), put around the code of the whole-process comparators (process_read,
#: process_start, benchmarks/bench_startup.py), so that they differ from a liqcost command by their work only
GC_AS_A_COMMAND = ("import gc\ngc.set_threshold(10_000, 10, 10)\n", "gc.freeze()\n")
#: process_start: the libraries a liqcost command loads, then one small kernel run from numba's cache
PROCESS_START_CODE = (GC_AS_A_COMMAND[0] + "import click, numpy as np, polars, pydantic, yaml\n"
                      "from liqcost.kernels.regression import ols_sums\nols_sums(np.zeros(2), np.zeros(2))\n"
                      + GC_AS_A_COMMAND[1])


def whole_process(args: list[str], env: dict | None = None, cwd=None) -> tuple[float, float, float]:
    """Run ``python ARGS`` to the end, its output discarded: wall seconds, and the child's own CPU seconds
    (user + system) and peak resident MB (``os.wait4``). A failure raises RuntimeError with the last line of
    its standard error (kept in a file: a pipe left unread could fill and stall the child)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=err, text=True, env=env,
                             cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            last = (err.read().strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"{' '.join(args[:3])} failed: {last}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def _timed(fn, worker=None):
    """``(rows, wall s, CPU s, peak MB, peak above the start MB)`` of one call; for a stage that ran a whole
    process (``worker.child`` set), that process's CPU time and peak memory."""
    _peak_reset()
    start = _status_mb("VmRSS") or 0.0
    c0, t0 = time.process_time(), time.perf_counter()
    rows = fn()
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _peak_mb()
    child = getattr(worker, "child", None)
    if child is not None:
        worker.child = None
        return rows, secs, child[0], child[1], child[1]
    return rows, secs, cpu, peak, max(0.0, peak - start)


def _load_peers(peers_dir: str):
    import importlib.util

    name = "liqcost_bench_peers"
    spec = importlib.util.spec_from_file_location(name, str(Path(peers_dir) / "__init__.py"),
                                                  submodule_search_locations=[peers_dir])
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return list(mod.PEERS)


def check_equal(peer_frame, ours, keys, atol: float, rtol: float) -> dict:
    """Compare a peer's output with liqcost's on ``keys`` and the value columns they share.

    Returns ``{"equal", "max_abs_diff", "worst", "mismatched", "missing", "columns"}``: ``mismatched`` counts
    values off by more than ``atol + rtol * |liqcost|`` or finite on one side only; ``missing`` the peer's
    keys liqcost has no row for.
    """
    import numpy as np
    import polars as pl

    common = [c for c in peer_frame.columns if c in ours.columns and c not in keys]
    j = peer_frame.select(*keys, *common).join(ours.select(*keys, *common), on=list(keys), how="left",
                                               suffix="_lc", coalesce=True)
    missing = peer_frame.height - peer_frame.join(ours.select(*keys), on=list(keys), how="semi").height
    worst, max_diff, bad = None, 0.0, 0
    for c in common:
        a = j.get_column(c).cast(pl.Float64).fill_null(float("nan")).to_numpy()
        b = j.get_column(f"{c}_lc").cast(pl.Float64).fill_null(float("nan")).to_numpy()
        fa, fb = np.isfinite(a), np.isfinite(b)
        both = fa & fb
        diff = np.abs(a[both] - b[both])
        bad += int((fa != fb).sum()) + int((diff > atol + rtol * np.abs(b[both])).sum())
        if diff.size and float(diff.max()) >= max_diff:
            max_diff, worst = float(diff.max()), c
    return {"equal": bad == 0 and missing == 0 and bool(common), "max_abs_diff": max_diff, "worst": worst,
            "mismatched": bad, "missing": missing, "columns": len(common)}


def _peer_inputs(w: _Worker, stage: str) -> dict:
    if stage == "ticks_daily":
        from liqcost.measures.ticks import TickParams, session_bounds_ns

        params = TickParams.from_config(w.cfg)
        return {"trades": w.trades, "quotes": w.quotes, "timezone": params.timezone,
                "bounds": lambda dates: session_bounds_ns(dates, params), "horizons_s": list(params.horizons_s),
                "horizons_trades": list(params.horizons_trades)}
    return {"bars": w.bars, "window": _EDGE_WINDOW, "min_periods": _EDGE_MIN_PERIODS}


def run_worker(spec: dict) -> dict:
    """Run the stages (and peers) of one core setting: one untimed first call, then ``repeat`` interleaved
    timed rounds; medians per stage."""
    import statistics
    import warnings

    warnings.simplefilter("ignore")
    w = _Worker(spec)
    stages = [s for s in spec["stages"]]
    peers = []
    peer_rows: dict[str, dict] = {}
    if spec.get("peers_dir"):
        for p in _load_peers(spec["peers_dir"]):
            why = p.unavailable()
            row = {"cores": spec["cores"], "peer": p.name, "stage": p.stage, "description": p.description}
            if why:
                peer_rows[p.name] = dict(row, status="unavailable", reason=why)
            elif p.stage not in stages:
                peer_rows[p.name] = dict(row, status="skipped", reason=f"stage {p.stage} not run (--stage)")
            elif p.stage == "edge" and w.bars is None:
                peer_rows[p.name] = dict(row, status="skipped", reason="no bars in these data")
            elif p.stage == "ticks_daily" and w.quotes is None:
                peer_rows[p.name] = dict(row, status="skipped", reason="no quotes in these data")
            else:
                peers.append(p)
                peer_rows[p.name] = row
    skipped: set[str] = set()
    first: dict[str, float] = {}
    runs: dict[str, list] = {s: [] for s in stages}
    prepared: dict[str, object] = {}
    peer_runs: dict[str, list] = {p.name: [] for p in peers}
    load_rounds = []
    for rnd in range(spec["repeat"] + 1):
        load_rounds.append(round(os.getloadavg()[0], 2))
        for s in stages:
            if s in skipped:
                continue
            rows, secs, cpu, peak, extra = _timed(lambda: w.call(s), w)
            if rows < 0:
                skipped.add(s)
                continue
            if rnd == 0:
                first[s] = secs
            else:
                runs[s].append((rows, secs, cpu, peak, extra))
            for p in peers:
                if p.stage != s or peer_rows[p.name].get("status") == "refused":
                    continue
                if rnd == 0:
                    try:
                        prepared[p.name] = p.prepare(_peer_inputs(w, s))
                        out = p.run(prepared[p.name])
                        ours = w.state["ticks_daily"] if s == "ticks_daily" else w.state["edge"]
                        chk = check_equal(p.result(out), ours, p.keys, p.atol, p.rtol)
                    except Exception as exc:  # a peer's own failure: reported, the bench goes on
                        peer_rows[p.name].update(status="refused", reason=f"failed: {type(exc).__name__}: {exc}")
                        continue
                    peer_rows[p.name].update(max_abs_diff=chk["max_abs_diff"], worst_column=chk["worst"],
                                             columns_checked=chk["columns"])
                    if not chk["equal"]:
                        peer_rows[p.name].update(
                            status="refused",
                            reason=(f"disagrees with liqcost: {chk['mismatched']} value(s) off, {chk['missing']} "
                                    f"row(s) missing, largest difference {chk['max_abs_diff']:.3g} in "
                                    f"{chk['worst']}; not timed"))
                    else:
                        peer_rows[p.name].update(status="timed", reason="")
                else:
                    _, secs_p, cpu_p, peak_p, extra_p = _timed(lambda: (p.run(prepared[p.name]), 0)[1])
                    peer_runs[p.name].append((secs_p, cpu_p, peak_p, extra_p))
        load_rounds[-1] = [load_rounds[-1], round(os.getloadavg()[0], 2)]
        print(f"round {rnd} done", flush=True)  # the parent's progress
    med = statistics.median
    out_rows = []
    floor = med([r[1] for r in runs["read"]]) if runs.get("read") else None
    for s in stages:
        if s in skipped or not runs[s]:
            why = {"ingest": "no raw files (--data)", "profile_files": "no raw files (--data)",
                   "process_files": "no raw files (--data)", "bars": "no bars", "edge": "no bars",
                   "pretrade": "no symbol with an ADV", "plan": "no symbol with an ADV"}.get(s, "not run")
            w.notes.append(f"stage {s} not run: {why}.")
            continue
        rows = runs[s][-1][0]
        secs = med([r[1] for r in runs[s]])
        out_rows.append({
            "cores": spec["cores"], "stage": s, "rows": rows, "rows_are": STAGES[s][1], "median_ms": round(secs * 1e3, 3),
            "rows_per_s": round(rows / secs) if secs > 0 else None,
            "ns_per_row": round(secs / rows * 1e9, 1) if rows else None,
            "cpu_ms": round(med([r[2] for r in runs[s]]) * 1e3, 3),
            "peak_rss_mb": round(max(r[3] for r in runs[s]), 1),
            "peak_over_start_mb": round(max(r[4] for r in runs[s]), 1),
            "ratio_to_floor": round(secs / floor, 3) if floor else None,
            "first_ms": round(first.get(s, float("nan")) * 1e3, 2),
            "runs_ms": [round(r[1] * 1e3, 3) for r in runs[s]], "what": STAGES[s][0],
        })
    by_stage = {r["stage"]: r for r in out_rows}
    for p in peers:
        row = peer_rows[p.name]
        if row.get("status") != "timed":
            continue
        ref = by_stage[p.stage]
        secs = med([r[0] for r in peer_runs[p.name]])
        cpu = med([r[1] for r in peer_runs[p.name]])
        row.update(peer_ms=round(secs * 1e3, 3), liqcost_ms=ref["median_ms"], ratio=round(secs * 1e3 / ref["median_ms"], 3),
                   peer_cpu_ms=round(cpu * 1e3, 3), liqcost_cpu_ms=ref["cpu_ms"],
                   cpu_ratio=round(cpu * 1e3 / ref["cpu_ms"], 3) if ref["cpu_ms"] else None,
                   peer_peak_rss_mb=round(max(r[2] for r in peer_runs[p.name]), 1),
                   peer_peak_over_start_mb=round(max(r[3] for r in peer_runs[p.name]), 1),
                   liqcost_peak_over_start_mb=ref["peak_over_start_mb"],
                   runs_ms=[round(r[0] * 1e3, 3) for r in peer_runs[p.name]])
    counts = {"trades": w.trades.height, "quotes": w.quotes.height if w.quotes is not None else 0,
              "bars": w.bars.height if w.bars is not None else 0,
              "symbols": w.trades.get_column("symbol").n_unique()}
    return {"stages": out_rows, "peers": list(peer_rows.values()), "notes": w.notes, "counts": counts,
            "loadavg_rounds": load_rounds}


if __name__ == "__main__":  # the worker of one core setting
    if len(sys.argv) != 3:
        sys.exit("usage: python -m liqcost.app.bench SPEC.json OUT.json")
    result = run_worker(json.loads(Path(sys.argv[1]).read_text()))
    Path(sys.argv[2]).write_text(json.dumps(result, default=str))
    import gc

    gc.freeze()  # a quick exit, as the command line's (liqcost.cli._before_exit)
