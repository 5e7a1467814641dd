"""Pre-trade sizing check: cost band, days to complete, liquidity bucket, flags and a portfolio view.

Python API::

    from liqcost.pretrade import pretrade, cost_curve, profiles_for
    profiles = profiles_for("sample_data/dataset", ["THNA", "THND"], config)
    result = pretrade(orders, profiles, config)         # orders: polars frame (schema.ORDERS)
    print(result.summary())
    result.orders, result.flags, result.portfolio["summary"]
    curve = cost_curve(profiles.filter(pl.col("symbol") == "THND"), config)

See :mod:`liqcost.pretrade.core` for the steps, :mod:`liqcost.pretrade.days` for days to complete,
:mod:`liqcost.pretrade.band` for the cost band and :mod:`liqcost.pretrade.flags` for the flags.
"""

from liqcost.pretrade.core import PretradeResult, cost_curve, pretrade
from liqcost.pretrade.inputs import profiles_for, read_profile_file

__all__ = ["PretradeResult", "cost_curve", "pretrade", "profiles_for", "read_profile_file"]
