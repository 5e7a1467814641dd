"""Benchmark: the pre-trade check on 10,000 orders with their cost-risk frontiers, the profiles precomputed.

Plain script (no pytest): ``PYTHONPATH=src python benchmarks/bench_pretrade.py [--repeats 5] [--json FILE]``.
It writes ``benchmarks/results/bench_pretrade.json``.

Scenarios (synthetic but realistic thin-name profiles: 60 trading days of lognormal daily volume with
0-30 % zero days, spreads 20-800 bps, volatility 1.5-8 % a day):

* ``book_2k_names``: 10,000 orders on 2,000 names (5 each), sizes log-uniform from 0.1 % to 100 % of ADV;
* ``book_10k_names``: 10,000 orders on 10,000 names (one each), same sizes;
* ``big_orders``: 10,000 orders on 2,000 names at 50 %-500 % of ADV (long days-to-complete grids).

For each: the whole ``pretrade(..., frontier=True)`` call (five impact models at the order's cap and at the
5 horizons of the frontier plus crossing now, fees, model band, days to complete, stressed volume, flags,
per-order table, the 60,000-row frontier table, portfolio tables) and its parts, best and median of the
repeats, after one warm-up call (imports and first-call costs excluded). The peer is a plain per-order
Python loop over the same five impact formulas (``math``) at the cap and the 5 horizons, which prices only
the costs; the ratio compares it with the vectorized frontier step. The machine's load average is
recorded: absolute times are noisy under load, ratios against the peer measured in the same run hold.
Peak memory is the process's maximum resident set size.
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


def make_profiles(n_names: int, n_days: int = 60, seed: int = 0):
    import datetime as dt

    import polars as pl

    rng = np.random.default_rng(seed)
    median = np.exp(rng.uniform(np.log(500), np.log(2e6), n_names))
    p0 = rng.uniform(0.0, 0.3, n_names)
    vols = np.where(rng.random((n_names, n_days)) < p0[:, None], 0.0,
                    np.round(median[:, None] * rng.lognormal(0, 0.9, (n_names, n_days))))
    adv = vols.mean(axis=1)
    dead = adv == 0
    vols[dead, 0] = 100.0
    adv = vols.mean(axis=1)
    price = np.exp(rng.uniform(np.log(0.5), np.log(80), n_names))
    shares = np.where(rng.random(n_names) < 0.8, np.exp(rng.uniform(np.log(2e6), np.log(3e8), n_names)), np.nan)
    return pl.DataFrame(
        {
            "symbol": [f"S{i:05d}" for i in range(n_names)],
            "asof_date": [dt.date(2025, 3, 28)] * n_names,
            "lookback_days": np.full(n_names, n_days, dtype=np.int64),
            "source": np.where(rng.random(n_names) < 0.3, "bars", "ticks"),
            "price_px": price,
            "adv_shares": adv,
            "mdv_shares": np.median(vols, axis=1),
            "adv_usd": adv * price,
            "zero_volume_days": (vols == 0).sum(axis=1).astype(np.int64),
            "daily_volume_shares": pl.Series(list(vols)).cast(pl.List(pl.Float64)),
            "spread_bps": np.exp(rng.uniform(np.log(20), np.log(800), n_names)),
            "volatility_daily_frac": rng.uniform(0.015, 0.08, n_names),
            "shares_outstanding": shares,
            "market_cap_usd": shares * price,
        }
    )


def make_orders(profiles, n_orders: int, per_name: int, lo: float, hi: float, seed: int = 1):
    import polars as pl

    rng = np.random.default_rng(seed)
    n_names = profiles.height
    idx = np.repeat(np.arange(n_names), per_name)[:n_orders] if per_name > 1 else rng.permutation(n_names)[:n_orders]
    adv = profiles["adv_shares"].to_numpy()[idx]
    frac = np.exp(rng.uniform(np.log(lo), np.log(hi), idx.size))
    return pl.DataFrame(
        {
            "order_id": [f"O{i:06d}" for i in range(idx.size)],
            "symbol": profiles["symbol"].to_numpy()[idx],
            "side": np.where(rng.random(idx.size) < 0.5, 1, -1).astype(np.int8),
            "qty": np.maximum(1.0, np.round(frac * adv)),
        }
    )


HORIZONS = (1.0, 2.0, 3.0, 5.0, 10.0)


def peer_loop(q, adv, sigma, spread, p, theta, horizons=()):
    """Per-order Python loop of the five formulas (the costs only) at the rate ``p`` and over each horizon."""
    import math

    pov_ref = 0.1 / 1.1
    out = []
    for qi, vi, si, hi, pi, ti in zip(q, adv, sigma, spread, p, theta):
        x = qi / vi
        half = hi / 2
        inv_t = 200.0 if math.isnan(ti) else ti / vi
        sa = si * math.sqrt(250)
        ist = 708 * x**0.55 * sa**0.71
        f_sq = 0.8 * si * math.sqrt(x) * 1e4
        f_cr = 0.8 * si * x / math.sqrt(x + 0.001) * 1e4
        f_lg = 0.1055 * si * math.log1p(100 * x) * 1e4
        row = []
        for rate in [pi] + [qi / (vi * h) for h in horizons]:
            t = qi / (rate * vi)
            pov = rate / (1 + rate)
            g = 0.5 + 0.5 * math.sqrt(pov / pov_ref)
            row += [half + f_sq * g, half + (0.142 * si * rate**0.6 + 0.314 * si * x * inv_t**0.25 / 2) * 1e4,
                    half + 0.98 * pov**0.5 * ist + 0.02 * ist, half + f_cr * g, half + f_lg * g, si * math.sqrt(t / 3) * 1e4]
        out.append(tuple(row))
    return out


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"best_s": min(times), "median_s": statistics.median(times), "runs": repeats}


def run_scenario(name, profiles, orders, repeats):

    from liqcost.config import load_config
    from liqcost.models.impact import Order, Profile, Schedule
    from liqcost.models.params import cap_band, load_params
    from liqcost.pretrade import pretrade
    from liqcost.pretrade.days import VolumeLists, days_to_complete

    cfg = load_config()
    params = load_params(cfg)
    pretrade(orders, profiles, cfg, params=params, frontier=True)  # warm-up: imports, first calls
    full = timed(lambda: pretrade(orders, profiles, cfg, params=params, frontier=True), repeats)
    res = pretrade(orders, profiles, cfg, params=params, frontier=True)
    j = orders.join(profiles.with_row_index("_i"), on="symbol", how="left")
    q = j["qty"].to_numpy()
    adv, sigma, spread = j["adv_shares"].to_numpy(), j["volatility_daily_frac"].to_numpy(), j["spread_bps"].to_numpy()
    theta, price, mcap = j["shares_outstanding"].fill_null(np.nan).to_numpy(), j["price_px"].to_numpy(), j["market_cap_usd"].fill_null(np.nan).to_numpy()
    syms = j["symbol"].to_numpy()

    def models_only():
        bands = cap_band(mcap, cfg.bars.market_cap_bands_usd)
        ms = params.build(cfg.impact.models, syms, bands)
        o, pr, s = Order(q), Profile(price, adv, sigma, spread, theta, mcap), Schedule(participation_frac=0.1)
        return [m.cost_bps(o, pr, s) for m in ms.values()]

    def frontier_models():
        """The five models at the cap and over the 5 horizons, vectorized (what the peer loop prices)."""
        k = len(HORIZONS) + 1
        bands = cap_band(np.repeat(mcap, k), cfg.bars.market_cap_bands_usd)
        ms = params.build(cfg.impact.models, np.repeat(syms, k), bands)
        rep = [np.repeat(a, k) for a in (q, price, adv, sigma, spread, theta, mcap)]
        days = np.tile(np.r_[np.nan, HORIZONS], q.size)
        o, pr = Order(rep[0]), Profile(*rep[1:])
        s = Schedule(participation_frac=0.1, duration_days=days)
        return [m.cost_bps(o, pr, s) for m in ms.values()]

    vols = VolumeLists.from_series(profiles["daily_volume_shares"])
    pidx = j["_i"].to_numpy()
    models_t = timed(models_only, repeats)
    frontier_t = timed(frontier_models, repeats)
    days_t = timed(lambda: days_to_complete(vols, pidx, q, 0.1, (1, 5, 10, 20)), repeats)
    peer_n = min(q.size, 10_000)
    peer = timed(lambda: peer_loop(q[:peer_n], adv[:peer_n], sigma[:peer_n], spread[:peer_n], np.full(peer_n, 0.1), theta[:peer_n],
                                   HORIZONS), max(1, repeats // 2))
    # the peer prices the same costs: check it agrees with the vectorized models (sqrt at the cap and at 1 day)
    ref = np.array(peer_loop(q[:200], adv[:200], sigma[:200], spread[:200], np.full(200, 0.1), theta[:200], HORIZONS))
    got = res.orders["cost_sqrt_bps"].to_numpy()[:200]
    one_day = frontier_models()[0].total_bps.reshape(q.size, -1)[:200, 1]
    agree = bool(np.allclose(ref[:, 0], got, rtol=1e-9) and np.allclose(ref[:, 6], one_day, rtol=1e-9))
    n = orders.height
    out = {
        "scenario": name,
        "orders": n,
        "names": int(orders["symbol"].n_unique()),
        "pretrade_total": full,
        "orders_per_s": n / full["best_s"],
        "under_1s": full["best_s"] < 1.0,
        "frontier_rows": int(res.frontier.height),
        "parts": {"five_models": models_t, "five_models_frontier": frontier_t, "days_to_complete": days_t},
        "peer_python_loop_models_frontier": peer,
        "ratio_peer_over_vectorized_frontier": peer["best_s"] / frontier_t["best_s"],
        "peer_agrees_with_sqrt_model": agree,
        "priced": res.n_priced,
        "median_expected_days": float(np.median(res.orders["expected_days"].to_numpy())),
    }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "bench_pretrade.json"))
    args = ap.parse_args(argv)
    import polars as pl
    import scipy

    p2k = make_profiles(2000, seed=0)
    p10k = make_profiles(10_000, seed=1)
    scenarios = [
        ("book_2k_names", p2k, make_orders(p2k, 10_000, 5, 0.001, 1.0)),
        ("book_10k_names", p10k, make_orders(p10k, 10_000, 1, 0.001, 1.0)),
        ("big_orders", p2k, make_orders(p2k, 10_000, 5, 0.5, 5.0, seed=2)),
    ]
    results = []
    for name, prof, orders in scenarios:
        r = run_scenario(name, prof, orders, args.repeats)
        results.append(r)
        print(
            f"{name:15s} {r['orders']:,} orders / {r['names']:,} names: pretrade {r['pretrade_total']['best_s']:.3f} s best "
            f"({r['pretrade_total']['median_s']:.3f} median) with frontiers ({r['frontier_rows']:,} rows), "
            f"{r['orders_per_s']:,.0f} orders/s; models x6 schedules "
            f"{r['parts']['five_models_frontier']['best_s'] * 1e3:.1f} ms vs python loop "
            f"{r['peer_python_loop_models_frontier']['best_s'] * 1e3:.0f} ms (x{r['ratio_peer_over_vectorized_frontier']:.0f}); "
            f"days {r['parts']['days_to_complete']['best_s'] * 1e3:.0f} ms"
        )
    payload = {
        "benchmark": "pretrade",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_avg_1m": os.getloadavg()[0]},
        "versions": {"numpy": np.__version__, "polars": pl.__version__, "scipy": scipy.__version__},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "results": results,
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n")
    tmp.replace(out)
    print(f"wrote {out} (peak RSS {payload['peak_rss_mb']:.0f} MB, load {payload['machine']['load_avg_1m']:.1f})")


if __name__ == "__main__":
    main()
