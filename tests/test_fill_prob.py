"""Fill-probability model: estimators, agreement with the generator's truth, monotone curves on the sample
and on real ticks (LOBSTER, TAQ-style).

The generator's truth (``liqcost.io.synth``) with a flat efficient price (volatility 0, no adverse
selection, half-spread 3 bps at $10.00): every quote is 9.99 / 10.01, buys print at the ask and sells at
the bid, and 8% of trades (either sign) print inside at 10.00. Trade times are Poisson with the U-shaped
intensity ``1 + 2 (2u - 1)^2`` (session fraction ``u``) scaled by a Gamma(3, 1/3) day factor; signs follow a
Markov chain that repeats the previous sign with probability 0.6 + 0.4 / 2 = 0.8. With no queue ahead and a
one-share virtual order:

* a buy **joining** the bid (9.99) fills on the first seller-initiated print that is not inside the spread;
* a buy **improving** by one tick (10.00) fills on the first seller-initiated print or any inside print.

Given ``n`` trades on the day, the number in a window is Binomial(n, dF) (``F`` the intensity's CDF), and the
probability that none of ``k`` trades hits the order is ``pi_g A^(k-1) 1`` with ``A = T diag(g)`` (``T`` the
sign chain, ``g`` the per-state probability of not hitting). Summing over ``k`` in closed form with the
eigenvalues ``d_i`` of ``A``: ``P(no fill) = (1-dF)^n + sum_i c_i / d_i [(1 - dF + dF d_i)^n - (1-dF)^n]``.
The Kaplan-Meier curve pools placements censored at the close, so its truth is the product of the pooled
hazards ``sum f / sum S`` over the placements still at risk.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import warnings

import numpy as np
import polars as pl
import pytest
from conftest import require_shared

from liqcost.config import Config
from liqcost.errors import CalibrationError, FewObservationsWarning
from liqcost.io.dataset import Dataset
from liqcost.io.synth import SymbolSpec, generate
from liqcost.models.fill_prob import fit_fill_model, fit_hazard, kaplan_meier, tod_stratum

SESSION_S = 6.5 * 3600
LAM = 150.0


def cfg_with(**planner):
    base = Config()
    return base.model_copy(update={"planner": base.planner.model_copy(update=planner)})


# ------------------------------------------------------------------------------------ estimators


def test_kaplan_meier_hand_checked():
    km = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    # S(1) = 4/5; at t=2, 4 at risk, 1 event -> 0.8 * 3/4 = 0.6; at t=3, 2 at risk -> 0.3
    assert np.allclose(km.survival, [0.8, 0.6, 0.3])
    assert km.prob_fill(0.5) == 0.0 and km.prob_fill(2.5) == pytest.approx(0.4) and km.prob_fill(10) == pytest.approx(0.7)
    # Greenwood: S^2 * sum d / (n (n - d))
    assert km.se(1.5) == pytest.approx(0.8 * math.sqrt(1 / (5 * 4)))
    assert km.se(3.0) == pytest.approx(0.3 * math.sqrt(1 / 20 + 1 / 12 + 1 / 2))
    assert km.n_obs == 5 and km.n_events == 3 and km.max_time_s == 4
    empty = kaplan_meier([], [])
    assert empty.n_obs == 0 and empty.prob_fill(5.0) == 0.0


def test_kaplan_meier_without_censoring_is_the_empirical_cdf():
    rng = np.random.default_rng(3)
    d = rng.exponential(10.0, 500)
    km = kaplan_meier(d, np.ones(500, bool))
    for t in (1.0, 5.0, 20.0):
        assert km.prob_fill(t) == pytest.approx((d <= t).mean())


def test_hazard_fit_recovers_known_parameters():
    rng = np.random.default_rng(11)
    n = 8000
    z = rng.integers(0, 2, n).astype(float)
    knots = np.array([0.0, 300.0, 900.0, 3600.0])
    rates = np.array([1 / 200.0, 1 / 900.0, 1 / 4000.0])  # fills per second at baseline
    beta = 0.5
    # draw from the piecewise hazard: invert the cumulative hazard at an Exp(1) draw
    target = rng.exponential(1.0, n) * np.exp(-beta * z)
    cum_knots = np.concatenate([[0.0], np.cumsum(rates * np.diff(knots))])
    j = np.clip(np.searchsorted(cum_knots, target, side="right") - 1, 0, 2)
    t = np.where(target < cum_knots[-1], knots[j] + (target - cum_knots[j]) / rates[j], np.inf)
    c = rng.uniform(0, 5000, n)
    fit = fit_hazard(np.minimum(t, c), t <= c, knots, z[:, None], ("tod_open",))
    assert fit.converged
    assert np.allclose(np.exp(fit.log_hazard), rates, rtol=0.08)
    assert fit.beta[0] == pytest.approx(beta, abs=4 * fit.se_beta[0])
    assert np.all(np.isfinite(fit.se_log_hazard)) and fit.se_beta[0] > 0
    # survival formula: S(t | z=1) = exp(-H0(t) e^beta)
    assert fit.prob_fill(600.0, tod="open")[0] == pytest.approx(
        1 - math.exp(-(np.exp(fit.log_hazard[0]) * 300 + np.exp(fit.log_hazard[1]) * 300) * math.exp(fit.beta[0])))
    # an interval without a fill gets a zero hazard; no fill at all is an error
    fit0 = fit_hazard([10.0, 20.0, 400.0], [True, True, False], [0.0, 60.0, 600.0])
    assert fit0.log_hazard[1] == -np.inf and fit0.prob_fill(600.0)[0] == pytest.approx(fit0.prob_fill(60.0)[0])
    with pytest.raises(CalibrationError, match="no virtual order filled"):
        fit_hazard([1.0, 2.0], [False, False], [0.0, 10.0])


def test_tod_strata():
    s = tod_stratum([0, 59, 60, 200, 380], [390, 331, 330, 190, 10], 60)
    assert list(s) == ["open", "open", "midday", "midday", "close"]


# ------------------------------------------------------------------------------ generator truth


@pytest.fixture(scope="module")
def flat():
    spec = SymbolSpec("FLAT", 10.00, 3.0, 0.0, LAM, 0.0, 300.0, 1e7, adverse_selection_frac=0.0)
    s = generate(specs=[spec], n_days=100, metaorders_per_symbol=0, dirt=False, seed=11)
    cfg = cfg_with(fill_queue_ahead_frac=0.0, fill_order_shares=1.0, limit_rules=["join", "improve_1"])
    model = fit_fill_model(s.trades, s.quotes, cfg)
    days = s.trades["ts"].dt.convert_time_zone("America/New_York").dt.date()
    per_day = s.trades.with_columns(days.alias("d")).group_by("d").len()
    all_days = sorted({d for d in s.quotes["ts"].dt.convert_time_zone("America/New_York").dt.date().to_list()})
    counts = dict(zip(per_day["d"].to_list(), per_day["len"].to_list()))
    n_day = np.array([counts.get(d, 0) for d in all_days], dtype=float)
    return s, model, n_day


def _F(u):
    u = np.clip(u, 0.0, 1.0)
    return 0.6 * (u + ((2 * u - 1) ** 3 + 1) / 3)


NO_HIT = {"join": (1.0, 0.08), "improve_1": (0.92, 0.0)}  # P(a buy, a sell trade does not hit the order)


def _chain_terms(g):
    T = np.array([[0.8, 0.2], [0.2, 0.8]])
    A = T @ np.diag(g)
    d, V = np.linalg.eig(A)
    c = (0.5 * np.asarray(g)) @ V * (np.linalg.inv(V) @ np.ones(2))
    return c.real, d.real


def _survival(terms, u0, tau_s, n_day):
    """P(no fill within tau_s | placement at session fraction u0, the day's trade count n) [days, u0]."""
    c, d = terms
    dF = (_F(u0 + tau_s / SESSION_S) - _F(u0))[None, :]
    n = n_day[:, None]
    base = (1 - dF) ** n
    out = base.copy()
    for ci, di in zip(c, d):
        if abs(di) < 1e-12:
            out += ci * n * dF * (1 - dF) ** np.maximum(n - 1, 0)
        else:
            out += ci / di * ((1 - dF + dF * di) ** n - base)
    return out


def _truth_km(rule, u0, n_day, windows_s, step=20.0):
    """Large-sample limit of the pooled Kaplan-Meier curve: exp(-integral of sum f / sum S over the at-risk)."""
    terms = _chain_terms(NO_HIT[rule])
    out, cum = {}, 0.0
    taus = np.arange(0.0, max(windows_s) + step / 2, step)
    s_prev = _survival(terms, u0, 0.0, n_day)
    for a, b in itertools.pairwise(taus):
        s_next = _survival(terms, u0, b, n_day)
        risk = u0 * SESSION_S + b <= SESSION_S
        cum += (s_prev[:, risk] - s_next[:, risk]).sum() / s_prev[:, risk].sum()
        s_prev = s_next
        for w in windows_s:
            if abs(b - w) < step / 2:
                out[w] = 1.0 - math.exp(-cum)
    return out


def _day_bootstrap_se(model, r, windows_s, reps=40, seed=0):
    rng = np.random.default_rng(seed)
    day = model.sample.day
    groups = [np.flatnonzero(day == k) for k in range(day.max() + 1)]
    vals = []
    for _ in range(reps):
        idx = np.concatenate([groups[k] for k in rng.integers(0, len(groups), len(groups))])
        vals.append(kaplan_meier(model.sample.duration_s[idx, r], model.sample.event[idx, r]).prob_fill(windows_s))
    return np.std(np.array(vals), axis=0, ddof=1)


def test_fill_curves_agree_with_generator_truth(flat):
    s, model, n_day = flat
    assert set(s.quotes["bid"].unique().to_list()) == {9.99} and set(s.quotes["ask"].unique().to_list()) == {10.01}
    u0 = np.unique(model.sample.minutes_after_open) * 60 / SESSION_S
    windows = [300.0, 900.0, 1800.0, 3600.0]
    for r, rule in enumerate(model.rules):
        truth = _truth_km(rule, u0, n_day, windows)
        se = _day_bootstrap_se(model, r, np.array(windows))
        curve = model.km[(rule, "all")]
        for j, w in enumerate(windows):
            est = float(curve.prob_fill(w))
            assert abs(est - truth[w]) <= 3 * se[j] + 0.002, (rule, w, est, truth[w], se[j])
            # the Greenwood error ignores the overlap of placements: it is smaller than the day bootstrap
            assert float(curve.se(w)) < se[j]


def test_unconditional_truth_within_day_sampling_error(flat):
    # the same check against the truth averaged over the Gamma(3, 1/3) day factor (not the realized counts)
    _, model, _ = flat
    u0 = np.unique(model.sample.minutes_after_open) * 60 / SESSION_S
    c, d = _chain_terms(NO_HIT["improve_1"])
    w = 15 * 60.0
    lap = lambda a: (1 + a / 3.0) ** -3
    lam = LAM * (_F(u0 + w / SESSION_S) - _F(u0))
    surv = lap(lam) + sum(ci / di * (lap(lam * (1 - di)) - lap(lam)) for ci, di in zip(c, d) if abs(di) > 1e-12)
    ok = u0 * SESSION_S + w <= SESSION_S
    truth_window = float((1 - surv[ok]).mean())
    sm = model.sample
    r = model.rules.index("improve_1")
    complete = sm.minutes_after_open * 60 + w <= SESSION_S
    emp = float((sm.event[complete, r] & (sm.duration_s[complete, r] <= w)).mean())
    se = _day_bootstrap_se(model, r, np.array([w]))[0]
    assert abs(emp - truth_window) < 4 * se


def test_queue_ahead_lowers_the_join_curve(flat):
    s, model, _ = flat
    queued = fit_fill_model(s.trades, s.quotes, cfg_with(fill_queue_ahead_frac=1.0, limit_rules=["join", "improve_1"]))
    for w in (300.0, 1800.0, 3600.0):
        assert queued.prob_fill("join", w)[0] < model.prob_fill("join", w)[0]
        # improving creates a new level: no queue, only the one-share vs one-lot order size differs
        assert queued.prob_fill("improve_1", w)[0] <= model.prob_fill("improve_1", w)[0] + 1e-12


# ------------------------------------------------------------------------------------- sample data


@pytest.fixture(scope="module")
def sample_models(sample_data):
    ds = Dataset(sample_data / "dataset")
    cfg = Config()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewObservationsWarning)
        for sym in ("THNA", "THNB", "THND", "THNE"):
            out[sym] = fit_fill_model(ds.scan("trades", [sym]).collect(), ds.scan("quotes", [sym]).collect(), cfg)
    return out


