"""``liqcost tca`` as a function: read the fills and orders, read the market data they touch, review them,
and set each order's pre-trade estimate (as of the day before it) beside what it cost.

:func:`tca` is what the command runs and what ``lc.tca(...)`` calls. The steps:

1. **Fills and orders in** through the same readers, mappings and validation as ``liqcost ingest``
   (:func:`liqcost.io.ingest.load_table`: CSV, Parquet or a vendor format, ``--mapping`` a file or the name of a
   shipped mapping). A row that cannot be read (an unparseable price, a side that is neither buy nor sell, a
   non-positive quantity ...) is set aside with its file, line and reason; so are the fills of an order that
   was set aside. Without ``fills``, the dataset's own ``kind=fills`` (and ``kind=orders``) are reviewed.
2. **Market data**: the trades and quotes of the symbol-days the orders span (from the first day of the order or
   its first fill to the last), and the bars of those days for the days without trades, read from the dataset
   partition by partition (only the columns the review reads: ``symbol, ts, price, size`` and ``symbol, ts, bid,
   ask``).
3. **Review** (:func:`liqcost.tca.review`): per fill, per order (implementation shortfall and its Perold
   decomposition, benchmarks, markouts, participation), aggregates; fills the market data rule out (unknown
   symbol, no data that day, a price far outside the day's range, a side against its order's) are set aside
   with their reason while the others are reviewed.
4. **Model versus realized** (``model=True``): each filled order priced by the pre-trade check at its filled
   quantity, on the liquidity profile built from the dataset's days strictly before the order's date (tick
   daily metrics through :func:`liqcost.tca.profile_asof_from_daily`; a name with bars only gets the bars
   profile of the days before), then :func:`liqcost.tca.model_vs_realized` (z-scores, band, aggregates,
   outliers). No estimate can see the order's own day or later.

The result, :class:`TcaReview`, follows :mod:`liqcost.result`. ``side`` is ``buy``/``sell`` in its tables (the
application layer's convention); the library objects (``review``, ``model``) keep +1/-1.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from liqcost.result import Problem, Result

__all__ = ["TcaReview", "tca", "read_fills_and_orders"]

#: review columns a terminal shows for each order (every column is in csv/json/parquet; docs/tca.md lists them)
ORDER_VIEW = ("order_id", "symbol", "side", "date", "filled_qty_shares", "fill_rate_frac", "avg_price_px", "arrival_mid_px",
              "is_bps", "is_delay_bps", "is_spread_bps", "is_impact_bps", "is_opportunity_bps", "is_fees_bps",
              "slippage_interval_vwap_bps", "slippage_day_vwap_bps", "participation_frac", "expected_cost_bps", "z")
#: the model table: keys, then what the model review adds to the review's order table
MODEL_KEYS = ("order_id", "symbol", "side", "date", "filled_qty_shares")
MODEL_VIEW = ("order_id", "symbol", "side", "date", "realized_cost_bps", "expected_cost_bps", "error_bps", "risk_bps", "z",
              "inside_band", "size_band", "asof_date")
QUARANTINE_COLUMNS = ("source", "row", "order_id", "symbol", "side", "ts", "price", "qty", "reason")
REJECTED_COLUMNS = ("source", "row", "order_id", "symbol", "reason")
#: internal columns of the review's fill table left out of the output (times as ns, day bounds)
_FILL_INTERNAL = ("ts_ns", "midnight_ns", "open_ns", "close_ns", "first_quote_ns", "n_quotes")
_MAX_PROBLEMS = 8
_FROM_DATASET = object()  # the orders of a review of the dataset's own fills


def _side_words(frame):
    """``side`` as ``buy``/``sell`` (the app layer's output convention)."""
    import polars as pl

    if frame is None or "side" not in frame.columns or frame.schema["side"] == pl.String:
        return frame
    s = pl.col("side").cast(pl.Float64)
    return frame.with_columns(pl.when(s > 0).then(pl.lit("buy")).when(s < 0).then(pl.lit("sell")).otherwise(None).alias("side"))


@dataclass(frozen=True, eq=False)
class TcaReview(Result):
    """What the fills cost: the review, the model beside it, and every row that was set aside.

    Attributes
    ----------
    review : liqcost.tca.TcaResult
        The library's review (``orders``, ``fills``, ``aggregates``; side as +1/-1).
    model : liqcost.tca.ModelReviewResult or None
        Model versus realized (None with ``model=False`` or when no order was filled).
    quarantine : polars.DataFrame
        Every fill set aside, when read or by the review: ``source``, ``row`` (the file's line), ``order_id``,
        ``symbol``, ``side``, ``ts``, ``price``, ``qty`` (as written, text) and ``reason``.
    rejected_orders : polars.DataFrame
        Every order set aside: ``source``, ``row``, ``order_id``, ``symbol``, ``reason``.
    n_fills : int
        Fills read (reviewed plus set aside).
    n_orders : int
        Orders read (0 without orders).
    fills_source, orders_source : str
        Where the fills and the orders came from.
    data_range : tuple of (date, date) or None
        First and last exchange-local date of the fills.
    config : liqcost.config.Config
    note_lines : tuple of str
    failed : tuple of liqcost.result.Problem
        Partitions of the review that failed on a Dask cluster (their fills are in no table).
    """

    title: ClassVar[str] = "post-trade review"

    review: object
    model: object
    quarantine: object
    rejected_orders: object
    n_fills: int = 0
    n_orders: int = 0
    fills_source: str = "fills"
    orders_source: str = ""
    data_range: tuple | None = None
    config: object = field(default=None, repr=False)
    note_lines: tuple = ()
    failed: tuple = ()

    # ------------------------------------------------------------------------------------ tables
    @property
    def orders(self):
        """One row per order: the review's columns (side as buy/sell), then the model's estimate and z-score."""
        import polars as pl

        out = _side_words(self.review.orders)
        if self.model is not None and self.model.orders.height:
            cols = [c for c in ("expected_cost_bps", "risk_bps", "z", "inside_band") if c in self.model.orders.columns]
            out = out.join(self.model.orders.select("order_id", *cols), on="order_id", how="left", maintain_order="left")
        else:
            out = out.with_columns(pl.lit(None, pl.Float64).alias("expected_cost_bps"), pl.lit(None, pl.Float64).alias("z"))
        return out

    @property
    def fills(self):
        """One row per reviewed fill (side as buy/sell, the decision time as a UTC datetime)."""
        import polars as pl

        f = self.review.fills
        if "decision_ns" in f.columns:
            f = f.with_columns(pl.col("decision_ns").cast(pl.Datetime("ns", "UTC")).alias("decision_ns")).rename(
                {"decision_ns": "decision_ts"})
        return _side_words(f.drop([c for c in _FILL_INTERNAL if c in f.columns]))

    @property
    def model_orders(self):
        """The model review per order: realized and expected cost, risk, z, band, the profile used."""
        import polars as pl

        if self.model is None:
            return pl.DataFrame(schema={"order_id": pl.String, "symbol": pl.String, "side": pl.String,
                                        "realized_cost_bps": pl.Float64, "expected_cost_bps": pl.Float64, "z": pl.Float64})
        m = self.model.orders
        review_cols = set(self.review.orders.columns) - set(MODEL_KEYS) - {"timing_variance_days", "arrival_cost_bps"}
        return _side_words(m.select([c for c in m.columns if c not in review_cols]))

    def tables(self) -> dict:
        """``orders``, ``fills``, ``aggregates``, and with the model ``model``, ``model_aggregates``, ``outliers``,
        ``not_compared``; then ``quarantine`` and ``rejected_orders`` (always present, empty when nothing was set
        aside, so a file output has the same names every run)."""
        out = {"orders": self.orders, "fills": self.fills, "aggregates": self.review.aggregates}
        if self.model is not None:
            out["model"] = self.model_orders
            out["model_aggregates"] = self.model.aggregates
            out["outliers"] = _side_words(self.model.outliers.select(
                [c for c in self.model_orders.columns if c in self.model.outliers.columns]))
            out["not_compared"] = self.model.not_compared
        out["quarantine"] = self.quarantine
        out["rejected_orders"] = self.rejected_orders
        return out

    def summary(self):
        """One row per measure (columns ``all``, ``buy``, ``sell``): orders, fills, notional, fill rate, shortfall and
        its parts, arrival cost and slippages (notional-weighted, as in :mod:`liqcost.tca.aggregate`), participation;
        with the model: orders compared, the expected cost, the share inside the model band, mean and sd of z,
        outliers."""
        import polars as pl

        base = _undefined_as_null(self.review.summary(), self.review.orders)
        if self.model is None:
            return base
        m = self.model.orders.filter(pl.col("z").is_not_nan())
        groups = {"all": m, "buy": m.filter(pl.col("side") > 0), "sell": m.filter(pl.col("side") < 0)}
        names = ["model_orders", "expected_cost_bps", "model_realized_cost_bps", "inside_band_frac", "z_mean", "z_sd",
                 "n_outliers"]
        cols: dict = {"measure": names}
        for key, g in groups.items():
            if g.height == 0:
                cols[key] = [0.0] + [None] * (len(names) - 1)
                continue
            w = (g.get_column("filled_qty_shares") * g.get_column("arrival_mid_px")).fill_nan(0.0)
            den = float(w.sum()) or float("nan")
            cols[key] = [
                float(g.height),
                float((g.get_column("expected_cost_bps") * w).sum()) / den,
                float((g.get_column("realized_cost_bps") * w).sum()) / den,
                float(g.get_column("inside_band").cast(pl.Float64).mean()),
                float(g.get_column("z").mean()),
                float(g.get_column("z").std()) if g.height > 1 else None,
                float(g.get_column("outlier").sum()),
            ]
        extra = pl.DataFrame(cols, schema=base.schema)
        return pl.concat([base, extra])

    def display_tables(self) -> dict:
        """The summary, the key columns of each order, then the outliers and anything set aside."""
        import polars as pl

        out = {"summary": self.summary()}
        o = self.orders
        out["orders"] = o.select([c for c in ORDER_VIEW if c in o.columns])
        if self.model is not None and self.model.outliers.height:
            mo = self.model_orders.filter(pl.col("order_id").is_in(self.model.outliers.get_column("order_id").to_list()))
            out["outliers"] = mo.select([c for c in MODEL_VIEW if c in mo.columns])
        if self.quarantine.height:
            out["quarantine"] = self.quarantine.select("source", "row", "order_id", "symbol", "reason")
        if self.rejected_orders.height:
            out["rejected_orders"] = self.rejected_orders
        return out

    def scatter_frame(self):
        """Realized against predicted cost per compared order, in the frame contract of
        :func:`liqcost.report.charts.tca_scatter` (``predicted_bps``, ``realized_bps``, ``z``, ``order_id``, ``symbol``)."""
        import polars as pl

        if self.model is None:
            return pl.DataFrame(schema={"order_id": pl.String, "symbol": pl.String, "predicted_bps": pl.Float64,
                                        "realized_bps": pl.Float64, "z": pl.Float64})
        return self.model.orders.select("order_id", "symbol", pl.col("expected_cost_bps").alias("predicted_bps"),
                                        pl.col("realized_cost_bps").alias("realized_bps"), "z")

    # ------------------------------------------------------------------------------------ notes, problems
    @property
    def notes(self) -> tuple[str, ...]:
        model_notes = tuple(self.model.notes) if self.model is not None else ()
        return tuple(self.note_lines) + tuple(self.review.notes) + model_notes

    @property
    def problems(self) -> tuple[Problem, ...]:
        """One problem per reason a fill or an order was set aside (the rows named), at most a few of each."""
        return (tuple(self.failed)
                + _problems(self.quarantine, "fill_quarantined", "fill", "the other fills were reviewed; fix these rows and rerun")
                + _problems(self.rejected_orders, "order_rejected", "order",
                            "their fills were set aside and the other orders reviewed; fix these orders and rerun"))

    @property
    def partial(self) -> bool:
        return bool(self.failed or self.quarantine.height or self.rejected_orders.height)

    def partial_message(self) -> str:
        """One sentence with the counts, for the command line's closing error (exit code 1)."""
        parts = []
        if self.failed:
            k = len(self.failed)
            parts.append(f"{k} partition{'s' if k != 1 else ''} of the review failed on the Dask cluster (named above; "
                         "their fills are left out)")
        if self.quarantine.height:
            parts.append(f"{self.quarantine.height} of the {self.n_fills} fills were set aside (the quarantine table "
                         "holds each with its file, line and reason)")
        if self.rejected_orders.height:
            parts.append(f"{self.rejected_orders.height} of the {self.n_orders} orders were rejected (rejected_orders)")
        reviewed = self.review.fills.height
        return "; ".join(parts) + f"; the other {reviewed} fills were reviewed."


#: summary measures and the per-order column each sums: a sum over orders where it is undefined (NaN: bars only,
#: no arrival price) is unknown, not zero
_SUMMED = {"is_usd": "is_usd", "is_bps": "is_usd", "is_delay_bps": "delay_cost_usd", "is_spread_bps": "spread_cost_usd",
           "is_impact_bps": "impact_cost_usd", "is_opportunity_bps": "opportunity_cost_usd", "is_fees_bps": "fees_usd"}


def _undefined_as_null(summary, orders):
    """The review's summary with a summed measure set to null in a column (all, buy, sell) where no order defines it."""
    import polars as pl

    groups = {"all": orders, "buy": orders.filter(pl.col("side") > 0), "sell": orders.filter(pl.col("side") < 0)}
    undefined = {}
    for key, g in groups.items():
        undefined[key] = {m for m, c in _SUMMED.items()
                          if c in g.columns and g.height and g.get_column(c).fill_nan(None).drop_nulls().len() == 0}
    measure = pl.col("measure")
    return summary.with_columns([
        pl.when(measure.is_in(sorted(undefined[k]))).then(None).otherwise(pl.col(k)).alias(k) for k in groups if undefined[k]])


def _problems(table, kind: str, what: str, remedy: str) -> tuple[Problem, ...]:
    """One :class:`Problem` per (source, reason) with the rows it concerns; past a few reasons, one that counts the rest."""
    if table.height == 0:
        return ()
    out = []
    groups = list(table.group_by(["source", "reason"], maintain_order=True))
    for (source, reason), g in groups[:_MAX_PROBLEMS]:
        rows = [r for r in g.get_column("row").to_list() if r is not None]
        shown = ", ".join(str(r) for r in rows[:8]) + (f" ... ({len(rows)} rows)" if len(rows) > 8 else "")
        where = f"{source} row{'s' if len(rows) != 1 else ''} {shown}" if rows else str(source)
        n = g.height
        out.append(Problem(kind, where, f"{n} {what}{'s' if n != 1 else ''} set aside: {reason}; {remedy}"))
    if len(groups) > _MAX_PROBLEMS:
        rest = sum(g.height for _, g in groups[_MAX_PROBLEMS:])
        out.append(Problem(kind, "more rows", f"{rest} more {what}s set aside for {len(groups) - _MAX_PROBLEMS} other "
                                              "reasons; see the quarantine table (--format csv or json, or -o FILE)"))
    return tuple(out)


# ----------------------------------------------------------------------------------------------- reading
def _read(value, kind: str, config, mapping, ds):
    """``(frame with a row column, read-quarantine, source name)`` from a file, a frame or the dataset."""
    import polars as pl

    from liqcost.errors import EmptyDataError

    if value is None:
        frame = ds.scan(kind).collect()
        return frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64)), None, f"{ds.root} (kind={kind})"
    if isinstance(value, (str, Path)):
        from liqcost.data import find_mapping
        from liqcost.io.ingest import load_table

        path = Path(value)
        if not path.exists():
            from liqcost.errors import FileFormatError

            raise FileFormatError(f"{path}: no such {kind} file.")
        clean, quarantine = load_table(path, kind, config, find_mapping(mapping))
        if clean.height == 0 and quarantine.height == 0:
            raise EmptyDataError(f"{path}: no {kind} in the file.")
        return clean, quarantine, str(path)
    frame = value.collect() if isinstance(value, pl.LazyFrame) else value
    if not isinstance(frame, pl.DataFrame):
        from liqcost.errors import UsageError

        raise UsageError(f"{kind}: give a file path or a polars DataFrame, got {type(value).__name__}.")
    if "row" not in frame.columns:
        frame = frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    return frame, None, kind


