"""The tranche contract a replay reads, and its validation.

A plan's ``plan`` table (:data:`liqcost.planner.plan.PLAN_COLUMNS`) satisfies it as it is; so does any frame
with the required columns below. Limit prices are *rules* relative to the live quote and are replayed as
rules (re-pegged when the quote moves); ``limit_price_px`` is read only for the ``fixed`` rule (for the other
rules it is the rule's price at plan time, shown by the planner, not replayed).

Validation collects every problem: a frame that lacks a column or has one of the wrong type raises
:class:`~liqcost.errors.SchemaError` naming them all; a bad value rejects its whole order (a partial order
would be replayed as something it is not), with the row number, the order and the reason, and
:func:`validate_tranches` returns the rejected rows beside the good ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from liqcost.schema import Column, Contract, suggest

__all__ = ["TRANCHES", "RULE_HELP", "TrancheSet", "rule_code", "validate_tranches", "POLICIES"]

_TS = "datetime_ns_utc"
RULE_HELP = "join, improve_<k> (k ticks better than the near side), mid, cross or fixed (with limit_price_px)"
POLICIES = ("carry", "cross_at_end", "leave")

TRANCHES = Contract(
    "tranches",
    (
        Column("order_id", "str", "", True, "Parent order the tranche belongs to."),
        Column("symbol", "str", "", True, "Instrument (one per order)."),
        Column("side", "i8", "", True, "+1 / 'buy' or -1 / 'sell' (one per order)."),
        Column("tranche", "i64", "", False, "Tranche number within the order (default: the order of window_start)."),
        Column("window_start", _TS, "time with a time zone", True, "The order is posted at this time (any time zone)."),
        Column("window_end", _TS, "time with a time zone", True, "The window closes at this time (>= window_start)."),
        Column("qty_shares", "f64", "shares", True, "Shares to trade in the window, > 0 (carried shares come on top)."),
        Column("limit_rule", "str", "", True, "Price rule: " + RULE_HELP + "."),
        Column("limit_price_px", "f64", "currency per share", False, "The price of a 'fixed' rule (ignored by the other rules)."),
        Column("limit_cap_px", "f64", "currency per share", False,
               "Hard limit of the order: never buy above / sell below it (null: none)."),
        Column("max_participation_frac", "f64", "fraction of volume", False,
               "Fills in the window never exceed this share of the market volume printed in it (null: the default cap)."),
        Column("unfilled", "str", "", False, "At the window's end: carry, cross_at_end or leave (null: the default)."),
        Column("expected_cost_bps", "f64", "bps of the arrival mid", False, "The plan's predicted cost of the tranche."),
    ),
    sort_by=("order_id", "window_start"),
    doc="Limit-order tranches to replay: the planner's plan table, or any frame with these columns.",
)

_NUMERIC = {"Float64", "Float32", "Int64", "Int32", "Int16", "Int8", "UInt64", "UInt32", "UInt16", "UInt8", "Decimal"}


def rule_code(rule: str) -> int | None:
    """Kernel code of a rule (``k`` for join/improve_k, -1 mid, -2 cross, -3 fixed), None when unknown."""
    from liqcost.kernels.replay import CODE_CROSS, CODE_FIXED, CODE_MID

    r = str(rule).strip().lower()
    if r == "join":
        return 0
    if r.startswith("improve_") and r[8:].isdigit():
        return int(r[8:])
    return {"mid": CODE_MID, "cross": CODE_CROSS, "fixed": CODE_FIXED}.get(r)


@dataclass(frozen=True)
class TrancheSet:
    """Validated tranches.

    Attributes
    ----------
    frame : polars.DataFrame
        One row per tranche of the accepted orders, sorted by symbol, order (first appearance) and window start:
        ``row`` (1-based row of the input), ``order_id``, ``symbol``, ``side`` (Int8), ``tranche``,
        ``window_start``, ``window_end`` (Datetime ns UTC), ``start_ns``, ``end_ns``, ``qty_shares``,
        ``limit_rule``, ``code``, ``price_px``, ``cap_px``, ``max_part`` (NaN: no cap), ``unfilled``,
        ``expected_cost_bps``, ``order_pos`` (order's first appearance).
    rejected : polars.DataFrame
        ``row``, ``order_id``, ``reason``: the first problem of every rejected order.
    """

    frame: object
    rejected: object


def _check_columns(frame, source: str) -> None:
    import polars as pl

    from liqcost.errors import SchemaError

    schema = frame.schema
    present = list(schema.names())
    problems = []
    for c in TRANCHES.required:
        if c not in schema:
            problems.append(f"missing column '{c}'{suggest(c, present)}")
    for c in TRANCHES.columns:
        if c.name not in schema:
            continue
        dt = schema[c.name]
        base = str(dt.base_type() if hasattr(dt, "base_type") else dt).split("(")[0]
        if c.dtype == _TS:
            if not isinstance(dt, pl.Datetime):
                problems.append(f"column '{c.name}' has type {dt}, expected a datetime with a time zone")
            elif dt.time_zone is None:
                problems.append(f"column '{c.name}' has no time zone (give the times in UTC or with an offset)")
        elif c.name == "side":
            if base not in _NUMERIC and base not in ("String", "Categorical", "Enum"):
                problems.append(f"column 'side' has type {dt}, expected +1/-1 or buy/sell")
        elif c.dtype in ("f64", "i64"):
            if base not in _NUMERIC and not (base == "Null"):
                problems.append(f"column '{c.name}' has type {dt}, expected a number")
        elif c.dtype == "str" and base not in ("String", "Categorical", "Enum", "Null"):
            problems.append(f"column '{c.name}' has type {dt}, expected text")
    if problems:
        raise SchemaError(f"{source}: tranche data {'; '.join(problems)}. Columns present: {', '.join(present) or 'none'}.")


def validate_tranches(frame, source: str = "tranches", *, default_participation: float | None = None,
                      default_unfilled: str = "carry", participation_cap: bool = True) -> TrancheSet:
    """Check a tranche frame and bring it to the canonical form the replay reads.

    Parameters
    ----------
    frame : polars.DataFrame or LazyFrame
        Rows of :data:`TRANCHES` (e.g. ``plan(...).tranches``).
    source : str
        Name used in messages (a file name).
    default_participation : float, optional
        Cap of rows without ``max_participation_frac`` (None: no cap).
    default_unfilled : str
        Policy of rows without ``unfilled``.
    participation_cap : bool
        False: no participation cap at all.

    Raises
    ------
    SchemaError
        Missing columns or columns of the wrong type (all of them named).
    EmptyDataError
        No rows.
    """
    import polars as pl

    from liqcost.errors import EmptyDataError

    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if not isinstance(frame, pl.DataFrame):
        raise TypeError("tranches must be a polars DataFrame (or a PlanResult: see liqcost.sim.replay.tranches_from_plan)")
    _check_columns(frame, source)
    if frame.height == 0:
        raise EmptyDataError(f"{source}: no tranches to replay.")

    def opt(name, dtype, default):
        if name in frame.columns:
            return pl.col(name).cast(dtype, strict=False)
        return pl.lit(default, dtype=dtype)

    side_raw = pl.col("side")
    if frame.schema["side"] in (pl.String, pl.Categorical) or isinstance(frame.schema["side"], pl.Enum):
        s = side_raw.cast(pl.String).str.strip_chars().str.to_lowercase()
        side = (pl.when(s.is_in(["buy", "b", "+1", "1"])).then(1).when(s.is_in(["sell", "s", "-1"])).then(-1)
                .otherwise(None).cast(pl.Int8))
    else:
        side = pl.when(side_raw == 1).then(1).when(side_raw == -1).then(-1).otherwise(None).cast(pl.Int8)
    rule = pl.col("limit_rule").cast(pl.String).str.strip_chars().str.to_lowercase()
    improve_k = rule.str.extract(r"^improve_(\d+)$", 1).cast(pl.Int64, strict=False)
    code = (pl.when(rule == "join").then(0).when(improve_k.is_not_null()).then(improve_k).when(rule == "mid").then(-1)
            .when(rule == "cross").then(-2).when(rule == "fixed").then(-3).otherwise(None).cast(pl.Int64))
    part_default = default_participation if (participation_cap and default_participation is not None) else float("nan")
    base = frame.with_row_index("row", offset=1).select(
        pl.col("row").cast(pl.Int64),
        pl.col("order_id").cast(pl.String),
        pl.col("symbol").cast(pl.String),
        side.alias("side"),
        side_raw.cast(pl.String).alias("_side_raw"),
        opt("tranche", pl.Int64, None).alias("tranche"),
        pl.col("window_start").dt.convert_time_zone("UTC").dt.cast_time_unit("ns").alias("window_start"),
        pl.col("window_end").dt.convert_time_zone("UTC").dt.cast_time_unit("ns").alias("window_end"),
        pl.col("qty_shares").cast(pl.Float64, strict=False).alias("qty_shares"),
        rule.alias("limit_rule"),
        code.alias("code"),
        opt("limit_price_px", pl.Float64, None).alias("price_px"),
        opt("limit_cap_px", pl.Float64, None).alias("cap_px"),
        opt("max_participation_frac", pl.Float64, None).alias("max_part"),
        opt("unfilled", pl.String, None).str.strip_chars().str.to_lowercase().alias("unfilled"),
        opt("expected_cost_bps", pl.Float64, None).alias("expected_cost_bps"),
    ).with_columns(
        pl.col("window_start").dt.epoch("ns").alias("start_ns"),
        pl.col("window_end").dt.epoch("ns").alias("end_ns"),
    )
    reason = (
        pl.when(pl.col("order_id").is_null()).then(pl.lit("order_id is missing"))
        .when(pl.col("symbol").is_null()).then(pl.lit("symbol is missing"))
        .when(pl.col("side").is_null()).then(pl.format("side must be buy (+1) or sell (-1), got {}", pl.col("_side_raw").fill_null("null")))
        .when(pl.col("start_ns").is_null() | pl.col("end_ns").is_null()).then(pl.lit("window_start and window_end are required"))
        .when(pl.col("end_ns") < pl.col("start_ns")).then(pl.lit("window_end is before window_start"))
        .when((pl.col("qty_shares").is_finite() & (pl.col("qty_shares") > 0)).fill_null(False).not_())
        .then(pl.format("qty_shares must be a positive number of shares, got {}", pl.col("qty_shares").cast(pl.String).fill_null("null")))
        .when(pl.col("limit_rule").is_in(["auction_open", "auction_close"]).fill_null(False))
        .then(pl.format("rule {} is an auction order; auctions cannot be replayed on continuous trades and quotes", pl.col("limit_rule")))
        .when(pl.col("code").is_null())
        .then(pl.format("unknown limit_rule {}; use " + RULE_HELP, pl.col("limit_rule").fill_null("null")))
        .when((pl.col("code") == -3) & (pl.col("price_px").is_finite() & (pl.col("price_px") > 0)).fill_null(False).not_())
        .then(pl.lit("a fixed rule needs a positive limit_price_px"))
        .when(pl.col("cap_px").is_not_null() & (pl.col("cap_px").is_finite() & (pl.col("cap_px") > 0)).fill_null(False).not_())
        .then(pl.format("limit_cap_px must be a positive price, got {}", pl.col("cap_px").cast(pl.String)))
        .when(pl.col("max_part").is_not_null() & ((pl.col("max_part") > 0) & (pl.col("max_part") <= 1)).fill_null(False).not_())
        .then(pl.format("max_participation_frac must be in (0, 1], got {}", pl.col("max_part").cast(pl.String)))
        .when(pl.col("unfilled").is_not_null() & ~pl.col("unfilled").is_in(list(POLICIES)))
        .then(pl.format("unfilled must be one of carry, cross_at_end, leave, got {}", pl.col("unfilled")))
        .otherwise(None)
    )
    base = base.with_columns(reason.alias("reason")).with_columns(
        pl.when(pl.col("price_px").is_finite()).then(pl.col("price_px")).otherwise(float("nan")).alias("price_px"),
        pl.when(pl.col("cap_px").is_finite()).then(pl.col("cap_px")).otherwise(float("nan")).alias("cap_px"),
        (pl.col("max_part").fill_null(part_default) if participation_cap else pl.lit(float("nan"))).alias("max_part"),
        pl.col("unfilled").fill_null(default_unfilled),
    )
    # order position: first appearance
    first = base.group_by("order_id", maintain_order=True).agg(pl.col("row").min().alias("order_pos"))
    base = base.join(first.with_columns(pl.col("order_pos").rank("ordinal").cast(pl.Int64)), on="order_id", how="left")
    base = base.sort("order_pos", "start_ns", "tranche", "row", nulls_last=True)
    # order-level checks on the rows that passed
    ok = base.filter(pl.col("reason").is_null())
    order_reason = ok.group_by("order_id", maintain_order=True).agg(
        pl.col("row").first(),
        pl.col("symbol").n_unique().alias("n_sym"),
        pl.col("side").n_unique().alias("n_side"),
        ((pl.col("start_ns").shift(-1) < pl.col("end_ns")) & pl.col("start_ns").shift(-1).is_not_null()).any().alias("overlap"),
        pl.col("tranche").drop_nulls().is_duplicated().any().alias("dup"),
    ).with_columns(
        pl.when(pl.col("n_sym") > 1).then(pl.lit("the order's tranches name more than one symbol"))
        .when(pl.col("n_side") > 1).then(pl.lit("the order's tranches are on both sides"))
        .when(pl.col("overlap")).then(pl.lit("the order's tranche windows overlap (each must start at or after the previous one ends)"))
        .when(pl.col("dup")).then(pl.lit("the order repeats a tranche number"))
        .otherwise(None).alias("reason")
    ).filter(pl.col("reason").is_not_null()).select("row", "order_id", "reason")
    row_reason = base.filter(pl.col("reason").is_not_null()).group_by("order_id", maintain_order=True).agg(
        pl.col("row").first(), pl.col("reason").first())
    rejected = pl.concat([row_reason.select("row", "order_id", "reason"), order_reason]).sort("row")
    bad = set(rejected["order_id"].to_list())
    good = base.filter(~pl.col("order_id").is_in(list(bad)) if bad else pl.lit(True))
    good = good.with_columns(
        pl.col("tranche").fill_null(pl.int_range(1, pl.len() + 1).over("order_id")).cast(pl.Int64)
    ).drop("reason", "_side_raw")
    return TrancheSet(good, rejected)
