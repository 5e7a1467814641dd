"""``liqcost sample``: generate thin-name sample data with its ground truth."""

from __future__ import annotations

import click


@click.command("sample")
@click.option("--symbols", "n_symbols", type=click.IntRange(1, 100_000), default=5, show_default=True, help="Number of symbols.")
@click.option("--days", "n_days", type=click.IntRange(1, 10_000), default=20, show_default=True, help="Trading days (weekdays).")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (same seed, same data).")
@click.option("--start", default="2025-03-03", show_default=True, help="First trading day (YYYY-MM-DD).")
@click.option("--trades-per-day", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Override every symbol's mean trades per day (for benchmarks).")
@click.option("--metaorders", type=click.IntRange(0, 1000), default=2, show_default=True, help="Known metaorders per symbol.")
@click.option("--impact-y", type=click.FloatRange(min=0), default=0.8, show_default=True, help="Square-root law Y used by the generator.")
@click.option("--dirt/--no-dirt", default=True, show_default=True, help="Put bad prints, crossed quotes, duplicates in the raw files.")
@click.option("--ingest/--no-ingest", default=True, show_default=True, help="Also ingest the raw files into DIR/dataset.")
@click.option("-o", "--output", "out", type=click.Path(file_okay=False), default=None, help="Folder to write (required).")
@click.pass_obj
def sample(state, n_symbols, n_days, seed, start, trades_per_day, metaorders, impact_y, dirt, ingest, out):
    """Generate a seeded sample of thinly traded names: raw trades/quotes/bars with dirt, metaorder
    fills, the ingested dataset, and the ground truth (truth/ground_truth.json).

    \b
    Examples:
      liqcost sample -o sample_data
      liqcost sample --symbols 50 --days 250 --trades-per-day 2000 --no-dirt -o big
    """
    import datetime as dt

    from liqcost.app.sample import sample as run
    from liqcost.cli.output import emit, note
    from liqcost.cli.progress import step
    from liqcost.errors import UsageError

    out = out or state.output
    if not out:
        raise UsageError("say where to write the sample with -o DIR.")
    try:
        start_day = dt.date.fromisoformat(start)
    except ValueError:
        raise UsageError(f"--start: expected a date as YYYY-MM-DD, got {start!r}.") from None
    result = run(out, symbols=n_symbols, days=n_days, seed=seed, start=start_day, trades_per_day=trades_per_day,
                 metaorders=metaorders, impact_y=impact_y, dirt=dirt, ingest=ingest, config=state.config_path,
                 step=lambda description: step(state, description))
    state_out = state.output
    state.output = None
    try:
        emit(state, result.tables()["sample"], title=f"sample -> {out} (seed {seed}, impact Y {impact_y})")
    finally:
        state.output = state_out
    for line in result.notes:
        note(state, line)
