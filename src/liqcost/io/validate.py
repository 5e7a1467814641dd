"""Validation with quarantine: every row is either kept or set aside with a reason, and counted.

Rules (first failing rule names the row's reason):

========== ===========================================================================================
all kinds  unparseable or missing required values (from the reader); exact duplicates (config
           ``ingest.duplicates``); rows out of time order are *sorted* and counted (or an error with
           ``ingest.unsorted: error``)
trades     NaN / zero / negative price or size; bad prints: price further than
           ``ingest.bad_print_max_deviation_frac`` from the centred rolling median of the symbol's
           neighbouring trades (``ingest.bad_print_window`` trades)
quotes     NaN / non-positive bid or ask, negative sizes, crossed quotes (bid > ask), implausibly wide
           quotes (spread > ``ingest.max_quote_spread_frac`` of mid); locked quotes (bid == ask) are kept
           with ``locked = true`` (or quarantined, by config)
bars       non-positive prices, high < low, open or close outside [low, high], negative volume
fills      non-positive price or qty, side not buy/sell, missing order id
orders     non-positive qty, side not buy/sell, max_participation outside (0, 1], end before start
========== ===========================================================================================

The accounting always holds: ``rows_read == rows_kept + rows_quarantined`` and the quarantined rows
are the sum of the per-reason counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from liqcost.errors import DataError
from liqcost.io.readers import REASON, ROW
from liqcost.schema import CONTRACTS

__all__ = ["ValidationResult", "validate", "base_reason", "base_reason_expr"]


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

    @property
    def rows_kept(self) -> int:
        return self.clean.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine.height

    def summary(self) -> dict:
        """Counts as a plain dict (what the ingest report prints)."""
        return {
            "source": self.source,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_quarantined": self.rows_quarantined,
            "quarantine_reasons": dict(sorted(self.reasons.items(), key=lambda kv: -kv[1])),
            "rows_out_of_order_sorted": self.sorted_rows,
            "locked_quotes_flagged": self.locked_quotes,
        }


def base_reason(reason: str) -> str:
    """A reason without its particulars, for counting (``unparseable price 'x'`` -> ``unparseable price``)."""
    import re

    return re.sub(r" of row \d+$", "", re.sub(r" [('].*$", "", reason))


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


def validate(frame, kind: str, source: str, config, session_tz: str, keep_row: bool = False) -> ValidationResult:
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
    result = ValidationResult(kind, source, clean, quarantine, rows_read, reasons, sorted_rows, locked)
    if result.rows_kept + result.rows_quarantined != rows_read:  # pragma: no cover - an invariant
        raise AssertionError(f"validation lost rows: {rows_read} read, {result.rows_kept} kept, {result.rows_quarantined} quarantined")
    return result
