"""Plans replayed over many historical start days, and plan variants compared: :func:`replay_days`.

A *variant* is a plan to replay on each start day. It is given either

* as a **template**: a tranche frame (or a plan, or ``(frame, predicted)``) dated anywhere; it is moved to
  each start day by keeping each window's time of day and its trading-day offset from the template's first
  day (day 2 of a three-day plan stays day 2, on the tape's own trading days), or
* as a **callable** ``start_day -> frame | plan | (frame, predicted)``, called once per start day (plug the
  planner in with the information available before that day).

Every (variant, start day) is an independent run with its own own-impact state; all runs of a symbol go
through the kernel in one call. The distribution over start days (mean, sd, p05, p25, median, p75, p95 of
the implementation shortfall and of the fill rate) is reported per variant beside the plan's predicted cost
and band (:class:`~liqcost.sim.results.DaysResult`). :func:`plan_variants` builds the usual comparison with
the planner: participation 5 / 10 / 20 %, passive / mid / aggressive pricing, horizon 1 / 3 / 5 days.
"""

from __future__ import annotations


import numpy as np

from liqcost.errors import NoDataError, OrderError, UsageError
from liqcost.result import Problem

__all__ = ["anchor", "combine_days", "plan_variants", "replay_days"]

NS = 1_000_000_000


def _as_frame_pred(value, config):
    from liqcost.sim.replay import tranches_from_plan

    if isinstance(value, tuple) and len(value) == 2:
        return value[0], value[1]
    return tranches_from_plan(value, config)


def anchor(frame, start_days, tape_days, config):
    """Move a validated template to each start day (see the module docstring).

    Parameters
    ----------
    frame : polars.DataFrame
        :attr:`TrancheSet.frame <liqcost.sim.schema.TrancheSet>` of one variant.
    start_days : list of datetime.date
        Start days (trading days of the tape).
    tape_days : list of datetime.date
        The tape's trading days, sorted.
    config : liqcost.config.Config
        ``session.timezone`` and the exchange calendar (for the template's own day offsets).

    Returns
    -------
    (polars.DataFrame, list of datetime.date)
        The template's rows once per start day that the tape covers to its last day, with ``day_idx`` (the
        position of the start day in ``start_days``) and the helper columns :func:`_anchor_times` turns into
        the new window times; and the start days left out (too close to the tape's end).
    """
    import polars as pl

    from liqcost.planner.schedule import trading_days

    tz = config.session.timezone
    local_s = pl.col("window_start").dt.convert_time_zone(tz)
    local_e = pl.col("window_end").dt.convert_time_zone(tz)
    f = frame.with_columns(
        local_s.dt.date().alias("_ds"), local_e.dt.date().alias("_de"),
        local_s.dt.time().alias("_ts"), local_e.dt.time().alias("_te"),
    )
    first = min(f["_ds"].min(), f["_de"].min())
    last = max(f["_ds"].max(), f["_de"].max())
    cal = trading_days(first, 0, config, until=last)
    pos = {d: i for i, d in enumerate(cal)}
    # a template date off the calendar (a weekend in a hand-made frame) counts as the trading day after it
    for d in sorted(set(f["_ds"].to_list()) | set(f["_de"].to_list())):
        if d not in pos:
            nxt = [c for c in cal if c > d]
            pos[d] = pos[nxt[0]] if nxt else len(cal)
    f = f.with_columns(
        pl.col("_ds").replace_strict(pos, return_dtype=pl.Int64).alias("_os"),
        pl.col("_de").replace_strict(pos, return_dtype=pl.Int64).alias("_oe"),
    )
    span = int(max(f["_os"].max(), f["_oe"].max()))
    tpos = {d: i for i, d in enumerate(tape_days)}
    rows, skipped = [], []
    for j, s in enumerate(start_days):
        i = tpos.get(s)
        if i is None:
            raise UsageError(f"start day {s} is not a trading day of the tape ({tape_days[0]} .. {tape_days[-1]}).")
        if i + span >= len(tape_days):
            skipped.append(s)
            continue
        rows.append((j, i))
    if not rows:
        return f.head(0).with_columns(pl.lit(0, dtype=pl.Int64).alias("day_idx")), skipped
    starts = pl.DataFrame({"day_idx": [r[0] for r in rows], "_ti": [r[1] for r in rows]},
                          schema={"day_idx": pl.Int64, "_ti": pl.Int64})
    return f.join(starts, how="cross"), skipped


