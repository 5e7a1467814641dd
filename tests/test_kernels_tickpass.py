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


def batch_of(days):
    """The days end to end as the kernel's named input record."""
    cat = lambda side, key, dt: np.concatenate([d[side][key] for d in days]).astype(dt) if days else np.zeros(0, dt)  # noqa: E731
    t_off = np.concatenate([[0], np.cumsum([len(d["t"]["ts"]) for d in days])]).astype(np.int64)
    q_off = np.concatenate([[0], np.cumsum([len(d["q"]["ts"]) for d in days])]).astype(np.int64)
    return K.make_batch(
        cat("t", "ts", np.int64), cat("t", "price", float), cat("t", "size", float), cat("t", "aggressor", np.int8),
        cat("t", "auction", np.int8), t_off,
        cat("q", "ts", np.int64), cat("q", "bid", float), cat("q", "ask", float), cat("q", "bid_size", float),
        cat("q", "ask_size", float), q_off,
        np.array([d["open_ns"] for d in days], np.int64), np.array([d["close_ns"] for d in days], np.int64),
    )


def params_of(lag_ns=0, strict=True, method="lee_ready", use_feed=True, clip=True, params=PARAMS, max_age_ns=None,
              want_trades=True):
    return K.make_params(params["hor_ns"], params["hor_tr"], lag_ns, strict, SIGNING_CODES[method], use_feed, clip,
                         params["bin_ns"], params["n_bins"], params["bucket_ns"], params["rv_ns"], params["odd_lot"],
                         max_age_ns, want_trades)


def run(days, lag_ns=0, strict=True, method="lee_ready", use_feed=True, clip=True, params=PARAMS, max_age_ns=None):
    """``(DayOut, TradeOut)`` of the days as one batch, with the per-trade outputs."""
    return K.run(batch_of(days), params_of(lag_ns, strict, method, use_feed, clip, params, max_age_ns))


def compare(day, out, p, t0, q0, **kw):
    dout, tout = out
    assert dout.status[p] == K.STATUS_OK
    ref = R.partition(day["t"], day["q"], day["open_ns"], day["close_ns"], **PARAMS, **kw)
    n = len(day["t"]["ts"])
    sl = slice(t0, t0 + n)
    rt = ref["trades"]
    np.testing.assert_array_equal(tout.use[sl], rt["use"])
    np.testing.assert_array_equal(tout.qidx[sl], np.where(rt["qidx"] >= 0, rt["qidx"] + q0, rt["qidx"]))
    np.testing.assert_array_equal(tout.sign[sl], rt["sign"])
    np.testing.assert_array_equal(tout.rule[sl], rt["rule"])
    np.testing.assert_array_equal(tout.loc[sl], rt["loc"])
    np.testing.assert_array_equal(tout.eff_bps[sl], rt["eff_bps"])
    np.testing.assert_array_equal(tout.mid_h[:, sl], rt["mid_h"])
    for name in K.DAY_FIELDS:
        np.testing.assert_allclose(dout.day[name][p], ref["day"][name], rtol=1e-9, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(dout.hz[p], ref["hz"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dout.bins[p], ref["bins"], rtol=1e-12)
    xs, ys = ref["kyle_xy"]
    np.testing.assert_allclose(KR.ols_from_sums(dout.kyle[p], 3), RR.ols(xs, ys, 3), rtol=1e-6, atol=1e-9)


def rows(dout, p):
    """Day ``p`` as a dict, field by field."""
    return {name: dout.day[name][p] for name in K.DAY_FIELDS}


def values(day_records):
    """Day records as a float array (one column per field), for comparisons that treat NaN as equal."""
    return np.array([day_records[name] for name in K.DAY_FIELDS], dtype=float).T


@settings(max_examples=160, deadline=None)
@given(tick_day(), st.sampled_from(["lee_ready", "emo", "clnv", "tick", "quote"]), st.booleans(), st.booleans(),
       st.sampled_from([0, 2 * SEC]), st.booleans(), st.sampled_from([None, None, 0, 5 * SEC, 60 * SEC, 200 * SEC]))
def test_tick_pass_matches_reference(day, method, strict, clip, lag, use_feed, max_age):
    out = run([day], lag_ns=lag, strict=strict, method=method, clip=clip, use_feed=use_feed, max_age_ns=max_age)
    compare(day, out, 0, 0, 0, lag_ns=lag, strict=strict, method=method, clip=clip, use_feed=use_feed,
            max_age_ns=max_age)


@settings(max_examples=40, deadline=None)
@given(st.lists(tick_day(max_trades=15, max_quotes=15), min_size=1, max_size=4), st.randoms())
def test_batch_composition_does_not_change_results(days, rnd):
    together = run(days)
    t0 = q0 = 0
    for p, d in enumerate(days):
        alone = run([d])
        n = len(d["t"]["ts"])
        np.testing.assert_array_equal(values(together[0].day[p]), values(alone[0].day[0]))
        np.testing.assert_array_equal(together[0].hz[p], alone[0].hz[0])
        np.testing.assert_array_equal(together[1].eff_bps[t0:t0 + n], alone[1].eff_bps)
        compare(d, together, p, t0, q0)
        t0 += n
        q0 += len(d["q"]["ts"])
    # reordering partitions in the batch permutes the rows and nothing else
    order = list(range(len(days)))
    rnd.shuffle(order)
    shuffled = run([days[i] for i in order])
    for new, old in enumerate(order):
        np.testing.assert_array_equal(values(shuffled[0].day[new]), values(together[0].day[old]))


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
    dout, tout = run([day], params=dict(PARAMS, hor_ns=(20 * SEC,), hor_tr=(1,)))
    qidx, sign, eff_bps, mid_h, hz = tout.qidx, tout.sign, tout.eff_bps, tout.mid_h, dout.hz
    assert qidx.tolist() == [0, 0, 1, 2]  # the trade at +20 s sees the quote before +20 s (strict)
    assert sign.tolist() == [1, -1, 1, 1]
    eff = [2 * 0.1 / 10 * 1e4, 2 * 0.1 / 10 * 1e4, 2 * 0.1 / 10.1 * 1e4, 2 * 0.1 / 10.2 * 1e4]
    np.testing.assert_allclose(eff_bps, eff)
    # mid 20 s later (strictly before +30, +40, +50, +80 s): 10.1, 10.1, 10.1, 10.2
    np.testing.assert_allclose(mid_h[0], [10.1, 10.1, 10.1, 10.2])
    # next trade's prevailing mid; the last trade is clipped to the mid at the close
    np.testing.assert_allclose(mid_h[1], [10.0, 10.1, 10.2, 10.2])
    f = rows(dout, 0)
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
    assert run([d])[0].status[0] == K.STATUS_UNSORTED_TRADES


def test_empty_batch_and_empty_day():
    out = run([])
    assert out[0].day.shape == (0,) and out[0].day.dtype.names == K.DAY_FIELDS
    e = {"open_ns": 0, "close_ns": 100 * SEC,
         "t": {k: np.zeros(0, dt) for k, dt in [("ts", np.int64), ("price", float), ("size", float),
                                                ("aggressor", np.int8), ("auction", np.int8)]},
         "q": {k: np.zeros(0, dt) for k, dt in [("ts", np.int64), ("bid", float), ("ask", float),
                                                ("bid_size", float), ("ask_size", float)]}}
    f = rows(run([e])[0], 0)
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
    dout, tout = run([bad_q, good, bad_t])
    assert dout.status.tolist() == [K.STATUS_UNSORTED_QUOTES, K.STATUS_OK, K.STATUS_UNSORTED_TRADES]  # trades first
    alone = run([good])
    np.testing.assert_array_equal(values(dout.day[1]), values(alone[0].day[0]))
    np.testing.assert_array_equal(dout.hz[1], alone[0].hz[0])
    np.testing.assert_array_equal(tout.mid_h[:, 2:4], alone[1].mid_h)
    for p in (0, 2):
        assert all(np.isnan(v) for v in rows(dout, p).values())
        assert np.isnan(dout.hz[p]).all() and (dout.bins[p] == 0).all() and (dout.kyle[p] == 0).all()
    for arr, blank in ((tout.use, 0), (tout.qidx, -1), (tout.sign, 0), (tout.rule, 0), (tout.loc, 0)):
        assert (arr[[0, 1, 4, 5]] == blank).all()
    assert np.isnan(tout.eff_bps[[0, 1, 4, 5]]).all() and np.isnan(tout.mid_h[:, [0, 1, 4, 5]]).all()


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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=40), st.data())
def test_runs_in_time_matches_reference(ts_list, data):
    ts = np.array(ts_list, np.int64)
    ts.flags.writeable = False  # (as the frames' time stamps reach it)
    n = ts.size
    cuts = sorted(set(data.draw(st.lists(st.integers(0, n), max_size=8))) | {0, n}) if n else [0]
    starts = np.array(cuts, np.int64)
    assert K.runs_in_time(ts, starts) == R.runs_in_time(ts, starts)
    if n > 1:
        assert K.runs_in_time(np.sort(ts), np.array([0, n], np.int64))


