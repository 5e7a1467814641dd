"""``liqcost report``: one self-contained HTML report (liquidity, pre-trade, plan, post-trade) with charts.

Thin: parse the options, call :func:`liqcost.app.report`, write the page, render what it holds.
"""

from __future__ import annotations

import click

from liqcost.cli.options import mapping_path


@click.command("report")
@click.option("--data", "dataset", type=click.Path(file_okay=False), required=True, help="Dataset written by `liqcost ingest`.")
@click.option("--symbol", "symbols", multiple=True,
              help="Names of the liquidity section (repeat; default: the names of the orders, plan and fills, else all).")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="A book to price: the pre-trade section (each name's cost curve with the orders marked).")
@click.option("--mapping", callback=mapping_path, default=None, help="Column mapping of the orders file.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), default=None,
              help="A plan written by `liqcost plan ... --table all -o plan.parquet` (.csv, .json): timeline and fill curves.")
@click.option("--fills", "fills_file", type=click.Path(dir_okay=False), default=None,
              help="Fills to review: the post-trade section (realized against predicted cost).")
@click.option("--fill-orders", "fill_orders_file", type=click.Path(dir_okay=False), default=None,
              help="Parent orders of the --fills (intended quantities and windows).")
@click.option("--fills-mapping", callback=mapping_path, default=None, help="Column mapping of the fills file.")
@click.option("--title", default=None, help="Heading of the report.")
@click.option("-o", "--output", "html_out", type=click.Path(dir_okay=False), required=True,
              help="The HTML file to write (one file: charts and styles inline, nothing fetched).")
@click.pass_obj
def report(state, dataset, symbols, orders_file, mapping, plan_file, fills_file, fill_orders_file, fills_mapping, title,
           html_out):
    """One self-contained HTML report with charts: liquidity, and as asked the pre-trade check of a book, a
    plan and the post-trade review of fills.

    The liquidity section (profile table, spread distribution and history, daily volume with zero-volume days,
    intraday volume profile) is always there; --orders adds each name's cost against order size with the
    model band and the orders marked; --plan adds the plan as a timeline against expected volume and the cap,
    with the fill-probability curves of its names; --fills adds the post-trade review with realized against
    predicted cost per order. The file opens offline in any browser (no script, nothing fetched); its header
    gives the data range, the config digest and the liqcost and schema versions. The terminal (or the global
    --format) gets the list of sections. Orders that cannot be priced and fills set aside are said, and the
    report holds the rest (exit code 1).

    \b
    Examples:
      liqcost report --data sample_data/dataset -o liquidity.html
      liqcost report --data sample_data/dataset --orders sample_data/orders.csv -o book.html
      liqcost plan --data sample_data/dataset --symbol THNB --side buy --qty 8000 --table all --format parquet -o plan.parquet
      liqcost report --data sample_data/dataset --plan plan.parquet -o plan.html
      liqcost report --data sample_data/dataset --fills sample_data/fills.csv --fill-orders sample_data/orders.csv -o tca.html
    """
    from liqcost.app import report as run
    from liqcost.app.report import write_report
    from liqcost.cli.output import note
    from liqcost.cli.progress import progress, step
    from liqcost.cli.results import render

    result = run(dataset, symbols=symbols or None, orders=orders_file, plan=plan_file, fills=fills_file,
                 fill_orders=fill_orders_file, config=state.config_path, mapping=mapping, fills_mapping=fills_mapping,
                 title=title, progress=lambda total: progress(state, total, "symbol-days"),
                 step=lambda description: step(state, description))
    with step(state, "writing the HTML report"):
        size = write_report(result.report, html_out)
    note(state, f"wrote the report ({', '.join(result.parts)}: {len(result.report.sections)} sections, "
                f"{len(result.report.charts)} charts, {size / 1024:.0f} kB) to {html_out}")
    render(state, result, result.tables(), title="sections", what="inputs")
