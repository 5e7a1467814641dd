"""Pre-trade sizing check: cost band, days to complete, liquidity bucket, flags and a portfolio view.

Library entry points (frames in, frames out)::

    from liqcost.pretrade import pretrade, cost_curve
    result = pretrade(orders, profiles, config)   # orders: frame or rows (schema.ORDERS); profiles: schema.PROFILE
    result.summary()                              # one row per order: band, days, bucket, severity
    result.orders, result.flags, result.portfolio["summary"], result.errors
    curve = cost_curve(profiles.filter(pl.col("symbol") == "THND"), config)

The front door that also reads the data is :func:`liqcost.app.pretrade` (``import liqcost as lc;
lc.pretrade(orders, data="ds")``). Because ``liqcost.pretrade`` is both this package and that function's
name on ``liqcost``, the package itself is callable: ``lc.pretrade(...)`` calls :func:`liqcost.app.pretrade`
whether or not this package was imported first.

See :mod:`liqcost.pretrade.core` for the steps, :mod:`liqcost.pretrade.days` for days to complete,
:mod:`liqcost.models.band` for the cost band and :mod:`liqcost.pretrade.flags` for the flags.
"""

import sys
import types

from liqcost.pretrade.core import PretradeResult, cost_curve, pretrade

__all__ = ["PretradeResult", "cost_curve", "pretrade"]


class _FrontDoor(types.ModuleType):
    """This package, callable as :func:`liqcost.app.pretrade` (so ``lc.pretrade(...)`` always works)."""

    def __call__(self, *args, **kwargs):
        from liqcost.app import pretrade as front

        return front(*args, **kwargs)


sys.modules[__name__].__class__ = _FrontDoor
