"""Polars orchestration of the kernels: tick measures, bar estimators, daily metrics, profiles.

* :mod:`liqcost.measures.ticks`   the tick pass over batches of symbol-day partitions
* :mod:`liqcost.measures.daily`   daily tick metrics per symbol-day (day grid, zero-volume days, cross-day columns)
* :mod:`liqcost.measures.profile` the per-symbol liquidity profile over a lookback window (from ticks)
* :mod:`liqcost.measures.bars`    bar-based estimators and the bar profile

Import the submodules directly; this package imports nothing heavy.
"""
