"""Local backend: a thread pool over tasks whose heavy work releases the GIL (numba nogil, polars I/O)."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

__all__ = ["run_local", "default_workers"]


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def run_local(func, tasks, *, workers: int = 0, weights=None, progress=None) -> list:
    """Run ``func`` over ``tasks`` on ``workers`` threads; results in task order.

    The first exception raised by a task cancels the tasks not yet started and is re-raised here.
    With one worker (or one task) everything runs in the calling thread, which gives the same results:
    each task's result depends on the task only.
    """
    tasks = list(tasks)
    weights = [1] * len(tasks) if weights is None else list(weights)
    n_workers = default_workers() if workers in (0, None) else int(workers)
    n_workers = max(1, min(n_workers, len(tasks) or 1))
    results: list = [None] * len(tasks)
    if n_workers == 1:
        for i, task in enumerate(tasks):
            results[i] = func(task)
            if progress is not None:
                progress(weights[i])
        return results
    with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="liqcost") as pool:
        futures = {pool.submit(func, task): i for i, task in enumerate(tasks)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                exc = fut.exception()
                if exc is not None:
                    for other in pending:
                        other.cancel()
                    raise exc
                i = futures[fut]
                results[i] = fut.result()
                if progress is not None:
                    progress(weights[i])
    return results
