"""Benchmark of the plan replay (``liqcost.sim``): kernel throughput, and plan variants over many start days.

Usage::

    python benchmarks/bench_replay.py            # throughput on 60 days x 20,000 trades a day; variants on
                                                 # 60 and 106 days x 1,000 trades a day
    python benchmarks/bench_replay.py --small    # 20 days x 5,000 trades a day; variants on 60 days only

Data come from ``liqcost sample`` (one name, no dirt, no metaorders) written to ``/tmp/liqcost_bench_replay``
and read back through the dataset like any user's data. An **event** is one trade or one quote update of the
tape that the replay's state machine processes (``run_events`` of the kernel; events the kernel skips while
nothing works are not counted). Compilation is excluded (each measurement is warmed up first); timings are
the best of several runs; the kernel runs on one thread (it has no parallel loop).

Measurements:

* ``throughput``: :func:`liqcost.kernels.replay.replay_runs` alone, one run whose 13 half-hour tranches a day
  (join, re-pegged on every quote, queue model ``queue``, own impact on) work through every session of the
  tape, so every event is processed; the same with a second order on the other side at the mid (two live
  orders per event) and with the ``prob`` queue model. Events per second.
* ``reference``: the pure-Python twin (``tests/reference/replay.py``) on the first day of the same tape, the
  kernel's peer (ratio per event).
* ``hftbacktest`` (when installed): the same tape as L2 depth and trade events, replayed by hftbacktest
  (``HashMapMarketDepthBacktest``, risk-averse queue model) with one resting bid re-pegged to the best bid
  at every feed (``wait_next_feed``), and with the bid left resting while ``elapse`` runs an hour at a time;
  throughput in the same events (trades + quote updates of our tape) per second, and its own row count.
* ``variants``: :func:`liqcost.sim.variants.replay_days` of 6 plan variants (participation 5/10/20%, passive /
  mid / aggressive pricing: :func:`~liqcost.sim.variants.plan_variants` on a buy of 5% of ADV) over every start
  day of a 60-day tape, and over 100 start days of a 106-day tape (100 start days do not fit in 60 days of
  ticks); then the 9 variants with the horizons 1/3/5 days. Seconds for the whole call (tape read from the
  dataset, kernel, tables), the plans built once beforehand (timed apart).

* ``command``: the whole ``liqcost simulate`` command, in a fresh process as a user runs it (import, cached
  kernels loaded, tape read, profiles, planning, replay, tables written as Parquet), with 6 variants
  (``--variants participation=0.05,0.1,0.2 --variants pricing=passive,mid,aggressive``) for a buy of 5% of ADV
  of one name: over every start day of the 60-day tape and over 100 start days of the 106-day tape (100 start
  days do not fit in 60 days of ticks). Two ways in: a plan file (``liqcost plan -o plan.csv``, moved to each
  start day; own impact on and off) and the order itself, planned afresh for each start day from the data before
  it (fill model refitted every start day, ``simulate.fill_refit_days: 1``, and every 20). Peers measured in the
  same run: the library call (:func:`~liqcost.sim.variants.replay_days` of plans built once, the ``variants``
  figure) for the plan file, and for the order the obvious alternative, ``liqcost plan --asof`` of each variant
  for each start day (the profile and the fill model rebuilt from the dataset every time; timed on a few start
  days, per start day).

Results go to ``benchmarks/results/bench_replay[_small].json`` (``--command`` alone:
``bench_replay_command.json``) with the machine's load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

NS = 1_000_000_000
DATA = Path("/tmp/liqcost_bench_replay")
WORK = Path("/tmp/liqcost_bench_simulate")  # the command's plan files and outputs


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _best(fn, reps=3):
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _best_cpu(fn, reps=5):
    """Best wall time and best CPU time of this thread (the work itself, without the waits a loaded machine adds)."""
    wall, cpu, out = [], [], None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.thread_time()
        out = fn()
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - t0)
    return min(wall), min(cpu), out


def sample(name: str, days: int, trades_per_day: float) -> Path:
    """``liqcost sample`` of one name into /tmp, then ``liqcost ingest`` of its trades and quotes (kept between
    runs; the sample's own ingest stops on the empty fills file of ``--metaorders 0``)."""
    out = DATA / name
    if not (out / "dataset").is_dir():
        env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
        lq = [sys.executable, "-m", "liqcost", "-q"]
        subprocess.run(lq + ["sample", "--symbols", "1", "--days", str(days), "--trades-per-day", str(trades_per_day),
                             "--metaorders", "0", "--no-dirt", "--no-ingest", "--seed", "3", "-o", str(out)],
                       check=True, env=env)
        for kind in ("trades", "quotes"):
            subprocess.run(lq + ["ingest", "--kind", kind, str(out / "raw" / f"{kind}.csv"), "-o", str(out / "dataset")],
                           check=True, env=env, stdout=subprocess.DEVNULL)
    return out / "dataset"


# ------------------------------------------------------------------------------------ throughput


def session_tranches(tape, config, two_sided=False, qm="queue"):
    """Kernel inputs: 13 half-hour join tranches a day (and a sell at the mid), huge, working all session."""
    from liqcost.kernels import replay as K
    from liqcost.models.fill_prob import session_bounds_ns

    opens, closes = session_bounds_ns(tape.days(), config.session)
    rows = []
    for o, c in zip(opens, closes):
        edges = np.linspace(o, c, 14).astype(np.int64)
        for a, b in zip(edges[:-1], edges[1:]):
            rows.append((a, b, 1, 0, 0))
            if two_sided:
                rows.append((a, b, -1, K.CODE_MID, 1))
    rows.sort(key=lambda r: (r[0], r[4]))
    T = len(rows)
    start = np.array([r[0] for r in rows], np.int64)
    nxt = np.full(T, -1, np.int64)
    last = {}
    for k in range(T - 1, -1, -1):
        nxt[k] = last.get(rows[k][4], -1)
        last[rows[k][4]] = k
    tr = K.Tranches(start, np.array([r[1] for r in rows], np.int64), np.array([r[2] for r in rows], np.int8),
                    np.full(T, 1e12), np.array([r[3] for r in rows], np.int64), np.full(T, np.nan), np.full(T, np.nan),
                    np.full(T, np.nan), np.where(nxt >= 0, K.POL_CARRY, K.POL_LEAVE).astype(np.int8), nxt,
                    np.array([r[4] for r in rows], np.int64))
    runs = K.Runs(np.array([0], np.int64), np.array([T], np.int64), np.array([1e-7]), np.array([2 / 3]), np.array([1200.0 * NS]))
    return tr, runs


def run_kernel(tape, tr, runs, qm, cap):
    from liqcost.kernels import replay as K

    T = tr.start_ns.shape[0]
    ints = ("placed_ns", "n_reprice", "first_fill_ns", "last_fill_ns", "complete_ns")
    out = K.TrancheOut(*[np.zeros(T, np.int64) if f in ints else np.zeros(T) for f in K.TrancheOut._fields])
    fills = K.FillOut(np.zeros(cap, np.int64), np.zeros(cap, np.int64), np.zeros(cap), np.zeros(cap), np.zeros(cap, np.int8),
                      np.zeros(cap), np.zeros(cap), np.zeros(cap))
    n_f = np.zeros(1, np.int64)
    ev = np.zeros(runs.tr0.shape[0], np.int64)
    trace = K.Trace(np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)))
    st = K.replay_runs(tape.kernel_tape(), tr, runs, tape.tick_px, qm, 1.0, 2.0, 100.0, K.DECAY_PAUSE, True, out, fills, n_f,
                       ev, trace)
    return st, int(ev.sum()), int(n_f[0])


