"""Limit price per tranche: the rule (join, improve by k ticks, mid, cross) with the least expected cost.

Prices are set relative to the quote prevailing when the tranche starts; the plan shows the price the
rule gives at plan time (the reference quote: the last quote of the data, or the profile's price and
quoted spread). Rules, for a buy (a sell mirrors them):

* ``join``: the bid; ``improve_k``: the bid plus ``k`` ticks, at most one tick below the ask;
* ``mid``: the midpoint rounded down to a tick (joins with a one-tick spread);
* ``cross``: the ask (a marketable limit: fills at once, pays the half-spread);
* ``auction_open`` / ``auction_close``: a limit-on-open / limit-on-close order (auction windows only).

The expected cost of a tranche worked with a passive rule, per share and in bps of its arrival mid, is

``f * c_fill + (1 - f) * (drift_unfilled + c_next) + impact``

with ``f`` the expected fill fraction within the window at the tranche's participation, ``c_fill`` the
limit's price versus the mid (negative: the spread is earned), ``drift_unfilled`` the adverse move
suffered by the unfilled shares (non-execution risk), all from the fill model, and ``c_next`` the cost of
finishing them: half the spread at the end of the window (``planner.unfilled: cross_at_end``, and for
the last tranche), or the next tranche's expected cost when they are carried (``carry``). ``cross`` costs
the half-spread (``f = 1``). The rules are chosen backward from the last tranche so that each tranche
knows what its leftovers will cost; then a forward pass adds the carried shares to the later tranches
(within their caps) and recomputes the fill fractions at the larger sizes.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

__all__ = ["RULES", "choose_rules", "choose_rules_batch", "limit_ticks_np", "reference_quote", "rule_code", "rule_price", "tick_for"]

RULES = ("join", "improve_1", "improve_2", "improve_3", "mid", "cross")
_MID = -1
_CROSS = -2


def rule_code(rule: str) -> int:
    """Kernel code of a rule (``k`` improve ticks, -1 mid, -2 cross)."""
    if rule == "join":
        return 0
    if rule.startswith("improve_"):
        return int(rule.split("_")[1])
    if rule == "mid":
        return _MID
    if rule == "cross":
        return _CROSS
    raise ValueError(f"unknown limit rule {rule!r}; one of {', '.join(RULES)}")


def tick_for(price: float, config) -> float:
    """Price increment for a price (``planner.tick_px``, sub-dollar increment below ``subdollar_below_px``)."""
    pc = config.planner
    return pc.subdollar_tick_px if price < pc.subdollar_below_px else pc.tick_px


def limit_ticks_np(side, bid_ticks, ask_ticks, code):
    """Vectorized twin of :func:`liqcost.kernels.fills.limit_ticks` (plus ``-2``: the far side)."""
    side = np.asarray(side)
    bt = np.asarray(bid_ticks, dtype=np.int64)
    at = np.asarray(ask_ticks, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64)
    spread = at - bt
    room = np.where(spread > 1, spread - 1, 0)
    k = np.where(code == _MID, np.where(spread > 1, spread // 2, 0), np.minimum(np.maximum(code, 0), room))
    passive = np.where(side > 0, bt + k, at - k)
    far = np.where(side > 0, at, bt)
    return np.where(code == _CROSS, far, passive)


def rule_price(rule: str, side: int, bid: float, ask: float, tick: float) -> float:
    """Limit price of ``rule`` for ``side`` against the quote ``bid`` / ``ask`` (currency per share)."""
    bt = round(bid / tick)
    at = round(ask / tick)
    return float(limit_ticks_np(side, bt, at, rule_code(rule))) * tick


def reference_quote(profile: dict, config, quote: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """``(bid, ask, tick)`` at plan time: the given quote, else a quote around the profile's price whose spread is
    the profile's quoted spread in whole ticks (at least one)."""
    from liqcost.planner.costs import half_spread_bps

    if quote is not None:
        bid, ask = float(quote[0]), float(quote[1])
        tick = tick_for(0.5 * (bid + ask), config)
        return bid, ask, tick
    mid = float(profile.get("price_px") or float("nan"))
    if not math.isfinite(mid) or mid <= 0:
        return float("nan"), float("nan"), config.planner.tick_px
    tick = tick_for(mid, config)
    hs = half_spread_bps(profile)
    # the spread in whole ticks (at least one), placed around the price
    n = max(1, round(2 * mid * (hs if math.isfinite(hs) else 0.0) * 1e-4 / tick))
    bid_t = math.floor(mid / tick - n / 2 + 0.5 + 1e-9)
    return round(bid_t * tick, 10), round((bid_t + n) * tick, 10), tick