def _anchor_times(out, tape_days, tz):
    """New window times: the tape's trading day at the template's offset, the template's local time of day."""
    import numpy as np
    import polars as pl

    days = np.array(tape_days, dtype="datetime64[D]")
    ti = out["_ti"].to_numpy()
    ds = days[ti + out["_os"].to_numpy()]
    de = days[ti + out["_oe"].to_numpy()]
    out = out.with_columns(pl.Series("_nds", ds).cast(pl.Date), pl.Series("_nde", de).cast(pl.Date))
    new_s = pl.col("_nds").dt.combine(pl.col("_ts")).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    new_e = pl.col("_nde").dt.combine(pl.col("_te")).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    out = out.with_columns(
        new_s.dt.convert_time_zone("UTC").dt.cast_time_unit("ns").alias("window_start"),
        new_e.dt.convert_time_zone("UTC").dt.cast_time_unit("ns").alias("window_end"),
    ).with_columns(
        pl.col("window_start").dt.epoch("ns").alias("start_ns"), pl.col("window_end").dt.epoch("ns").alias("end_ns"),
    )
    return out.drop([c for c in out.columns if c.startswith("_")])


def replay_days(variants, market, start_days, *, profile=None, impact=None, config=None, options=None,
                keep_fills: bool = False, keep_tranches: bool = False, only=None):
    """Replay plan variants on many start days; the distribution of their cost and fill rate.

    Parameters
    ----------
    variants : dict or list
        ``name -> template`` or ``name -> callable`` (module docstring); a list is named ``v1, v2 ...``.
        A template is a tranche frame, a plan (:func:`liqcost.planner.plan.plan`) or ``(frame, predicted)``
        with ``predicted`` the plan's ``order_id, predicted_cost_bps, predicted_p05_bps, predicted_p95_bps``.
    market : Tape, dict of Tape, Dataset or path
        The recorded ticks. From a dataset, the tape of each symbol covers the start days and the longest
        variant's span after the last one.
    start_days : list of datetime.date
        Trading days to start on (days of the tape; a start too close to the tape's end for a variant is
        left out with a note).
    profile, impact : optional
        Own-impact parameters per symbol (see :func:`liqcost.sim.replay.replay`). ``profile`` may also be a
        callable ``start_day -> profile rows`` (what was known before that day): each run then takes its own
        start day's parameters.
    config, options : optional
        As for :func:`~liqcost.sim.replay.replay`.
    keep_fills : bool
        Keep every simulated fill (the ``fills`` table).
    keep_tranches : bool
        Keep the tranche table of every run (the ``tranches`` table).
    only : collection of str, optional
        Replay only these symbols (a partition of the work; :func:`combine_days` puts partitions together).
        Without a run, the result then has no tables (``runs`` None) but its problems and notes' parts.

    Returns
    -------
    DaysResult
        With ``parts`` holding what :func:`combine_days` needs to merge partitions (symbol order, each
        symbol's own-impact parameters per start day, the start days left out, the problems by origin).
    """
    import polars as pl

    from liqcost.config import Config
    from liqcost.sim.options import resolve_options
    from liqcost.sim.impact import OwnImpact
    from liqcost.sim.replay import impact_for, run_frames
    from liqcost.sim.results import DaysResult
    from liqcost.sim.schema import _check_columns as check_columns
    from liqcost.sim.schema import validate_tranches

    config = config or Config()
    opts = resolve_options(options, config)
    if isinstance(variants, (list, tuple)):
        variants = {f"v{i + 1}": v for i, v in enumerate(variants)}
    if not variants:
        raise UsageError("no plan variant to replay.")
    start_days = sorted(set(start_days))
    if not start_days:
        raise UsageError("no start day to replay on.")
    notes: list[str] = []
    problems: list[Problem] = []
    origin: list[str] = []  # per problem: template, call or dated (combine_days keeps each kind's order)

    def validate(frame, where):
        ts = validate_tranches(frame, where, default_participation=opts["max_participation_frac"],
                               default_unfilled=opts["unfilled"], participation_cap=opts["participation_cap"])
        for r in ts.rejected.iter_rows(named=True):
            problems.append(Problem("order_rejected", f"{where} row {r['row']} (order {r['order_id']})", r["reason"] + "."))
        return ts.frame

    # ---- templates validated once; callables called per start day
    templates, calls, preds = {}, {}, []
    for name, v in variants.items():
        if callable(v):
            calls[name] = v
            continue
        frame, pred = _as_frame_pred(v, config)
        templates[name] = validate(frame, f"variant {name}")
        origin += ["template"] * (len(problems) - len(origin))
        if pred is not None:
            preds.append(pred.with_columns(pl.lit(name).alias("variant"), pl.lit(None, dtype=pl.Date).alias("start_day")))
    dated: dict[str, list] = {}
    pending = []
    for name, fn in calls.items():
        for s in start_days:
            try:
                value = fn(s)
            except (OrderError, NoDataError) as exc:
                problems.append(Problem("run_skipped", f"variant {name}, start {s}", exc.message))
                continue
            if value is None:
                continue
            frame, pred = _as_frame_pred(value, config)
            if isinstance(frame, pl.LazyFrame):
                frame = frame.collect()
            if not isinstance(frame, pl.DataFrame):
                raise TypeError(f"variant {name} on {s}: a callable returns a tranche frame or a plan, got {type(frame).__name__}")
            check_columns(frame, f"variant {name} on {s}")  # a frame without the tranche columns is named now
            if frame.height:
                pending.append((name, s, frame))
            if pred is not None:
                preds.append(pred.with_columns(pl.lit(name).alias("variant"), pl.lit(s, dtype=pl.Date).alias("start_day")))
    origin += ["call"] * (len(problems) - len(origin))
    # the dated frames validated in one pass (each frame's orders kept apart), then split again
    for name, s, fr in _validate_many(pending, opts, problems):
        dated.setdefault(name, []).append((s, fr))
    origin += ["dated"] * (len(problems) - len(origin))

    # ---- symbols and their tapes
    symbols: list[str] = []
    for fr in templates.values():
        symbols += fr["symbol"].unique(maintain_order=True).to_list()
    for lst in dated.values():
        for _, fr in lst:
            symbols += fr["symbol"].unique(maintain_order=True).to_list()
    symbols = list(dict.fromkeys(symbols))
    if not symbols:
        if only is not None:  # a partition of the work: combine_days says it for all of them
            parts = {"symbols": [], "impacts": {}, "skipped": set(), "origin": origin}
            return DaysResult(None, None, None, (), tuple(problems), 0, parts=parts)
        raise OrderError("no variant has a tranche that can be replayed; see the problems.")
    all_symbols = symbols
    if only is not None:
        symbols = [s for s in symbols if s in set(only)]
    tapes = _tapes(market, symbols, start_days, templates, dated, config)

    names = list(variants)
    vid = {n: i for i, n in enumerate(names)}
    n_days = len(start_days)
    order_parts, fill_parts, tranche_parts, events = [], [], [], 0
    skipped_notes = set()
    day_impacts: dict = {}
    used: dict = {}  # symbol -> its own-impact parameters (one, or per start day of its runs)
    for sym in symbols:
        tape = tapes[sym]
        tape_days = tape.days()
        pieces = []
        for name, fr in templates.items():
            rows = fr.filter(pl.col("symbol") == sym)
            if rows.height == 0:
                continue
            ok_days = [s for s in start_days if s in set(tape_days)]
            missing = sorted(set(start_days) - set(ok_days))
            if missing:
                skipped_notes.add(("missing", sym, "", None, tuple(missing)))
            out, skipped = anchor(rows, ok_days, tape_days, config)
            if skipped:
                skipped_notes.add(("anchor", sym, name, None, tuple(skipped)))
            if out.height == 0:
                continue
            out = _anchor_times(out, tape_days, config.session.timezone)
            day_of = {j: start_days.index(s) for j, s in enumerate(ok_days)}
            out = out.with_columns(pl.col("day_idx").replace_strict(day_of, return_dtype=pl.Int64))
            pieces.append(out.with_columns(pl.lit(vid[name], dtype=pl.Int64).alias("variant_idx")))
        last_day = tape_days[-1] if tape_days else None
        for name, lst in dated.items():
            late = []
            for s, fr in lst:
                rows = fr.filter(pl.col("symbol") == sym)
                if not rows.height:
                    continue
                end_day = rows.select(pl.col("window_end").dt.convert_time_zone(config.session.timezone).dt.date().max()).item()
                if last_day is None or end_day > last_day:
                    late.append(s)
                    continue
                pieces.append(rows.with_columns(pl.lit(start_days.index(s), dtype=pl.Int64).alias("day_idx"),
                                                pl.lit(vid[name], dtype=pl.Int64).alias("variant_idx")))
            if late:
                skipped_notes.add(("late", sym, name, last_day, tuple(late)))
        if not pieces:
            continue
        cols = [c for c in pieces[0].columns]
        allrows = pl.concat([p.select(cols) for p in pieces], how="vertical_relaxed")
        allrows = allrows.with_columns((pl.col("variant_idx") * n_days + pl.col("day_idx")).alias("_key"))
        keys = allrows["_key"].unique().sort()
        allrows = allrows.join(pl.DataFrame({"_key": keys, "run": pl.int_range(0, keys.len(), eager=True).cast(pl.Int64)}),
                               on="_key", how="left")
        run_map = allrows.group_by("run").agg(pl.col("variant_idx").first(), pl.col("day_idx").first()).sort("run")
        if callable(profile) and opts["own_impact"] and not isinstance(impact, OwnImpact):
            # each run with the parameters known before its own start day
            imps = []
            for j in run_map["day_idx"].to_list():
                if (sym, j) not in day_impacts:
                    day_impacts[(sym, j)] = impact_for(sym, impact, profile(start_days[j]), config, opts)
                imps.append(day_impacts[(sym, j)])
            used[sym] = {start_days[j]: day_impacts[(sym, j)] for j in sorted(set(run_map["day_idx"].to_list()))}
        else:
            imp = impact_for(sym, impact, None if callable(profile) else profile, config, opts)
            imps = [imp] * int(keys.len())
            used[sym] = imp
        orders, trs, fills, ev = run_frames(tape, allrows.drop("_key"), imps, opts, keep_fills=keep_fills)
        events += int(ev.sum())
        orders = orders.join(run_map, on="run", how="left")
        order_parts.append(orders)
        if keep_fills and fills is not None:
            fill_parts.append(fills.join(run_map, on="run", how="left"))
        if keep_tranches:
            tranche_parts.append(trs.join(run_map, on="run", how="left"))
    notes += _run_notes(used, skipped_notes)
    parts = {"symbols": all_symbols, "impacts": used, "skipped": skipped_notes, "origin": origin}
    if not order_parts:
        if only is not None:  # its problems and the start days it left out still count
            return DaysResult(None, None, None, (), tuple(problems), 0, parts=parts)
        raise NoDataError("no run could be replayed: every start day is off the tape or too close to its end.")
    def label(frame):
        return frame.with_columns(
            pl.col("variant_idx").replace_strict(list(range(len(names))), names, return_dtype=pl.String).alias("variant"),
            pl.col("day_idx").replace_strict(list(range(n_days)), start_days, return_dtype=pl.Date).alias("start_day"),
        ).drop("variant_idx", "day_idx", "run")

    runs = label(pl.concat(order_parts, how="vertical_relaxed"))
    runs = _join_predictions(runs, preds)
    lead = ["variant", "start_day"]
    runs = runs.select(lead + [c for c in runs.columns if c not in lead]).sort(["variant", "start_day", "order_id"])
    fills = label(pl.concat(fill_parts, how="vertical_relaxed")) if fill_parts else None
    tranches = None
    if tranche_parts:
        tranches = label(pl.concat(tranche_parts, how="vertical_relaxed"))
        tranches = tranches.select(lead + [c for c in tranches.columns if c not in lead]).sort(
            ["variant", "start_day", "order_id", "tranche"])
    dist = distribution(runs, names)
    return DaysResult(dist, runs, fills, tuple(notes), tuple(problems), events, tranches=tranches, parts=parts)


