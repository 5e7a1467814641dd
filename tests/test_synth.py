"""The sample generator: deterministic for a seed, realistic, and its ground truth matches its data."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from liqcost.io.synth import default_specs, generate, write_sample


@pytest.fixture(scope="module")
def sample():
    return generate(n_symbols=5, n_days=20, seed=11)


def test_deterministic_for_a_seed(sample):
    again = generate(n_symbols=5, n_days=20, seed=11)
    assert again.raw_trades.equals(sample.raw_trades)
    assert again.raw_quotes.equals(sample.raw_quotes)
    assert again.truth == sample.truth
    other = generate(n_symbols=5, n_days=20, seed=12)
    assert not other.trades.equals(sample.trades)


def test_symbols_have_independent_streams():
    small = generate(n_symbols=2, n_days=5, seed=3)
    big = generate(n_symbols=4, n_days=5, seed=3)
    a = small.trades.filter(pl.col("symbol") == "THNA")
    b = big.trades.filter(pl.col("symbol") == "THNA")
    assert a.equals(b)


def test_looks_like_thin_names(sample):
    q = sample.quotes.with_columns(((pl.col("ask") - pl.col("bid")) / ((pl.col("ask") + pl.col("bid")) / 2) * 1e4).alias("spread_bps"))
    med = q.group_by("symbol").agg(pl.col("spread_bps").median()).get_column("spread_bps")
    assert med.min() >= 20 and med.max() <= 320  # 20-300 bps spreads
    t = sample.trades
    assert t.get_column("price").min() >= 1.0 and t.get_column("price").max() <= 45.0
    # $0.01 tick
    cents = (t.get_column("price") * 100).round(6)
    assert ((cents - cents.round(0)).abs() < 1e-6).all()
    # odd lots are common
    assert 0.2 < (t.get_column("size") < 100).mean() < 0.45
    # quotes are never crossed in the clean data, always at least a tick wide
    assert ((q.get_column("ask") - q.get_column("bid")) >= 0.01 - 1e-9).all()


def test_u_shaped_intraday_intensity(sample):
    local = sample.trades.with_columns(pl.col("ts").dt.convert_time_zone("America/New_York").alias("lt"))
    minute = local.select((pl.col("lt").dt.hour().cast(pl.Int32) * 60 + pl.col("lt").dt.minute().cast(pl.Int32) - 570).alias("m")).get_column("m").to_numpy()
    assert minute.min() >= 0 and minute.max() < 390
    first, mid, last = (minute < 60).sum(), ((minute >= 165) & (minute < 225)).sum(), (minute >= 330).sum()
    assert first > 1.5 * mid and last > 1.5 * mid


def test_zero_volume_days_match_truth(sample):
    bars = sample.bars
    for sym, t in sample.truth["symbols"].items():
        b = bars.filter(pl.col("symbol") == sym)
        assert b.height == 20
        assert t["zero_volume_frac"] == pytest.approx((b.get_column("volume") == 0).mean())
        assert t["adv_shares"] == pytest.approx(b.get_column("volume").mean())
        zero = b.filter(pl.col("volume") == 0)
        # a zero-volume day is a flat bar at the previous close, like vendor daily files
        assert (zero.get_column("open") == zero.get_column("close")).all()
    # the thinnest name really has zero-volume days
    assert sample.truth["symbols"]["THNE"]["zero_volume_frac"] > 0


def test_at_quote_fraction_and_true_half_spread(sample):
    tt = sample.trade_truth
    for sym, t in sample.truth["symbols"].items():
        x = tt.filter(pl.col("symbol") == sym)
        half = (x.get_column("price") - x.get_column("mid_px")) / x.get_column("mid_px") * x.get_column("true_sign").cast(pl.Float64)
        assert t["true_half_spread_bps"] == pytest.approx(half.mean() * 1e4)
        at_quote = 1 - x.get_column("inside_spread").mean()
        assert t["at_quote_frac"] == pytest.approx(at_quote)
        assert at_quote > 0.85  # most prints at the bid or ask
        # the realized half-spread sits near the parameter (tick rounding widens it a little)
        assert 0.8 * t["half_spread_param_bps"] < t["true_half_spread_bps"] < 1.6 * t["half_spread_param_bps"]


def test_trade_prices_are_at_prevailing_quotes(sample):
    # every at-quote trade printed at the bid (sell) or ask (buy) of the last quote strictly before it
    t = sample.trade_truth.filter(pl.col("symbol") == "THNA").sort("ts")
    q = sample.quotes.filter(pl.col("symbol") == "THNA").sort("ts")
    tq = t.join_asof(q, on="ts", strategy="backward", allow_exact_matches=False)
    at = tq.filter(~pl.col("inside_spread"))
    expected = pl.when(pl.col("true_sign") > 0).then(pl.col("ask")).otherwise(pl.col("bid"))
    assert (at.select((pl.col("price") - expected).abs().max()).item()) < 1e-9


def test_metaorders_fills_and_cost(sample):
    fills, orders, meta = sample.fills, sample.orders, sample.metaorders
    assert orders.height == 10
    sums = fills.group_by("order_id").agg(pl.col("qty").sum())
    joined = orders.join(sums, on="order_id", suffix="_filled")
    assert (joined.get_column("qty") == joined.get_column("qty_filled")).all()
    # realized costs scatter around the square-root model: mean gap small compared to the noise
    gap = (meta.get_column("realized_cost_bps") - meta.get_column("model_cost_bps")).to_numpy()
    assert abs(gap.mean()) < 3 * gap.std(ddof=1) / np.sqrt(gap.size) + 25


def test_write_sample_quarantine_finds_the_planted_dirt(tmp_path, sample):
    reports = write_sample(sample, tmp_path / "s")
    dirt = sample.truth["dirt"]
    tr = reports["trades"]
    assert tr["reasons"].get("exact duplicate", 0) == dirt["duplicate_trades"]
    assert tr["reasons"].get("non-positive price", 0) == dirt["bad_print_zero_price"]
    assert tr["reasons"].get("bad print", 0) == dirt["bad_prints"] - dirt["bad_print_zero_price"]
    assert tr["rows_kept"] == sample.trades.height
    assert tr["rows_out_of_order_sorted"] >= 1
    qr = reports["quotes"]
    assert qr["reasons"] == {"crossed quote": dirt["crossed_quotes"]}
    assert qr["rows_kept"] == sample.quotes.height - dirt["crossed_quotes"]
    truth = json.loads((tmp_path / "s" / "truth" / "ground_truth.json").read_text())
    assert truth["impact_y"] == 0.8 and set(truth["symbols"]) == {"THNA", "THNB", "THNC", "THND", "THNE"}


def test_committed_sample_matches_generator(sample_data):
    # sample_data/ is `liqcost sample -o sample_data` with the defaults: regenerate and compare
    fresh = generate()
    truth = json.loads((sample_data / "truth" / "ground_truth.json").read_text())
    assert truth["symbols"] == json.loads(json.dumps(fresh.truth["symbols"]))
    raw = pl.read_csv(sample_data / "raw" / "trades.csv")
    assert raw.height == fresh.raw_trades.height


def test_random_specs_in_range():
    specs = default_specs(40)
    assert len({s.symbol for s in specs}) == 40
    for s in specs:
        assert 1.0 <= s.price0_px <= 40.0
        assert 10.0 <= s.half_spread_bps <= 150.0
        assert 0 <= s.zero_volume_prob < 0.5


def test_a_sample_without_metaorders_writes_and_ingests(tmp_path):
    # `liqcost sample --metaorders 0` failed: its empty fills.csv was handed to ingest
    from click.testing import CliRunner

    from liqcost.cli import cli

    r = CliRunner().invoke(cli, ["-q", "sample", "--symbols", "2", "--days", "3", "--metaorders", "0", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "fills.csv").read_text().count("\n") == 1  # the header only
    kinds = sorted(p.name for p in (tmp_path / "dataset").glob("kind=*"))
    assert kinds == ["kind=bars", "kind=quotes", "kind=trades"]
