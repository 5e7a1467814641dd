"""``liqcost profile`` as a function: daily liquidity metrics and the liquidity profile per symbol.

:func:`profile` reads a dataset, trade/quote/bar files, or frames, runs the measures
(:mod:`liqcost.measures.build`) and returns a :class:`ProfileResult` whose ``profile`` table is what
:func:`liqcost.app.pretrade` and :func:`liqcost.app.plan` read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from liqcost.result import Result

__all__ = ["ProfileOptions", "ProfileResult", "profile"]

# the columns a terminal shows (every column is in csv/json/parquet; docs/measures.md lists them)
_KEEP = {
    "daily": ["symbol", "date", "n_trades", "volume_shares", "vwap_px", "close_px", "quoted_spread_bps",
              "effective_spread_bps", "realized_spread_{h}_bps", "price_impact_{h}_bps", "volatility_daily_frac",
              "kyle_lambda_bps_per_share"],
    "profile": ["symbol", "asof_date", "source", "lookback_days", "price_px", "adv_shares", "mdv_shares",
                "zero_volume_days", "spread_bps", "quoted_spread_bps", "edge_spread_bps", "volatility_daily_frac",
                "kyle_lambda_bps_per_pct_adv", "trades_per_day", "trade_size_median_shares"],
    "bars": ["symbol", "date", "close", "volume", "edge_spread_bps", "ar_spread_bps", "roll_spread_bps",
             "cs_spread_bps", "zero_return_frac", "volatility_cc_frac", "amihud_bps_per_musd"],
}
TABLE_CHOICES = ("both", "daily", "bars", "profile", "all")


@dataclass(frozen=True)
class ProfileOptions:
    """Options of ``profile``; ``None`` leaves the config's value.

    Attributes
    ----------
    quote_lag_s : float, optional
        Match trades with the quote this many seconds earlier (``measures.quote_lag_s``).
    quote_match : str, optional
        ``strictly_before`` or ``at_or_before`` (``measures.quote_match``).
    signing : str, optional
        Trade-signing rule (``measures.signing``).
    lookback_days : int, optional
        Trading days of the profile window (``measures.lookback_days``).
    workers : int, optional
        Threads (``engine.workers``).
    scheduler : str, optional
        Dask scheduler ``tcp://HOST:PORT`` or ``local:N`` for the tick measures of a dataset
        (``engine.scheduler``; docs/cluster.md).
    """

    quote_lag_s: float | None = None
    quote_match: str | None = None
    signing: str | None = None
    lookback_days: int | None = None
    workers: int | None = None
    scheduler: str | None = None

    def overrides(self) -> dict:
        return {
            "measures.quote_lag_s": self.quote_lag_s,
            "measures.quote_match": self.quote_match,
            "measures.signing": self.signing,
            "measures.lookback_days": self.lookback_days,
            "engine.workers": self.workers,
            "engine.scheduler": self.scheduler,
        }


@dataclass(frozen=True)
class ProfileResult(Result):
    """Daily metrics, bar estimates and the profile (the :class:`~liqcost.result.Result` protocol).

    Attributes
    ----------
    profile : polars.DataFrame
        One row per symbol (``schema.PROFILE``).
    daily : polars.DataFrame or None
        Tick metrics per symbol-day (None without trades).
    bars : polars.DataFrame or None
        Rolling bar estimates per symbol-day (when asked for or when there are only bars).
    which : str
        The tables asked for: ``both`` (daily, or the bar estimates without ticks, and the profile),
        ``daily``, ``bars``, ``profile`` or ``all``.
    asof : datetime.date or None
        Last day of the profile window.
    trades_path : Path or None
        Where the per-trade audit table was written.
    n_trades : int
        Trades in the audit table.
    notes : tuple of str
        Rows set aside by validation, inputs that were missing, where files were written.
    """

    title: ClassVar[str] = "profile"

    profile: object = None
    daily: object = None
    bars: object = None
    which: str = "both"
    asof: dt.date | None = None
    trades_path: Path | None = None
    n_trades: int = 0
    notes: tuple = ()

    def tables(self) -> dict:
        """The tables asked for, in the order daily, bars, profile."""
        out = {}
        daily = self.daily if self.daily is not None else self.bars
        if self.which in ("both", "daily", "all") and daily is not None:
            out["daily"] = daily
        if self.which in ("bars", "all") and self.bars is not None:
            out["bars"] = self.bars
        if self.which in ("both", "profile", "all"):
            out["profile"] = self.profile
        return out

    def summary(self):
        """The profile table (one row per symbol)."""
        return self.profile

    def display_tables(self) -> dict:
        """The key columns of each table (a terminal cannot show ~90)."""
        out = {}
        for name, frame in self.tables().items():
            out[name] = frame.select(self._keep(name, frame))
        return out

    def display_notes(self) -> list[str]:
        """How many columns the terminal view leaves out, per table."""
        out = []
        for name, frame in self.tables().items():
            hidden = frame.width - len(self._keep(name, frame))
            if hidden:
                out.append(f"{name}: {hidden} more columns with --format csv, json or parquet (see docs/measures.md).")
        return out

    def _keep(self, name, frame) -> list[str]:
        key = "bars" if name == "daily" and self.daily is None else name
        daily = self.daily if self.daily is not None else self.bars
        h = "5s" if daily is not None and "price_impact_5s_bps" in daily.columns else None
        cols = [c.format(h=h) for c in _KEEP[key] if h is not None or "{h}" not in c]
        return [c for c in cols if c in frame.columns]


def profile(data=None, *, trades=None, quotes=None, bars=None, config=None, symbols=None, start: dt.date | None = None,
            end: dt.date | None = None, tables: str = "both", trades_out=None, progress=None,
            options: ProfileOptions | None = None, **option_values) -> ProfileResult:
    """Daily liquidity metrics and the liquidity profile per symbol.

    Parameters
    ----------
    data : str or Path, optional
        A dataset written by ``liqcost ingest``.
    trades, quotes, bars : str, Path, polars.DataFrame or LazyFrame, optional
        Files (CSV or Parquet in the canonical columns; validated, bad rows set aside with a note) or frames,
        instead of ``data``.
    config : liqcost.config.Config, str or Path, optional
    symbols : list of str, optional
        Only these symbols.
    start, end : datetime.date, optional
        First day of the daily tables, and the profile's as-of date.
    tables : str
        ``both``, ``daily``, ``bars``, ``profile`` or ``all`` (``all`` computes the rolling bar estimates too).
    trades_out : str or Path, optional
        Also write the per-trade audit table there (``.parquet`` or ``.csv``).
    progress : callable, optional
        ``progress(total)`` returning a context manager that yields ``advance(n=1)`` (symbol-days done).
    options : ProfileOptions, optional
        Config overrides; or give them as keywords (``quote_lag_s=1.0``).

    Returns
    -------
    ProfileResult
    """
    from liqcost.app import load
    from liqcost.errors import UsageError

    options = options or ProfileOptions(**option_values)
    given = [x for x in (trades, quotes, bars) if x is not None]
    if data is not None and given:
        raise UsageError("give either --data DATASET or --trades/--quotes/--bars files, not both.")
    if data is None and not given:
        raise UsageError("say where the data are: --data DATASET, or --trades FILE and --quotes FILE, or --bars FILE.")
    if start and end and end < start:
        raise UsageError(f"--end {end} is before --start {start}.")
    if tables not in TABLE_CHOICES:
        raise UsageError(f"tables={tables!r}: one of {', '.join(TABLE_CHOICES)}.")
    cfg = load(config, options.overrides())
    sym_list = list(symbols) if symbols else None
    want_bars = tables in ("bars", "all")
    progress = progress or (lambda total: contextlib.nullcontext(lambda n=1: None))
    notes: list[str] = []
    if data is not None:
        from liqcost.io.dataset import Dataset
        from liqcost.measures.build import build_from_dataset
        from liqcost.measures.daily import plan_dataset

        ds = data if hasattr(data, "scan") else Dataset(data)
        total = len(plan_dataset(ds, sym_list, start, end)) if "trades" in ds.kinds() else 0
        with progress(total) as advance:
            built = build_from_dataset(ds, cfg, sym_list, start, end, progress=advance, trades_out=trades_out,
                                       bar_table=want_bars or "trades" not in ds.kinds())
    else:
        from liqcost.measures.build import build_from_frames

        frames = {}
        for kind, value in (("trades", trades), ("quotes", quotes), ("bars", bars)):
            if value is not None:
                frames[kind] = _frame(value, kind, cfg, notes)
        if (trades is None) != (quotes is None) and (trades is not None or quotes is not None):
            missing = "quotes" if trades is not None else "trades"
            notes.append(f"no --{missing} file: measures that need {missing} are NaN.")
        built = build_from_frames(cfg, symbols=sym_list, start=start, end=end, trades_out=trades_out,
                                  bar_table=want_bars or not (trades is not None or quotes is not None), **frames)
    if built.trades_path:
        notes.append(f"wrote the per-trade audit table ({built.n_trades} trades) to {built.trades_path}")
    result = ProfileResult(profile=built.profile, daily=built.daily, bars=built.bars, which=tables, asof=built.asof,
                           trades_path=built.trades_path, n_trades=built.n_trades, notes=tuple(notes))
    if not result.tables():
        raise UsageError(f"--table {tables}: these data have no such table (bars are needed for the bar estimates).")
    return result


def _frame(value, kind: str, config, notes: list):
    """A canonical frame from a file (validated: bad rows set aside, with a note) or a frame as given."""
    import polars as pl

    if isinstance(value, pl.LazyFrame):
        return value.collect()
    if isinstance(value, pl.DataFrame):
        return value
    from liqcost.io.ingest import load_table

    clean, quarantine = load_table(value, kind, config)
    if quarantine.height:
        counts = quarantine.get_column("reason").value_counts(sort=True).rows()
        why = ", ".join(f"{n} {reason}" for reason, n in counts)
        notes.append(f"{value}: {quarantine.height} row(s) set aside by validation ({why}); run "
                     f"`liqcost ingest` to keep them in a quarantine file with their source rows.")
    return clean.drop("row")
