"""Dask distributed backend: the same partition function as the local engine, run on a Dask cluster.

``run_dask(func, tasks, scheduler=...)`` connects to an existing scheduler (``tcp://HOST:PORT`` or
``tls://HOST:PORT``) or starts a local cluster of worker processes (``local:N``) and closes it after.
Each task is a small description of a partition (for a dataset: file paths and row slices); the worker
reads the rows itself from storage it shares with the client, so no market data travels through the
client or the scheduler. Results come back in task order.

Worker hygiene
--------------
* One thread budget per worker: ``local:N`` starts its workers with one task thread each and
  ``POLARS_MAX_THREADS`` / ``NUMBA_NUM_THREADS`` set to ``threads`` in their environment before anything
  is imported. On an existing cluster the environment is the cluster's business (start workers with
  ``--nthreads 1`` and these variables, see docs/cluster.md); the task wrapper still caps numba's threads
  in the task's thread and sets the polars variable when polars is not yet imported in that worker.
* Kernels are ``@njit(cache=True)`` functions of the installed package: a worker loads them from numba's
  on-disk cache (next to the package, or ``NUMBA_CACHE_DIR``) instead of compiling them.
* A task that raises is retried ``retries`` times; a task whose worker dies (killed, out of memory) is
  moved to another worker by the scheduler (up to ``distributed.scheduler.allowed-failures`` deaths).
  A task that still fails is, with ``failures=`` given, recorded there (:class:`TaskFailure`) and its slot
  in the results is None while the other tasks complete; without it, the failure is raised. An error of
  liqcost itself (a :class:`~liqcost.errors.LiqcostError`: bad data, bad config) is always raised as is.

dask and distributed are imported only when a scheduler is given; without them the caller gets one
:class:`~liqcost.errors.UsageError` naming ``pip install 'liqcost[dask]'``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass

__all__ = ["TaskFailure", "parse_scheduler", "run_dask", "cluster_width", "local_cluster", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'liqcost[dask]'"

_LOCAL = re.compile(r"^local:(\d+)$")
_REMOTE = re.compile(r"^(tcp|tls)://[^\s/:]+:\d+/?$")


@dataclass(frozen=True)
class TaskFailure:
    """A task that failed on the cluster after its retries.

    Attributes
    ----------
    index : int
        Position of the task in the list given to :func:`run_dask`.
    error : str
        The exception's class name (``KilledWorker`` when its worker died too often).
    message : str
        The exception's message (first line, at most 300 characters).
    """

    index: int
    error: str
    message: str

    def __str__(self) -> str:
        return f"{self.error}: {self.message}"


def parse_scheduler(value: str) -> tuple[str, object]:
    """``('local', n_workers)`` for ``local:N``, ``('remote', address)`` for ``tcp://`` / ``tls://HOST:PORT``.

    Raises
    ------
    liqcost.errors.UsageError
        Any other value.
    """
    from liqcost.errors import UsageError

    text = str(value).strip()
    m = _LOCAL.match(text)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise UsageError(f"engine.scheduler {value!r}: a local cluster (local:N) needs at least one worker (local:1).")
        return "local", n
    if _REMOTE.match(text):
        return "remote", text.rstrip("/")
    raise UsageError(
        f"engine.scheduler {value!r}: expected tcp://HOST:PORT (an existing Dask scheduler), tls://HOST:PORT, "
        "or local:N (start N local worker processes)."
    )


def cluster_width(scheduler: str, workers: int) -> int:
    """How many workers to plan batches for (no connection is made).

    ``local:N`` gives N; for a remote scheduler, ``workers`` when it is set (``engine.workers`` is then read
    as the cluster's worker count), else 16.
    """
    kind, value = parse_scheduler(scheduler)
    if kind == "local":
        return int(value)
    return int(workers) if workers else 16


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        from liqcost.errors import UsageError

        raise UsageError(
            f"a Dask scheduler is set (engine.scheduler, --scheduler or --cluster) but Dask is not installed "
            f"({exc.name or 'distributed'} missing); install it with `{INSTALL_HINT}`, or drop the option to run "
            "on local threads."
        ) from None
    return distributed


def worker_env(threads: int) -> dict:
    """Environment of a worker process: one thread budget for polars and numba, no oversubscription."""
    t = str(max(1, int(threads)))
    return {"POLARS_MAX_THREADS": t, "NUMBA_NUM_THREADS": t, "OMP_NUM_THREADS": t, "MKL_NUM_THREADS": t,
            "OPENBLAS_NUM_THREADS": t}


def _run_task(func, task, threads: int):
    """What a worker runs: cap the thread budget, run ``func(task)``, and say how long it took and where."""
    import sys

    if "polars" not in sys.modules:  # effective only before polars starts its pool in this process
        os.environ.setdefault("POLARS_MAX_THREADS", str(threads))
    os.environ.setdefault("NUMBA_NUM_THREADS", str(threads))
    try:
        from liqcost.kernels import set_threads

        set_threads(threads)
    except Exception:  # pragma: no cover - numba is a hard dependency; never fail a task over a thread cap
        pass
    t0 = time.perf_counter()
    out = func(task)
    return out, {"seconds": time.perf_counter() - t0, "pid": os.getpid(), "peak_rss_bytes": _peak_rss()}


def _peak_rss() -> int:
    """Peak resident memory of this process, bytes (0 where unknown)."""
    try:
        import resource
        import sys

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss if sys.platform == "darwin" else rss * 1024)
    except Exception:  # pragma: no cover - non-POSIX
        return 0


def _worker_info() -> dict:
    import liqcost

    return {"liqcost": liqcost.__version__, "pid": os.getpid(), "peak_rss_bytes": _peak_rss()}


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else repr(exc)
    return first if len(first) <= 300 else first[:297] + "..."


@contextlib.contextmanager
def local_cluster(scheduler: str, threads: int = 1):
    """Start the ``local:N`` cluster once and yield its ``tcp://`` address (closed on exit).

    The workers are those :func:`run_dask` starts for ``local:N`` (one task thread each, the thread budget in
    their environment); several ``run_dask`` calls given the address share them.
    """
    kind, target = parse_scheduler(scheduler)
    if kind != "local":
        yield target
        return
    distributed = _import_distributed()
    with distributed.LocalCluster(n_workers=int(target), threads_per_worker=1, processes=True, dashboard_address=":0",
                                  env=worker_env(threads), silence_logs=logging.CRITICAL) as cluster:
        yield cluster.scheduler_address


def run_dask(func, tasks, *, scheduler: str, weights=None, progress=None, retries: int = 2, threads: int = 1,
             failures: list | None = None, stats: dict | None = None) -> list:
    """Run ``func`` over ``tasks`` on a Dask cluster; results in task order.

    Parameters
    ----------
    func : callable
        Module-level function of one task (importable on the workers: the installed liqcost).
    tasks : sequence
        Picklable task descriptions (small: they travel through the scheduler).
    scheduler : str
        ``tcp://HOST:PORT`` / ``tls://HOST:PORT`` of a running scheduler, or ``local:N``.
    weights : sequence of int, optional
        Progress weight of each task (1 each by default).
    progress : callable, optional
        ``progress(weight)`` in the calling thread as each task finishes.
    retries : int
        Times a task that raised is run again before it counts as failed.
    threads : int
        Thread budget of one task (polars and numba).
    failures : list, optional
        When given, tasks that still fail are appended as :class:`TaskFailure` and their results are None;
        when None, the first such failure is raised.
    stats : dict, optional
        Filled with ``tasks`` (per task: seconds inside the worker, pid, peak RSS bytes), ``workers``
        (per worker pid: peak RSS bytes at the end) and ``wall_seconds``, ``connect_seconds``.

    Returns
    -------
    list
    """
    tasks = list(tasks)
    weights = [1] * len(tasks) if weights is None else list(weights)
    kind, target = parse_scheduler(scheduler)
    if not tasks:
        return []
    distributed = _import_distributed()
    t_start = time.perf_counter()
    cluster = None
    client = None
    try:
        if kind == "local":
            cluster = distributed.LocalCluster(
                n_workers=int(target), threads_per_worker=1, processes=True, dashboard_address=":0",
                env=worker_env(threads), silence_logs=logging.CRITICAL,  # failures are reported by us, once
            )
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(target, timeout="20s")
            except (OSError, TimeoutError) as exc:
                from liqcost.errors import UsageError

                raise UsageError(
                    f"engine.scheduler {target}: cannot connect to a Dask scheduler there ({_short(exc)}); "
                    "check the address and that the scheduler is running."
                ) from None
        _check_workers(client, target)
        connect_s = time.perf_counter() - t_start
        results = _gather(distributed, client, func, tasks, weights, progress, retries, threads, failures, stats)
        if stats is not None:
            stats["connect_seconds"] = connect_s
            stats["wall_seconds"] = time.perf_counter() - t_start
            try:
                stats["workers"] = {str(v["pid"]): v["peak_rss_bytes"] for v in client.run(_worker_info).values()}
            except Exception:  # a worker gone at the end does not spoil the run
                stats["workers"] = {}
        return results
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client, where: str) -> None:
    """Wait for a worker; every worker must run the liqcost version of the client."""
    import liqcost
    from liqcost.errors import UsageError

    try:
        client.wait_for_workers(1, timeout=60)
    except TimeoutError:
        raise UsageError(f"engine.scheduler {where}: the scheduler has no worker after 60 s; start some "
                         "(`dask worker ADDRESS --nthreads 1`).") from None
    try:
        info = client.run(_worker_info)
    except Exception as exc:  # liqcost not importable on a worker
        raise UsageError(f"engine.scheduler {where}: a worker cannot import liqcost ({_short(exc)}); install the "
                         f"same liqcost ({liqcost.__version__}) on every worker.") from None
    other = {v["liqcost"] for v in info.values()} - {liqcost.__version__}
    if other:
        raise UsageError(f"engine.scheduler {where}: workers run liqcost {', '.join(sorted(other))}, this client "
                         f"{liqcost.__version__}; install the same version everywhere.")


def _gather(distributed, client, func, tasks, weights, progress, retries, threads, failures, stats) -> list:
    from liqcost.errors import LiqcostError

    token = uuid.uuid4().hex[:10]
    keys = [f"liqcost-{token}-{i}" for i in range(len(tasks))]
    futures = client.map(_run_task, [func] * len(tasks), tasks, [int(threads)] * len(tasks), key=keys,
                         retries=int(retries), pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * len(tasks)
    per_task: list = [None] * len(tasks)
    try:
        for fut in distributed.as_completed(futures):
            i = index[fut.key]
            if fut.status == "error":
                exc = fut.exception()
                if isinstance(exc, LiqcostError) or failures is None:
                    raise exc
                failures.append(TaskFailure(i, exc.__class__.__name__, _short(exc)))
            elif fut.status == "cancelled":  # the cluster went away
                if failures is None:
                    raise RuntimeError(f"task {i} was cancelled by the Dask cluster")
                failures.append(TaskFailure(i, "CancelledError", "the task was cancelled by the cluster"))
            else:
                results[i], per_task[i] = fut.result()
            if progress is not None:
                progress(weights[i])
            fut.release()
    except BaseException:
        client.cancel(futures)
        raise
    if stats is not None:
        stats["tasks"] = per_task
    if failures is not None:
        failures.sort(key=lambda f: f.index)
    return results
