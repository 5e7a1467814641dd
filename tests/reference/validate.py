"""Slow reference twins of liqcost.io.validate and liqcost.kernels.validate.

``validate_reference`` is the validation of liqcost before it was rewritten for speed (issue 16): a polars
plan that sorts every frame, finds duplicates with a group-by over every canonical column and computes the
bad-print median with ``rolling_median(...).over("symbol")``. The fast :func:`liqcost.io.validate.validate`
must keep exactly the same rows and give exactly the same reasons whenever the rules added later (time
window, price and size bounds, one-sided quotes) do not apply. The kernel twins below are plain Python.
"""

from __future__ import annotations

import math

from liqcost.errors import DataError
from liqcost.schema import CONTRACTS

ROW = "_row"
REASON = "_reason"

def base_reason_expr(expr):
    """:func:`base_reason` as a polars expression."""
    return expr.str.replace(r" [('].*$", "").str.replace(r" of row \d+$", "")


def _first(reason, cond, text: str):
    """Keep the existing reason, else ``text`` where ``cond`` holds."""
    import polars as pl

    return pl.when(reason.is_not_null()).then(reason).when(cond).then(pl.lit(text)).otherwise(reason)


def _rule_reasons(kind: str, cols: set[str], cfg):
    """The per-row (non-window) validation rules as one reason expression."""
    import polars as pl

    r = pl.col(REASON)

    def bad_positive(name: str):
        c = pl.col(name)
        return ~c.is_finite() | (c <= 0)

    if kind == "trades":
        r = _first(r, pl.col("price").is_nan(), "NaN price")
        r = _first(r, pl.col("price") <= 0, "non-positive price")
        r = _first(r, pl.col("price").is_infinite(), "infinite price")
        r = _first(r, pl.col("size").is_nan(), "NaN size")
        r = _first(r, pl.col("size") <= 0, "non-positive size")
        r = _first(r, pl.col("size").is_infinite(), "infinite size")
        if "aggressor" in cols:
            r = _first(r, ~pl.col("aggressor").is_in([-1, 0, 1]), "aggressor not +1/-1/0")
    elif kind == "quotes":
        r = _first(r, ~pl.col("bid").is_finite() | ~pl.col("ask").is_finite(), "NaN or infinite bid or ask")
        r = _first(r, pl.col("bid") <= 0, "non-positive bid (one-sided quote)")
        r = _first(r, pl.col("ask") <= 0, "non-positive ask (one-sided quote)")
        r = _first(r, ~pl.col("bid_size").is_finite() | (pl.col("bid_size") < 0), "negative or NaN bid size")
        r = _first(r, ~pl.col("ask_size").is_finite() | (pl.col("ask_size") < 0), "negative or NaN ask size")
        r = _first(r, pl.col("bid") > pl.col("ask"), "crossed quote (bid > ask)")
        if cfg.max_quote_spread_frac is not None:
            wide = (pl.col("ask") - pl.col("bid")) / ((pl.col("ask") + pl.col("bid")) / 2) > cfg.max_quote_spread_frac
            r = _first(r, wide, "implausibly wide quote (spread > max_quote_spread_frac of mid)")
        if cfg.locked_quotes == "quarantine":
            r = _first(r, pl.col("bid") == pl.col("ask"), "locked quote (bid == ask)")
    elif kind == "bars":
        for name in ("open", "high", "low", "close"):
            r = _first(r, bad_positive(name), f"non-positive or NaN {name}")
        r = _first(r, pl.col("high") < pl.col("low"), "high below low")
        r = _first(r, (pl.col("open") > pl.col("high")) | (pl.col("open") < pl.col("low")), "open outside [low, high]")
        r = _first(r, (pl.col("close") > pl.col("high")) | (pl.col("close") < pl.col("low")), "close outside [low, high]")
        r = _first(r, ~pl.col("volume").is_finite() | (pl.col("volume") < 0), "negative or NaN volume")
        if "vwap" in cols:
            r = _first(r, pl.col("vwap").is_not_null() & bad_positive("vwap"), "non-positive vwap")
    elif kind == "fills":
        r = _first(r, bad_positive("price"), "non-positive or NaN price")
        r = _first(r, bad_positive("qty"), "non-positive or NaN qty")
        r = _first(r, ~pl.col("side").is_in([-1, 1]), "side not buy/sell")
        if "decision_price" in cols:
            r = _first(r, pl.col("decision_price").is_not_null() & bad_positive("decision_price"), "non-positive decision price")
        if "decision_ts" in cols:
            r = _first(r, pl.col("decision_ts").is_not_null() & (pl.col("decision_ts") > pl.col("ts")), "decision after the fill")
    elif kind == "orders":
        r = _first(r, bad_positive("qty"), "non-positive or NaN qty")
        r = _first(r, ~pl.col("side").is_in([-1, 1]), "side not buy/sell")
        if "max_participation" in cols:
            mp = pl.col("max_participation")
            r = _first(r, mp.is_not_null() & ((mp <= 0) | (mp > 1) | ~mp.is_finite()), "max_participation outside (0, 1]")
        if "start" in cols and "end" in cols:
            r = _first(r, pl.col("start").is_not_null() & pl.col("end").is_not_null() & (pl.col("end") <= pl.col("start")), "end not after start")
        if "limit_price" in cols:
            r = _first(r, pl.col("limit_price").is_not_null() & bad_positive("limit_price"), "non-positive limit price")
    return r