def _assert_monotone(model, tol=1e-12):
    wins = np.array([60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0])
    order = [r for r in ("join", "improve_1", "improve_2", "improve_3", "mid") if r in model.rules]
    curves = np.array([model.prob_fill(r, wins) for r in order] + [model.prob_fill("cross", wins)])
    assert np.all((curves >= 0) & (curves <= 1))
    # monotone in the offset (ticks toward the far side; cross last) and in the window length
    assert np.all(np.diff(curves[:-2], axis=0) >= -tol), curves
    assert np.all(curves[-1] >= curves[-2])
    assert np.all(np.diff(curves, axis=1) >= -tol)


def test_sample_curves_monotone_and_plausible(sample_models):
    for m in sample_models.values():
        _assert_monotone(m)
        assert m.n_days == 20
    a, e = sample_models["THNA"], sample_models["THNE"]
    # the most active name fills far more often than the least active one
    assert a.prob_fill("join", 1800)[0] > 0.5 > e.prob_fill("join", 1800)[0]
    # the limit's price versus the mid: join earns about the half-spread, mid earns nothing
    r_join, r_mid = a.rules.index("join"), a.rules.index("mid")
    assert np.nanmean(a.sample.limit_vs_mid_bps[:, r_join]) == pytest.approx(-a.half_spread_bps, rel=0.15)
    assert abs(np.nanmean(a.sample.limit_vs_mid_bps[:, r_mid])) < 0.25 * a.half_spread_bps


