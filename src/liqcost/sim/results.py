"""Result objects of a replay (the :class:`liqcost.result.Result` protocol).

Costs are in bps of the order's arrival mid (the replayed mid when its first tranche was posted), positive
when they hurt. For each fill ``i`` of ``q_i`` shares at ``p_i``, with ``m_0`` the arrival mid, ``m_i`` the
replayed mid in force at the fill (the tape's mid times ``1 + D_i``, ``D_i`` our displacement), side ``s``:

* ``shortfall_bps = s (p_i - m_0) / m_0`` = ``spread_bps + impact_bps + drift_bps`` exactly, with
* ``spread_bps = s (p_i - m_i) / m_0``: what the fill paid against the mid in force (negative when a
  passive fill earned part of the spread; a sweep's walk beyond the touch counts here);
* ``impact_bps = s m^tape_i (D_i - D_0) / m_0``: our own displacement since arrival;
* ``drift_bps = s (m^tape_i - m^tape_0) (1 + D_0) / m_0``: the market's own move on the tape.

Per order, the implementation shortfall (Perold 1988, "The implementation shortfall: paper versus reality",
J. Portfolio Management 14(3)) over the whole order quantity ``Q``::

    shortfall_bps = (sum_i q_i shortfall_i + U s (m_end - m_0) / m_0) / Q

with ``U`` the shares never filled (left by the ``leave`` policy, a price cap or no quote) priced at the
replayed mid at the end of the order's last window (their opportunity cost). ``execution_cost_bps`` and its
parts are per filled share; ``fill_rate_frac`` counts every fill (crossings at a window's end included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from liqcost.result import Result

__all__ = ["DaysResult", "ReplayResult", "ORDER_SUMMARY_COLUMNS", "DISTRIBUTION_SUMMARY_COLUMNS"]

ORDER_SUMMARY_COLUMNS = [
    "order_id", "symbol", "side", "qty_shares", "fill_rate_frac", "unfilled_frac", "shortfall_bps", "execution_cost_bps",
    "spread_cost_bps", "impact_bps", "drift_bps", "participation_frac", "time_to_complete_s", "predicted_cost_bps",
]
DISTRIBUTION_SUMMARY_COLUMNS = [
    "variant", "n_runs", "cost_mean_bps", "cost_p05_bps", "cost_median_bps", "cost_p95_bps", "cost_sd_bps",
    "fill_rate_mean_frac", "unfilled_mean_frac", "spread_cost_mean_bps", "impact_mean_bps", "predicted_cost_mean_bps",
    "predicted_in_replay_90_frac",
]


@dataclass(frozen=True)
class ReplayResult(Result):
    """One replay: per order, per tranche and per fill.

    Attributes
    ----------
    orders : polars.DataFrame
        One row per order (main table): quantities, fill rate, shortfall and its parts, participation, time
        to complete, the plan's prediction when given. See the module docstring for the cost definitions.
    tranches : polars.DataFrame
        One row per tranche: planned and carried shares, fills, crossings at the end, what was left, market
        volume while it worked, realized participation, cost per filled share, re-pegs.
    fills : polars.DataFrame
        The simulated fills in the fills contract (:data:`liqcost.schema.FILLS`: ``order_id, symbol, side, ts,
        price, qty, decision_ts, decision_price, limit_price``) plus ``tranche``, ``fill_kind`` (passive,
        cross, cleanup), ``mid_px``, ``displacement_bps`` and the cost parts; post-trade review reads it as it
        reads real fills.
    run_events : int
        Events the state machine processed.
    """

    title: ClassVar[str] = "simulate"

    orders: object
    tranches: object
    fills: object
    note_lines: tuple = ()
    problem_list: tuple = ()
    run_events: int = 0

    def tables(self) -> dict:
        return {"orders": self.orders, "tranches": self.tranches, "fills": self.fills}

    def summary(self):
        cols = [c for c in ORDER_SUMMARY_COLUMNS if c in self.orders.columns]
        return self.orders.select(cols)


@dataclass(frozen=True)
class DaysResult(Result):
    """Plan variants replayed over many start days: the distribution of cost and fill rate.

    Attributes
    ----------
    distribution : polars.DataFrame
        One row per variant (main table): runs, cost (shortfall, bps) mean, sd and percentiles p05/p25/
        median/p75/p95, fill rate and unfilled share, spread cost, impact, time to complete, the plan's
        predicted cost and band (means) and ``predicted_in_replay_90_frac``: the share of start days whose
        predicted cost lies within the replayed costs' 5-95% range; ``realized_in_plan_band_frac``: the share
        whose replayed cost lies in the plan's own 90% band. ``cost_sd_bps`` against ``cost_mean_bps`` are
        the cost-risk points of the variants.
    runs : polars.DataFrame
        One row per variant, start day and order: the order table of each replay with ``variant`` and
        ``start_day``.
    fills : polars.DataFrame or None
        Every simulated fill with ``variant`` and ``start_day`` (kept when asked for).
    tranches : polars.DataFrame or None
        The tranche table of every run with ``variant`` and ``start_day`` (kept when asked for).
    """

    title: ClassVar[str] = "simulate: plan variants over start days"

    distribution: object
    runs: object
    fills: object = None
    note_lines: tuple = ()
    problem_list: tuple = ()
    run_events: int = 0
    tranches: object = None
    parts: object = field(default=None, repr=False, compare=False)

    def tables(self) -> dict:
        out = {"distribution": self.distribution, "runs": self.runs}
        if self.tranches is not None:
            out["tranches"] = self.tranches
        if self.fills is not None:
            out["fills"] = self.fills
        return out

    def summary(self):
        cols = [c for c in DISTRIBUTION_SUMMARY_COLUMNS if c in self.distribution.columns]
        return self.distribution.select(cols)

