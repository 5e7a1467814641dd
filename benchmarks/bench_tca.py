"""Benchmark: the post-trade review of 100,000 fills over 500 symbol-days, market data read from a dataset.

Plain script (no pytest): ``PYTHONPATH=src python benchmarks/bench_tca.py [--repeats 5] [--json FILE]``.
It writes ``benchmarks/results/bench_tca.json``.

Setup (not timed): a dataset of 50 simulated names over 12 trading days (about 2,000 trades and 5,000
quotes per active symbol-day), written and ingested as ``liqcost sample --symbols 50 --days 12
--trades-per-day 2000 --metaorders 1 --no-dirt -o /tmp/liqcost-bench-tca`` does (the same library calls),
kept in ``/tmp`` between runs. Fills: 200 prints on each of 500 symbol-days (drawn at random among those with at least 200 prints) taken from the tape (our own fills are on the
tape), in orders of 20 fills of one side (5,000 orders), with decision times on half of them, fees, venues and
brokers; the orders ask for up to 30 % more than was filled (partial fills are valued as opportunity cost).

Timed (the path a user takes, after one warm-up call that loads the numba cache): read the trades and quotes
of the symbol-days the fills touch from the dataset (``Dataset.scan``, the columns the review reads), then
``liqcost.tca.review`` (per-fill prevailing quote, spread, markouts at 1 min, 5 min, 30 min, the close, 1, 5 and
20 trades; per-order shortfall and its parts, interval/day VWAP, TWAP, open, close, participation, timing
variance; aggregates). Best and median of the repeats.

Peer, same run, same machine: a pandas pipeline doing the core of the per-fill and per-order work
(``merge_asof`` by symbol for the prevailing mid at the fill and at three clock horizons, spread paid,
markouts, then a groupby for each order's arrival cost and its spread/impact split against the first fill's
mid). It does less than the review (no interval VWAP, TWAP, day statistics, trade-count horizons, timing
variance, checks); the ratio is peer time over review time. The machine's load average is recorded: under
load, absolute times are noisy and the ratio is what holds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DATA = Path("/tmp/liqcost-bench-tca")
N_SYMBOLS, N_DAYS, TRADES_PER_DAY, SYMBOL_DAYS = 50, 12, 2000, 500
FILLS_PER_DAY, FILLS_PER_ORDER = 200, 20


def build_dataset(rebuild: bool = False) -> Path:
    """The benchmark's dataset (what ``liqcost sample --symbols 50 --days 12 --trades-per-day 2000 --metaorders 1
    --no-dirt`` writes); reused when present."""
    from liqcost.config import Config
    from liqcost.io.synth import generate, write_sample

    marker = DATA / "dataset" / "kind=quotes"
    if marker.is_dir() and not rebuild:
        return DATA / "dataset"
    import shutil

    shutil.rmtree(DATA, ignore_errors=True)
    # one metaorder per name: write_sample cannot ingest an empty fills file (`liqcost sample --metaorders 0` fails)
    s = generate(N_SYMBOLS, N_DAYS, seed=7, trades_per_day=TRADES_PER_DAY, metaorders_per_symbol=1, dirt=False)
    write_sample(s, DATA, Config())
    return DATA / "dataset"


def make_fills(ds, seed: int = 3):
    """200 prints per symbol-day from the tape as our fills, 20 to an order (see the module docstring)."""
    import polars as pl

    rng = np.random.default_rng(seed)
    trades = ds.scan("trades").select("symbol", "ts", "price", "size").collect()
    t = trades.with_columns(pl.col("ts").dt.convert_time_zone("America/New_York").dt.date().alias("d"))
    counts = t.group_by(["symbol", "d"], maintain_order=True).len().filter(pl.col("len") >= FILLS_PER_DAY)
    chosen = counts[np.sort(rng.choice(counts.height, size=SYMBOL_DAYS, replace=False)).tolist()]
    t = t.join(chosen.select("symbol", "d"), on=["symbol", "d"], how="semi")
    picked = []
    for (sym, day), g in t.group_by(["symbol", "d"], maintain_order=True):
        idx = np.sort(rng.choice(g.height, size=FILLS_PER_DAY, replace=False))
        picked.append(g[idx.tolist()])
    f = pl.concat(picked).sort(["symbol", "ts"])
    n = f.height
    order_no = np.arange(n) // FILLS_PER_ORDER
    n_orders = int(order_no.max()) + 1
    side = np.where(rng.random(n_orders) < 0.5, 1, -1).astype(np.int8)
    venues = np.array(["XNAS", "ARCX", "BATS", "EDGX"])
    brokers = np.array(["B1", "B2", "B3"])
    f = f.with_columns(
        pl.Series("order_id", [f"O{i:06d}" for i in order_no]),
        pl.Series("side", side[order_no]),
        pl.col("size").clip(1.0, 500.0).alias("qty"),
        pl.Series("venue", venues[rng.integers(0, 4, n)]),
        pl.Series("broker", brokers[order_no % 3]),
    ).with_columns((pl.col("qty") * pl.col("price") * 5e-4).alias("fee")).drop("size")
    first = f.group_by("order_id", maintain_order=True).agg(pl.col("ts").min().alias("t0"), pl.col("ts").max().alias("t1"),
                                                              pl.col("qty").sum().alias("filled"), pl.col("symbol").first(),
                                                              pl.col("side").first())
    has_dec = rng.random(first.height) < 0.5
    first = first.with_columns(
        pl.when(pl.Series(has_dec)).then(pl.col("t0") - pl.duration(seconds=60, time_unit="ns")).otherwise(None).alias("decision_ts"))
    f = f.join(first.select("order_id", "decision_ts"), on="order_id", how="left")
    orders = first.select(
        "order_id", "symbol", "side",
        (pl.col("filled") * pl.Series(rng.uniform(1.0, 1.3, first.height))).round(0).alias("qty"),
        (pl.col("t0") - pl.duration(seconds=120, time_unit="ns")).alias("start"),
        (pl.col("t1") + pl.duration(minutes=10, time_unit="ns")).alias("end"),
    )
    return f.select("order_id", "symbol", "side", "ts", "price", "qty", "decision_ts", "venue", "broker", "fee"), orders


def read_market(ds, fills, config):
    """The trades and quotes of the symbol-days the fills touch, the columns the review reads."""
    import polars as pl

    tz = config.session.timezone
    days = fills.select(pl.col("ts").dt.convert_time_zone(tz).dt.date().alias("d"))
    start, end = days.get_column("d").min(), days.get_column("d").max()
    syms = fills.get_column("symbol").unique().sort().to_list()
    trades = ds.scan("trades", syms, start, end).select("symbol", "ts", "price", "size").collect()
    quotes = ds.scan("quotes", syms, start, end).select("symbol", "ts", "bid", "ask").collect()
    return trades, quotes


def user_path(ds, fills, orders, config):
    from liqcost.tca import review

    t0 = time.perf_counter()
    trades, quotes = read_market(ds, fills, config)
    t1 = time.perf_counter()
    res = review(fills, orders, trades=trades, quotes=quotes, config=config)
    t2 = time.perf_counter()
    return res, t1 - t0, t2 - t1, trades.height, quotes.height


def pandas_peer(fills, trades_quotes):
    """merge_asof by symbol for the mid at the fill and at three horizons, spread, markouts, per-order split."""
    import pandas as pd

    _, quotes = trades_quotes
    q = quotes.select("symbol", "ts", "bid", "ask").to_pandas()
    q = q[(q["bid"] > 0) & (q["ask"] >= q["bid"])]
    q["mid"] = (q["bid"] + q["ask"]) / 2
    q = q.sort_values("ts")[["ts", "symbol", "mid"]]
    f = fills.select("order_id", "symbol", "side", "ts", "price", "qty").to_pandas().sort_values("ts")
    f = pd.merge_asof(f, q, on="ts", by="symbol", allow_exact_matches=False)
    for h in (60, 300, 1800):
        g = f[["ts", "symbol"]].copy()
        g["ts"] = g["ts"] + pd.Timedelta(seconds=h)
        g["_i"] = np.arange(len(g))
        g = pd.merge_asof(g.sort_values("ts"), q.rename(columns={"mid": f"mid_{h}"}), on="ts", by="symbol",
                          allow_exact_matches=False).sort_values("_i")
        f[f"markout_{h}_bps"] = f["side"] * (g[f"mid_{h}"].to_numpy() - f["price"]) / f["mid"] * 1e4
    f["half_spread_bps"] = f["side"] * (f["price"] - f["mid"]) / f["mid"] * 1e4
    f["spread_usd"] = f["side"] * f["qty"] * (f["price"] - f["mid"])
    f["value"] = f["qty"] * f["price"]
    f = f.sort_values(["order_id", "ts"])
    g = f.groupby("order_id", sort=False).agg(side=("side", "first"), S=("qty", "sum"), value=("value", "sum"),
                                               m0=("mid", "first"), spread=("spread_usd", "sum"))
    g["execution_usd"] = g["side"] * (g["value"] - g["S"] * g["m0"])
    g["impact_usd"] = g["execution_usd"] - g["spread"]
    g["arrival_cost_bps"] = g["execution_usd"] / (g["S"] * g["m0"]) * 1e4
    return f, g


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return {"best_s": min(times), "median_s": statistics.median(times), "runs": repeats}, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rebuild", action="store_true", help="regenerate the dataset in /tmp")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "bench_tca.json"))
    args = ap.parse_args(argv)
    import pandas as pd
    import polars as pl
    import scipy

    from liqcost.config import Config
    from liqcost.io.dataset import Dataset

    cfg = Config()
    t0 = time.perf_counter()
    ds = Dataset(build_dataset(args.rebuild))
    setup_s = time.perf_counter() - t0
    fills, orders = make_fills(ds)
    tw = time.perf_counter()
    res, *_ = user_path(ds, fills, orders, cfg)  # warm-up: imports, numba cache
    warm_s = time.perf_counter() - tw
    load_before = os.getloadavg()[0]
    read_t, review_t, total_t = [], [], []
    for _ in range(args.repeats):
        res, r_s, v_s, n_trades, n_quotes = user_path(ds, fills, orders, cfg)
        read_t.append(r_s)
        review_t.append(v_s)
        total_t.append(r_s + v_s)
    market = read_market(ds, fills, cfg)
    peer_t, (pf, pg) = timed(lambda: pandas_peer(fills, market), max(1, args.repeats // 2 + 1))
    load_after = os.getloadavg()[0]
    # the peer and the review agree where they overlap
    o = res.orders.filter(pl.col("arrival_source") == "first_fill_mid").select("order_id", "arrival_cost_bps")
    j = o.join(pl.from_pandas(pg.reset_index()[["order_id", "arrival_cost_bps"]]), on="order_id", suffix="_peer")
    agree = bool(np.allclose(j["arrival_cost_bps"].to_numpy(), j["arrival_cost_bps_peer"].to_numpy(), rtol=1e-9, equal_nan=True))
    stats = lambda xs: {"best_s": min(xs), "median_s": statistics.median(xs), "runs": len(xs)}  # noqa: E731
    review_best = min(review_t)
    out = {
        "benchmark": "tca",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_avg_1m_before": load_before, "load_avg_1m_after": load_after},
        "versions": {"numpy": np.__version__, "polars": pl.__version__, "pandas": pd.__version__, "scipy": scipy.__version__},
        "data": {"dataset": str(DATA / "dataset"), "symbols": N_SYMBOLS, "days": N_DAYS, "symbol_days": int(
            fills.select(pl.col("symbol"), pl.col("ts").dt.convert_time_zone("America/New_York").dt.date()).unique().height),
            "fills": fills.height, "orders": orders.height, "market_trades": n_trades, "market_quotes": n_quotes},
        "setup_s": setup_s,
        "warmup_s": warm_s,
        "read_market": stats(read_t),
        "review": stats(review_t),
        "read_plus_review": stats(total_t),
        "under_3s": min(total_t) < 3.0 and statistics.median(total_t) < 3.0,
        "fills_per_s": fills.height / review_best,
        "peer_pandas_core": peer_t,
        "ratio_peer_over_review": peer_t["best_s"] / review_best,
        "peer_agrees_on_arrival_cost": agree,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(f"{fills.height:,} fills / {orders.height:,} orders / {out['data']['symbol_days']} symbol-days; market "
          f"{n_trades:,} trades + {n_quotes:,} quotes")
    print(f"read {min(read_t):.3f} s + review {review_best:.3f} s = {min(total_t):.3f} s best "
          f"({statistics.median(total_t):.3f} median) -> under 3 s: {out['under_3s']}; {out['fills_per_s']:,.0f} fills/s")
    print(f"pandas core peer {peer_t['best_s']:.3f} s (x{out['ratio_peer_over_review']:.1f} the review), agrees: {agree}; "
          f"warm-up {warm_s:.1f} s; load {load_before:.1f} -> {load_after:.1f}; peak RSS {out['peak_rss_mb']:.0f} MB")
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1, default=str) + "\n")
    tmp.replace(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
