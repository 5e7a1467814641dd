"""Slow twins of the pre-trade computations, and profiles built from the generator's ground truth.

* :func:`days_exact` enumerates every sequence of ``k`` days (``n**k`` of them) for small inputs: the exact
  ``P(D <= k)`` under the iid bootstrap of the daily volumes, and ``E[D]`` by summing ``P(S_k < x)``.
* :func:`days_monte_carlo` draws paths of daily volumes.
* :func:`stressed_volume` is the rolling-window quantile with plain loops.
* :func:`profile_from_truth` builds a ``schema.PROFILE`` table from ``SampleSet.truth`` (+ bars).
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np


def days_exact(volumes, x, k_max):
    """Exact ``P(S_k >= x)`` for ``k = 1..k_max`` and the truncated ``sum_{k=0}^{k_max} P(S_k < x)``."""
    v = list(map(float, volumes))
    n = len(v)
    probs = []
    for k in range(1, k_max + 1):
        hits = sum(1 for combo in itertools.product(v, repeat=k) if sum(combo) >= x)
        probs.append(hits / n**k)
    partial = 1.0 + sum(1.0 - p for p in probs)  # k = 0 term is 1 for x > 0
    return probs, partial


def days_monte_carlo(volumes, x, days=(1, 5, 10, 20), n_paths=200_000, horizon=2000, seed=0):
    """``P(D <= k)`` for the given ``k`` and ``E[D]`` from simulated paths (iid draws of the volumes)."""
    rng = np.random.default_rng(seed)
    v = np.asarray(volumes, dtype=float)
    # draw in blocks of days until every path is done
    done_day = np.full(n_paths, np.inf)
    cum = np.zeros(n_paths)
    day = 0
    while day < horizon and np.isinf(done_day).any():
        block = min(50, horizon - day)
        draws = rng.choice(v, size=(n_paths, block))
        cs = cum[:, None] + np.cumsum(draws, axis=1)
        reached = cs >= x
        first = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1 + day, np.inf)
        done_day = np.where(np.isinf(done_day), first, done_day)
        cum = cs[:, -1]
        day += block
    return {k: float((done_day <= k).mean()) for k in days}, float(done_day.mean())


def stressed_volume(volumes, window, q):
    """Quantile ``q`` of the rolling ``window``-day mean volume (whole mean when fewer days)."""
    v = list(map(float, volumes))
    if len(v) < window:
        return sum(v) / len(v)
    means = sorted(sum(v[i - window + 1 : i + 1]) / window for i in range(window - 1, len(v)))
    h = (len(means) - 1) * q
    lo = int(np.floor(h))
    hi = min(lo + 1, len(means) - 1)
    return means[lo] * (1 - (h - lo)) + means[hi] * (h - lo)


def profile_from_truth(truth: dict, bars=None, asof: dt.date | None = None, adv_key: str = "adv_shares",
                       spread_key: str = "true_half_spread_bps", source: str = "ticks"):
    """A ``schema.PROFILE`` table from the generator's truth (``SampleSet.truth`` or ground_truth.json).

    ``spread_bps`` is twice ``truth[spread_key]``; ``adv_shares`` is ``truth[adv_key]``; the daily
    volumes come from ``bars`` (one row per symbol-day, zero days included) when given, else a flat list
    at the ADV.
    """
    import polars as pl

    rows = []
    last = dt.date.fromisoformat(truth["days"][1]) if "days" in truth else (asof or dt.date(2025, 3, 28))
    n_days = truth.get("n_days", 20)
    for sym, t in truth["symbols"].items():
        if bars is not None:
            b = bars.filter(pl.col("symbol") == sym).sort("date")
            vols = b.get_column("volume").to_list()
            price = float(b.get_column("close")[-1])
        else:
            vols = [t["adv_shares"]] * n_days
            price = t["price0_px"]
        rows.append(
            {
                "symbol": sym,
                "asof_date": asof or last,
                "lookback_days": len(vols),
                "source": source,
                "price_px": price,
                "adv_shares": float(t[adv_key]),
                "mdv_shares": float(t["mdv_shares"]),
                "adv_usd": float(t[adv_key]) * price,
                "zero_volume_days": int(sum(1 for x in vols if x == 0)),
                "daily_volume_shares": [float(x) for x in vols],
                "spread_bps": 2.0 * float(t[spread_key]),
                "volatility_daily_frac": float(t["volatility_daily_frac"]),
                "shares_outstanding": float(t["shares_outstanding"]),
                "market_cap_usd": float(t["shares_outstanding"]) * price,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"daily_volume_shares": pl.List(pl.Float64)})