def _run_notes(used: dict, skipped) -> list[str]:
    """The notes of a replay: each symbol's own impact (in the order replayed), then the start days left out."""
    notes = []
    for sym, imp in used.items():
        if isinstance(imp, dict):
            notes.append(f"{sym}: {_describe_days([imp[d] for d in sorted(imp)])}.")
        else:
            notes.append(f"{sym}: {imp.describe()}.")
    merged: dict = {}
    for kind, sym, name, last, days in skipped:
        merged.setdefault((kind, sym, name, last), set()).update(days)
    out = set()
    for (kind, sym, name, last), days in merged.items():
        days = sorted(days)
        if kind == "missing":
            out.add(f"{sym}: {len(days)} start day(s) without quotes on the tape left out ({days[0]} ...).")
        elif kind == "anchor":
            out.add(f"variant {name} ({sym}): {len(days)} start day(s) too close to the end of the tape for its span left "
                    f"out (from {days[0]}).")
        else:
            out.add(f"variant {name} ({sym}): {len(days)} start day(s) whose plan ends after the tape ({last}) left out "
                    f"(from {days[0]}).")
    return notes + sorted(out)


def combine_days(parts, names, *, keep_fills: bool = False, keep_tranches: bool = False):
    """One :class:`~liqcost.sim.results.DaysResult` from replays of partitions of the same work.

    Each part is :func:`replay_days` of the same variants with ``only`` one group of symbols, over one chunk
    of the start days and one or more of the variants (None for a part without runs); ``parts`` are in the order
    (variant, chunk of start days, symbol) and every (symbol, variant, start day) is in one part. The tables are
    what one call over everything gives: the runs and tranches sorted as it sorts them, the fills in its
    order (by symbol, variant, start day), the notes and the problems composed again.

    Parameters
    ----------
    parts : list of DaysResult or None (a part that failed)
    names : list of str
        The variant names in the order given to :func:`replay_days`.
    keep_fills, keep_tranches : bool
        As given to the parts.

    Returns
    -------
    DaysResult
    """
    import polars as pl

    from liqcost.sim.results import DaysResult

    live = [p for p in parts if p is not None]
    if not live:
        raise NoDataError("no run could be replayed: every start day is off the tape or too close to its end.")
    # symbols in the order one call meets them; problems by origin, each kind in the parts' order, once each
    order: list[str] = []
    for p in live:
        order += p.parts["symbols"]
    order = list(dict.fromkeys(order))
    problems: dict = {"template": [], "call": [], "dated": []}
    seen: set = set()
    for p in live:
        for prob, kind in zip(p.problem_list, p.parts["origin"]):
            if (kind, prob) not in seen:
                seen.add((kind, prob))
                problems[kind].append(prob)
    problem_list = tuple(problems["template"] + problems["call"] + problems["dated"])
    runs_parts = [p for p in live if p.runs is not None]
    if not order:
        raise OrderError("no variant has a tranche that can be replayed; see the problems.")
    if not runs_parts:
        raise NoDataError("no run could be replayed: every start day is off the tape or too close to its end.")
    used: dict = {}
    skipped: set = set()
    for p in live:
        skipped |= set(p.parts["skipped"])
    for p in runs_parts:
        for sym, imp in p.parts["impacts"].items():
            if isinstance(imp, dict):
                used.setdefault(sym, {}).update(imp)
            else:
                used.setdefault(sym, imp)
    used = {s: used[s] for s in order if s in used}
    notes = tuple(_run_notes(used, skipped))
    lead = ["variant", "start_day"]
    runs = pl.concat([p.runs for p in runs_parts], how="diagonal_relaxed")
    runs = runs.select(lead + [c for c in runs.columns if c not in lead]).sort(["variant", "start_day", "order_id"])
    sym_pos = {s: i for i, s in enumerate(order)}
    var_pos = {n: i for i, n in enumerate(names)}
    fills = None
    if keep_fills and any(p.fills is not None for p in runs_parts):
        fills = pl.concat([p.fills for p in runs_parts if p.fills is not None], how="diagonal_relaxed")
        fills = fills.with_columns(
            pl.col("symbol").cast(pl.String).replace_strict(sym_pos, return_dtype=pl.Int64).alias("_s"),
            pl.col("variant").replace_strict(var_pos, return_dtype=pl.Int64).alias("_v"),
        ).sort(["_s", "_v", "start_day"], maintain_order=True).drop("_s", "_v")
    tranches = None
    if keep_tranches and any(p.tranches is not None for p in runs_parts):
        tranches = pl.concat([p.tranches for p in runs_parts if p.tranches is not None], how="diagonal_relaxed")
        tranches = tranches.select(lead + [c for c in tranches.columns if c not in lead]).sort(
            ["variant", "start_day", "order_id", "tranche"])
    dist = distribution(runs, names)
    events = sum(p.run_events for p in runs_parts)
    return DaysResult(dist, runs, fills, notes, problem_list, events, tranches=tranches,
                      parts={"symbols": order, "impacts": used, "skipped": skipped,
                             "origin": ["template"] * len(problems["template"]) + ["call"] * len(problems["call"])
                             + ["dated"] * len(problems["dated"])})


