"""``liqcost pretrade``: cost band, days to complete, liquidity bucket and flags for one order or a book.

Thin: parse the options, call :func:`liqcost.app.pretrade`, render its result.
"""

from __future__ import annotations

import click

from liqcost.cli.options import html_option, mapping_path, parse_date


@click.command("pretrade")
@click.option("--data", "data", type=click.Path(file_okay=False), default=None, help="Dataset written by `liqcost ingest`.")
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False), default=None,
              help="Precomputed profile table (from `liqcost --format parquet -o prof.parquet profile ...`).")
@click.option("--symbol", default=None, help="Symbol of a single order (or of the --curve).")
@click.option("--side", default=None, help="Side of the single order: buy (b, +1) or sell (s, -1, short); any case.")
@click.option("--qty", type=float, default=None, help="Order size in whole shares.")
@click.option("--notional", type=float, default=None, help="Order size in currency (converted at the last price, rounded down).")
@click.option("--limit-price", "--limit", "limit_price", type=float, default=None,
              help="Limit price of the single order (flags a limit tighter than the cost).")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Orders file (CSV, Parquet or YAML; columns symbol, side, qty [, order_id, start, end, max_participation, limit_price]).")
@click.option("--mapping", callback=mapping_path, default=None,
              help="Column mapping for the orders file: a file, or the name of a shipped one (`liqcost config mappings`).")
@click.option("--curve", is_flag=True, default=False, help="Cost and days against order size (0.1%-200% of ADV) for --symbol.")
@click.option("--cap", type=click.FloatRange(min=0, min_open=True, max=1), default=None,
              help="Participation cap, fraction of each day's volume (pretrade.participation_cap_frac).")
@click.option("--model", "models", multiple=True, help="Impact model to compute (repeat; impact.models).")
@click.option("--central", default=None, help="Central model of the band, or 'median' (impact.central).")
@click.option("--y", "sqrt_y", type=click.FloatRange(min=0, min_open=True), default=None, help="Square-root law Y (impact.sqrt_y).")
@click.option("--params", "params_file", type=click.Path(dir_okay=False), default=None, help="Impact parameter file (impact.params_file).")
@click.option("--asof", callback=parse_date, default=None, help="As-of date YYYY-MM-DD: end of the lookback and reference for staleness.")
@click.option("--detail", is_flag=True, default=False, help="Also output each model's cost parts for an orders file.")
@click.option("--frontier", is_flag=True, default=False,
              help="Also output the cost-risk frontier: cost and risk at each of pretrade.frontier_days, the recommended point marked.")
@click.option("--urgency", type=click.FloatRange(min=0), default=None,
              help="Risk aversion per currency for the recommended horizon, orders without their own (planner.risk_aversion).")
@html_option("the orders, each name's cost against order size with the orders marked, flags")
@click.pass_obj
def pretrade(state, data, profile_file, symbol, side, qty, notional, limit_price, orders_file, mapping, curve, cap, models,
             central, sqrt_y, params_file, asof, detail, frontier, urgency, html):
    """Pre-trade check: what an order will cost (expected cost with its model band and risk band, fees
    included, bps and currency), what finishing faster costs (the cost-risk frontier and crossing now),
    how many days it needs at the participation cap, its liquidity bucket, and flags; for an orders file
    also a portfolio summary (cost to liquidate part of the book, the least liquid names).

    \b
    Examples:
      liqcost pretrade --data sample_data/dataset --symbol THNA --side buy --qty 80000
      liqcost pretrade --data sample_data/dataset --symbol THND --side sell --notional 25000
      liqcost pretrade --data sample_data/dataset --orders sample_data/orders.csv
      liqcost profile --data sample_data/dataset --table profile --format parquet -o prof.parquet
      liqcost pretrade --profile prof.parquet --orders configs/orders_example.yaml --format csv -o book.csv
      liqcost pretrade --data sample_data/dataset --symbol THNE --curve
      liqcost pretrade --data sample_data/dataset --symbol THNB --side buy --qty 8000 --frontier --urgency 1e-4
      liqcost pretrade --data sample_data/dataset --orders sample_data/orders.csv --html book.html
    """
    from liqcost.app import pretrade as run
    from liqcost.cli.results import render

    result = run(orders_file, data=data, profile=profile_file, config=state.config_path, symbol=symbol, side=side, qty=qty,
                 notional=notional, limit_price=limit_price, curve=curve, detail=detail, frontier=frontier, asof=asof,
                 mapping=mapping, cap=cap, models=models or None, central=central, sqrt_y=sqrt_y, params_file=params_file,
                 urgency=urgency)
    if html:
        from liqcost.app.report import result_report
        from liqcost.cli.options import write_html

        config = state.config({"impact.params_file": params_file} if params_file else None)
        write_html(state, result_report(result, config, data=data, profile=profile_file, asof=asof), html)
    if curve:
        render(state, result, result.tables(), title=result.heading())
        return
    render(state, result, result.tables(), result.display_tables())