def bench_throughput(dataset, config) -> dict:
    from liqcost.kernels import replay as K
    from liqcost.sim.tape import Tape

    tape = Tape.from_dataset(dataset, "THNA", config=config)
    out = {"events_in_tape": tape.n_events, "trades": tape.n_trades, "quotes": tape.n_quotes, "days": len(tape.days())}
    for label, two, qm in (("one_order_queue", False, K.QM_QUEUE), ("two_orders_queue", True, K.QM_QUEUE),
                           ("one_order_prob", False, K.QM_PROB)):
        tr, runs = session_tranches(tape, config, two)
        cap = 2 * tape.n_trades + 4096
        small = Tape.from_arrays("W", tape.ts[:2000][tape.kind[:2000] == 0], tape.val[:2000][tape.kind[:2000] == 0][:, :2],
                                 tape.ts[:2000][tape.kind[:2000] == 1], tape.val[:2000][tape.kind[:2000] == 1], tape.tick_px)
        run_kernel(small, tr, runs, qm, cap)  # compile / load
        sec, cpu, (st, ev, nf) = _best_cpu(lambda: run_kernel(tape, tr, runs, qm, cap), reps=7)
        assert st == K.STATUS_OK, st
        out[label] = {"seconds": sec, "cpu_seconds": cpu, "events": ev, "fills": nf, "tranches": int(tr.start_ns.shape[0]),
                      "events_per_s": ev / sec, "events_per_cpu_s": ev / cpu, "ns_per_event": sec / ev * 1e9,
                      "cpu_ns_per_event": cpu / ev * 1e9}
    return out, tape