@settings(max_examples=40, deadline=None)
@given(st.lists(tick_day(max_trades=25, max_quotes=25), min_size=1, max_size=3), st.booleans())
def test_day_outputs_do_not_depend_on_audit_or_working_arrays(days, dirty):
    # the daily run (no per-trade outputs, working memory kept by the caller and full of old values)
    # gives the same day rows as the audit run
    batch = batch_of(days)
    audit = run(days)
    prm = params_of(want_trades=False)
    work = K.new_work(tuple(k + 3 for k in K.work_sizes(batch, prm)))
    if dirty:
        for part in work[:3]:
            for arr in part:
                arr[:] = 7
    dout, tout = K.allocate(batch, prm)
    K.tick_pass(batch, prm, work, dout, tout)
    assert tout.use.size == 0 and tout.mid_h.shape[1] == 0
    np.testing.assert_array_equal(values(dout.day), values(audit[0].day))
    for a, b in zip(dout[2:], audit[0][2:]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dout.status, audit[0].status)


def test_working_memory_too_small_is_a_status_not_a_crash():
    day = {"open_ns": 0, "close_ns": 100 * SEC,
           "t": {"ts": np.array([5, 6], np.int64) * SEC, "price": np.ones(2), "size": np.ones(2),
                 "aggressor": np.zeros(2, np.int8), "auction": np.zeros(2, np.int8)},
           "q": {"ts": np.zeros(0, np.int64), "bid": np.zeros(0), "ask": np.zeros(0), "bid_size": np.zeros(0),
                 "ask_size": np.zeros(0)}}
    batch = batch_of([day])
    prm = params_of()
    dout, tout = K.allocate(batch, prm)
    K.tick_pass(batch, prm, K.new_work((1, 0, 0)), dout, tout)
    assert dout.status.tolist() == [K.STATUS_WORK_TOO_SMALL]
    assert all(np.isnan(v) for v in rows(dout, 0).values())
