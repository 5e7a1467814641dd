"""``liqcost pretrade``: cost band, days to complete, liquidity bucket and flags for one order or a book."""

from __future__ import annotations

import click

from liqcost.cli.options import parse_date

_COMPACT = [
    "order_id", "symbol", "side", "qty_shares", "pct_adv_frac", "cost_central_bps", "cost_low_bps", "cost_high_bps",
    "cost_central_usd", "days_expected", "p_complete_5d", "liquidity_bucket", "severity", "status",
]


@click.command("pretrade")
@click.option("--data", "data", type=click.Path(file_okay=False), default=None, help="Dataset written by `liqcost ingest`.")
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False), default=None,
              help="Precomputed profile table (from `liqcost --format parquet -o prof.parquet profile ...`).")
@click.option("--symbol", default=None, help="Symbol of a single order (or of the --curve).")
@click.option("--side", type=click.Choice(["buy", "sell"], case_sensitive=False), default=None, help="Side of the single order.")
@click.option("--qty", type=float, default=None, help="Order size in shares.")
@click.option("--notional", type=float, default=None, help="Order size in currency (converted at the last price, rounded down).")
@click.option("--limit", "limit_price", type=float, default=None, help="Limit price of the single order (flags a limit tighter than the cost).")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Orders file (CSV, Parquet or YAML; columns symbol, side, qty [, order_id, start, end, max_participation, limit_price]).")
@click.option("--mapping", type=click.Path(dir_okay=False), default=None, help="Column mapping for the orders file.")
@click.option("--curve", is_flag=True, default=False, help="Cost and days against order size (0.1%-200% of ADV) for --symbol.")
@click.option("--cap", type=click.FloatRange(min=0, min_open=True, max=1), default=None,
              help="Participation cap, fraction of each day's volume (pretrade.participation_cap_frac).")