def _describe_days(imps) -> str:
    """One line for the own impact of runs whose parameters change with their start day."""
    on = [i for i in imps if i.enabled]
    if not on:
        return "own impact off"
    sig = [i.volatility_daily_frac for i in on]
    vol = [i.daily_volume_shares for i in on]
    i0 = on[0]
    return (f"own impact: Y {i0.y:g}, from each start day's profile: sigma {min(sig):.2%}-{max(sig):.2%}/day, "
            f"V {min(vol):,.0f}-{max(vol):,.0f} shares/day; {i0.permanent_of_peak_frac:.0%} of the peak permanent, "
            f"transient half-life {i0.half_life_s:g} s ({i0.decay}); parameters: {i0.source}")


def _validate_many(pending, opts, problems) -> list:
    """Validate many dated tranche frames in one pass: ``[(name, day, frame)] -> [(name, day, valid rows)]``.

    Each frame's order ids are kept apart by a prefix during the pass, and its rows, order positions and
    rejected rows (appended to ``problems`` with the frame's own row numbers) are its own again after it.
    """
    import bisect

    import polars as pl

    from liqcost.sim.schema import validate_tranches

    if not pending:
        return []
    sep = "\x1f"
    parts, offsets, off = [], [], 0
    for i, (_, _, fr) in enumerate(pending):
        parts.append(fr.with_columns((pl.lit(f"{i}{sep}") + pl.col("order_id").cast(pl.String)).alias("order_id")))
        offsets.append(off)
        off += fr.height
    ts = validate_tranches(pl.concat(parts, how="diagonal_relaxed"), "variants",
                           default_participation=opts["max_participation_frac"], default_unfilled=opts["unfilled"],
                           participation_cap=opts["participation_cap"])

    def frame_of(row):
        return bisect.bisect_right(offsets, row - 1) - 1

    for r in ts.rejected.iter_rows(named=True):
        i = frame_of(r["row"])
        name, s, _ = pending[i]
        oid = r["order_id"].split(sep, 1)[-1] if r["order_id"] is not None else None
        problems.append(Problem("order_rejected", f"variant {name} on {s} row {r['row'] - offsets[i]} (order {oid})",
                                r["reason"] + "."))
    good = ts.frame
    if good.height == 0:
        return []
    idx = pl.Series("_f", np.searchsorted(np.asarray(offsets), good["row"].to_numpy() - 1, side="right") - 1)
    good = good.with_columns(idx.cast(pl.Int64)).with_columns(
        pl.col("order_id").str.splitn(sep, 2).struct.field("field_1").alias("order_id"),
        (pl.col("row") - pl.col("_f").replace_strict(list(range(len(offsets))), offsets, return_dtype=pl.Int64)).alias("row"),
        pl.col("order_pos").rank("dense").over("_f").cast(pl.Int64).alias("order_pos"),
    )
    out = []
    for (i,), fr in sorted(good.partition_by("_f", as_dict=True, maintain_order=True).items()):
        name, s, _ = pending[i]
        out.append((name, s, fr.drop("_f")))
    return out


