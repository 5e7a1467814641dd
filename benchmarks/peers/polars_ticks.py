"""polars-only peer of the tick measures: one ``join_asof`` per probe over all symbols, ``by`` the symbol-day.

The same outputs as the pandas peer (see :mod:`.pandas_ticks`), written as polars expressions: each as-of
match (the trade-time quote, every clock horizon, the close) is one ``join_asof(..., by="pid")`` over the
whole frame (``pid`` numbers the symbol-days), never a Python loop per symbol. The preparation (time stamps
as int64, the local date) is in ``prepare`` (untimed), as liqcost's frames-in-memory stage also starts from
frames that are already read.
"""

from __future__ import annotations

from ._base import Peer, horizon_labels

NS = 1_000_000_000


def prepare(inputs: dict) -> dict:
    import polars as pl

    date = pl.col("ts").dt.convert_time_zone(inputs["timezone"]).dt.date()
    t = inputs["trades"].select("symbol", pl.col("ts").cast(pl.Int64).alias("tsn"), "price", "size", date.alias("date"))
    q = inputs["quotes"].select("symbol", pl.col("ts").cast(pl.Int64).alias("tsn"), "bid", "ask", date.alias("date"))
    keys = pl.concat([t.select("symbol", "date"), q.select("symbol", "date")]).unique().sort("symbol", "date")
    o, c = inputs["bounds"](keys.get_column("date").to_list())
    keys = keys.with_columns(pl.Series("open_ns", o), pl.Series("close_ns", c), pl.int_range(pl.len()).alias("pid"))
    return {"trades": t.rechunk(), "quotes": q.rechunk(), "keys": keys,
            "horizons_s": list(inputs["horizons_s"]), "horizons_trades": list(inputs["horizons_trades"])}


def run(p: dict):
    import polars as pl

    hs, htr = p["horizons_s"], p["horizons_trades"]
    labels = horizon_labels(hs, htr)
    keys = p["keys"]
    t = p["trades"].join(keys, on=["symbol", "date"])
    q = (p["quotes"].join(keys.select("symbol", "date", "pid", "open_ns", "close_ns"), on=["symbol", "date"])
         .filter((pl.col("bid") > 0) & (pl.col("ask") > 0) & (pl.col("bid") <= pl.col("ask")))
         .with_columns(((pl.col("bid") + pl.col("ask")) / 2).alias("mid")))
    qm = q.select("tsn", "pid", "mid").sort("tsn")
    t = (t.filter((pl.col("tsn") >= pl.col("open_ns")) & (pl.col("tsn") <= pl.col("close_ns"))).sort("tsn")
         .join_asof(qm, on="tsn", by="pid", strategy="backward", allow_exact_matches=False, check_sortedness=False)
         .sort("pid", "tsn", maintain_order=True).with_row_index("row"))
    dp = pl.col("price").diff().over("pid")
    dp = pl.when(dp.abs() > 1e-9 * pl.col("price").shift(1).over("pid").abs()).then(dp).otherwise(0.0)
    tick = dp.sign().replace(0, None).forward_fill().over("pid").fill_null(0)
    away = pl.col("price") - pl.col("mid")
    quote = pl.when(away.abs() > 1e-9 * pl.col("mid")).then(away.sign()).otherwise(0.0)
    t = t.with_columns(pl.when(quote.is_not_null() & (quote != 0)).then(quote).otherwise(tick).alias("sign"))
    t = t.with_columns(pl.when(pl.col("sign") != 0).then(2 * pl.col("sign") * away / pl.col("mid") * 1e4)
                       .when(away.abs() <= 1e-9 * pl.col("mid")).then(0.0).otherwise(None).alias("eff"))  # at the mid
    close_mid = (keys.select(pl.col("close_ns").alias("tsn"), "pid").sort("tsn")
                 .join_asof(qm, on="tsn", by="pid", strategy="backward", allow_exact_matches=False, check_sortedness=False)
                 .select("pid", pl.col("mid").alias("close_mid")))
    t = t.join(close_mid, on="pid", how="left")
    for h, lab in zip(hs, labels):
        probe = (t.select("row", "pid", pl.min_horizontal(pl.col("tsn") + int(round(h * NS)), pl.col("close_ns")).alias("tsn"))
                 .sort("tsn").join_asof(qm, on="tsn", by="pid", strategy="backward", allow_exact_matches=False,
                                        check_sortedness=False)
                 .select("row", pl.col("mid").alias(f"mid_{lab}")))
        t = t.join(probe, on="row", how="left")
    t = t.with_columns([pl.col("mid").shift(-n).over("pid").fill_null(pl.col("close_mid")).alias(f"mid_{lab}")
                        for n, lab in zip(htr, labels[len(hs):])])
    ok = pl.col("eff").is_not_null()
    aggs = [pl.len().alias("n_trades"), pl.col("size").sum().alias("volume_shares"),
            ((pl.col("price") * pl.col("size")).sum() / pl.col("size").sum()).alias("vwap_px"),
            ((pl.col("eff") * pl.col("size")).filter(ok).sum() / pl.col("size").filter(ok).sum()).alias("effective_spread_bps")]
    for lab in labels:
        rs = 2 * pl.col("sign") * (pl.col("price") - pl.col(f"mid_{lab}")) / pl.col("mid") * 1e4
        okh = ok & rs.is_not_null() & (pl.col("sign") != 0)
        w = pl.col("size").filter(okh).sum()
        aggs.append(((rs * pl.col("size")).filter(okh).sum() / w).alias(f"realized_spread_{lab}_bps"))
        aggs.append((((pl.col("eff") - rs) * pl.col("size")).filter(okh).sum() / w).alias(f"price_impact_{lab}_bps"))
    daily = t.group_by("pid").agg(aggs)
    nxt = pl.col("tsn").shift(-1).over("pid")
    dur = (pl.min_horizontal(nxt.fill_null(pl.col("close_ns")), pl.col("close_ns"))
           - pl.max_horizontal(pl.col("tsn"), pl.col("open_ns"))).clip(0).cast(pl.Float64)
    qsp = (q.sort("pid", "tsn").group_by("pid")
           .agg(((dur * (pl.col("ask") - pl.col("bid")) / pl.col("mid") * 1e4).sum() / dur.sum()).alias("quoted_spread_bps")))
    return (keys.select("pid", "symbol", "date").join(daily, on="pid", how="left").join(qsp, on="pid", how="left")
            .with_columns(pl.col("n_trades", "volume_shares").fill_null(0)))  # quotes only: no trade


def result(out):
    return out.drop("pid")


PEER = Peer("polars", "ticks_daily", "polars only: one join_asof by symbol-day per probe, expressions",
            prepare, run, result, requires=("polars",))
