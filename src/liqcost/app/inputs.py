"""What pre-trade and the planner read, the same way for both: orders, and the liquidity behind them.

* :func:`read_orders` takes an orders file (CSV, Parquet or YAML, read by :mod:`liqcost.io`) or frames
  and applies the one set of order rules (:func:`liqcost.inputs.normalize_orders`); :func:`single_order`
  does the same for one order given as flags, where a refused order is a usage error.
* :func:`read_profile_file` is the one reader of profile tables written by ``liqcost profile``, and
  :func:`read_plan_file` the one reader of plans written by ``liqcost plan -o`` (``simulate`` and ``report``).
* :class:`Liquidity` is where the profiles come from (a dataset, a profile table or file, or trades /
  quotes / bars frames): the profiles of the orders' names, the reason each missing name has none
  (unknown symbol, no data in the lookback), the as-of date, and for the planner the fill models and
  the quote at plan time.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from liqcost.errors import (
    CalibrationError,
    EmptyDataError,
    FewObservationsWarning,
    FileFormatError,
    NoDataError,
    OrderError,
    UsageError,
)

__all__ = ["Liquidity", "PlanFile", "read_orders", "read_plan_file", "read_profile_file", "single_order",
           "usable_or_raise"]


# ----------------------------------------------------------------------------------------------- orders
def read_orders(orders, config, *, mapping=None, source: str | None = None):
    """Orders from a file or a frame, checked by :func:`liqcost.inputs.normalize_orders`.

    Parameters
    ----------
    orders : str, Path, polars.DataFrame, polars.LazyFrame, dict or list of dict
        An orders file (``.csv``, ``.parquet``, ``.yaml``: columns ``symbol, side, qty [, order_id, start, end,
        max_participation, urgency, limit_price]``) or the orders themselves.
    config : liqcost.config.Config
        ``orders.fractional_shares``; ``session.timezone`` for times without a zone in a CSV.
    mapping : str, Path or liqcost.io.mapping.Mapping, optional
        Column mapping of the file (``columns:``, ``side_values:``, ``csv:`` ...).

    Returns
    -------
    liqcost.inputs.OrderCheck
        Rows are the file's line (or record) numbers, so a refused order can be found again.
    """
    from liqcost.inputs import normalize_orders

    if isinstance(orders, (str, Path)):
        frame, unreadable = _read_orders_file(Path(orders), config, mapping)
        return normalize_orders(frame, source=source or str(orders), fractional=config.orders.fractional_shares,
                                unreadable=unreadable)
    return normalize_orders(orders, source=source or "orders", fractional=config.orders.fractional_shares)


def _read_orders_file(path: Path, config, mapping):
    """The file's orders as the rules read them (the side as written, numbers as text where unparseable)
    and the values that could not be parsed (times)."""
    import polars as pl

    from liqcost.io.mapping import Mapping, load_mapping
    from liqcost.io.readers import ROW

    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    if path.suffix.lower() in (".yaml", ".yml"):
        raw = _yaml_orders(path)
    else:
        from liqcost.io.ingest import read_source

        raw, _ = read_source(path, "orders", config, m)
    cols = [pl.col(ROW).alias("row")]
    side_raw = pl.col("_raw_side").cast(pl.String).str.strip_chars()
    if m.side_values:  # the file's own spellings first (a mapping's side_values), then the common words
        spelled = {str(k).strip().lower(): str(v) for k, v in m.side_values.items()}
        side_raw = side_raw.str.to_lowercase().replace_strict(spelled, default=side_raw)
    cols.append(side_raw.alias("side"))
    unreadable = []
    for name in ("order_id", "symbol", "qty", "max_participation", "urgency", "limit_price", "start", "end"):
        if name not in raw.columns:
            continue
        raw_text = pl.col(f"_raw_{name}").cast(pl.String) if f"_raw_{name}" in raw.columns else pl.lit(None, pl.String)
        if name in ("start", "end"):
            cols.append(pl.col(name))
            blank = raw_text.is_null() | (raw_text.str.strip_chars() == "")
            unreadable.append(raw.filter(~blank & pl.col(name).is_null()).select(
                pl.col(ROW).alias("row"), pl.lit(name).alias("column"), raw_text.alias("value")))
        elif name in ("qty", "max_participation", "urgency", "limit_price"):
            # the parsed number where the reader read one, else the text as written (the rules say what is wrong)
            cols.append(pl.coalesce(pl.col(name).cast(pl.String), raw_text).alias(name))
        else:
            cols.append(pl.col(name))
    frame = raw.select(cols)
    bad = pl.concat(unreadable) if unreadable else None
    return frame, bad


def _yaml_orders(path: Path):
    """Orders written as YAML: a list of mappings (or ``orders:`` holding one); rows numbered 1..n."""
    import polars as pl

    from liqcost.config import load_yaml
    from liqcost.io.mapping import Mapping
    from liqcost.io.readers import ROW, parse_frame

    data = load_yaml(path)
    if isinstance(data, dict) and "orders" in data:
        data = data["orders"]
    if not isinstance(data, list) or not data or not all(isinstance(d, dict) for d in data):
        raise FileFormatError(f"{path}: expected a list of orders (each with symbol, side, qty), got {type(data).__name__}.")
    rows = [{str(k): (None if v is None else str(v)) for k, v in d.items()} for d in data]
    names = list(dict.fromkeys(k for r in rows for k in r))
    frame = pl.DataFrame([{k: r.get(k) for k in names} for r in rows], schema={k: pl.String for k in names})
    lf = frame.lazy().with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    return parse_frame(lf, str(path), "orders", Mapping(), "UTC")


def single_order(config, *, symbol, side, qty, start=None, end=None, limit_price=None):
    """One order given as flags (``--symbol --side --qty``), checked by the same rules as a file's.

    Raises
    ------
    liqcost.errors.UsageError
        The order is refused (the message is the rule's sentence, as for a row of a file).
    """
    from liqcost.inputs import normalize_orders

    order = {"symbol": symbol, "side": side, "qty": qty}
    if start is not None:
        order["start"] = start
    if end is not None:
        order["end"] = end
    if limit_price is not None:
        order["limit_price"] = limit_price
    check = normalize_orders(order, source="", fractional=config.orders.fractional_shares)
    if check.problems.height:
        r = check.problems.row(0, named=True)
        raise UsageError(f"order {r['order_id']}: {r['reason']}.")
    return check


def usable_or_raise(check, missing: dict | None = None) -> None:
    """Raise when no order of a book can be used (every one refused, or in a name without data)."""
    import polars as pl

    missing = missing or {}
    lost = check.orders.filter(pl.col("symbol").is_in(list(missing))) if missing else check.orders.clear()
    if check.orders.height and lost.height < check.orders.height:
        return
    reasons = check.messages()[:3] + [f"{_where(check.source, r)}: {missing[r['symbol']]}"
                                      for r in lost.head(3).iter_rows(named=True)]
    raise OrderError(f"{check.source}: none of the {check.n_input} orders can be used ({'; '.join(reasons[:3])}).")


def _where(source, r) -> str:
    from liqcost.inputs import order_where

    return order_where(source, r.get("row"), r.get("order_id"))


# -------------------------------------------------------------------------------------------- profiles
def read_profile_file(path: str | Path):
    """A profile table written by ``liqcost profile`` (Parquet, CSV with ``;``-joined lists, or JSON).

    ``-o prof.parquet`` with several tables writes ``prof.profile.parquet``: that file is found from
    ``prof.parquet``. A JSON object of tables is read from its ``profile`` table.

    Raises
    ------
    liqcost.errors.FileFormatError
        The file is missing or cannot be read.
    liqcost.errors.EmptyDataError
        The table has no row.
    liqcost.errors.SchemaError
        A ``schema.PROFILE`` column is missing or of the wrong type.
    """
    import polars as pl

    from liqcost.inputs import normalize_profiles

    p = Path(path)
    if not p.is_file():
        alt = p.with_name(f"{p.stem}.profile{p.suffix}")
        if not alt.is_file():
            raise FileFormatError(
                f"{path}: profile file not found; write one with `liqcost --format parquet -o {p.name} profile --data DATASET`.")
        p = alt
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(p)
        elif suffix in (".csv", ".txt"):
            frame = pl.read_csv(p, try_parse_dates=True, infer_schema_length=10_000)
        elif suffix == ".json":
            import json

            data = json.loads(p.read_text())
            if isinstance(data, dict):
                data = data.get("profile", next(iter(data.values()), []))
            frame = pl.DataFrame(data, infer_schema_length=None)
        else:
            raise FileFormatError(f"{p}: unknown profile file type {suffix!r}; use .parquet, .csv or .json.")
    except FileFormatError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError, TypeError) as exc:  # malformed or truncated files
        raise FileFormatError(f"{p}: cannot be read as a profile table ({exc.__class__.__name__}: {str(exc).splitlines()[0]}).") from None
    if frame.height == 0:
        raise EmptyDataError(f"{p}: the profile table is empty.")
    return normalize_profiles(frame, str(p))


# ------------------------------------------------------------------------------------------------ plans
@dataclass(frozen=True)
class PlanFile:
    """A plan read back from ``liqcost plan -o FILE``: the tranche table, and the tables written beside it.

    ``tranches`` and ``summary`` have their times as UTC datetimes (``window_start``/``window_end``,
    ``start``/``end``); ``summary`` and ``fill`` are None when the file came without them.
    """

    tranches: object
    summary: object = None
    fill: object = None


def read_plan_file(path, timezone: str) -> PlanFile:
    """The one reader of plans written by ``liqcost plan`` (used by ``simulate --plan`` and ``report --plan``).

    Parameters
    ----------
    path : str or Path
        ``plan.csv`` or ``plan.parquet`` (with ``plan.summary.*`` and ``plan.fill.*`` beside it when
        written with ``--table all``), or ``plan.json`` (the output envelope ``{"tables": {"plan": [...],
        "summary": [...], "fill": [...]}}``, or a bare list of tranche records).
    timezone : str
        The exchange's time zone (``session.timezone``): text times without an offset are exchange time.

    Returns
    -------
    PlanFile

    Raises
    ------
    FileFormatError
        The file is missing, of an unknown type, empty, or cannot be read; a time that is not one (with its
        file and row).
    """
    import json

    import polars as pl

    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"{p}: plan file not found; write one with `liqcost plan ... --table all -o {p.name}`.")
    suffix = p.suffix.lower()

    def sibling(name):
        return p.with_name(f"{p.stem}.{name}{p.suffix}")

    def read(f):
        return pl.read_parquet(f) if suffix in (".parquet", ".pq") else pl.read_csv(f, infer_schema_length=10_000)

    def read_beside(name):
        """The table written beside the plan (``plan.summary.csv``), or None."""
        f = sibling(name)
        return read(f) if f.is_file() else None

    try:
        if suffix == ".json":
            data = json.loads(p.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                tables = data.get("tables", data)
                if not isinstance(tables, dict) or "plan" not in tables:
                    names = ", ".join(tables) if isinstance(tables, dict) else type(tables).__name__
                    raise FileFormatError(f"{p}: no plan table in this JSON (tables: {names}); write the plan with "
                                          "`liqcost --format json -o plan.json plan ...` (its tables plan and summary).")
                records, srec, frec = tables["plan"], tables.get("summary"), tables.get("fill")
            elif isinstance(data, list):
                records, srec, frec = data, None, None
            else:
                raise FileFormatError(f"{p}: expected a JSON object of tables or a list of tranches, got {type(data).__name__}.")
            if not records:
                raise FileFormatError(f"{p}: the plan table is empty: no tranche to read.")
            frame = pl.DataFrame(records, infer_schema_length=None)
            summary = pl.DataFrame(srec, infer_schema_length=None) if srec else None
            fill = pl.DataFrame(frec, infer_schema_length=None) if frec else None
        elif suffix in (".csv", ".parquet", ".pq"):
            frame, summary, fill = read(p), read_beside("summary"), read_beside("fill")
        else:
            raise FileFormatError(f"{p}: unknown plan file type {suffix!r}; give the .csv, .json or .parquet that "
                                  "`liqcost plan -o` wrote.")
    except FileFormatError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError, TypeError) as exc:
        raise FileFormatError(f"{p}: cannot be read as a plan ({exc.__class__.__name__}: {str(exc).splitlines()[0]}).") from None
    # a column empty on every row (a CSV's limit_cap_px without caps) reads as text: numbers it is
    from liqcost.sim.schema import TRANCHES

    empty = [c.name for c in TRANCHES.columns if c.dtype in ("f64", "i64") and c.name in frame.columns
             and frame.schema[c.name] in (pl.String, pl.Null) and frame.get_column(c.name).null_count() == frame.height]
    if empty:
        frame = frame.with_columns(pl.col(empty).cast(pl.Float64))
    frame = _plan_times(frame, ("window_start", "window_end"), timezone, str(p))
    if summary is not None:
        summary = _plan_times(summary, ("start", "end"), timezone, str(sibling("summary")))
    return PlanFile(frame, summary, fill)


def _plan_times(frame, columns, tz: str, source: str):
    """Times of a plan file as UTC datetimes: text in ISO 8601 with an offset (or Z), and text or stored
    datetimes without a zone as exchange time (``tz``)."""
    import polars as pl

    for c in columns:
        if c not in frame.columns:
            continue
        dtype = frame.schema[c]
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:  # as naive text: exchange time
            frame = frame.with_columns(pl.col(c).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
                                       .dt.convert_time_zone("UTC"))
            continue
        if dtype != pl.String:
            continue
        raw = pl.col(c).str.strip_chars().str.replace(r"Z$", "+00:00")
        with_zone = [raw.str.to_datetime(f, time_zone="UTC", strict=False, time_unit="ns")
                     for f in ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z")]
        naive = [raw.str.to_datetime(f, strict=False, time_unit="ns")
                 for f in ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")]
        local = pl.coalesce(naive).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")
        parsed = frame.select(pl.coalesce(with_zone + [local]).alias(c))
        bad = frame.with_row_index("_r", offset=1).filter(parsed[c].is_null() & pl.col(c).is_not_null())
        if bad.height:
            r = bad.row(0, named=True)
            raise FileFormatError(f"{source} row {r['_r']}: {c} {r[c]!r} is not a time; write it as ISO 8601 with an offset "
                                  "(2025-03-17T09:30:00-04:00) or as exchange time (2025-03-17 09:30).")
        frame = frame.with_columns(parsed[c])
    return frame


def unknown_symbol_message(symbol: str, known: list[str], where: str) -> str:
    """One sentence for an unknown symbol, with the closest known one."""
    import difflib

    match = difflib.get_close_matches(symbol, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{match[0]}'?)" if match else (
        f"; symbols there: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}" if known else ""
    )
    return f"unknown symbol '{symbol}': no data for it in {where}{hint}"


@dataclass
class Liquidity:
    """Where the liquidity of the orders' names comes from, for pre-trade and the planner alike.

    Build it with :meth:`from_inputs`. ``profiles(symbols)`` returns the profiles of the names that have
    data, the reason each other name has none, and the as-of date staleness is judged against.
    """

    config: object
    where: str
    asof: dt.date | None = None
    dataset: object = None
    table: object = None
    frames: dict = field(default_factory=dict)

    @classmethod
    def from_inputs(cls, config, *, data=None, profile=None, trades=None, quotes=None, bars=None, asof=None) -> Liquidity:
        """From a dataset path (``data``), a profile table (``profile``: a file or a frame), or frames.

        ``profile`` wins for the profiles when given with ``data`` (the dataset then serves the planner's
        fill models and plan-time quote).
        """
        from liqcost.inputs import as_frame, normalize_profiles

        frames = {k: _collect(v) for k, v in (("trades", trades), ("quotes", quotes), ("bars", bars)) if v is not None}
        ds = None
        if data is not None:
            from liqcost.io.dataset import Dataset

            ds = data if hasattr(data, "scan") else Dataset(data)
        if profile is not None:
            if isinstance(profile, (str, Path)):
                table, where = read_profile_file(profile), f"profile file {profile}"
            else:
                table, where = normalize_profiles(as_frame(profile, "profile"), "profile"), "the profile table given"
            return cls(config, where, asof, ds, table, frames)
        if ds is not None:
            return cls(config, f"dataset {data}", asof, ds, None, frames)
        if frames:
            return cls(config, "the " + "/".join(frames) + " frames given", asof, None, None, frames)
        raise UsageError("say where the liquidity comes from: a dataset (--data), a profile table (--profile), "
                         "or trades/quotes/bars frames.")

    # --------------------------------------------------------------------------------------- profiles
    def profiles(self, symbols) -> tuple:
        """``(profiles, missing, asof)`` for the names wanted.

        ``missing`` maps every wanted name without a profile to one sentence saying why (unknown symbol,
        with the closest known one; no data in the lookback window, with where its data end).

        Raises
        ------
        liqcost.errors.NoDataError
            The source has no data at all on or before the as-of date (nothing can be priced).
        """
        import polars as pl

        from liqcost.schema import PROFILE

        wanted = list(dict.fromkeys(s for s in symbols if s is not None))
        if self.table is not None:
            known = sorted(self.table.get_column("symbol").to_list())
            prof = self.table.filter(pl.col("symbol").is_in(wanted))
            asof = self.asof or self.table.get_column("asof_date").max()
            missing = {s: unknown_symbol_message(s, known, self.where) for s in wanted if s not in set(known)}
            return prof, missing, asof
        if self.dataset is not None:
            return self._from_dataset(wanted)
        from liqcost.measures.build import build_from_frames

        present = set()
        for f in self.frames.values():
            present |= set(f.get_column("symbol").unique().to_list())
        live = [s for s in wanted if s in present]
        prof = (build_from_frames(self.config, symbols=live, end=self.asof, **self.frames).profile if live
                else pl.DataFrame(schema=PROFILE.polars_schema()))
        missing = {s: unknown_symbol_message(s, sorted(present), self.where) for s in wanted if s not in present}
        asof = self.asof or (prof.get_column("asof_date").max() if prof.height else None)
        return prof, missing | self._unbuilt(live, prof), asof

    def _from_dataset(self, wanted):
        import polars as pl

        from liqcost.measures.build import build_from_dataset, trading_calendar
        from liqcost.schema import PROFILE

        ds = self.dataset
        kinds = ds.kinds()
        if "trades" not in kinds and "bars" not in kinds:
            raise NoDataError(f"{ds.root}: no trades or bars to build profiles from (kinds present: "
                              f"{', '.join(kinds) or 'none'}); ingest some first.")
        cal = trading_calendar(ds, self.asof)
        if not cal:
            first = min(ds.dates(k)[0] for k in ("trades", "bars") if k in kinds and ds.dates(k))
            raise NoDataError(f"{ds.root}: no data on or before {self.asof}; the dataset starts on {first}.")
        asof = self.asof if self.asof is not None else cal[-1]
        lb = self.config.measures.lookback_days
        window = cal[-lb:]
        tick_kinds = [k for k in ("trades", "bars") if k in kinds]
        present = {p.symbol for k in tick_kinds for p in ds.partitions(k, wanted, window[0], window[-1])} if wanted else set()
        known = sorted(set().union(*(ds.symbols(k) for k in tick_kinds)))
        live = [s for s in wanted if s in present]
        prof = build_from_dataset(ds, self.config, live, end=self.asof, bar_estimates="fallback").profile if live else pl.DataFrame(schema=PROFILE.polars_schema())
        built = set(prof.get_column("symbol").to_list())
        missing = {}
        for s in wanted:
            if s in built:
                continue
            if s in known:  # the name is there, but not in the window (bars are stored by year: a year may overlap it)
                last = max([d for k in tick_kinds for d in ds.dates(k, s)] or [None], key=lambda d: d or dt.date.min)
                missing[s] = (f"no data for {s} in the {lb}-trading-day lookback ending {asof} in {self.where}; its data end "
                              f"on {last}: pass an earlier as-of date (--asof) or refresh the data")
            else:
                missing[s] = unknown_symbol_message(s, known, self.where)
        return prof, missing, asof

    def _unbuilt(self, live, prof) -> dict:
        built = set(prof.get_column("symbol").to_list())
        return {s: f"no liquidity profile could be built for {s} from {self.where}" for s in live if s not in built}

    # ------------------------------------------------------------------------------- planner's ticks
    def has_ticks(self) -> bool:
        return self.dataset is not None or ("quotes" in self.frames)

    def fill_models(self, symbols, notes: list) -> dict:
        """A fill-probability model per symbol, fitted on its last ``planner.fill_lookback_days`` days of
        trades and quotes up to the as-of date; a name without quotes (or nothing to fit) gets none and a note."""
        import polars as pl

        from liqcost.models.fill_prob import fit_fill_model
        from liqcost.schema import TRADES

        out = {}
        for sym in symbols:
            tq = self._ticks(sym)
            if tq is None:
                notes.append(f"{sym}: no quotes in the dataset; no fill-probability model (tranches cross).")
                continue
            trades, quotes = tq
            if trades is None:
                trades = pl.DataFrame(schema=TRADES.polars_schema(TRADES.required))
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", FewObservationsWarning)
                    out[sym] = fit_fill_model(trades, quotes, self.config, symbol=sym)
                notes.extend(str(w.message) for w in caught)
            except CalibrationError as exc:
                notes.append(f"{exc.message} No fill-probability model for {sym} (tranches cross).")
        return out

    def _quote_dates(self, sym) -> list:
        import polars as pl

        if self.dataset is not None:
            return [d for d in self.dataset.dates("quotes", sym) if self.asof is None or d <= self.asof]
        q = self.frames.get("quotes")
        if q is None:
            return []
        tz = self.config.session.timezone
        days = (q.filter(pl.col("symbol") == sym).select(pl.col("ts").dt.convert_time_zone(tz).dt.date().unique().sort())
                .to_series().to_list())
        return [d for d in days if self.asof is None or d <= self.asof]

    def _ticks(self, sym):
        """Trades (or None) and quotes of ``sym`` over the fill model's window; None without quotes."""
        import polars as pl

        dates = self._quote_dates(sym)
        if not dates:
            return None
        dates = dates[-self.config.planner.fill_lookback_days:]
        first, last = dates[0], dates[-1]
        if self.dataset is not None:
            quotes = self.dataset.collect("quotes", [sym], first, last)  # damaged files skipped and reported
            try:
                trades = self.dataset.collect("trades", [sym], first, last)
            except NoDataError:
                trades = None
            return trades, quotes
        tz = self.config.session.timezone

        def cut(frame):
            d = pl.col("ts").dt.convert_time_zone(tz).dt.date()
            return frame.filter((pl.col("symbol") == sym) & (d >= first) & (d <= last))

        trades = cut(self.frames["trades"]) if "trades" in self.frames else None
        return trades, cut(self.frames["quotes"])

    def reference_quotes(self, symbols) -> dict:
        """``symbol -> (bid, ask)``: the last valid quote on or before the as-of date (the plan-time quote)."""
        import polars as pl

        out = {}
        for sym in symbols:
            dates = self._quote_dates(sym)
            if not dates:
                continue
            if self.dataset is not None:
                q = self.dataset.read("quotes", sym, dates[-1])
            else:
                tz = self.config.session.timezone
                q = self.frames["quotes"].filter(
                    (pl.col("symbol") == sym) & (pl.col("ts").dt.convert_time_zone(tz).dt.date() == dates[-1]))
            q = q.filter((pl.col("bid") > 0) & (pl.col("ask") >= pl.col("bid")))
            if q.height:
                last = q.sort("ts").row(-1, named=True)
                out[sym] = (float(last["bid"]), float(last["ask"]))
        return out


def _collect(frame):
    import polars as pl

    if isinstance(frame, pl.LazyFrame):
        return frame.collect()
    if isinstance(frame, pl.DataFrame):
        return frame
    raise UsageError(f"trades, quotes and bars are polars DataFrames or LazyFrames, got {type(frame).__name__}; "
                     "read a file with liqcost.io or pass a dataset with data=.")


def fill_models(data, symbols, config=None, *, asof: dt.date | None = None) -> dict:
    """Fill-probability models of ``symbols`` fitted on a dataset's ticks up to ``asof`` (the planner's input).

    The same fit the ``plan`` command makes (``planner.fill_lookback_days`` days of trades and quotes); a name
    without quotes gets no model. For the library's ``planner.plan.plan(orders, profiles, fill_models, config)``.
    """
    from liqcost.config import Config, load_config

    cfg = config if isinstance(config, Config) else load_config(config)
    liq = Liquidity.from_inputs(cfg, data=data, asof=asof)
    return liq.fill_models(list(symbols), [])
