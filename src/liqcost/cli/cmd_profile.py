"""``liqcost profile``: daily liquidity metrics and the per-symbol liquidity profile."""

from __future__ import annotations

import click

from liqcost.cli.options import parse_date


@click.command("profile")
@click.option("--data", "dataset", type=click.Path(file_okay=False), default=None,
              help="Dataset folder written by `liqcost ingest`.")
@click.option("--trades", "trades_file", type=click.Path(dir_okay=False), default=None,
              help="Trades file (CSV or Parquet in the canonical columns) instead of --data.")
@click.option("--quotes", "quotes_file", type=click.Path(dir_okay=False), default=None,
              help="Quotes file (CSV or Parquet in the canonical columns), with --trades.")
@click.option("--bars", "bars_file", type=click.Path(dir_okay=False), default=None,
              help="Bars file (OHLCV, CSV or Parquet): a profile from bars alone, or merged with --trades/--quotes.")
@click.option("--symbol", "symbols", multiple=True, help="Only this symbol (repeat for several).")
@click.option("--start", callback=parse_date, default=None, help="First exchange-local date, YYYY-MM-DD.")
@click.option("--end", callback=parse_date, default=None, help="Last exchange-local date, YYYY-MM-DD (the profile's as-of).")
@click.option("--quote-lag", "quote_lag", type=float, default=None,
              help="Match trades with the quote in force this many seconds earlier (measures.quote_lag_s).")
@click.option("--quote-match", type=click.Choice(["strictly_before", "at_or_before"]), default=None,
              help="Prevailing quote: strictly before the trade or at/before it (measures.quote_match).")
@click.option("--signing", type=click.Choice(["lee_ready", "emo", "clnv", "tick", "quote"]), default=None,
              help="Trade-signing rule when the feed has no aggressor flag (measures.signing).")
@click.option("--lookback", type=click.IntRange(min=1), default=None,
              help="Trading days in the profile window (measures.lookback_days).")
@click.option("--table", type=click.Choice(["both", "daily", "bars", "profile", "all"]), default="both", show_default=True,
              help="Which table(s) to output: both = daily (ticks, else bars) and profile; all adds the bar estimates.")
@click.option("--trades-out", type=click.Path(dir_okay=False), default=None,
              help="Also write the per-trade audit table (.parquet or .csv): quote, sign and rule, spreads, markouts.")