def _as_text(frame, cols):
    """Columns as text (values as written for rows that failed to parse; typed values rendered otherwise)."""
    import polars as pl

    exprs = []
    for c in cols:
        if c not in frame.columns:
            exprs.append(pl.lit(None, pl.String).alias(c))
        elif c == "row":
            exprs.append(pl.col("row").cast(pl.Int64))
        elif isinstance(frame.schema[c], pl.Datetime):
            exprs.append(pl.col(c).dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ").alias(c))
        else:
            exprs.append(pl.col(c).cast(pl.String).alias(c))
    return frame.select(exprs)


def read_fills_and_orders(fills, orders, *, config, data, mapping=None, orders_mapping=None, symbols=None):
    """Fills and orders as the review takes them, and every row set aside on the way in.

    Returns
    -------
    dict
        ``fills``, ``orders`` (or None), ``quarantine`` and ``rejected`` (frames in the columns of
        :class:`TcaReview`), ``n_fills``, ``n_orders``, ``fills_source``, ``orders_source``, ``notes``.
    """
    import polars as pl

    from liqcost.errors import UsageError

    ds = data
    kinds = ds.kinds()
    notes: list[str] = []
    if fills is None:
        if "fills" not in kinds:
            raise UsageError(f"give the fills with --fills FILE: the dataset {ds.root} holds none (or ingest them with "
                             "`liqcost ingest --kind fills FILE`).")
        if orders is None and "orders" in kinds:
            orders = _FROM_DATASET
        notes.append(f"fills from the dataset {ds.root} (kind=fills)" + (" and its orders" if orders is _FROM_DATASET else ""))
    f, fq, fsrc = _read(fills, "fills", config, mapping, ds)
    if orders is None:
        o, oq, osrc = None, None, ""
    else:
        o, oq, osrc = _read(None if orders is _FROM_DATASET else orders, "orders", config, orders_mapping, ds)
    n_fills = f.height + (fq.height if fq is not None else 0)
    n_orders = (o.height + (oq.height if oq is not None else 0)) if o is not None else 0

    quarantine = [] if fq is None or fq.height == 0 else [_as_text(fq.with_columns(pl.lit(fsrc).alias("source")), QUARANTINE_COLUMNS)]
    rejected = [] if oq is None or oq.height == 0 else [_as_text(oq.with_columns(pl.lit(osrc).alias("source")), REJECTED_COLUMNS)]
    if rejected:  # the fills of an order set aside when read are set aside too (the review does the same for its own checks)
        bad = pl.concat(rejected).filter(pl.col("order_id").is_not_null()).unique("order_id", keep="first", maintain_order=True)
        if bad.height:
            hit = f.join(bad.select("order_id", pl.col("row").alias("_orow"), pl.col("reason").alias("_oreason")),
                         on="order_id", how="inner")
            if hit.height:
                hit = hit.with_columns(pl.format("its order ({} row {}) was rejected: {}", pl.lit(osrc), pl.col("_orow"),
                                                 pl.col("_oreason")).alias("reason"), pl.lit(fsrc).alias("source"))
                quarantine.append(_as_text(_side_words(hit), QUARANTINE_COLUMNS))
                f = f.join(bad.select("order_id"), on="order_id", how="anti")
    if symbols:
        wanted = list(dict.fromkeys(symbols))
        f = f.filter(pl.col("symbol").is_in(wanted))
        if o is not None:
            o = o.filter(pl.col("symbol").is_in(wanted))
        notes.append(f"only {', '.join(wanted)} (--symbol): {f.height} fills.")
    return {"fills": f, "orders": o, "quarantine": quarantine, "rejected": rejected, "n_fills": n_fills, "n_orders": n_orders,
            "fills_source": fsrc, "orders_source": osrc, "notes": notes}


# ------------------------------------------------------------------------------------------- market data
def _day_spans(fills, orders, tz: str):
    """``{symbol: [(first, last), ...]}``: the exchange-local days each order spans (its start or first fill to its
    end or last fill), merged per symbol."""
    import polars as pl

    def local(col):
        return pl.col(col).dt.convert_time_zone(tz).dt.date()

    spans = []
    if fills.height and isinstance(fills.schema.get("ts"), pl.Datetime):  # else the review names the bad column
        ts = pl.col("ts")
        if fills.schema["ts"].time_zone is None:  # canonical fills are UTC; a frame given from Python may be naive UTC
            fills = fills.with_columns(ts.dt.replace_time_zone("UTC"))
        spans.append(fills.filter(pl.col("ts").is_not_null()).group_by("order_id", "symbol").agg(
            local("ts").min().alias("a"), local("ts").max().alias("b")))
    if orders is not None and orders.height:
        o = orders
        for c in ("start", "end"):
            if c not in o.columns:
                o = o.with_columns(pl.lit(None, pl.Datetime("ns", "UTC")).alias(c))
            elif not isinstance(o.schema[c], pl.Datetime):
                o = o.with_columns(pl.lit(None, pl.Datetime("ns", "UTC")).alias(c))
            elif o.schema[c].time_zone is None:
                o = o.with_columns(pl.col(c).dt.replace_time_zone("UTC"))
        s = o.select("order_id", "symbol", local("start").alias("a0"), local("end").alias("b0"))
        spans.append(s.select("order_id", "symbol", pl.coalesce("a0", "b0").alias("a"), pl.coalesce("b0", "a0").alias("b"))
                     .filter(pl.col("a").is_not_null()))
    if not spans:
        return {}
    t = pl.concat(spans, how="vertical_relaxed").group_by("order_id", "symbol").agg(pl.col("a").min(), pl.col("b").max())
    out: dict = {}
    for sym, a, b in t.select("symbol", "a", "b").sort("symbol", "a").iter_rows():
        runs = out.setdefault(sym, [])
        if runs and a <= runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], max(runs[-1][1], b))
        else:
            runs.append((a, b))
    return out


