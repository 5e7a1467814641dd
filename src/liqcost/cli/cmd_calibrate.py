"""``liqcost calibrate``: fit the impact models' parameters to your own fills and write a parameter file.

Thin: parse the options, call :func:`liqcost.app.calibrate`, render its result.
"""

from __future__ import annotations

import click

from liqcost.cli.options import mapping_path

TABLES = ("all", "parameters", "buckets", "out_of_sample", "excluded", "observations", "quarantine", "rejected_orders")
MODELS = ("sqrt", "power", "istar", "almgren2005", "crossover", "log")


@click.command("calibrate")
@click.option("--data", "dataset", type=click.Path(file_okay=False), required=True,
              help="Dataset written by `liqcost ingest`: the market data of the fills' days and the history before them.")
@click.option("--fills", "fills_file", type=click.Path(dir_okay=False), default=None,
              help="Fills file (as for `liqcost tca`); default: the dataset's own fills (kind=fills).")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Parent orders of the fills (intended quantities and windows).")
@click.option("--mapping", callback=mapping_path, default=None,
              help="Column mapping of the fills file: a file, or the name of a shipped one (`liqcost config mappings`).")
@click.option("--orders-mapping", callback=mapping_path, default=None, help="Column mapping of the orders file.")
@click.option("--symbol", "symbols", multiple=True, help="Fit on this symbol's orders only (repeat for several).")
@click.option("--model", "models", multiple=True, type=click.Choice(MODELS),
              help="Model to fit (repeat; calibration.models).")
@click.option("--target", type=click.Choice(["impact", "cost"]), default=None,
              help="Fit the impact (cost less the spread paid) or the whole cost (calibration.target).")
@click.option("-o", "--output", "params_out", type=click.Path(dir_okay=False), default=None,
              help="Write the parameter file (YAML) here, for `liqcost pretrade --params FILE` and impact.params_file.")
@click.option("--table", type=click.Choice(TABLES), default="all", show_default=True,
              help="Table to output: all (the terminal shows the parameters, buckets and out-of-sample check) or one.")
@click.pass_obj
def calibrate(state, dataset, fills_file, orders_file, mapping, orders_mapping, symbols, models, target, params_out, table):
    """Fit the impact models to what your fills cost, and write a parameter file pretrade and plan read.

    The fills are reviewed as `liqcost tca` does (bad rows set aside with their reason; exit code 1 with the
    counts, after the fit on the others), each order priced on the profile of the days before it (no
    look-ahead), and the models fitted to the orders with scipy's least_squares (bounds, robust loss, errors
    scaled by each order's own timing risk): every parameter with its standard error, the fit's R^2, RMSE and
    convergence, Y by size bucket, and an out-of-sample check (fitted on the first dates, scored on the
    rest). Too few or too narrow data are said plainly (an error below calibration.min_orders, a warning for
    an exponent the sizes do not identify). -o FILE writes the parameters; the tables go to stdout in the
    global --format (or to the global -o given before the command).

    \b
    Examples:
      liqcost calibrate --data tca_sample/dataset -o params.yaml
      liqcost pretrade --data tca_sample/dataset --symbol THNB --side buy --qty 5000 --params params.yaml
      liqcost calibrate --data tca_sample/dataset --model sqrt --table out_of_sample --format csv
      liqcost calibrate --data sample_data/dataset --fills sample_data/fills.csv  # fails: calibration needs at least 10 usable orders
    """
    from liqcost.app import calibrate as run
    from liqcost.cli.progress import progress
    from liqcost.cli.results import render
    from liqcost.errors import UsageError

    result = run(fills_file, orders_file, data=dataset, config=state.config_path, mapping=mapping,
                 orders_mapping=orders_mapping, symbols=symbols or None, output=params_out, models=models or None,
                 target=target, progress=lambda total: progress(state, total, "history symbol-days"))
    if table == "all":
        tables, display = result.tables(), result.display_tables()
    else:
        chosen = result.tables()
        if table not in chosen:
            raise UsageError(f"--table {table}: this calibration has no such table (tables: {', '.join(chosen)}).")
        tables = display = {table: chosen[table]}
    render(state, result, tables, display, failure=result.partial_message() if result.partial else None, what="fills")
