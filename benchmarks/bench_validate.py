"""Benchmark of reading + validating canonical tick files (issue 16 item 2): liqcost vs a plain polars read.

Usage::

    python benchmarks/bench_validate.py            # ~4.8M trades, ~12.3M quotes (8 symbols x 5 days)
    python benchmarks/bench_validate.py --small    # a tenth of that
    python benchmarks/bench_validate.py --skip csv old

What is measured, per kind (trades, quotes) and file format (canonical Parquet, the sample's CSV):

* ``floor``  a plain polars read of the same columns into the same types (``pl.read_parquet(columns=...)``;
             for CSV ``pl.read_csv`` with the time column read as ``Datetime('ns', 'UTC')``);
* ``new``    ``liqcost.io.ingest.read_source`` + ``liqcost.io.validate.validate`` of this checkout: what
             ``liqcost ingest`` and ``liqcost profile --trades F --quotes F`` pay before any measure;
* ``old``    the same two calls from the source tree before the rewrite (``--old-src``; by default the
             ``src/`` of commit ``--old-commit`` extracted with ``git archive``).

The data come from ``liqcost sample --no-dirt`` (written once under ``--data-dir``; the CSV files are the
sample's own, the Parquet files the same rows with typed columns, rows in per-symbol runs as the sample
writes them). ``--layouts interleaved`` adds a Parquet copy sorted by time across symbols (the rows of a
symbol are no longer one run: validation must sort).

Each method runs in its own process (its peak memory, ``ru_maxrss``, is its own), after a warm-up
validation of 1,000 rows that loads numba and the cached kernels (the one-off start-up of a process is
not the subject here). The machine is shared: methods run in ``--repeat`` interleaved rounds and the
JSON keeps every run's wall time, CPU time (user + system of the process, all threads), peak resident
memory (``VmHWM``) and 1-minute load average; the summary uses the median round. Ratios are to the floor
measured in the same round. The old implementation runs one round, and only on files of at most
``--old-max-rows`` rows (it needs ~0.7 KB a row). Old and new must keep the same number of rows with the
same reason counts (checked; the data hold no row that the rules added since would set aside).

Results go to ``benchmarks/results/bench_validate[_small].json``.
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
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COLUMNS = {
    "trades": ["symbol", "ts", "price", "size"],
    "quotes": ["symbol", "ts", "bid", "ask", "bid_size", "ask_size"],
}


# ------------------------------------------------------------------------------------------ the data


def generate(root: Path, small: bool) -> dict:
    """Sample CSV files from ``liqcost sample`` and canonical Parquet copies (once)."""
    meta_file = root / "_bench_validate.json"
    if meta_file.exists():
        return json.loads(meta_file.read_text())
    import polars as pl

    root.mkdir(parents=True, exist_ok=True)
    per_day = 12_500 if small else 125_000
    cmd = [sys.executable, "-m", "liqcost", "-q", "sample", "--symbols", "8", "--days", "5", "--trades-per-day", str(per_day),
           "--no-dirt", "--no-ingest", "--metaorders", "0", "-o", str(root)]
    subprocess.run(cmd, check=True, env=os.environ | {"PYTHONPATH": str(ROOT / "src")})
    meta = {"symbols": 8, "days": 5, "trades_per_day": per_day}
    for kind in COLUMNS:
        frame = pl.read_csv(root / "raw" / f"{kind}.csv", schema_overrides={"ts": pl.Datetime("ns", "UTC")})
        frame.write_parquet(root / f"{kind}.parquet", compression="zstd")
        frame.sort("ts", maintain_order=True).write_parquet(root / f"{kind}_interleaved.parquet", compression="zstd")
        meta[kind] = frame.height
    meta_file.write_text(json.dumps(meta))
    return meta


def old_source(commit: str, into: Path) -> Path:
    """The ``src/`` tree of ``commit`` (extracted once with ``git archive``)."""
    dest = into / f"liqcost_src_{commit}"
    if not (dest / "src" / "liqcost").exists():
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(suffix=".tar") as tmp:
            subprocess.run(["git", "-C", str(ROOT), "archive", "-o", tmp.name, commit, "src"], check=True)
            with tarfile.open(tmp.name) as tar:
                tar.extractall(dest, filter="data")
    return dest / "src"


# ------------------------------------------------------------------------------------------ one method


def _file(root: Path, kind: str, fmt: str, layout: str) -> Path:
    if fmt == "csv":
        return root / "raw" / f"{kind}.csv"
    return root / (f"{kind}.parquet" if layout == "runs" else f"{kind}_{layout}.parquet")


def run_method(name: str, kind: str, fmt: str, layout: str, root: Path) -> dict:
    """Run one measurement in this process and return its record."""
    import polars as pl

    path = _file(root, kind, fmt, layout)
    rec = {"method": name, "kind": kind, "format": fmt, "layout": layout, "loadavg_1min_before": os.getloadavg()[0]}
    if name == "floor":
        def work():
            if fmt == "parquet":
                return pl.read_parquet(path, columns=COLUMNS[kind]).height, {}
            return pl.read_csv(path, columns=COLUMNS[kind], schema_overrides={"ts": pl.Datetime("ns", "UTC")}).height, {}
    else:
        import liqcost
        from liqcost.config import Config
        from liqcost.io.ingest import _ingest_rules, read_source
        from liqcost.io.mapping import Mapping
        from liqcost.io.validate import validate

        rec["liqcost_from"] = str(Path(liqcost.__file__).parents[1])
        config = Config()
        mapping = Mapping()
        small = pl.read_parquet(_file(root, kind, "parquet", "runs"), n_rows=1000)
        validate(small, kind, "warm-up", config.ingest, config.session.timezone)  # numba start-up, not measured

        def work():
            frame, chosen = read_source(path, kind, config, mapping)
            res = validate(frame, kind, str(path), _ingest_rules(config, mapping, chosen), config.session.timezone)
            return res.rows_read, {"rows_kept": res.rows_kept, "rows_quarantined": res.rows_quarantined, "reasons": res.reasons}

    c0, w0 = os.times(), time.perf_counter()
    rows, extra = work()
    c1, w1 = os.times(), time.perf_counter()
    rec.update(extra)
    rec["rows"] = rows
    rec["seconds"] = w1 - w0
    rec["cpu_seconds"] = (c1.user - c0.user) + (c1.system - c0.system)
    rec["rows_per_s"] = rows / rec["seconds"]
    rec["peak_rss_mb"] = _peak_rss_mb()
    rec["loadavg_1min_after"] = os.getloadavg()[0]
    return rec


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (``VmHWM``; ``ru_maxrss`` keeps the parent's peak across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spawn(name: str, kind: str, fmt: str, layout: str, root: Path, src: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--method", name, "--kind", kind, "--format", fmt, "--layout", layout,
           "--data-dir", str(root), "--src", str(src)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="A tenth of the rows (for a quick run).")
    ap.add_argument("--data-dir", default=None, help="Where to write (and reuse) the generated files.")
    ap.add_argument("--repeat", type=int, default=3, help="Interleaved rounds of every method (the median counts).")
    ap.add_argument("--skip", nargs="*", default=[], help="Leave out: csv, old, parquet.")
    ap.add_argument("--layouts", nargs="*", default=["runs"], help="Parquet layouts: runs (as written), interleaved.")
    ap.add_argument("--old-commit", default="db7a0fd", help="Commit of the implementation before the rewrite.")
    ap.add_argument("--old-src", default=None, help="A source tree of the old implementation (instead of --old-commit).")
    ap.add_argument("--old-max-rows", type=int, default=6_000_000,
                    help="Run the old implementation only on files of at most this many rows (it needs ~0.7 KB a row: "
                         "8.7 GB for the 12.3M quotes, more than a shared machine should give one process).")
    ap.add_argument("--out", default=None, help="JSON file (default benchmarks/results/bench_validate[_small].json).")
    ap.add_argument("--method", default=None, help=argparse.SUPPRESS)  # internal: one measurement in this process
    ap.add_argument("--kind", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--format", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--layout", default="runs", help=argparse.SUPPRESS)
    ap.add_argument("--src", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    size = "small" if args.small else "full"
    root = Path(args.data_dir or f"/tmp/liqcost_bench_validate_{size}")
    if args.method:
        sys.path.insert(0, args.src)
        print(json.dumps(run_method(args.method, args.kind, args.format, args.layout, root)))
        return 0

    meta = generate(root, args.small)
    new_src = ROOT / "src"
    old_src = Path(args.old_src) if args.old_src else old_source(args.old_commit, Path(tempfile.gettempdir()))
    cases = []
    for kind in COLUMNS:
        if "parquet" not in args.skip:
            cases += [(kind, "parquet", layout) for layout in args.layouts]
        if "csv" not in args.skip:
            cases.append((kind, "csv", "runs"))
    methods = [("floor", new_src), ("new", new_src)] + ([] if "old" in args.skip else [("old", old_src)])
    runs: dict = {}
    for r in range(args.repeat):
        for kind, fmt, layout in cases:
            for name, src in methods:
                if name == "old" and (r > 0 or meta[kind] > args.old_max_rows):
                    continue  # the old implementation is 10-20x slower: one round, and not on the largest files
                rec = spawn(name, kind, fmt, layout, root, src)
                runs.setdefault(f"{kind}/{fmt}/{layout}/{name}", []).append(rec)
                print(f"round {r + 1}: {kind:6s} {fmt:7s} {layout:11s} {name:5s} {rec['seconds']:7.2f} s wall "
                      f"{rec['cpu_seconds']:7.2f} s cpu {rec['rows_per_s'] / 1e6:6.2f} M rows/s  rss {rec['peak_rss_mb']:6.0f} MB  "
                      f"load {rec['loadavg_1min_before']:.1f}", file=sys.stderr, flush=True)

    summary: dict = {}
    for kind, fmt, layout in cases:
        key = f"{kind}/{fmt}/{layout}"
        floor = runs[f"{key}/floor"]
        row: dict = {"rows": floor[0]["rows"]}
        for name, _ in methods:
            recs = runs.get(f"{key}/{name}")
            if not recs:
                continue
            wall = statistics.median(x["seconds"] for x in recs)
            cpu = statistics.median(x["cpu_seconds"] for x in recs)
            row[name] = {"seconds_median": wall, "seconds_best": min(x["seconds"] for x in recs), "cpu_seconds_median": cpu,
                         "rows_per_s_median": row["rows"] / wall, "peak_rss_mb_max": max(x["peak_rss_mb"] for x in recs),
                         "rounds": len(recs)}
            if name != "floor":
                # per round: this method over the floor of the same round (interleaved, comparable load)
                pairs = list(zip(recs, floor))
                row[name]["wall_over_floor_median"] = statistics.median(a["seconds"] / b["seconds"] for a, b in pairs)
                row[name]["cpu_over_floor_median"] = statistics.median(a["cpu_seconds"] / b["cpu_seconds"] for a, b in pairs)
                row[name]["counts"] = {k: recs[0][k] for k in ("rows_kept", "rows_quarantined", "reasons")}
        if "old" in row and "new" in row:
            row["old_over_new_wall"] = row["old"]["seconds_median"] / row["new"]["seconds_median"]
            row["old_over_new_cpu"] = row["old"]["cpu_seconds_median"] / row["new"]["cpu_seconds_median"]
            row["same_counts_as_old"] = row["old"]["counts"] == row["new"]["counts"]
        summary[key] = row

    result = {
        "size": size,
        "data": meta,
        "data_dir": str(root),
        "repeat": args.repeat,
        "old_implementation": str(old_src) if args.old_src else f"git {args.old_commit}:src",
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
        "summary": summary,
        "runs": runs,
    }
    out = Path(args.out) if args.out else HERE / "results" / f"bench_validate{'_small' if args.small else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str))
    for key, row in summary.items():
        parts = [f"{key:28s} {row['rows']:>11,} rows"]
        for name, _ in methods:
            if name in row:
                r = row[name]
                ratio = f" ({r['wall_over_floor_median']:.2f}x floor wall, {r['cpu_over_floor_median']:.2f}x cpu)" if name != "floor" else ""
                parts.append(f"{name} {r['rows_per_s_median'] / 1e6:.2f} M rows/s{ratio}")
        if "same_counts_as_old" in row:
            parts.append(f"old/new {row['old_over_new_wall']:.1f}x wall, same counts: {row['same_counts_as_old']}")
        print(" | ".join(parts))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
