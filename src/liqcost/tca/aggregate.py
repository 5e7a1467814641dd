"""Aggregates of the per-order review by symbol, side, day, broker, venue, size band and market-cap band.

One long table: ``dimension`` (``symbol``, ``side`` ...), ``value`` (the group, as text), then per group the
order and fill counts, quantities and notionals, and costs in bps weighted as a desk reads them:

* ``is_bps``: total shortfall over total paper notional (``sum is_usd / sum X B``);
* ``arrival_cost_bps``, ``spread_paid_bps``, ``impact_cost_bps`` and the slippages: weighted by the filled
  notional at the arrival mid (``S B``), over the orders where they are defined;
* model columns when present (:mod:`liqcost.tca.model`): the weighted expected cost, the mean and standard
  deviation of the z-scores, the share of orders inside the model band and the number of outliers.
"""

from __future__ import annotations

import polars as pl

__all__ = ["aggregate"]

_WEIGHTED = (
    "arrival_cost_bps", "spread_paid_bps", "impact_cost_bps", "slippage_interval_vwap_bps", "slippage_day_vwap_bps",
    "slippage_twap_bps", "slippage_open_bps", "slippage_close_bps", "expected_cost_bps", "realized_cost_bps",
)


def _wmean(col: str) -> pl.Expr:
    ok = pl.col(col).is_not_null() & pl.col(col).is_not_nan() & pl.col("_w").is_not_nan()
    num = pl.when(ok).then(pl.col(col) * pl.col("_w")).otherwise(0.0).sum()
    den = pl.when(ok).then(pl.col("_w")).otherwise(0.0).sum()
    return pl.when(den > 0).then(num / den).otherwise(None).alias(col)


def aggregate(orders: pl.DataFrame, dims) -> pl.DataFrame:
    """Group the order table by each of ``dims`` in turn (see the module docstring).

    Parameters
    ----------
    orders : polars.DataFrame
        The review's (or the model review's) order table.
    dims : list of str
        Columns to group by; those absent from the table are skipped. Nulls form their own group
        (``value`` null: e.g. fills without a broker).

    Returns
    -------
    polars.DataFrame
        One row per dimension and group, dimension by dimension, groups sorted.
    """
    dims = [d for d in dims if d in orders.columns]
    if not dims or orders.height == 0:
        return pl.DataFrame(schema={"dimension": pl.String, "value": pl.String, "n_orders": pl.UInt32})
    base = orders.with_columns((pl.col("filled_qty_shares") * pl.col("arrival_mid_px")).fill_nan(None).fill_null(0.0).alias("_w"))
    weighted = [c for c in _WEIGHTED if c in base.columns]
    out = []
    for dim in dims:
        aggs = [
            pl.len().alias("n_orders"),
            pl.col("n_fills").sum().alias("n_fills"),
            pl.col("filled_qty_shares").sum(),
            pl.col("intended_qty_shares").sum(),
            pl.col("filled_notional_usd").sum(),
            pl.col("paper_notional_usd").fill_nan(None).sum(),
            pl.col("is_usd").fill_nan(None).sum(),
            (pl.col("is_usd").fill_nan(None).sum() / pl.col("paper_notional_usd").fill_nan(None).sum() * 1e4).alias("is_bps"),
            *[_wmean(c) for c in weighted],
            pl.col("participation_frac").fill_nan(None).mean(),
        ]
        if "z" in base.columns:
            z = pl.col("z").fill_nan(None)
            aggs += [
                z.mean().alias("z_mean"),
                z.std().alias("z_sd"),
                pl.col("inside_band").cast(pl.Float64).mean().alias("inside_band_frac"),
                pl.col("outlier").sum().alias("n_outliers"),
            ]
        g = base.group_by(dim).agg(aggs).with_columns(
            (pl.col("filled_qty_shares") / pl.col("intended_qty_shares")).alias("fill_rate_frac"),
            pl.lit(dim).alias("dimension"),
            pl.col(dim).cast(pl.String).alias("value"),
        ).drop(dim)
        out.append(g.sort("value", nulls_last=True))
    t = pl.concat(out, how="diagonal_relaxed")
    first = ["dimension", "value", "n_orders", "n_fills"]
    return t.select(first + [c for c in t.columns if c not in first])
