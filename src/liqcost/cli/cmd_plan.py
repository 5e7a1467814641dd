"""``liqcost plan``: slice an order into limit-order tranches.

Thin: parse the options, call :func:`liqcost.app.plan`, render its result.
"""

from __future__ import annotations

import click

from liqcost.cli.options import html_option, mapping_path, parse_date


def _when(ctx, param, value):
    """YYYY-MM-DD (a date) or YYYY-MM-DDTHH:MM (exchange-local time); the zone is added by the app."""
    if value is None:
        return None
    import datetime as dt

    text = value.strip().replace(" ", "T")
    try:
        if "T" in text:
            return dt.datetime.fromisoformat(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (exchange time), got {value!r}") from None


@click.command("plan")
@click.option("--data", "dataset", type=click.Path(file_okay=False), default=None,
              help="Dataset folder written by `liqcost ingest` (ticks for the fill model and the plan-time quote).")
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False), default=None,
              help="Liquidity-profile table (from `liqcost profile --data DATASET --table profile --format parquet -o FILE`) "
                   "instead of building it from --data.")
@click.option("--symbol", default=None, help="Symbol of a single order.")
@click.option("--side", default=None, help="Side of a single order: buy (b, +1) or sell (s, -1, short); any case.")
@click.option("--qty", type=float, default=None, help="Shares of a single order (whole shares).")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Orders file (CSV, Parquet or YAML: order_id, symbol, side, qty [, start, end, max_participation, urgency, limit_price]).")
@click.option("--mapping", callback=mapping_path, default=None,
              help="Column mapping for the orders file: a file, or the name of a shipped one (`liqcost config mappings`).")
@click.option("--schedule", type=click.Choice(["ac", "twap", "vwap", "pov"]), default=None,
              help="Trajectory (planner.schedule).")
@click.option("--urgency", type=click.FloatRange(min=0), default=None,
              help="Almgren-Chriss risk aversion lambda per currency, for --schedule ac (planner.risk_aversion).")
@click.option("--max-participation", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Cap on the share of each interval's and each day's expected volume (planner.max_participation_frac).")
@click.option("--pov-rate", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Participation rate of --schedule pov (planner.pov_rate_frac).")
@click.option("--horizon-days", type=click.IntRange(min=1), default=None, help="Most trading days (planner.horizon_days).")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Spread the order over exactly this many trading days (planner.days).")
@click.option("--start", callback=_when, default=None,
              help="Start: YYYY-MM-DD (its open) or YYYY-MM-DDTHH:MM exchange time (default: the session after the data).")
@click.option("--end", callback=_when, default=None, help="Latest end of a single order, same forms as --start.")
@click.option("--limit-price", "--limit", "limit_price", type=float, default=None,
              help="Hard limit price of a single order (no tranche is priced beyond it).")
@click.option("--rules", default=None,
              help="Limit rules to choose from, comma-separated: join,improve_1,improve_2,improve_3,mid,cross (planner.limit_rules).")
@click.option("--unfilled", type=click.Choice(["carry", "cross_at_end"]), default=None,
              help="Unfilled part of a tranche: carry to later tranches or cross at the window's end (planner.unfilled).")
@click.option("--auctions/--no-auctions", default=None, help="Allow opening/closing auction tranches (planner.auctions).")
@click.option("--asof", callback=parse_date, default=None,
              help="Use data up to this date (YYYY-MM-DD) for the profile, the fill model and the plan-time quote.")
@click.option("--table", type=click.Choice(["both", "plan", "summary", "fill", "all"]), default="both", show_default=True,
              help="Tables to output: the plan, the summary per order, the fill-probability curves, or all of them.")
@click.option("--frontier", is_flag=True, default=False,
              help="Also plan each order over every horizon of pretrade.frontier_days: cost and risk of each, the one "
                   "recommended for the urgency marked (the frontier table).")
@html_option("plan summary, timeline against expected volume and the cap, fill curves, tranches")
@click.pass_obj
def plan(state, dataset, profile_file, symbol, side, qty, orders_file, mapping, schedule, urgency, max_participation,
         pov_rate, horizon_days, days, start, end, limit_price, rules, unfilled, auctions, asof, table, frontier, html):
    """Turn an order into limit-order tranches a trader can follow.

    Each tranche has a window, a size within the participation caps (whole round lots; the last tranche
    takes the odd lot so the plan sums exactly to the order), a limit rule relative to the live quote when
    its window opens (join the near side, improve by k ticks, mid, or cross; never beyond the order's limit)
    with an indicative price for the first window, the fill probability of that rule, and its expected cost
    against its window's mid and against the arrival mid (spread, impact at its participation, fees). The
    limit rule minimises the expected cost including the unfilled remainder, from a fill-probability model
    fitted on the name's own ticks. The summary gives the expected cost with its model band and 90% risk
    band, the expected days and the cost of crossing now; --frontier adds the plans over other horizons
    and the one recommended for the urgency. Orders are read by the same rules as `liqcost pretrade`. With --orders, an order the caps cannot hold gets its
    summary status (with the horizon or cap that would work); an order refused by the rules, or in a name
    without data, is reported on its row and the others are planned (exit code 1: partial). A single order
    that cannot be planned is an error.

    \b
    Examples:
      liqcost profile --data sample_data/dataset --table profile --format parquet -o profile.parquet
      liqcost plan --data sample_data/dataset --profile profile.parquet --symbol THNB --side buy --qty 8000
      liqcost plan --data sample_data/dataset --symbol THND --side sell --qty 4000 --schedule ac --urgency 1e-4
      liqcost plan --data sample_data/dataset --orders configs/orders_example.csv --format csv -o plan.csv
      liqcost plan --data sample_data/dataset --symbol THNA --side buy --qty 12000 --table all --format json
      liqcost plan --data sample_data/dataset --symbol THNB --side buy --qty 8000 --html plan.html
      liqcost plan --data sample_data/dataset --symbol THNB --side buy --qty 8000 --frontier --urgency 1e-4
    """
    from liqcost.app import plan as run
    from liqcost.cli.output import note
    from liqcost.cli.results import render

    rule_list = tuple(r.strip() for r in rules.split(",") if r.strip()) if rules else None
    result = run(orders_file, data=dataset, profile=profile_file, config=state.config_path, symbol=symbol, side=side,
                 qty=qty, start=start, end=end, limit_price=limit_price, asof=asof, mapping=mapping, schedule=schedule,
                 urgency=urgency, max_participation=max_participation, pov_rate=pov_rate, horizon_days=horizon_days,
                 days=days, unfilled=unfilled, auctions=auctions, rules=rule_list, frontier=frontier)
    if state.format == "table" and not state.output:
        note(state, result.summary_text())
    notes = list(result.notes)
    if table in ("fill", "all") and not result.fill_models:
        notes.append("no fill-probability model was fitted (no ticks): the fill table is empty.")
    if html:
        from liqcost.app.report import result_report
        from liqcost.cli.options import write_html

        write_html(state, result_report(result, state.config_path), html)
    render(state, result, result.tables(table), result.display_tables(table), title=table, notes=notes)
    summary = result.order_summary
    if orders_file is not None and summary is not None and summary.height and not (summary["status"] == "planned").any():
        from liqcost.errors import OrderError

        raise OrderError(f"{orders_file}: none of the {summary.height} orders could be planned (each summary row's status "
                         "says why and what would work: a longer horizon or a higher participation cap).")