def bench_reference(tape, config) -> dict:
    """The pure-Python twin on the tape's first day, same tranches."""
    from reference import replay as ref

    from liqcost.models.fill_prob import session_bounds_ns

    day = tape.days()[0]
    o, c = session_bounds_ns([day], config.session)
    sel = (tape.ts <= c[0] + 3600 * NS)
    events = [(int(t), int(k), *[float(x) for x in v]) for t, k, v in zip(tape.ts[sel], tape.kind[sel], tape.val[sel])]
    edges = np.linspace(o[0], c[0], 14).astype(np.int64)
    trs = [{"start": int(a), "end": int(b), "side": 1, "qty": 1e12, "code": 0, "policy": 0 if i < 12 else 2,
            "next_idx": i + 1 if i < 12 else -1} for i, (a, b) in enumerate(zip(edges[:-1], edges[1:]))]
    t0 = time.perf_counter()
    r = ref.replay(events, trs, tick=tape.tick_px, queue_model=1, scale=1e-7, perm=2 / 3, half_life_ns=1200.0 * NS)
    sec = time.perf_counter() - t0
    n = len(r.trace)
    return {"seconds": sec, "events": n, "events_per_s": n / sec, "fills": len(r.fills)}


# ------------------------------------------------------------------------------------ hftbacktest