@click.option("--workers", type=click.IntRange(min=0), default=None, help="Threads (engine.workers; 0 = one per core).")
@click.pass_obj
def profile(state, dataset, trades_file, quotes_file, bars_file, symbols, start, end, quote_lag, quote_match, signing,
            lookback, table, trades_out, workers):
    """Daily liquidity metrics per symbol-day and the liquidity profile per symbol.

    From a dataset (--data) or from trade and quote files (--trades/--quotes), for all or the selected
    symbols and dates: spreads (quoted, effective, realized), price impact and markouts at clock and
    trade-count horizons, volume and its intraday profile, volatility, Kyle's lambda, Amihud, trade
    sizes, idle time and zero-volume days; then the profile over the last --lookback trading days
    (ADV, median daily volume, spread, volatility, impact slope, volume profile) that pre-trade and the
    planner read. Spreads and impacts are in bps of the trade-time midpoint.

    Names with bars only (a dataset's kind=bars, or --bars FILE) get the bar estimators instead (Roll,
    Corwin-Schultz, Abdi-Ranaldo, EDGE, zero returns, range volatilities, Amihud); names with both get
    the tick profile plus the bar estimates (source ticks+bars).

    \b
    Examples:
      liqcost profile --data sample_data/dataset
      liqcost --format json profile --data ds --symbol THNA --table profile
      liqcost profile --trades t.parquet --quotes q.parquet --quote-lag 1 --signing emo --trades-out audit.parquet
      liqcost profile --bars daily_bars.csv --table all
      liqcost --format csv -o out.csv profile --data ds --start 2025-03-03 --end 2025-03-28
    """
    from liqcost.cli.output import emit, note
    from liqcost.errors import UsageError

    files = trades_file or quotes_file or bars_file
    if dataset and files:
        raise UsageError("give either --data DATASET or --trades/--quotes/--bars files, not both.")
    if not dataset and not files:
        raise UsageError("say where the data are: --data DATASET, or --trades FILE and --quotes FILE, or --bars FILE.")
    if start and end and end < start:
        raise UsageError(f"--end {end} is before --start {start}.")
    overrides = {
        "measures.quote_lag_s": quote_lag,
        "measures.quote_match": quote_match,
        "measures.signing": signing,
        "measures.lookback_days": lookback,
        "engine.workers": workers,
    }
    config = state.config(overrides)

    from liqcost.cli.progress import progress
    from liqcost.measures.build import build_from_dataset, build_from_frames

    sym_list = list(symbols) or None
    want_bars = table in ("bars", "all")
    if dataset:
        from liqcost.io.dataset import Dataset
        from liqcost.measures.daily import plan_dataset

        ds = Dataset(dataset)
        total = len(plan_dataset(ds, sym_list, start, end)) if "trades" in ds.kinds() else 0
        with progress(state, total, "symbol-days") as advance:
            built = build_from_dataset(ds, config, sym_list, start, end, progress=advance, trades_out=trades_out,
                                       bar_table=want_bars or "trades" not in ds.kinds())
    else:
        from liqcost.io.ingest import load_table

        frames = {}
        for kind, path in (("trades", trades_file), ("quotes", quotes_file), ("bars", bars_file)):
            if path is None:
                continue
            clean, quarantine = load_table(path, kind, config)
            if quarantine.height:
                counts = quarantine.get_column("reason").value_counts(sort=True).rows()
                why = ", ".join(f"{n} {reason}" for reason, n in counts)
                note(state, f"{path}: {quarantine.height} row(s) set aside by validation ({why}); run "
                            f"`liqcost ingest` to keep them in a quarantine file with their source rows.")
            frames[kind] = clean.drop("row")
        if (trades_file or quotes_file) and not (trades_file and quotes_file):
            missing = "quotes" if trades_file else "trades"
            note(state, f"no --{missing} file: measures that need {missing} are NaN.")
        built = build_from_frames(config, symbols=sym_list, start=start, end=end, trades_out=trades_out,
                                  bar_table=want_bars or not (trades_file or quotes_file), **frames)
    if built.trades_path:
        note(state, f"wrote the per-trade audit table ({built.n_trades} trades) to {built.trades_path}")
    tables = {}
    daily = built.daily if built.daily is not None else built.bars
    if table in ("both", "daily", "all") and daily is not None:
        tables["daily"] = daily
    if table in ("bars", "all") and built.bars is not None:
        tables["bars"] = built.bars
    if table in ("both", "profile", "all"):
        tables["profile"] = built.profile
    if not tables:
        raise UsageError(f"--table {table}: these data have no such table (bars are needed for the bar estimates).")
    if state.format == "table":  # a terminal cannot show ~90 columns: the key ones, the rest in csv/json/parquet
        first_h = "5s" if "price_impact_5s_bps" in daily.columns else None
        keep = {
            "daily": ["symbol", "date", "n_trades", "volume_shares", "vwap_px", "close_px", "quoted_spread_bps",
                      "effective_spread_bps"]
            + ([f"realized_spread_{first_h}_bps", f"price_impact_{first_h}_bps"] if first_h else [])
            + ["volatility_daily_frac", "kyle_lambda_bps_per_share"],
            "profile": ["symbol", "asof_date", "source", "lookback_days", "price_px", "adv_shares", "mdv_shares",
                        "zero_volume_days", "spread_bps", "quoted_spread_bps", "edge_spread_bps", "volatility_daily_frac",
                        "kyle_lambda_bps_per_pct_adv", "trades_per_day", "trade_size_median_shares"],
            "bars": ["symbol", "date", "close", "volume", "edge_spread_bps", "ar_spread_bps", "roll_spread_bps",
                     "cs_spread_bps", "zero_return_frac", "volatility_cc_frac", "amihud_bps_per_musd"],
        }
        if built.daily is None and "daily" in tables:  # bars only: the daily table is the bar estimates
            keep["daily"] = keep["bars"]
        for name, frame in list(tables.items()):
            cols = [c for c in keep[name] if c in frame.columns]
            hidden = frame.width - len(cols)
            tables[name] = frame.select(cols)
            if hidden:
                note(state, f"{name}: {hidden} more columns with --format csv, json or parquet (see docs/measures.md).")
    emit(state, tables if len(tables) > 1 else next(iter(tables.values())), title=table if len(tables) == 1 else None)
