"""How the report's charts are drawn: liqcost's own SVG kit against matplotlib (SVG backend) and Vega-Lite
(altair + vl-convert), on the same chart (plain script; JSON to ``benchmarks/results/bench_report.json``)::

    PYTHONPATH=src python benchmarks/bench_report.py [--repeat 20]

The chart is the report's busiest kind: cost against order size for one name, 25 sizes on a log axis, the
model band, five model lines, the central line with its points and one order marked. Each peer that is
importable in the running interpreter is measured in the same run: import time (fresh interpreter, best of
3), first and median render time to an SVG string, SVG size, whether two renders are byte-identical, and
the installed size of what the library adds to liqcost's dependencies. Times are also given as ratios to
liqcost's kit; the machine load (``os.getloadavg``) is recorded. Also times the three sample reports.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import io
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
RESULTS = ROOT / "benchmarks" / "results"

#: what each peer adds on top of liqcost's own dependencies (numpy, polars ... are already there)
EXTRA_DISTS = {
    "liqcost-svg": [],
    "matplotlib": ["matplotlib", "contourpy", "cycler", "fonttools", "kiwisolver", "pillow", "pyparsing",
                   "python-dateutil", "six"],
    "altair+vl-convert": ["altair", "vl-convert-python", "jsonschema", "jsonschema-specifications", "referencing",
                          "rpds-py", "narwhals", "jinja2", "markupsafe", "attrs"],
}
IMPORTS = {"liqcost-svg": "import liqcost.report.charts",
           "matplotlib": "import matplotlib; matplotlib.use('svg'); import matplotlib.figure",
           "altair+vl-convert": "import altair, vl_convert"}


def curve():
    x = [0.001 * (2000 ** (k / 24)) for k in range(25)]
    central = [25 + 180 * math.sqrt(v) for v in x]
    models = {m: [25 + f * 180 * math.sqrt(v) for v in x] for m, f in
              (("sqrt", 1.0), ("almgren2005", 1.6), ("istar", 0.7), ("crossover", 0.98), ("log", 0.6))}
    low = [min(ms[i] for ms in models.values()) for i in range(25)]
    high = [max(ms[i] for ms in models.values()) for i in range(25)]
    return x, central, low, high, models


def render_liqcost():
    import polars as pl

    from liqcost.report.charts import cost_curve

    x, central, low, high, models = curve()
    frame = pl.DataFrame({"symbol": ["X"] * 25, "size_frac_adv": x, "cost_central_bps": central, "cost_low_bps": low,
                          "cost_high_bps": high, **{f"cost_{m}_bps": v for m, v in models.items()}})
    order = pl.DataFrame({"order_id": ["o1"], "pct_adv_frac": [0.2], "cost_central_bps": [25 + 180 * math.sqrt(0.2)],
                          "cost_low_bps": [25 + 108 * math.sqrt(0.2)], "cost_high_bps": [25 + 288 * math.sqrt(0.2)]})

    def run():
        return cost_curve(frame, order).svg

    return run


def render_matplotlib():
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams["svg.hashsalt"] = "liqcost"  # deterministic ids
    matplotlib.rcParams["svg.fonttype"] = "none"  # text as <text>, not glyph paths
    from matplotlib.figure import Figure

    x, central, low, high, models = curve()

    def run():
        fig = Figure(figsize=(7.6, 3.3))
        ax = fig.add_subplot()
        ax.fill_between(x, low, high, alpha=0.18, color="#0072B2", label="model band")
        for m, v in models.items():
            ax.plot(x, v, "--", lw=1, color="#5b6470")
        ax.plot(x, central, "-o", ms=3, lw=2.2, color="#0072B2", label="central")
        ax.errorbar([0.2], [25 + 180 * math.sqrt(0.2)], yerr=[[72 * math.sqrt(0.2)], [108 * math.sqrt(0.2)]], fmt="o",
                    color="#D55E00", label="order")
        ax.set_xscale("log")
        ax.set_xlabel("order size, % of ADV")
        ax.set_ylabel("cost, bps")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", ncols=3, fontsize=8)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()

    return run


def render_altair():
    import altair as alt
    import vl_convert as vlc

    x, central, low, high, models = curve()
    rows = [{"x": a, "central": c, "low": lo, "high": hi, **{m: v[i] for m, v in models.items()}}
            for i, (a, c, lo, hi) in enumerate(zip(x, central, low, high))]

    def run():
        base = alt.Chart(alt.Data(values=rows)).encode(x=alt.X("x:Q", scale=alt.Scale(type="log")))
        layers = [base.mark_area(opacity=0.18).encode(y="low:Q", y2="high:Q")]
        layers += [base.mark_line(strokeDash=[4, 3], color="#5b6470").encode(y=f"{m}:Q") for m in models]
        layers += [base.mark_line(point=True).encode(y="central:Q")]
        order = alt.Chart(alt.Data(values=[{"x": 0.2, "y": 25 + 180 * math.sqrt(0.2)}])).mark_point(
            color="#D55E00", filled=True, size=60).encode(x="x:Q", y="y:Q")
        chart = alt.layer(*layers, order).properties(width=680, height=260)
        return vlc.vegalite_to_svg(chart.to_dict())

    return run


PEERS = {"liqcost-svg": render_liqcost, "matplotlib": render_matplotlib, "altair+vl-convert": render_altair}


def import_seconds(stmt: str) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = []
    for _ in range(3):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        out.append(float(p.stdout.strip().splitlines()[-1]))
    return min(out)


def installed_mb(dists: list[str]) -> float | None:
    total = 0
    for name in dists:
        try:
            d = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        for f in d.files or []:
            try:
                total += d.locate_file(f).stat().st_size
            except OSError:
                pass
    return round(total / 1e6, 1)


def measure(name: str, repeat: int) -> dict | None:
    try:
        run = PEERS[name]()
    except ImportError as exc:
        return {"available": False, "why": str(exc)}
    t0 = time.perf_counter()
    first = run()
    t_first = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        svg = run()
        times.append(time.perf_counter() - t0)
    return {
        "available": True,
        "import_s": round(import_seconds(IMPORTS[name]), 4),
        "first_render_s": round(t_first, 4),
        "render_median_s": round(statistics.median(times), 5),
        "svg_bytes": len(svg),
        "deterministic": first == svg,
        "installed_mb_added": installed_mb(EXTRA_DISTS[name]),
    }


def sample_reports() -> dict:
    """Time the three reports of the committed sample (frames from the Python API, then build + HTML)."""
    import polars as pl

    from liqcost.config import load_config
    from liqcost.io.dataset import Dataset
    from liqcost.io.ingest import load_table
    from liqcost.measures.build import build_from_dataset
    from liqcost.planner.inputs import fill_models_from_dataset
    from liqcost.planner.plan import plan
    from liqcost.pretrade import pretrade
    from liqcost.report import liquidity_report, plan_report, pretrade_report

    t0 = time.perf_counter()
    cfg = load_config(None)
    data = Dataset(ROOT / "sample_data" / "dataset")
    built = build_from_dataset(data, cfg)
    book, _ = load_table(ROOT / "sample_data" / "orders.csv", "orders", cfg)
    pre = pretrade(book.drop("row"), built.profile, cfg)
    order = pl.DataFrame({"order_id": ["o1"], "symbol": ["THNB"], "side": [1], "qty": [8000.0]})
    planned = plan(order, built.profile, fill_models_from_dataset(data, ["THNB"], cfg), cfg)
    out = {"frames_s": round(time.perf_counter() - t0, 3)}
    fill = pl.concat([m.table() for m in planned.fill_models.values()], how="diagonal_relaxed")
    builders = {
        "liquidity": lambda: liquidity_report(built, config=cfg),
        "pretrade": lambda: pretrade_report(pre, built.profile, cfg),  # computes one cost curve per name
        "plan": lambda: plan_report(planned.tranches, planned.summary, fill, cfg),
    }
    for name, build in builders.items():
        t0 = time.perf_counter()
        rep = build()
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        html = rep.to_html()
        out[name] = {"charts": len(rep.charts), "marks": sum(c.n_marks for c in rep.charts), "html_bytes": len(html),
                     "build_s": round(t_build, 4), "to_html_s": round(time.perf_counter() - t0, 4)}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-sample", action="store_true", help="skip timing the sample reports")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    res = {name: measure(name, args.repeat) for name in PEERS}
    base = res["liqcost-svg"]
    for r in res.values():
        if r and r.get("available"):
            r["render_ratio_to_liqcost"] = round(r["render_median_s"] / base["render_median_s"], 1)
            r["svg_size_ratio_to_liqcost"] = round(r["svg_bytes"] / base["svg_bytes"], 2)
    out = {
        "chart": "cost vs order size: 25 sizes, log x, band, 5 model lines, central line + points, one order",
        "peers": res,
        "sample_reports": None if args.no_sample else sample_reports(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "loadavg_start": load0,
                    "loadavg_end": os.getloadavg()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_report.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