def hft_events(tape):
    """Our tape as hftbacktest events: depth updates at the touch (a level left is set to 0) and trades."""
    from hftbacktest import BUY_EVENT, DEPTH_EVENT, EXCH_EVENT, LOCAL_EVENT, SELL_EVENT, TRADE_EVENT, event_dtype

    base = EXCH_EVENT | LOCAL_EVENT
    q = tape.kind == 1
    qi = np.flatnonzero(q)
    bid, ask = tape.val[qi, 0], tape.val[qi, 1]
    prev_bid = np.concatenate([[np.nan], bid[:-1]])
    prev_ask = np.concatenate([[np.nan], ask[:-1]])
    clear_b = np.zeros(tape.n_events, bool)
    clear_a = np.zeros(tape.n_events, bool)
    clear_b[qi] = np.isfinite(prev_bid) & (bid != prev_bid)
    clear_a[qi] = np.isfinite(prev_ask) & (ask != prev_ask)
    # the ask in force at each trade (for the trade's side)
    last_q = np.maximum.accumulate(np.where(q, np.arange(tape.n_events), -1))
    ask_at = np.where(last_q >= 0, tape.val[np.maximum(last_q, 0), 1], np.nan)
    counts = np.where(q, 2 + clear_b + clear_a, 1)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    arr = np.zeros(int(counts.sum()), dtype=event_dtype)
    arr["exch_ts"] = np.repeat(tape.ts, counts)
    arr["local_ts"] = arr["exch_ts"]
    pos = start.copy()
    for mask, col, side, price_src in ((clear_b, 0, BUY_EVENT, "prev_bid"), (clear_a, 1, SELL_EVENT, "prev_ask")):
        idx = np.flatnonzero(mask)
        arr["ev"][pos[idx]] = base | DEPTH_EVENT | side
        prev = np.full(tape.n_events, np.nan)
        prev[qi] = prev_bid if price_src == "prev_bid" else prev_ask
        arr["px"][pos[idx]] = prev[idx]
        arr["qty"][pos[idx]] = 0.0
        pos[idx] += 1
    arr["ev"][pos[qi]] = base | DEPTH_EVENT | BUY_EVENT
    arr["px"][pos[qi]] = bid
    arr["qty"][pos[qi]] = tape.val[qi, 2]
    arr["ev"][pos[qi] + 1] = base | DEPTH_EVENT | SELL_EVENT
    arr["px"][pos[qi] + 1] = ask
    arr["qty"][pos[qi] + 1] = tape.val[qi, 3]
    ti = np.flatnonzero(~q)
    side = np.where(tape.val[ti, 0] >= ask_at[ti], BUY_EVENT, SELL_EVENT)
    arr["ev"][pos[ti]] = base | TRADE_EVENT | side
    arr["px"][pos[ti]] = tape.val[ti, 0]
    arr["qty"][pos[ti]] = tape.val[ti, 1]
    return arr


def bench_hftbacktest(tape) -> dict:
    from liqcost.config import Config

    try:
        import hftbacktest  # noqa: F401
    except ImportError:
        return {"skipped": "hftbacktest is not installed (pip install hftbacktest)"}
    from hftbacktest import GTC, LIMIT, BacktestAsset, HashMapMarketDepthBacktest
    from numba import njit

    from liqcost.sim.tape import Tape

    days = tape.days()
    if len(days) > 20:  # the first 20 days (memory); the kernel is measured on the same events below
        from liqcost.models.fill_prob import session_bounds_ns

        cut = int(np.searchsorted(tape.ts, session_bounds_ns([days[19]], Config().session)[1][0], side="right"))
        t_sel, k_sel = tape.ts[:cut], tape.kind[:cut]
        tape = Tape.from_arrays(tape.symbol, t_sel[k_sel == 0], tape.val[:cut][k_sel == 0][:, :2], t_sel[k_sel == 1],
                                tape.val[:cut][k_sel == 1], tape.tick_px, tape.timezone)
    data = hft_events(tape)

    def build():
        asset = (BacktestAsset().data([data]).linear_asset(1.0).constant_order_latency(1000, 1000)
                 .risk_adverse_queue_model().no_partial_fill_exchange().trading_value_fee_model(0.0, 0.0)
                 .tick_size(tape.tick_px).lot_size(1.0).last_trades_capacity(0))
        return HashMapMarketDepthBacktest([asset])

    @njit
    def per_feed(hbt):
        oid = 1
        price = 0.0
        n = 0
        while hbt.wait_next_feed(False, 3_600_000_000_000) in (0, 2):
            n += 1
            bb = hbt.depth(0).best_bid
            if bb != price and bb == bb and bb > 0:
                if price > 0:
                    hbt.cancel(0, oid, False)
                    oid += 1
                hbt.submit_buy_order(0, oid, bb, 100.0, GTC, LIMIT, False)
                price = bb
            hbt.clear_inactive_orders(0)
        return n

    @njit
    def resting(hbt):
        n = 0
        submitted = False
        while hbt.elapse(3_600_000_000_000) == 0:
            n += 1
            if not submitted:
                bb = hbt.depth(0).best_bid
                if bb == bb and bb > 0:
                    hbt.submit_buy_order(0, 1, bb, 1e9, GTC, LIMIT, False)
                    submitted = True
        return n

    from liqcost.kernels import replay as K

    tr, runs = session_tranches(tape, Config())
    cap = 2 * tape.n_trades + 4096
    run_kernel(tape, tr, runs, K.QM_QUEUE, cap)
    sec, cpu, (_, ev, _) = _best_cpu(lambda: run_kernel(tape, tr, runs, K.QM_QUEUE, cap), reps=5)
    out = {"rows": int(data.shape[0]), "events": tape.n_events, "days": len(tape.days()), "version": hftbacktest.__version__,
           "liqcost_same_events": {"seconds": sec, "cpu_seconds": cpu, "events_per_s": ev / sec, "events_per_cpu_s": ev / cpu}}
    for label, fn in (("per_feed_repeg", per_feed), ("resting_elapse_1h", resting)):
        hbt = build()
        fn(hbt)  # compile
        hbt.close()
        walls, cpus = [], []
        for _ in range(3):
            hbt = build()
            t0, c0 = time.perf_counter(), time.thread_time()
            fn(hbt)
            cpus.append(time.thread_time() - c0)
            walls.append(time.perf_counter() - t0)
            hbt.close()
        sec, cpu = min(walls), min(cpus)
        out[label] = {"seconds": sec, "cpu_seconds": cpu, "events_per_s": tape.n_events / sec,
                      "events_per_cpu_s": tape.n_events / cpu, "rows_per_s": data.shape[0] / sec}
    return out


