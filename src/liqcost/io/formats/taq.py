"""NYSE TAQ-style trades and quotes (Daily TAQ / WRDS layouts, and the R ``highfrequency`` samples).

Trades columns: ``DT`` (or ``DATE`` + ``TIME_M``), ``EX`` exchange code, ``SYMBOL`` (or ``SYM_ROOT``
[+ ``SYM_SUFFIX``]), ``COND`` (or ``TR_SCOND``) sale conditions, ``SIZE`` shares, ``PRICE``,
``CORR`` (or ``TR_CORR``) correction indicator. Quotes columns: ``DT``, ``EX``, ``SYMBOL``, ``BID``,
``BIDSIZ``, ``OFR`` (or ``ASK``), ``OFRSIZ`` (or ``ASKSIZ``); optionally the NBBO the vendor computed,
``BEST_BID``, ``BEST_BIDSIZ``, ``BEST_ASK``/``BEST_OFR``, ``BEST_ASKSIZ``/``BEST_OFRSIZ``. Parquet keeps
its types; CSV is read as text and parsed column by column (a value that does not parse is a reason).

Trades: sale-condition and correction filtering
-----------------------------------------------
``COND`` holds up to four one-character codes (spaces are padding: ``"F I"`` is ISO + odd lot). Each
code has a default action (:data:`CONDITIONS`), which ``options.conditions`` can override code by
code. A trade is kept when every code is ``keep``; the first ``drop`` code names its reason
(``out-of-sequence sale condition 'Z'``); a code not in the table is a reason of its own
(``unknown sale condition code '%'``, or kept with ``unknown_conditions: keep``). Opening prints
(``O``, re-opening ``5``) and closing prints (``6``) are kept and marked ``auction`` 1 and 2; the
market centers' official open/close reports (``Q``, ``M``) repeat an auction print's volume and are
dropped. ``CORR`` other than ``keep_corrections`` (default only 00, never corrected) is a reason:
01 original later corrected, 07 original later marked erroneous, 08 original later cancelled,
10 cancel record, 11 error record, 12 correction record.

Quotes: NBBO
------------
Per-exchange quotes are combined into the NBBO (``nbbo: auto`` does this when the file has quotes of
more than one exchange and no vendor NBBO columns): after each exchange's update, the best bid is the
highest of the exchanges' latest bids and its size the sum of the sizes of every exchange at that
price (the same for the offer). TAQ marks a side an exchange withdraws with a price *and* a size of 0
(the only zeros in the R ``highfrequency`` TAQ sample: 52 bids and 79 offers, all with size 0); that is
the only zero the builder reads as "no quote on this side". An exchange update with a zero price but a
size, a negative or a NaN price is not a quote the format defines: it is set aside with a reason and the
exchange's previous quote stays in force. A quote row is
emitted when the NBBO changes, with the state after the last update of each time stamp (the numba
kernel :func:`liqcost.kernels.nbbo.nbbo_from_exchanges`). Exchange quotes that are themselves crossed
(bid > offer, both positive) are ignored (the exchange's previous quote stays in force) and reported
with a reason. Quote sizes in TAQ are in round lots: ``quote_size_unit: round_lots`` (default)
multiplies them by ``round_lot_shares``.

Time: time-zone-aware Parquet columns are converted to UTC; naive stamps (WRDS ``DATE`` + ``TIME_M``)
are exchange local time in ``options.timezone`` (default: the config's session time zone).
``round_ts`` removes the float noise of time stamps that went through R's POSIXct (``.479000092``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from liqcost.errors import FileFormatError, SchemaError
from liqcost.io.formats._common import (
    REASON,
    ROW,
    FormatOptions,
    check_file,
    check_kind,
    finalize,
    first_reason,
    local_ns_to_utc,
)
from liqcost.io.formats._text import decimal_to_int

__all__ = ["CONDITIONS", "CORRECTIONS", "DUPLICATES", "KINDS", "Options", "read"]

KINDS = ("trades", "quotes")
#: TAQ prints carry no id; equal prints in the same millisecond are distinct trades
DUPLICATES = "keep"

#: code -> (default action, category used in the reason, meaning)
CONDITIONS: dict[str, tuple[str, str, str]] = {
    "@": ("keep", "regular", "Regular sale"),
    "A": ("drop", "acquisition", "Acquisition"),
    "B": ("drop", "bunched", "Bunched trade (aggregate of several trades)"),
    "C": ("drop", "cash-settlement", "Cash sale (same-day settlement)"),
    "D": ("drop", "distribution", "Distribution"),
    "E": ("keep", "placeholder", "Placeholder (kept, as in the usual TAQ cleaning)"),
    "F": ("keep", "intermarket-sweep", "Intermarket sweep order"),
    "G": ("drop", "out-of-sequence", "Bunched sold trade (reported late)"),
    "H": ("drop", "price-variation", "Price variation trade"),
    "I": ("keep", "odd-lot", "Odd lot trade"),
    "K": ("drop", "rule-127/155", "Rule 127 (NYSE) / Rule 155 (Amex) trade"),
    "L": ("drop", "sold-last", "Sold last (late report)"),
    "M": ("drop", "official-close-report", "Market center official close (repeats an auction print)"),
    "N": ("drop", "next-day-settlement", "Next day settlement"),
    "O": ("keep", "opening-print", "Opening prints (auction)"),
    "P": ("drop", "prior-reference-price", "Prior reference price"),
    "Q": ("drop", "official-open-report", "Market center official open (repeats an auction print)"),
    "R": ("drop", "seller-option", "Seller's option settlement"),
    "S": ("keep", "split-trade", "Split trade"),
    "T": ("keep", "form-t", "Form T: extended-hours trade (kept; the session filter decides)"),
    "U": ("drop", "out-of-sequence", "Extended hours trade, sold out of sequence"),
    "V": ("drop", "contingent", "Contingent trade"),
    "W": ("drop", "average-price", "Average price trade"),
    "X": ("keep", "cross", "Cross / periodic auction trade"),
    "Y": ("keep", "yellow-flag", "Yellow flag regular trade"),
    "Z": ("drop", "out-of-sequence", "Sold (out of sequence)"),
    "1": ("keep", "stopped-stock", "Stopped stock (regular trade)"),
    "4": ("drop", "derivatively-priced", "Derivatively priced"),
    "5": ("keep", "reopening-print", "Re-opening prints (auction)"),
    "6": ("keep", "closing-print", "Closing prints (auction)"),
    "7": ("drop", "qualified-contingent", "Qualified contingent trade (QCT)"),
    "8": ("drop", "placeholder-611", "Placeholder for 611 exempt"),
    "9": ("drop", "corrected-close", "Corrected consolidated close (summary, not a trade)"),
}
OPENING_CODES = ("O", "5")
CLOSING_CODES = ("6",)

#: correction indicator -> reason text
CORRECTIONS: dict[int, str] = {
    1: "corrected trade (CORR=01: original later corrected)",
    2: "symbol-corrected trade (CORR=02)",
    7: "erroneous trade (CORR=07: original later marked erroneous)",
    8: "cancelled trade (CORR=08: original later cancelled)",
    10: "cancel record (CORR=10)",
    11: "error record (CORR=11)",
    12: "correction record (CORR=12)",
}

_ALIASES = {
    "dt": ["DT", "TIMESTAMP", "DATETIME"],
    "date": ["DATE"],
    "time": ["TIME_M", "TIME"],
    "ex": ["EX", "EXCHANGE"],
    "symbol": ["SYMBOL", "SYM_ROOT", "TICKER"],
    "suffix": ["SYM_SUFFIX"],
    "cond": ["COND", "TR_SCOND", "SALE_CONDITION"],
    "corr": ["CORR", "TR_CORR"],
    "price": ["PRICE"],
    "size": ["SIZE"],
    "bid": ["BID"],
    "bidsiz": ["BIDSIZ", "BIDSIZE"],
    "ofr": ["OFR", "ASK"],
    "ofrsiz": ["OFRSIZ", "ASKSIZ", "ASKSIZE"],
    "best_bid": ["BEST_BID"],
    "best_bidsiz": ["BEST_BIDSIZ", "BEST_BIDSIZE"],
    "best_ofr": ["BEST_ASK", "BEST_OFR"],
    "best_ofrsiz": ["BEST_ASKSIZ", "BEST_OFRSIZ", "BEST_ASKSIZE"],
}


class Options(FormatOptions):
    """Options of the TAQ-style reader (``options:`` in a mapping file)."""

    conditions: dict[str, Literal["keep", "drop"]] = Field(
        default_factory=dict,
        description="Per sale-condition code, keep or drop, overriding the defaults (e.g. {T: drop, I: drop}).",
    )
    unknown_conditions: Literal["quarantine", "keep"] = Field(
        "quarantine", description="Trades with a sale-condition code not in the table: set aside with a reason, or keep."
    )
    keep_corrections: list[int] = Field(
        [0], description="Correction indicators (CORR) of trades to keep; every other value is set aside with its reason."
    )
    exchanges: list[str] | None = Field(
        None, description="Exchange codes (EX) to use for trades and for the NBBO; null uses all."
    )
    nbbo: Literal["auto", "build", "given", "off"] = Field(
        "auto",
        description=(
            "Quotes: build the NBBO from per-exchange quotes, use the file's BEST_* NBBO columns (given), or emit each"
            " exchange's quotes as they are (off); auto = given if present, else build when there are several exchanges."
        ),
    )
    max_quote_age_s: float | None = Field(
        None,
        gt=0,
        description=(
            "NBBO: leave out an exchange's quote once it is older than this many seconds (stale quotes of thinly"
            " updated venues cross the NBBO); null keeps every quote until the exchange replaces it."
        ),
    )
    quote_size_unit: Literal["round_lots", "shares"] = Field(
        "round_lots", description="Unit of BIDSIZ/OFRSIZ: TAQ quote sizes are round lots (converted to shares)."
    )
    round_lot_shares: int = Field(100, ge=1, description="Shares per round lot.")
    quotes_on_change: bool = Field(True, description="Emit a quote row only when the NBBO (price or size) changes.")
    timezone: str | None = Field(
        None, description="Time zone of naive time stamps (DATE + TIME_M); default: the config's session time zone."
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v):
        if v is None:
            return v
        from liqcost.config import check_timezone

        return check_timezone(v)
    round_ts: Literal["none", "us", "ms"] = Field(
        "none", description="Round time stamps to this precision (removes float noise from R/POSIXct exports)."
    )
    symbol: str | None = Field(None, description="Symbol for every row, instead of the SYMBOL column.")

    @field_validator("conditions")
    @classmethod
    def _codes(cls, v: dict) -> dict:
        bad = [k for k in v if len(k) != 1]
        if bad:
            raise ValueError(f"one-character sale-condition codes, got {bad}")
        return v

    @field_validator("exchanges")
    @classmethod
    def _ex(cls, v):
        return None if v is None else [str(x).strip().upper() for x in v]


# --------------------------------------------------------------------------------------------- input


def _scan(path: Path):
    """Scan the file: Parquet keeps types, CSV is all text; adds ``_row``."""
    import polars as pl

    name = path.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            lf = pl.scan_parquet(path)
            lf.collect_schema()
            offset = 1
        else:
            lf = pl.scan_csv(path, infer_schema=False, truncate_ragged_lines=False, encoding="utf8-lossy")
            lf.collect_schema()
            offset = 2  # the header is line 1
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        raise FileFormatError(f"{path}: cannot be read as a TAQ-style table ({first}).") from None
    return lf.with_row_index(ROW, offset=offset).with_columns(pl.col(ROW).cast(pl.Int64))


def _resolve(names: list[str]) -> dict[str, str]:
    upper = {n.strip().upper(): n for n in names}
    found = {}
    for key, aliases in _ALIASES.items():
        for a in aliases:
            if a in upper:
                found[key] = upper[a]
                break
    return found


def _num(lf_schema, col: str, dtype):
    import polars as pl

    c = pl.col(col)
    if lf_schema[col] == pl.String:
        return c.str.strip_chars().cast(dtype, strict=False)
    return c.cast(dtype, strict=False)


def _time_expr(schema, cols: dict[str, str], tz: str, path: Path):
    """(ts expression, raw text expression for reasons)."""
    import polars as pl

    if "dt" in cols:
        c = pl.col(cols["dt"])
        dtype = schema[cols["dt"]]
        if isinstance(dtype, pl.Datetime):
            e = c.cast(pl.Datetime("ns", dtype.time_zone))
            ts = e.dt.convert_time_zone("UTC") if dtype.time_zone else e.dt.replace_time_zone(
                tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")
            return ts, c.cast(pl.String)
        text = c.cast(pl.String).str.strip_chars().str.replace("T", " ", literal=True).str.replace(r"Z$", "+00:00")
        aware = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", time_unit="ns", strict=False).dt.convert_time_zone("UTC")
        naive = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="ns", strict=False)
        local = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")
        return pl.coalesce(aware, local), c.cast(pl.String)
    if "date" in cols and "time" in cols:
        d = pl.col(cols["date"])
        if isinstance(schema[cols["date"]], pl.Date):
            date = d
        else:
            dtext = d.cast(pl.String).str.strip_chars()
            date = pl.coalesce(dtext.str.to_date("%Y-%m-%d", strict=False), dtext.str.to_date("%Y%m%d", strict=False))
        t = pl.col(cols["time"]).cast(pl.String).str.strip_chars()
        parts = t.str.extract_groups(r"^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)$")
        secs, _ = decimal_to_int(parts.struct.field("3"), 9)
        hh = parts.struct.field("1").cast(pl.Int64)
        mm = parts.struct.field("2").cast(pl.Int64)
        ns = (hh * 3600 + mm * 60) * 1_000_000_000 + secs
        valid = (hh < 24) & (mm < 60) & (secs < 60 * 1_000_000_000)
        raw = pl.concat_str([d.cast(pl.String), t], separator=" ")
        return pl.when(valid).then(local_ns_to_utc(date, ns, tz)), raw
    raise SchemaError(
        f"{path}: no time column: TAQ-style files need DT, or DATE and TIME_M; columns present: {', '.join(schema.names())}."
    )


def _symbol_expr(cols, options: Options, path: Path):
    import polars as pl

    if options.symbol is not None:
        return pl.lit(options.symbol, pl.String)
    if "symbol" not in cols:
        raise SchemaError(f"{path}: no SYMBOL (or SYM_ROOT) column; add one or set options.symbol in the mapping file.")
    sym = pl.col(cols["symbol"]).cast(pl.String).str.strip_chars()
    if "suffix" in cols:
        suf = pl.col(cols["suffix"]).cast(pl.String).str.strip_chars()
        sym = pl.when(suf.is_null() | (suf == "")).then(sym).otherwise(sym + pl.lit(".") + suf)
    return sym


def _round_ts(ts, how: str):
    import polars as pl

    if how == "none":
        return ts
    unit = 1_000 if how == "us" else 1_000_000
    i = ts.cast(pl.Int64)
    return (((i + unit // 2) // unit) * unit).cast(pl.Datetime("ns", "UTC"))


def _require(cols: dict, keys: list[str], what: str, path: Path, names: list[str], other_kind: str, other_keys: list[str]):
    missing = [k for k in keys if k not in cols]
    if missing:
        looks_other = all(k in cols for k in other_keys)
        hint = f" It looks like a TAQ {other_kind} file: pass --kind {other_kind}." if looks_other else ""
        wanted = ", ".join(_ALIASES[k][0] for k in missing)
        raise SchemaError(
            f"{path}: TAQ-style {what} need the column(s) {wanted}; columns present: {', '.join(names)}.{hint}"
        )


# -------------------------------------------------------------------------------------------- trades


def _condition_reason(cond, options: Options):
    """Reason expression from the sale-condition text (null when every code is kept)."""
    import re

    import polars as pl

    actions = {code: spec[0] for code, spec in CONDITIONS.items()}
    actions.update(options.conditions)
    known = set(CONDITIONS) | set(options.conditions)
    codes = cond.fill_null("").str.replace_all(r"\s", "")
    pairs = []
    leftover = codes.str.replace_all("[" + re.escape("".join(sorted(known))) + "]", "")
    if options.unknown_conditions == "quarantine":
        pairs.append(
            (leftover != "", pl.lit("unknown sale condition code '") + leftover + pl.lit("' (set options.conditions)"))
        )
    for code in sorted(known):
        if actions.get(code) == "drop":
            category = CONDITIONS[code][1] if code in CONDITIONS else "configured"
            text = f"{category} sale condition '{code}' dropped"
            pairs.append((codes.str.contains(code, literal=True), text))
    return first_reason(*pairs)


def _trades(lf, cols: dict, options: Options, tz: str, path: Path, names: list[str]):
    import polars as pl

    _require(cols, ["price", "size", "ex"], "trades", path, names, "quotes", ["bid", "ofr"])
    schema = lf.collect_schema()
    ts, ts_raw = _time_expr(schema, cols, tz, path)
    price = _num(schema, cols["price"], pl.Float64)
    size = _num(schema, cols["size"], pl.Float64)
    ex = pl.col(cols["ex"]).cast(pl.String).str.strip_chars().str.to_uppercase()
    cond = pl.col(cols["cond"]).cast(pl.String).str.strip_chars() if "cond" in cols else pl.lit(None, pl.String)
    corr_raw = pl.col(cols["corr"]).cast(pl.String).str.strip_chars() if "corr" in cols else pl.lit("0")
    corr = corr_raw.cast(pl.Int64, strict=False)
    f = lf.select(
        pl.col(ROW),
        _symbol_expr(cols, options, path).alias("symbol"),
        _round_ts(ts, options.round_ts).alias("ts"),
        ts_raw.alias("_ts_raw"),
        price.alias("price"),
        pl.col(cols["price"]).cast(pl.String).alias("_price_raw"),
        size.alias("size"),
        pl.col(cols["size"]).cast(pl.String).alias("_size_raw"),
        ex.alias("venue"),
        pl.when(cond == "").then(None).otherwise(cond).alias("cond"),
        corr.alias("_corr"),
        corr_raw.alias("_corr_raw"),
    )
    corr_pairs = [
        (pl.col("_corr").is_null() & pl.col("_corr_raw").is_not_null() & (pl.col("_corr_raw") != ""),
         pl.lit("unparseable correction indicator '") + pl.col("_corr_raw") + pl.lit("'")),
    ]
    for code, text in CORRECTIONS.items():
        if code not in options.keep_corrections:
            corr_pairs.append((pl.col("_corr") == code, text))
    corr_pairs.append(
        (~pl.col("_corr").is_in(options.keep_corrections) & ~pl.col("_corr").is_in(list(CORRECTIONS)),
         pl.lit("correction indicator CORR=") + pl.col("_corr").cast(pl.String) + pl.lit(" not kept"))
    )
    pairs = [
        (pl.col("symbol").is_null() | (pl.col("symbol") == ""), "missing symbol"),
        (pl.col("ts").is_null(), pl.lit("unparseable time '") + pl.col("_ts_raw").str.slice(0, 40) + pl.lit("'")),
        (pl.col("price").is_null(), pl.lit("unparseable price '") + pl.col("_price_raw").fill_null("") + pl.lit("'")),
        (pl.col("size").is_null(), pl.lit("unparseable size '") + pl.col("_size_raw").fill_null("") + pl.lit("'")),
        *corr_pairs,
    ]
    if options.exchanges is not None:
        pairs.append((~pl.col("venue").is_in(options.exchanges),
                      pl.lit("exchange not selected '") + pl.col("venue") + pl.lit("' (options.exchanges)")))
    reason = first_reason(*pairs)
    creason = _condition_reason(pl.col("cond"), options)
    codes = pl.col("cond").fill_null("")
    auction = (
        pl.when(pl.any_horizontal([codes.str.contains(c, literal=True) for c in OPENING_CODES])).then(1)
        .when(pl.any_horizontal([codes.str.contains(c, literal=True) for c in CLOSING_CODES])).then(2)
        .otherwise(0)
        .cast(pl.Int8)
    )
    out = f.with_columns(pl.coalesce(reason, creason).alias(REASON), auction.alias("auction")).select(
        "symbol", "ts", "price", "size", "venue", "cond", "auction", ROW, REASON
    )
    return out.collect()


# -------------------------------------------------------------------------------------------- quotes


def _quotes(lf, cols: dict, options: Options, tz: str, path: Path, names: list[str]):
    import numpy as np
    import polars as pl

    has_best = all(k in cols for k in ("best_bid", "best_bidsiz", "best_ofr", "best_ofrsiz"))
    mode = options.nbbo
    if mode == "given" and not has_best:
        raise SchemaError(
            f"{path}: options.nbbo is 'given' but the file has no BEST_BID/BEST_BIDSIZ/BEST_ASK/BEST_ASKSIZ columns;"
            " use nbbo: build (from the exchanges' quotes) or off."
        )
    prefix = "best_" if (mode == "given" or (mode == "auto" and has_best)) else ""
    need = [f"{prefix}bid", f"{prefix}bidsiz", f"{prefix}ofr", f"{prefix}ofrsiz"] + ([] if prefix else ["ex"])
    _require(cols, need, "quotes", path, names, "trades", ["price", "size"])
    schema = lf.collect_schema()
    ts, ts_raw = _time_expr(schema, cols, tz, path)
    mult = float(options.round_lot_shares) if options.quote_size_unit == "round_lots" else 1.0
    ex = pl.col(cols["ex"]).cast(pl.String).str.strip_chars().str.to_uppercase() if "ex" in cols else pl.lit(None, pl.String)
    f = lf.select(
        pl.col(ROW),
        _symbol_expr(cols, options, path).alias("symbol"),
        _round_ts(ts, options.round_ts).alias("ts"),
        ts_raw.alias("_ts_raw"),
        _num(schema, cols[f"{prefix}bid"], pl.Float64).alias("bid"),
        (_num(schema, cols[f"{prefix}bidsiz"], pl.Float64) * mult).alias("bid_size"),
        _num(schema, cols[f"{prefix}ofr"], pl.Float64).alias("ask"),
        (_num(schema, cols[f"{prefix}ofrsiz"], pl.Float64) * mult).alias("ask_size"),
        ex.alias("venue"),
    ).collect()
    base = [
        (pl.col("symbol").is_null() | (pl.col("symbol") == ""), "missing symbol"),
        (pl.col("ts").is_null(), pl.lit("unparseable time '") + pl.col("_ts_raw").fill_null("").str.slice(0, 40) + pl.lit("'")),
        (pl.any_horizontal(pl.col("bid", "ask", "bid_size", "ask_size").is_null()), "unparseable or missing bid/offer field"),
    ]
    if options.exchanges is not None and "ex" in cols:
        base.append((~pl.col("venue").is_in(options.exchanges),
                     pl.lit("exchange not selected '") + pl.col("venue") + pl.lit("' (options.exchanges)")))
    n_ex = f.filter(first_reason(*base).is_null()).get_column("venue").n_unique() if "ex" in cols else 1
    build = not prefix and (mode == "build" or (mode == "auto" and n_ex > 1))
    if not build:
        # vendor NBBO, or one exchange's quotes as they are
        f = f.with_columns(first_reason(*base).alias(REASON))
        if prefix:
            f = f.with_columns(pl.lit(None, pl.String).alias("venue"))
        if options.quotes_on_change:
            f = _on_change(f)
        return f.select("symbol", "ts", "bid", "ask", "bid_size", "ask_size", "venue", ROW, REASON)

    # TAQ withdraws a side by writing its price and size as 0; a 0 price with a size, a negative or a NaN
    # price is not a quote the format defines: the exchange's update is set aside (its previous quote stays)
    def side_reasons(price: str, size: str, word: str):
        px, sz = pl.col(price), pl.col(size)
        venue = pl.lit(" on '") + pl.col("venue") + pl.lit("')")
        return [
            (px.is_nan(), pl.lit(f"NaN exchange {word} price ignored for the NBBO (") + venue.str.slice(1)),
            (px < 0, pl.lit(f"negative exchange {word} price ignored for the NBBO (") + venue.str.slice(1)),
            ((px == 0) & (sz != 0),
             pl.lit(f"zero exchange {word} price with a size ignored for the NBBO (TAQ withdraws a side with price and size 0")
             + venue),
        ]

    crossed = (pl.col("bid") > 0) & (pl.col("ask") > 0) & (pl.col("bid") > pl.col("ask"))
    f = f.with_columns(
        first_reason(
            *base,
            *side_reasons("bid", "bid_size", "bid"),
            *side_reasons("ask", "ask_size", "offer"),
            (crossed, pl.lit("crossed exchange quote ignored for the NBBO (bid > offer on '") + pl.col("venue") + pl.lit("')")),
        ).alias(REASON)
    )
    # a withdrawn side (price 0, size 0) is "no quote" for the NBBO kernel: NaN
    f = f.with_columns(
        pl.when(pl.col("bid") == 0).then(float("nan")).otherwise(pl.col("bid")).alias("bid"),
        pl.when(pl.col("ask") == 0).then(float("nan")).otherwise(pl.col("ask")).alias("ask"),
    )
    feed = f.filter(pl.col(REASON).is_null()).sort("symbol", "ts", ROW)
    rejected = f.filter(pl.col(REASON).is_not_null())
    if feed.height:
        from liqcost.kernels.nbbo import STATUS_OK, nbbo_from_exchanges

        # one exchange state per symbol and trading day: a quote never survives into the next session
        day = pl.col("ts").dt.convert_time_zone(tz).dt.date()
        feed = feed.with_columns(
            pl.struct(pl.col("symbol"), day).rank("dense").cast(pl.Int64).alias("_g"),
            pl.col("venue").rank("dense").cast(pl.Int64).sub(1).alias("_e"),
        ).rechunk()
        n = feed.height
        outs = [np.empty(n, dtype=np.float64) for _ in range(4)]
        n_exch = int(feed.get_column("_e").max()) + 1

        def arr(name, dtype):
            return np.ascontiguousarray(feed.get_column(name).to_numpy(), dtype=dtype)

        max_age = -1 if options.max_quote_age_s is None else round(options.max_quote_age_s * 1e9)
        ts_ns = np.ascontiguousarray(feed.get_column("ts").dt.epoch("ns").to_numpy(), dtype=np.int64)
        status = nbbo_from_exchanges(
            arr("_g", np.int64), ts_ns, arr("_e", np.int64), arr("bid", np.float64), arr("bid_size", np.float64),
            arr("ask", np.float64), arr("ask_size", np.float64), n_exch, max_age, *outs,
        )
        if status != STATUS_OK:  # pragma: no cover - codes come from rank() above
            raise AssertionError("NBBO kernel: exchange code out of range")
        nbbo = feed.select("symbol", "ts", ROW).with_columns(
            pl.Series("bid", outs[0]), pl.Series("bid_size", outs[1]), pl.Series("ask", outs[2]), pl.Series("ask_size", outs[3]),
        )
        # the state after the last update of each time stamp, then only changes
        nbbo = nbbo.filter(((pl.col("ts") != pl.col("ts").shift(-1)) | (pl.col("symbol") != pl.col("symbol").shift(-1))).fill_null(True))
        if options.quotes_on_change:
            nbbo = _on_change(nbbo.with_columns(pl.lit(None, pl.String).alias(REASON)))
        nbbo = nbbo.with_columns(
            first_reason(
                (pl.col("bid").is_nan() & pl.col("ask").is_nan(), "no exchange quoting (empty NBBO)"),
                (pl.col("bid").is_nan(), "one-sided NBBO (no exchange bidding)"),
                (pl.col("ask").is_nan(), "one-sided NBBO (no exchange offering)"),
            ).alias(REASON),
            pl.lit(None, pl.String).alias("venue"),
        )
        nbbo = nbbo.with_columns(
            pl.when(pl.col("bid").is_nan()).then(None).otherwise(pl.col("bid")).alias("bid"),
            pl.when(pl.col("ask").is_nan()).then(None).otherwise(pl.col("ask")).alias("ask"),
        )
    else:
        nbbo = rejected.head(0)
    cols_out = ["symbol", "ts", "bid", "ask", "bid_size", "ask_size", "venue", ROW, REASON]
    return pl.concat([nbbo.select(cols_out), rejected.select(cols_out)]).sort(ROW)


def _on_change(f):
    """Keep rows whose quote differs from the symbol's previous good row (rows with a reason always stay)."""
    import polars as pl

    good = f.filter(pl.col(REASON).is_null())
    bad = f.filter(pl.col(REASON).is_not_null())
    state = ["bid", "ask", "bid_size", "ask_size"]
    prev = [pl.col(c).shift(1).over("symbol", order_by=ROW) for c in state]
    changed = pl.any_horizontal([~((pl.col(c) == p) | (pl.col(c).is_nan() & p.is_nan())) for c, p in zip(state, prev)])
    good = good.filter(changed.fill_null(True))
    return pl.concat([good, bad]).sort(ROW)


