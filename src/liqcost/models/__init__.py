"""Impact models (square-root law, Almgren et al. 2005, Kissell's I-Star, linear-to-square-root crossover,
logarithmic impact), their parameters and result objects.

Every model shares one interface, ``model.cost_bps(order, profile, schedule) -> CostParts`` (and
``model.path_cost_bps(order, profile, path) -> PathCosts`` along a plan's tranches), vectorized over orders;
see :mod:`liqcost.models.impact`. Fees are :mod:`liqcost.models.fees`, crossing now by walking the visible
book :mod:`liqcost.models.book`. Parameters and their overrides per symbol and size band
live in :mod:`liqcost.models.params`.

The fill-probability model of resting limit orders (Kaplan-Meier and piecewise-hazard survival, size and
drift tables, fitted on the name's own ticks) is :mod:`liqcost.models.fill_prob`; import it directly.
"""

from liqcost.models.impact import (
    MODELS,
    Almgren2005Model,
    CrossoverModel,
    ImpactModel,
    IStarModel,
    LogModel,
    Order,
    Path,
    PathCosts,
    Profile,
    Schedule,
    SquareRootModel,
)
from liqcost.models.params import ImpactParams, cap_band, default_params, load_params
from liqcost.models.results import CostParts

__all__ = [
    "MODELS",
    "Almgren2005Model",
    "CostParts",
    "CrossoverModel",
    "IStarModel",
    "ImpactModel",
    "ImpactParams",
    "LogModel",
    "Order",
    "Path",
    "PathCosts",
    "Profile",
    "Schedule",
    "SquareRootModel",
    "cap_band",
    "default_params",
    "load_params",
]