# ------------------------------------------------------------------------------------ variants


def bench_variants(dataset, config, n_start: int | None, horizons: bool) -> dict:
    import polars as pl

    from liqcost.io.dataset import Dataset
    from liqcost.measures.build import build_from_dataset
    from liqcost.app.inputs import fill_models
    from liqcost.sim.tape import Tape
    from liqcost.sim.variants import plan_variants, replay_days

    ds = Dataset(dataset)
    days = ds.dates("quotes", "THNA")
    asof = days[19]
    t0 = time.perf_counter()
    built = build_from_dataset(ds, config, ["THNA"], end=asof)
    fm = fill_models(ds, ["THNA"], config, asof=asof)
    t_inputs = time.perf_counter() - t0
    adv = built.profile["adv_shares"][0]
    orders = pl.DataFrame({"order_id": ["o"], "symbol": ["THNA"], "side": [1], "qty": [float(round(0.05 * adv / 100) * 100)]})
    starts = days if n_start is None else days[:n_start]
    t0 = time.perf_counter()
    variants, notes = plan_variants(orders, built.profile, fm, config, start=starts[0],
                                    horizon_days=(1, 3, 5) if horizons else ())
    t_plans = time.perf_counter() - t0
    # warm-up (compile) on two start days
    replay_days(variants, ds, starts[:2], profile=built.profile, config=config)

    def go():
        return replay_days(variants, ds, starts, profile=built.profile, config=config)

    sec, res = _best(go, reps=3)
    tape = Tape.from_dataset(ds, "THNA", config=config)
    t_tape, _ = _best(lambda: Tape.from_dataset(ds, "THNA", config=config), reps=3)
    return {
        "variants": list(variants), "left_out": list(notes), "start_days_asked": len(starts),
        "runs": int(res.runs.height), "run_events": int(res.run_events), "tape_events": tape.n_events,
        "tape_days": len(tape.days()), "seconds": sec, "seconds_tape_read": t_tape, "seconds_plans_once": t_plans,
        "seconds_profile_and_fill_model": t_inputs, "order_qty_shares": float(orders["qty"][0]),
        "distribution": res.distribution.select(
            "variant", "n_runs", "cost_mean_bps", "cost_sd_bps", "cost_p05_bps", "cost_p95_bps", "fill_rate_mean_frac",
            "spread_cost_mean_bps", "impact_mean_bps", "predicted_cost_mean_bps").to_dicts(),
    }