def _tapes(market, symbols, start_days, templates, dated, config):
    """One tape per symbol covering the start days and the longest span after the last one."""
    from liqcost.io.dataset import Dataset
    from liqcost.sim.replay import market_tape
    from liqcost.sim.tape import Tape

    out = {}
    for sym in symbols:
        if isinstance(market, (Tape, dict)):
            out[sym] = market_tape(market, sym, 0, 0, config)
            continue
        if not isinstance(market, (str, Dataset)) and not hasattr(market, "__fspath__"):
            raise UsageError("market must be a Tape, a dict of Tapes, or a Dataset (or its path) for many start days.")
        ds = market if isinstance(market, Dataset) else Dataset(market)
        dates = ds.dates("quotes", sym)
        if not dates:
            raise NoDataError(f"{sym}: no quotes in the dataset {ds.root}.")
        span = 0
        for fr in templates.values():
            span = max(span, _span_days(fr, config))
        before = [d for d in dates if d < start_days[0]]
        first = before[-1] if before else start_days[0]
        after = [d for d in dates if d >= start_days[-1]]
        last = after[min(span, len(after) - 1)] if after else dates[-1]
        for lst in dated.values():
            for _, fr in lst:
                import polars as pl

                e = fr.select(pl.col("window_end").dt.convert_time_zone(config.session.timezone).dt.date().max()).item()
                last = max(last, e)
        out[sym] = Tape.from_dataset(ds, sym, first, last, config)
    return out