def test_sample_tables_behave(sample_models):
    m = sample_models["THNA"]
    r = m.rules.index("join")
    h = int(np.argmin(np.abs(m.horizons_s - 1800)))
    cond = m.cond_fill_frac[r, h]
    full = m.full_fill_prob[r, h]
    assert np.all(np.diff(cond) <= 1e-12) and np.all(np.diff(full) <= 1e-12)  # bigger tranches fill less
    assert np.all(full <= cond + 1e-12)
    # non-execution risk: the unfilled part of a buy at the bid has seen the price move away
    assert m.drift_unfilled_bps[r, h, 0] > 0
    st = m.tranche_stats("join", [1800.0, 1800.0], [0.02, 0.5], tod=["midday", "midday"])
    assert st["fill_frac"][0] > st["fill_frac"][1] and np.all(st["full_fill_prob"] <= st["fill_frac"] + 1e-12)
    assert np.all(st["fill_cost_bps"] < 0)


def test_hazard_fit_close_to_kaplan_meier(sample_models):
    for sym in ("THNA", "THND"):
        m = sample_models[sym]
        for rule in m.rules:
            fit = m.hazard[rule]
            assert fit.converged
            z = fit.design(m.sample.spread_ticks, m.sample.tod, m.sample.day.size)
            mult = np.exp(z @ fit.beta)
            for w in (300.0, 900.0, 1800.0, 3600.0, 7200.0):
                km = float(m.prob_fill(rule, w)[0])
                pe = float(np.mean(1 - np.exp(-fit.cumulative_hazard(w)[0] * mult)))
                assert abs(km - pe) < 0.03, (sym, rule, w, km, pe)
        # wider spreads: improving by a tick stays far from the far side, the near-side queue is thinner
        # (the generator's spread and activity move together): the spread effect is estimated, not zero
        assert "log_spread_ticks" in m.hazard["join"].covariates


