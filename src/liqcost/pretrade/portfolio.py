"""Portfolio view of a pre-trade check: totals, the cost to liquidate part of the book, and who is stuck.

Tables (currency is the quote currency of the prices; a "book" is the set of priced orders, e.g. a
position file priced as sells):

* ``summary`` (one row): order counts, gross and net notional, the expected cost with its band (currency
  and bps of gross notional), the timing risk if the names moved independently, the share of notional in
  each liquidity bucket and the flag counts.
* ``liquidation``: for each fraction ``f`` of the book (``pretrade.liquidation_fracs``) and horizon ``N``
  trading days (``pretrade.liquidation_days``), selling ``f`` of every position evenly over ``N`` days:
  the participation each name then needs (``f Q / (N ADV)``), the expected cost (central model, in
  currency and bps of the slice), the largest participation needed and the share of the slice's notional
  that would need more than its cap (not feasible without moving the price much more).
* ``ladder``: for each horizon ``N``, the share of the book's notional expected to be done within ``N``
  days at the cap: ``sum notional * P(D <= N) / gross`` (complete orders only, from the empirical volume
  distribution) and the ADV-based share ``sum notional * min(1, N cap ADV / Q) / gross``.
* ``least_liquid``: the ``pretrade.least_liquid_n`` orders with the most expected days to complete.
"""

from __future__ import annotations

import numpy as np

__all__ = ["portfolio_tables"]


def portfolio_tables(t, flags, price_fn, config, p_within: dict, n_orders: int, n_errors: int) -> dict:
    """Build the portfolio tables from the priced orders.

    Parameters
    ----------
    t : polars.DataFrame
        Priced orders (the pre-trade per-order table, ``status == 'ok'`` rows).
    flags : polars.DataFrame
        The flags table.
    price_fn : callable
        ``price_fn(qty_shares, duration_days) -> central cost in bps`` for the priced orders (arrays in the
        order of ``t``).
    config : liqcost.config.Config
    p_within : dict of int to numpy.ndarray
        ``P(D <= k)`` of the priced orders for every ``k`` in ``pretrade.liquidation_days``.
    n_orders, n_errors : int
        Orders in the input and orders that could not be priced.

    Returns
    -------
    dict of str to polars.DataFrame
        ``summary``, ``liquidation``, ``ladder``, ``least_liquid``.
    """
    import polars as pl

    pc = config.pretrade
    notional = t.get_column("notional_usd").to_numpy()
    side = np.where(t.get_column("side").to_numpy() == "sell", -1.0, 1.0)  # side is buy/sell
    gross = float(np.nansum(notional))
    with np.errstate(invalid="ignore", divide="ignore"):
        def bps(x):
            return float(x / gross * 1e4) if gross > 0 else float("nan")

        cost_c = float(np.nansum(t.get_column("cost_central_usd").to_numpy()))
        cost_l = float(np.nansum(t.get_column("cost_low_usd").to_numpy()))
        cost_h = float(np.nansum(t.get_column("cost_high_usd").to_numpy()))
        tr = float(np.sqrt(np.nansum(t.get_column("timing_risk_usd").to_numpy() ** 2)))
        bucket = t.get_column("liquidity_bucket").to_numpy()
        b0, b1 = pc.bucket_days
        shares = {
            f"notional_le{b0}d_frac": float(notional[bucket == f"<={b0}d"].sum() / gross) if gross > 0 else float("nan"),
            f"notional_le{b1}d_frac": float(notional[bucket == f"<={b1}d"].sum() / gross) if gross > 0 else float("nan"),
            f"notional_gt{b1}d_frac": float(notional[bucket == f">{b1}d"].sum() / gross) if gross > 0 else float("nan"),
            "notional_not_sellable_stressed_frac": float(notional[bucket == "not_sellable_stressed"].sum() / gross) if gross > 0 else float("nan"),
        }
    days = t.get_column("expected_days").to_numpy()
    sev = flags.get_column("severity") if flags.height else pl.Series([], dtype=pl.String)
    summary = pl.DataFrame(
        [
            {
                "n_orders": n_orders,
                "n_priced": t.height,
                "n_errors": n_errors,
                "gross_notional_usd": gross,
                "net_notional_usd": float(np.nansum(notional * side)),
                "cost_central_usd": cost_c,
                "cost_low_usd": cost_l,
                "cost_high_usd": cost_h,
                "cost_central_bps": bps(cost_c),
                "cost_low_bps": bps(cost_l),
                "cost_high_bps": bps(cost_h),
                "timing_risk_indep_usd": tr,
                "expected_days_max": float(np.max(days)) if days.size else float("nan"),
                **shares,
                "n_orders_critical": int(flags.filter(pl.col("severity") == "critical").get_column("order_id").n_unique()) if flags.height else 0,
                "n_orders_warn": int(flags.filter(pl.col("severity") == "warn").get_column("order_id").n_unique()) if flags.height else 0,
                "n_flags_critical": int((sev == "critical").sum()),
                "n_flags_warn": int((sev == "warn").sum()),
            }
        ]
    )

    q = t.get_column("qty_shares").to_numpy()
    adv = t.get_column("adv_shares").to_numpy()
    cap = t.get_column("cap_frac").to_numpy()
    rows = []
    for f in pc.liquidation_fracs:
        for n_days in pc.liquidation_days:
            qs = q * f
            with np.errstate(invalid="ignore", divide="ignore"):
                need = qs / (n_days * adv)
                cost_bps = price_fn(qs, np.full(q.shape, float(n_days)))
            slice_notional = notional * f
            sn = float(np.nansum(slice_notional))
            cost = float(np.nansum(cost_bps * 1e-4 * slice_notional))
            rows.append(
                {
                    "book_frac": f,
                    "horizon_days": n_days,
                    "notional_usd": sn,
                    "cost_central_usd": cost,
                    "cost_central_bps": cost / sn * 1e4 if sn > 0 else float("nan"),
                    "max_participation_frac": float(np.nanmax(need)) if need.size else float("nan"),
                    "notional_above_cap_frac": float(slice_notional[need > cap].sum() / sn) if sn > 0 else float("nan"),
                    "n_orders_above_cap": int((need > cap).sum()),
                }
            )
    liquidation = pl.DataFrame(rows)
    ladder_rows = []
    for n_days in pc.liquidation_days:
        pw = p_within.get(n_days)
        with np.errstate(invalid="ignore", divide="ignore"):
            adv_done = np.minimum(1.0, n_days * cap * adv / q)
        ladder_rows.append(
            {
                "horizon_days": n_days,
                "notional_done_prob_frac": float(np.nansum(notional * pw) / gross) if gross > 0 and pw is not None else float("nan"),
                "notional_done_adv_frac": float(np.nansum(notional * adv_done) / gross) if gross > 0 else float("nan"),
                "orders_done_prob_mean": float(np.nanmean(pw)) if pw is not None and pw.size else float("nan"),
            }
        )
    ladder = pl.DataFrame(ladder_rows)
    keep = [c for c in ("order_id", "symbol", "side", "qty_shares", "notional_usd", "order_adv_frac", "expected_days",
                        "days_stressed", "liquidity_bucket", "cost_central_bps", "severity") if c in t.columns]
    least = t.sort(["expected_days", "order_adv_frac"], descending=True, nulls_last=True).head(pc.least_liquid_n).select(keep)
    return {"summary": summary, "liquidation": liquidation, "ladder": ladder, "least_liquid": least}
