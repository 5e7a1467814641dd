"""The bar-based estimators, one module per family (this module only re-exports them).

==========================  ============================================================================
module                      estimators
==========================  ============================================================================
:mod:`~.bar_numerics`       panel layout, status codes and :data:`REASONS`, shared numerics
:mod:`~.bar_roll`           Roll (1984)
:mod:`~.bar_cs`             Corwin-Schultz (2012)
:mod:`~.bar_ar`             Abdi-Ranaldo (2017)
:mod:`~.bar_edge`           EDGE (Ardia, Guidotti and Kroencke 2024), rolling and full sample
:mod:`~.bar_zero`           zero-return share and FHT (Lesmond et al. 1999; Fong et al. 2017)
:mod:`~.bar_lot`            LOT maximum likelihood (Lesmond, Ogden and Trzcinka 1999)
:mod:`~.bar_volume`         ADV, dollar volume, zero-volume share, turnover, Amihud, median volume
:mod:`~.bar_volatility`     close-to-close, Parkinson, Garman-Klass, Rogers-Satchell, Yang-Zhang
==========================  ============================================================================

Importing a family module compiles nothing; a kernel is compiled (or loaded from numba's cache) on its
first call, so a caller that needs one family should import that module only.
"""

from __future__ import annotations

from .bar_ar import ar_panel
from .bar_cs import cs_panel
from .bar_edge import edge_full_panel, edge_rolling_panel
from .bar_lot import lot_fit, lot_panel
from .bar_numerics import (
    NEGATIVE,
    NEGATIVE_SQUARE,
    NO_SHARES,
    NO_VARIATION,
    NO_VOLUME,
    NO_ZERO_RETURNS,
    NOT_CONVERGED,
    NOT_IDENTIFIED,
    OK,
    REASONS,
    TOO_FEW,
    ZERO_REL,
    ndtri,
    pairwise_sum,
)
from .bar_roll import roll_panel
from .bar_volume import median_panel, volume_panel
from .bar_zero import zero_return_panel

__all__ = [
    "NEGATIVE",
    "NEGATIVE_SQUARE",
    "NOT_CONVERGED",
    "NOT_IDENTIFIED",
    "NO_SHARES",
    "NO_VARIATION",
    "NO_VOLUME",
    "NO_ZERO_RETURNS",
    "OK",
    "REASONS",
    "TOO_FEW",
    "ZERO_REL",
    "ar_panel",
    "cs_panel",
    "edge_full_panel",
    "edge_rolling_panel",
    "lot_fit",
    "lot_panel",
    "median_panel",
    "ndtri",
    "pairwise_sum",
    "roll_panel",
    "volume_panel",
    "zero_return_panel",
]
