"""numba kernels: pure functions over contiguous numpy arrays and scalars (the numeric floor of liqcost).

See DESIGN.md. Nothing here imports anything else from liqcost, sees a polars object, a dict or a config.
Problems come back as NaN or a status code. Each module is imported on use (importing numba costs ~0.25 s).

Helpers that only other kernels call (the names with a leading underscore) are compiled with ``**INNER``:
without the CPython and C-callable entry points numba otherwise builds for every function, whose argument
unboxing code for records of many arrays (the tick pass's day state) took as long to compile as the helper
itself. From an empty cache, side by side with the tree before (benchmarks/bench_coldstart.py, 2026-12-04):
the quick start's main job compiled in 0.81x the CPU time (35.3 s against 43.8 s) and ``profile`` of the
sample in 0.76x (59.1 s against 77.9 s). Such a helper cannot be called from Python: tests reach one
through a small kernel of their own.
"""

#: jit options of the kernels' inner helpers: no CPython wrapper, no C-callable wrapper (see above)
INNER = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}


def set_threads(n: int) -> None:
    """Cap numba's parallel threads in this process at ``n`` (at least 1, at most ``NUMBA_NUM_THREADS``)."""
    import numba

    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))


def cache_stats() -> tuple[int, int]:
    """``(compiled, loaded from the cache)``: signatures of the kernels of the ``liqcost.kernels`` modules
    imported in this process, as numba counted them."""
    import sys

    from numba.core.registry import CPUDispatcher

    compiled = loaded = 0
    for name, mod in list(sys.modules.items()):
        if not name.startswith("liqcost.kernels.") or mod is None:
            continue
        for obj in vars(mod).values():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == name:
                loaded += sum(obj.stats.cache_hits.values())
                compiled += sum(obj.stats.cache_misses.values())
    return compiled, loaded
