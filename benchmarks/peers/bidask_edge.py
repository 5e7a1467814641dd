"""The ``bidask`` package's EDGE estimator (Ardia, Guidotti and Kroencke 2024) as a peer of liqcost's.

``bidask.edge_rolling`` takes one symbol's OHLC bars as a pandas frame, so it is called once per symbol
(what a user of the package does); liqcost's kernel runs over the whole panel. The per-symbol pandas
frames are built in ``prepare`` (untimed). Both give the spread as a fraction of the mid per symbol-day.
"""

from __future__ import annotations

from ._base import Peer


def prepare(inputs: dict) -> dict:
    import polars as pl

    bars = inputs["bars"].sort("symbol", "date")
    frames = []
    for (sym,), part in bars.group_by(["symbol"], maintain_order=True):
        frames.append((sym, part.get_column("date"), part.select("open", "high", "low", "close").to_pandas()))
    return {"frames": frames, "window": inputs["window"], "min_periods": inputs["min_periods"], "pl": pl}


def run(p: dict):
    import warnings

    import bidask

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sym, dates, df in p["frames"]:
            out.append((sym, dates, bidask.edge_rolling(df, window=p["window"], min_periods=p["min_periods"]).to_numpy()))
    return out


def result(out):
    import polars as pl

    return pl.concat([pl.DataFrame({"symbol": sym, "date": dates, "edge_frac": vals}) for sym, dates, vals in out])


PEER = Peer("bidask", "edge", "bidask.edge_rolling, once per symbol (pandas)", prepare, run, result,
            requires=("bidask", "pandas"), atol=1e-9, rtol=1e-7)
