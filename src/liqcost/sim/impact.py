"""Own impact of a replay: the square-root law of ``pretrade`` turned into a price path.

:func:`own_impact_params` is the one place a replay gets its impact parameters: the square-root model's
``Y`` and ``permanent_frac`` from the impact parameter model (:func:`liqcost.models.params.load_params`:
published values, ``impact.sqrt_y``, ``impact.params_file`` and its per-symbol and per-size-band overrides,
the same values ``pretrade`` and the planner use), and the name's daily volatility and daily volume from
its liquidity profile. Point ``impact.params_file`` at a calibrated file, or pass ``params=``, and the
replay follows.

The path
--------
While an order works, the displacement of the mid after ``x`` shares is ``D(x) = 3/2 Y sigma sqrt(x / V)``
(fraction of the price; ``V`` the daily volume, ``sigma`` the daily volatility): for shares filled evenly the
mean displacement they pay is ``Y sigma sqrt(Q / V)``, the square-root law in the cost convention of
:class:`liqcost.models.impact.SquareRootModel` (Tóth et al. 2011, PRX 1, 021006, eq. 1), with the concave
``sqrt(x)`` build-up measured on metaorders (Moro et al. 2009, PRE 80, 066102; Bacry, Iuga, Lasnier & Lehalle
2015, "Market impacts and the life cycle of investors orders", MMF 1(2); Zarinelli, Treccani, Farmer & Lillo
2015, MML 1(2) 1550004), and the convention of :mod:`liqcost.io.synth` and of the planner's tranche impact
(:func:`liqcost.planner.costs.tranche_impact_bps`). Of each increment a fraction ``p`` is permanent and
``1 - p`` transient; the transient part relaxes exponentially with a half-life (the exponential resilience
of Obizhaeva & Wang 2013, J. Financial Markets 16(1), 1-32), by default only while the order is not working,
so that an order relaxes to ``p`` times its peak after it stops. ``p`` follows from the parameter file's
``permanent_frac`` (the permanent share of the impact *cost*, accumulating linearly and so paid at half its
final level): the final level is ``2 permanent_frac Y sigma sqrt(Q / V)`` and the peak ``3/2 Y sigma
sqrt(Q / V)``, so ``p = 4/3 permanent_frac`` (2/3 for the default 0.5: metaorders relax to about two thirds
of their peak, Bershova & Rakhlin 2013, Quantitative Finance 13(11); Zarinelli et al. 2015).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["OwnImpact", "own_impact_params", "PEAK_OVER_COST"]

#: peak displacement over the mean displacement paid by an even execution: 1 / mean(sqrt(phi)) = 3/2
PEAK_OVER_COST = 1.5


@dataclass(frozen=True)
class OwnImpact:
    """Own-impact parameters of one symbol.

    Attributes
    ----------
    y : float
        The square-root law's ``Y`` (cost convention), dimensionless.
    permanent_frac : float
        Permanent share of the impact cost (the parameter file's convention), in [0, 0.75].
    volatility_daily_frac : float
        Daily volatility of returns, fraction.
    daily_volume_shares : float
        Daily volume ``V``, shares (``planner.volume_basis``: ADV or median daily volume).
    half_life_s : float
        Half-life of the transient part, seconds.
    decay : str
        ``pause`` (relaxes while nothing works) or ``continuous``.
    source : str
        Where ``Y`` and ``permanent_frac`` came from (the parameter file, or "off").
    """

    y: float
    permanent_frac: float
    volatility_daily_frac: float
    daily_volume_shares: float
    half_life_s: float = 1200.0
    decay: str = "pause"
    source: str = ""

    @classmethod
    def off(cls) -> OwnImpact:
        """No own impact (the tape as recorded)."""
        return cls(0.0, 0.5, 0.0, 1.0, math.inf, "pause", "off")

    @property
    def enabled(self) -> bool:
        return self.scale_per_sqrt_share > 0.0

    @property
    def permanent_of_peak_frac(self) -> float:
        """Share of each displacement increment that never relaxes: ``4/3 permanent_frac`` (at most 1)."""
        return min(1.0, max(0.0, 4.0 / 3.0 * self.permanent_frac))

    @property
    def scale_per_sqrt_share(self) -> float:
        """``a`` in ``D(x) = a sqrt(x)``: ``3/2 Y sigma / sqrt(V)``, fraction per sqrt(share)."""
        if self.y == 0.0 or self.volatility_daily_frac == 0.0:
            return 0.0
        return PEAK_OVER_COST * self.y * self.volatility_daily_frac / math.sqrt(self.daily_volume_shares)

    def peak_bps(self, qty_shares: float) -> float:
        """Displacement after ``qty_shares`` filled without relaxation, bps."""
        return self.scale_per_sqrt_share * math.sqrt(max(qty_shares, 0.0)) * 1e4

    def expected_cost_bps(self, qty_shares: float) -> float:
        """Mean displacement paid by ``qty_shares`` filled evenly without relaxation: ``Y sigma sqrt(Q / V)``, bps."""
        return self.peak_bps(qty_shares) / PEAK_OVER_COST

    def describe(self) -> str:
        if not self.enabled:
            return "own impact off"
        return (f"own impact: Y {self.y:g}, sigma {self.volatility_daily_frac:.2%}/day, V {self.daily_volume_shares:,.0f} "
                f"shares/day, {self.permanent_of_peak_frac:.0%} of the peak permanent, transient half-life "
                f"{self.half_life_s:g} s ({self.decay}); parameters: {self.source}")


def own_impact_params(profile, config=None, params=None, *, half_life_s: float | None = None,
                      decay: str | None = None) -> OwnImpact:
    """Own-impact parameters of one symbol from its liquidity profile and the impact parameter model.

    Parameters
    ----------
    profile : dict or polars.DataFrame
        One profile row (:data:`liqcost.schema.PROFILE`): ``symbol``, ``volatility_daily_frac``, ``adv_shares``
        (or ``mdv_shares``, ``planner.volume_basis``), optional ``market_cap_usd``, ``shares_outstanding``,
        ``price_px`` (for the size band of overrides). A frame must hold exactly one row.
    config : liqcost.config.Config, optional
        ``impact.sqrt_y``, ``impact.params_file``, ``planner.volume_basis``, ``bars.market_cap_bands_usd``.
    params : liqcost.models.params.ImpactParams, optional
        Parameters already loaded (e.g. a calibrated file: ``load_params(path="params.yaml")``).
    half_life_s, decay : optional
        Relaxation of the transient part (defaults of :class:`~liqcost.sim.options.SimOptions`).

    Returns
    -------
    OwnImpact

    Raises
    ------
    NoDataError
        When the profile has no usable volatility or daily volume (replay with own impact off instead).
    """
    import numpy as np

    from liqcost.config import Config
    from liqcost.errors import NoDataError
    from liqcost.models.params import cap_band, load_params
    from liqcost.planner.costs import daily_volume

    config = config or Config()
    if hasattr(profile, "to_dicts"):
        rows = profile.to_dicts()
        if len(rows) != 1:
            raise NoDataError(f"own impact needs one profile row, got {len(rows)}; select the symbol's row.")
        profile = rows[0]
    sym = str(profile.get("symbol", "") or "")
    params = params if params is not None else load_params(config)

    def num(key):
        try:
            v = float(profile.get(key))
        except (TypeError, ValueError):
            return float("nan")
        return v

    sigma = num("volatility_daily_frac")
    vol = daily_volume(profile, config)
    if not (math.isfinite(sigma) and sigma > 0) or not (math.isfinite(vol) and vol > 0):
        raise NoDataError(
            f"{sym or 'profile'}: own impact needs the daily volatility and volume of the profile (got {sigma!r} and "
            f"{vol!r}); build the profile on more days, or replay with own impact off."
        )
    mcap = num("market_cap_usd")
    if not math.isfinite(mcap):
        mcap = num("price_px") * num("shares_outstanding")
    band = cap_band(np.array([mcap]), config.bars.market_cap_bands_usd)
    sq = params.resolve(np.array([sym], dtype=object), band)["sqrt"]
    from liqcost.sim.options import SimOptions

    d = SimOptions()
    return OwnImpact(
        y=float(sq["y"][0]),
        permanent_frac=float(sq["permanent_frac"][0]),
        volatility_daily_frac=sigma,
        daily_volume_shares=vol,
        half_life_s=float(half_life_s if half_life_s is not None else d.impact_half_life_s),
        decay=decay or d.impact_decay,
        source=params.source or "built-in defaults",
    )