def choose_rules(rules, q, volume, window_s, tod, auction, impact_bps, hs_bps, fill_model, unfilled: str,
                 cap_room, method: str = "km", spread_ticks: float | None = None) -> dict:
    """Pick each tranche's limit rule by expected cost and compute the plan's expected outcome.

    Parameters
    ----------
    rules : sequence of str
        Candidate rules (passive rules are used only when the fill model has them).
    q, volume, window_s : ndarray [K]
        Tranche shares, expected market volume in the window (shares), window length (s).
    tod : ndarray of str [K]
        Time-of-day stratum of each window.
    auction : ndarray of str [K]
        ``""`` for continuous windows, else ``auction_open`` / ``auction_close``.
    impact_bps : ndarray [K]
        Impact attributed to each tranche.
    hs_bps : float
        Half-spread at plan time, bps.
    fill_model : FillModel or None
    unfilled : ``"carry"`` or ``"cross_at_end"``
    cap_room : ndarray [K]
        Shares each window can still take beyond its tranche (carried shares never break a cap).

    Returns
    -------
    dict of ndarray
        ``rule`` (str), ``fill_frac``, ``full_fill_prob``, ``executed`` (expected shares), ``carry_in``,
        ``unfilled`` (expected shares left at the window's end), ``cost_bps`` (per planned share, impact
        included), ``spread_part_bps``, ``sd_bps`` and the scalar ``crossed_at_end`` (expected shares
        finished aggressively after the last tranche, carry mode).
    """
    q = np.asarray(q, dtype=np.float64)
    out = choose_rules_batch(rules, q, volume, window_s, tod, auction, [0, q.size], impact_bps, hs_bps, fill_model,
                             unfilled, cap_room, method, spread_ticks)
    out["crossed_at_end"] = float(out["crossed_at_end"][0])
    return out


def _interp(x: float, xp: list, fp: list) -> float:
    """``numpy.interp(x, xp, fp)`` for one point, on Python floats (the same arithmetic, bit for bit)."""
    if x != x:
        return x
    n = len(xp)
    if x < xp[0]:
        return fp[0]
    j = bisect_right(xp, x) - 1
    if j >= n - 1:
        return fp[n - 1]
    if xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    r = slope * (x - xp[j]) + fp[j]
    if r != r:
        r = slope * (x - xp[j + 1]) + fp[j + 1]
        if r != r and fp[j] == fp[j + 1]:
            r = fp[j]
    return r