def read(path, kind: str, options: Options, session_tz: str):
    """Read TAQ-style trades or quotes (Parquet or CSV).

    Parameters
    ----------
    path : str or Path
        A trades file (DT, EX, SYMBOL, COND, SIZE, PRICE, CORR) or a quotes file (DT, EX, SYMBOL, BID,
        BIDSIZ, OFR, OFRSIZ), or the WRDS spellings (DATE + TIME_M, SYM_ROOT, TR_SCOND, TR_CORR, ASK ...).
    kind : str
        ``trades`` or ``quotes``.
    options : Options
        Condition/correction filters, NBBO construction, units.
    session_tz : str
        Time zone of naive time stamps when ``options.timezone`` is not set.

    Returns
    -------
    polars.DataFrame
        Trades (``venue`` = EX, ``cond``, ``auction``) or NBBO quotes, with ``_row`` (CSV line number /
        Parquet record number) and ``_reason``.
    """
    check_kind("taq", KINDS, kind, path)
    p = check_file(path)
    tz = options.timezone or session_tz
    lf = _scan(p)
    names = [n for n in lf.collect_schema().names() if n != ROW]
    cols = _resolve(names)
    out = _trades(lf, cols, options, tz, p, names) if kind == "trades" else _quotes(lf, cols, options, tz, p, names)
    if out.height == 0:
        from liqcost.errors import EmptyDataError

        raise EmptyDataError(f"{p}: the file has a header but no rows; nothing to ingest.")
    return finalize(out, kind, p)


def describe_conditions() -> str:
    """The condition table as Markdown (used to write docs/formats.md)."""
    lines = ["| code | default | reason category | meaning |", "|---|---|---|---|"]
    for code, (action, category, meaning) in CONDITIONS.items():
        lines.append(f"| `{code}` | {action} | {category} | {meaning} |")
    return "\n".join(lines)

