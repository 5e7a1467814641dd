"""Test support for the planner: liquidity profiles and fill models built from the committed sample.

Until the tick profile builder (``liqcost.measures.profile``) is merged, the planner's tests build their
profile rows here, from ``sample_data/dataset`` (trades and quotes) and ``sample_data/truth`` (volatility),
in the :data:`liqcost.schema.PROFILE` contract. The tests at the bottom check the helper against the
generator's ground truth.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from liqcost.config import Config
from liqcost.errors import FewObservationsWarning
from liqcost.io.dataset import Dataset
from liqcost.schema import check_frame

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
TZ = "America/New_York"


@lru_cache(maxsize=1)
def truth() -> dict:
    return json.loads((SAMPLE / "truth" / "ground_truth.json").read_text())


def weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def profile_from_frames(trades: pl.DataFrame, quotes: pl.DataFrame, days: list[dt.date], volatility: float,
                        interval_min: int = 30) -> dict:
    """One PROFILE row from one symbol's canonical trades and quotes over the given trading days."""
    sym = trades["symbol"][0] if trades.height else quotes["symbol"][0]
    local = trades.with_columns(pl.col("ts").dt.convert_time_zone(TZ).alias("lt"))
    local = local.with_columns(pl.col("lt").dt.date().alias("d"),
                               ((pl.col("lt").dt.hour().cast(pl.Int32) * 60 + pl.col("lt").dt.minute().cast(pl.Int32) - 570)
                                // interval_min).alias("bin"))
    local = local.filter((pl.col("bin") >= 0) & (pl.col("bin") < 390 // interval_min))
    per_day = {d: 0.0 for d in days}
    for d, v in local.group_by("d").agg(pl.col("size").sum()).iter_rows():
        if d in per_day:
            per_day[d] = float(v)
    vol = np.array([per_day[d] for d in days])
    n_bins = 390 // interval_min
    prof = np.zeros(n_bins)
    n_vol_days = 0
    for (d,), g in local.group_by(["d"]):
        tot = g["size"].sum()
        if tot > 0 and d in per_day:
            b = np.bincount(g["bin"].to_numpy(), weights=g["size"].to_numpy(), minlength=n_bins)
            prof += b / tot
            n_vol_days += 1
    prof = prof / max(n_vol_days, 1)
    mid = (quotes["bid"] + quotes["ask"]) / 2
    spread_bps = float(((quotes["ask"] - quotes["bid"]) / mid * 1e4).median())
    last_px = float(trades.sort("ts")["price"][-1])
    return {
        "symbol": sym, "asof_date": days[-1], "lookback_days": len(days), "source": "ticks", "price_px": last_px,
        "adv_shares": float(vol.mean()), "mdv_shares": float(np.median(vol)), "adv_usd": float(vol.mean() * last_px),
        "zero_volume_days": int((vol == 0).sum()), "daily_volume_shares": [float(v) for v in vol],
        "spread_bps": spread_bps, "quoted_spread_bps": spread_bps, "volatility_daily_frac": float(volatility),
        "trades_per_day": trades.height / len(days), "volume_profile_frac": [float(x) for x in prof],
        "profile_interval_minutes": interval_min,
    }


def profile_frame(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("daily_volume_shares").cast(pl.List(pl.Float64)), pl.col("volume_profile_frac").cast(pl.List(pl.Float64)),
        pl.col("asof_date").cast(pl.Date), pl.col("lookback_days").cast(pl.Int64), pl.col("zero_volume_days").cast(pl.Int64),
        pl.col("profile_interval_minutes").cast(pl.Int64))
    check_frame(frame, "profile", "test profile")
    return frame


@lru_cache(maxsize=1)
def sample_profiles() -> pl.DataFrame:
    """The five sample names' profiles over the 20 sample days."""
    t = truth()
    first, last = (dt.date.fromisoformat(x) for x in t["days"])
    days = weekdays(first, last)
    ds = Dataset(SAMPLE / "dataset")
    rows = []
    for sym, info in t["symbols"].items():
        rows.append(profile_from_frames(ds.scan("trades", [sym]).collect(), ds.scan("quotes", [sym]).collect(), days,
                                        info["volatility_daily_frac"]))
    return profile_frame(rows)


@lru_cache(maxsize=8)
def sample_fill_model(symbol: str):
    from liqcost.models.fill_prob import fit_fill_model

    ds = Dataset(SAMPLE / "dataset")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewObservationsWarning)
        return fit_fill_model(ds.scan("trades", [symbol]).collect(), ds.scan("quotes", [symbol]).collect(), Config())


def sample_fill_models() -> dict:
    return {s: sample_fill_model(s) for s in truth()["symbols"]}


# ------------------------------------------------------------------------------ the helper's own checks


def test_sample_profiles_match_ground_truth():
    prof = sample_profiles()
    assert prof.height == 5
    for r in prof.iter_rows(named=True):
        t = truth()["symbols"][r["symbol"]]
        assert r["adv_shares"] == pytest.approx(t["adv_shares"], rel=1e-9)
        assert r["mdv_shares"] == pytest.approx(t["mdv_shares"], rel=1e-9)
        assert r["zero_volume_days"] == round(t["zero_volume_frac"] * 20)
        assert sum(r["volume_profile_frac"]) == pytest.approx(1.0)
        # the generator's spread: quoted full spread near twice the half-spread parameter (tick rounding widens it)
        assert 1.6 * t["half_spread_param_bps"] < r["spread_bps"] < 3.2 * t["half_spread_param_bps"]
        # U-shaped volume: the first and last half-hours beat the middle of the day
        fr = r["volume_profile_frac"]
        if r["symbol"] in ("THNA", "THNB"):
            assert fr[0] > fr[6] and fr[-1] > fr[6]
