"""Post-trade cost review: what your fills cost against the arrival mid, the benchmarks and the model.

Python API::

    from liqcost.tca import review, pretrade_estimates, model_vs_realized, profile_asof_from_daily
    res = review(fills, orders, trades=trades, quotes=quotes)        # polars frames in, TcaResult out
    res.orders          # per order: shortfall (Perold) and its parts, benchmarks, participation, markouts
    res.fills           # per fill: prevailing mid, spread paid, markouts
    est = pretrade_estimates(res.orders, profile_asof_from_daily(daily, config), config)
    mr = model_vs_realized(res, est, config)                          # z-scores, band, aggregates, outliers

Modules: :mod:`liqcost.tca.review` (every formula), :mod:`liqcost.tca.market` (market data as arrays),
:mod:`liqcost.tca.model` (model vs realized, no look-ahead), :mod:`liqcost.tca.aggregate`,
:mod:`liqcost.tca.results`. Calibration of the impact models from the same tables is
:mod:`liqcost.models.calibrate`. Entry points take frames, never paths.
"""

from liqcost.tca.model import model_vs_realized, pretrade_estimates, profile_asof_from_daily
from liqcost.tca.results import ModelReviewResult, TcaResult
from liqcost.tca.review import review

__all__ = ["ModelReviewResult", "TcaResult", "model_vs_realized", "pretrade_estimates", "profile_asof_from_daily", "review"]


# The front door ``lc.tca(...)`` is :func:`liqcost.app.tca`; because ``liqcost.tca`` is both this package and that
# function's name on ``liqcost``, the package itself is callable (as ``liqcost.pretrade`` is).
import sys as _sys
import types as _types


class _FrontDoor(_types.ModuleType):
    """This package, callable as :func:`liqcost.app.tca` (so ``lc.tca(...)`` always works)."""

    def __call__(self, *args, **kwargs):
        from liqcost.app import tca as front

        return front(*args, **kwargs)


_sys.modules[__name__].__class__ = _FrontDoor
