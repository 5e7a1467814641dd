"""pandas peer of the tick measures: ``merge_asof`` by symbol-day + vectorized numpy (no Python loop per row).

From canonical trades and quotes it computes, per symbol-day: the prevailing valid quote strictly before each
trade (``bid > 0``, ``ask > 0``, ``bid <= ask``, same symbol-day), Lee-Ready signs (quote rule, tick rule at
the midpoint, liqcost's relative price tolerance 1e-9), the effective spread, realized spread and price impact
at the clock horizons (clipped at the close) and the trade-count horizons (the close's mid past the last
trade), volume, VWAP, number of trades and the time-weighted quoted spread over the session. These are
liqcost's ``n_trades``, ``volume_shares``, ``vwap_px``, ``quoted_spread_bps``, ``effective_spread_bps``,
``realized_spread_<h>_bps`` and ``price_impact_<h>_bps`` (liqcost computes ~60 more columns in the same pass).

The polars -> pandas conversion is in ``prepare`` (untimed); the computation is ``run``. Assumes the
default quote age limit does not bind (``liqcost bench`` runs the tick stages with ``max_quote_age_s`` off).
"""

from __future__ import annotations

import numpy as np

from ._base import Peer, horizon_labels

NS = 1_000_000_000


def prepare(inputs: dict) -> dict:
    import polars as pl

    tz = inputs["timezone"]
    date = pl.col("ts").dt.convert_time_zone(tz).dt.date()
    ts = pl.col("ts").cast(pl.Int64)
    t = inputs["trades"].select("symbol", ts.alias("ts"), "price", "size", date.alias("date"))
    q = inputs["quotes"].select("symbol", ts.alias("ts"), "bid", "ask", date.alias("date"))
    keys = pl.concat([t.select("symbol", "date"), q.select("symbol", "date")]).unique().sort("symbol", "date")
    o, c = inputs["bounds"](keys.get_column("date").to_list())
    keys = keys.with_columns(pl.Series("open_ns", o), pl.Series("close_ns", c), pl.int_range(pl.len()).alias("pid"))
    return {"trades": t.to_pandas(), "quotes": q.to_pandas(), "keys": keys.to_pandas(),
            "horizons_s": list(inputs["horizons_s"]), "horizons_trades": list(inputs["horizons_trades"])}