def test_summary_and_table(sample_models):
    m = sample_models["THNB"]
    text = m.summary()
    assert "THNB" in text and "Kaplan-Meier" in text and "hazards" in text and "join" in text and "cross" in text
    t = m.table()
    assert {"rule", "stratum", "window_minutes", "fill_prob_frac", "fill_prob_se", "n_obs"} <= set(t.columns)
    assert t.filter(pl.col("stratum") == "all").height == len(m.rules) * m.horizons_s.size
    assert t["fill_prob_frac"].is_between(0, 1).all()


def test_errors_and_warnings(sample_models):
    cfg = Config()
    # one print before the open: nothing can fill
    trades = pl.DataFrame({"symbol": ["X"], "ts": [dt.datetime(2025, 3, 3, 14, 20, tzinfo=dt.UTC)], "price": [10.0], "size": [100.0]})
    trades = trades.with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    no_quotes = pl.DataFrame(schema={"symbol": pl.String, "ts": pl.Datetime("ns", "UTC"), "bid": pl.Float64,
                                     "ask": pl.Float64, "bid_size": pl.Float64, "ask_size": pl.Float64})
    with pytest.raises(CalibrationError, match="no usable quotes"):
        fit_fill_model(trades, no_quotes, cfg)
    quotes = pl.DataFrame({"symbol": ["X"], "ts": [dt.datetime(2025, 3, 3, 14, 0, tzinfo=dt.UTC)], "bid": [9.99],
                           "ask": [10.01], "bid_size": [100.0], "ask_size": [100.0]}).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    with pytest.warns(FewObservationsWarning, match="virtual fills"):
        m = fit_fill_model(trades, quotes, cfg)
    assert m.n_days == 1 and m.hazard == {} and m.prob_fill("join", 3600.0)[0] == 0.0
    with pytest.raises(KeyError, match="no rule"):
        m.prob_fill("improve_9", 60.0)


