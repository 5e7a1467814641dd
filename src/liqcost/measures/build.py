"""Liquidity profiles from whatever data a user has: ticks, bars, or both.

One entry point for every command that needs profiles (``liqcost profile``, ``pretrade``, ``plan``):

* trades and quotes give the tick daily metrics (:func:`liqcost.measures.daily.daily_metrics`) and the
  tick profile (:func:`liqcost.measures.profile.liquidity_profile`);
* bars give the bar estimators and the bar profile (:func:`liqcost.measures.bars.bar_profile`);
* with both, :func:`liqcost.measures.bars.merge_tick_and_bar_profiles` keeps the tick values and adds the
  bar estimates (``source = 'ticks+bars'``); a symbol with only one kind of data gets that kind's profile.

The profile's window ends on the last trading day of the data up to ``end`` (the as-of date). By default
the daily tick metrics cover the long lookback (``measures.lookback_days_long``), enough for both the
short and the long profile windows; bars are always read over at least the long lookback, because the
bar estimators need it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from liqcost.errors import NoDataError

__all__ = ["ProfileBuild", "trading_calendar", "build_from_dataset", "build_from_frames", "assemble_profile"]


@dataclass(frozen=True)
class ProfileBuild:
    """Profiles and the tables they were built from.

    Attributes
    ----------
    profile : polars.DataFrame
        One row per symbol in :data:`liqcost.schema.PROFILE`.
    daily : polars.DataFrame or None
        Tick daily metrics per symbol-day (None without trades).
    bars : polars.DataFrame or None
        Rolling bar estimates per symbol-day (when asked for and bars were given).
    asof : datetime.date or None
        Last day of the profile window.
    trades_path : Path or None
        Where the per-trade audit table was written, if asked for.
    n_trades : int
        Trades in the audit table.
    problems : tuple of liqcost.result.Problem
        Dataset files that could not be read (their rows were skipped; the run is partial).
    """

    profile: pl.DataFrame
    daily: pl.DataFrame | None = None
    bars: pl.DataFrame | None = None
    asof: dt.date | None = None
    trades_path: Path | None = None
    n_trades: int = 0
    problems: tuple = ()


def trading_calendar(ds, asof: dt.date | None = None) -> list[dt.date]:
    """Trading days of a dataset (dates with trades or bars for any symbol) up to ``asof``, oldest first.

    Read from the dataset's state (the days each file holds), not from the files."""
    days: set = set()
    kinds = ds.kinds()
    for kind in ("trades", "bars"):
        if kind in kinds:
            days.update(ds.dates(kind))
    out = sorted(days)
    if asof is not None:
        out = [d for d in out if d <= asof]
    return out


def _long(config) -> int:
    return max(config.measures.lookback_days, config.measures.lookback_days_long)


def _bar_outputs(bars: pl.DataFrame, config, end, start, bar_table: bool, tick=None, bar_estimates: str = "all"):
    from liqcost.measures.bars import bar_panel_estimates, bar_profile, fallback_families

    if bar_estimates not in ("all", "fallback"):
        from liqcost.errors import UsageError

        raise UsageError(f"bar_estimates: expected 'all' or 'fallback', got {bar_estimates!r}.")
    families = None
    if bar_estimates == "fallback":
        families = fallback_families(tick, bars.get_column("symbol").unique().to_list(), config)
    profile = bar_profile(bars, config, asof=end, families=families, complete=False)
    table = None
    if bar_table:
        table = bar_panel_estimates(bars, config, mode="rolling", families=families)
        if start is not None:
            table = table.filter(pl.col("date") >= start)
        if end is not None:
            table = table.filter(pl.col("date") <= end)
    return profile, table


def _merge(tick, bar):
    from liqcost.measures.bars import merge_tick_and_bar_profiles

    if tick is not None and bar is not None:
        return merge_tick_and_bar_profiles(tick, bar)
    if tick is not None:
        return tick
    return bar


def assemble_profile(tick, bar, config, daily=None, peer_profiles=None, stand_ins: bool = True):
    """One profile table from a tick profile and a bar profile built without stand-ins (``complete=False``):
    merged (ticks first, bars for the rest), then completed with the stand-ins of sparse names (see
    :func:`build_from_dataset`); None when both are None. For callers that cut profiles from daily metrics
    they hold (``liqcost simulate`` at each start day), so their profiles equal a fresh build's."""
    return _complete(_merge(tick, bar), config, daily, peer_profiles, stand_ins)


