"""Compile liqcost's numba kernels once, so that no later command waits for them (``liqcost warmup``).

numba compiles a kernel the first time it is called and keeps the machine code in its on-disk cache
(next to the package, or under ``NUMBA_CACHE_DIR``); every later process loads it in milliseconds. A
command compiles only the kernels it calls (``pretrade`` on ticks does not compile the bar estimators);
warming compiles all of them, in stages dealt to parallel processes (one per core), each calling the
same library functions the commands call on a few rows of synthetic data, so that every kernel is
compiled for exactly the argument types the commands use.

Run as ``python -m liqcost.app.warmup STAGE [STAGE ...]`` it warms those stages in this process, one after the
other, and prints a JSON line after each (the worker of :func:`warmup`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from liqcost.errors import LiqcostError
from liqcost.result import Result

#: stage name -> (what it compiles, the commands that use it, worker function); slowest first
STAGES: dict[str, tuple[str, str, str]] = {
    "bars-moments": ("bar estimators: Roll, Corwin-Schultz, Abdi-Ranaldo, zero returns and FHT, volatility, volume",
                     "profile, pretrade, plan on bars", "_warm_bars_moments"),
    "ticks": ("tick pass, daily table, liquidity profile, audit table", "profile, pretrade, plan on ticks", "_warm_ticks"),
    "bars-edge-lot": ("bar estimators: EDGE (rolling and full sample) and LOT", "profile, pretrade, plan on bars",
                      "_warm_bars_edge_lot"),
    "fills": ("virtual limit-order fills of the fill-probability model", "plan", "_warm_fills"),
}


class WarmupError(LiqcostError):
    """A stage failed: an internal problem (exit 3), not a mistake of the user."""

    exit_code = 3


@dataclass(frozen=True)
class WarmupResult(Result):
    """One row per stage: kernels compiled and loaded, seconds, what it compiles and which commands use it."""

    title: ClassVar[str] = "warmup"
    rows: tuple = ()
    cache: str = ""

    def tables(self) -> dict:
        import polars as pl

        return {"warmup": pl.DataFrame(list(self.rows))}

    def display_tables(self) -> dict:
        return {"warmup": self.tables()["warmup"].drop("compiles")}

    def heading(self) -> str:
        return (f"warmup: {sum(r['kernels_compiled'] for r in self.rows)} kernels compiled, "
                f"{sum(r['kernels_loaded'] for r in self.rows)} loaded from the cache")

    @property
    def notes(self) -> tuple[str, ...]:
        return (f"numba cache: {self.cache}",)


def warmup(stages=None, *, jobs: int = 0, progress=None) -> WarmupResult:
    """Warm ``stages`` (all by default) in worker processes, ``jobs`` at a time (0: one per core).

    ``progress`` is a context manager factory ``progress(total, label)`` yielding ``advance()`` (the
    command line's progress bar), or None.
    """
    from liqcost.engine import default_workers

    names = list(dict.fromkeys(stages or ())) or list(STAGES)
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        from liqcost.errors import UsageError

        raise UsageError(f"unknown warmup stage {unknown[0]!r}; stages: {', '.join(STAGES)}.")
    rows = run_stages(names, jobs or default_workers(), progress)
    return WarmupResult(tuple(rows), _cache_location())


def run_stages(names: list[str], jobs: int, progress=None) -> list[dict]:
    """Warm ``names`` in ``jobs`` worker processes (at most one per stage); one result row per stage, in ``names``
    order.

    The stages are dealt round-robin in the order given (``STAGES`` lists the slowest first), and each worker
    warms its stages one after the other: a process start (imports and numba's own set-up, about a second on a
    2-core machine) is paid once per worker, not once per stage. A stage's row counts only what it compiled or
    loaded itself; the first stage of a worker also carries that worker's start.
    """
    import json
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor, as_completed

    import contextlib

    workers = max(1, min(jobs, len(names)))
    groups = [names[i::workers] for i in range(workers)]

    def one(group: list[str]) -> list[dict]:
        p = subprocess.run([sys.executable, "-m", "liqcost.app.warmup", *group], capture_output=True, text=True)
        rows = [json.loads(ln) for ln in p.stdout.splitlines() if ln.startswith("{")]
        if p.returncode != 0 or len(rows) < len(group):
            failed = group[min(len(rows), len(group) - 1)]
            last = (p.stderr.strip().splitlines() or ["no output"])[-1]
            raise WarmupError(f"warmup stage {failed!r} failed ({last}); run `python -m liqcost.app.warmup {failed}` "
                              "to see the traceback and report it.")
        return rows

    results: dict[str, dict] = {}
    bar = progress(len(names), "compiling kernels") if progress is not None else contextlib.nullcontext(lambda *a: None)
    with bar as advance, ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, g) for g in groups if g]
        for f in as_completed(futures):
            for row in f.result():
                results[row["stage"]] = row
                advance()
    return [results[n] for n in names]


def _cache_location() -> str:
    import os

    d = os.environ.get("NUMBA_CACHE_DIR")
    if d:
        return d
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("liqcost.kernels")
    here = Path(spec.origin).parent / "__pycache__" if spec and spec.origin else None
    if here is not None and os.access(here.parent, os.W_OK):
        return str(here)
    return os.path.join(os.path.expanduser("~"), ".cache", "numba")


# --------------------------------------------------------------------------------------- the stages
# Each stage calls the library the way the commands do, on a few rows: the kernels are compiled for the
# argument types the commands use (read-only inputs, the same named records), or loaded from the cache.


def _tiny_ticks():
    """Two symbols over two days: trades (some auctions, a feed flag) and quotes (one crossed)."""
    import datetime as dt

    import numpy as np
    import polars as pl

    ns = 10**9
    rows_t, rows_q = [], []
    for day in (dt.date(2024, 3, 4), dt.date(2024, 3, 5)):
        o = int(dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=dt.timezone.utc).timestamp()) * ns
        for sym, px in (("WRMA", 10.0), ("WRMB", 3.0)):
            for k in range(12):
                bid = px * (1 + 0.001 * (k % 3))
                rows_q.append((sym, o - 60 * ns + k * 1800 * ns, bid, bid + 0.02 if k != 5 else bid - 0.01, 300.0, 200.0))
            for k in range(16):
                rows_t.append((sym, o + 90 * ns + k * 1300 * ns, px + 0.01 * (k % 4), 100.0 * (1 + k % 3),
                               int((k % 5) - 2 if k % 5 in (1, 3) else 0), int(k == 15) * 2))
    tts = pl.Series([r[1] for r in rows_t]).cast(pl.Datetime("ns", "UTC"))
    qts = pl.Series([r[1] for r in rows_q]).cast(pl.Datetime("ns", "UTC"))
    trades = pl.DataFrame({"symbol": [r[0] for r in rows_t], "ts": tts, "price": [r[2] for r in rows_t],
                           "size": [r[3] for r in rows_t], "aggressor": np.array([np.sign(r[4]) for r in rows_t], np.int8),
                           "auction": np.array([r[5] for r in rows_t], np.int8)})
    quotes = pl.DataFrame({"symbol": [r[0] for r in rows_q], "ts": qts, "bid": [r[2] for r in rows_q],
                           "ask": [r[3] for r in rows_q], "bid_size": [r[4] for r in rows_q],
                           "ask_size": [r[5] for r in rows_q]})
    return trades, quotes


def _warm_ticks() -> None:
    import tempfile
    from pathlib import Path

    from liqcost.config import load_config
    from liqcost.measures.daily import daily_metrics
    from liqcost.measures.profile import liquidity_profile

    config = load_config()
    trades, quotes = _tiny_ticks()
    with tempfile.TemporaryDirectory() as d:
        result = daily_metrics(config, trades=trades, quotes=quotes, trades_out=Path(d) / "audit.parquet", workers=1)
    liquidity_profile(result.daily, config)


def _tiny_bars():
    """Four symbols, 90 weekdays of daily bars (zero-volume days, a missing day, shares outstanding)."""
    import datetime as dt

    import numpy as np
    import polars as pl

    rng = np.random.default_rng(0)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(130)]
    days = [d for d in days if d.weekday() < 5][:90]
    frames = []
    for k, sym in enumerate(("WRMA", "WRMB", "WRMC", "WRMD")):
        mid = (4 + 6 * k) * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
        o = np.round(mid * (1 + 0.004 * rng.choice([-1, 1], len(days))), 2)
        c = np.round(mid * (1 + 0.004 * rng.choice([-1, 1], len(days))), 2)
        h = np.maximum(o, c) + 0.01
        lw = np.minimum(o, c) - 0.01
        v = np.where(rng.random(len(days)) < 0.2, 0.0, np.round(rng.exponential(2000, len(days))))
        frames.append(pl.DataFrame({"symbol": sym, "date": days, "open": o, "high": h, "low": lw, "close": c, "volume": v,
                                    "shares_outstanding": 5e6}).filter(pl.int_range(pl.len()) != 40))
    return pl.concat(frames)


def _warm_bars(families: tuple[str, ...]) -> None:
    from liqcost.config import Config
    from liqcost.measures.bars import bar_panel_estimates, bar_profile

    bars = _tiny_bars()
    config = Config.model_validate({"bars": {"lot_rolling": True, "lot_min_market_symbols": 2}})
    bar_panel_estimates(bars, config, mode="rolling", families=families)
    bar_panel_estimates(bars, config, mode="full", families=families)
    bar_profile(bars, config, families=families)


def _warm_bars_moments() -> None:
    _warm_bars(("roll", "cs", "ar", "zero", "volatility", "volume"))


def _warm_bars_edge_lot() -> None:
    _warm_bars(("edge", "lot"))


def _warm_fills() -> None:
    from liqcost.config import load_config
    from liqcost.errors import CalibrationError
    from liqcost.models.fill_prob import fit_fill_model

    trades, quotes = _tiny_ticks()
    try:
        fit_fill_model(trades, quotes, load_config(), symbol="WRMA")
    except CalibrationError:  # a few rows cannot be fitted; the kernels ran (and compiled) before the fit
        pass


def _worker(name: str) -> dict:
    """Warm one stage in this process; the counts are this stage's own (the process may have warmed others)."""
    import sys
    import time

    from liqcost.kernels import cache_stats

    compiled0, loaded0 = cache_stats() if "numba" in sys.modules else (0, 0)  # the first stage pays the imports
    t0 = time.perf_counter()
    globals()[STAGES[name][2]]()
    compiled, loaded = cache_stats()
    return {"stage": name, "kernels_compiled": compiled - compiled0, "kernels_loaded": loaded - loaded0,
            "seconds": round(time.perf_counter() - t0, 2), "compiles": STAGES[name][0], "used_by": STAGES[name][1]}


if __name__ == "__main__":  # the worker: warms the stages named, in order, printing a JSON line after each
    import json
    import sys
    import warnings

    if len(sys.argv) < 2 or not set(sys.argv[1:]) <= set(STAGES):
        sys.exit(f"usage: python -m liqcost.app.warmup STAGE [STAGE ...]; stages: {', '.join(STAGES)}")
    warnings.simplefilter("ignore")
    for stage in sys.argv[1:]:
        print(json.dumps(_worker(stage)), flush=True)
    import gc

    gc.freeze()  # a quick exit, as the command line's (liqcost.cli._before_exit)
