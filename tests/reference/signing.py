"""Slow twins of liqcost.kernels.signing, written from the papers' wording."""

from __future__ import annotations

import math

import numpy as np

UNSIGNED, FEED, QUOTE, TICK, ZERO_TICK = 0, 1, 2, 3, 4
RTOL = 1e-9


def _eq(a, b):
    return abs(a - b) <= RTOL * abs(b)


def tick_rule(price, use):
    sign, rule = [], []
    history = []  # prices of earlier used trades
    for p, u in zip(price, use):
        if not u:
            sign.append(0)
            rule.append(UNSIGNED)
            continue
        s, r = 0, UNSIGNED
        if history:
            if not _eq(p, history[-1]):
                s, r = (1 if p > history[-1] else -1), TICK
            else:
                # zero tick: walk back to the last price change
                for k in range(len(history) - 1, 0, -1):
                    if not _eq(history[k], history[k - 1]):
                        s, r = (1 if history[k] > history[k - 1] else -1), ZERO_TICK
                        break
        history.append(p)
        sign.append(s)
        rule.append(r)
    return np.array(sign, dtype=np.int8), np.array(rule, dtype=np.int8)


def sign_trades(price, bid, ask, aggressor, use, method, use_feed):
    """method: 'tick', 'quote', 'lee_ready', 'emo', 'clnv'."""
    ts, tr = tick_rule(price, use)
    sign, rule = [], []
    for i, p in enumerate(price):
        if not use[i]:
            sign.append(0)
            rule.append(UNSIGNED)
            continue
        if use_feed and aggressor[i] != 0:
            sign.append(int(np.sign(aggressor[i])))
            rule.append(FEED)
            continue
        b, a = bid[i], ask[i]
        decided = None
        if method != "tick" and not (math.isnan(b) or math.isnan(a)):
            m = (a + b) / 2
            if method in ("quote", "lee_ready"):
                if _eq(p, m):
                    if method == "quote":
                        decided = (0, UNSIGNED)
                else:
                    decided = (1, QUOTE) if p > m else (-1, QUOTE)
            elif method == "emo":
                if _eq(p, a) and not _eq(p, b):
                    decided = (1, QUOTE)
                elif _eq(p, b) and not _eq(p, a):
                    decided = (-1, QUOTE)
            elif method == "clnv":
                spread = a - b
                if spread > RTOL * abs(m):
                    in_upper = (p <= a or _eq(p, a)) and (p >= a - 0.3 * spread or _eq(p, a - 0.3 * spread))
                    in_lower = (p >= b or _eq(p, b)) and (p <= b + 0.3 * spread or _eq(p, b + 0.3 * spread))
                    if in_upper:
                        decided = (1, QUOTE)
                    elif in_lower:
                        decided = (-1, QUOTE)
        if decided is None:
            decided = (int(ts[i]), int(tr[i]))
        sign.append(decided[0])
        rule.append(decided[1])
    return np.array(sign, dtype=np.int8), np.array(rule, dtype=np.int8)


def bvc_buy_fraction(price_change, sigma):
    from scipy.stats import norm

    if not sigma > 0:
        return np.full(len(price_change), np.nan)
    return np.array([norm.cdf(x / sigma) if not math.isnan(x) else np.nan for x in price_change])
