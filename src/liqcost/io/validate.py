"""Validation with quarantine: every row is either kept or set aside with a reason, and counted.

Rules (first failing rule names the row's reason):

========== ===========================================================================================
all kinds  unparseable or missing required values, time stamps out of the nanosecond range, in a DST gap
           or fold (from the reader); time stamps outside the plausibility window of the kind
           (``ingest.time_window``); exact duplicates (config ``ingest.duplicates``); rows out of time
           order are *sorted* and counted (or an error with ``ingest.unsorted: error``)
trades     NaN / zero / negative price or size; price above ``ingest.max_price_px`` or size above
           ``ingest.max_size_shares``; bad prints: price further than
           ``ingest.bad_print_max_deviation_frac`` from the centred rolling median of the symbol's
           neighbouring trades (``ingest.bad_print_window`` trades)
quotes     one-sided rows paired with the symbol-day's last quote of the other side (only with
           ``ingest.merge_one_sided_quotes`` / the mapping's ``quotes.merge_one_sided``); NaN /
           non-positive bid or ask, negative sizes, prices and sizes beyond the bounds, crossed quotes
           (bid > ask), implausibly wide quotes (spread > ``ingest.max_quote_spread_frac`` of mid); locked
           quotes (bid == ask) are kept with ``locked = true`` (or quarantined, by config)
bars       non-positive prices, prices and volume beyond the bounds, high < low, open or close outside
           [low, high], negative volume
fills      non-positive price or qty, beyond the bounds, side not buy/sell, missing order id
orders     non-positive qty, beyond the bounds, side not buy/sell, max_participation outside (0, 1], end
           before start
========== ===========================================================================================

The accounting always holds: ``rows_read == rows_kept + rows_quarantined`` and the quarantined rows
are the sum of the per-reason counts.

Speed. The checks cost about as much as reading the columns: the per-row rules are a few vectorized
comparisons, and the texts of reasons are built only for the rows that fail. Rows already in
(symbol, time) order, as written by most feeds, are recognised by one comparison with the previous row
and never sorted; exact duplicates can only be neighbours in that order, so only rows whose (symbol,
time) equals a neighbour's are compared column by column; the bad-print median is one numba pass over
the symbols' runs (:mod:`liqcost.kernels.validate`). The result is the same as the straightforward plan
kept in ``tests/reference/validate.py`` (sort everything, group-by over every column, polars' rolling
median per symbol), which the tests compare it with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from liqcost.errors import DataError
from liqcost.io.readers import PRICE_COLUMNS, REASON, ROW, SIZE_COLUMNS, plausible_window
from liqcost.schema import CONTRACTS

__all__ = ["ValidationResult", "validate", "base_reason", "base_reason_expr"]

RAW = "_raw_"


@dataclass
class ValidationResult:
    """What validation kept, what it set aside, and the counts."""

    kind: str
    source: str
    clean: object  # polars.DataFrame in the canonical contract, sorted
    quarantine: object  # polars.DataFrame: source, row, reason, raw values
    rows_read: int
    reasons: dict[str, int] = field(default_factory=dict)
    sorted_rows: int = 0
    locked_quotes: int = 0
    one_sided_merged: int = 0
    one_sided_unpaired: int = 0

    @property
    def rows_kept(self) -> int:
        return self.clean.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.height

    def summary(self) -> dict:
        """Counts as a plain dict (what the ingest report prints)."""
        out = {
            "source": self.source,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_quarantined": self.rows_quarantined,
            "quarantine_reasons": dict(sorted(self.reasons.items(), key=lambda kv: -kv[1])),
            "rows_out_of_order_sorted": self.sorted_rows,
            "locked_quotes_flagged": self.locked_quotes,
        }
        if self.one_sided_merged or self.one_sided_unpaired:
            out["one_sided_quotes_merged"] = self.one_sided_merged
            out["one_sided_quotes_unpaired"] = self.one_sided_unpaired
        return out


def base_reason(reason: str) -> str:
    """A reason without its particulars, for counting (``unparseable price 'x'`` -> ``unparseable price``)."""
    import re

    return re.sub(r" of row \d+$", "", re.sub(r" [('].*$", "", reason))


def base_reason_expr(expr):
    """:func:`base_reason` as a polars expression."""
    return expr.str.replace(r" [('].*$", "").str.replace(r" of row \d+$", "")


# ----------------------------------------------------------------------------------------- rules


def _rule_pairs(kind: str, cols: set[str], cfg, window) -> list:
    """The per-row rules as ``(condition, reason)`` pairs in order (the first that holds names the reason)."""
    import polars as pl

    pairs: list = []

    def add(cond, text):
        pairs.append((cond, text))

    def bad_positive(name: str):
        c = pl.col(name)
        return ~c.is_finite() | (c <= 0)

    # time stamps outside the plausibility window (the generic reader has checked them already, with the
    # source text in the reason; vendor readers have not)
    if window is not None:
        for name in ("ts", "decision_ts", "start", "end"):
            if name in cols:
                v = pl.col(name).cast(pl.Int64)
                add((v < window.lo_ns) | (v > window.hi_ns),
                    pl.lit(f"{name} outside the plausible window ({window.label}) '") + pl.col(name).cast(pl.String) + pl.lit("'"))
        if "date" in cols:
            d = pl.col("date")
            add((d < pl.lit(window.first_date)) | (d > pl.lit(window.last_date)),
                pl.lit(f"date outside the plausible window ({window.label}) '") + d.cast(pl.String) + pl.lit("'"))

    max_px = getattr(cfg, "max_price_px", None)
    max_sz = getattr(cfg, "max_size_shares", None)

    def bounds(names):
        for name in names:
            if name not in cols:
                continue
            c = pl.col(name)
            if name in PRICE_COLUMNS and max_px is not None:
                add(c.is_not_null() & (c > max_px),
                    pl.lit(f"implausible {name} (") + c.cast(pl.String) + pl.lit(f" above ingest.max_price_px {max_px:g})"))
            if name in SIZE_COLUMNS and max_sz is not None:
                add(c.is_not_null() & (c > max_sz),
                    pl.lit(f"implausible {name} (") + c.cast(pl.String) + pl.lit(f" above ingest.max_size_shares {max_sz:g})"))

    if kind == "trades":
        add(pl.col("price").is_nan(), "NaN price")
        add(pl.col("price") <= 0, "non-positive price")
        add(pl.col("price").is_infinite(), "infinite price")
        add(pl.col("size").is_nan(), "NaN size")
        add(pl.col("size") <= 0, "non-positive size")
        add(pl.col("size").is_infinite(), "infinite size")
        if "aggressor" in cols:
            add(~pl.col("aggressor").is_in([-1, 0, 1]), "aggressor not +1/-1/0")
        bounds(("price", "size"))
    elif kind == "quotes":
        add(~pl.col("bid").is_finite() | ~pl.col("ask").is_finite(), "NaN or infinite bid or ask")
        add(pl.col("bid") <= 0, "non-positive bid (one-sided quote)")
        add(pl.col("ask") <= 0, "non-positive ask (one-sided quote)")
        add(~pl.col("bid_size").is_finite() | (pl.col("bid_size") < 0), "negative or NaN bid size")
        add(~pl.col("ask_size").is_finite() | (pl.col("ask_size") < 0), "negative or NaN ask size")
        bounds(("bid", "ask", "bid_size", "ask_size"))
        add(pl.col("bid") > pl.col("ask"), "crossed quote (bid > ask)")
        if cfg.max_quote_spread_frac is not None:
            wide = (pl.col("ask") - pl.col("bid")) / ((pl.col("ask") + pl.col("bid")) / 2) > cfg.max_quote_spread_frac
            add(wide, "implausibly wide quote (spread > max_quote_spread_frac of mid)")
        if cfg.locked_quotes == "quarantine":
            add(pl.col("bid") == pl.col("ask"), "locked quote (bid == ask)")
    elif kind == "bars":
        for name in ("open", "high", "low", "close"):
            add(bad_positive(name), f"non-positive or NaN {name}")
        bounds(("open", "high", "low", "close"))
        add(pl.col("high") < pl.col("low"), "high below low")
        add((pl.col("open") > pl.col("high")) | (pl.col("open") < pl.col("low")), "open outside [low, high]")
        add((pl.col("close") > pl.col("high")) | (pl.col("close") < pl.col("low")), "close outside [low, high]")
        add(~pl.col("volume").is_finite() | (pl.col("volume") < 0), "negative or NaN volume")
        bounds(("volume",))
        if "vwap" in cols:
            add(pl.col("vwap").is_not_null() & bad_positive("vwap"), "non-positive vwap")
            bounds(("vwap",))
    elif kind == "fills":
        add(bad_positive("price"), "non-positive or NaN price")
        add(bad_positive("qty"), "non-positive or NaN qty")
        bounds(("price", "qty"))
        add(~pl.col("side").is_in([-1, 1]), "side not buy/sell")
        if "decision_price" in cols:
            add(pl.col("decision_price").is_not_null() & bad_positive("decision_price"), "non-positive decision price")
            bounds(("decision_price",))
        if "decision_ts" in cols:
            add(pl.col("decision_ts").is_not_null() & (pl.col("decision_ts") > pl.col("ts")), "decision after the fill")
    elif kind == "orders":
        add(bad_positive("qty"), "non-positive or NaN qty")
        bounds(("qty",))
        add(~pl.col("side").is_in([-1, 1]), "side not buy/sell")
        if "max_participation" in cols:
            mp = pl.col("max_participation")
            add(mp.is_not_null() & ((mp <= 0) | (mp > 1) | ~mp.is_finite()), "max_participation outside (0, 1]")
        if "start" in cols and "end" in cols:
            add(pl.col("start").is_not_null() & pl.col("end").is_not_null() & (pl.col("end") <= pl.col("start")), "end not after start")
        if "limit_price" in cols:
            add(pl.col("limit_price").is_not_null() & bad_positive("limit_price"), "non-positive limit price")
            bounds(("limit_price",))
    return pairs


def _reason_from(pairs):
    """The reason expression of ``(condition, text)`` pairs: the first condition that holds names it."""
    import polars as pl

    expr = pl.lit(None, pl.String)
    for cond, text in reversed(pairs):
        value = pl.lit(text, pl.String) if isinstance(text, str) else text
        expr = pl.when(cond.fill_null(False)).then(value).otherwise(expr)
    return expr


def _split(frame, pairs):
    """Find the rows with a reason (the reader's, else the first of ``pairs`` that applies).

    Returns (the Boolean Series "row is bad", or None when every row is good; the bad rows with their
    reasons, or None). Reason texts are built for the failing rows only, and the good rows are not copied.
    """
    import polars as pl

    reason = pl.col(REASON)
    flag = reason.is_not_null()
    if pairs:
        flag = flag | pl.any_horizontal([c.fill_null(False) for c, _ in pairs])
    mask = frame.select(flag.alias("_f")).to_series()
    if not bool(mask.any()):
        return None, None
    bad = frame.filter(mask)
    if pairs:
        bad = bad.with_columns(pl.coalesce(reason, _reason_from(pairs)).alias(REASON))
    return mask, bad


# ----------------------------------------------------------------------------------------- order


def _lex_violations(cols: list[str], same):
    """Expression: True where a row comes before the previous one in the order of ``cols`` (given ``same``,
    the expression 'the rows so far compare equal')."""
    import polars as pl

    viol = pl.lit(False)
    for c in cols:
        prev = pl.col(c).shift(1)
        viol = viol | (same & (pl.col(c) < prev))
        same = same & (pl.col(c) == prev)
    return viol.fill_null(False)


@dataclass
class _Order:
    """How the good rows stand with respect to ``sort_cols + [_row]`` order, and how to get there.

    ``how``:

    ``"sorted"``  in order already;
    ``"runs"``    one run per value of the first sort column, each run in order, the runs in another order
                  (files written symbol by symbol): ``runs`` lists ``(start, length)`` in sorted order;
    ``"perm"``    the rows of each value are in order but interleaved with other values (files sorted by
                  time across symbols): a stable reordering by the first sort column sorts them;
    ``"sort"``    rows go backwards within a value: an arg-sort of the key columns gives the order.

    ``perm`` (numpy int64; None for sorted) gives, for each position in sorted order, the row of the
    frame; ``starts`` marks the first row of each value's run and ``times`` holds the second sort column as
    int64, both in sorted order (None when not worked out).
    """

    how: str
    perm: object = None
    runs: list | None = None
    starts: object = None
    times: object = None


def _int_times(series):
    """A Datetime / Date column as contiguous int64 numpy values (ns / days)."""
    import numpy as np
    import polars as pl

    return np.ascontiguousarray(series.cast(pl.Int64).to_numpy(), dtype=np.int64)


def _run_starts(series):
    """numpy bool: True where a value differs from the previous one (and on row 0)."""
    import numpy as np

    rle = series.rle_id().to_numpy()
    out = np.empty(rle.shape[0], dtype=np.bool_)
    if rle.shape[0]:
        out[0] = True
        np.not_equal(rle[1:], rle[:-1], out=out[1:])
    return out


def _starts_of(codes):
    import numpy as np

    out = np.empty(codes.shape[0], dtype=np.bool_)
    if codes.shape[0]:
        out[0] = True
        np.not_equal(codes[1:], codes[:-1], out=out[1:])
    return out


def _order_plan(frame, sort_cols: list[str]) -> _Order:
    """Work out how to put ``frame`` in order (see :class:`_Order`) without sorting what is in order already."""
    import numpy as np
    import polars as pl

    if frame.height < 2:
        return _Order("sorted")
    cols = sort_cols + [ROW]
    if bool(frame.select(pl.any_horizontal([pl.col(c).is_null() for c in cols]).any()).item()):
        return _sorted_by_argsort(frame, sort_cols)
    key = frame.get_column(sort_cols[0])
    fast = len(sort_cols) == 2 and isinstance(frame.schema[sort_cols[1]], (pl.Datetime, pl.Date))
    starts = _run_starts(key)
    times = rows = None
    if fast:
        from liqcost.kernels.validate import first_out_of_order

        times = _int_times(frame.get_column(sort_cols[1]))
        rows = np.ascontiguousarray(frame.get_column(ROW).to_numpy(), dtype=np.int64)
        in_runs = first_out_of_order(starts, times, rows) < 0
    else:
        same_key = pl.col(sort_cols[0]) == pl.col(sort_cols[0]).shift(1)
        in_runs = not frame.select(_lex_violations(cols[1:], same_key).any()).item()
    if in_runs and key.is_sorted():
        return _Order("sorted", None, None, starts, times)
    first = np.flatnonzero(starts)
    if in_runs and first.shape[0] <= max(64, frame.height // 64):  # (many short runs: interleaved)
        values = key.gather(first)
        if values.n_unique() == values.len():  # every value in one run: reorder the runs
            order = values.arg_sort().to_numpy()  # distinct values: no ties
            bounds = np.append(first, frame.height)
            runs = [(int(first[k]), int(bounds[k + 1] - bounds[k])) for k in order]
            perm = np.concatenate([np.arange(a, a + n, dtype=np.int64) for a, n in runs])
            starts_o = np.zeros(frame.height, dtype=np.bool_)
            starts_o[np.cumsum([0] + [n for _, n in runs[:-1]])] = True
            times_o = None if times is None else np.concatenate([times[a:a + n] for a, n in runs])
            return _Order("runs", perm, runs, starts_o, times_o)
    if not fast:
        return _sorted_by_argsort(frame, sort_cols)
    # interleaved values: a stable reordering by the key (as an Enum of its sorted distinct values) sorts
    # the frame when each value's rows are in order
    distinct = key.unique().sort()
    codes = key.cast(pl.Enum(distinct.to_list())).to_physical().to_numpy()
    perm = np.argsort(codes, kind="stable").astype(np.int64, copy=False)
    starts_o = _starts_of(codes[perm])
    times_o = times[perm]
    from liqcost.kernels.validate import first_out_of_order

    if first_out_of_order(starts_o, times_o, rows[perm]) >= 0:
        return _sorted_by_argsort(frame, sort_cols)
    return _Order("perm", perm, None, starts_o, times_o)


def _sorted_by_argsort(frame, sort_cols: list[str]) -> _Order:
    """The permutation that sorts ``frame`` by ``sort_cols + [_row]`` (an arg-sort of those columns only)."""
    import numpy as np
    import polars as pl

    perm = frame.select(pl.arg_sort_by(sort_cols + [ROW])).to_series().to_numpy().astype(np.int64, copy=False)
    starts = times = None
    if len(sort_cols) == 2 and isinstance(frame.schema[sort_cols[1]], (pl.Datetime, pl.Date)):
        ordered = frame.select(sort_cols)[perm]
        starts = _run_starts(ordered.get_column(sort_cols[0]))
        times = _int_times(ordered.get_column(sort_cols[1]))
    return _Order("sort", perm, None, starts, times)


def _group_starts(frame, cols: list[str]):
    """numpy bool array: True where any of ``cols`` differs from the previous row (and on row 0)."""
    import numpy as np
    import polars as pl

    if frame.height == 0:
        return np.zeros(0, dtype=np.bool_)
    if len(cols) == 1:
        return _run_starts(frame.get_column(cols[0]))
    change = pl.any_horizontal([pl.col(c).ne_missing(pl.col(c).shift(1)) for c in cols]).fill_null(True)
    out = frame.select(change.alias("_s")).to_series().to_numpy().copy()
    out[0] = True
    return out


def _backwards(frame, group: list[str], time_col: str) -> int:
    """Rows whose time is earlier than the previous row of the same group, in the frame's order."""
    import polars as pl

    zero = pl.duration(nanoseconds=0) if time_col == "ts" else pl.duration(days=0)
    return int(frame.select((pl.col(time_col).diff().over(group) < zero).fill_null(False).sum()).item() or 0)


def _first_backwards(frame, group: list[str], time_col: str):
    import polars as pl

    zero = pl.duration(nanoseconds=0) if time_col == "ts" else pl.duration(days=0)
    return (
        frame.with_columns((pl.col(time_col).diff().over(group) < zero).alias("_b"))
        .filter(pl.col("_b"))
        .get_column(ROW)
        .min()
    )


# ----------------------------------------------------------------------------------------- quotes


def _merge_one_sided(frame, session_tz: str):
    """Pair one-sided quote rows with the symbol-day's last quote of the missing side.

    Returns (frame, merged, unpaired): the rows without a reason in (symbol, ts, row) order are paired by
    :func:`liqcost.kernels.validate.pair_one_sided`; rows that cannot be paired get a reason.
    """
    import numpy as np
    import polars as pl

    from liqcost.kernels.validate import PAIR_NO_ASK, PAIR_NO_BID, pair_one_sided

    pos = "_pos"
    work = (
        frame.select(pl.int_range(pl.len(), dtype=pl.Int64).alias(pos), "symbol", "ts", ROW, REASON,
                     "bid", "bid_size", "ask", "ask_size")
        .filter(pl.col(REASON).is_null())
        .sort("symbol", "ts", ROW)
        .with_columns(pl.col("ts").dt.convert_time_zone(session_tz).dt.date().alias("_day"))
        .rechunk()
    )
    if work.height == 0:
        return frame, 0, 0
    starts = _group_starts(work, ["symbol", "_day"])

    def arr(name):
        return np.ascontiguousarray(work.get_column(name).cast(pl.Float64).fill_null(np.nan).to_numpy(), dtype=np.float64)

    n = work.height
    outs = [np.empty(n, dtype=np.float64) for _ in range(4)]
    status = np.empty(n, dtype=np.int8)
    merged = pair_one_sided(starts, arr("bid"), arr("bid_size"), arr("ask"), arr("ask_size"), *outs, status)
    idx = work.get_column(pos).to_numpy()
    updated = frame
    for name, values in zip(("bid", "bid_size", "ask", "ask_size"), outs):
        col = updated.get_column(name).cast(pl.Float64)
        updated = updated.with_columns(col.scatter(idx, values).alias(name))
    lost = np.flatnonzero((status == PAIR_NO_BID) | (status == PAIR_NO_ASK))
    if lost.size:
        texts = np.where(
            status[lost] == PAIR_NO_BID,
            "one-sided quote without an earlier bid in the symbol-day (quotes.merge_one_sided)",
            "one-sided quote without an earlier offer in the symbol-day (quotes.merge_one_sided)",
        )
        reasons = updated.get_column(REASON).scatter(idx[lost], pl.Series(texts.tolist(), dtype=pl.String))
        updated = updated.with_columns(reasons)
    return updated, int(merged), int(lost.size)


# ----------------------------------------------------------------------------------------- validate


def validate(frame, kind: str, source: str, config, session_tz: str, keep_row: bool = False) -> ValidationResult:
    """Apply the rules of the module docstring to a frame from a reader.

    Parameters
    ----------
    frame : polars.DataFrame
        Canonical columns plus ``_row``, ``_reason`` (null when parsed) and optional ``_raw_*`` columns
        (the source values of quarantined rows: any type, or ``Null`` when the parsed value is the source
        value).
    kind : str
        The contract kind.
    source : str
        File name (quarantine rows and messages name it).
    config : liqcost.config.IngestConfig
        The ``ingest`` section.
    session_tz : str
        Exchange time zone (the days of the one-sided quote pairing).
    keep_row : bool
        Keep the source row number as a ``row`` column in the clean frame (for files of orders or fills
        whose rows a user wants to find again).

    Returns
    -------
    ValidationResult

    Raises
    ------
    liqcost.errors.DataError
        With ``ingest.unsorted: error`` when time stamps go backwards within a symbol.
    """
    import numpy as np
    import polars as pl

    contract = CONTRACTS[kind]
    rows_read = frame.height
    canon = [c for c in contract.names if c in frame.columns]
    if REASON not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(REASON))
    elif frame.schema[REASON] != pl.String:
        frame = frame.with_columns(pl.col(REASON).cast(pl.String))
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))

    merged = unpaired = 0
    if kind == "quotes" and getattr(config, "merge_one_sided_quotes", False) and frame.height:
        frame, merged, unpaired = _merge_one_sided(frame, session_tz)

    window = plausible_window(config, kind)
    bad_mask, bad = _split(frame, _rule_pairs(kind, set(canon), config, window))
    bad_parts = [bad] if bad is not None else []
    good_pos = None if bad_mask is None else np.flatnonzero(~bad_mask.to_numpy())  # rows of `frame`
    n_good = rows_read if good_pos is None else good_pos.shape[0]

    # ---- order. Only the key columns of the good rows are looked at (and copied, when some rows are
    # bad): rows already in (symbol, time, row) order are never reordered; rows in one ordered run per
    # symbol, or interleaved with each symbol's rows in order, are reordered by a permutation; only rows
    # that go backwards within a symbol need an arg-sort of the key columns. The data columns are copied
    # once, into the clean frame.
    sort_cols = [c for c in contract.sort_by if c in canon]
    time_col = "ts" if "ts" in canon else ("date" if "date" in canon else None)
    group = ["order_id"] if kind in ("fills",) else (["symbol"] if "symbol" in canon else [])
    key_cols = list(dict.fromkeys(sort_cols + group + ([time_col] if time_col else []) + [ROW]))
    keys = frame.select(key_cols)
    if bad_mask is not None:
        keys = keys.filter(~bad_mask)
    plan = _order_plan(keys, sort_cols) if sort_cols else _Order("sorted")
    # sorted position -> row of `frame`
    if plan.perm is None:
        order = good_pos
    else:
        order = plan.perm if good_pos is None else good_pos[plan.perm]

    def rows_at(positions):
        """The rows of `frame` at sorted positions of the good rows."""
        return frame[positions if order is None else order[positions]]

    # ---- exact duplicates: only rows whose sort key equals a neighbour's can be duplicates
    drop = np.zeros(n_good, dtype=np.bool_)  # by sorted position
    reason_at: dict = {}
    if config.duplicates == "quarantine" and n_good:
        if plan.times is not None:
            from liqcost.kernels.validate import equal_neighbours

            cand = np.empty(n_good, dtype=np.bool_)
            equal_neighbours(plan.starts, plan.times, cand)
            cand_idx = np.flatnonzero(cand)
        elif sort_cols:
            ordered_keys = keys if plan.perm is None else keys[plan.perm]
            same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(c).shift(1)) for c in sort_cols]).fill_null(False)
            cand_idx = ordered_keys.select((same | same.shift(-1).fill_null(False)).alias("_c")).to_series().arg_true().to_numpy()
        else:
            cand_idx = np.arange(n_good)
        if cand_idx.size:
            sub = rows_at(cand_idx).select(canon + [ROW]).with_columns(pl.int_range(pl.len()).alias("_i"))
            dups = sub.with_columns(pl.col(ROW).min().over(canon).alias("_first")).filter(pl.col(ROW) != pl.col("_first"))
            if dups.height:
                pos = cand_idx[dups.get_column("_i").to_numpy()]
                drop[pos] = True
                reason_at["dup"] = (pos, "exact duplicate of row " + dups.get_column("_first").cast(pl.String))

    # ---- rows out of time order (counted among the rows that are neither bad nor duplicates, in file order)
    sorted_rows = 0
    if time_col is not None and kind != "orders" and group:
        key_is_group_then_time = sort_cols[: len(group) + 1] == group + [time_col]
        # in order, in runs or interleaved with each symbol in order: nothing goes backwards within a symbol
        if not (plan.how != "sort" and key_is_group_then_time):
            in_file_order = keys
            if "dup" in reason_at:
                dup_rows = rows_at(reason_at["dup"][0]).get_column(ROW)
                in_file_order = in_file_order.filter(~pl.col(ROW).is_in(dup_rows.implode()))
            sorted_rows = _backwards(in_file_order, group, time_col)
            if sorted_rows and config.unsorted == "error":
                first_bad = _first_backwards(in_file_order, group, time_col)
                raise DataError(
                    f"{source}: time stamps go backwards at row {first_bad} ({sorted_rows} rows out of order); "
                    "sort the file or set ingest.unsorted: sort."
                )

    # ---- bad prints: centred rolling median of the symbol's other good trades (numba, one pass)
    if kind == "trades" and config.bad_print_max_deviation_frac is not None and n_good:
        from liqcost.kernels.validate import bad_print_flags

        keep_idx = np.flatnonzero(~drop) if drop.any() else None  # sorted positions of the rows the median sees
        price = frame.get_column("price").to_numpy()
        if order is not None:
            price = price[order]
        if keep_idx is not None:
            price = price[keep_idx]
        price = np.ascontiguousarray(price, dtype=np.float64)
        if plan.starts is not None and sort_cols[0] == "symbol":
            starts = plan.starts if keep_idx is None else _starts_of(np.cumsum(plan.starts)[keep_idx])
        else:
            symbols = frame.get_column("symbol")
            starts = _run_starts(symbols if order is None else symbols[order if keep_idx is None else order[keep_idx]])
        if price.shape[0]:
            w = config.bad_print_window | 1
            flags = np.empty(price.shape[0], dtype=np.bool_)
            med = np.empty(price.shape[0], dtype=np.float64)
            if bad_print_flags(price, starts, w, min(5, w), float(config.bad_print_max_deviation_frac), flags, med):
                hit = np.flatnonzero(flags)
                pos = hit if keep_idx is None else keep_idx[hit]
                drop[pos] = True
                shown = pl.Series(med[hit]).round(4).cast(pl.String)
                reason_at["bad print"] = (pos, "bad print (far from the rolling median " + shown + ")")

    # ---- the clean rows (in sort order, the only copy of the data columns) and the quarantine
    out_cols = [pl.col(c) for c in canon if not (kind == "quotes" and c == "locked")]  # (recomputed below)
    if kind == "quotes":
        is_locked = (pl.col("bid") == pl.col("ask")).fill_null(False).alias("locked")
        out_cols.append(is_locked)
        bad_parts = [b.with_columns(is_locked) for b in bad_parts]
    if keep_row:
        out_cols.append(pl.col(ROW).alias("row"))
    for pos, texts in reason_at.values():
        part = rows_at(pos).with_columns(texts.alias(REASON))
        bad_parts.append(part.with_columns(is_locked) if kind == "quotes" else part)
    data = frame.select(out_cols)
    if plan.how == "runs":  # the runs in sort order are slices of the frame (no copy), then one filter
        if good_pos is None:
            clean = pl.concat([data.slice(start, length) for start, length in plan.runs], rechunk=False)
            if drop.any():
                clean = clean.filter(pl.Series(~drop))
        else:
            spans = [(int(good_pos[start]), int(good_pos[start + length - 1] - good_pos[start] + 1)) for start, length in plan.runs]
            keep = np.zeros(rows_read, dtype=np.bool_)
            keep[order[~drop] if drop.any() else order] = True
            clean = pl.concat([data.slice(start, length) for start, length in spans], rechunk=False)
            clean = clean.filter(pl.Series(np.concatenate([keep[start:start + length] for start, length in spans])))
    elif plan.how == "sorted":  # in order: a filter (or nothing) does
        if good_pos is None and not drop.any():
            clean = data
        else:
            keep = np.zeros(rows_read, dtype=np.bool_)
            keep[order[~drop] if order is not None else np.flatnonzero(~drop)] = True
            clean = data.filter(pl.Series(keep))
    else:
        clean = data[order[~drop] if drop.any() else order]

    template = frame.head(0).with_columns(is_locked) if kind == "quotes" else frame.head(0)
    bad = pl.concat([p.select(template.columns) for p in bad_parts], how="vertical") if bad_parts else template
    quarantine = _quarantine(bad, source)
    reasons = {}
    if quarantine.height:
        counts = quarantine.select(base_reason_expr(pl.col("reason"))).get_column("reason").value_counts()
        reasons = {r: int(n) for r, n in counts.iter_rows()}
    locked = int(clean.get_column("locked").sum()) if kind == "quotes" and clean.height else 0
    result = ValidationResult(kind, source, clean, quarantine, rows_read, reasons, sorted_rows, locked, merged, unpaired)
    if result.rows_kept + result.rows_quarantined != rows_read:  # pragma: no cover - an invariant
        raise AssertionError(f"validation lost rows: {rows_read} read, {result.rows_kept} kept, {result.rows_quarantined} quarantined")
    return result


def _quarantine(bad, source: str):
    """The quarantine table: source, row, reason and the source's values of each column as text."""
    import polars as pl

    raw_cols = [c for c in bad.columns if c.startswith(RAW)]
    if raw_cols:
        q_cols = []
        for c in raw_cols:
            name = c[len(RAW):]
            value = pl.col(name) if bad.schema[c] == pl.Null and name in bad.columns else pl.col(c)
            q_cols.append(value.cast(pl.String).alias(name))
    else:
        extra = [c for c in bad.columns if c not in (ROW, REASON) and not c.startswith("_")]
        q_cols = [pl.col(c).cast(pl.String) for c in extra]
    return bad.sort(ROW).select(
        [pl.lit(source, pl.String).alias("source"), pl.col(ROW).alias("row"), pl.col(REASON).alias("reason")] + q_cols
    )
