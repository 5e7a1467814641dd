"""numba kernels: pure functions over contiguous numpy arrays and scalars (the numeric floor of liqcost).

See DESIGN.md. Nothing here imports anything else from liqcost, sees a polars object, a dict or a config.
Problems come back as NaN or a status code. Each module is imported on use (importing numba costs ~0.25 s).
"""


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
