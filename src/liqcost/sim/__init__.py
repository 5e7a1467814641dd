"""Replay of plans on the recorded tape: what a plan would have cost, day after day.

* :mod:`liqcost.sim.schema`: the tranche contract a replay reads (a plan's ``plan`` table fits it);
* :mod:`liqcost.sim.tape`: one symbol's trades and quotes merged into the kernel's event stream;
* :mod:`liqcost.sim.impact`: the own-impact parameters, from the impact parameter model of ``pretrade``;
* :mod:`liqcost.sim.replay`: :func:`~liqcost.sim.replay.replay`, one plan on its own dates;
* :mod:`liqcost.sim.variants`: many start days and plan variants, the distribution of their cost;
* :mod:`liqcost.sim.results`: the result objects (:class:`~liqcost.result.Result` protocol).

The event loop is :func:`liqcost.kernels.replay.replay_runs`; its docstring states every rule. Modules are
imported on use (numba and polars are not loaded by importing this package).
"""
