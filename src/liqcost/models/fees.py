"""Fees: broker commission and the US regulatory fees on sales, per order or per tranche.

Every cost liqcost reports (pre-trade, plan, frontier, crossing now) includes the fees, and shows them apart
(``fees_bps``, ``fees_usd`` and the parts ``commission_usd``, ``sec_fee_usd``, ``taf_usd``). The schedule
comes from the ``fees:`` section of the config (:class:`liqcost.config.FeesConfig`):

* **commission** (both sides): ``commission_per_share_usd x shares + commission_bps x notional``, at least
  ``commission_min_usd`` per order (a plan spreads it over its tranches in proportion to their shares);
* **SEC fee** (Securities Exchange Act of 1934, section 31; sells only): ``sec_fee_per_million_usd x
  proceeds / 1e6``;
* **FINRA Trading Activity Fee** (TAF, FINRA By-Laws Schedule A section 1; sells only): ``taf_per_share_usd``
  per share sold, at most ``taf_max_per_trade_usd`` per trade (execution).

Units: currency of the prices (the fee rates are US dollars: the regulatory fees apply to US equities and
are off by default for other currencies, ``fees.regulatory: auto``). Proceeds are valued at the arrival
price (the difference with the execution price is second order: 1 % of a fee of a few bps). Brokers round
each fee up to the cent per trade; that rounding is not modelled.

The TAF cap is per execution. An order of ``Q`` shares filled in ``n`` executions of equal size pays
``n min(rate Q / n, cap) = min(rate Q, n cap)``; the callers take ``n = ceil(Q / s)`` with ``s`` the name's
typical print size (``trade_size_median_shares``, else a round lot): the cap binds only for executions
above ``cap / rate`` shares (about 50,000 shares at the 2024 rates), i.e. blocks.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["FeeParts", "FeeSchedule", "executions"]


def executions(qty_shares, print_size_shares, round_lot: float = 100.0) -> np.ndarray:
    """Executions an order (or tranche) of ``qty_shares`` is filled in: ``ceil(Q / s)`` with ``s`` the
    typical print size (a round lot where unknown), at least one for a non-zero order."""
    q = np.asarray(qty_shares, dtype=np.float64)
    s = np.asarray(print_size_shares, dtype=np.float64)
    s = np.where(np.isfinite(s) & (s > 0), s, float(round_lot))
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.ceil(q / s)
    return np.where(q > 0, np.maximum(n, 1.0), 0.0)


@dataclass(frozen=True)
class FeeParts:
    """Fees of a batch of orders or tranches, currency (one value per element).

    Attributes
    ----------
    commission_usd, sec_fee_usd, taf_usd : numpy.ndarray
        Commission (both sides), SEC section 31 fee and FINRA TAF (sells), currency.
    notional_usd : numpy.ndarray
        ``qty x price`` at the arrival price, the base of :attr:`bps`.
    """

    commission_usd: np.ndarray
    sec_fee_usd: np.ndarray
    taf_usd: np.ndarray
    notional_usd: np.ndarray

    @property
    def total_usd(self) -> np.ndarray:
        return self.commission_usd + self.sec_fee_usd + self.taf_usd

    @property
    def bps(self) -> np.ndarray:
        """All fees in bps of the arrival notional (0 for an empty order)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.notional_usd > 0, self.total_usd / self.notional_usd * 1e4, 0.0)


