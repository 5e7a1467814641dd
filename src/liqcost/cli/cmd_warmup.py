"""``liqcost warmup``: compile liqcost's numba kernels once, so that no later command waits for them.

numba compiles a kernel the first time it is called and keeps the machine code in its on-disk cache
(next to the package, or under ``NUMBA_CACHE_DIR``); every later process loads it in milliseconds. A
command compiles only the kernels it calls (``pretrade`` on ticks does not compile the bar estimators);
``warmup`` compiles all of them, in stages dealt to parallel processes (one per core), each calling
the same library functions the commands call on a few rows of synthetic data, so that every kernel is
compiled for exactly the argument types the commands use.

The work is :func:`liqcost.app.warmup.warmup`.
"""

from __future__ import annotations

import click

from liqcost.app.warmup import STAGES  # noqa: E402  (the stage names for --stage; no numba imported)


@click.command("warmup")
@click.option("--stage", "stages", multiple=True, type=click.Choice(list(STAGES)),
              help="Warm only this stage (repeat); all stages by default.")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes compiling stages at once, the stages dealt among them (0: one per core).")
@click.pass_obj
def warmup(state, stages, jobs):
    """Compile every numba kernel once (about a minute on a 2-core machine), so that the first run of each
    command does not wait for the compiler; the kernels are cached on disk and later runs load them in
    milliseconds. Without it, each command compiles the kernels it needs on its first run. Run it again
    after upgrading liqcost or numba; with every kernel cached it takes a few seconds (starting the workers).

    \b
    Examples:
      liqcost warmup
      liqcost warmup --stage ticks --jobs 1
    """
    from liqcost.app.warmup import warmup as run
    from liqcost.cli.progress import progress
    from liqcost.cli.results import render

    def bar(total, label):
        return progress(state, total, label)

    result = run(stages, jobs=jobs, progress=bar)
    render(state, result, result.tables(), result.display_tables(), title=result.heading())
