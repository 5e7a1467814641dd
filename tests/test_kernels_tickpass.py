"""The fused tick pass equals the reference composition, partition by partition, and is batch-invariant."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import regression as RR
from reference import tickpass as R
from reference.streams import SEC, tick_day

from liqcost.kernels import regression as KR
from liqcost.kernels import tickpass as K
from liqcost.kernels.signing import SIGNING_CODES

PARAMS = dict(hor_ns=(5 * SEC, 60 * SEC), hor_tr=(1, 3), bin_ns=200 * SEC, n_bins=3, bucket_ns=30 * SEC,
              rv_ns=60 * SEC, odd_lot=100.0)


def run(days, lag_ns=0, strict=True, method="lee_ready", use_feed=True, clip=True, params=PARAMS):
    cat = lambda side, key, dt: np.concatenate([d[side][key] for d in days]).astype(dt) if days else np.zeros(0, dt)
    t_off = np.concatenate([[0], np.cumsum([len(d["t"]["ts"]) for d in days])]).astype(np.int64)
    q_off = np.concatenate([[0], np.cumsum([len(d["q"]["ts"]) for d in days])]).astype(np.int64)
    return K.tick_pass(
        cat("t", "ts", np.int64), cat("t", "price", float), cat("t", "size", float), cat("t", "aggressor", np.int8),
        cat("t", "auction", np.int8), t_off,
        cat("q", "ts", np.int64), cat("q", "bid", float), cat("q", "ask", float), cat("q", "bid_size", float),
        cat("q", "ask_size", float), q_off,
        np.array([d["open_ns"] for d in days], np.int64), np.array([d["close_ns"] for d in days], np.int64),
        np.array(params["hor_ns"], np.int64), np.array(params["hor_tr"], np.int64), np.int64(lag_ns), strict,
        SIGNING_CODES[method], use_feed, clip, np.int64(params["bin_ns"]), params["n_bins"],
        np.int64(params["bucket_ns"]), np.int64(params["rv_ns"]), params["odd_lot"],
    )


def compare(day, out, p, t0, q0, **kw):
    status, use, qidx, sign, rule, loc, eff_bps, eff_px, mid_h, dayv, hz, bins, kyle = out
    assert status[p] == K.STATUS_OK
    ref = R.partition(day["t"], day["q"], day["open_ns"], day["close_ns"], **PARAMS, **kw)
    n = len(day["t"]["ts"])
    sl = slice(t0, t0 + n)
    rt = ref["trades"]
    np.testing.assert_array_equal(use[sl], rt["use"])
    np.testing.assert_array_equal(qidx[sl], np.where(rt["qidx"] >= 0, rt["qidx"] + q0, -1))
    np.testing.assert_array_equal(sign[sl], rt["sign"])
    np.testing.assert_array_equal(rule[sl], rt["rule"])
    np.testing.assert_array_equal(loc[sl], rt["loc"])
    np.testing.assert_array_equal(eff_bps[sl], rt["eff_bps"])
    np.testing.assert_array_equal(mid_h[:, sl], rt["mid_h"])
    for j, name in enumerate(K.DAY_FIELDS):
        np.testing.assert_allclose(dayv[p, j], ref["day"][name], rtol=1e-9, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(hz[p], ref["hz"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(bins[p], ref["bins"], rtol=1e-12)
    xs, ys = ref["kyle_xy"]
    np.testing.assert_allclose(KR.ols_from_sums(kyle[p], 3), RR.ols(xs, ys, 3), rtol=1e-6, atol=1e-9)


@settings(max_examples=120, deadline=None)
@given(tick_day(), st.sampled_from(["lee_ready", "emo", "clnv", "tick", "quote"]), st.booleans(), st.booleans(),
       st.sampled_from([0, 2 * SEC]), st.booleans())
def test_tick_pass_matches_reference(day, method, strict, clip, lag, use_feed):
    out = run([day], lag_ns=lag, strict=strict, method=method, clip=clip, use_feed=use_feed)
    compare(day, out, 0, 0, 0, lag_ns=lag, strict=strict, method=method, clip=clip, use_feed=use_feed)


@settings(max_examples=40, deadline=None)
@given(st.lists(tick_day(max_trades=15, max_quotes=15), min_size=1, max_size=4), st.randoms())
def test_batch_composition_does_not_change_results(days, rnd):
    together = run(days)
    t0 = q0 = 0
    for p, d in enumerate(days):
        alone = run([d])
        n = len(d["t"]["ts"])
        np.testing.assert_array_equal(together[9][p], alone[9][0])
        np.testing.assert_array_equal(together[10][p], alone[10][0])
        np.testing.assert_array_equal(together[6][t0:t0 + n], alone[6])
        compare(d, together, p, t0, q0)
        t0 += n
        q0 += len(d["q"]["ts"])
    # reordering partitions in the batch permutes the rows and nothing else
    order = list(range(len(days)))
    rnd.shuffle(order)
    shuffled = run([days[i] for i in order])
    for new, old in enumerate(order):
        np.testing.assert_array_equal(shuffled[9][new], together[9][old])


def test_hand_checked_day():
    o = 1_000 * SEC
    c = o + 100 * SEC
    day = {
        "open_ns": o, "close_ns": c,
        "q": {"ts": np.array([o - 10 * SEC, o + 20 * SEC, o + 50 * SEC], np.int64),
              "bid": np.array([9.9, 10.0, 10.1]), "ask": np.array([10.1, 10.2, 10.3]),
              "bid_size": np.full(3, 100.0), "ask_size": np.full(3, 100.0)},
        "t": {"ts": np.array([o + 10 * SEC, o + 20 * SEC, o + 30 * SEC, o + 60 * SEC], np.int64),
              "price": np.array([10.1, 9.9, 10.2, 10.3]), "size": np.array([100.0, 200.0, 100.0, 100.0]),
              "aggressor": np.zeros(4, np.int8), "auction": np.zeros(4, np.int8)},
    }
    out = run([day], params=dict(PARAMS, hor_ns=(20 * SEC,), hor_tr=(1,)))
    status, use, qidx, sign, rule, loc, eff_bps, eff_px, mid_h, dayv, hz, bins, kyle = out
    assert qidx.tolist() == [0, 0, 1, 2]  # the trade at +20 s sees the quote before +20 s (strict)
    assert sign.tolist() == [1, -1, 1, 1]
    eff = [2 * 0.1 / 10 * 1e4, 2 * 0.1 / 10 * 1e4, 2 * 0.1 / 10.1 * 1e4, 2 * 0.1 / 10.2 * 1e4]
    np.testing.assert_allclose(eff_bps, eff)
    # mid 20 s later (strictly before +30, +40, +50, +80 s): 10.1, 10.1, 10.1, 10.2
    np.testing.assert_allclose(mid_h[0], [10.1, 10.1, 10.1, 10.2])
    # next trade's prevailing mid; the last trade is clipped to the mid at the close
    np.testing.assert_allclose(mid_h[1], [10.0, 10.1, 10.2, 10.2])
    f = dict(zip(K.DAY_FIELDS, dayv[0]))
    assert f["volume_shares"] == 500 and f["n_trades"] == 4
    assert f["effective_spread_bps"] == pytest.approx(np.dot([100, 200, 100, 100], eff) / 500)
    # quoted: 20 s of 0.2/10, 30 s of 0.2/10.1, 50 s of 0.2/10.2
    assert f["quoted_spread_bps"] == pytest.approx((20 * 200 + 30 * 0.2 / 10.1 * 1e4 + 50 * 0.2 / 10.2 * 1e4) / 100)
    rs = np.array([2 * (10.1 - 10.1) / 10, -2 * (9.9 - 10.1) / 10, 2 * (10.2 - 10.1) / 10.1, 2 * (10.3 - 10.2) / 10.2]) * 1e4
    assert hz[0, 0, 0] == pytest.approx(np.dot([100, 200, 100, 100], rs) / 500)
    assert hz[0, 0, 0] + hz[0, 0, 1] == pytest.approx(f["effective_spread_bps"])
    assert f["close_mid_px"] == pytest.approx(10.2) and f["open_mid_px"] == pytest.approx(10.0)


def test_unsorted_partition_is_reported():
    d = {"open_ns": 0, "close_ns": 100 * SEC,
         "t": {"ts": np.array([5, 1], np.int64) * SEC, "price": np.ones(2), "size": np.ones(2),
               "aggressor": np.zeros(2, np.int8), "auction": np.zeros(2, np.int8)},
         "q": {"ts": np.zeros(0, np.int64), "bid": np.zeros(0), "ask": np.zeros(0), "bid_size": np.zeros(0),
               "ask_size": np.zeros(0)}}
    assert run([d])[0][0] == K.STATUS_UNSORTED_TRADES


def test_empty_batch_and_empty_day():
    out = run([])
    assert out[9].shape == (0, len(K.DAY_FIELDS))
    e = {"open_ns": 0, "close_ns": 100 * SEC,
         "t": {k: np.zeros(0, dt) for k, dt in [("ts", np.int64), ("price", float), ("size", float),
                                                ("aggressor", np.int8), ("auction", np.int8)]},
         "q": {k: np.zeros(0, dt) for k, dt in [("ts", np.int64), ("bid", float), ("ask", float),
                                                ("bid_size", float), ("ask_size", float)]}}
    out = run([e])
    f = dict(zip(K.DAY_FIELDS, out[9][0]))
    assert f["n_trades"] == 0 and f["volume_shares"] == 0 and np.isnan(f["vwap_px"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 3)), max_size=6), st.data())
def test_partition_ids_match_reference(runs, data):
    # runs of symbol codes over a few "days" of 100 ns, times drawn around them (some outside the bounds)
    bounds = np.array([0, 100, 200, 300, 400], np.int64)
    run_len = np.array([n for n, _ in runs], np.int64)
    run_code = np.array([c for _, c in runs], np.int64)
    n = int(run_len.sum())
    ts = np.array(data.draw(st.lists(st.integers(-20, 420), min_size=n, max_size=n)), np.int64)
    if data.draw(st.booleans()):
        ts = np.sort(ts)
    pid, ordered = K.partition_ids(run_len, run_code, ts, bounds)
    ref_pid, ref_ordered = R.partition_ids(run_len, run_code, ts, bounds)
    np.testing.assert_array_equal(pid, ref_pid)
    assert ordered == ref_ordered == K.ordered_by_partition(pid, ts)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-3, 3), max_size=30))
def test_run_starts_match_reference(xs):
    x = np.sort(np.array(xs, np.int64))
    for got, ref in zip(K.run_starts(x), R.run_starts(x)):
        np.testing.assert_array_equal(got, ref)


def test_unsorted_partitions_leave_blank_rows_and_the_others_intact():
    o = 1_000 * SEC
    good = {"open_ns": o, "close_ns": o + 100 * SEC,
            "t": {"ts": np.array([o + 10 * SEC, o + 20 * SEC], np.int64), "price": np.array([10.1, 9.9]),
                  "size": np.array([100.0, 200.0]), "aggressor": np.zeros(2, np.int8), "auction": np.zeros(2, np.int8)},
            "q": {"ts": np.array([o, o + 15 * SEC], np.int64), "bid": np.array([9.9, 9.9]), "ask": np.array([10.1, 10.1]),
                  "bid_size": np.full(2, 100.0), "ask_size": np.full(2, 100.0)}}
    bad_q = {**good, "q": {**good["q"], "ts": good["q"]["ts"][::-1].copy()}}
    bad_t = {**good, "t": {**good["t"], "ts": good["t"]["ts"][::-1].copy()}, "q": bad_q["q"]}
    out = run([bad_q, good, bad_t])
    status, use, qidx, sign, rule, loc, eff_bps, eff_px, mid_h, dayv, hz, bins, kyle = out
    assert status.tolist() == [K.STATUS_UNSORTED_QUOTES, K.STATUS_OK, K.STATUS_UNSORTED_TRADES]  # trades first
    alone = run([good])
    np.testing.assert_array_equal(dayv[1], alone[9][0])
    np.testing.assert_array_equal(hz[1], alone[10][0])
    np.testing.assert_array_equal(mid_h[:, 2:4], alone[8])
    for p in (0, 2):
        assert np.isnan(dayv[p]).all() and np.isnan(hz[p]).all() and (bins[p] == 0).all() and (kyle[p] == 0).all()
    for arr, blank in ((use, 0), (qidx, -1), (sign, 0), (rule, 0), (loc, 0)):
        assert (arr[[0, 1, 4, 5]] == blank).all()
    assert np.isnan(eff_bps[[0, 1, 4, 5]]).all() and np.isnan(mid_h[:, [0, 1, 4, 5]]).all()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 3)), max_size=6), st.data())
def test_partition_runs_match_reference(runs, data):
    bounds = np.array([0, 100, 200, 300, 400], np.int64)
    run_len = np.array([n for n, _ in runs], np.int64)
    run_code = np.array([c for _, c in runs], np.int64)
    n = int(run_len.sum())
    ts = np.array(data.draw(st.lists(st.integers(-20, 420), min_size=n, max_size=n)), np.int64)
    if data.draw(st.booleans()):
        ts = np.sort(ts)
    pids, starts, ordered = K.partition_runs(run_len, run_code, ts, bounds)
    ref_pid, ref_ordered = R.partition_ids(run_len, run_code, ts, bounds)
    values, first = R.run_starts(ref_pid)
    np.testing.assert_array_equal(pids, values)
    np.testing.assert_array_equal(starts, np.append(first, n).astype(np.int64))
    assert ordered == ref_ordered


def _run_with(days, want_trades, scratch, params=PARAMS):
    # tick_pass as measures.ticks calls it: explicit want_trades, working arrays passed in (or not)
    cat = lambda side, key, dt: np.concatenate([d[side][key] for d in days]).astype(dt)  # noqa: E731
    t_off = np.concatenate([[0], np.cumsum([len(d["t"]["ts"]) for d in days])]).astype(np.int64)
    q_off = np.concatenate([[0], np.cumsum([len(d["q"]["ts"]) for d in days])]).astype(np.int64)
    n_max, m_max = int(np.diff(t_off).max()), int(np.diff(q_off).max())
    ni, nf, nb = K.scratch_sizes(n_max, m_max)
    extra = ((np.full(ni + 3, -5, np.int64), np.full(nf + 3, 7.5), np.full(nb + 3, 9, np.int8)) if scratch else ())
    return K.tick_pass(
        cat("t", "ts", np.int64), cat("t", "price", float), cat("t", "size", float), cat("t", "aggressor", np.int8),
        cat("t", "auction", np.int8), t_off,
        cat("q", "ts", np.int64), cat("q", "bid", float), cat("q", "ask", float), cat("q", "bid_size", float),
        cat("q", "ask_size", float), q_off,
        np.array([d["open_ns"] for d in days], np.int64), np.array([d["close_ns"] for d in days], np.int64),
        np.array(params["hor_ns"], np.int64), np.array(params["hor_tr"], np.int64), np.int64(0), True,
        SIGNING_CODES["lee_ready"], True, True, np.int64(params["bin_ns"]), params["n_bins"],
        np.int64(params["bucket_ns"]), np.int64(params["rv_ns"]), params["odd_lot"], want_trades, *extra,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(tick_day(max_trades=25, max_quotes=25), min_size=1, max_size=3), st.booleans())
def test_day_outputs_do_not_depend_on_audit_or_working_arrays(days, scratch):
    # the daily run (no per-trade outputs, working arrays kept by the caller and full of old values)
    # gives the same day rows as the audit run
    audit = run(days)
    daily = _run_with(days, False, scratch)
    assert daily[1].size == 0 and daily[8].shape[1] == 0
    for k in (0, 9, 10, 11, 12):
        np.testing.assert_array_equal(daily[k], audit[k])
