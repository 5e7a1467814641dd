"""Models: market impact (:mod:`liqcost.models.impact`) and fill probability (:mod:`liqcost.models.fill_prob`).

Import the submodules directly; this package imports nothing heavy.
"""