def _read_market(ds, spans: dict, bar_range=None):
    """Trades, quotes and bars of the spans (None for a kind the dataset lacks), grouped by symbol, in time order.

    The bars are those of the spans' symbols from the first to the last day of all spans (``bar_range``, when
    given: a partition of the review reads its symbols' bars over the range of the whole review)."""
    import polars as pl

    from liqcost.errors import NoDataError

    kinds = ds.kinds()
    cols = {"trades": ["symbol", "ts", "price", "size"], "quotes": ["symbol", "ts", "bid", "ask"]}
    out: dict = {}
    for kind in ("trades", "quotes"):
        if kind not in kinds:
            continue
        scans = []
        for sym in sorted(spans):
            for a, b in spans[sym]:
                try:
                    scans.append(ds.scan(kind, [sym], a, b).select(cols[kind]))
                except NoDataError:
                    continue
        if scans:
            out[kind] = pl.concat(scans).collect()
    if "bars" in kinds and spans:
        lo, hi = bar_range or _bar_range(spans)
        try:
            lf = ds.scan("bars", sorted(spans), lo, hi)
            have = lf.collect_schema().names()
            keep = [c for c in ("symbol", "date", "ts", "open", "high", "low", "close", "volume", "vwap") if c in have]
            bars = lf.select(keep).collect()
            out["bars"] = bars if bars.height else None
        except NoDataError:
            pass
    return out