def validate_reference(frame, kind: str, source: str, config, session_tz: str, keep_row: bool = False):
    """Apply the rules of the module docstring to a frame from a reader.

    Parameters
    ----------
    frame : polars.DataFrame
        Canonical columns plus ``_row``, ``_reason`` (null when parsed) and optional ``_raw_*`` columns.
    kind : str
        The contract kind.
    source : str
        File name (quarantine rows and messages name it).
    config : liqcost.config.IngestConfig
        The ``ingest`` section.
    session_tz : str
        Exchange time zone (bad prints are judged within the symbol's session days).
    keep_row : bool
        Keep the source row number as a ``row`` column in the clean frame (for files of orders or fills
        whose rows a user wants to find again).

    Returns
    -------
    ValidationResult
    """
    import polars as pl

    contract = CONTRACTS[kind]
    rows_read = frame.height
    canon = [c for c in contract.names if c in frame.columns]
    if REASON not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(REASON))
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    frame = frame.with_columns(_rule_reasons(kind, set(canon), config).alias(REASON))

    # exact duplicates among otherwise good rows: the first occurrence is kept
    if config.duplicates == "quarantine":
        # only good rows count as originals
        good = frame.filter(pl.col(REASON).is_null())
        if good.height:
            dups = good.with_columns(pl.col(ROW).min().over(canon).alias("_first")).filter(pl.col(ROW) != pl.col("_first"))
            if dups.height:
                frame = frame.join(dups.select(ROW, "_first"), on=ROW, how="left").with_columns(
                    pl.when(pl.col("_first").is_not_null() & pl.col(REASON).is_null())
                    .then(pl.lit("exact duplicate of row ") + pl.col("_first").cast(pl.String))
                    .otherwise(pl.col(REASON))
                    .alias(REASON)
                ).drop("_first")

    # order: count rows whose time goes backwards within the symbol (in file order), then sort
    time_col = "ts" if "ts" in canon else ("date" if "date" in canon else None)
    sorted_rows = 0
    group = ["order_id"] if kind in ("fills",) else (["symbol"] if "symbol" in canon else [])
    if time_col is not None and kind != "orders":
        backwards = frame.filter(pl.col(REASON).is_null()).select(
            (pl.col(time_col).diff().over(group) < pl.duration(nanoseconds=0) if time_col == "ts" else pl.col(time_col).diff().over(group) < pl.duration(days=0))
            .fill_null(False)
            .sum()
        ).item() if group else 0
        sorted_rows = int(backwards or 0)
        if sorted_rows and config.unsorted == "error":
            first_bad = (
                frame.filter(pl.col(REASON).is_null())
                .with_columns((pl.col(time_col).diff().over(group) < pl.duration(nanoseconds=0)).alias("_b"))
                .filter(pl.col("_b"))
                .get_column(ROW)
                .min()
            )
            raise DataError(
                f"{source}: time stamps go backwards at row {first_bad} ({sorted_rows} rows out of order); "
                "sort the file or set ingest.unsorted: sort."
            )

    sort_cols = [c for c in contract.sort_by if c in canon]
    if sort_cols:
        frame = frame.sort(sort_cols + [ROW], maintain_order=True)

    # bad prints (trades): centred rolling median of the symbol's other good trades
    if kind == "trades" and config.bad_print_max_deviation_frac is not None:
        good = frame.filter(pl.col(REASON).is_null())
        if good.height:
            w = config.bad_print_window | 1
            med = pl.col("price").rolling_median(window_size=w, center=True, min_samples=min(5, w)).over("symbol")
            flagged = good.with_columns(med.alias("_med")).filter(
                ((pl.col("price") / pl.col("_med") - 1).abs() > config.bad_print_max_deviation_frac) & pl.col("_med").is_not_null()
            ).select(ROW, "_med")
            if flagged.height:
                frame = frame.join(flagged, on=ROW, how="left").with_columns(
                    pl.when(pl.col("_med").is_not_null())
                    .then(pl.lit("bad print (far from the rolling median ") + pl.col("_med").round(4).cast(pl.String) + pl.lit(")"))
                    .otherwise(pl.col(REASON))
                    .alias(REASON)
                ).drop("_med")
                frame = frame.sort(sort_cols + [ROW], maintain_order=True)

    locked = 0
    if kind == "quotes":
        frame = frame.with_columns((pl.col("bid") == pl.col("ask")).fill_null(False).alias("locked"))
        locked = int(frame.filter(pl.col(REASON).is_null() & pl.col("locked")).height)
        canon = [c for c in contract.names if c in frame.columns]

    clean = frame.filter(pl.col(REASON).is_null()).select(canon + ([pl.col(ROW).alias("row")] if keep_row else []))
    bad = frame.filter(pl.col(REASON).is_not_null())
    raw_cols = [c for c in bad.columns if c.startswith("_raw_")]
    extra = [c for c in bad.columns if c not in raw_cols and c not in (ROW, REASON) and not c.startswith("_")]
    if raw_cols:
        q_cols = [pl.col(c).alias(c[len("_raw_") :]) for c in raw_cols]
    else:
        q_cols = [pl.col(c).cast(pl.String) for c in extra]
    quarantine = bad.sort(ROW).select(
        [pl.lit(source, pl.String).alias("source"), pl.col(ROW).alias("row"), pl.col(REASON).alias("reason")] + q_cols
    )
    reasons = {}
    if quarantine.height:
        counts = quarantine.select(base_reason_expr(pl.col("reason"))).get_column("reason").value_counts()
        reasons = {r: int(n) for r, n in counts.iter_rows()}
    assert clean.height + quarantine.height == rows_read
    return {"clean": clean, "quarantine": quarantine, "reasons": reasons, "sorted_rows": sorted_rows, "locked": locked}


