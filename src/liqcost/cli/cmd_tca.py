"""``liqcost tca``: post-trade cost review of fills against the market and the pre-trade model.

Thin: parse the options, call :func:`liqcost.app.tca`, render its result.
"""

from __future__ import annotations

import click

from liqcost.cli.options import engine_options, html_option, mapping_path, scheduler_value

TABLES = ("all", "summary", "orders", "fills", "aggregates", "model", "model_aggregates", "outliers", "not_compared",
          "quarantine", "rejected_orders")


@click.command("tca")
@click.option("--data", "dataset", type=click.Path(file_okay=False), required=True,
              help="Dataset written by `liqcost ingest`: the market data of the fills' days and the history before them.")
@click.option("--fills", "fills_file", type=click.Path(dir_okay=False), default=None,
              help="Fills file (CSV, Parquet or a vendor format: order_id, symbol, side, ts, price, qty [, decision_ts, "
                   "decision_price, limit_price, venue, broker, fee]); default: the dataset's own fills (kind=fills).")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Parent orders (order_id, symbol, side, qty [, start, end]): the intended quantities (the unfilled rest "
                   "is priced as opportunity cost) and windows.")
@click.option("--mapping", callback=mapping_path, default=None,
              help="Column mapping of the fills file: a file, or the name of a shipped one (`liqcost config mappings`).")
@click.option("--orders-mapping", callback=mapping_path, default=None, help="Column mapping of the orders file.")
@click.option("--symbol", "symbols", multiple=True, help="Review only this symbol (repeat for several).")
@click.option("--model/--no-model", default=True, show_default=True,
              help="Compare each order with its pre-trade estimate from the data before its day (z-scores).")
@click.option("--table", type=click.Choice(TABLES), default="all", show_default=True,
              help="Table to output: all (the terminal shows the summary, the orders and what was set aside) or one of them.")
@engine_options("the review's partitions and the history's tick pass")
@html_option("summary, realized against predicted cost, orders, outliers")
@click.pass_obj
def tca(state, dataset, fills_file, orders_file, mapping, orders_mapping, symbols, model, table, workers, scheduler, cluster,
        html):
    """Post-trade cost review: what each order cost against its arrival mid, the benchmarks and the model.

    Per order: the implementation shortfall in bps and currency split into delay, spread, impact,
    opportunity (the unfilled rest) and fees; slippage against interval VWAP, day VWAP, TWAP, open and close;
    markouts after the last fill; realized participation. Per fill: the prevailing mid, the spread paid and
    markouts. Model against realized: each order's pre-trade estimate from the data strictly before its day,
    its risk and z-score, aggregates by symbol, size band, cap band, side, day, broker and venue, outliers.
    Fills that cannot be reviewed (unreadable values, unknown symbol, no market data that day, a price far
    outside the day's range, a side against its order's) are set aside one by one with their file, line and
    reason while the others are reviewed (exit code 1, with the counts). With bars only, the benchmarks bars
    allow (open, close, day VWAP) and a note. Costs are in bps of the arrival mid, positive when they hurt.

    \b
    Examples:
      liqcost tca --data sample_data/dataset --fills sample_data/fills.csv --orders sample_data/orders.csv
      liqcost tca --data sample_data/dataset --format json -o tca.json
      liqcost tca --data sample_data/dataset --html tca.html -q
      liqcost tca --data sample_data/dataset --cluster local:2
    """
    from liqcost.app import tca as run
    from liqcost.cli.options import write_html
    from liqcost.cli.progress import progress
    from liqcost.cli.results import render
    from liqcost.errors import UsageError

    scheduler = scheduler_value(scheduler, cluster)
    model_tables = ("model", "model_aggregates", "outliers", "not_compared")
    if table in model_tables and not model:
        raise UsageError(f"--table {table} needs the model comparison; drop --no-model.")
    result = run(fills_file, orders_file, data=dataset, config=state.config_path, mapping=mapping,
                 orders_mapping=orders_mapping, symbols=symbols or None, model=model,
                 progress=lambda total: progress(state, total, "history symbol-days"), workers=workers,
                 scheduler=scheduler)
    if html:
        from liqcost.app.report import result_report

        write_html(state, result_report(result), html)
    if table == "all":
        tables, display = result.tables(), result.display_tables()
    elif table == "summary":
        tables = display = {"summary": result.summary()}
    else:
        chosen = result.tables()
        if table not in chosen:
            raise UsageError(f"--table {table}: this review has no such table (tables: {', '.join(chosen)}).")
        tables = display = {table: chosen[table]}
    render(state, result, tables, display, failure=result.partial_message() if result.partial else None, what="fills")