def _span_days(frame, config) -> int:
    import polars as pl

    tz = config.session.timezone
    d = frame.select(pl.col("window_start").dt.convert_time_zone(tz).dt.date().min().alias("a"),
                     pl.col("window_end").dt.convert_time_zone(tz).dt.date().max().alias("b")).row(0)
    return max((d[1] - d[0]).days, 0) + 1


def _join_predictions(runs, preds):
    import polars as pl

    if not preds:
        return runs.with_columns(pl.lit(None, dtype=pl.Float64).alias("predicted_p05_bps"),
                                 pl.lit(None, dtype=pl.Float64).alias("predicted_p95_bps"))
    cols = ["variant", "start_day", "order_id", "predicted_cost_bps", "predicted_p05_bps", "predicted_p95_bps"]
    norm = []
    for p in preds:
        for c in cols:
            if c not in p.columns:
                p = p.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
        norm.append(p.select(cols).with_columns(pl.col("order_id").cast(pl.String)))
    pred = pl.concat(norm, how="vertical_relaxed")
    fixed = pred.filter(pl.col("start_day").is_null()).drop("start_day")
    daily = pred.filter(pl.col("start_day").is_not_null())
    out = runs
    if daily.height:
        out = out.join(daily.rename({c: f"_d_{c}" for c in cols[3:]}), on=["variant", "start_day", "order_id"], how="left")
    if fixed.height:
        out = out.join(fixed.rename({c: f"_f_{c}" for c in cols[3:]}), on=["variant", "order_id"], how="left")
    for c in cols[3:]:
        srcs = [pl.col(f"_d_{c}")] if f"_d_{c}" in out.columns else []
        srcs += [pl.col(f"_f_{c}")] if f"_f_{c}" in out.columns else []
        if c in out.columns:
            srcs.append(pl.col(c))
        out = out.with_columns(pl.coalesce(srcs).alias(c) if srcs else pl.lit(None, dtype=pl.Float64).alias(c))
    return out.drop([c for c in out.columns if c.startswith("_d_") or c.startswith("_f_")])


