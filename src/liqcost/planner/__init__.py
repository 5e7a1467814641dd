"""Tranche planner: turn an order into limit-order tranches a trader can follow.

* :mod:`liqcost.planner.trajectory` Almgren-Chriss, TWAP, VWAP and POV trajectories on one interface
* :mod:`liqcost.planner.schedule`   the interval grid, participation caps, round lots and exact sums
* :mod:`liqcost.planner.horizon`    on which windows, over how many days, an order fits its caps
* :mod:`liqcost.planner.costs`      the path priced by the impact models, fees, the model band, crossing now
* :mod:`liqcost.planner.limits`     limit rule per tranche (join, improve, mid, cross) by expected cost
* :mod:`liqcost.planner.plan`       :func:`~liqcost.planner.plan.plan`, the public entry point

Import the submodules directly; this package imports nothing heavy.
"""
