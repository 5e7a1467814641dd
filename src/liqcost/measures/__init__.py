"""Liquidity measures: polars orchestration of the numba kernels.

* :mod:`liqcost.measures.ticks`   the tick pass over batches of symbol-day partitions
* :mod:`liqcost.measures.daily`   daily metrics per symbol-day (day grid, zero-volume days, cross-day columns)
* :mod:`liqcost.measures.profile` the per-symbol liquidity profile over a lookback window

Import the submodules directly; this package imports nothing heavy.
"""
