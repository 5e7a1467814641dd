"""``liqcost profile``: daily liquidity metrics and the per-symbol liquidity profile.

Thin: parse the options, call :func:`liqcost.app.profile`, render its result.
"""

from __future__ import annotations

import click

from liqcost.cli.options import html_option, parse_date


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
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run the tick measures of --data on this Dask scheduler (engine.scheduler; needs "
                   "liqcost[dask]; the dataset must be at the same path on every worker).")
@click.option("--cluster", default=None, metavar="local:N",
              help="Start N local Dask worker processes for this run (engine.scheduler = local:N).")
@html_option("profile table, spreads, daily and intraday volume")
@click.pass_obj
def profile(state, dataset, trades_file, quotes_file, bars_file, symbols, start, end, quote_lag, quote_match, signing,
            lookback, table, trades_out, workers, scheduler, cluster, html):
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
      liqcost profile --data sample_data/dataset --symbol THNA --table profile --format json
      liqcost profile --trades sample_data/raw/trades.csv --quotes sample_data/raw/quotes.csv --quote-lag 1 --signing emo --trades-out audit.parquet
      liqcost profile --bars sample_data/raw/bars.csv --table all
      liqcost profile --data sample_data/dataset --start 2025-03-03 --end 2025-03-28 --format csv -o out.csv
      liqcost profile --data sample_data/dataset --table profile --html liquidity.html
      liqcost profile --data sample_data/dataset --cluster local:2
    """
    from liqcost.app import profile as run
    from liqcost.errors import UsageError

    if scheduler and cluster:
        raise UsageError("give --scheduler (an existing Dask cluster) or --cluster local:N (a new one), not both.")
    if cluster is not None and not cluster.strip().startswith("local:"):
        raise UsageError(f"--cluster {cluster}: expected local:N (N local worker processes); for an existing "
                         "cluster use --scheduler tcp://HOST:PORT.")
    if (scheduler or cluster) and dataset is None:
        raise UsageError("--scheduler and --cluster run the measures of a dataset (--data), whose files the workers "
                         "read themselves; ingest the files first (`liqcost ingest ... -o DATASET`).")
    if scheduler is not None and scheduler.strip().startswith("local:"):
        raise UsageError(f"--scheduler {scheduler}: expected tcp://HOST:PORT; for local worker processes use "
                         f"--cluster {scheduler}.")
    from liqcost.cli.progress import progress
    from liqcost.cli.results import render

    result = run(dataset, trades=trades_file, quotes=quotes_file, bars=bars_file, config=state.config_path,
                 symbols=symbols, start=start, end=end, tables=table, trades_out=trades_out,
                 progress=lambda total: progress(state, total, "symbol-days"), quote_lag_s=quote_lag,
                 quote_match=quote_match, signing=signing, lookback_days=lookback, workers=workers,
                 scheduler=scheduler or cluster)
    if html:
        from liqcost.app.report import result_report
        from liqcost.cli.options import write_html

        write_html(state, result_report(result, state.config_path), html)
    notes = list(result.notes) + (result.display_notes() if state.format == "table" else [])
    render(state, result, result.tables(), result.display_tables(), title=table, notes=notes, what="inputs")
