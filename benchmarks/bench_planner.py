"""Benchmark of the tranche planner and of the fill-probability model, side by side with simple peers.

Usage::

    python benchmarks/bench_planner.py            # fill model: one name, 60 days at 1,000 trades a day;
                                                  # plans: 1,000 orders over 100 names
    python benchmarks/bench_planner.py --small    # 300 trades a day, 200 orders over 20 names (a quick run)

Data come from the sample generator (``liqcost.io.synth``, no dirt). Each measurement runs in its own
subprocess (its peak memory, ``ru_maxrss``, is its own), compilation excluded (numba kernels warmed up on a
tiny input first), best of three runs (the plans also give the median, the best CPU time and the load average).

Fill model (one name, 60 trading days of trades and quotes in memory):

* ``fit``        :func:`liqcost.models.fill_prob.fit_fill_model`: virtual orders every minute on both sides at
                 four passive rules replayed by the numba kernel, Kaplan-Meier curves (pooled and by time of
                 day), size and drift tables: what the planner uses;
* ``fit_hazard`` the same plus the piecewise-hazard fits with covariates (fitted on first use);
* ``reference``  the pure-Python twin of the replay kernel (``tests/reference/fills.py``) on one day of the
                 same data, scaled to the 60 days per virtual order: the peer of the kernel.

Plans (profiles and fill models precomputed, one :func:`liqcost.planner.plan.plan` call over all orders;
order sizes log-uniform from 0.2% to 15% of ADV, random sides; orders are drawn until 1,000 of them fit in
the shared caps within the default 5 days, the same set for every method):

* ``plan``       VWAP schedule, caps, lots, limit rules by expected cost from the fill models, carry;
* ``plan_ac``    the Almgren-Chriss schedule;
* ``plan_cross`` no fill model (every tranche crosses): the schedule alone;
* ``naive``      the peer: a pandas VWAP slicer (volume-profile weights over ``ceil(Q / (10% ADV))`` days,
                 lots, the last tranche takes the remainder) with no cap search, no limit prices, no costs.

Results go to ``benchmarks/results/bench_planner[_small].json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

NS = 1_000_000_000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


_LAST: dict = {}


def _best(fn, reps=3):
    """Best wall time of ``reps`` runs and the last output; the median and the CPU times go to ``_LAST``."""
    times, cpu = [], []
    out = None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    _LAST.update(seconds_median=float(np.median(times)), seconds_all=times, cpu_seconds_best=min(cpu))
    return min(times), out


# ------------------------------------------------------------------------------------------ the data


def fill_data(trades_per_day: float, days: int = 60):
    from liqcost.io.synth import SymbolSpec, generate

    spec = SymbolSpec("BENCH", 8.50, 25.0, 0.03, trades_per_day, 0.0, 300.0, 2e7)
    s = generate(specs=[spec], n_days=days, metaorders_per_symbol=0, dirt=False, seed=3)
    return s.trades, s.quotes


def universe(n_symbols: int, days: int = 20):
    from liqcost.io.synth import generate

    s = generate(n_symbols=n_symbols, n_days=days, metaorders_per_symbol=0, dirt=False, seed=5)
    return s


def profiles_of(sample, days_list):
    import polars as pl

    tz = "America/New_York"
    t = sample.trades.with_columns(pl.col("ts").dt.convert_time_zone(tz).alias("lt"))
    t = t.with_columns(pl.col("lt").dt.date().alias("d"),
                       ((pl.col("lt").dt.hour().cast(pl.Int32) * 60 + pl.col("lt").dt.minute().cast(pl.Int32) - 570) // 30)
                       .clip(0, 12).alias("bin"))
    q = sample.quotes.with_columns(((pl.col("ask") - pl.col("bid")) / ((pl.col("ask") + pl.col("bid")) / 2) * 1e4).alias("sp"))
    spreads = dict(q.group_by("symbol").agg(pl.col("sp").median()).iter_rows())
    rows = []
    for spec in sample.specs:
        g = t.filter(pl.col("symbol") == spec.symbol)
        per_day = dict(g.group_by("d").agg(pl.col("size").sum()).iter_rows())
        vol = np.array([per_day.get(d, 0.0) for d in days_list])
        bins = g.group_by("bin").agg(pl.col("size").sum()).sort("bin")
        fr = np.zeros(13)
        fr[bins["bin"].to_numpy()] = bins["size"].to_numpy()
        fr = fr / fr.sum() if fr.sum() > 0 else np.full(13, 1 / 13)
        rows.append({
            "symbol": spec.symbol, "asof_date": days_list[-1], "lookback_days": len(days_list), "source": "ticks",
            "price_px": float(g["price"][-1]) if g.height else spec.price0_px, "adv_shares": float(vol.mean()),
            "mdv_shares": float(np.median(vol)), "adv_usd": float(vol.mean() * spec.price0_px),
            "zero_volume_days": int((vol == 0).sum()), "daily_volume_shares": [float(v) for v in vol],
            "spread_bps": float(spreads.get(spec.symbol, 2 * spec.half_spread_bps)),
            "quoted_spread_bps": float(spreads.get(spec.symbol, 2 * spec.half_spread_bps)),
            "volatility_daily_frac": spec.volatility_daily_frac, "trades_per_day": g.height / len(days_list),
            "volume_profile_frac": [float(x) for x in fr], "profile_interval_min": 30,
        })
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.col("asof_date").cast(pl.Date))


def orders_for(profile, n_orders: int, seed: int = 9):
    rng = np.random.default_rng(seed)
    syms = profile["symbol"].to_list()
    adv = dict(zip(syms, profile["adv_shares"].to_list()))
    out = []
    for i in range(n_orders):
        s = syms[int(rng.integers(len(syms)))]
        frac = float(np.exp(rng.uniform(np.log(0.002), np.log(0.15))))
        qty = max(int(frac * adv[s]) // 100 * 100 + int(rng.integers(0, 100)), 1)
        out.append({"order_id": f"o{i:04d}", "symbol": s, "side": int(rng.choice([-1, 1])), "qty": qty})
    return out


# --------------------------------------------------------------------------------------- measurements


def run_fill(method: str, trades_per_day: float) -> dict:
    import warnings

    from liqcost.config import Config
    from liqcost.models.fill_prob import fit_fill_model

    trades, quotes = fill_data(trades_per_day)
    cfg = Config()
    warnings.simplefilter("ignore")
    fit_fill_model(trades.head(2000), quotes.head(6000), cfg)  # compile / load the kernel
    base = {"trades": trades.height, "quotes": quotes.height, "days": 60, "trades_per_day": trades_per_day}
    if method == "fit":
        sec, m = _best(lambda: fit_fill_model(trades, quotes, cfg))
    elif method == "fit_hazard":
        def fit_with_hazard():
            mm = fit_fill_model(trades, quotes, cfg)
            _ = mm.hazard  # fitted on first use
            return mm

        sec, m = _best(fit_with_hazard)
    elif method == "reference":
        import polars as pl
        from reference import fills as ref

        day0 = trades["ts"].dt.convert_time_zone("America/New_York").dt.date().min()
        t1 = trades.filter(pl.col("ts").dt.convert_time_zone("America/New_York").dt.date() == day0)
        q1 = quotes.filter(pl.col("ts").dt.convert_time_zone("America/New_York").dt.date() == day0)
        m = fit_fill_model(t1, q1, cfg)
        place = list(zip(m.sample.minutes_after_open, m.sample.side))
        open_ns = int(t1["ts"].dt.epoch("ns").min()) - int(t1["ts"].dt.epoch("ns").min()) % NS
        from liqcost.models.fill_prob import session_bounds_ns

        o, c = session_bounds_ns([day0], cfg.session)
        placements = [(int(o[0] + mm * 60 * NS), int(sd), int(c[0])) for mm, sd in place]
        tr = list(zip(t1["ts"].dt.epoch("ns").to_list(), t1["price"].to_list(), t1["size"].to_list()))
        qu = list(zip(q1["ts"].dt.epoch("ns").to_list(), q1["bid"].to_list(), q1["ask"].to_list(), q1["bid_size"].to_list(),
                      q1["ask_size"].to_list()))
        h = [int(x * 60 * NS) for x in cfg.planner.fill_horizons_minutes]
        t0 = time.perf_counter()
        ref.virtual_fills(tr, qu, placements, [0, 1, 2, -1], h, m.tick_px, 1.0, 100.0)
        one_day = time.perf_counter() - t0
        del open_ns
        return {**base, "method": method, "seconds_one_day": one_day, "seconds": one_day * 60,
                "virtual_orders": len(placements) * 4 * 60, "peak_rss_mb": _rss_mb()}
    else:
        raise SystemExit(f"unknown method {method}")
    return {**base, "method": method, "seconds": sec, "placements": m.n_placements,
            "virtual_orders": m.n_placements * len(m.rules),
            "ns_per_virtual_order": sec / (m.n_placements * len(m.rules)) * 1e9,
            "ticks_per_s": (trades.height + quotes.height) / sec, "peak_rss_mb": _rss_mb()}


def prepared(n_orders: int, n_symbols: int, data_dir: Path):
    """Profiles, fill models and the orders the caps can hold, computed once and kept in ``data_dir``."""
    import pickle
    import warnings

    import polars as pl

    from liqcost.config import Config
    from liqcost.io.synth import trading_days
    from liqcost.models.fill_prob import fit_fill_model
    from liqcost.planner.plan import plan

    path = data_dir / f"plan_inputs_{n_orders}_{n_symbols}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    warnings.simplefilter("ignore")
    s = universe(n_symbols)
    days = trading_days(dt.date(2025, 3, 3), 20)
    prof = profiles_of(s, days)
    cfg = Config()  # the defaults: 10% caps, at most 5 days, VWAP, carry
    models = {}
    for sym in prof["symbol"]:
        models[sym] = fit_fill_model(s.trades.filter(pl.col("symbol") == sym), s.quotes.filter(pl.col("symbol") == sym), cfg)
        object.__setattr__(models[sym], "sample", None)  # the tables and curves are what plans use
    orders = orders_for(prof, 2 * n_orders)
    # the first n orders the caps can hold when planned together (the same set for every method); dropping
    # an order that could not be planned frees no capacity, so the kept ones stay feasible in this order
    r0 = plan(orders, prof, None, cfg, start=dt.date(2025, 3, 31), errors="report")
    ok = set(r0.summary().filter(pl.col("status") == "planned")["order_id"].to_list())
    kept = [o for o in orders if o["order_id"] in ok][:n_orders]
    out = (prof, kept, len(orders), models, cfg)
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def run_plan(method: str, n_orders: int, n_symbols: int, data_dir: Path) -> dict:
    import warnings

    from liqcost.planner.plan import plan

    warnings.simplefilter("ignore")
    prof, feasible, generated, models, cfg = prepared(n_orders, n_symbols, data_dir)
    base = {"orders": len(feasible), "orders_generated": generated, "symbols": n_symbols,
            "tranches_note": "one plan() call over all orders (names shared by several orders share their caps)"}
    if method == "naive":
        sec, out = _best(lambda: naive_vwap(feasible, prof))
        return {**base, "method": method, "seconds": sec, "tranches": out, "ms_per_order": sec / len(feasible) * 1e3,
                "peak_rss_mb": _rss_mb()}
    kind = "ac" if method == "plan_ac" else "vwap"
    fm = models if method in ("plan", "plan_ac") else None
    orders_ac = [dict(o, urgency=1e-5) for o in feasible] if kind == "ac" else feasible
    plan(orders_ac[:5], prof, fm, cfg, start=dt.date(2025, 3, 31), schedule=kind)  # warm up
    sec, r = _best(lambda: plan(orders_ac, prof, fm, cfg, start=dt.date(2025, 3, 31), schedule=kind, errors="report"))
    planned = int((r.summary()["status"] == "planned").sum())
    return {**base, "method": method, "seconds": sec, **_LAST, "load_average": list(os.getloadavg()), "planned": planned, "tranches": r.tranches.height,
            "ms_per_order": sec / len(feasible) * 1e3, "mean_expected_cost_bps": float(r.summary()["expected_cost_bps"].mean()),
            "mean_cross_now_cost_bps": float(r.summary()["cross_now_cost_bps"].mean()), "peak_rss_mb": _rss_mb()}


def naive_vwap(orders, prof) -> int:
    """The peer: split each order by the volume profile over the days its 10% cap needs; lots; remainder last."""
    import pandas as pd

    p = prof.to_pandas().set_index("symbol")
    rows = []
    for o in orders:
        r = p.loc[o["symbol"]]
        fr = np.asarray(r["volume_profile_frac"], dtype=float)
        n_days = max(1, math.ceil(o["qty"] / (0.10 * r["adv_shares"])))
        w = np.tile(fr, n_days)
        w = w / w.sum()
        want = np.floor(o["qty"] * w / 100) * 100
        want[-1] += o["qty"] - want.sum()
        rows.append(pd.DataFrame({"order_id": o["order_id"], "interval": np.arange(w.size), "qty": want}))
    df = pd.concat(rows, ignore_index=True)
    df = df[df["qty"] > 0]
    assert (df.groupby("order_id")["qty"].sum().to_numpy() > 0).all()
    return len(df)


# ------------------------------------------------------------------------------------------- driver


def _sub(kind: str, method: str, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, method, "--tpd", str(args.tpd), "--orders", str(args.orders),
           "--symbols", str(args.symbols), "--data-dir", str(args.data_dir)]
    env = dict(os.environ, POLARS_MAX_THREADS="1", NUMBA_NUM_THREADS="1")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if p.returncode != 0:
        raise SystemExit(f"{kind}/{method} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--tpd", type=float, default=None, help="trades per day of the fill-model name")
    ap.add_argument("--orders", type=int, default=None)
    ap.add_argument("--symbols", type=int, default=None)
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/liqcost_bench_planner"),
                    help="where the generated inputs of the plan runs are kept between runs")
    ap.add_argument("--worker", nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.tpd is None:
        args.tpd = 300.0 if args.small else 1000.0
    if args.orders is None:
        args.orders = 200 if args.small else 1000
    if args.symbols is None:
        args.symbols = 20 if args.small else 100
    if args.worker:
        kind, method = args.worker
        if kind == "prepare":
            prepared(args.orders, args.symbols, args.data_dir)
            res = {"prepared": True}
        elif kind == "fill":
            res = run_fill(method, args.tpd)
        else:
            res = run_plan(method, args.orders, args.symbols, args.data_dir)
        print(json.dumps(res))
        return
    results = {"fill": {}, "plan": {}}
    _sub("prepare", "-", args)  # generate and fit once, outside the timed runs (and outside this process)
    for m in ("fit", "fit_hazard", "reference"):
        results["fill"][m] = _sub("fill", m, args)
        print(m, json.dumps(results["fill"][m]), flush=True)
    for m in ("plan", "plan_ac", "plan_cross", "naive"):
        results["plan"][m] = _sub("plan", m, args)
        print(m, json.dumps(results["plan"][m]), flush=True)
    f, pl_ = results["fill"], results["plan"]
    kernel_per_vo = f["fit"]["seconds"] / f["fit"]["virtual_orders"]
    ref_per_vo = f["reference"]["seconds"] / f["reference"]["virtual_orders"]
    summary = {
        "fill_fit_seconds": f["fit"]["seconds"],
        "fill_fit_with_hazard_seconds": f["fit_hazard"]["seconds"],
        "fill_fit_target_seconds": 1.0,
        "fill_reference_over_fit_per_virtual_order": ref_per_vo / kernel_per_vo,
        "plans_seconds": pl_["plan"]["seconds"],
        "plans_seconds_median": pl_["plan"]["seconds_median"],
        "plans_cpu_seconds": pl_["plan"]["cpu_seconds_best"],
        "plans_load_average": pl_["plan"]["load_average"],
        "plans_orders": pl_["plan"]["orders"],
        "plans_seconds_per_1000_orders": pl_["plan"]["seconds"] / pl_["plan"]["orders"] * 1000,
        "plans_target_seconds_per_1000": 2.0,
        "plan_ac_seconds_per_1000_orders": pl_["plan_ac"]["seconds"] / pl_["plan_ac"]["orders"] * 1000,
        "plan_ac_seconds_median": pl_["plan_ac"]["seconds_median"],
        "plan_over_cross_only": pl_["plan"]["seconds"] / pl_["plan_cross"]["seconds"],
        "plan_over_naive_pandas": pl_["plan"]["seconds"] / pl_["naive"]["seconds"],
    }
    out = {
        "benchmark": "bench_planner",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_at_end": list(os.getloadavg()),
                    "note": "a shared 2-core machine: other jobs ran at the same time; timings are best of three"},
        "args": {"small": args.small, "trades_per_day": args.tpd, "orders": args.orders, "symbols": args.symbols},
        "summary": summary,
        "results": results,
    }
    (HERE / "results").mkdir(exist_ok=True)
    path = HERE / "results" / f"bench_planner{'_small' if args.small else ''}.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
