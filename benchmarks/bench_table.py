"""The "Latest figures" block of docs/BENCHMARKS.md from a ``liqcost bench --json`` file.

Usage::

    python benchmarks/bench_table.py benchmarks/results/bench_cli_medium.json [--saved-as PATH]

Prints Markdown: the run's machine, data and load, the stage table (one core and all cores side by side when
both ran), the peers table and the compile line. The figures are the JSON's own, rounded for reading; nothing
is computed here but the layout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _num(x, digits: int = 1) -> str:
    if x is None:
        return ""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) >= 1000):
        return f"{int(round(x)):,}"
    return f"{x:,.{digits}f}"


def render(d: dict, saved_as: str) -> str:
    m = d["machine"]
    v = m.get("versions", {})
    counts = m.get("counts", {})
    out = [f"Run {m['started_utc']} to {m['finished_utc']} on {m['cpus']} cores ({m.get('cpu_model', '?')}, python "
           f"{m['python']}; " + ", ".join(f"{k} {x}" for k, x in v.items()) + "). "
           f"Data: {counts.get('trades', 0):,} trades, {counts.get('quotes', 0):,} quotes, {counts.get('bars', 0):,} "
           f"daily bars, {counts.get('symbols', 0)} symbols. Load average (1, 5, 15 min): {m['loadavg_before']} before, "
           f"{m['loadavg_after']} after; 1-minute load at the start and end of each round: "
           + ", ".join(f"{'one core' if k == 'one' else 'all cores'} {r}" for k, r in m.get("loadavg_rounds", {}).items())
           + f". Medians of {m['repeat']} interleaved rounds. Saved as `{saved_as}`.", ""]
    by = {(r["cores"], r["stage"]): r for r in d["stages"]}
    settings = [c for c in ("one", "all") if any(k[0] == c for k in by)]
    stages = list(dict.fromkeys(r["stage"] for r in d["stages"]))
    head = ["stage", "rows"]
    for c in settings:
        name = "one core" if c == "one" else "all cores"
        head += [f"{name}: median ms", "ns/row", "CPU ms", "ratio to floor"]
    head += ["peak RSS MB (" + " / ".join(settings) + ")", "added by the stage MB (" + " / ".join(settings) + ")"]
    out += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for s in stages:
        first = next(by[(c, s)] for c in settings if (c, s) in by)
        row = [f"`{s}`", f"{first['rows']:,} {first.get('rows_are', '')}".strip()]
        for c in settings:
            r = by.get((c, s))
            row += ["", "", "", ""] if r is None else [_num(r["median_ms"]), _num(r["ns_per_row"], 0),
                                                       _num(r["cpu_ms"]), f"{r['ratio_to_floor']:.2f}"]
        row += [" / ".join(_num(by[(c, s)]["peak_rss_mb"], 0) if (c, s) in by else "" for c in settings),
                " / ".join(_num(by[(c, s)]["peak_over_start_mb"], 0) if (c, s) in by else "" for c in settings)]
        out.append("| " + " | ".join(row) + " |")
    if d.get("peers"):
        out += ["", "| cores | peer | liqcost stage | peer ms | liqcost ms | wall ratio (peer / liqcost) | CPU ratio "
                "| largest difference |", "|---|---|---|---:|---:|---:|---:|---:|"]
        for p in d["peers"]:
            if p["status"] != "timed":
                out.append(f"| {p['cores']} | {p['peer']} | `{p['stage']}` | {p['status']}: {p['reason']} | | | | |")
                continue
            out.append(f"| {p['cores']} | {p['peer']} | `{p['stage']}` | {_num(p['peer_ms'])} | {_num(p['liqcost_ms'])} "
                       f"| {p['ratio']:.2f} | {p['cpu_ratio']:.2f} | {p['max_abs_diff']:.2g} |")
    if d.get("compile"):
        out += ["", "Compile (" + ("kernels already in numba's cache, so loads" if not any(
            r["kernels_compiled"] for r in d["compile"]) else "from numba's cache where it held them") + "; the stages "
                "one after the other in one worker process, the first carrying its start): " + "; ".join(
            f"{r['stage']} {r['kernels_compiled']} compiled / {r['kernels_loaded']} loaded in {r['seconds']} s"
            for r in d["compile"]) + "."]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json_file")
    ap.add_argument("--saved-as", default=None, help="the path named in the text (default: the file given)")
    a = ap.parse_args(argv)
    d = json.loads(Path(a.json_file).read_text())
    sys.stdout.write(render(d, a.saved_as or a.json_file))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
