"""``liqcost simulate``: replay plans on the recorded ticks over many start days, and compare variants.

Thin: parse the options, call :func:`liqcost.app.simulate`, render its result.
"""

from __future__ import annotations

import click

from liqcost.cli.options import engine_options, parse_date, scheduler_value

TABLES = ("comparison", "cost_risk", "distribution", "orders", "tranches", "fills", "all")


@click.command("simulate")
@click.option("--data", "dataset", type=click.Path(file_okay=False), required=True,
              help="Dataset folder written by `liqcost ingest` (trades and quotes to replay on).")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), default=None,
              help="Plan written by `liqcost plan` (-o plan.csv|.json|.parquet; its summary beside it gives the predicted cost).")
@click.option("--compare", "compare_files", type=click.Path(dir_okay=False), multiple=True,
              help="Another plan file to compare with --plan (repeat).")
@click.option("--symbol", default=None, help="Symbol of a single order to plan on each start day.")
@click.option("--side", default=None, help="Side of the single order: buy (b, +1) or sell (s, -1, short); any case.")
@click.option("--qty", type=float, default=None, help="Shares of the single order (whole shares).")
@click.option("--limit-price", "--limit", "limit_price", type=float, default=None,
              help="Hard limit price of the single order (never bought above / sold below).")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Orders file to plan on each start day (CSV, Parquet or YAML: order_id, symbol, side, qty [, max_participation, urgency, limit_price]).")
@click.option("--mapping", type=click.Path(dir_okay=False), default=None, help="Column mapping for the orders file.")
@click.option("--start", callback=parse_date, default=None,
              help="First start day YYYY-MM-DD (default: the data's first day; for orders after simulate.history_days days).")
@click.option("--end", callback=parse_date, default=None,
              help="Last start day YYYY-MM-DD (default: the last day on which the plan fits before the data end).")
@click.option("--variants", "variants", multiple=True,
              help="Variants to compare: participation=0.05,0.1,0.2 | pricing=passive,mid,aggressive | horizon=1,3,5 "
                   "(orders only) | a YAML file of variants; repeat to combine.")
@click.option("--max-participation", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Orders: cap on each window's and each day's expected volume (planner.max_participation_frac).")
@click.option("--horizon-days", type=click.IntRange(min=1), default=None, help="Orders: most trading days (planner.horizon_days).")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Orders: spread each order over exactly this many trading days (planner.days).")
@click.option("--schedule", type=click.Choice(["ac", "twap", "vwap", "pov"]), default=None,
              help="Orders: trajectory (planner.schedule).")
@click.option("--urgency", type=click.FloatRange(min=0), default=None,
              help="Orders: Almgren-Chriss risk aversion per currency, for --schedule ac (planner.risk_aversion).")
@click.option("--rules", default=None,
              help="Orders: limit rules to choose from, comma-separated: join,improve_1,improve_2,improve_3,mid,cross (planner.limit_rules).")
@click.option("--unfilled", type=click.Choice(["carry", "cross_at_end"]), default=None,
              help="Orders: unfilled part of a tranche: carry to later tranches or cross at the window's end (planner.unfilled).")
@click.option("--impact/--no-impact", "impact", default=None,
              help="Shift the replayed prices by the impact of our own fills (simulate.own_impact; on by default).")
@click.option("--params", "params_file", type=click.Path(dir_okay=False), default=None,
              help="Impact parameter file for the own impact and the planner (impact.params_file).")
@click.option("--queue-model", type=click.Choice(["trade_through", "queue", "prob"]), default=None,
              help="Fills of resting orders (simulate.queue_model).")
@click.option("--table", type=click.Choice(TABLES), default="all", show_default=True,
              help="Tables to write (csv/json/parquet); the terminal shows the comparison.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), default=None,
              help="Also write the report's replay section (comparison chart and tables) to this HTML file.")
@engine_options("the replay (a task per symbol, chunk of start days and variant) and the history's tick pass")
@click.pass_obj
def simulate(state, dataset, plan_file, compare_files, symbol, side, qty, limit_price, orders_file, mapping, start, end,
             variants, max_participation, horizon_days, days, schedule, urgency, rules, unfilled, impact, params_file,
             queue_model, table, html_file, workers, scheduler, cluster):
    """Replay plans on the recorded trades and quotes, start day after start day: what a plan would have
    cost (implementation shortfall vs arrival, fill rate, time to complete, participation, spread and own
    impact), its distribution over the start days beside the plan's predicted cost, and a comparison of plan
    variants.

    A plan file from `liqcost plan` is moved to each start day keeping its windows' times of day; an order
    (--symbol/--side/--qty or --orders) is planned afresh for each start day from the data strictly before
    it. Own impact is on unless --no-impact. Tables: comparison (per variant), cost_risk, distribution (per
    variant and order), orders and tranches (per run), fills (the fills contract: `liqcost tca` reads them).

    \b
    Examples:
      liqcost simulate --data sample_data/dataset --symbol THNB --side buy --qty 3000
      liqcost simulate --data sample_data/dataset --symbol THNB --side buy --qty 3000 --variants pricing=passive,mid,aggressive --start 2025-03-10 --end 2025-03-14
      liqcost --format csv -o plan.csv plan --data sample_data/dataset --symbol THNB --side buy --qty 3000
      liqcost --format json -o sim.json simulate --data sample_data/dataset --plan plan.csv --variants participation=0.05,0.2
      liqcost simulate --data sample_data/dataset --plan plan.csv --no-impact --html replay.html
    """
    from liqcost.app import simulate as run
    from liqcost.cli.output import note
    from liqcost.cli.progress import progress
    from liqcost.cli.results import render

    scheduler = scheduler_value(scheduler, cluster)
    rule_list = tuple(r.strip() for r in rules.split(",") if r.strip()) if rules else None
    result = run(plan_file, data=dataset, compare=compare_files, orders=orders_file, symbol=symbol, side=side, qty=qty,
                 limit_price=limit_price, start=start, end=end, variants=list(variants) or None, config=state.config_path,
                 mapping=mapping, impact=impact, params_file=params_file, queue_model=queue_model, html=html_file,
                 progress=lambda total: progress(state, total, "start days"), max_participation=max_participation,
                 horizon_days=horizon_days, days=days, schedule=schedule, urgency=urgency, rules=rule_list,
                 unfilled=unfilled, workers=workers, scheduler=scheduler)
    if state.format == "table" and not state.output:
        note(state, result.summary_text())
    render(state, result, result.tables(table), result.display_tables(table), title="comparison" if table == "all" else table)
