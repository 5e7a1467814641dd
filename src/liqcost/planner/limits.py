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

import numpy as np

__all__ = ["RULES", "choose_rules", "limit_ticks_np", "reference_quote", "rule_code", "rule_price", "tick_for"]

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
    K = q.size
    passive = [r for r in rules if r != "cross" and fill_model is not None and r in fill_model.rules]
    cands = passive + (["cross"] if "cross" in rules or not passive else [])
    R = len(cands)
    is_auction = np.array([a != "" for a in auction], dtype=bool)

    live = (~is_auction) & (window_s > 0)
    w_eval = np.where(live, window_s, 60.0)
    rows, anyp = {}, {}
    for r in cands:
        if r != "cross":
            rows[r] = fill_model.tranche_rows(r, w_eval)  # [5, K, P]
            anyp[r] = np.where(live, fill_model.prob_fill(r, w_eval, tod, spread_ticks, method), 0.0)

    def stats_for(p):
        """Per rule [R, K] arrays of fill fraction, full-fill probability, fill cost, drift, sd."""
        f = np.ones((R, K))
        full = np.ones((R, K))
        fc = np.full((R, K), float(hs_bps))
        du = np.zeros((R, K))
        sd = np.zeros((R, K))
        for i, r in enumerate(cands):
            if r == "cross":
                continue
            v = fill_model.eval_rows(rows[r], p)
            f[i] = np.clip(anyp[r] * v[0], 0.0, 1.0)
            full[i] = np.clip(anyp[r] * v[1], 0.0, 1.0)
            fc[i], du[i], sd[i] = v[2], v[3], v[4]
        return f, full, fc, du, sd

    def backward(f, fc, du):
        """Continuation cost per unfilled share and the best rule of each tranche (auction windows fixed)."""
        best = np.zeros(K, dtype=np.int64)
        spread_part = np.zeros(K)
        nxt = hs_bps
        cont = np.zeros(K)
        for k in range(K - 1, -1, -1):
            c_end = hs_bps if (unfilled == "cross_at_end" or k == K - 1) else nxt
            cont[k] = c_end
            if is_auction[k]:
                spread_part[k] = 0.0
                best[k] = -1
            else:
                costs = f[:, k] * fc[:, k] + (1.0 - f[:, k]) * (du[:, k] + c_end)
                costs = np.where(np.isfinite(costs), costs, np.inf)
                best[k] = int(np.argmin(costs))
                spread_part[k] = costs[best[k]]
            nxt = spread_part[k]
        return best, spread_part, cont

    p0 = q / np.maximum(volume, 1e-9)
    f, full, fc, du, sd = stats_for(p0)
    lpg = np.log(fill_model.p_grid) if fill_model is not None else None
    best, _, _ = backward(f, fc, du)

    # forward pass: carried shares join later tranches within their caps
    carry_in = np.zeros(K)
    unfilled_sh = np.zeros(K)
    executed = np.zeros(K)
    f_eff = np.ones(K)
    full_eff = np.ones(K)
    fc_eff = np.zeros(K)
    du_eff = np.zeros(K)
    sd_eff = np.zeros(K)
    pending = 0.0
    for k in range(K):
        if unfilled == "carry" and pending > 0:
            add = min(pending, max(cap_room[k], 0.0))
            carry_in[k] = add
            pending -= add
        q_eff = q[k] + carry_in[k]
        if is_auction[k]:
            fk, fullk, fck, duk, sdk = 1.0, 1.0, 0.0, 0.0, 0.0
        else:
            r = best[k]
            if cands[r] == "cross":
                fk, fullk, fck, duk, sdk = 1.0, 1.0, hs_bps, 0.0, 0.0
            elif carry_in[k] == 0:  # as planned
                fk, fullk, fck, duk, sdk = f[r, k], full[r, k], fc[r, k], du[r, k], sd[r, k]
            else:
                row = rows[cands[r]][:, k, :]  # [5, P]
                lp = math.log(max(q_eff / max(volume[k], 1e-9), 1e-12))
                v = [float(np.interp(lp, lpg, row[j])) for j in range(5)]
                a = float(anyp[cands[r]][k])
                fk, fullk = min(max(a * v[0], 0.0), 1.0), min(max(a * v[1], 0.0), 1.0)
                fck, duk, sdk = v[2], v[3], v[4]
        f_eff[k], full_eff[k], fc_eff[k], du_eff[k], sd_eff[k] = fk, fullk, fck, duk, sdk
        executed[k] = fk * q_eff
        unfilled_sh[k] = q_eff - executed[k]
        if unfilled == "carry":
            pending += unfilled_sh[k]
    crossed_at_end = pending if unfilled == "carry" else float(unfilled_sh.sum())

    # costs per planned share with the effective fill fractions; continuation from the next tranche
    spread_part = np.zeros(K)
    nxt = hs_bps
    for k in range(K - 1, -1, -1):
        c_end = hs_bps if (unfilled == "cross_at_end" or k == K - 1) else nxt
        if is_auction[k]:
            spread_part[k] = 0.0
        else:
            spread_part[k] = f_eff[k] * fc_eff[k] + (1.0 - f_eff[k]) * (du_eff[k] + c_end)
        nxt = spread_part[k]
    names = np.array([auction[k] if is_auction[k] else cands[best[k]] for k in range(K)], dtype=object)
    return {
        "rule": names,
        "fill_frac": f_eff,
        "full_fill_prob": full_eff,
        "executed": executed,
        "carry_in": carry_in,
        "unfilled": unfilled_sh,
        "spread_part_bps": spread_part,
        "cost_bps": spread_part + impact_bps,
        "sd_bps": sd_eff,
        "crossed_at_end": float(crossed_at_end),
    }
