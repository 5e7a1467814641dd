"""Result objects of the impact models: the cost of an order split into its parts.

Every impact model returns a :class:`CostParts`: arrays (one value per order) of the expected cost in
basis points of the arrival mid, split into the half-spread paid, the temporary-impact cost and the
permanent-impact cost, plus the timing risk (one standard deviation of the price drift over the
execution, in bps; a risk, not an expected cost, so it is not part of ``total_bps``). The caller adds the
fees (:meth:`CostParts.with_fees`, :mod:`liqcost.models.fees`): they are part of ``total_bps`` and shown
apart in ``fees_bps``.

A cost is positive when it hurts the trader (DESIGN.md); currency amounts are ``bps * 1e-4 * notional``
with ``notional = qty_shares * price_px`` in the quote currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["CostParts"]


@dataclass(frozen=True)
class CostParts:
    """Expected cost of a batch of orders under one impact model.

    Attributes
    ----------
    model : str
        Name of the model (``sqrt``, ``almgren2005``, ``istar``, ``crossover``, ``log``).
    spread_bps : numpy.ndarray
        Half-spread paid, bps of the arrival mid (0 for a zero order).
    temporary_bps : numpy.ndarray
        Expected cost from temporary (transient) impact, bps of the arrival mid.
    permanent_bps : numpy.ndarray
        Expected cost from the permanent part of the impact paid while trading, bps of the arrival mid.
    timing_risk_bps : numpy.ndarray
        One standard deviation of the cost from price moves during the execution, bps (not added to
        the total: it is a risk, the expected value of that drift is zero).
    notes : tuple of str
        Model caveats that applied to this batch (e.g. "shares outstanding unknown for 3 orders: typical
        turnover used").
    flags : dict of str to numpy.ndarray
        Per-order boolean masks behind the notes (e.g. ``{"theta_fallback": mask}``).
    fees_bps : numpy.ndarray or None
        Commission and regulatory fees, bps of the arrival notional (None: no fees, 0).
    """

    model: str
    spread_bps: np.ndarray
    temporary_bps: np.ndarray
    permanent_bps: np.ndarray
    timing_risk_bps: np.ndarray
    notes: tuple[str, ...] = ()
    flags: dict = field(default_factory=dict)
    fees_bps: np.ndarray | None = None

    def with_fees(self, fees_bps) -> CostParts:
        """The same parts with the fees (bps of the arrival notional, one per order) added to the cost."""
        from dataclasses import replace

        fees = np.broadcast_to(np.asarray(fees_bps, dtype=np.float64), np.shape(self.spread_bps))
        return replace(self, fees_bps=np.where(np.isnan(self.spread_bps), np.nan, fees))

    @property
    def fees(self) -> np.ndarray:
        """The fees, bps (zeros when none were added)."""
        return np.zeros_like(np.asarray(self.spread_bps, dtype=np.float64)) if self.fees_bps is None else self.fees_bps

    @property
    def impact_bps(self) -> np.ndarray:
        """Temporary plus permanent impact cost, bps of the arrival mid."""
        return self.temporary_bps + self.permanent_bps

    @property
    def total_bps(self) -> np.ndarray:
        """Expected cost: half-spread + temporary + permanent + fees, bps of the arrival mid."""
        return self.spread_bps + self.temporary_bps + self.permanent_bps + self.fees

    def __len__(self) -> int:
        return int(np.size(self.total_bps))

    def currency(self, notional) -> dict[str, np.ndarray]:
        """The parts in currency for the given notionals (``qty_shares * price_px``).

        Parameters
        ----------
        notional : array_like
            Order notional in the quote currency, one per order (or a scalar).

        Returns
        -------
        dict
            ``spread``, ``temporary``, ``permanent``, ``fees``, ``total`` and ``timing_risk`` in currency.
        """
        n = np.asarray(notional, dtype=np.float64) * 1e-4
        return {
            "spread": self.spread_bps * n,
            "temporary": self.temporary_bps * n,
            "permanent": self.permanent_bps * n,
            "fees": self.fees * n,
            "total": self.total_bps * n,
            "timing_risk": self.timing_risk_bps * n,
        }

    def to_frame(self, notional=None):
        """The parts as a polars DataFrame (one row per order), with currency columns if ``notional`` is given."""
        import polars as pl

        cols = {
            "model": [self.model] * len(self),
            "spread_bps": np.atleast_1d(self.spread_bps),
            "temporary_bps": np.atleast_1d(self.temporary_bps),
            "permanent_bps": np.atleast_1d(self.permanent_bps),
            "impact_bps": np.atleast_1d(self.impact_bps),
            "fees_bps": np.atleast_1d(self.fees),
            "total_bps": np.atleast_1d(self.total_bps),
            "timing_risk_bps": np.atleast_1d(self.timing_risk_bps),
        }
        if notional is not None:
            cur = self.currency(notional)
            cols["total_usd"] = np.atleast_1d(cur["total"])
            cols["timing_risk_usd"] = np.atleast_1d(cur["timing_risk"])
        return pl.DataFrame(cols)