def _bar_range(spans: dict):
    """First and last day of all spans (the days the review reads bars for)."""
    return (min(a for runs in spans.values() for a, _ in runs), max(b for runs in spans.values() for _, b in runs))


def _market_kinds(ds, spans: dict) -> tuple:
    """The kinds :func:`_read_market` finds for the spans, from the dataset's log (no data file is opened)."""
    kinds = ds.kinds()
    out = [k for k in ("trades", "quotes") if k in kinds
           and any(ds.partitions(k, [sym], a, b) for sym in sorted(spans) for a, b in spans[sym])]
    if "bars" in kinds and spans and ds.partitions("bars", sorted(spans), *_bar_range(spans)):
        out.append("bars")
    return tuple(out)


# ------------------------------------------------------------------------------------------- the review as tasks
@dataclass(frozen=True)
class ReviewTask:
    """One partition of the review, as it travels to a worker: small descriptions, no market data.

    Attributes
    ----------
    root : str
        The dataset's folder (absolute: the worker reads the market data of its spans from there itself).
    symbols : tuple of str
        The partition's symbols (every row of these symbols and of their orders is in this partition).
    fills, orders : polars.DataFrame
        The fills and orders rows of the partition (orders None without orders).
    spans : dict
        ``{symbol: [(first, last), ...]}``: the exchange-local days the partition's orders span.
    bar_range : tuple of date or None
        The days of the whole review's bars.
    kinds : tuple of str
        Market kinds the whole review has: a kind this partition lacks is an empty frame, as when the review
        runs in one piece.
    config : liqcost.config.Config
    """

    root: str
    symbols: tuple
    fills: object
    orders: object
    spans: dict
    bar_range: tuple | None
    kinds: tuple
    config: object


