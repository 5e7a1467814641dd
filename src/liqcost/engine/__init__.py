"""Run a partition function over many symbol-day tasks: in-process threads, or a Dask cluster.

The contract with a backend is small: ``func(task) -> result`` is a plain module-level function (so a
Dask worker can import it), tasks are picklable, results come back in task order whatever the order of
completion, and ``progress(n)`` is called in the calling thread with each finished task's weight.

The Dask backend (:mod:`liqcost.engine.dask`) is imported only when a scheduler is given.
"""

from __future__ import annotations

from .local import default_workers, run_local

__all__ = ["run_tasks", "run_local", "default_workers", "planned_width", "shared_scheduler", "recording", "on_address"]

_RECORDING: list = []  # lists receiving the stats of every Dask run (see recording)


def recording():
    """A context manager collecting the ``stats`` of every Dask run inside it (``run_dask``'s dict: per task
    seconds, pid and peak RSS; per worker peak RSS; wall and connect seconds), in a list it yields. For
    benchmarks of whole commands (``liqcost bench --scheduler``), whose inner calls do not take ``stats``."""
    import contextlib

    @contextlib.contextmanager
    def block():
        runs: list = []
        _RECORDING.append(runs)
        try:
            yield runs
        finally:
            _RECORDING.remove(runs)

    return block()


def on_address(scheduler: str | None, address: str | None, workers: int = 0) -> dict:
    """Config overrides (dotted keys) that run on ``address`` (from :func:`shared_scheduler`) what was planned for
    ``scheduler``: the address, and for a ``local:N`` cluster N as ``engine.workers`` (so the batches are planned
    for N workers, not for a remote cluster's default); nothing when the two are the same."""
    if address == scheduler:
        return {}
    return {"engine.scheduler": address, "engine.workers": int(workers) or planned_width(0, scheduler)}


def shared_scheduler(scheduler: str | None, threads: int = 1):
    """A context manager giving the scheduler address to use for several :func:`run_tasks` calls of one command.

    ``local:N`` starts N local worker processes once (and closes them at the end) and gives their
    ``tcp://`` address, so a command that runs several stages of tasks (``tca``: the review, then the history's
    tick pass) starts one cluster, not one per stage; any other value (None, ``tcp://...``) is given as is and
    nothing is started.
    """
    import contextlib

    if not scheduler or not str(scheduler).strip().startswith("local:"):
        return contextlib.nullcontext(scheduler)
    from liqcost.engine.dask import local_cluster

    return local_cluster(scheduler, threads)


def planned_width(workers: int = 0, scheduler: str | None = None) -> int:
    """Workers to plan batches for: threads locally (0: one per core), the cluster's size with a scheduler
    (``local:N``: N; a remote scheduler: ``workers`` when set, else 16; no connection is made)."""
    if scheduler:
        from liqcost.engine.dask import cluster_width

        return cluster_width(scheduler, workers)
    return default_workers() if not workers else int(workers)


def run_tasks(func, tasks, *, workers: int = 0, scheduler: str | None = None, weights=None, progress=None,
              retries: int = 2, threads: int = 1, failures: list | None = None, stats: dict | None = None):
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
        Run on Dask instead (:func:`liqcost.engine.dask.run_dask`): ``tcp://HOST:PORT`` of a running
        scheduler, or ``local:N`` to start N local worker processes for this call. ``workers`` is then unused.
    weights : sequence of int, optional
        What each task counts for in the progress (symbol-days); 1 each by default.
    progress : callable, optional
        ``progress(n)``, called as tasks finish.
    retries, threads, failures, stats
        Dask only: retries of a task that raised, the thread budget of one task, a list receiving the
        :class:`~liqcost.engine.dask.TaskFailure` of tasks that still failed (their results are None; without
        the list the failure is raised), and a dict receiving timings and memory (see ``run_dask``). The local
        backend raises a task's exception.

    Returns
    -------
    list
        ``[func(t) for t in tasks]``, computed in parallel.
    """
    if scheduler:
        from liqcost.engine.dask import run_dask

        if _RECORDING and stats is None:
            stats = {}
        out = run_dask(func, tasks, scheduler=scheduler, weights=weights, progress=progress, retries=retries,
                       threads=threads, failures=failures, stats=stats)
        for runs in _RECORDING:
            runs.append(stats)
        return out
    return run_local(func, tasks, workers=workers, weights=weights, progress=progress)
