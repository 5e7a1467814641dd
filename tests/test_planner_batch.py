"""The planner's fast paths give, bit for bit, what their plain versions give.

* the limit rules of several orders of one name chosen at once (``choose_rules_batch``) equal each order's own
  ``choose_rules``, carry and cross-at-end, auction windows included;
* ``_interp`` (one point on Python floats) equals ``numpy.interp``;
* the shares earlier orders use (``used_shares``: bisection, Python floats) equal the dense numpy formula
  summed by numpy, and ``_pairwise_sum`` equals numpy's sum of a row;
* the central model's temporary impact priced for many orders in one call equals each order priced alone
  (what ``ac`` plans look up).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_planner_support import sample_fill_model, sample_profiles

from liqcost.config import Config
from liqcost.planner import costs
from liqcost.planner.horizon import _pairwise_sum, used_shares
from liqcost.planner.limits import _interp, choose_rules, choose_rules_batch

NS = 1_000_000_000
KEYS = ("fill_frac", "full_fill_prob", "executed", "carry_in", "unfilled", "spread_part_bps", "cost_bps", "sd_bps")


def _orders(rng, n_orders):
    parts = []
    for _ in range(n_orders):
        k = int(rng.integers(1, 9))
        q = (rng.integers(1, 30, k) * 100).astype(np.float64)
        vol = rng.uniform(500.0, 20_000.0, k)
        w = rng.choice([0.0, 900.0, 1800.0, 3600.0, 7200.0], k)
        tod = rng.choice(np.array(["open", "midday", "close"], dtype=object), k)
        auc = np.where(rng.random(k) < 0.15, rng.choice(np.array(["auction_open", "auction_close"], dtype=object), k), "")
        auc = auc.astype(object)
        room = rng.choice([0.0, 50.0, 400.0, 1e6], k)
        imp = rng.uniform(0.0, 30.0, k)
        parts.append((q, vol, w, tod, auc, imp, room))
    return parts


def test_rules_for_many_orders_at_once_equal_each_order_alone():
    fm = sample_fill_model("THNA")
    rng = np.random.default_rng(3)
    for unfilled in ("carry", "cross_at_end"):
        for rules in (["join", "improve_1", "mid", "cross"], ["join", "mid"], ["cross"]):
            parts = _orders(rng, 25)
            offsets = np.concatenate([[0], np.cumsum([p[0].size for p in parts])])
            cat = [np.concatenate([p[i] for p in parts]) for i in range(7)]
            batch = choose_rules_batch(rules, cat[0], cat[1], cat[2], cat[3], cat[4], offsets, cat[5], 40.0, fm, unfilled,
                                       cat[6], "km", 2.0)
            for o, (q, vol, w, tod, auc, imp, room) in enumerate(parts):
                one = choose_rules(rules, q, vol, w, tod, auc, imp, 40.0, fm, unfilled, room, "km", 2.0)
                sl = slice(offsets[o], offsets[o + 1])
                assert list(batch["rule"][sl]) == list(one["rule"])
                for key in KEYS:
                    assert np.array_equal(batch[key][sl], one[key], equal_nan=True), key
                assert batch["crossed_at_end"][o] == one["crossed_at_end"]


def _plain_rules(rules, q, vol, w, tod, auc, imp, hs, fm, unfilled, room):
    """The per-order rule choice written with numpy, as the planner had it before the batch (the reference)."""
    K = q.size
    passive = [r for r in rules if r != "cross" and fm is not None and r in fm.rules]
    cands = passive + (["cross"] if "cross" in rules or not passive else [])
    R = len(cands)
    is_auction = np.array([a != "" for a in auc], dtype=bool)
    live = (~is_auction) & (w > 0)
    w_eval = np.where(live, w, 60.0)
    rows = {r: fm.tranche_rows(r, w_eval) for r in cands if r != "cross"}
    anyp = {r: np.where(live, fm.prob_fill(r, w_eval, tod, None, "km"), 0.0) for r in cands if r != "cross"}
    p0 = q / np.maximum(vol, 1e-9)
    f, full, fc, du, sd = np.ones((R, K)), np.ones((R, K)), np.full((R, K), float(hs)), np.zeros((R, K)), np.zeros((R, K))
    for i, r in enumerate(cands):
        if r != "cross":
            v = fm.eval_rows(rows[r], p0)
            f[i], full[i] = np.clip(anyp[r] * v[0], 0.0, 1.0), np.clip(anyp[r] * v[1], 0.0, 1.0)
            fc[i], du[i], sd[i] = v[2], v[3], v[4]
    best, nxt = np.zeros(K, dtype=np.int64), hs
    for k in range(K - 1, -1, -1):
        c_end = hs if (unfilled == "cross_at_end" or k == K - 1) else nxt
        if is_auction[k]:
            best[k], nxt = -1, 0.0
            continue
        costs_k = f[:, k] * fc[:, k] + (1.0 - f[:, k]) * (du[:, k] + c_end)
        costs_k = np.where(np.isfinite(costs_k), costs_k, np.inf)
        best[k] = int(np.argmin(costs_k))
        nxt = costs_k[best[k]]
    lpg = np.log(fm.p_grid)
    carry_in, f_eff, fc_eff, du_eff = np.zeros(K), np.ones(K), np.zeros(K), np.zeros(K)
    pending = 0.0
    for k in range(K):
        if unfilled == "carry" and pending > 0:
            carry_in[k] = min(pending, max(room[k], 0.0))
            pending -= carry_in[k]
        q_eff = q[k] + carry_in[k]
        if is_auction[k]:
            fk, fck, duk = 1.0, 0.0, 0.0
        elif cands[best[k]] == "cross":
            fk, fck, duk = 1.0, hs, 0.0
        elif carry_in[k] == 0:
            fk, fck, duk = f[best[k], k], fc[best[k], k], du[best[k], k]
        else:
            row = rows[cands[best[k]]][:, k, :]
            lp = math.log(max(q_eff / max(vol[k], 1e-9), 1e-12))
            v = [float(np.interp(lp, lpg, row[j])) for j in range(5)]
            fk = min(max(float(anyp[cands[best[k]]][k]) * v[0], 0.0), 1.0)
            fck, duk = v[2], v[3]
        f_eff[k], fc_eff[k], du_eff[k] = fk, fck, duk
        if unfilled == "carry":
            pending += q_eff - fk * q_eff
    out, nxt = np.zeros(K), hs
    for k in range(K - 1, -1, -1):
        c_end = hs if (unfilled == "cross_at_end" or k == K - 1) else nxt
        out[k] = 0.0 if is_auction[k] else f_eff[k] * fc_eff[k] + (1.0 - f_eff[k]) * (du_eff[k] + c_end)
        nxt = out[k]
    return out, carry_in


def test_rules_on_python_floats_equal_the_numpy_version():
    fm = sample_fill_model("THND")
    rng = np.random.default_rng(11)
    for unfilled in ("carry", "cross_at_end"):
        for q, vol, w, tod, auc, imp, room in _orders(rng, 40):
            one = choose_rules(["join", "improve_1", "mid", "cross"], q, vol, w, tod, auc, imp, 35.0, fm, unfilled, room)
            spread, carry_in = _plain_rules(["join", "improve_1", "mid", "cross"], q, vol, w, tod, auc, imp, 35.0, fm,
                                            unfilled, room)
            assert np.array_equal(one["spread_part_bps"], spread)
            assert np.array_equal(one["carry_in"], carry_in)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40),
       st.floats(-50.0, 50.0, allow_nan=False), st.integers(0, 39), st.booleans())
def test_interp_equals_numpy(fp, x, at, on_knot):
    xp = np.log(np.geomspace(1e-4, 20.0, len(fp)))
    if on_knot:
        x = float(xp[at % len(fp)])
    assert _interp(x, xp.tolist(), list(fp)) == float(np.interp(x, xp, np.asarray(fp)))


def _dense_used(used, start_ns, end_ns):
    """The dense numpy formula (the reference): every window against every used window, summed by numpy."""
    u = np.asarray(used, dtype=np.float64)
    us, ue, uq = u[:, 0], u[:, 1], u[:, 2]
    s = start_ns.astype(np.float64)[:, None]
    e = end_ns.astype(np.float64)[:, None]
    length = ue - us
    ov = np.clip(np.minimum(e, ue[None, :]) - np.maximum(s, us[None, :]), 0.0, None)
    timed = np.where(length[None, :] > 0, uq[None, :] * ov / np.where(length > 0, length, 1.0)[None, :], 0.0)
    instant = np.where((length[None, :] <= 0) & (s == us[None, :]) & (e == ue[None, :]), uq[None, :], 0.0)
    return (timed + instant).sum(axis=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 120), min_size=1, max_size=30), st.booleans(),
       st.lists(st.tuples(st.integers(-60, 3000), st.integers(0, 400), st.integers(1, 90_000), st.booleans(),
                          st.integers(0, 29)), min_size=1, max_size=60))
def test_used_shares_equal_the_dense_formula(widths, auction, picks):
    t0 = 1_743_427_800 * NS
    edges = t0 + np.concatenate([[0], np.cumsum(widths)]) * 60 * NS
    s, e = edges[:-1].copy(), edges[1:].copy()
    if auction:  # an opening auction: a window of no length at the first start
        s, e = np.concatenate([[s[0]], s]), np.concatenate([[s[0]], e])
    used = []
    for start_min, length_min, shares, same_window, k in picks:
        if same_window:
            k = k % s.size
            used.append((int(s[k]), int(e[k]), float(shares)))
        else:
            a = int(t0 + start_min * 60 * NS)
            used.append((a, a + length_min * 60 * NS, float(shares)))
    assert np.array_equal(used_shares(used, s, e), _dense_used(used, s, e))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=300))
def test_pairwise_sum_equals_numpy(values):
    assert _pairwise_sum(list(values)) == float(np.asarray([values], dtype=np.float64).sum(axis=1)[0])


def test_temporary_impact_of_many_orders_equals_each_alone():
    import polars as pl

    cfg = Config()
    prof = sample_profiles()
    rows = prof.to_dicts()
    rng = np.random.default_rng(5)
    picks = [rows[int(i)] for i in rng.integers(0, len(rows), 40)]
    qty = (rng.integers(1, 200, 40) * 100).tolist()
    days = rng.integers(1, 6, 40).astype(float).tolist()
    batch = costs.temporary_bps_batch(qty, pl.DataFrame(picks, infer_schema_length=None), days, cfg)
    for i, r in enumerate(picks):
        one = costs.temporary_bps_batch([qty[i]], pl.DataFrame([r], infer_schema_length=None), [days[i]], cfg)
        assert batch[i] == one[0] or (np.isnan(batch[i]) and np.isnan(one[0]))


def test_ac_plans_are_the_same_with_and_without_pricing_ahead(monkeypatch):
    from liqcost.planner import plan as plan_mod

    prof = sample_profiles()
    fms = {s: sample_fill_model(s) for s in ("THNA", "THNB")}
    orders = [{"order_id": f"o{i}", "symbol": s, "side": 1 if i % 2 else -1, "qty": q, "urgency": 3e-5}
              for i, (s, q) in enumerate([("THNA", 3000), ("THNB", 2500), ("THNA", 1200), ("THNB", 700)])]
    a = plan_mod.plan(orders, prof, fms, Config(), start=dt.date(2025, 3, 31), schedule="ac", errors="report")
    monkeypatch.setattr(plan_mod, "_price_ac_ahead", lambda *args: None)
    b = plan_mod.plan(orders, prof, fms, Config(), start=dt.date(2025, 3, 31), schedule="ac", errors="report")
    assert a.tranches.equals(b.tranches) and a.order_summary.equals(b.order_summary)