#: market columns of an empty stand-in frame, per kind (a partition without rows of a kind the review has)
_EMPTY_MARKET = {"trades": ("price", "size"), "quotes": ("bid", "ask")}


def review_partition(task: ReviewTask):
    """The partition function of the review (run in-process or by a Dask worker): read the market data of the
    task's spans from the dataset, and review the task's fills and orders (:func:`liqcost.tca.review`)."""
    import polars as pl

    from liqcost.io.dataset import Dataset
    from liqcost.tca import review

    market = _read_market(Dataset(task.root), task.spans, task.bar_range) if task.spans else {}
    for kind, cols in _EMPTY_MARKET.items():
        if kind in task.kinds and market.get(kind) is None:
            market[kind] = pl.DataFrame(schema={"symbol": pl.String, "ts": pl.Datetime("ns", "UTC")}
                                        | {c: pl.Float64 for c in cols})
    if "bars" in task.kinds and market.get("bars") is None and not any(market.get(k) is not None for k in _EMPTY_MARKET):
        market["bars"] = pl.DataFrame(schema={"symbol": pl.String, "date": pl.Date, "open": pl.Float64, "high": pl.Float64,
                                              "low": pl.Float64, "close": pl.Float64, "volume": pl.Float64})
    return review(task.fills, task.orders, trades=market.get("trades"), quotes=market.get("quotes"),
                  bars=market.get("bars"), config=task.config)


