"""Run a partition function over many symbol-day tasks: in-process threads now, Dask later.

The contract with a backend is small: ``func(task) -> result`` is a plain module-level function (so a
Dask worker can import it), tasks are picklable, results come back in task order whatever the order of
completion, and ``progress(n)`` is called in the calling thread with each finished task's weight.
"""

from __future__ import annotations

from .local import default_workers, run_local

__all__ = ["run_tasks", "run_local", "default_workers"]


def run_tasks(func, tasks, *, workers: int = 0, scheduler: str | None = None, weights=None, progress=None):
    """Apply ``func`` to every task and return the results in task order.

    Parameters
    ----------
    func : callable
        Module-level function of one task (the partition function). With the local backend it runs on
        threads, so it should spend its time in code that releases the GIL (numba ``nogil`` kernels,
        polars).
    tasks : sequence
        The tasks (e.g. batches of symbol-days).
    workers : int
        Threads; 0 means one per core, 1 runs in the calling thread.
    scheduler : str, optional
        Address of a Dask scheduler. Not available in this version: a value raises a UsageError.
    weights : sequence of int, optional
        What each task counts for in the progress (symbol-days); 1 each by default.
    progress : callable, optional
        ``progress(n)``, called as tasks finish.

    Returns
    -------
    list
        ``[func(t) for t in tasks]``, computed in parallel.
    """
    if scheduler:
        from liqcost.errors import UsageError

        raise UsageError(
            f"engine.scheduler is {scheduler!r}, but the Dask backend is not available in this version; "
            "remove engine.scheduler (or --scheduler) to run on local threads."
        )
    return run_local(func, tasks, workers=workers, weights=weights, progress=progress)