# ------------------------------------------------------------------------------- kernel twins


def rolling_median_reference(values, group_start, window, min_samples):
    """Centred rolling median within groups: each window sorted from scratch."""
    n = len(values)
    half = window // 2
    out = [math.nan] * n
    starts = [i for i in range(n) if i == 0 or group_start[i]] + [n]
    for s, e in zip(starts[:-1], starts[1:]):
        for i in range(s, e):
            win = sorted(values[max(s, i - half): min(e - 1, i + half) + 1])
            k = len(win)
            if k < min_samples:
                continue
            if k % 2:
                out[i] = win[k // 2]
            else:
                a, b = win[k // 2 - 1], win[k // 2]
                out[i] = 0.5 * (b - a) + a
    return out


def pair_one_sided_reference(group_start, bid, bid_size, ask, ask_size):
    """One-sided quote rows paired with the group's last quote of the missing side.

    Returns (bid, bid_size, ask, ask_size, status) lists; status 0 untouched, 1 merged, 2 no earlier bid,
    3 no earlier offer.
    """
    def present(p):
        return p is not None and math.isfinite(p) and p > 0

    out = ([], [], [], [], [])
    last_b = last_a = None
    for i in range(len(bid)):
        if i == 0 or group_start[i]:
            last_b = last_a = None
        b, bs, a, as_ = bid[i], bid_size[i], ask[i], ask_size[i]
        st = 0
        if present(b) and not present(a):
            if last_a is None:
                st = 3
            else:
                a, as_ = last_a
                st = 1
        elif present(a) and not present(b):
            if last_b is None:
                st = 2
            else:
                b, bs = last_b
                st = 1
        if present(bid[i]):
            last_b = (bid[i], bid_size[i])
        if present(ask[i]):
            last_a = (ask[i], ask_size[i])
        for lst, v in zip(out, (b, bs, a, as_, st)):
            lst.append(v)
    return out


def bad_print_flags_reference(values, group_start, window, min_samples, max_deviation):
    """Bad prints by the rule itself: the full rolling median, then ``|price / median - 1| > max_deviation``."""
    med = rolling_median_reference(list(values), group_start, window, min_samples)
    return [not math.isnan(m) and abs(p / m - 1.0) > max_deviation for p, m in zip(values, med)]


def first_out_of_order_reference(group_start, ts, row):
    """First index whose (time, row) does not increase strictly from the previous row of its group, or -1."""
    for i in range(1, len(ts)):
        if not group_start[i] and (ts[i], row[i]) <= (ts[i - 1], row[i - 1]):
            return i
    return -1


def equal_neighbours_reference(group_start, ts):
    """For each row: does a neighbour in the same group have the same time?"""
    n = len(ts)
    return [(i > 0 and not group_start[i] and ts[i] == ts[i - 1]) or (i + 1 < n and not group_start[i + 1] and ts[i + 1] == ts[i])
            for i in range(n)]