def distribution(runs, names=None):
    """Per variant: the distribution of shortfall and fill rate over runs, beside the predictions."""
    import polars as pl

    c = pl.col("shortfall_bps")
    p05, p95 = c.quantile(0.05, "linear"), c.quantile(0.95, "linear")
    has_pred = pl.col("predicted_cost_bps").is_not_null()
    in90 = (pl.col("predicted_cost_bps") >= pl.col("_p05")) & (pl.col("predicted_cost_bps") <= pl.col("_p95"))
    in_band = (c >= pl.col("predicted_p05_bps")) & (c <= pl.col("predicted_p95_bps"))
    runs = runs.with_columns(p05.over("variant").alias("_p05"), p95.over("variant").alias("_p95"))
    dist = runs.group_by("variant", maintain_order=True).agg(
        pl.len().alias("n_runs"), pl.col("start_day").n_unique().alias("n_start_days"),
        c.mean().alias("cost_mean_bps"), c.std().alias("cost_sd_bps"), p05.alias("cost_p05_bps"),
        c.quantile(0.25, "linear").alias("cost_p25_bps"), c.median().alias("cost_median_bps"),
        c.quantile(0.75, "linear").alias("cost_p75_bps"), p95.alias("cost_p95_bps"),
        pl.col("fill_rate_frac").mean().alias("fill_rate_mean_frac"),
        pl.col("fill_rate_frac").median().alias("fill_rate_median_frac"),
        pl.col("fill_rate_frac").quantile(0.05, "linear").alias("fill_rate_p05_frac"),
        pl.col("fill_rate_frac").quantile(0.25, "linear").alias("fill_rate_p25_frac"),
        pl.col("fill_rate_frac").quantile(0.75, "linear").alias("fill_rate_p75_frac"),
        pl.col("fill_rate_frac").quantile(0.95, "linear").alias("fill_rate_p95_frac"),
        pl.col("unfilled_frac").mean().alias("unfilled_mean_frac"),
        pl.col("passive_frac").mean().alias("passive_mean_frac"),
        pl.col("spread_cost_bps").mean().alias("spread_cost_mean_bps"),
        pl.col("impact_bps").mean().alias("impact_mean_bps"),
        pl.col("drift_bps").mean().alias("drift_mean_bps"),
        pl.col("participation_frac").mean().alias("participation_mean_frac"),
        pl.col("time_to_complete_s").median().alias("time_to_complete_median_s"),
        pl.col("predicted_cost_bps").mean().alias("predicted_cost_mean_bps"),
        pl.col("predicted_p05_bps").mean().alias("predicted_p05_mean_bps"),
        pl.col("predicted_p95_bps").mean().alias("predicted_p95_mean_bps"),
        (in90.filter(has_pred).sum() / has_pred.sum()).alias("predicted_in_replay_90_frac"),
        (in_band.filter(pl.col("predicted_p05_bps").is_not_null()).sum()
         / pl.col("predicted_p05_bps").is_not_null().sum()).alias("realized_in_plan_band_frac"),
    )
    if names:
        order = {n: i for i, n in enumerate(names)}
        dist = dist.sort(pl.col("variant").replace_strict(order, return_dtype=pl.Int64))
    return dist


