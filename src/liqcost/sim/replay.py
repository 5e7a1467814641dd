"""Replay a plan's tranches on the recorded ticks: :func:`replay`.

The rules of the event loop are those of :mod:`liqcost.kernels.replay` (limit rules re-pegged to the live
quote, queue models, participation cap, marketable sweeps with a refill assumption, carry / cross / leave at
a window's end, own impact). This module validates the tranches (:mod:`liqcost.sim.schema`), builds each
symbol's event tape (:class:`liqcost.sim.tape.Tape`), takes the own-impact parameters from the impact
parameter model (:func:`liqcost.sim.impact.own_impact_params`), runs the kernel once per symbol, and turns
its arrays into the tables of a :class:`~liqcost.sim.results.ReplayResult` (cost definitions there).

All the orders of one symbol are replayed together: they share the own-impact state (a second order in the
same name trades against the first one's impact). :func:`run_frames` is the batched core: many independent
*runs* (plan variants, start days) in one kernel call, each with its own impact state; see
:mod:`liqcost.sim.variants`.

Python API::

    from liqcost.sim.replay import replay, tranches_from_plan
    p = plan(orders, built.profile, fills, cfg, start=dt.date(2025, 3, 17))
    res = replay(p, Dataset("sample_data/dataset"), profile=built.profile, config=cfg)
    res.orders, res.tranches, res.fills          # polars; res.summary() is what a person reads first
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from liqcost.errors import NoDataError, OrderError, UsageError
from liqcost.result import Problem

__all__ = ["replay", "run_frames", "tranches_from_plan", "market_tape", "impact_for"]

NS = 1_000_000_000
_POLICY = {"carry": 0, "cross_at_end": 1, "leave": 2}
_QM = {"trade_through": 0, "queue": 1, "prob": 2}
_DECAY = {"pause": 0, "continuous": 1}
_KINDS = ("passive", "cross", "cleanup")


# ------------------------------------------------------------------------------------------ inputs


def tranches_from_plan(plan, config=None):
    """The tranches of a plan and its predicted costs.

    Parameters
    ----------
    plan : PlanResult or polars.DataFrame
        :func:`liqcost.planner.plan.plan`'s result (or its ``tranches`` table).

    Returns
    -------
    (polars.DataFrame, polars.DataFrame or None)
        The tranche frame (with the plan's ``unfilled`` policy per order when the summary gives it) and
        ``order_id, predicted_cost_bps, predicted_p05_bps, predicted_p95_bps`` from the plan's summary.
    """
    import polars as pl

    tranches = getattr(plan, "tranches", plan)
    summary = getattr(plan, "order_summary", None)  # a PlanResult: its per-order summary frame
    predicted = None
    if isinstance(summary, pl.DataFrame) and summary.height:
        s = summary
        if "status" in s.columns:
            s = s.filter(pl.col("status") == "planned")
        if "unfilled" in s.columns and "unfilled" not in tranches.columns:
            tranches = tranches.join(s.select("order_id", "unfilled"), on="order_id", how="left")
        cols = {"expected_cost_bps": "predicted_cost_bps", "cost_p05_bps": "predicted_p05_bps",
                "cost_p95_bps": "predicted_p95_bps"}
        have = [c for c in cols if c in s.columns]
        if have:
            predicted = s.select(pl.col("order_id").cast(pl.String), *[pl.col(c).cast(pl.Float64).alias(cols[c]) for c in have])
    return tranches, predicted


def market_tape(market, symbol: str, first_ns: int, last_ns: int, config):
    """The :class:`~liqcost.sim.tape.Tape` of ``symbol`` covering ``[first_ns, last_ns]`` from ``market``.

    ``market`` is a Tape, a dict of Tapes by symbol, a :class:`~liqcost.io.dataset.Dataset` (or its path),
    or a ``(trades, quotes)`` pair of polars frames. From a dataset the tape starts on the last day with
    quotes before the first window (so an order posted at the open sees the prevailing quote).
    """
    from liqcost.io.dataset import Dataset
    from liqcost.sim.tape import Tape

    if isinstance(market, Tape):
        if market.symbol != symbol:
            raise NoDataError(f"the tape holds {market.symbol}, the tranches trade {symbol}; give a tape per symbol (a dict).")
        return market
    if isinstance(market, dict):
        if symbol not in market:
            raise NoDataError(f"no tape for {symbol}; tapes given: {', '.join(sorted(market)) or 'none'}.")
        return market[symbol]
    if isinstance(market, (tuple, list)) and len(market) == 2:
        return Tape.from_frames(market[0], market[1], symbol, config)
    if isinstance(market, (str, Path, Dataset)):
        from zoneinfo import ZoneInfo

        ds = market if isinstance(market, Dataset) else Dataset(market)
        tz = ZoneInfo(config.session.timezone)
        d0 = dt.datetime.fromtimestamp(first_ns / NS, tz).date()
        d1 = dt.datetime.fromtimestamp(last_ns / NS, tz).date()
        dates = ds.dates("quotes", symbol)
        if not dates:
            raise NoDataError(f"{symbol}: no quotes in the dataset {ds.root}; a replay needs the symbol's quotes.")
        before = [d for d in dates if d < d0]
        start = before[-1] if before else d0
        if not any(d0 <= d <= d1 for d in dates):
            raise NoDataError(
                f"{symbol}: the dataset has quotes from {dates[0]} to {dates[-1]}, none between {d0} and {d1}, the "
                "dates of the tranches; replay on dates the data cover."
            )
        return Tape.from_dataset(ds, symbol, start, d1, config)
    raise UsageError("market must be a Tape, a dict of Tapes, a Dataset (or its path) or a (trades, quotes) pair of frames.")


def impact_for(symbol: str, impact, profile, config, opts: dict):
    """The :class:`~liqcost.sim.impact.OwnImpact` of ``symbol``: given, off, or from its profile row."""
    from liqcost.sim.impact import OwnImpact, own_impact_params

    if not opts["own_impact"]:
        return OwnImpact.off()
    if isinstance(impact, OwnImpact):
        return impact
    if isinstance(impact, dict) and symbol in impact:
        return impact[symbol]
    if profile is None:
        raise UsageError(
            f"own impact needs the liquidity profile of {symbol} (daily volatility and volume): pass profile=, or "
            "impact=OwnImpact(...), or replay with own_impact off."
        )
    import polars as pl

    if isinstance(profile, pl.DataFrame):
        rows = profile.filter(pl.col("symbol") == symbol)
        if rows.height == 0:
            raise NoDataError(f"no profile row for {symbol}; profiles given: {', '.join(profile['symbol'].to_list()[:10])}.")
        row = rows.row(0, named=True)
    elif isinstance(profile, dict) and "symbol" in profile and not isinstance(profile["symbol"], (list, tuple)):
        row = profile
    elif isinstance(profile, dict) and symbol in profile:
        row = profile[symbol]
    else:
        raise NoDataError(f"no profile row for {symbol}.")
    return own_impact_params(row, config, half_life_s=opts["impact_half_life_s"], decay=opts["impact_decay"])


# ------------------------------------------------------------------------------------------ the core


def _kernel_inputs(frame, opts: dict):
    """Sort the tranches as the kernel wants them (run, start) and resolve carry targets and policies."""
    import polars as pl

    fr = frame.sort("run", "start_ns", "order_pos", "tranche").with_row_index("k").with_columns(pl.col("k").cast(pl.Int64))
    fr = fr.with_columns(pl.col("k").shift(-1).over(["run", "order_id"]).alias("next_k"))
    last = _POLICY[opts["carry_last"]]
    fr = fr.with_columns(
        pl.when((pl.col("unfilled") == "carry") & pl.col("next_k").is_not_null()).then(0)
        .when(pl.col("unfilled") == "carry").then(last)
        .when(pl.col("unfilled") == "cross_at_end").then(1)
        .otherwise(2).cast(pl.Int8).alias("policy")
    ).with_columns(
        pl.when(pl.col("policy") == 0).then(pl.col("next_k")).otherwise(-1).cast(pl.Int64).alias("next_idx")
    )
    return fr


def _np(frame, col, dtype):
    return np.ascontiguousarray(frame[col].to_numpy(), dtype=dtype)


def _call_kernel(tape, fr, impacts: list, opts: dict):
    from liqcost.kernels import replay as K

    T = fr.height
    R = len(impacts)
    run = _np(fr, "run", np.int64)
    tr = K.Tranches(_np(fr, "start_ns", np.int64), _np(fr, "end_ns", np.int64), _np(fr, "side", np.int8),
                    _np(fr, "qty_shares", np.float64), _np(fr, "code", np.int64), _np(fr, "price_px", np.float64),
                    _np(fr, "cap_px", np.float64), _np(fr, "max_part", np.float64), _np(fr, "policy", np.int8),
                    _np(fr, "next_idx", np.int64), _np(fr, "order_pos", np.int64) - 1)
    ids = np.arange(R, dtype=np.int64)
    runs = K.Runs(np.searchsorted(run, ids, side="left").astype(np.int64), np.searchsorted(run, ids, side="right").astype(np.int64),
                  np.array([i.scale_per_sqrt_share for i in impacts], dtype=np.float64),
                  np.array([i.permanent_of_peak_frac for i in impacts], dtype=np.float64),
                  np.array([i.half_life_s * NS if i.enabled else math.inf for i in impacts], dtype=np.float64))
    ints = ("placed_ns", "n_reprice", "first_fill_ns", "last_fill_ns", "complete_ns")
    out = K.TrancheOut(*[np.zeros(T, np.int64) if f in ints else np.zeros(T) for f in K.TrancheOut._fields])
    n_fills = np.zeros(1, np.int64)
    run_events = np.zeros(R, np.int64)
    trace = K.Trace(np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)))
    decay = {i.decay for i in impacts if i.enabled}
    decay_mode = _DECAY[decay.pop() if len(decay) == 1 else opts["impact_decay"]]
    cap = 8 * T + 1024
    for _ in range(2):
        fills = K.FillOut(np.zeros(cap, np.int64), np.zeros(cap, np.int64), np.zeros(cap), np.zeros(cap), np.zeros(cap, np.int8),
                          np.zeros(cap), np.zeros(cap), np.zeros(cap))
        status = K.replay_runs(tape.kernel_tape(), tr, runs, float(tape.tick_px), _QM[opts["queue_model"]],
                               float(opts["queue_ahead_frac"]), float(opts["queue_power"]), float(opts["refill_min_shares"]),
                               decay_mode, True, out, fills, n_fills, run_events, trace)
        if status != K.STATUS_FULL:
            break
        cap = int(n_fills[0])
    if status != K.STATUS_OK:  # pragma: no cover - inputs are validated and sorted above
        raise OrderError(f"{tape.symbol}: the replay kernel rejected its inputs (status {status}).")
    nf = int(n_fills[0])
    return out, {f: getattr(fills, f)[:nf] for f in K.FillOut._fields}, run_events


def run_frames(tape, frame, impacts: list, opts: dict, keep_fills: bool = True):
    """Replay validated tranches of one symbol, grouped in independent runs, in one kernel call.

    Parameters
    ----------
    tape : Tape
        The symbol's events.
    frame : polars.DataFrame
        :attr:`TrancheSet.frame <liqcost.sim.schema.TrancheSet>` rows of the symbol with an Int64 ``run``
        column (0 .. R-1); an order is identified by ``(run, order_id)``.
    impacts : list of OwnImpact
        One per run.
    opts : dict
        :func:`liqcost.sim.options.resolve_options`.
    keep_fills : bool
        Return the fills table (else None; the order and tranche tables are computed either way).

    Returns
    -------
    (orders, tranches, fills, run_events)
        polars frames keyed by ``run`` and ``order_id`` (see :class:`~liqcost.sim.results.ReplayResult`), and
        the events each run processed (int64[R]).
    """
    import polars as pl

    fr = _kernel_inputs(frame, opts)
    out, f, run_events = _call_kernel(tape, fr, impacts, opts)
    ts_type = pl.Datetime("ns", "UTC")
    tr = fr.with_columns(
        pl.Series("placed_ns", out.placed_ns), pl.Series("start_mid", out.start_mid), pl.Series("start_disp", out.start_disp),
        pl.Series("end_mid", out.end_mid), pl.Series("end_disp", out.end_disp), pl.Series("filled", out.filled),
        pl.Series("carry_in", out.carry_in), pl.Series("carry_out", out.carry_out), pl.Series("cleanup", out.cleanup),
        pl.Series("left", out.left), pl.Series("mkt_vol", out.mkt_vol), pl.Series("n_reprice", out.n_reprice),
        pl.Series("first_fill_ns", out.first_fill_ns), pl.Series("last_fill_ns", out.last_fill_ns),
        pl.Series("complete_ns", out.complete_ns),
    )
    key = ["run", "order_id"]
    # the order's arrival: its first posted tranche; its end: the end of its last window
    arrival = tr.filter(pl.col("placed_ns") >= 0).group_by(key).agg(
        pl.col("start_mid").sort_by("start_ns").first().alias("mid0_tape"),
        pl.col("start_disp").sort_by("start_ns").first().alias("disp0"),
        pl.col("placed_ns").sort_by("start_ns").first().alias("arrival_ns"),
    ).with_columns((pl.col("mid0_tape") * (1.0 + pl.col("disp0"))).alias("mid0"))
    ending = tr.group_by(key).agg(
        (pl.col("end_mid") * (1.0 + pl.col("end_disp"))).sort_by("end_ns").last().alias("mid_end"),
    )
    fills = pl.DataFrame({
        "k": f["tranche"], "ts_ns": f["ts"], "price": f["price"], "qty": f["qty"], "kind": f["kind"], "mid_tape": f["mid"],
        "disp": f["disp"], "limit_price": f["limit"],
    }, schema={"k": pl.Int64, "ts_ns": pl.Int64, "price": pl.Float64, "qty": pl.Float64, "kind": pl.Int8,
               "mid_tape": pl.Float64, "disp": pl.Float64, "limit_price": pl.Float64})
    fills = fills.join(tr.select("k", "run", "order_id", "symbol", "side", "tranche"), on="k", how="left").join(
        arrival, on=key, how="left")
    s = pl.col("side").cast(pl.Float64)
    fills = fills.with_columns(
        (pl.col("mid_tape") * (1.0 + pl.col("disp"))).alias("mid_px"),
    ).with_columns(
        (s * (pl.col("price") - pl.col("mid0")) / pl.col("mid0") * 1e4).alias("shortfall_bps"),
        (s * (pl.col("price") - pl.col("mid_px")) / pl.col("mid0") * 1e4).alias("spread_bps"),
        (s * pl.col("mid_tape") * (pl.col("disp") - pl.col("disp0")) / pl.col("mid0") * 1e4).alias("impact_bps"),
        (s * (pl.col("mid_tape") - pl.col("mid0_tape")) * (1.0 + pl.col("disp0")) / pl.col("mid0") * 1e4).alias("drift_bps"),
    )
    per_tranche = fills.group_by("k").agg(
        pl.len().alias("n_fills"),
        (pl.col("price") * pl.col("qty")).sum().alias("_pq"),
        pl.col("qty").filter(pl.col("kind") == 0).sum().alias("passive"),
        (pl.col("qty") * pl.col("shortfall_bps")).sum().alias("_sf"),
        (pl.col("qty") * pl.col("spread_bps")).sum().alias("_sp"),
        (pl.col("qty") * pl.col("impact_bps")).sum().alias("_im"),
        (pl.col("qty") * pl.col("drift_bps")).sum().alias("_dr"),
    )
    tr = tr.join(per_tranche, on="k", how="left").with_columns(
        pl.col("n_fills").fill_null(0).cast(pl.Int64), pl.col("passive").fill_null(0.0),
        *[pl.col(c).fill_null(0.0) for c in ("_pq", "_sf", "_sp", "_im", "_dr")],
    )
    per_filled = pl.when(pl.col("filled") > 0)

    def ns_ts(col):
        return pl.when(pl.col(col) >= 0).then(pl.col(col)).otherwise(None).cast(ts_type)

    tranches = tr.sort("run", "order_pos", "tranche").select(
        "run", "order_id", "symbol", "side", "tranche", "window_start", "window_end", "limit_rule",
        pl.col("qty_shares"), pl.col("carry_in").alias("carry_in_shares"), pl.col("filled").alias("filled_shares"),
        pl.col("passive").alias("passive_shares"), pl.col("cleanup").alias("cleanup_shares"),
        pl.col("carry_out").alias("carry_out_shares"), pl.col("left").alias("unfilled_shares"),
        (pl.col("filled") / (pl.col("qty_shares") + pl.col("carry_in"))).alias("fill_rate_frac"),
        pl.col("mkt_vol").alias("market_volume_shares"),
        pl.when(pl.col("mkt_vol") > 0).then((pl.col("filled") - pl.col("cleanup")) / pl.col("mkt_vol")).otherwise(None)
        .alias("participation_frac"),
        pl.col("max_part").alias("max_participation_frac"),
        per_filled.then(pl.col("_pq") / pl.col("filled")).otherwise(None).alias("avg_price_px"),
        per_filled.then(pl.col("_sf") / pl.col("filled")).otherwise(None).alias("cost_bps"),
        per_filled.then(pl.col("_sp") / pl.col("filled")).otherwise(None).alias("spread_bps"),
        per_filled.then(pl.col("_im") / pl.col("filled")).otherwise(None).alias("impact_bps"),
        "n_fills", pl.col("n_reprice").alias("n_reprices"), pl.col("unfilled").alias("unfilled_policy"),
        ns_ts("placed_ns").alias("placed_ts"), ns_ts("first_fill_ns").alias("first_fill_ts"),
        ns_ts("complete_ns").alias("completion_ts"),
        (pl.col("start_mid") * (1.0 + pl.col("start_disp"))).alias("start_mid_px"),
        (pl.col("end_mid") * (1.0 + pl.col("end_disp"))).alias("end_mid_px"),
        "expected_cost_bps",
    )

    orders = tr.group_by(key, maintain_order=False).agg(
        pl.col("symbol").first(), pl.col("side").first(), pl.col("order_pos").first(), pl.len().alias("n_tranches"),
        pl.col("qty_shares").sum(), pl.col("filled").sum(), pl.col("cleanup").sum(), pl.col("left").sum(),
        pl.col("passive").sum(), pl.col("mkt_vol").sum(), pl.col("n_fills").sum(), pl.col("n_reprice").sum(),
        pl.col("_pq").sum(), pl.col("_sf").sum(), pl.col("_sp").sum(), pl.col("_im").sum(), pl.col("_dr").sum(),
        pl.col("start_ns").min().alias("start_ns"), pl.col("end_ns").max().alias("end_ns"),
        pl.col("first_fill_ns").filter(pl.col("first_fill_ns") >= 0).min().alias("first_fill_ns"),
        pl.col("last_fill_ns").max().alias("last_fill_ns"),
        ((pl.col("expected_cost_bps") * pl.col("qty_shares")).sum() / pl.col("qty_shares").filter(
            pl.col("expected_cost_bps").is_not_null()).sum()).alias("_pred"),
        pl.col("expected_cost_bps").is_not_null().all().alias("_pred_ok"),
    ).join(arrival, on=key, how="left").join(ending, on=key, how="left")
    s = pl.col("side").cast(pl.Float64)
    filled_pos = pl.when(pl.col("filled") > 0)
    orders = orders.with_columns(
        (s * (pl.col("mid_end") - pl.col("mid0")) / pl.col("mid0") * 1e4).alias("end_move_bps"),
    ).with_columns(
        ((pl.col("_sf") + pl.col("left") * pl.col("end_move_bps").fill_nan(0.0).fill_null(0.0)) / pl.col("qty_shares"))
        .alias("shortfall_bps"),
    ).sort("run", "order_pos").select(
        "run", "order_id", "symbol", "side", "n_tranches", "qty_shares",
        pl.col("filled").alias("filled_shares"), pl.col("passive").alias("passive_shares"),
        pl.col("cleanup").alias("cleanup_shares"), pl.col("left").alias("unfilled_shares"),
        (pl.col("filled") / pl.col("qty_shares")).alias("fill_rate_frac"),
        (pl.col("left") / pl.col("qty_shares")).alias("unfilled_frac"),
        (pl.col("passive") / pl.col("qty_shares")).alias("passive_frac"),
        "shortfall_bps",
        filled_pos.then(pl.col("_sf") / pl.col("filled")).otherwise(None).alias("execution_cost_bps"),
        filled_pos.then(pl.col("_sp") / pl.col("filled")).otherwise(None).alias("spread_cost_bps"),
        filled_pos.then(pl.col("_im") / pl.col("filled")).otherwise(None).alias("impact_bps"),
        filled_pos.then(pl.col("_dr") / pl.col("filled")).otherwise(None).alias("drift_bps"),
        "end_move_bps",
        pl.when(pl.col("mkt_vol") > 0).then((pl.col("filled") - pl.col("cleanup")) / pl.col("mkt_vol")).otherwise(None)
        .alias("participation_frac"),
        pl.col("mkt_vol").alias("market_volume_shares"),
        pl.when((pl.col("left") <= 1e-9) & pl.col("last_fill_ns").is_not_null() & (pl.col("last_fill_ns") >= 0))
        .then((pl.col("last_fill_ns") - pl.col("arrival_ns")) / NS).otherwise(None).alias("time_to_complete_s"),
        pl.col("mid0").alias("arrival_mid_px"),
        filled_pos.then(pl.col("_pq") / pl.col("filled")).otherwise(None).alias("avg_price_px"),
        pl.col("mid_end").alias("end_mid_px"),
        pl.col("arrival_ns").cast(ts_type).alias("arrival_ts"),
        pl.col("start_ns").cast(ts_type).alias("start"), pl.col("end_ns").cast(ts_type).alias("end"),
        pl.col("first_fill_ns").cast(ts_type).alias("first_fill_ts"),
        pl.when(pl.col("last_fill_ns") >= 0).then(pl.col("last_fill_ns")).otherwise(None).cast(ts_type).alias("last_fill_ts"),
        pl.col("n_fills"), pl.col("n_reprice").alias("n_reprices"),
        pl.when(pl.col("_pred_ok")).then(pl.col("_pred")).otherwise(None).alias("predicted_cost_bps"),
    )
    fills_out = None
    if keep_fills:
        fills_out = fills.sort("run", "ts_ns", "k").select(
            "run", "order_id", "symbol", pl.col("side").cast(pl.Int8), pl.col("ts_ns").cast(ts_type).alias("ts"), "price",
            "qty", pl.col("arrival_ns").cast(ts_type).alias("decision_ts"), pl.col("mid0").alias("decision_price"),
            "limit_price", "tranche",
            pl.col("kind").replace_strict(list(range(3)), list(_KINDS), return_dtype=pl.String).alias("fill_kind"),
            "mid_px", (pl.col("disp") * 1e4).alias("displacement_bps"), "shortfall_bps", "spread_bps", "impact_bps",
            "drift_bps",
        )
    return orders, tranches, fills_out, run_events


# ------------------------------------------------------------------------------------------ replay


def replay(tranches, market, *, profile=None, impact=None, predicted=None, config=None, options=None,
           errors: str = "raise", source: str = "tranches"):
    """Replay tranches on the recorded ticks and report what they would have cost.

    Parameters
    ----------
    tranches : polars.DataFrame or PlanResult
        Rows of :data:`liqcost.sim.schema.TRANCHES` (a plan's ``plan`` table fits), or a plan
        (:func:`liqcost.planner.plan.plan`), whose summary then gives the predicted cost and band.
    market : Tape, dict of Tape, Dataset, path or (trades, quotes)
        The recorded ticks (see :func:`market_tape`).
    profile : polars.DataFrame or dict, optional
        Liquidity profile rows of the symbols (for the own impact's volatility and daily volume).
    impact : OwnImpact or dict of OwnImpact, optional
        Own-impact parameters (instead of the profile's).
    predicted : polars.DataFrame, optional
        ``order_id, predicted_cost_bps[, predicted_p05_bps, predicted_p95_bps]`` to show beside the replay
        (default: the plan's summary, else the tranches' ``expected_cost_bps``).
    config : liqcost.config.Config, optional
        ``planner`` (tick, caps, queue, unfilled), ``impact`` (parameters), ``session`` (time zone).
    options : SimOptions or dict, optional
        :class:`liqcost.sim.options.SimOptions`.
    errors : ``"raise"`` or ``"report"``
        A bad tranche raises :class:`~liqcost.errors.OrderError` naming its row, or rejects its order (a
        :class:`~liqcost.result.Problem` of the result) while the others are replayed.
    source : str
        Name of the tranches in messages.

    Returns
    -------
    ReplayResult
    """
    import polars as pl

    from liqcost.config import Config
    from liqcost.sim.options import resolve_options
    from liqcost.sim.results import ReplayResult
    from liqcost.sim.schema import validate_tranches

    if errors not in ("raise", "report"):
        raise ValueError("errors must be 'raise' or 'report'")
    config = config or Config()
    opts = resolve_options(options, config)
    frame, plan_pred = tranches_from_plan(tranches, config)
    if predicted is None:
        predicted = plan_pred
    ts = validate_tranches(frame, source, default_participation=opts["max_participation_frac"],
                           default_unfilled=opts["unfilled"], participation_cap=opts["participation_cap"])
    problems = [Problem("order_rejected", f"{source} row {r['row']} (order {r['order_id']})", r["reason"] + ".")
                for r in ts.rejected.iter_rows(named=True)]
    if problems and errors == "raise":
        raise OrderError(f"{problems[0].where}: {problems[0].message}")
    notes: list[str] = []
    parts = []
    n_events = 0
    good = ts.frame.with_columns(pl.lit(0, dtype=pl.Int64).alias("run"))
    for sym in good["symbol"].unique(maintain_order=True).to_list():
        rows = good.filter(pl.col("symbol") == sym)
        tape = market_tape(market, sym, int(rows["start_ns"].min()), int(rows["end_ns"].max()), config)
        imp = impact_for(sym, impact, profile, config, opts)
        notes.append(f"{sym}: {imp.describe()}.")
        for reason, count in tape.dropped.items():
            notes.append(f"{sym}: {count} {reason.split(':')[0]} row(s) left out of the tape ({reason.split(': ', 1)[-1]}).")
        orders, trs, fills, ev = run_frames(tape, rows, [imp], opts)
        n_events += int(ev.sum())
        parts.append((orders, trs, fills))
    if parts:
        orders = pl.concat([p[0] for p in parts], how="vertical_relaxed")
        trs = pl.concat([p[1] for p in parts], how="vertical_relaxed")
        fills = pl.concat([p[2] for p in parts], how="vertical_relaxed")
    else:
        orders, trs, fills = _empty_tables(good)
    orders = _add_predicted(orders, predicted).drop("run")
    trs, fills = trs.drop("run"), fills.drop("run")
    qm = {"trade_through": "trade-through only", "queue": "queue ahead consumed by prints at the price",
          "prob": f"probabilistic queue position (power {opts['queue_power']:g})"}[opts["queue_model"]]
    cap = (f"at most {opts['max_participation_frac']:.0%} of the printed volume unless a tranche says"
           if opts["participation_cap"] else "no participation cap")
    notes.append(f"queue model: {qm}, {opts['queue_ahead_frac']:.0%} of the displayed size ahead on joining; {cap}; "
                 f"marketable orders walk the book assuming each level refills to the touch's size (at least "
                 f"{opts['refill_min_shares']:g} shares).")
    return ReplayResult(orders, trs, fills, tuple(notes), tuple(problems), n_events)


def _add_predicted(orders, predicted):
    import polars as pl

    if predicted is None or not isinstance(predicted, pl.DataFrame) or predicted.height == 0:
        return orders.with_columns(pl.lit(None, dtype=pl.Float64).alias("predicted_p05_bps"),
                                   pl.lit(None, dtype=pl.Float64).alias("predicted_p95_bps"))
    pred = predicted.select([c for c in ("order_id", "predicted_cost_bps", "predicted_p05_bps", "predicted_p95_bps")
                             if c in predicted.columns]).with_columns(pl.col("order_id").cast(pl.String))
    for c in ("predicted_cost_bps", "predicted_p05_bps", "predicted_p95_bps"):
        if c not in pred.columns:
            pred = pred.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
    out = orders.join(pred.rename({"predicted_cost_bps": "_pc"}), on="order_id", how="left")
    return out.with_columns(pl.coalesce("_pc", "predicted_cost_bps").alias("predicted_cost_bps")).drop("_pc")


def _empty_tables(good):
    """Tables of a replay with no accepted order (every order rejected)."""
    import polars as pl

    from liqcost.sim.options import resolve_options
    from liqcost.sim.tape import Tape

    from liqcost.config import Config

    cfg = Config()
    opts = resolve_options(None, cfg)
    tape = Tape.from_arrays("-", np.zeros(0, np.int64), np.zeros((0, 2)), np.array([0], np.int64),
                            np.array([[1.0, 1.01, 100.0, 100.0]]), 0.01)
    from liqcost.sim.impact import OwnImpact

    dummy = pl.DataFrame({
        "row": [1], "order_id": ["-"], "symbol": ["-"], "side": pl.Series([1], dtype=pl.Int8), "tranche": [1],
        "window_start": pl.Series([0], dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
        "window_end": pl.Series([1], dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")), "qty_shares": [1.0],
        "limit_rule": ["join"], "code": [0], "price_px": [float("nan")], "cap_px": [float("nan")], "max_part": [float("nan")],
        "unfilled": ["leave"], "expected_cost_bps": pl.Series([None], dtype=pl.Float64), "order_pos": [1],
        "start_ns": [0], "end_ns": [1], "run": [0],
    })
    o, t, f, _ = run_frames(tape, dummy, [OwnImpact.off()], opts)
    return o.head(0), t.head(0), f.head(0)