def _groups(fills, orders) -> list[list[str]]:
    """The symbols in groups that keep every row of an order together: one group per symbol, except that the
    symbols an order id links (fills of an order under another symbol than the order's) share one."""
    import polars as pl

    pairs = [fills.select(pl.col("order_id").cast(pl.String), pl.col("symbol").cast(pl.String))]
    if orders is not None:
        pairs.append(orders.select(pl.col("order_id").cast(pl.String), pl.col("symbol").cast(pl.String)))
    pairs = pl.concat(pairs).unique()
    symbols = sorted(pairs.get_column("symbol").drop_nulls().unique().to_list())
    parent = {s: s for s in symbols}

    def root(s):
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    links = pairs.drop_nulls().group_by("order_id").agg(pl.col("symbol").unique().sort()).filter(pl.col("symbol").list.len() > 1)
    for syms in links.get_column("symbol").to_list():  # rare: one entry per order id with several symbols
        for other in syms[1:]:
            parent[root(other)] = root(syms[0])
    out: dict = {}
    for s in symbols:
        out.setdefault(root(s), []).append(s)
    return list(out.values())


def _review_tasks(ds, f, o, spans, cfg, n_tasks: int) -> list[ReviewTask]:
    """The review cut into at most ``n_tasks`` partitions of whole symbol groups, balanced by fills and orders."""
    import polars as pl

    groups = _groups(f, o)
    kinds = _market_kinds(ds, spans)
    bar_range = _bar_range(spans) if spans else None
    sym = pl.col("symbol").cast(pl.String)
    # rows without a symbol (set aside by the review): with the first partition
    loose_f = f.filter(sym.is_null())
    loose_o = o.filter(sym.is_null()) if o is not None else None
    counts = dict(f.group_by(sym).len().drop_nulls().iter_rows())
    if o is not None:
        for k, n in o.group_by(sym).len().drop_nulls().iter_rows():
            counts[k] = counts.get(k, 0) + n
    weights = [sum(counts.get(s, 0) for s in g) for g in groups]
    n = max(1, min(int(n_tasks), len(groups)))
    total = sum(weights) or 1
    batches: list[list[str]] = [[]]
    acc = 0.0
    for g, w in zip(groups, weights):
        if batches[-1] and acc >= total * len(batches) / n and len(batches) < n:
            batches.append([])
        batches[-1] += g
        acc += w
    root = str(Path(ds.root).absolute())
    tasks = []
    for i, b in enumerate(batches):
        fb = f.filter(sym.is_in(b))
        ob = o.filter(sym.is_in(b)) if o is not None else None
        if i == 0 and loose_f.height:
            fb = pl.concat([fb, loose_f], how="vertical_relaxed")
        if i == 0 and loose_o is not None and loose_o.height:
            ob = pl.concat([ob, loose_o], how="vertical_relaxed")
        tasks.append(ReviewTask(root, tuple(b), fb, ob, {s: spans[s] for s in b if s in spans}, bar_range, kinds, cfg))
    return tasks


def _failed_problem(failure, task, retries: int, n_fills: int):
    """The problem of a review partition that failed on the cluster: its symbols, the error, what was left out."""
    syms = list(task.symbols)
    shown = ", ".join(syms[:10]) + (" ..." if len(syms) > 10 else "")
    return Problem("partition_failed", f"{task.root}: review partition {shown}",
                   f"failed on the Dask cluster after {retries} retr{'y' if retries == 1 else 'ies'} ({failure}); its "
                   f"{task.fills.height} of the {n_fills} fills and their orders are left out of every table; run again, "
                   "or without the scheduler.")