def _complete(profile, config, daily, peer_profiles, stand_ins: bool = True):
    """Stand-ins for the inputs sparse names lack (:func:`liqcost.measures.fallback.complete_inputs`).

    ``peer_profiles()`` builds the profiles (own inputs only) of the other names of the same data, or returns
    None: when the names profiled are a selection (the names of some orders) and one of them needs a
    cross-section or the prior, the peers are the whole dataset's names, so a name priced alone gets the
    same stand-in as in ``liqcost profile`` of the whole dataset. Built only when needed.
    """
    from liqcost.measures.fallback import complete_inputs

    if profile is None or profile.height == 0:
        return profile
    out = complete_inputs(profile, config, daily=daily, stand_ins=stand_ins)
    if not stand_ins or peer_profiles is None:
        return out
    if out.filter(pl.col("spread_source").is_in(["cross_section", "prior"])
                  | pl.col("volatility_source").is_in(["cross_section", "prior"])).height:
        peers = peer_profiles()
        if peers is not None and peers.height:
            out = complete_inputs(profile, config, daily=daily, peers=peers)
    return out


def build_from_dataset(
    ds,
    config,
    symbols=None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    progress=None,
    trades_out=None,
    bar_table: bool = False,
    bar_estimates: str = "all",
    stand_ins: bool = True,
) -> ProfileBuild:
    """Profiles of ``symbols`` (all when None) from a dataset's trades/quotes and bars.

    Parameters
    ----------
    ds : liqcost.io.dataset.Dataset
        The dataset.
    config : liqcost.config.Config
        Effective configuration.
    symbols : list of str, optional
        Symbols wanted; those without data between ``start`` and ``end`` are absent from the result.
    start, end : datetime.date, optional
        First day of the daily tables (default: the start of the long lookback window) and the as-of date
        (default: the dataset's last trading day).
    progress : callable, optional
        Called once per symbol-day of ticks processed.
    trades_out : path, optional
        Also write the per-trade audit table there.
    bar_table : bool
        Also return the rolling bar estimates per symbol-day.
    bar_estimates : {'all', 'fallback'}
        ``'all'`` computes every bar estimator. ``'fallback'`` computes only the bar estimator families
        whose values the merged profile's pricing columns take (:func:`liqcost.measures.bars.fallback_families`:
        names without ticks, tick values left undefined, the zero-volume share); the other bar estimates
        are NaN with reason ``not_computed`` and their kernels are neither run nor compiled. For callers
        that only price orders (``pretrade``, ``plan``).
    stand_ins : bool
        Give names without their own spread or volatility the stand-ins of
        :func:`liqcost.measures.fallback.complete_inputs`; ``False`` keeps the names' own inputs only.

    Raises
    ------
    liqcost.errors.NoDataError
        No trades or bars at all, or none on or before ``end``.

    Notes
    -----
    A dataset file that cannot be read is skipped and named (``problems``). When a run finds one, it is
    planned and run again without it, so that the result equals that of the dataset without the file
    (which symbols have ticks, the trading calendar ...), not a mix of both.
    """
    while True:
        seen = len(ds.problems)
        built = _build_from_dataset(ds, config, symbols, start, end, progress=progress, trades_out=trades_out,
                                    bar_table=bar_table, bar_estimates=bar_estimates, stand_ins=stand_ins)
        if len(ds.problems) == seen:
            return built


