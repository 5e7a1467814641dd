"""The replay kernel against hand-checked tapes and its slow reference twin (every fill, every state)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import replay as ref

from liqcost.kernels import replay as K

S = 1_000_000_000
Q, TR = K.KIND_QUOTE, K.KIND_TRADE
_INT_OUT = ("placed_ns", "n_reprice", "first_fill_ns", "last_fill_ns", "complete_ns")


def kernel(events, tranches, tick=0.01, queue_model=K.QM_QUEUE, queue_frac=1.0, queue_power=2.0, refill_min=100.0,
           decay=K.DECAY_PAUSE, scale=0.0, perm=0.5, half_life_ns=math.inf, jump=True, trace=False, capacity=4):
    """Run one run through the kernel; fills as dicts, tranche outputs as dicts, and the trace."""
    n = len(events)
    ts = np.array([e[0] for e in events], dtype=np.int64)
    kind = np.array([e[1] for e in events], dtype=np.int8)
    val = np.full((n, 4), np.nan)
    for i, e in enumerate(events):
        val[i, : len(e) - 2] = e[2:]
    T = len(tranches)

    def col(key, default, dtype):
        return np.array([t.get(key, default) for t in tranches], dtype=dtype)

    tr = K.Tranches(col("start", 0, np.int64), col("end", 0, np.int64), col("side", 1, np.int8), col("qty", 100.0, np.float64),
                    col("code", 0, np.int64), col("price", np.nan, np.float64), col("cap", np.nan, np.float64),
                    col("max_part", np.nan, np.float64), col("policy", K.POL_LEAVE, np.int8), col("next_idx", -1, np.int64),
                    col("order", 0, np.int64))
    runs = K.Runs(np.array([0], np.int64), np.array([T], np.int64), np.array([scale]), np.array([perm]),
                  np.array([half_life_ns], dtype=np.float64))
    out = K.TrancheOut(*[np.zeros(T, np.int64) if f in _INT_OUT else np.zeros(T) for f in K.TrancheOut._fields])
    n_fills = np.zeros(1, np.int64)
    run_events = np.zeros(1, np.int64)
    if trace:
        trc = K.Trace(np.zeros(n), np.zeros((n, T)), np.zeros((n, T)), np.zeros((n, T)))
    else:
        trc = K.Trace(np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)))
    for _ in range(2):
        fills = K.FillOut(np.zeros(capacity, np.int64), np.zeros(capacity, np.int64), np.zeros(capacity), np.zeros(capacity),
                          np.zeros(capacity, np.int8), np.zeros(capacity), np.zeros(capacity), np.zeros(capacity))
        status = K.replay_runs(K.Tape(ts, kind, val), tr, runs, tick, queue_model, queue_frac, queue_power, refill_min, decay,
                               jump, out, fills, n_fills, run_events, trc)
        if status != K.STATUS_FULL:
            break
        capacity = int(n_fills[0])
    assert status == K.STATUS_OK, status
    rows = [{f: getattr(fills, f)[i].item() for f in K.FillOut._fields} for i in range(int(n_fills[0]))]
    outs = [{f: getattr(out, f)[k].item() for f in K.TrancheOut._fields} for k in range(T)]
    return {"fills": rows, "out": outs, "trace": trc, "events": int(run_events[0])}


def close(a, b, rel=1e-9, abs_=1e-9):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, float) and math.isinf(a):
        return a == b
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def assert_same(k, r, trace=False):
    kf, rf = k["fills"], r.fills
    assert len(kf) == len(rf), (kf, rf)
    for a, b in zip(kf, rf):
        for f in K.FillOut._fields:
            assert close(float(a[f]), float(b[f])), (f, a, b)
    for k_out, o in zip(k["out"], r.tr):
        for f in K.TrancheOut._fields:
            assert close(float(k_out[f]), float(o.out[f])), (f, k_out, o.out)
    if trace:
        tr = k["trace"]
        for i in range(tr.disp.shape[0]):
            want = r.trace.get(i)
            if want is None:
                assert math.isnan(tr.disp[i]), i
                continue
            assert close(float(tr.disp[i]), want["disp"]), (i, tr.disp[i], want)
            for j in range(tr.queue.shape[1]):
                assert close(float(tr.remaining[i, j]), want["remaining"][j]), (i, j, "remaining")
                assert close(float(tr.queue[i, j]), want["queue"][j]), (i, j, "queue", tr.queue[i, j], want)
                assert close(float(tr.limit[i, j]), want["limit"][j]), (i, j, "limit")


# --------------------------------------------------------------------------------- hand-built tapes

BOOK = (0, Q, 10.00, 10.02, 300.0, 200.0)


def test_trade_through_fills_whole_print_and_clears_queue():
    ev = [BOOK, (5 * S, TR, 9.99, 80.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert [(f["ts"], f["price"], f["qty"], f["kind"]) for f in res["fills"]] == [(5 * S, 10.00, 80.0, K.FILL_PASSIVE)]
    assert res["out"][0]["left"] == pytest.approx(20.0)


def test_queue_ahead_consumed_before_we_fill():
    # 300 shares ahead at 10.00; prints at the bid: 100 (queue 200), 250 (50 for us), then 200 (50 more, done)
    ev = [BOOK, (5 * S, TR, 10.00, 100.0), (6 * S, TR, 10.00, 250.0), (7 * S, TR, 10.00, 200.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert [(f["ts"], f["qty"]) for f in res["fills"]] == [(6 * S, 50.0), (7 * S, 50.0)]
    assert res["out"][0]["complete_ns"] == 7 * S
    # trade-through only: prints at our price never fill
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}], queue_model=K.QM_TRADE_THROUGH)
    assert res["fills"] == [] and res["out"][0]["left"] == 100.0


def test_quote_caps_queue_at_displayed_size():
    # the displayed bid size falls to 50: at most 50 are ahead of us
    ev = [BOOK, (3 * S, Q, 10.00, 10.02, 50.0, 200.0), (5 * S, TR, 10.00, 80.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert [(f["ts"], f["qty"]) for f in res["fills"]] == [(5 * S, 30.0)]


def test_partial_fill_and_no_volume():
    ev = [BOOK, (5 * S, TR, 9.98, 40.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert res["out"][0]["filled"] == 40.0 and res["out"][0]["left"] == 60.0
    res = kernel([BOOK, (3 * S, Q, 10.00, 10.02, 100.0, 100.0)], [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert res["fills"] == [] and res["out"][0]["left"] == 100.0 and res["out"][0]["mkt_vol"] == 0.0


def test_participation_cap_binds_on_traded_volume():
    # 10% of the market's prints: three prints of 500 through our price allow 50, 100, 150 in total
    ev = [BOOK] + [((2 + i) * S, TR, 9.99, 500.0) for i in range(3)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 1000.0, "max_part": 0.1}])
    assert [f["qty"] for f in res["fills"]] == [50.0, 50.0, 50.0]
    assert res["out"][0]["mkt_vol"] == 1500.0


def test_end_of_window_cleanup_walks_the_book():
    # nothing trades; at the end 500 shares are swept: 200 at the ask, then 200 at 10.03 and 100 at 10.04
    ev = [BOOK]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 500.0, "policy": K.POL_CROSS_AT_END}])
    f = res["fills"]
    assert len(f) == 1 and f[0]["kind"] == K.FILL_CLEANUP and f[0]["ts"] == 10 * S
    assert f[0]["price"] == pytest.approx((200 * 10.02 + 200 * 10.03 + 100 * 10.04) / 500)
    assert res["out"][0]["cleanup"] == 500.0


def test_carry_moves_the_rest_to_the_next_tranche():
    ev = [BOOK, (15 * S, TR, 9.99, 130.0)]
    trs = [{"start": S, "end": 10 * S, "qty": 100.0, "policy": K.POL_CARRY, "next_idx": 1},
           {"start": 10 * S, "end": 20 * S, "qty": 100.0, "policy": K.POL_LEAVE}]
    res = kernel(ev, trs)
    assert res["out"][0]["carry_out"] == 100.0 and res["out"][1]["carry_in"] == 100.0
    assert res["out"][1]["filled"] == 130.0 and res["out"][1]["left"] == 70.0


def test_repeg_after_quote_move_goes_to_back_of_queue():
    # the bid moves up to 10.01 (size 150): the join order re-pegs there behind 150 shares
    ev = [BOOK, (3 * S, Q, 10.01, 10.03, 150.0, 200.0), (4 * S, TR, 10.01, 200.0), (5 * S, TR, 10.00, 500.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert res["out"][0]["n_reprice"] == 1
    assert [(f["ts"], f["price"], f["qty"]) for f in res["fills"]] == [(4 * S, 10.01, 50.0), (5 * S, 10.01, 50.0)]


def test_improve_and_mid_rules_are_a_new_level():
    ev = [(0, Q, 10.00, 10.04, 300.0, 200.0), (5 * S, TR, 10.01, 30.0), (6 * S, TR, 10.02, 30.0)]
    imp = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0, "code": 1}])  # 10.01, nobody ahead
    assert [(f["price"], f["qty"]) for f in imp["fills"]] == [(10.01, 30.0)]
    mid = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0, "code": K.CODE_MID}])  # 10.02
    assert [(f["price"], f["qty"]) for f in mid["fills"]] == [(10.02, 30.0), (10.02, 30.0)]


def test_cross_rule_takes_as_volume_prints():
    ev = [BOOK, (5 * S, TR, 10.02, 1000.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 300.0, "code": K.CODE_CROSS, "max_part": 0.2}])
    # no volume at the opening: nothing; after a 1,000-share print 200 may be taken, at the ask
    assert [(f["ts"], f["price"], f["qty"], f["kind"]) for f in res["fills"]] == [(5 * S, 10.02, 200.0, K.FILL_CROSS)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 300.0, "code": K.CODE_CROSS}])  # no cap: all at once
    assert res["fills"][0]["ts"] == S and res["fills"][0]["qty"] == 300.0
    assert res["fills"][0]["price"] == pytest.approx((200 * 10.02 + 100 * 10.03) / 300)


def test_cap_price_bounds_sweeps_and_pegs():
    ev = [BOOK]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 500.0, "code": K.CODE_CROSS, "cap": 10.03}])
    assert res["out"][0]["filled"] == 400.0  # 200 at 10.02 + 200 at 10.03, nothing at 10.04
    # a sell joining the ask (10.02) capped at 10.03 rests behind the ask: a print at 10.03 meets an unknown
    # queue, a print through it (10.04) fills at the cap
    sell = kernel([BOOK, (5 * S, TR, 10.03, 100.0), (6 * S, TR, 10.04, 70.0)],
                  [{"start": S, "end": 10 * S, "qty": 100.0, "side": -1, "cap": 10.03}])
    assert [(f["ts"], f["price"], f["qty"]) for f in sell["fills"]] == [(6 * S, 10.03, 70.0)]


def test_fixed_price_rule():
    ev = [BOOK, (4 * S, TR, 9.98, 60.0), (5 * S, TR, 9.97, 60.0), (6 * S, TR, 9.98, 60.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0, "code": K.CODE_FIXED, "price": 9.98}])
    # below the bid the queue ahead is unknown: a print at 9.98 does not fill; a print through 9.98 does and
    # clears the level, so the next print at 9.98 reaches us
    assert [(f["ts"], f["price"], f["qty"]) for f in res["fills"]] == [(5 * S, 9.98, 60.0), (6 * S, 9.98, 40.0)]


def test_own_impact_shifts_prices_and_relaxes():
    ev = [BOOK, (100 * S, Q, 10.00, 10.02, 300.0, 200.0)]
    a = 1e-3  # displacement of 0.1% per sqrt(share)
    trs = [{"start": S, "end": 2 * S, "qty": 100.0, "code": K.CODE_CROSS, "policy": K.POL_LEAVE, "order": 0},
           {"start": 3 * S, "end": 4 * S, "qty": 100.0, "code": K.CODE_CROSS, "policy": K.POL_LEAVE, "order": 1}]
    off = kernel(ev, trs)
    on = kernel(ev, trs, scale=a, perm=0.5, half_life_ns=10.0 * S)
    assert off["fills"][1]["price"] == pytest.approx(10.02)
    # after 100 shares the peak is a * 10 = 1%, half permanent; the transient half relaxes for 2 s
    # (the first order is done at 1 s, the second starts at 3 s) with a 10 s half-life
    d = 0.005 + 0.005 * 2 ** (-2 / 10)
    assert on["fills"][1]["disp"] == pytest.approx(d)
    assert on["fills"][1]["price"] == pytest.approx(10.02 * (1 + d))
    # at the second window's end (1 s after its fill) the permanent part is half of a * sqrt(200); the
    # transient part has relaxed for another second
    transient = (0.005 * 2 ** (-2 / 10) + 0.5 * (a * math.sqrt(200) - 0.01)) * 2 ** (-1 / 10)
    assert on["out"][1]["end_disp"] == pytest.approx(0.5 * a * math.sqrt(200) + transient)


def test_no_decay_while_working_in_pause_mode():
    ev = [BOOK] + [((2 + i) * S, TR, 9.99, 10.0) for i in range(5)]
    tr = [{"start": S, "end": 100 * S, "qty": 100.0}]
    res = kernel(ev, tr, scale=1e-3, perm=0.0, half_life_ns=1.0 * S)
    disp = [f["disp"] for f in res["fills"]]
    assert disp == pytest.approx([1e-3 * math.sqrt(10 * i) for i in range(5)])  # the path of sqrt(x), no relaxation
    cont = kernel(ev, tr, scale=1e-3, perm=0.0, half_life_ns=1.0 * S, decay=K.DECAY_CONTINUOUS)
    assert cont["fills"][1]["disp"] == pytest.approx(1e-3 * math.sqrt(10) / 2)


def test_an_order_works_between_its_windows():
    # two windows of one order with a 10 s gap: no relaxation in the gap; as two orders, the gap relaxes
    ev = [BOOK, (100 * S, Q, 10.00, 10.02, 300.0, 200.0)]
    trs = [{"start": S, "end": 2 * S, "qty": 100.0, "code": K.CODE_CROSS, "order": 0},
           {"start": 12 * S, "end": 13 * S, "qty": 100.0, "code": K.CODE_CROSS, "order": 0}]
    one = kernel(ev, trs, scale=1e-3, perm=0.0, half_life_ns=10.0 * S)
    assert one["fills"][1]["disp"] == pytest.approx(0.01)
    trs[1]["order"] = 1
    two = kernel(ev, trs, scale=1e-3, perm=0.0, half_life_ns=10.0 * S)
    assert two["fills"][1]["disp"] == pytest.approx(0.01 * 2 ** (-11 / 10))


def test_window_bounds_follow_the_fill_kernel():
    # a trade at the opening time cannot fill; a trade at the closing time can
    ev = [BOOK, (S, TR, 9.99, 10.0), (10 * S, TR, 9.99, 20.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert [(f["ts"], f["qty"]) for f in res["fills"]] == [(10 * S, 20.0)]


def test_waiting_for_first_quote():
    ev = [(5 * S, Q, 10.00, 10.02, 0.0, 200.0), (6 * S, TR, 10.00, 10.0)]
    res = kernel(ev, [{"start": S, "end": 10 * S, "qty": 100.0}])
    assert res["out"][0]["placed_ns"] == 5 * S and res["fills"][0]["qty"] == 10.0


def test_bad_inputs_give_status():
    args = dict(tick=0.01, queue_model=K.QM_QUEUE, queue_frac=1.0, queue_power=2.0, refill_min=100.0)
    with pytest.raises(AssertionError, match="1"):
        kernel([(2 * S, Q, 10, 10.02, 1, 1), (S, TR, 10, 1)], [{"start": 0, "end": S}], **args)  # unsorted
    with pytest.raises(AssertionError, match="5"):
        kernel([BOOK], [{"start": 2 * S, "end": S}], **args)  # window ends before it starts
    with pytest.raises(AssertionError, match="3"):
        kernel([BOOK], [{"start": S, "end": 2 * S}], tick=0.0)


def test_fill_buffer_overflow_is_reported_and_recovered():
    ev = [BOOK] + [((2 + i) * S, TR, 9.99, 1.0) for i in range(20)]
    res = kernel(ev, [{"start": S, "end": 100 * S, "qty": 100.0}], capacity=2)
    assert len(res["fills"]) == 20


# --------------------------------------------------------------------------------- reference twin

@st.composite
def tapes(draw):
    n = draw(st.integers(1, 40))
    t = 0
    bid = 1000
    events = []
    for _ in range(n):
        t += draw(st.sampled_from([0, 1, 1, 2, 5])) * S // 2
        if draw(st.booleans()):
            bid += draw(st.integers(-2, 2))
            spread = draw(st.integers(0, 4))
            bsz = float(draw(st.sampled_from([0, 50, 100, 300, 700])))
            asz = float(draw(st.sampled_from([0, 50, 100, 300, 700])))
            if draw(st.integers(0, 15)) == 0:
                events.append((t, Q, math.nan, (bid + spread) / 100, bsz, asz))
            else:
                events.append((t, Q, bid / 100, (bid + spread) / 100, bsz, asz))
        else:
            px = bid + draw(st.integers(-3, 5))
            events.append((t, TR, px / 100, float(draw(st.sampled_from([1, 20, 50, 100, 250, 600])))))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


@st.composite
def plans(draw, t_max):
    n = draw(st.integers(1, 4))
    starts = sorted(draw(st.integers(-2, t_max // (S // 2) + 2)) * (S // 2) for _ in range(n))
    orders = [draw(st.integers(0, 1)) for _ in range(n)]
    out = []
    for i, s in enumerate(starts):
        length = draw(st.integers(0, 12)) * (S // 2)
        code = draw(st.sampled_from([0, 0, 1, 2, K.CODE_MID, K.CODE_CROSS, K.CODE_FIXED]))
        d = {"start": s, "end": s + length, "side": draw(st.sampled_from([1, -1])),
             "qty": float(draw(st.sampled_from([10, 100, 250, 1000]))), "code": code, "order": orders[i],
             "policy": draw(st.sampled_from([K.POL_CARRY, K.POL_CROSS_AT_END, K.POL_LEAVE])),
             "max_part": draw(st.sampled_from([math.nan, math.nan, 0.1, 0.5, 1.0]))}
        if code == K.CODE_FIXED:
            d["price"] = draw(st.integers(995, 1006)) / 100
        if draw(st.integers(0, 3)) == 0:
            d["cap"] = draw(st.integers(995, 1006)) / 100
        later = [j for j in range(i + 1, n) if orders[j] == orders[i]]
        d["next_idx"] = draw(st.sampled_from(later)) if later and draw(st.booleans()) else -1
        out.append(d)
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_kernel_equals_reference(data):
    events = data.draw(tapes())
    trs = data.draw(plans(events[-1][0]))
    qm = data.draw(st.sampled_from([K.QM_TRADE_THROUGH, K.QM_QUEUE, K.QM_PROB]))
    qf = data.draw(st.sampled_from([0.0, 0.5, 1.0]))
    qpow = data.draw(st.sampled_from([1.0, 2.0, 3.0]))
    decay = data.draw(st.sampled_from([K.DECAY_PAUSE, K.DECAY_CONTINUOUS]))
    scale = data.draw(st.sampled_from([0.0, 1e-4, 2e-3]))
    perm = data.draw(st.sampled_from([0.0, 0.5, 1.0]))
    half = data.draw(st.sampled_from([math.inf, 1.0 * S, 4.0 * S]))
    args = dict(queue_model=qm, queue_frac=qf, queue_power=qpow, decay=decay, scale=scale, perm=perm, half_life_ns=half)
    r = ref.replay(events, trs, queue_model=qm, queue_frac=qf, queue_power=qpow, decay=decay, scale=scale, perm=perm,
                   half_life_ns=half)
    traced = kernel(events, trs, jump=False, trace=True, **args)
    assert_same(traced, r, trace=True)
    fast = kernel(events, trs, jump=True, **args)  # skipping idle stretches changes nothing
    assert_same(fast, r)
    assert fast["events"] <= traced["events"]