# ----------------------------------------------------------------------------------------- as-of profiles
def _profile_asof(ds, config, symbols, order_dates, progress):
    """``profile_asof(day)``: profiles from the dataset's days strictly before ``day`` (ticks, else bars).

    The tick daily metrics cover the long lookback before the first order's date up to the day before the last
    one (:func:`liqcost.tca.profile_asof_from_daily`); a name without trades before the day gets the profile of
    its bars before the day (:func:`liqcost.measures.bars.bar_profile`), when the dataset has bars.
    """
    import polars as pl

    from liqcost.errors import NoDataError
    from liqcost.measures.build import trading_calendar
    from liqcost.schema import PROFILE
    from liqcost.tca import profile_asof_from_daily

    cal = trading_calendar(ds)
    first, last = min(order_dates), max(order_dates)
    before_last = [d for d in cal if d < last]
    if not before_last:
        return lambda day: pl.DataFrame(schema=PROFILE.polars_schema())
    long = max(config.measures.lookback_days, config.measures.lookback_days_long)
    i0 = bisect.bisect_left(cal, first)
    start, end = cal[max(0, i0 - long)], before_last[-1]
    kinds = ds.kinds()
    tick_asof = None
    if "trades" in kinds:
        tick_syms = sorted({p.symbol for p in ds.partitions("trades", symbols, start, end)})
        if tick_syms:
            from liqcost.measures.daily import daily_metrics, plan_dataset

            total = len(plan_dataset(ds, tick_syms, start, end))
            with progress(total) as advance:
                daily = daily_metrics(config, dataset=ds, symbols=tick_syms, start=start, end=end, progress=advance).daily
            tick_asof = profile_asof_from_daily(daily, config)
    bars = None
    if "bars" in kinds:
        try:
            bars = ds.scan("bars", symbols, start, end).collect()
        except NoDataError:
            bars = None
    cache: dict = {}

    def profile_asof(day: dt.date):
        if day in cache:
            return cache[day]
        tick = tick_asof(day) if tick_asof is not None else None
        have = set(tick.get_column("symbol").to_list()) if tick is not None and tick.height else set()
        parts = [tick] if have else []
        if bars is not None:
            from liqcost.measures.bars import bar_profile

            rest = bars.filter((pl.col("date") < day) & ~pl.col("symbol").is_in(list(have)))
            if rest.height:
                try:
                    parts.append(bar_profile(rest, config))
                except NoDataError:
                    pass
        prof = pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame(schema=PROFILE.polars_schema())
        cache[day] = prof
        return prof

    return profile_asof