def choose_rules_batch(rules, q, volume, window_s, tod, auction, offsets, impact_bps, hs_bps, fill_model, unfilled: str,
                       cap_room, method: str = "km", spread_ticks: float | None = None) -> dict:
    """:func:`choose_rules` for several orders in one name at once (the same fill model, quote and half-spread).

    The tranches of order ``o`` are ``offsets[o]:offsets[o + 1]`` of the arrays (each order's in time order);
    the fill model is evaluated once over all of them, then each order's rules are chosen backward from its
    last tranche and its carried shares passed forward, exactly as for one order. ``crossed_at_end`` is per
    order; every other entry is per tranche.
    """
    q = np.asarray(q, dtype=np.float64)
    volume = np.asarray(volume, dtype=np.float64)
    window_s = np.asarray(window_s, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    n_orders = offsets.size - 1
    N = q.size
    passive = [r for r in rules if r != "cross" and fill_model is not None and r in fill_model.rules]
    cands = passive + (["cross"] if "cross" in rules or not passive else [])
    R = len(cands)
    auction = np.asarray(auction, dtype=object)
    is_auction = auction != ""
    hs_bps = float(hs_bps)

    live = (~is_auction) & (window_s > 0)
    w_eval = np.where(live, window_s, 60.0)
    # the fill model at the planned sizes, every rule [R, N] (a cross fills at once and pays the half-spread)
    p0 = q / np.maximum(volume, 1e-9)
    f = np.ones((R, N))
    full = np.ones((R, N))
    fc = np.full((R, N), hs_bps)
    du = np.zeros((R, N))
    sd = np.zeros((R, N))
    rows, anyp = {}, {}
    for i, r in enumerate(cands):
        if r == "cross":
            continue
        rows[r] = fill_model.tranche_rows(r, w_eval)  # [5, N, P]
        anyp[r] = np.where(live, fill_model.prob_fill(r, w_eval, tod, spread_ticks, method), 0.0)
        v = fill_model.eval_rows(rows[r], p0)
        f[i] = np.clip(anyp[r] * v[0], 0.0, 1.0)
        full[i] = np.clip(anyp[r] * v[1], 0.0, 1.0)
        fc[i], du[i], sd[i] = v[2], v[3], v[4]
    lpg = np.log(fill_model.p_grid).tolist() if fill_model is not None else None

    # Python floats from here: a few tranches per order, a loop each way
    fT, fullT, fcT, duT, sdT = f.T.tolist(), full.T.tolist(), fc.T.tolist(), du.T.tolist(), sd.T.tolist()
    qL, volL, roomL = q.tolist(), volume.tolist(), np.asarray(cap_room, dtype=np.float64).tolist()
    auc = is_auction.tolist()
    anypL = {r: a.tolist() for r, a in anyp.items()}
    carry = unfilled == "carry"
    cae = unfilled == "cross_at_end"
    inf = math.inf
    best = [0] * N
    carry_in = [0.0] * N
    unfilled_sh = [0.0] * N
    executed = [0.0] * N
    f_eff = [1.0] * N
    full_eff = [1.0] * N
    sd_eff = [0.0] * N
    spread_part = [0.0] * N
    crossed = [0.0] * n_orders
    bounds = offsets.tolist()
    for o in range(n_orders):
        a, b = bounds[o], bounds[o + 1]
        # backward: the continuation cost per unfilled share and the best rule (auction windows fixed)
        nxt = hs_bps
        for k in range(b - 1, a - 1, -1):
            c_end = hs_bps if (cae or k == b - 1) else nxt
            if auc[k]:
                best[k] = -1
                nxt = 0.0
                continue
            fk, fck, duk = fT[k], fcT[k], duT[k]
            bi, bc = 0, None
            for i in range(R):
                c = fk[i] * fck[i] + (1.0 - fk[i]) * (duk[i] + c_end)
                if not math.isfinite(c):
                    c = inf
                if bc is None or c < bc:
                    bi, bc = i, c
            best[k] = bi
            nxt = bc
        # forward: carried shares join later tranches within their caps
        fc_eff = [0.0] * (b - a)
        du_eff = [0.0] * (b - a)
        pending = 0.0
        for k in range(a, b):
            if carry and pending > 0:
                add = min(pending, max(roomL[k], 0.0))
                carry_in[k] = add
                pending -= add
            q_eff = qL[k] + carry_in[k]
            if auc[k]:
                fk, fullk, fck, duk, sdk = 1.0, 1.0, 0.0, 0.0, 0.0
            else:
                r = best[k]
                if cands[r] == "cross":
                    fk, fullk, fck, duk, sdk = 1.0, 1.0, hs_bps, 0.0, 0.0
                elif carry_in[k] == 0:  # as planned
                    fk, fullk, fck, duk, sdk = fT[k][r], fullT[k][r], fcT[k][r], duT[k][r], sdT[k][r]
                else:
                    row = rows[cands[r]][:, k, :].tolist()  # [5, P]
                    lp = math.log(max(q_eff / max(volL[k], 1e-9), 1e-12))
                    v = [_interp(lp, lpg, row[j]) for j in range(5)]
                    av = anypL[cands[r]][k]
                    fk, fullk = min(max(av * v[0], 0.0), 1.0), min(max(av * v[1], 0.0), 1.0)
                    fck, duk, sdk = v[2], v[3], v[4]
            f_eff[k], full_eff[k], sd_eff[k] = fk, fullk, sdk
            fc_eff[k - a], du_eff[k - a] = fck, duk
            executed[k] = fk * q_eff
            unfilled_sh[k] = q_eff - executed[k]
            if carry:
                pending += unfilled_sh[k]
        crossed[o] = pending if carry else float(np.array(unfilled_sh[a:b]).sum())  # numpy's summation order
        # costs per planned share with the effective fill fractions; continuation from the next tranche
        nxt = hs_bps
        for k in range(b - 1, a - 1, -1):
            c_end = hs_bps if (cae or k == b - 1) else nxt
            if auc[k]:
                spread_part[k] = 0.0
            else:
                fk = f_eff[k]
                spread_part[k] = fk * fc_eff[k - a] + (1.0 - fk) * (du_eff[k - a] + c_end)
            nxt = spread_part[k]
    names = np.array([auction[k] if auc[k] else cands[best[k]] for k in range(N)], dtype=object)
    spread_part = np.array(spread_part, dtype=np.float64)
    return {
        "rule": names,
        "fill_frac": np.array(f_eff, dtype=np.float64),
        "full_fill_prob": np.array(full_eff, dtype=np.float64),
        "executed": np.array(executed, dtype=np.float64),
        "carry_in": np.array(carry_in, dtype=np.float64),
        "unfilled": np.array(unfilled_sh, dtype=np.float64),
        "spread_part_bps": spread_part,
        "cost_bps": spread_part + np.asarray(impact_bps, dtype=np.float64),
        "sd_bps": np.array(sd_eff, dtype=np.float64),
        "crossed_at_end": np.array(crossed, dtype=np.float64),
    }