def run(p: dict):
    import pandas as pd

    hs, htr = p["horizons_s"], p["horizons_trades"]
    labels = horizon_labels(hs, htr)
    keys = p["keys"]
    t = p["trades"].merge(keys, on=["symbol", "date"])
    q = p["quotes"].merge(keys, on=["symbol", "date"])
    q = q[(q.bid > 0) & (q.ask > 0) & (q.bid <= q.ask)].sort_values("ts", kind="stable")
    q["mid"] = (q.bid + q.ask) / 2
    qm = q[["ts", "pid", "mid"]]
    t = t.sort_values("ts", kind="stable")
    t = pd.merge_asof(t, qm, on="ts", by="pid", allow_exact_matches=False)
    t = t[(t.ts >= t.open_ns) & (t.ts <= t.close_ns)].sort_values(["pid", "ts"], kind="stable").reset_index(drop=True)
    # Lee-Ready: quote rule, tick rule at the midpoint (price changes within 1e-9 relative are no change)
    g = t.groupby("pid")
    dp = g["price"].diff()
    dp = dp.where(dp.abs() > 1e-9 * g["price"].shift(1).abs(), 0.0)
    tick = np.sign(dp).replace(0, np.nan).groupby(t["pid"]).ffill().fillna(0)
    away = t.price - t.mid
    quote = np.sign(away).where(away.abs() > 1e-9 * t.mid, 0.0).where(t.mid.notna())
    t["sign"] = np.where(quote.notna() & (quote != 0), quote, tick)
    t["eff"] = np.where(t.sign != 0, 2 * t.sign * away / t.mid * 1e4, np.nan)
    t.loc[(t.sign == 0) & (away.abs() <= 1e-9 * t.mid), "eff"] = 0.0  # unsigned at the mid: no cost
    # the mid at the close (horizons past the close are clipped to it)
    closes = keys[["pid", "close_ns"]].rename(columns={"close_ns": "ts"}).sort_values("ts")
    closes = pd.merge_asof(closes, qm, on="ts", by="pid", allow_exact_matches=False)
    close_mid = closes.set_index("pid")["mid"]
    for h, lab in zip(hs, labels):
        probe = pd.DataFrame({"ts": np.minimum(t.ts.values + int(round(h * NS)), t.close_ns.values), "pid": t.pid.values,
                              "row": np.arange(len(t))}).sort_values("ts", kind="stable")
        probe = pd.merge_asof(probe, qm, on="ts", by="pid", allow_exact_matches=False)
        t[f"mid_{lab}"] = probe.sort_values("row")["mid"].values
    g = t.groupby("pid")
    for n, lab in zip(htr, labels[len(hs):]):
        last = g.cumcount(ascending=False) < n
        t[f"mid_{lab}"] = np.where(last, t.pid.map(close_mid), g["mid"].shift(-n))
    ok_eff = t.eff.notna()
    t["w_eff"] = np.where(ok_eff, t["size"], 0.0)
    t["we"] = np.where(ok_eff, t["size"] * t.eff, 0.0)
    t["pv"] = t.price * t["size"]
    g = t.groupby("pid")
    daily = pd.DataFrame({"n_trades": g.size(), "volume_shares": g["size"].sum(), "pv": g["pv"].sum(),
                          "we": g["we"].sum(), "w_eff": g["w_eff"].sum()})
    daily["vwap_px"] = daily.pv / daily.volume_shares
    daily["effective_spread_bps"] = daily.we / daily.w_eff
    for lab in labels:
        rs = 2 * t.sign * (t.price - t[f"mid_{lab}"]) / t.mid * 1e4
        ok = rs.notna() & ok_eff & (t.sign != 0)
        t["_w"] = np.where(ok, t["size"], 0.0)
        t["_wr"] = np.where(ok, t["size"] * rs, 0.0)
        t["_wi"] = np.where(ok, t["size"] * (t.eff - rs), 0.0)
        gg = t.groupby("pid")
        daily[f"realized_spread_{lab}_bps"] = gg["_wr"].sum() / gg["_w"].sum()
        daily[f"price_impact_{lab}_bps"] = gg["_wi"].sum() / gg["_w"].sum()
    # time-weighted quoted spread over the session
    q = q.sort_values(["pid", "ts"], kind="stable")
    nxt = q.groupby("pid")["ts"].shift(-1, fill_value=np.iinfo(np.int64).max)
    lo = np.maximum(q.ts.values, q.open_ns.values)
    hi = np.minimum(nxt.values, q.close_ns.values)
    dur = np.clip(hi - lo, 0, None).astype(float)
    q["_d"] = dur
    q["_ds"] = dur * (q.ask - q.bid) / q.mid * 1e4
    gq = q.groupby("pid")
    daily = daily.join((gq["_ds"].sum() / gq["_d"].sum()).rename("quoted_spread_bps"), how="outer")
    daily = daily.drop(columns=["pv", "we", "w_eff"]).join(keys.set_index("pid")[["symbol", "date"]], how="right")
    daily[["n_trades", "volume_shares"]] = daily[["n_trades", "volume_shares"]].fillna(0)  # quotes only: no trade
    return daily


def result(out):
    import polars as pl

    return pl.from_pandas(out.reset_index(drop=True)).with_columns(pl.col("date").cast(pl.Date))


PEER = Peer("pandas", "ticks_daily", "pandas merge_asof by symbol-day + vectorized numpy", prepare, run, result,
            requires=("pandas",))