# ---------------------------------------------------------------------------------------------- the review
def tca(fills=None, orders=None, *, data, config=None, mapping=None, orders_mapping=None, symbols=None,
        model: bool = True, progress=None, workers: int | None = None, scheduler: str | None = None) -> TcaReview:
    """Post-trade cost review of fills against the market and against the pre-trade model.

    Parameters
    ----------
    fills : str, Path, polars.DataFrame or LazyFrame, optional
        A fills file (CSV, Parquet or a vendor format; ``schema.FILLS`` columns after ``mapping``) or the fills.
        Default: the dataset's ``kind=fills``.
    orders : str, Path, polars.DataFrame or LazyFrame, optional
        The parent orders (``schema.ORDERS``: the intended quantity, so the unfilled rest is priced as
        opportunity cost, and the window ``start``/``end``). Default: the dataset's ``kind=orders`` when the
        fills come from the dataset, else none (each order's filled quantity is taken as intended).
    data : str, Path or liqcost.io.dataset.Dataset
        The dataset with the market data (trades and quotes, or bars) of the fills' days and of the history
        the as-of profiles are built from.
    config : liqcost.config.Config, str or Path, optional
        ``tca``, ``calibration``, ``impact``, ``measures``, ``session``.
    mapping, orders_mapping : str or Path, optional
        Column mapping of the fills file and of the orders file: a file, or the name of a shipped mapping
        (``liqcost config mappings``).
    symbols : list of str, optional
        Review only these names.
    model : bool
        Also compare each order with its pre-trade estimate as of the day before it.
    progress : callable, optional
        ``progress(total)`` returning a context manager that yields ``advance(n=1)`` (symbol-days of the
        history measured for the as-of profiles).
    workers : int, optional
        Threads (``engine.workers``): 2 or more review partitions of whole symbols on that many threads; 0 or 1
        reviews everything in one piece in the calling thread (the history's tick pass takes 0 as one per core).
    scheduler : str, optional
        Run the review's partitions and the history's tick pass on this Dask scheduler, ``tcp://HOST:PORT`` or
        ``local:N`` (``engine.scheduler``; docs/cluster.md). The review is cut into partitions of whole symbols
        (every row of an order in one); each worker reads the market data of its partition from the dataset.
        A partition that still fails after its retries is a problem of the result (its fills are left out of
        every table, the others are reviewed).

    Returns
    -------
    TcaReview

    Raises
    ------
    liqcost.errors.UsageError
        No fills given and none in the dataset; a mapping that is neither a file nor a shipped name.
    liqcost.errors.NoDataError
        The dataset has no market data.
    liqcost.errors.DataError
        No fill of the file can be reviewed (every one set aside: the reasons are in the message).
    """
    import polars as pl

    from liqcost.app import load
    from liqcost.engine import on_address, planned_width, run_tasks, shared_scheduler
    from liqcost.errors import DataError, NoDataError
    from liqcost.io.dataset import Dataset
    from liqcost.tca import model_vs_realized, pretrade_estimates
    from liqcost.tca.review import combine

    cfg = load(config, {"engine.workers": workers, "engine.scheduler": scheduler})
    ds = data if hasattr(data, "scan") else Dataset(data)
    kinds = ds.kinds()
    if not ({"trades", "quotes", "bars"} & set(kinds)):
        raise NoDataError(f"{ds.root}: no market data (trades, quotes or bars) to review the fills against; kinds present: "
                          f"{', '.join(kinds) or 'none'}.")
    progress = progress or (lambda total: contextlib.nullcontext(lambda n=1: None))
    got = read_fills_and_orders(fills, orders, config=cfg, data=ds, mapping=mapping, orders_mapping=orders_mapping,
                                symbols=symbols)
    f, o = got["fills"], got["orders"]
    notes = list(got["notes"])
    if f.height == 0 and (o is None or o.height == 0):
        q = pl.concat(got["quarantine"]) if got["quarantine"] else None
        why = ""
        if q is not None and q.height:
            top = q.group_by("reason").len().sort("len", descending=True).head(3)
            why = " (" + "; ".join(f"{n} {r}" for r, n in top.iter_rows()) + ")"
        raise DataError(f"{got['fills_source']}: none of the {got['n_fills']} fills can be reviewed{why}; fix the file "
                        "(or its --mapping) and rerun.")

    spans = _day_spans(f, o, cfg.session.timezone)
    kinds = _market_kinds(ds, spans)
    if not kinds:
        raise NoDataError(f"{ds.root}: no market data on the days of the fills ({_span_text(spans)}).")
    if "trades" not in kinds and "quotes" not in kinds:
        notes.append(f"{ds.root} has bars only on these days: the review gives what bars allow (open, close, day VWAP; "
                     "the arrival price from the fills' decision_price).")
    eng = cfg.engine
    failed: list = []
    with shared_scheduler(eng.scheduler, eng.worker_threads) as address:
        run_cfg = load(cfg, on_address(eng.scheduler, address, eng.workers))
        # in-process: one task in the calling thread (what the review always was) unless engine.workers asks for
        # threads (>= 2); on a cluster: partitions of whole symbols, a few per worker
        width = planned_width(run_cfg.engine.workers, address) if address or eng.workers >= 2 else 1
        tasks = _review_tasks(ds, f, o, spans, cfg, 4 * width if address else width)
        failures: list = []
        parts = run_tasks(review_partition, tasks, workers=width, scheduler=address, retries=eng.retries,
                          threads=eng.worker_threads, failures=failures)
        for fail in failures:
            failed.append(_failed_problem(fail, tasks[fail.index], eng.retries, f.height))
        kept = [p for p in parts if p is not None]
        if not kept:
            raise DataError(f"{ds.root}: every partition of the review failed on the Dask cluster; the first: "
                            f"{failed[0].message}")
        res = combine(kept, o, config=cfg)

        mr = None
        filled = res.orders.filter((pl.col("filled_qty_shares") > 0) & pl.col("date").is_not_null())
        if model and filled.height:
            dates = filled.get_column("date").unique().to_list()
            names = sorted(set(filled.get_column("symbol").to_list()))
            profile_asof = _profile_asof(ds, run_cfg, names, dates, progress)
            est = pretrade_estimates(res, profile_asof, cfg)
            mr = model_vs_realized(res, est, cfg)
        elif model:
            notes.append("no order was filled: nothing to compare with the model.")

    quarantine = pl.concat(got["quarantine"] + [_review_quarantine(res.quarantine, got["fills_source"])], how="vertical_relaxed")
    rejected = pl.concat(got["rejected"] + [_review_rejected(res.rejected_orders, got["orders_source"])], how="vertical_relaxed")
    quarantine = quarantine.sort("source", "row", maintain_order=True)
    dates = f.get_column("ts").dt.convert_time_zone(cfg.session.timezone).dt.date() if f.height else None
    rng = (dates.min(), dates.max()) if dates is not None and dates.len() else None
    return TcaReview(res, mr, quarantine, rejected, got["n_fills"], got["n_orders"], got["fills_source"], got["orders_source"],
                     rng, cfg, tuple(notes), tuple(failed))


def _span_text(spans: dict) -> str:
    parts = [f"{s} {a}" + (f" to {b}" if b != a else "") for s, runs in sorted(spans.items()) for a, b in runs[:2]]
    return ", ".join(parts[:6]) + (" ..." if len(parts) > 6 else "") if parts else "none"


def _review_quarantine(q, source: str):
    import polars as pl

    return _as_text(_side_words(q).with_columns(pl.lit(source).alias("source")), QUARANTINE_COLUMNS)


def _review_rejected(r, source: str):
    import polars as pl

    return _as_text(r.with_columns(pl.lit(source or "orders").alias("source")), REJECTED_COLUMNS)
