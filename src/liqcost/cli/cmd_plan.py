"""``liqcost plan``: slice an order into limit-order tranches."""

from __future__ import annotations

import click

from liqcost.cli.options import parse_date


def _when(ctx, param, value):
    """YYYY-MM-DD (a date) or YYYY-MM-DDTHH:MM (exchange-local time); parsed later with the session's zone."""
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


_TABLE_COLUMNS = ["order_id", "tranche", "day", "window", "qty_shares", "limit_rule", "limit_price_px",
                  "expected_cost_bps", "fill_prob_frac", "expected_fill_frac", "participation_frac",
                  "expected_participation_frac"]  # a narrow terminal leaves out columns from the right
_SUMMARY_TABLE = ["order_id", "symbol", "side", "qty_shares", "pct_of_daily_volume_frac", "schedule", "n_tranches",
                  "expected_days", "expected_cost_bps", "cost_p05_bps", "cost_p95_bps", "risk_bps", "impact_bps",
                  "spread_cost_bps", "cross_now_cost_bps", "expected_cross_at_end_shares", "status"]


@click.command("plan")
@click.option("--data", "dataset", type=click.Path(file_okay=False), default=None,
              help="Dataset folder written by `liqcost ingest` (ticks for the fill model and the plan-time quote).")
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False), default=None,
              help="Liquidity-profile table (from `liqcost profile --table profile -o FILE`) instead of building it from --data.")
