"""Where the stand-in defaults of ``measures`` come from (docs/measures.md, "Sparse names").

Plain script: ``python benchmarks/profile_prior.py [--data ../shared/data]``; writes
``benchmarks/results/profile_prior.json``.

1. **The prior** (``measures.prior_spread_bps``, ``measures.prior_volatility_daily_frac``,
   ``measures.prior_uncertainty_frac``): the 700-ticker daily US sample (``daily_us_stocks``, data to
   2017-11-10) is profiled as ``liqcost profile`` would (bar estimators, 60-day estimator window ending
   2017-11-10, ``bars.missing_bar`` no_trade); the names of the three lowest dollar-volume deciles (the
   thin names a stand-in is for) are grouped by price band (``measures.price_bands_px``), and each band's
   median EDGE spread and close-to-close volatility is reported with the spread across names of their
   logs (1.4826 x the median absolute deviation).
2. **Quoted for effective** (``measures.quoted_spread_uncertainty_frac``): the ratio of the daily
   effective spread to the daily quoted spread, on the committed sample (simulated thin names) and on the
   LOBSTER AMZN/GOOG days (liquid names), as the median and the robust spread of ``log(effective/quoted)``
   over symbol-days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


def _robust_sd(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if x.size else float("nan")


def prior(data: Path) -> dict:
    import polars as pl

    from liqcost.config import load_config
    from liqcost.measures.bars import bar_profile

    cfg = load_config()
    src = data / "daily_us_stocks"
    d = pl.read_parquet(src / "stocks_daily_sample700.parquet").filter(pl.col("Date") >= dt.date(2017, 5, 1))
    bars = d.select(pl.col("ticker").alias("symbol"), pl.col("Date").alias("date"), pl.col("Open").alias("open"),
                    pl.col("High").alias("high"), pl.col("Low").alias("low"), pl.col("Close").alias("close"),
                    pl.col("Volume").cast(pl.Float64).alias("volume"))
    prof = bar_profile(bars, cfg, asof=dt.date(2017, 11, 10), complete=False)
    deciles = pl.read_csv(src / "sample700_tickers.csv").select(pl.col("ticker").alias("symbol"), "dv_decile")
    prof = prof.join(deciles, on="symbol", how="left")
    thin = prof.filter(pl.col("dv_decile").is_in(["D01", "D02", "D03"]))
    bands = cfg.measures.price_bands_px
    edges = [0.0, *bands, float("inf")]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        g = thin.filter((pl.col("price_px") >= lo) & (pl.col("price_px") < hi))
        sp = g["edge_spread_bps"].to_numpy()
        vo = g["volatility_cc_frac"].to_numpy()
        sp, vo = sp[np.isfinite(sp) & (sp > 0)], vo[np.isfinite(vo) & (vo > 0)]
        out.append({"band": f"[{lo:g}, {hi:g})", "names": g.height, "spread_names": int(sp.size),
                    "median_edge_spread_bps": float(np.median(sp)) if sp.size else None,
                    "median_cc_volatility_frac": float(np.median(vo)) if vo.size else None,
                    "log_spread_sd": _robust_sd(np.log(sp)), "log_volatility_sd": _robust_sd(np.log(vo))})
    return {"names_thin": thin.height, "bands": out}


def quoted_vs_effective(data: Path) -> dict:
    import polars as pl

    from liqcost.config import load_config
    from liqcost.io.dataset import Dataset
    from liqcost.measures.daily import daily_metrics

    cfg = load_config()
    res = {}
    daily = daily_metrics(cfg, dataset=Dataset(ROOT / "sample_data" / "dataset")).daily
    sets = {"sample (simulated thin names)": daily}
    lob = data / "lobster" / "parquet"
    if lob.exists():
        from reference.frames import lobster_frames

        frames = [lobster_frames(f, f.name.split("_")[0]) for f in sorted(lob.glob("*.parquet"))]
        t = pl.concat([f[0] for f in frames])
        q = pl.concat([f[1] for f in frames])
        sets["LOBSTER AMZN, GOOG (liquid)"] = daily_metrics(cfg, trades=t, quotes=q).daily
    for name, d in sets.items():
        r = (d["effective_spread_bps"] / d["quoted_spread_bps"]).to_numpy()
        r = r[np.isfinite(r) & (r > 0)]
        res[name] = {"symbol_days": int(r.size), "median_ratio": float(np.median(r)),
                     "log_ratio_robust_sd": _robust_sd(np.log(r)), "log_ratio_median": float(np.median(np.log(r)))}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "profile_prior.json"))
    a = ap.parse_args(argv)
    data = Path(a.data)
    if not data.exists():
        data = Path("/work/shared/data")
    out = {"prior": prior(data), "quoted_vs_effective": quoted_vs_effective(data)}
    Path(a.json).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
