"""What the planner reads: liquidity profiles (a file, or built from a dataset), fill models fitted on a
dataset's ticks, and the quote prevailing at plan time.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from liqcost.errors import CalibrationError, FewObservationsWarning, FileFormatError, NoDataError, UsageError

__all__ = ["fill_models_from_dataset", "fit_window", "profile_from_dataset", "read_profile", "reference_quotes"]

_LISTS = ("daily_volume_shares", "volume_profile_frac")


def read_profile(path: str | Path):
    """A liquidity-profile table written by ``liqcost profile`` (Parquet, CSV with ``;``-joined lists, or JSON).

    Raises
    ------
    FileFormatError, SchemaError
        When the file cannot be read or lacks the :data:`liqcost.schema.PROFILE` columns.
    """
    import polars as pl

    from liqcost.schema import PROFILE, check_frame

    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"{p}: profile file not found; write one with `liqcost -o {p.name} profile --data DATASET --table profile`.")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(p)
        elif suffix == ".json":
            import json

            data = json.loads(p.read_text())
            if isinstance(data, dict) and "profile" in data:
                data = data["profile"]
            frame = pl.DataFrame(data, infer_schema_length=None)
        elif suffix in (".csv", ".txt"):
            frame = pl.read_csv(p, infer_schema_length=10_000)
        else:
            raise FileFormatError(f"{p}: unknown profile format {suffix!r}; use .parquet, .csv or .json.")
    except FileFormatError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError, TypeError) as exc:  # malformed or truncated files
        raise FileFormatError(f"{p}: cannot be read as a profile table ({exc.__class__.__name__}: {str(exc).splitlines()[0]}).") from None
    fixes = []
    for col in _LISTS:
        if col in frame.columns and frame.schema[col] == pl.String:
            fixes.append(pl.col(col).str.split(";").list.eval(pl.element().cast(pl.Float64, strict=False)).alias(col))
        elif col in frame.columns and isinstance(frame.schema[col], pl.List):
            fixes.append(pl.col(col).cast(pl.List(pl.Float64)))
    if "asof_date" in frame.columns and frame.schema["asof_date"] == pl.String:
        fixes.append(pl.col("asof_date").str.to_date(strict=False))
    for col in ("lookback_days", "zero_volume_days", "profile_interval_min"):
        if col in frame.columns and frame.schema[col] != pl.Int64:
            fixes.append(pl.col(col).cast(pl.Int64, strict=False))
    if fixes:
        frame = frame.with_columns(fixes)
    check_frame(frame, PROFILE, str(p))
    return frame


def profile_from_dataset(dataset, symbols, config, asof: dt.date | None = None):
    """Liquidity profiles of ``symbols`` from a dataset (ticks, bars or both; see :mod:`liqcost.measures.build`)."""
    from liqcost.measures.build import build_from_dataset

    return build_from_dataset(dataset, config, list(symbols), end=asof).profile


def fit_window(dataset, symbol: str, config, asof: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last date of the last ``planner.fill_lookback_days`` days with quotes up to ``asof``."""
    dates = [d for d in dataset.dates("quotes", symbol) if asof is None or d <= asof]
    if not dates:
        return None
    dates = dates[-config.planner.fill_lookback_days:]
    return dates[0], dates[-1]


def fill_models_from_dataset(dataset, symbols, config, asof: dt.date | None = None, notes: list | None = None) -> dict:
    """Fit a fill model per symbol on its last ``planner.fill_lookback_days`` days of trades and quotes.

    Symbols without quotes (or with nothing to fit) get no model; a note says so.
    """
    from liqcost.models.fill_prob import fit_fill_model

    out = {}
    for sym in symbols:
        win = fit_window(dataset, sym, config, asof)
        if win is None:
            if notes is not None:
                notes.append(f"{sym}: no quotes in the dataset; no fill-probability model (tranches cross).")
            continue
        quotes = dataset.collect("quotes", [sym], win[0], win[1])  # damaged files skipped and reported
        try:
            trades = dataset.collect("trades", [sym], win[0], win[1])
        except NoDataError:
            import polars as pl

            from liqcost.schema import TRADES

            trades = pl.DataFrame(schema=TRADES.polars_schema(TRADES.required))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", FewObservationsWarning)
                out[sym] = fit_fill_model(trades, quotes, config, symbol=sym)
            for w in caught:
                if notes is not None:
                    notes.append(str(w.message))
        except CalibrationError as exc:
            if notes is not None:
                notes.append(f"{exc.message} No fill-probability model for {sym} (tranches cross).")
    return out


def reference_quotes(dataset, symbols, asof: dt.date | None = None) -> dict:
    """``symbol -> (bid, ask)``: the last quote on or before ``asof`` (the plan-time quote)."""
    import polars as pl

    out = {}
    for sym in symbols:
        dates = [d for d in dataset.dates("quotes", sym) if asof is None or d <= asof]
        if not dates:
            continue
        q = dataset.read("quotes", sym, dates[-1]).filter((pl.col("bid") > 0) & (pl.col("ask") >= pl.col("bid")))
        if q.height:
            last = q.sort("ts").row(-1, named=True)
            out[sym] = (float(last["bid"]), float(last["ask"]))
    return out