def plan_variants(orders, profile, fill_model, config=None, *, start=None,
                  participation=(0.05, 0.10, 0.20), pricing=("passive", "mid", "aggressive"),
                  horizon_days=(1, 3, 5)) -> tuple[dict, tuple]:
    """The usual comparison of plans, one factor at a time around the config's plan.

    Each variant is planned once with :func:`liqcost.planner.plan.plan` (``start`` as given; the replay moves it
    to each start day) and returned as ``(frame, predicted)``, its tranches carrying the variant's
    participation cap:

    * ``pov5%``, ``pov10%``, ``pov20%``: ``planner.max_participation_frac`` and
      ``planner.max_daily_participation_frac`` at that rate;
    * ``passive``, ``mid``, ``aggressive``: ``planner.limit_rules`` ``[join]``, ``[mid]``, ``[cross]``;
    * ``1d``, ``3d``, ``5d``: ``planner.days`` (an order the caps cannot hold in that many days is left out,
      with the planner's reason in ``notes``).

    Returns
    -------
    (dict, tuple of str)
        ``name -> (frame, predicted)`` for :func:`replay_days`, and the planner's reasons for the variants
        left out.
    """
    import polars as pl

    from liqcost.config import Config
    from liqcost.planner.plan import plan

    config = config or Config()
    pc = config.planner
    specs: list[tuple[str, dict, float]] = []
    for p in participation:
        specs.append((f"pov{p:.0%}", {"max_participation_frac": p, "max_daily_participation_frac": p}, p))
    for name in pricing:
        rules = {"passive": ["join"], "mid": ["mid"], "aggressive": ["cross"]}[name]
        specs.append((name, {"limit_rules": rules}, pc.max_participation_frac))
    for d in horizon_days:
        specs.append((f"{d}d", {"days": int(d)}, pc.max_participation_frac))
    out, notes = {}, []
    for name, upd, cap in specs:
        cfg = config.model_copy(update={"planner": pc.model_copy(update=upd)})
        try:
            res = plan(orders, profile, fill_model, cfg, start=start)
        except (OrderError, NoDataError) as exc:
            notes.append(f"variant {name}: {exc.message}")
            continue
        frame, pred = _as_frame_pred(res, cfg)
        frame = frame.with_columns(pl.lit(float(cap)).alias("max_participation_frac"))
        out[name] = (frame, pred)
    return out, tuple(notes)
