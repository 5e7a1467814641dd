"""Trade signing: which side initiated each trade, and which rule decided it.

Signs are +1 (buyer-initiated), -1 (seller-initiated), 0 (unsigned). Every signed trade also gets a rule
code saying what decided its sign, so a user can audit the classification:

==== =================== ===========================================================================
code name                meaning
==== =================== ===========================================================================
0    ``unsigned``        no rule could sign the trade (first trade of the day with no quote, ...)
1    ``feed``            the feed's own aggressor flag
2    ``quote``           the trade price against the prevailing quote (quote rule / EMO / CLNV zones)
3    ``tick``            the tick rule on a price change from the previous trade (uptick / downtick)
4    ``zero_tick``       the tick rule on an unchanged price: the sign of the last price change
==== =================== ===========================================================================

Prices are compared with a relative tolerance of ``PX_RTOL`` (1e-9) so that a trade "at the ask" is
recognised even after a decimal conversion.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import INNER

__all__ = [
    "PX_RTOL",
    "RULE_FEED",
    "RULE_NAMES",
    "RULE_QUOTE",
    "RULE_TICK",
    "RULE_UNSIGNED",
    "RULE_ZERO_TICK",
    "SIGNING_CODES",
    "bvc_buy_fraction",
    "norm_cdf",
    "sign_one",
    "sign_trades",
    "tick_rule",
    "tick_step",
]

RULE_UNSIGNED = 0
RULE_FEED = 1
RULE_QUOTE = 2
RULE_TICK = 3
RULE_ZERO_TICK = 4
RULE_NAMES = ("unsigned", "feed", "quote", "tick", "zero_tick")

SIGN_TICK = 0
SIGN_QUOTE = 1
SIGN_LEE_READY = 2
SIGN_EMO = 3
SIGN_CLNV = 4
SIGNING_CODES = {"tick": SIGN_TICK, "quote": SIGN_QUOTE, "lee_ready": SIGN_LEE_READY, "emo": SIGN_EMO, "clnv": SIGN_CLNV}

PX_RTOL = 1e-9


@njit(cache=True, nogil=True, error_model="numpy")
def tick_rule(price, use):
    """Tick-rule sign of each trade.

    Parameters
    ----------
    price : float64[n]
        Trade prices in time order, currency per share.
    use : bool[n]
        Trades that take part (others get sign 0 and do not update the last price, e.g. auction prints).

    Returns
    -------
    sign : int8[n]
        +1 uptick or zero-uptick, -1 downtick or zero-downtick, 0 before the first price change.
    rule : int8[n]
        ``RULE_TICK`` (price changed), ``RULE_ZERO_TICK`` (unchanged price, sign of the last change) or
        ``RULE_UNSIGNED``.

    Notes
    -----
    The tick rule of Lee and Ready (1991, J. Finance 46(2), section II.B): a trade above the previous
    different price is a buy, below it a sell. Prices equal within ``PX_RTOL`` count as unchanged.
    """
    n = price.shape[0]
    sign = np.zeros(n, dtype=np.int8)
    rule = np.zeros(n, dtype=np.int8)
    have_prev = False
    prev = 0.0
    last = 0
    for i in range(n):
        if not use[i]:
            continue
        p = price[i]
        s, r, last = tick_step(p, have_prev, prev, last)
        sign[i] = s
        rule[i] = r
        have_prev = True
        prev = p
    return sign, rule


@njit(cache=True, nogil=True, error_model="numpy")
def tick_step(p, have_prev, prev, last):
    """The tick rule for one trade: ``(sign, rule, last)``.

    ``p`` is the trade price, ``prev`` the price of the previous used trade (when ``have_prev``), ``last``
    the sign of the last price change (0 before any). Returns the trade's sign and rule code
    (:func:`tick_rule`) and the updated ``last``. The single step behind :func:`tick_rule` and the
    fused tick pass; written as integer arithmetic rather than branches (the direction of a price change
    is a coin flip to the branch predictor).
    """
    d = p - prev
    tol = PX_RTOL * abs(prev)
    hp = np.int64(have_prev)
    move = (np.int64(d > tol) - np.int64(d < -tol)) * hp  # -1, 0, +1 (0: unchanged or no previous trade)
    moved = move * move
    sign = move + (1 - moved) * hp * last
    rule = moved * RULE_TICK + (1 - moved) * hp * (last * last) * RULE_ZERO_TICK  # (RULE_UNSIGNED is 0)
    return sign, rule, move + (1 - moved) * last


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _near(a, b):
    return abs(a - b) <= PX_RTOL * abs(b)


@njit(cache=True, nogil=True, error_model="numpy")
def sign_trades(price, bid, ask, aggressor, use, method, use_feed):
    """Sign trades with a quote-based rule, the tick rule, or the feed's aggressor flag.

    Parameters
    ----------
    price : float64[n]
        Trade prices in time order, currency per share.
    bid, ask : float64[n]
        Prevailing quote of each trade (NaN when none), currency per share.
    aggressor : int8[n]
        Feed aggressor flag: +1 buyer-initiated, -1 seller-initiated, 0 unknown.
    use : bool[n]
        Trades to sign (others get sign 0 / ``RULE_UNSIGNED`` and are invisible to the tick rule).
    method : int
        ``SIGN_TICK``, ``SIGN_QUOTE``, ``SIGN_LEE_READY``, ``SIGN_EMO`` or ``SIGN_CLNV``.
    use_feed : bool
        Take a non-zero ``aggressor`` as the sign (rule ``RULE_FEED``) before any inference.

    Returns
    -------
    sign : int8[n]
        +1 buy, -1 sell, 0 unsigned.
    rule : int8[n]
        Rule code that decided each sign (module docstring).

    Notes
    -----
    * Quote rule: above the midpoint a buy, below a sell; at the midpoint unsigned.
    * Lee-Ready: the quote rule, and the tick rule for trades at the midpoint (Lee and Ready 1991,
      J. Finance 46(2), 733-746, section II).
    * EMO: at the ask a buy, at the bid a sell, the tick rule for every other trade (Ellis, Michaely and
      O'Hara 2000, J. Financial and Quantitative Analysis 35(4), 529-551, section IV).
    * CLNV: at or within 30% of the spread below the ask a buy, at or within 30% above the bid a sell,
      the tick rule for the middle 40% and for trades outside the quotes (Chakrabarty, Li, Nguyen and
      Van Ness 2007, J. Banking & Finance 31(12), 3806-3821, section 3).
    * A trade with no prevailing quote is signed by the tick rule whatever the method; on a locked
      quote (bid == ask) a trade at that price is signed by the tick rule.
    """
    n = price.shape[0]
    tsign, trule = tick_rule(price, use)
    sign = np.zeros(n, dtype=np.int8)
    rule = np.zeros(n, dtype=np.int8)
    for i in range(n):
        if not use[i]:
            continue
        s, r = sign_one(price[i], bid[i], ask[i], aggressor[i], method, use_feed, tsign[i], trule[i])
        sign[i] = s
        rule[i] = r
    return sign, rule


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def sign_one(p, b, a, aggressor, method, use_feed, tsign, trule):
    """Sign and rule of one used trade (:func:`sign_trades`), given its tick-rule result.

    ``p`` price, ``b``/``a`` prevailing bid/ask (NaN when none), ``aggressor`` the feed flag,
    ``tsign``/``trule`` the trade's :func:`tick_step` outcome. The single decision behind
    :func:`sign_trades` and the fused tick pass.
    """
    if use_feed and aggressor != 0:
        return (1 if aggressor > 0 else -1), RULE_FEED
    s = 0
    if method != SIGN_TICK and b == b and a == a:
        # the quote rules as integer arithmetic where they can be: which side of the quote a trade
        # prints on is a coin flip to the branch predictor
        m = 0.5 * (a + b)
        if method == SIGN_QUOTE or method == SIGN_LEE_READY:
            s = (np.int64(p > m) - np.int64(p < m)) * np.int64(not _near(p, m))
            if method == SIGN_QUOTE and s == 0:
                return 0, RULE_UNSIGNED
        elif method == SIGN_EMO:
            at_ask = _near(p, a)
            at_bid = _near(p, b)
            s = 1 if at_ask & (not at_bid) else (-1 if at_bid & (not at_ask) else 0)
        else:  # CLNV
            sp = a - b
            if sp > PX_RTOL * abs(m):
                upper = a - 0.3 * sp
                lower = b + 0.3 * sp
                buy = ((p <= a) | _near(p, a)) & ((p >= upper) | _near(p, upper))
                sell = ((p >= b) | _near(p, b)) & ((p <= lower) | _near(p, lower))
                s = 1 if buy else (-1 if sell else 0)
    q = s * s  # 1 when the quote decided
    return s + (1 - q) * tsign, q * RULE_QUOTE + (1 - q) * trule


@njit(cache=True, nogil=True, error_model="numpy")
def norm_cdf(x):
    """Standard normal distribution function, ``Phi(x)``."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


@njit(cache=True, nogil=True, error_model="numpy")
def bvc_buy_fraction(price_change, sigma):
    """Bulk volume classification: the buy share of each bar's volume.

    Parameters
    ----------
    price_change : float64[k]
        Price change of each bar (close minus the previous bar's close), currency per share.
    sigma : float
        Standard deviation of the bar price changes, currency per share.

    Returns
    -------
    float64[k]
        ``Phi(price_change / sigma)``, the fraction of the bar's volume classified as buyer-initiated;
        NaN when ``sigma`` is not positive or the change is NaN.

    Notes
    -----
    Easley, Lopez de Prado and O'Hara (2012), "Flow toxicity and liquidity in a high-frequency world",
    Review of Financial Studies 25(5), 1457-1493, eq. (4) with the standard normal CDF ``Phi``:
    ``V_buy = V * Phi(dP / sigma_dP)``.
    """
    k = price_change.shape[0]
    out = np.empty(k, dtype=np.float64)
    ok = sigma > 0.0
    for i in range(k):
        x = price_change[i]
        if ok and x == x:
            out[i] = norm_cdf(x / sigma)
        else:
            out[i] = np.nan
    return out
