"""``liqcost bench``: time the pipeline stage by stage on generated or given data (and peers, side by side).

Thin: parse the options, call :func:`liqcost.app.bench.bench`, save/render its result.
"""

from __future__ import annotations

import click

_SIZES = ("tiny", "small", "medium", "large")
_STAGES = ("ingest", "read", "tick_pass", "daily", "profile", "ticks_daily", "profile_e2e", "profile_files", "bars", "edge",
           "process_read", "process_profile", "process_files", "process_start", "pretrade", "plan")


@click.command("bench")
@click.option("--size", type=click.Choice(_SIZES), default="small", show_default=True,
              help="Generated tick files: tiny ~4.5k trades, small ~200k, medium ~1M, large ~5M (about 2.5 quotes "
                   "per trade); ignored with --data.")
@click.option("--data", "dataset", type=click.Path(file_okay=False, exists=True), default=None,
              help="Time on this dataset (written by `liqcost ingest`) instead of generated files.")
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True,
              help="Timed rounds per stage, interleaved; the median counts (after one untimed first call).")
@click.option("--cores", type=click.Choice(["one", "all", "both"]), default="both", show_default=True,
              help="One core, every core, or both (each in its own process; ratios never mix them).")
@click.option("--peers/--no-peers", default=False, show_default=True,
              help="Also time the peers (pandas, polars, bidask EDGE) of benchmarks/peers, each checked equal to "
                   "liqcost's outputs first (needs a source checkout).")
@click.option("--stage", "stages", multiple=True, type=click.Choice(_STAGES),
              help="Only this stage (repeat); the floor `read` is always timed. process_read, process_profile, "
                   "process_files and process_start (whole processes: start-up included) run only when named.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Save the results (stages, peers, compile, machine, load) to this JSON file.")
@click.option("--compare", type=click.Path(dir_okay=False), default=None,
              help="An earlier --json file: show the change per stage.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the generated data.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Also time the whole `profile --data` stage on this Dask scheduler (rows with cores = cluster: "
                   "tasks, per-partition overhead, workers' peak memory); the dataset must be at the same path on "
                   "every worker.")
@click.option("--cluster", default=None, metavar="local:N",
              help="As --scheduler, on N local Dask worker processes started for the rounds.")
@click.pass_obj
def bench(state, size, dataset, repeat, cores, peers, stages, json_out, compare, seed, scheduler, cluster):
    """Time liqcost stage by stage: rows/s, ns per row, CPU time, peak memory and the ratio to the floor
    (a plain read of exactly the columns the tick pass uses), on generated tick files or on --data.

    The kernels are compiled (or loaded from the cache) first and that time is shown on its own. Each
    core setting runs in a fresh process; every stage runs once untimed, then --repeat interleaved
    rounds, and the median counts. The load average is recorded: on a busy machine absolute times are
    noisy, ratios hold better. With --peers, each peer's output is checked equal to liqcost's on the
    same data before it is timed; a peer that disagrees is refused (shown, not timed).

    \b
    Examples:
      liqcost bench --size small
      liqcost bench --size tiny --repeat 1 --cores one --peers
      liqcost bench --size tiny --repeat 1 --cores one --stage tick_pass --json before.json
      liqcost bench --size tiny --repeat 1 --cores one --stage tick_pass --compare before.json
      liqcost --format json -o bench_out.json bench --size tiny --repeat 1 --cores one --stage pretrade
    """
    from liqcost.app.bench import bench as run
    from liqcost.app.bench import save_results
    from liqcost.cli.progress import progress
    from liqcost.cli.results import render

    from liqcost.cli.options import scheduler_value

    scheduler = scheduler_value(scheduler, cluster)
    result = run(size, data=dataset, repeat=repeat, cores=cores, peers=peers, stages=list(stages) or None,
                 config=state.config_path, compare=compare, seed=seed,
                 progress=lambda total, label: progress(state, total, label), scheduler=scheduler)
    notes = [result.heading(), *result.notes]
    if json_out:
        notes.append(f"saved the results to {save_results(result, json_out)}")
    render(state, result, result.tables(), result.display_tables(), title=result.heading(), notes=notes)