@click.option("--model", "models", multiple=True, help="Impact model to compute (repeat; impact.models).")
@click.option("--central", default=None, help="Central model of the band, or 'median' (impact.central).")
@click.option("--y", "sqrt_y", type=click.FloatRange(min=0, min_open=True), default=None, help="Square-root law Y (impact.sqrt_y).")
@click.option("--params", "params_file", type=click.Path(dir_okay=False), default=None, help="Impact parameter file (impact.params_file).")
@click.option("--asof", callback=parse_date, default=None, help="As-of date YYYY-MM-DD: end of the lookback and reference for staleness.")
@click.option("--detail", is_flag=True, default=False, help="Also output each model's cost parts for an orders file.")
@click.pass_obj
def pretrade(state, data, profile_file, symbol, side, qty, notional, limit_price, orders_file, mapping, curve, cap, models,
             central, sqrt_y, params_file, asof, detail):
    """Pre-trade check: what an order will cost (band across impact models, bps and currency), how many
    days it needs at the participation cap, its liquidity bucket, and flags; for an orders file also a
    portfolio summary (cost to liquidate part of the book, the least liquid names).

    \b
    Examples:
      liqcost pretrade --data sample_data/dataset --symbol THNA --side buy --qty 80000
      liqcost pretrade --data sample_data/dataset --symbol THND --side sell --notional 25000
      liqcost pretrade --data sample_data/dataset --orders sample_data/orders.csv
      liqcost --format csv -o book.csv pretrade --profile prof.parquet --orders book.yaml
      liqcost pretrade --data sample_data/dataset --symbol THNE --curve
    """
    import warnings

    import polars as pl

    from liqcost.cli.output import emit, note
    from liqcost.errors import DataQualityWarning, NoDataError, OrderError, UsageError
    from liqcost.pretrade import cost_curve
    from liqcost.pretrade import pretrade as run_pretrade

    # ---- usage
    if (data is None) == (profile_file is None):
        raise UsageError("say where the liquidity comes from with exactly one of --data DATASET or --profile FILE.")
    single = symbol is not None and not curve
    if orders_file and (symbol or qty is not None or notional is not None):
        raise UsageError("give either one order (--symbol --side --qty/--notional) or --orders FILE, not both.")
    if curve and not symbol:
        raise UsageError("--curve needs --symbol.")
    if curve and orders_file:
        raise UsageError("--curve prices one name: use it with --symbol, not --orders.")
    if not orders_file and not symbol:
        raise UsageError("give one order (--symbol XYZ --side buy --qty 80000) or an orders file (--orders FILE).")
    if single:
        if side is None:
            raise UsageError("--side buy or --side sell is required for a single order.")
        if (qty is None) == (notional is None):
            raise UsageError("give the size with exactly one of --qty SHARES or --notional AMOUNT.")
        if qty is not None and not qty > 0:
            raise OrderError(f"--qty {qty:g}: an order must be for more than zero shares; give a positive size.")
        if notional is not None and not notional > 0:
            raise OrderError(f"--notional {notional:g}: an order must be worth more than zero; give a positive amount.")
    asof_date = asof
    overrides = {
        "pretrade.participation_cap_frac": cap,
        "impact.models": list(models) if models else None,
        "impact.central": central,
        "impact.sqrt_y": sqrt_y,
        "impact.params_file": params_file,
    }
    if models and central is None:
        overrides["impact.central"] = models[0] if "sqrt" not in models else "sqrt"
    config = state.config(overrides)

    # ---- orders
    quarantine = None
    if orders_file:
        from liqcost.io.ingest import load_table

        orders, quarantine = load_table(orders_file, "orders", config, mapping)
        if quarantine.height:
            for r in quarantine.head(5).iter_rows(named=True):
                warnings.warn(f"{orders_file}: row {r['row']} not priced: {r['reason']}.", DataQualityWarning, stacklevel=1)
            if quarantine.height > 5:
                warnings.warn(f"{orders_file}: {quarantine.height - 5} more rows not priced (see the errors table).",
                              DataQualityWarning, stacklevel=1)
        # load_table keeps the file's order and each row's line number (the numbering of the quarantine)
        file_rows = orders.select(pl.col("order_id").cast(pl.String), pl.col("row").cast(pl.Int64)).unique(
            "order_id", keep="first", maintain_order=True
        )
        orders = orders.drop("row")
        symbols = orders.get_column("symbol").unique().to_list() if orders.height else []
    else:
        symbols = [symbol]

    # ---- profiles
    profiles, where, asof_used = _profiles(data, profile_file, symbols, config, asof_date)
    if symbol and symbol not in set(profiles.get_column("symbol").to_list()):
        raise NoDataError(_missing_symbol(symbol, data, profile_file, config, asof_used, where))

    if curve:
        row = profiles.filter(pl.col("symbol") == symbol)
        table = cost_curve(row, config, side=1 if side in (None, "buy") else -1)
        emit(state, table, title=f"{symbol}: cost vs size (central {config.impact.central}, cap {config.pretrade.participation_cap_frac:.0%})",
             name="curve")
        return

    if single:
        price = float(profiles.filter(pl.col("symbol") == symbol).get_column("price_px")[0])
        if notional is not None:
            if not price > 0:
                raise NoDataError(f"{symbol}: no price in the lookback to convert --notional into shares; give --qty.")
            qty = float(int(notional // price))
            if qty <= 0:
                raise OrderError(f"--notional {notional:,.2f} buys less than one share of {symbol} at {price:g}; give a larger amount.")
        frame = {"order_id": [f"{symbol}-1"], "symbol": [symbol], "side": [1 if side.lower() == "buy" else -1], "qty": [qty]}
        if limit_price is not None:
            frame["limit_price"] = [limit_price]
        orders = pl.DataFrame(frame)

    result = run_pretrade(orders, profiles, config, asof=asof_used, portfolio=not single)
    errors = result.errors
    if orders_file and errors.height:
        # names without a profile: say whether the symbol is unknown (with the closest one) or has no recent data
        found = set(profiles.get_column("symbol").to_list())
        missing = [s for s in errors.get_column("symbol").unique().to_list() if s is not None and s not in found]
        if missing:
            why = {s: _missing_symbol(s, data, profile_file, config, asof_used, where).rstrip(".") for s in missing}
            fix = pl.col("symbol").replace_strict(why, default=None, return_dtype=pl.String)
            errors = errors.with_columns(pl.coalesce(fix, pl.col("reason")).alias("reason"))
            result = _replace_orders(result, result.orders.with_columns(
                pl.when(pl.col("status") == "error").then(pl.coalesce(fix, pl.col("error"))).otherwise(pl.col("error")).alias("error")
            ))
        # report the file's row numbers (as the quarantine does), not positions in the validated frame
        errors = errors.drop("row").join(file_rows, on="order_id", how="left").select("row", "order_id", "symbol", "reason")
    if quarantine is not None and quarantine.height:
        q_err = quarantine.select(
            pl.col("row").cast(pl.Int64),
            (pl.col("order_id").cast(pl.String) if "order_id" in quarantine.columns else pl.lit(None, pl.String)).alias("order_id"),
            (pl.col("symbol").cast(pl.String) if "symbol" in quarantine.columns else pl.lit(None, pl.String)).alias("symbol"),
            pl.col("reason").cast(pl.String),
        )
        errors = pl.concat([q_err, errors], how="vertical_relaxed").sort("row", nulls_last=True)

    if single:
        if result.n_priced == 0:
            reason = result.errors.get_column("reason")[0]
            raise NoDataError(f"{symbol}: cannot price the order: {reason}; {where}.")
        _emit_single(state, result, emit)
        for n in result.notes[1:]:
            note(state, f"note: {n}")
        return

    n_in = result.orders.height + (quarantine.height if quarantine is not None else 0) + (
        result.errors.height - result.orders.filter(pl.col("status") == "error").height
    )
    if result.n_priced == 0:
        reasons = "; ".join(f"row {r['row']}: {r['reason']}" if r["row"] is not None else f"{r['order_id']}: {r['reason']}"
                            for r in errors.head(3).iter_rows(named=True))
        raise OrderError(f"{orders_file}: none of the {n_in} orders could be priced ({reasons}).")
    if errors.height:
        warnings.warn(f"{orders_file}: {errors.height} of {n_in} orders not priced; the others are (see the errors table).",
                      DataQualityWarning, stacklevel=1)
    tables = {}
    compact = state.format == "table"
    tables["orders"] = result.orders.select([c for c in _COMPACT if c in result.orders.columns]) if compact else result.orders
    tables["flags"] = result.flags.select("order_id", "symbol", "flag", "severity", "message") if compact else result.flags
    tables.update(result.portfolio)
    if detail:
        tables["models"] = result.models
    if errors.height:
        tables["errors"] = errors
    emit(state, tables)
    for n in result.notes[1:]:
        note(state, f"note: {n}")


def _replace_orders(result, orders):
    from dataclasses import replace

    return replace(result, orders=orders)


def _profiles(data, profile_file, symbols, config, asof):
    """Profiles for the symbols, where they came from, and the as-of date to judge staleness by."""
    import polars as pl

    from liqcost.pretrade.inputs import read_profile_file

    if profile_file:
        prof = read_profile_file(profile_file)
        prof = prof.filter(pl.col("symbol").is_in(symbols)) if symbols else prof
        full_asof = asof
        if full_asof is None:
            full_asof = read_profile_file(profile_file).get_column("asof_date").max()
        return prof, f"profile file {profile_file}", full_asof
    from liqcost.io.dataset import Dataset
    from liqcost.pretrade.inputs import calendar, profiles_for

    prof = profiles_for(data, symbols, config, asof)
    cal = calendar(Dataset(data), asof)
    used = asof if asof is not None else (cal[-1] if cal else None)
    return prof, f"dataset {data}", used


def _missing_symbol(symbol, data, profile_file, config, asof, where):
    from liqcost.pretrade.inputs import unknown_symbol_message

    if profile_file:
        from liqcost.pretrade.inputs import read_profile_file

        known = sorted(read_profile_file(profile_file).get_column("symbol").to_list())
        return unknown_symbol_message(symbol, known, where)
    from liqcost.io.dataset import Dataset

    ds = Dataset(data)
    known = sorted(set(ds.symbols("bars")) | set(ds.symbols("trades")))
    if symbol in known:
        lb = config.measures.lookback_days
        return (f"no data for {symbol} in the {lb}-trading-day lookback ending {asof} in {where}; "
                f"its data end on {max(ds.dates('bars', symbol) or ds.dates('trades', symbol))}: pass an earlier --asof or refresh the data.")
    return unknown_symbol_message(symbol, known, where)


def _emit_single(state, result, emit):
    """One order: a field/value view in table format, the wide row otherwise; plus the models and flags."""
    import polars as pl

    row = result.orders
    models = result.models.select("model", "spread_bps", "temporary_bps", "permanent_bps", "total_bps", "timing_risk_bps", "total_usd")
    flags = result.flags.select("flag", "severity", "message")
    if state.format == "table":  # the renderer shows a one-row table as field/value pairs, each by its unit
        side = pl.when(pl.col("side") > 0).then(pl.lit("buy (+1)")).otherwise(pl.lit("sell (-1)")).alias("side")
        tables = {"order": row.with_columns(side), "models": models, "flags": flags}
    else:
        tables = {"order": row, "models": models, "flags": flags}
    emit(state, tables)