def _build_from_dataset(ds, config, symbols, start, end, *, progress, trades_out, bar_table,
                        bar_estimates, stand_ins) -> ProfileBuild:
    kinds = ds.kinds()
    if "trades" not in kinds and "bars" not in kinds:
        raise NoDataError(
            f"{ds.root}: no trades or bars to build profiles from (kinds present: {', '.join(kinds) or 'none'}); "
            "ingest some first."
        )
    cal = trading_calendar(ds, end)
    if not cal:
        first = min(ds.dates(k)[0] for k in ("trades", "bars") if k in kinds and ds.dates(k))
        raise NoDataError(f"{ds.root}: no data on or before {end}; the dataset starts on {first}.")
    last = cal[-1]
    long_start = cal[-_long(config):][0]
    first = start or long_start
    known = set(ds.symbols("trades")) | set(ds.symbols("bars"))
    wanted = list(dict.fromkeys(symbols)) if symbols else sorted(known)
    unknown = [s for s in wanted if s not in known]
    if unknown:
        from liqcost.schema import suggest

        raise NoDataError(
            f"{ds.root}: no trades or bars for {', '.join(unknown)}{suggest(unknown[0], known)}; "
            f"symbols there: {', '.join(sorted(known)[:20])}{' ...' if len(known) > 20 else ''}."
        )
    # names with data in the window, from the dataset state (no file opened, no partition built)
    want = set(wanted)
    tick_syms = [s for s in ds.symbols("trades", first, last) if s in want] if "trades" in kinds else []
    bar_first = min(first, long_start)
    bar_syms = [s for s in ds.symbols("bars", bar_first, last) if s in want] if "bars" in kinds else []

    tick = daily = audit = None
    n_trades = 0
    if tick_syms:
        from liqcost.measures.daily import daily_metrics
        from liqcost.measures.profile import liquidity_profile

        result = daily_metrics(config, dataset=ds, symbols=tick_syms, start=first, end=last, trades_out=trades_out, progress=progress)
        daily, audit, n_trades = result.daily, result.trades_path, result.n_trades
        if result.failed_symbols:  # their ticks failed on the cluster: no profile from bars alone either
            bar_syms = [s for s in bar_syms if s not in set(result.failed_symbols)]
        tick = liquidity_profile(daily, config, asof=last, complete=False)
    bar = table = None
    if bar_syms:
        bars = ds.collect("bars", bar_syms, bar_first, last)  # damaged files skipped and reported
        if bars.height:
            bar, table = _bar_outputs(bars, config, last, first, bar_table, tick, bar_estimates)

    def peer_profiles():
        others = sorted(known - set(wanted)) if symbols else []
        return build_from_dataset(ds, config, others, None, last, stand_ins=False,
                                  bar_estimates=bar_estimates).profile if others else None

    profile = _complete(_merge(tick, bar), config, daily, peer_profiles, stand_ins)
    if profile is None:
        from liqcost.schema import PROFILE

        profile = pl.DataFrame(schema=PROFILE.polars_schema())
    return ProfileBuild(profile, daily, table, last, audit, n_trades, ds.problems)


def build_from_frames(
    config,
    trades: pl.DataFrame | None = None,
    quotes: pl.DataFrame | None = None,
    bars: pl.DataFrame | None = None,
    symbols=None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    progress=None,
    trades_out=None,
    bar_table: bool = False,
    bar_estimates: str = "all",
    stand_ins: bool = True,
) -> ProfileBuild:
    """Profiles from in-memory canonical frames (trades and/or quotes and/or bars); see
    :func:`build_from_dataset` for the parameters."""
    if trades is None and quotes is None and bars is None:
        raise NoDataError("no trades, quotes or bars given: nothing to build profiles from.")
    given = {"trades": trades, "quotes": quotes, "bars": bars}
    if symbols:
        keep = list(symbols)
        trades = trades.filter(pl.col("symbol").is_in(keep)) if trades is not None else None
        quotes = quotes.filter(pl.col("symbol").is_in(keep)) if quotes is not None else None
        bars = bars.filter(pl.col("symbol").is_in(keep)) if bars is not None else None
    tick = daily = audit = None
    n_trades = 0
    last = end
    if trades is not None or quotes is not None:
        from liqcost.measures.daily import daily_metrics
        from liqcost.measures.profile import liquidity_profile

        kwargs = {k: v for k, v in (("trades", trades), ("quotes", quotes)) if v is not None}
        result = daily_metrics(config, symbols=list(symbols) if symbols else None, start=start, end=end,
                               trades_out=trades_out, progress=progress, **kwargs)
        daily, audit, n_trades = result.daily, result.trades_path, result.n_trades
        tick = liquidity_profile(daily, config, asof=end, complete=False)
        if last is None and daily.height:
            last = daily.get_column("date").max()
    bar = table = None
    if bars is not None and bars.height:
        bar, table = _bar_outputs(bars, config, last, start, bar_table, tick, bar_estimates)

    def peer_profiles():
        if not symbols:
            return None
        names = set()
        for f in given.values():
            if f is not None:
                names |= set(f.get_column("symbol").unique().to_list())
        others = sorted(names - set(symbols))
        if not others:
            return None
        frames = {k: (v.filter(pl.col("symbol").is_in(others)) if v is not None else None) for k, v in given.items()}
        frames = {k: v for k, v in frames.items() if v is not None and v.height}
        return build_from_frames(config, start=start, end=last, stand_ins=False, bar_estimates=bar_estimates,
                                 **frames).profile if frames else None

    profile = _complete(_merge(tick, bar), config, daily, peer_profiles, stand_ins)
    return ProfileBuild(profile, daily, table, last, audit, n_trades)