# --------------------------------------------------------------------------------------- real data


def _lobster(path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Canonical trades and quotes from a LOBSTER message+book Parquet (prices x1e4, seconds after midnight NY)."""
    raw = pl.read_parquet(path)
    sym = path.name.split("_")[0]
    midnight = pl.lit(dt.datetime(2012, 6, 21)).dt.replace_time_zone("America/New_York").dt.convert_time_zone("UTC")
    ts = (midnight.cast(pl.Int64) * 1000 + (pl.col("time_s_after_midnight") * 1e9).round().cast(pl.Int64)).cast(pl.Datetime("ns", "UTC"))
    raw = raw.with_columns(ts.alias("ts"), pl.lit(sym).alias("symbol"))
    trades = raw.filter(pl.col("event_type").is_in([4, 5])).select(
        "symbol", "ts", (pl.col("price_x1e4") / 1e4).alias("price"), pl.col("size").cast(pl.Float64))
    quotes = raw.filter((pl.col("bid_price_1_x1e4").abs() < 9_000_000_000) & (pl.col("ask_price_1_x1e4").abs() < 9_000_000_000)).select(
        "symbol", "ts", (pl.col("bid_price_1_x1e4") / 1e4).alias("bid"), (pl.col("ask_price_1_x1e4") / 1e4).alias("ask"),
        pl.col("bid_size_1").cast(pl.Float64).alias("bid_size"), pl.col("ask_size_1").cast(pl.Float64).alias("ask_size"))
    return trades, quotes


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["AMZN", "GOOG"])
def test_lobster_curves_monotone_and_plausible(name):
    path = require_shared("lobster", "parquet", f"{name}_2012-06-21_level1_message_plus_book.parquet")
    trades, quotes = _lobster(path)
    m = fit_fill_model(trades, quotes, Config())
    _assert_monotone(m)
    assert m.n_days == 1 and m.n_placements > 700
    # liquid names with wide dollar spreads (AMZN ~13 ticks, GOOG ~30): improving fills faster than joining,
    # an hour at the bid fills most of the time, a minute rarely
    assert m.spread_ticks_median >= 5
    assert 0.0 < m.prob_fill("join", 60.0)[0] < 0.5
    assert m.prob_fill("join", 3600.0)[0] > 0.5
    assert m.prob_fill("mid", 300.0)[0] > m.prob_fill("join", 300.0)[0]


def _taq() -> tuple[pl.DataFrame, pl.DataFrame]:
    base = require_shared("taq_highfrequency", "parquet")
    t = pl.read_parquet(base / "sampleTData.parquet")
    q = pl.read_parquet(base / "sampleQData.parquet")
    trades = t.select(pl.col("SYMBOL").alias("symbol"), pl.col("DT").alias("ts"), pl.col("PRICE").alias("price"),
                      pl.col("SIZE").cast(pl.Float64).alias("size"))
    # TAQ quote sizes are in round lots of 100 shares
    quotes = q.select(pl.col("SYMBOL").alias("symbol"), pl.col("DT").alias("ts"), pl.col("BID").alias("bid"),
                      pl.col("OFR").alias("ask"), (pl.col("BIDSIZ") * 100.0).alias("bid_size"),
                      (pl.col("OFRSIZ") * 100.0).alias("ask_size"))
    return trades, quotes


@pytest.mark.realdata
def test_taq_curves_monotone_and_plausible():
    trades, quotes = _taq()
    m = fit_fill_model(trades, quotes, Config())
    _assert_monotone(m)
    assert m.n_days == 2
    # a NYSE-only print stream of a ~$158 stock: a resting lot fills within the hour, rarely within a minute
    assert m.prob_fill("join", 3600.0)[0] > 0.5
    assert m.prob_fill("join", 60.0)[0] < m.prob_fill("join", 900.0)[0]
    for rule in m.rules:
        assert m.hazard[rule].converged


# ------------------------------------------------------------------------ tables against brute force


def test_tables_match_brute_force():
    from liqcost.models.fill_prob import FillSample, _tables

    rng = np.random.default_rng(5)
    n, n_r, n_h = 400, 2, 2
    ex = rng.choice([0.0, 0.0, 50.0, 100.0, 300.0, 1200.0], size=(n, n_r, n_h))
    ex[rng.random((n, n_r, n_h)) < 0.1] = np.nan  # windows past the close
    vol = rng.uniform(200, 3000, (n, n_h))
    drift = rng.normal(5, 30, (n, n_h))
    lvm = rng.normal(-20, 5, (n, n_r))
    hs = rng.uniform(10, 30, n)
    smp = FillSample(np.zeros(n, int), np.ones(n, np.int8), np.full(n, "midday", object), np.zeros(n), np.ones(n) * 4, hs,
                     np.ones((n, n_r)), np.ones((n, n_r), bool), ex, vol, drift, lvm)
    grid = np.array([0.01, 0.05, 0.1, 0.3, 1.0])
    any_emp, cond, full, fcost, dr, cmean, csd = _tables(smp, n_r, grid, 100.0)
    for r in range(n_r):
        for h in range(n_h):
            ok = np.isfinite(ex[:, r, h])
            R = ex[ok, r, h] / vol[ok, h]
            ev = ex[ok, r, h] >= 100
            assert any_emp[r, h] == pytest.approx(ev.mean())
            for g, p in enumerate(grid):
                m = np.minimum(1.0, R / p)
                assert cond[r, h, g] == pytest.approx((m * ev).sum() / ev.sum())
                assert full[r, h, g] == pytest.approx(((R >= p) & ev).sum() / ev.sum())
                assert fcost[r, h, g] == pytest.approx((m * lvm[ok, r]).sum() / m.sum())
                assert dr[r, h, g] == pytest.approx(((1 - m) * drift[ok, h]).sum() / (1 - m).sum())
                cost = m * lvm[ok, r] + (1 - m) * (drift[ok, h] + hs[ok])
                assert cmean[r, h, g] == pytest.approx(cost.mean())
                assert csd[r, h, g] == pytest.approx(cost.std(), rel=1e-6)