@click.option("--symbol", default=None, help="Symbol of a single order.")
@click.option("--side", type=click.Choice(["buy", "sell"]), default=None, help="Side of a single order.")
@click.option("--qty", type=click.FloatRange(min=0, min_open=True), default=None, help="Shares of a single order.")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Orders file (CSV, Parquet or YAML: order_id, symbol, side, qty [, start, end, max_participation, urgency, limit_price]).")
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
@click.option("--limit-price", type=click.FloatRange(min=0, min_open=True), default=None,
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
@click.pass_obj
def plan(state, dataset, profile_file, symbol, side, qty, orders_file, schedule, urgency, max_participation, pov_rate,
         horizon_days, days, start, end, limit_price, rules, unfilled, auctions, asof, table):
    """Turn an order into limit-order tranches a trader can follow.

    Each tranche has a window, a size within the participation caps (whole round lots; the last tranche
    takes the odd lot so the plan sums exactly to the order), a limit rule and its price at plan time
    (join the near side, improve by k ticks, mid, or cross), its expected fill probability and
    participation, and its expected cost in bps of the arrival mid. The limit rule minimises the expected
    cost including the unfilled remainder, from a fill-probability model fitted on the name's own ticks.
    The summary gives the expected total cost with a 90% band, the expected days and the risk. With
    --orders, an order that cannot be planned is reported (summary status and a note) and the others are
    planned; a single order that cannot be planned is an error.

    \b
    Examples:
      liqcost plan --data sample_data/dataset --profile profile.parquet --symbol THNB --side buy --qty 8000
      liqcost plan --data ds --symbol THND --side sell --qty 4000 --schedule ac --urgency 1e-4
      liqcost --format csv -o plan.csv plan --data ds --orders orders.csv --max-participation 0.05
      liqcost --format json plan --data ds --symbol THNA --side buy --qty 12000 --table all
    """
    import datetime as dt
    from zoneinfo import ZoneInfo

    import polars as pl

    from liqcost.cli.output import emit, note
    from liqcost.errors import UsageError

    single = any(v is not None for v in (symbol, side, qty))
    if single and orders_file:
        raise UsageError("give either one order (--symbol, --side, --qty) or --orders FILE, not both.")
    if not single and not orders_file:
        raise UsageError("say what to plan: --symbol S --side buy|sell --qty N, or --orders FILE.")
    if single and (symbol is None or side is None or qty is None):
        missing = [n for n, v in (("--symbol", symbol), ("--side", side), ("--qty", qty)) if v is None]
        raise UsageError(f"a single order needs --symbol, --side and --qty; missing {', '.join(missing)}.")
    if not dataset and not profile_file:
        raise UsageError("say where the data are: --data DATASET (ticks), and/or --profile FILE (a liquidity profile).")
    if orders_file and (end is not None or limit_price is not None):
        raise UsageError("--end and --limit-price apply to a single order; put end and limit_price columns in the orders file.")
    rule_list = None
    if rules:
        rule_list = [r.strip() for r in rules.split(",") if r.strip()]
    overrides = {
        "planner.schedule": schedule,
        "planner.risk_aversion": urgency,
        "planner.max_participation_frac": max_participation,
        "planner.max_daily_participation_frac": max_participation,
        "planner.pov_rate_frac": pov_rate,
        "planner.horizon_days": horizon_days,
        "planner.days": days,
        "planner.unfilled": unfilled,
        "planner.auctions": auctions,
        "planner.limit_rules": rule_list,
    }
    if days is not None and horizon_days is None:
        overrides["planner.horizon_days"] = max(days, state.config().planner.horizon_days)
    config = state.config(overrides)
    tz = ZoneInfo(config.session.timezone)

    def aware(value):
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=tz) if value.tzinfo is None else value
        return value

    start, end = aware(start), aware(end)
    notes: list[str] = []

    # ---- orders
    if single:
        order = {"order_id": f"{symbol}-{side}", "symbol": symbol, "side": 1 if side == "buy" else -1, "qty": qty}
        if isinstance(start, dt.datetime):
            order["start"] = start
        if end is not None:
            if isinstance(end, dt.date) and not isinstance(end, dt.datetime):
                from liqcost.models.fill_prob import session_bounds_ns

                order["end"] = int(session_bounds_ns([end], config.session)[1][0])
            else:
                order["end"] = end
        if limit_price is not None:
            order["limit_price"] = limit_price
        orders_list = [order]
    else:
        from liqcost.io.ingest import load_table

        clean, quarantine = load_table(orders_file, "orders", config)
        if quarantine.height:
            reasons = "; ".join(f"row {r['row']}: {r['reason']}" for r in quarantine.head(5).iter_rows(named=True)
                                if "row" in r and "reason" in r)
            notes.append(f"{orders_file}: {quarantine.height} order row(s) set aside ({reasons}).")
        if clean.height == 0:
            from liqcost.errors import EmptyDataError

            raise EmptyDataError(f"{orders_file}: no valid order to plan.")
        orders_list = clean.to_dicts()
    symbols = list(dict.fromkeys(o["symbol"] for o in orders_list))

    # ---- profile, fill models, plan-time quotes
    ds = None
    if dataset:
        from liqcost.io.dataset import Dataset

        ds = Dataset(dataset)
    if profile_file:
        from liqcost.planner.inputs import read_profile

        profile = read_profile(profile_file)
    else:
        from liqcost.planner.inputs import profile_from_dataset

        wanted = symbols
        if not single:  # an orders file: names without data are reported per order, the others planned
            known = set().union(*(ds.symbols(k) for k in ("trades", "bars") if k in ds.kinds()))
            wanted = [s for s in symbols if s in known] or symbols
        profile = profile_from_dataset(ds, wanted, config, asof)
    models, quotes = {}, {}
    if ds is not None:
        from liqcost.planner.inputs import fill_models_from_dataset, reference_quotes

        passive = [r for r in config.planner.limit_rules if r != "cross"]
        if passive:
            models = fill_models_from_dataset(ds, [s for s in symbols if s in set(profile["symbol"].to_list())], config, asof, notes)
        quotes = reference_quotes(ds, symbols, asof)

    from liqcost.planner.plan import plan as make_plan

    result = make_plan(orders_list, profile, models, config, start=start, quotes=quotes,
                       errors="raise" if single else "report")
    for n in list(notes) + list(result.notes):
        note(state, f"note: {n}")
    if state.format == "table" and not state.output:
        note(state, result.summary_text())

    tables = {}
    if table in ("both", "plan", "all"):
        tables["plan"] = result.tranches
    if table in ("both", "summary", "all"):
        tables["summary"] = result.summary
    if table in ("fill", "all"):
        fills = [m.table() for m in result.fill_models.values()]
        if not fills:
            note(state, "note: no fill-probability model was fitted (no ticks): the fill table is empty.")
        tables["fill"] = pl.concat(fills, how="diagonal_relaxed") if fills else pl.DataFrame({"symbol": []}, schema={"symbol": pl.String})
    if state.format == "table":
        tables = _for_terminal(tables, pl)
    emit(state, tables if len(tables) > 1 else next(iter(tables.values())), title=table if len(tables) == 1 else None)


def _for_terminal(tables: dict, pl) -> dict:
    """Key columns, windows as local HH:MM, rounded numbers; every column stays in csv/json/parquet."""
    out = {}
    for name, frame in tables.items():
        if name == "plan" and frame.height:
            f = frame.with_columns(
                (pl.col("date").dt.strftime("%m-%d ") + pl.col("window_start").dt.strftime("%H:%M") + pl.lit("-")
                 + pl.col("window_end").dt.strftime("%H:%M")).alias("window"))
            f = f.select(_TABLE_COLUMNS).with_columns(
                pl.col("participation_frac", "fill_prob_frac", "expected_fill_frac", "expected_participation_frac").round(3),
                pl.col("expected_cost_bps").round(1))
            out[name] = f
        elif name == "summary" and frame.height:
            out[name] = frame.select(_SUMMARY_TABLE).with_columns(pl.col(pl.Float64).round(2))
        elif name == "fill" and frame.height:
            out[name] = frame.filter(pl.col("stratum") == "all").select(
                "symbol", "rule", "window_min", "fill_prob_frac", "fill_prob_se", "fill_prob_hazard_frac", "n_obs",
                "drift_unfilled_bps").with_columns(pl.col(pl.Float64).round(3))
        else:
            out[name] = frame
    return out
