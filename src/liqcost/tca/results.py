"""Results of the post-trade review and of the model review (the :class:`liqcost.result.Result` protocol)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from liqcost.result import Problem, Result

__all__ = ["TcaResult", "ModelReviewResult"]


def _reason_problems(table: pl.DataFrame, kind: str, what: str, remedy: str) -> tuple[Problem, ...]:
    """One :class:`Problem` per distinct reason, naming the rows it concerns."""
    if table.height == 0:
        return ()
    out = []
    for (reason,), g in table.group_by(["reason"], maintain_order=True):
        rows = [r for r in g.get_column("row").to_list() if r is not None]
        shown = ", ".join(str(r) for r in rows[:8]) + (f" ... ({len(rows)} rows)" if len(rows) > 8 else "")
        where = f"{what} row{'s' if len(rows) != 1 else ''} {shown}" if rows else what
        out.append(Problem(kind, where, f"{g.height} set aside: {reason}; {remedy}"))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class TcaResult(Result):
    """What your fills cost: per-order shortfall and benchmarks, per-fill spread and markouts, aggregates.

    Attributes
    ----------
    orders : polars.DataFrame
        One row per order (see :mod:`liqcost.tca.review` for every column and formula).
    fills : polars.DataFrame
        One row per reviewed fill: prevailing quote, spread paid, markouts, variance time.
    aggregates : polars.DataFrame
        The orders aggregated by symbol, side, day, broker and venue (:mod:`liqcost.tca.aggregate`).
    quarantine : polars.DataFrame
        Fills set aside, one row each, with ``reason``.
    rejected_orders : polars.DataFrame
        Orders set aside (``row``, ``order_id``, ``symbol``, ``reason``).
    """

    title: ClassVar[str] = "post-trade review"

    orders: pl.DataFrame
    fills: pl.DataFrame
    aggregates: pl.DataFrame
    quarantine: pl.DataFrame
    rejected_orders: pl.DataFrame
    note_lines: tuple = ()

    def tables(self) -> dict[str, pl.DataFrame]:
        out = {"orders": self.orders, "fills": self.fills, "aggregates": self.aggregates}
        if self.quarantine.height:
            out["quarantine"] = self.quarantine
        if self.rejected_orders.height:
            out["rejected_orders"] = self.rejected_orders
        return out

    def summary(self) -> pl.DataFrame:
        """The review at a glance: one row per measure, one column for all orders and one per side.

        Costs in bps are totals over the paper notional (``is_*``) or weighted by the filled notional at the
        arrival mid (arrival cost, slippages), as in :mod:`liqcost.tca.aggregate`.
        """
        o = self.orders
        groups = {"all": o, "buy": o.filter(pl.col("side") > 0), "sell": o.filter(pl.col("side") < 0)}
        measures = [
            "orders", "fills", "filled_notional_usd", "fill_rate_frac", "is_usd", "is_bps", "is_delay_bps", "is_spread_bps",
            "is_impact_bps", "is_opportunity_bps", "is_fees_bps", "arrival_cost_bps", "slippage_interval_vwap_bps",
            "slippage_day_vwap_bps", "slippage_twap_bps", "slippage_close_bps", "participation_frac",
        ]
        cols: dict = {"measure": measures}
        for name, g in groups.items():
            if g.height == 0:
                cols[name] = [0.0, 0.0] + [None] * (len(measures) - 2)
                continue
            paper = g.get_column("paper_notional_usd").fill_nan(None).sum()
            w = (g.get_column("filled_qty_shares") * g.get_column("arrival_mid_px")).fill_nan(None).fill_null(0.0)

            def part(c):
                v = g.get_column(c).fill_nan(None).sum()
                return v / paper * 1e4 if paper else None

            def wmean(c):
                x = g.get_column(c)
                ok = x.is_not_nan() & x.is_not_null() & (w > 0)
                den = w.filter(ok).sum()
                return float((x.filter(ok) * w.filter(ok)).sum() / den) if den else None

            intended = g.get_column("intended_qty_shares").sum()
            cols[name] = [
                float(g.height), float(g.get_column("n_fills").sum()), float(g.get_column("filled_notional_usd").sum()),
                g.get_column("filled_qty_shares").sum() / intended if intended else None,
                float(g.get_column("is_usd").fill_nan(None).sum() or 0.0), part("is_usd"),
                part("delay_cost_usd"), part("spread_cost_usd"), part("impact_cost_usd"), part("opportunity_cost_usd"), part("fees_usd"),
                wmean("arrival_cost_bps"), wmean("slippage_interval_vwap_bps"), wmean("slippage_day_vwap_bps"),
                wmean("slippage_twap_bps"), wmean("slippage_close_bps"),
                g.get_column("participation_frac").fill_nan(None).mean(),
            ]
        return pl.DataFrame(cols, schema={"measure": pl.String, "all": pl.Float64, "buy": pl.Float64, "sell": pl.Float64})

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (
            _reason_problems(self.quarantine, "fill_quarantined", "fills", "the other fills were reviewed; fix these rows and rerun")
            + _reason_problems(self.rejected_orders, "order_rejected", "orders", "fix these orders and rerun")
        )


@dataclass(frozen=True, eq=False)
class ModelReviewResult(Result):
    """The model's expected cost beside the realized one, per order, with z-scores, aggregates and outliers.

    Attributes
    ----------
    orders : polars.DataFrame
        One row per order with both a realized cost and an estimate (:func:`liqcost.tca.model.model_vs_realized`).
    aggregates : polars.DataFrame
        By symbol, size band, market-cap band, side, day, broker and venue.
    outliers : polars.DataFrame
        Orders with ``|z|`` above ``tca.outlier_z``, largest first.
    not_compared : polars.DataFrame
        Orders without an estimate or a realized cost, with the reason.
    band_z : float
        Half-width of the band, in risk units.
    """

    title: ClassVar[str] = "model vs realized"

    orders: pl.DataFrame
    aggregates: pl.DataFrame
    outliers: pl.DataFrame
    not_compared: pl.DataFrame
    band_z: float = 1.0
    note_lines: tuple = ()

    def tables(self) -> dict[str, pl.DataFrame]:
        out = {"orders": self.orders, "aggregates": self.aggregates, "outliers": self.outliers}
        if self.not_compared.height:
            out["not_compared"] = self.not_compared
        return out

    @property
    def n(self) -> int:
        return int(self.orders.filter(pl.col("z").is_not_nan()).height)

    @property
    def inside_band_frac(self) -> float:
        """Share of orders whose realized cost lies inside the model band."""
        t = self.orders.filter(pl.col("z").is_not_nan())
        return float(t.get_column("inside_band").mean()) if t.height else float("nan")

    @property
    def z_mean(self) -> float:
        t = self.orders.filter(pl.col("z").is_not_nan())
        return float(t.get_column("z").mean()) if t.height else float("nan")

    @property
    def z_sd(self) -> float:
        t = self.orders.filter(pl.col("z").is_not_nan())
        return float(t.get_column("z").std()) if t.height > 1 else float("nan")

    def summary(self) -> pl.DataFrame:
        """One row: orders compared, the share inside the band (and what a well-specified model gives), z-scores."""
        from math import erf, sqrt

        t = self.orders.filter(pl.col("z").is_not_nan())
        expected_inside = erf(self.band_z / sqrt(2.0))
        w = (t.get_column("filled_qty_shares") * t.get_column("arrival_mid_px")) if t.height else None
        return pl.DataFrame({
            "n_orders": [t.height],
            "inside_band_frac": [self.inside_band_frac],
            "inside_band_expected_frac": [expected_inside],
            "z_mean": [self.z_mean],
            "z_mean_se": [1.0 / sqrt(t.height) if t.height else float("nan")],
            "z_sd": [self.z_sd],
            "realized_cost_bps": [float((t.get_column("realized_cost_bps") * w).sum() / w.sum()) if t.height else float("nan")],
            "expected_cost_bps": [float((t.get_column("expected_cost_bps") * w).sum() / w.sum()) if t.height else float("nan")],
            "n_outliers": [self.outliers.height],
            "n_not_compared": [self.not_compared.height],
        })