@dataclass(frozen=True)
class FeeSchedule:
    """The fee schedule (see the module docstring; built from the config with :meth:`from_config`).

    Attributes
    ----------
    commission_per_share_usd, commission_bps, commission_min_usd : float
        Broker commission per share, in bps of notional, and the smallest commission of an order.
    regulatory : bool
        Whether the SEC fee and the TAF apply (US equities).
    sec_fee_per_million_usd : float
        SEC section 31 fee, currency per million of sale proceeds.
    sec_fee_effective : datetime.date or None
        Date from which that rate applies.
    taf_per_share_usd, taf_max_per_trade_usd : float
        FINRA TAF per share sold and its cap per trade.
    taf_effective : datetime.date or None
        Date from which those rates apply.
    """

    commission_per_share_usd: float = 0.0
    commission_bps: float = 0.0
    commission_min_usd: float = 0.0
    regulatory: bool = True
    sec_fee_per_million_usd: float = 0.0
    sec_fee_effective: dt.date | None = None
    taf_per_share_usd: float = 0.0
    taf_max_per_trade_usd: float = math.inf
    taf_effective: dt.date | None = None

    @classmethod
    def from_config(cls, config) -> FeeSchedule:
        """The schedule of ``config.fees`` (``regulatory: auto`` is on when ``session.currency`` is USD)."""
        f = config.fees
        reg = f.regulatory == "on" or (f.regulatory == "auto" and config.session.currency.upper() == "USD")
        return cls(f.commission_per_share_usd, f.commission_bps, f.commission_min_usd, reg, f.sec_fee_per_million_usd,
                   f.sec_fee_effective, f.taf_per_share_usd, f.taf_max_per_trade_usd, f.taf_effective)

    @classmethod
    def none(cls) -> FeeSchedule:
        """No fees at all."""
        return cls(regulatory=False)

    def fees(self, side, qty_shares, price_px, n_executions=1.0, commission_min: bool = True) -> FeeParts:
        """Fees of orders (or tranches) of ``qty_shares`` at ``price_px``.

        Parameters
        ----------
        side : array_like
            +1 buy, -1 sell (or ``"buy"``/``"sell"``).
        qty_shares : array_like
            Shares (>= 0).
        price_px : array_like
            Arrival price, currency per share.
        n_executions : array_like
            Executions each is filled in (the TAF cap is per execution; :func:`executions`).
        commission_min : bool
            Apply ``commission_min_usd`` to each element (an order); False for tranches (the caller spreads
            the order's minimum).

        Returns
        -------
        FeeParts
        """
        side = np.asarray(side)
        if side.dtype.kind in "USO":
            side = np.where(np.char.lower(side.astype(str)) == "sell", -1, 1)
        q = np.asarray(qty_shares, dtype=np.float64)
        px = np.asarray(price_px, dtype=np.float64)
        q, px, side, n = (np.atleast_1d(a) for a in np.broadcast_arrays(q, px, side, np.asarray(n_executions, dtype=np.float64)))
        notional = q * px
        comm = self.commission_per_share_usd * q + self.commission_bps * 1e-4 * notional
        if commission_min and self.commission_min_usd > 0:
            comm = np.where(q > 0, np.maximum(comm, self.commission_min_usd), 0.0)
        sell = (side < 0) & self.regulatory
        sec = np.where(sell, self.sec_fee_per_million_usd * 1e-6 * notional, 0.0)
        with np.errstate(invalid="ignore"):
            taf = np.where(sell, np.minimum(self.taf_per_share_usd * q, np.maximum(n, 1.0) * self.taf_max_per_trade_usd), 0.0)
        return FeeParts(comm.astype(np.float64), sec, taf, notional)

    def notes(self, asof: dt.date | None, any_sells: bool) -> list[str]:
        """Caveats for a run priced as of ``asof``: a regulatory rate that took effect after that date."""
        out = []
        if not (self.regulatory and any_sells and asof is not None):
            return out
        for what, key, when in (("SEC section 31 fee", "fees.sec_fee_per_million_usd", self.sec_fee_effective),
                                ("FINRA TAF", "fees.taf_per_share_usd", self.taf_effective)):
            if when is not None and asof < when:
                out.append(f"the {what} rate ({key}) applies from {when}, after the as-of date {asof}: the rate in force "
                           "then was different; set the rate of the date you price if it matters.")
        return out

    def describe(self) -> str:
        """One line: the schedule in words."""
        parts = []
        if self.commission_per_share_usd or self.commission_bps or self.commission_min_usd:
            parts.append(f"commission {self.commission_per_share_usd:g}/share + {self.commission_bps:g} bps "
                         f"(min {self.commission_min_usd:g})")
        else:
            parts.append("no commission")
        if self.regulatory:
            parts.append(f"SEC fee {self.sec_fee_per_million_usd:g}/million on sells (from {self.sec_fee_effective}), "
                         f"FINRA TAF {self.taf_per_share_usd:g}/share sold, max {self.taf_max_per_trade_usd:g}/trade "
                         f"(from {self.taf_effective})")
        else:
            parts.append("no regulatory fees")
        return "; ".join(parts)