# ------------------------------------------------------------------------------------ the command


VARIANTS = ["--variants", "participation=0.05,0.1,0.2", "--variants", "pricing=passive,mid,aggressive"]


def _cli(args, env=None, check=True) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``liqcost ARGS`` in a fresh process; wall seconds, CPU seconds of the process (user + system) and the
    process (under load the wall time is several times the CPU time)."""
    env = (env or os.environ) | {"PYTHONPATH": str(ROOT / "src")}
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "liqcost", "-q"] + [str(a) for a in args], capture_output=True, text=True,
                       env=env)
    sec = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if check and p.returncode != 0:
        raise RuntimeError(f"liqcost {' '.join(map(str, args))}: exit {p.returncode}: {p.stderr[-2000:]}")
    return sec, cpu, p


def bench_command(dataset: Path, n_start: int | None, config, reps: int = 2) -> dict:
    """``liqcost simulate`` end to end with 6 variants (see the module docstring), and its peers."""
    import polars as pl

    from liqcost.io.dataset import Dataset
    from liqcost.measures.build import build_from_dataset

    ds = Dataset(dataset)
    days = ds.dates("quotes", "THNA")
    work = WORK / dataset.parent.name
    work.mkdir(parents=True, exist_ok=True)
    asof = days[4]
    adv = build_from_dataset(ds, config, ["THNA"], end=asof).profile["adv_shares"][0]
    qty = int(max(round(0.05 * adv / 100) * 100, 100))
    plan = work / "plan.csv"
    _cli(["--format", "csv", "-o", plan, "plan", "--data", dataset, "--symbol", "THNA", "--side", "buy", "--qty", qty,
          "--asof", asof])
    refit20 = work / "refit20.yaml"
    refit20.write_text("simulate:\n  fill_refit_days: 20\n")
    hist = config.simulate.history_days
    # start days: plan file from the second day (own impact takes the profile of the day before); the order after
    # simulate.history_days days of history
    s_plan = days[1:] if n_start is None else days[1:1 + n_start]
    s_ord = days[hist:] if n_start is None else days[hist:hist + n_start]
    out = {"dataset_days": len(days), "order_qty_shares": qty, "variants": 6, "cases": {}}
    cases = [
        ("plan_file_one_start_day", ["--plan", plan], s_plan[:1], [], reps),  # the fixed cost of a run
        ("plan_file", ["--plan", plan], s_plan, [], reps),
        ("plan_file_no_impact", ["--plan", plan, "--no-impact"], s_plan, [], reps),
        ("order_refit_every_day", ["--symbol", "THNA", "--side", "buy", "--qty", qty], s_ord, [], 1),
        ("order_refit_every_20_days", ["--symbol", "THNA", "--side", "buy", "--qty", qty], s_ord, ["--config", refit20], 1),
    ]
    for label, what, starts, glob, n in cases:
        res = work / f"{label}.parquet"
        args = glob + ["--format", "parquet", "-o", res, "simulate", "--data", dataset, *what, *VARIANTS,
                       "--start", starts[0], "--end", starts[-1]]
        timed = [_cli(args)[:2] for _ in range(n)]
        secs, cpus = [t[0] for t in timed], [t[1] for t in timed]
        comp = pl.read_parquet(res)
        runs = pl.read_parquet(work / f"{label}.orders.parquet").height
        out["cases"][label] = {"seconds": min(secs), "cpu_seconds": min(cpus), "all_seconds": secs, "all_cpu_seconds": cpus,
                               "start_days_asked": len(starts), "start_days_replayed": int(comp["n_runs"].max()),
                               "runs": runs, "seconds_per_start_day": min(secs) / len(starts),
                               "cpu_seconds_per_start_day": min(cpus) / len(starts),
                               "comparison": comp.select("variant", "n_runs", "cost_mean_bps", "cost_sd_bps",
                                                         "fill_rate_mean_frac", "impact_mean_bps",
                                                         "predicted_cost_mean_bps").to_dicts()}
    # peer for the order: liqcost plan --asof for each variant and start day (profile and fill model rebuilt each time)
    import liqcost as lc

    peer_days = s_ord[:3]
    variants6 = [{"max_participation": 0.05}, {"max_participation": 0.1}, {"max_participation": 0.2},
                 {"rules": ["join"]}, {"rules": ["mid"]}, {"rules": ["cross"]}]
    lc.plan(symbol="THNA", side="buy", qty=qty, data=dataset, asof=days[hist - 1], start=s_ord[0])  # warm
    t0, c0 = time.perf_counter(), time.process_time()
    for d in peer_days:
        prev = days[days.index(d) - 1]
        for v in variants6:
            lc.plan(symbol="THNA", side="buy", qty=qty, data=dataset, asof=prev, start=d, **v)
    per_day = (time.perf_counter() - t0) / len(peer_days)
    per_day_cpu = (time.process_time() - c0) / len(peer_days)
    out["peer_plan_asof_per_start_day_seconds"] = per_day
    out["peer_plan_asof_per_start_day_cpu_seconds"] = per_day_cpu
    fixed = out["cases"]["plan_file_one_start_day"]
    for label, c in out["cases"].items():
        c["over_one_start_day_run"] = c["seconds"] / fixed["seconds"]
        c["cpu_over_one_start_day_run"] = c["cpu_seconds"] / fixed["cpu_seconds"]
    for label in ("order_refit_every_day", "order_refit_every_20_days"):
        c = out["cases"][label]
        c["peer_over_command_per_start_day"] = per_day / c["seconds_per_start_day"]
        c["peer_over_command_per_start_day_cpu"] = per_day_cpu / c["cpu_seconds_per_start_day"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="a quick run on smaller tapes")
    ap.add_argument("--command", action="store_true", help="only the whole-command timing (bench_replay_command.json)")
    args = ap.parse_args()
    from liqcost.config import Config

    config = Config()
    load_start = os.getloadavg()
    if args.command:
        return main_command(config, load_start)
    if args.small:
        heavy = sample("heavy_small", 20, 5000)
    else:
        heavy = sample("heavy", 60, 20000)
    light60 = sample("light60", 60, 1000)
    results: dict = {}
    results["throughput"], tape = bench_throughput(heavy, config)
    results["reference"] = bench_reference(tape, config)
    results["hftbacktest"] = bench_hftbacktest(tape)
    results["variants_60_days"] = bench_variants(light60, config, None, False)
    if not args.small:
        light106 = sample("light106", 106, 1000)
        results["variants_100_start_days"] = bench_variants(light106, config, 100, False)
        results["variants_100_start_days_9"] = bench_variants(light106, config, 100, True)
    thr = results["throughput"]
    summary = {
        "events_per_cpu_s_one_order": thr["one_order_queue"]["events_per_cpu_s"],
        "events_per_cpu_s_two_orders": thr["two_orders_queue"]["events_per_cpu_s"],
        "events_per_s_one_order": thr["one_order_queue"]["events_per_s"],
        "events_per_s_two_orders": thr["two_orders_queue"]["events_per_s"],
        "events_per_s_prob_queue": thr["one_order_prob"]["events_per_s"],
        "events_per_s_target": 20e6,
        "kernel_over_reference_per_event": thr["one_order_queue"]["events_per_s"] / results["reference"]["events_per_s"],
        "variants_60_days_seconds": results["variants_60_days"]["seconds"],
        "variants_60_days_runs": results["variants_60_days"]["runs"],
    }
    h = results["hftbacktest"]
    if "per_feed_repeg" in h:
        mine = h["liqcost_same_events"]
        summary["kernel_over_hftbacktest_per_feed"] = mine["events_per_s"] / h["per_feed_repeg"]["events_per_s"]
        summary["kernel_over_hftbacktest_elapse"] = mine["events_per_s"] / h["resting_elapse_1h"]["events_per_s"]
        summary["kernel_over_hftbacktest_per_feed_cpu"] = mine["events_per_cpu_s"] / h["per_feed_repeg"]["events_per_cpu_s"]
        summary["kernel_over_hftbacktest_elapse_cpu"] = mine["events_per_cpu_s"] / h["resting_elapse_1h"]["events_per_cpu_s"]
    if "variants_100_start_days" in results:
        summary["variants_6x100_seconds"] = results["variants_100_start_days"]["seconds"]
        summary["variants_6x100_runs"] = results["variants_100_start_days"]["runs"]
        summary["variants_9x100_seconds"] = results["variants_100_start_days_9"]["seconds"]
        summary["variants_target_seconds"] = 5.0
    import numba
    import polars

    doc = {
        "benchmark": "bench_replay",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "numba": numba.__version__, "polars": polars.__version__,
                    "numba_threads": os.environ.get("NUMBA_NUM_THREADS"),
                    "load_average_at_start": list(load_start), "load_average_at_end": list(os.getloadavg()),
                    "peak_rss_mb": _rss_mb(),
                    "note": "a shared 2-core machine: other jobs ran at the same time; timings are best of 3-5 runs"},
        "args": {"small": args.small},
        "summary": summary,
        "results": results,
    }
    name = "bench_replay_small.json" if args.small else "bench_replay.json"
    path = HERE / "results" / name
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"written {path}")


def _machine(load_start) -> dict:
    import numba
    import polars

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "numba": numba.__version__, "polars": polars.__version__, "numba_threads": os.environ.get("NUMBA_NUM_THREADS"),
            "load_average_at_start": list(load_start), "load_average_at_end": list(os.getloadavg()),
            "peak_rss_mb": _rss_mb(),
            "note": "a shared 2-core machine: other jobs ran at the same time; wall times of fresh processes"}


def main_command(config, load_start) -> None:
    """The whole-command timing alone (see ``command`` in the module docstring)."""
    light60 = sample("light60", 60, 1000)
    light106 = sample("light106", 106, 1000)
    results = {
        "variants_60_days": bench_variants(light60, config, None, False),
        "command_60_days": bench_command(light60, None, config),
        "command_100_start_days": bench_command(light106, 100, config),
    }
    loads = {"load_average_at_start": list(load_start)}
    summary = {}
    for key in ("command_60_days", "command_100_start_days"):
        r = results[key]
        for label, c in r["cases"].items():
            summary[f"{key}.{label}.seconds"] = c["seconds"]
            summary[f"{key}.{label}.cpu_seconds"] = c["cpu_seconds"]
            summary[f"{key}.{label}.start_days"] = c["start_days_replayed"]
        o = r["cases"]["order_refit_every_day"]
        summary[f"{key}.peer_plan_asof_over_command_per_start_day"] = o["peer_over_command_per_start_day"]
        summary[f"{key}.peer_plan_asof_over_command_per_start_day_cpu"] = o["peer_over_command_per_start_day_cpu"]
    summary["command_60_days.plan_file_over_library_call"] = (results["command_60_days"]["cases"]["plan_file"]["seconds"]
                                                              / results["variants_60_days"]["seconds"])
    summary["target_seconds"] = 5.0
    doc = {"benchmark": "bench_replay --command", "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "machine": _machine(load_start) | loads, "summary": summary, "results": results}
    path = HERE / "results" / "bench_replay_command.json"
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"written {path}")


if __name__ == "__main__":
    main()
