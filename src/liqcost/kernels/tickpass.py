"""The fused tick pass: every per-trade and per-day tick measure of a batch of symbol-day partitions.

One call processes a *batch* of partitions laid end to end in flat arrays (offsets say where each
partition starts), so the Python overhead is paid once per batch and the whole loop runs without the
GIL. Each partition is computed on its own (its own slice, its own session bounds), in a fixed order,
so its results do not depend on which other partitions share the batch, on the batch size or on the
number of threads. The per-topic kernels (``asof``, ``signing``, ``spreads``, ``volume``,
``regression``) do the work; this module only sequences them and fills the outputs.

Per-day outputs are the columns of ``DAY_FIELDS`` (units in the names), the horizon table
``[realized_bps, impact_bps, n_trades]`` per horizon (share-weighted over the same trades, so
realized + impact = effective on those trades), the intraday volume bins and the Kyle's lambda sums.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .asof import asof_valid_index, valid_quotes
from .regression import ols_sums
from .signing import (
    RULE_FEED,
    RULE_QUOTE,
    RULE_TICK,
    RULE_UNSIGNED,
    RULE_ZERO_TICK,
    bvc_buy_fraction,
    sign_trades,
)
from .spreads import (
    LOC_INSIDE,
    LOC_MID,
    LOC_NONE,
    LOC_OUTSIDE,
    LOC_QUOTE,
    effective_spreads,
    realized_bps,
    time_weighted_quotes,
    trade_location,
)
from .volume import (
    bucket_activity,
    percentile_inplace,
    realized_variance,
    sample_last,
    size_stats,
    trade_gaps,
    volume_bins,
)

__all__ = ["DAY_FIELDS", "USE_EXCLUDED", "USE_CONTINUOUS", "USE_AUCTION", "STATUS_OK", "STATUS_UNSORTED_TRADES",
           "STATUS_UNSORTED_QUOTES", "tick_pass", "ordered_by_partition", "partition_ids"]

USE_EXCLUDED = 0  # invalid price/size or outside the session
USE_CONTINUOUS = 1  # continuous-session trade: signed, in spreads and impact
USE_AUCTION = 2  # auction print (opening / closing cross): in volume and prices only

STATUS_OK = 0
STATUS_UNSORTED_TRADES = 1
STATUS_UNSORTED_QUOTES = 2

DAY_FIELDS = (
    "n_trades",
    "n_trades_continuous",
    "n_trades_excluded",
    "volume_shares",
    "dollar_volume_usd",
    "vwap_px",
    "open_px",
    "high_px",
    "low_px",
    "close_px",
    "open_auction_shares",
    "close_auction_shares",
    "n_quotes",
    "n_quotes_invalid",
    "n_quotes_locked",
    "quote_coverage_frac",
    "quoted_spread_bps",
    "quoted_spread_px",
    "quoted_depth_shares",
    "quoted_depth_usd",
    "locked_time_frac",
    "open_mid_px",
    "close_mid_px",
    "quoted_spread_trades_bps",
    "effective_spread_bps",
    "effective_spread_ew_bps",
    "effective_spread_dw_bps",
    "effective_spread_px",
    "n_effective",
    "buy_volume_frac",
    "order_imbalance_frac",
    "unsigned_frac",
    "feed_signed_frac",
    "quote_signed_frac",
    "tick_signed_frac",
    "no_quote_frac",
    "at_mid_frac",
    "inside_frac",
    "at_quote_frac",
    "outside_frac",
    "quote_age_median_s",
    "trade_size_mean_shares",
    "trade_size_median_shares",
    "trade_size_p90_shares",
    "odd_lot_frac",
    "odd_lot_volume_frac",
    "trade_gap_mean_s",
    "trade_gap_median_s",
    "trade_gap_max_s",
    "no_trade_bucket_frac",
    "realized_vol_frac",
    "realized_vol_mid_frac",
    "n_rv_returns_mid",
    "bvc_buy_volume_frac",
)
N_FIELDS = len(DAY_FIELDS)
# integer column constants (numba reads module globals as compile-time constants)
F_N_TRADES = 0
F_N_TRADES_CONTINUOUS = 1
F_N_TRADES_EXCLUDED = 2
F_VOLUME_SHARES = 3
F_DOLLAR_VOLUME_USD = 4
F_VWAP_PX = 5
F_OPEN_PX = 6
F_HIGH_PX = 7
F_LOW_PX = 8
F_CLOSE_PX = 9
F_OPEN_AUCTION_SHARES = 10
F_CLOSE_AUCTION_SHARES = 11
F_N_QUOTES = 12
F_N_QUOTES_INVALID = 13
F_N_QUOTES_LOCKED = 14
F_QUOTE_COVERAGE_FRAC = 15
F_QUOTED_SPREAD_BPS = 16
F_QUOTED_SPREAD_PX = 17
F_QUOTED_DEPTH_SHARES = 18
F_QUOTED_DEPTH_USD = 19
F_LOCKED_TIME_FRAC = 20
F_OPEN_MID_PX = 21
F_CLOSE_MID_PX = 22
F_QUOTED_SPREAD_TRADES_BPS = 23
F_EFFECTIVE_SPREAD_BPS = 24
F_EFFECTIVE_SPREAD_EW_BPS = 25
F_EFFECTIVE_SPREAD_DW_BPS = 26
F_EFFECTIVE_SPREAD_PX = 27
F_N_EFFECTIVE = 28
F_BUY_VOLUME_FRAC = 29
F_ORDER_IMBALANCE_FRAC = 30
F_UNSIGNED_FRAC = 31
F_FEED_SIGNED_FRAC = 32
F_QUOTE_SIGNED_FRAC = 33
F_TICK_SIGNED_FRAC = 34
F_NO_QUOTE_FRAC = 35
F_AT_MID_FRAC = 36
F_INSIDE_FRAC = 37
F_AT_QUOTE_FRAC = 38
F_OUTSIDE_FRAC = 39
F_QUOTE_AGE_MEDIAN_S = 40
F_TRADE_SIZE_MEAN_SHARES = 41
F_TRADE_SIZE_MEDIAN_SHARES = 42
F_TRADE_SIZE_P90_SHARES = 43
F_ODD_LOT_FRAC = 44
F_ODD_LOT_VOLUME_FRAC = 45
F_TRADE_GAP_MEAN_S = 46
F_TRADE_GAP_MEDIAN_S = 47
F_TRADE_GAP_MAX_S = 48
F_NO_TRADE_BUCKET_FRAC = 49
F_REALIZED_VOL_FRAC = 50
F_REALIZED_VOL_MID_FRAC = 51
F_N_RV_RETURNS_MID = 52
F_BVC_BUY_VOLUME_FRAC = 53
assert F_BVC_BUY_VOLUME_FRAC == N_FIELDS - 1


@njit(cache=True, nogil=True, error_model="numpy")
def _is_sorted(x):
    for i in range(1, x.shape[0]):
        if x[i] < x[i - 1]:
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def ordered_by_partition(pid, ts):
    """True when rows are sorted by partition id, then by time (one pass, no temporaries)."""
    for i in range(1, pid.shape[0]):
        if pid[i] < pid[i - 1] or (pid[i] == pid[i - 1] and ts[i] < ts[i - 1]):
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def partition_ids(run, run_code, ts, bounds):
    """Partition id ``symbol_code * n_days + day`` of every row.

    Parameters
    ----------
    run : int64[n] or uint32[n]
        Run id of each row's symbol (consecutive rows with the same symbol share a run id).
    run_code : int64[r]
        Symbol code of each run.
    ts : int64[n]
        Time stamps, ns UTC.
    bounds : int64[d + 1]
        UTC ns of the local midnights, ascending (day k is ``[bounds[k], bounds[k + 1])``).

    Returns
    -------
    int64[n]
        Partition ids; -1 for a time outside ``bounds``. A moving day pointer makes sorted input O(n).
    """
    n = ts.shape[0]
    n_days = bounds.shape[0] - 1
    out = np.empty(n, dtype=np.int64)
    d = 0
    for i in range(n):
        t = ts[i]
        if not (bounds[d] <= t < bounds[d + 1]):
            if t < bounds[0] or t >= bounds[n_days]:
                out[i] = -1
                continue
            d = np.searchsorted(bounds, t, side="right") - 1
        out[i] = run_code[run[i]] * n_days + d
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _grid(start_ns, end_ns, step_ns):
    k = (end_ns - start_ns + step_ns - 1) // step_ns
    if k < 0:
        k = 0
    g = np.empty(k + 1, dtype=np.int64)
    for i in range(k):
        g[i] = start_ns + i * step_ns
    g[k] = end_ns
    return g


@njit(cache=True, nogil=True, error_model="numpy")
def _partition(
    t_ts, t_px, t_sz, t_aggr, t_auc,
    q_ts, q_bid, q_ask, q_bsz, q_asz,
    open_ns, close_ns,
    hor_ns, hor_tr, lag_ns, strict, method, use_feed, clip,
    bin_ns, n_bins, bucket_ns, rv_ns, odd_lot, want_trades,
    o_use, o_qidx, o_sign, o_rule, o_loc, o_eff_bps, o_eff_px, o_mid_h,
    day, hz, bins, kyle,
):
    """One partition. Per-day outputs are rows of the batch arrays; the per-trade outputs ``o_*`` are
    views of the batch arrays and are written only when ``want_trades`` (else they are empty)."""
    n = t_ts.shape[0]
    m = q_ts.shape[0]
    n_h1 = hor_ns.shape[0]
    n_h2 = hor_tr.shape[0]

    # ---- which trades are in the sample
    use = np.empty(n, dtype=np.int8)
    cont = np.empty(n, dtype=np.bool_)
    n_cont = 0
    n_excl = 0
    for i in range(n):
        p = t_px[i]
        s = t_sz[i]
        u = USE_EXCLUDED
        if p > 0.0 and s > 0.0 and p < np.inf and s < np.inf:
            if t_auc[i] != 0:
                u = USE_AUCTION
            elif t_ts[i] >= open_ns and t_ts[i] <= close_ns:
                u = USE_CONTINUOUS
        use[i] = u
        cont[i] = u == USE_CONTINUOUS
        if u == USE_CONTINUOUS:
            n_cont += 1
        elif u == USE_EXCLUDED:
            n_excl += 1

    # ---- prevailing quotes
    qvalid = valid_quotes(q_bid, q_ask)
    qmid = np.empty(m)
    for j in range(m):
        qmid[j] = 0.5 * (q_bid[j] + q_ask[j]) if qvalid[j] else np.nan
    shifted = np.empty(n, dtype=np.int64)
    for i in range(n):
        shifted[i] = t_ts[i] - lag_ns
    qidx = asof_valid_index(shifted, q_ts, qvalid, strict)
    bid = np.empty(n)
    ask = np.empty(n)
    mid = np.empty(n)
    for i in range(n):
        k = qidx[i]
        if k < 0:
            bid[i] = np.nan
            ask[i] = np.nan
            mid[i] = np.nan
        else:
            bid[i] = q_bid[k]
            ask[i] = q_ask[k]
            mid[i] = 0.5 * (q_bid[k] + q_ask[k])

    # ---- signs, location, effective spread (continuous trades only)
    sign, rule = sign_trades(t_px, bid, ask, t_aggr, cont, method, use_feed)
    loc = trade_location(t_px, bid, ask)
    eff_bps, eff_px = effective_spreads(t_px, sign, mid)
    # Branch-free selects on purpose: numba 0.68 / LLVM miscompiles a vectorized loop that stores to
    # arrays of different widths (int8 and float64) under a negated mask (`if not cont[i]: ...`).
    for i in range(n):
        c_i = cont[i]
        loc[i] = loc[i] if c_i else LOC_NONE
        eff_bps[i] = eff_bps[i] if c_i else np.nan
        eff_px[i] = eff_px[i] if c_i else np.nan
    if want_trades:
        for i in range(n):
            o_use[i] = use[i]
            o_qidx[i] = qidx[i]
            o_sign[i] = sign[i]
            o_rule[i] = rule[i]
            o_loc[i] = loc[i]
            o_eff_bps[i] = eff_bps[i]
            o_eff_px[i] = eff_px[i]

    # ---- mid at the open and at the close (clipped horizons)
    edge = np.empty(2, dtype=np.int64)
    edge[0] = open_ns - lag_ns
    edge[1] = close_ns - lag_ns
    eidx = asof_valid_index(edge, q_ts, qvalid, strict)
    open_mid = qmid[eidx[0]] if eidx[0] >= 0 else np.nan
    close_mid = qmid[eidx[1]] if eidx[1] >= 0 else np.nan

    # ---- continuous trades in order (trade-count horizons, Kyle)
    cidx = np.empty(n_cont, dtype=np.int64)
    c = 0
    for i in range(n):
        if cont[i]:
            cidx[c] = i
            c += 1

    # ---- horizons: the midpoint at the horizon, realized spread and impact (share-weighted over the
    # same trades), in one loop over the continuous trades per horizon. Clock horizons walk the quotes
    # with a pointer (the as-of rule of asof.asof_mid_at_horizon); trade-count horizons take the
    # prevailing mid of the n-th later continuous trade.
    n_valid = 0
    for j in range(m):
        if qvalid[j]:
            n_valid += 1
    vts = np.empty(n_valid, dtype=np.int64)  # the valid quotes only: the walk needs no validity test
    vmid = np.empty(n_valid)
    k = 0
    for j in range(m):
        if qvalid[j]:
            vts[k] = q_ts[j]
            vmid[k] = qmid[j]
            k += 1
    for h in range(n_h1 + n_h2):
        sw = 0.0
        sr = 0.0
        sp = 0.0
        cnt = 0
        clock = h < n_h1
        hh = hor_ns[h] if clock else 0
        step = hor_tr[h - n_h1] if not clock else 0
        j = 0
        for c in range(n_cont):
            i = cidx[c]
            if clock:
                t = t_ts[i] + hh
                beyond = t > close_ns
                if beyond:
                    t = close_ns
                t -= lag_ns
                if strict:
                    while j < n_valid and vts[j] < t:
                        j += 1
                else:
                    while j < n_valid and vts[j] <= t:
                        j += 1
                m_h = np.nan if (j == 0 or (beyond and not clip)) else vmid[j - 1]
            elif c + step < n_cont:
                m_h = mid[cidx[c + step]]
            else:
                m_h = close_mid if clip else np.nan
            if want_trades:
                o_mid_h[h, i] = m_h
            r = realized_bps(t_px[i], sign[i], mid[i], m_h, eff_bps[i])
            if r == r:
                w = t_sz[i]
                sw += w
                sr += w * r
                sp += w * (eff_bps[i] - r)
                cnt += 1
        if sw > 0.0:
            hz[h, 0] = sr / sw
            hz[h, 1] = sp / sw
        else:
            hz[h, 0] = np.nan
            hz[h, 1] = np.nan
        hz[h, 2] = cnt

    # ---- volume and prices
    vol = 0.0
    dvol = 0.0
    open_auc = 0.0
    close_auc = 0.0
    first_px = np.nan
    last_px = np.nan
    hi = np.nan
    lo = np.nan
    n_in = 0
    for i in range(n):
        if use[i] == USE_EXCLUDED:
            continue
        n_in += 1
        p = t_px[i]
        s = t_sz[i]
        vol += s
        dvol += p * s
        if t_auc[i] == 1:
            open_auc += s
        elif t_auc[i] == 2:
            close_auc += s
        if not (first_px == first_px):
            first_px = p
            hi = p
            lo = p
        last_px = p
        if p > hi:
            hi = p
        if p < lo:
            lo = p
    day[F_N_TRADES] = n_in
    day[F_N_TRADES_CONTINUOUS] = n_cont
    day[F_N_TRADES_EXCLUDED] = n_excl
    day[F_VOLUME_SHARES] = vol
    day[F_DOLLAR_VOLUME_USD] = dvol
    day[F_VWAP_PX] = dvol / vol if vol > 0.0 else np.nan
    day[F_OPEN_PX] = first_px
    day[F_HIGH_PX] = hi
    day[F_LOW_PX] = lo
    day[F_CLOSE_PX] = last_px
    day[F_OPEN_AUCTION_SHARES] = open_auc
    day[F_CLOSE_AUCTION_SHARES] = close_auc

    # ---- quotes
    n_inv = 0
    n_lock = 0
    for j in range(m):
        if not qvalid[j]:
            n_inv += 1
        elif q_bid[j] == q_ask[j]:
            n_lock += 1
    day[F_N_QUOTES] = m
    day[F_N_QUOTES_INVALID] = n_inv
    day[F_N_QUOTES_LOCKED] = n_lock
    tw = time_weighted_quotes(q_ts, q_bid, q_ask, q_bsz, q_asz, qvalid, open_ns, close_ns)
    session_s = (close_ns - open_ns) / 1e9
    day[F_QUOTE_COVERAGE_FRAC] = tw[4] / session_s if session_s > 0 else np.nan
    day[F_QUOTED_SPREAD_BPS] = tw[0]
    day[F_QUOTED_SPREAD_PX] = tw[1]
    day[F_QUOTED_DEPTH_SHARES] = tw[2]
    day[F_QUOTED_DEPTH_USD] = tw[3]
    day[F_LOCKED_TIME_FRAC] = tw[5] / tw[4] if tw[4] > 0 else np.nan
    day[F_OPEN_MID_PX] = open_mid
    day[F_CLOSE_MID_PX] = close_mid

    # ---- per-trade aggregates over continuous trades
    sq = 0.0
    nq = 0
    e_sw = 0.0
    e_w = 0.0
    e_sum = 0.0
    e_dw = 0.0
    e_d = 0.0
    e_px = 0.0
    n_eff = 0
    buy_v = 0.0
    sell_v = 0.0
    r_cnt = np.zeros(5, dtype=np.int64)
    l_cnt = np.zeros(5, dtype=np.int64)
    ages = np.empty(n_cont, dtype=np.float64)
    n_age = 0
    for i in range(n):
        if not cont[i]:
            continue
        r_cnt[rule[i]] += 1
        l_cnt[loc[i]] += 1
        if qidx[i] >= 0:
            sq += (ask[i] - bid[i]) / mid[i] * 1e4
            nq += 1
            ages[n_age] = (t_ts[i] - q_ts[qidx[i]]) / 1e9
            n_age += 1
        e = eff_bps[i]
        if e == e:
            s = t_sz[i]
            dv = s * t_px[i]
            e_sw += s * e
            e_w += s
            e_dw += dv * e
            e_d += dv
            e_sum += e
            e_px += s * eff_px[i]
            n_eff += 1
        if sign[i] > 0:
            buy_v += t_sz[i]
        elif sign[i] < 0:
            sell_v += t_sz[i]
    day[F_QUOTED_SPREAD_TRADES_BPS] = sq / nq if nq > 0 else np.nan
    day[F_EFFECTIVE_SPREAD_BPS] = e_sw / e_w if e_w > 0 else np.nan
    day[F_EFFECTIVE_SPREAD_EW_BPS] = e_sum / n_eff if n_eff > 0 else np.nan
    day[F_EFFECTIVE_SPREAD_DW_BPS] = e_dw / e_d if e_d > 0 else np.nan
    day[F_EFFECTIVE_SPREAD_PX] = e_px / e_w if e_w > 0 else np.nan
    day[F_N_EFFECTIVE] = n_eff
    sv = buy_v + sell_v
    day[F_BUY_VOLUME_FRAC] = buy_v / sv if sv > 0 else np.nan
    day[F_ORDER_IMBALANCE_FRAC] = (buy_v - sell_v) / sv if sv > 0 else np.nan
    if n_cont > 0:
        nc = float(n_cont)
        day[F_UNSIGNED_FRAC] = r_cnt[RULE_UNSIGNED] / nc
        day[F_FEED_SIGNED_FRAC] = r_cnt[RULE_FEED] / nc
        day[F_QUOTE_SIGNED_FRAC] = r_cnt[RULE_QUOTE] / nc
        day[F_TICK_SIGNED_FRAC] = (r_cnt[RULE_TICK] + r_cnt[RULE_ZERO_TICK]) / nc
        day[F_NO_QUOTE_FRAC] = l_cnt[LOC_NONE] / nc
        day[F_AT_MID_FRAC] = l_cnt[LOC_MID] / nc
        day[F_INSIDE_FRAC] = l_cnt[LOC_INSIDE] / nc
        day[F_AT_QUOTE_FRAC] = l_cnt[LOC_QUOTE] / nc
        day[F_OUTSIDE_FRAC] = l_cnt[LOC_OUTSIDE] / nc
    else:
        for j in range(F_UNSIGNED_FRAC, F_OUTSIDE_FRAC + 1):
            day[j] = np.nan
    day[F_QUOTE_AGE_MEDIAN_S] = percentile_inplace(ages[:n_age], 50.0) if n_age > 0 else np.nan

    st = size_stats(t_sz, cont, odd_lot)
    day[F_TRADE_SIZE_MEAN_SHARES] = st[0]
    day[F_TRADE_SIZE_MEDIAN_SHARES] = st[1]
    day[F_TRADE_SIZE_P90_SHARES] = st[2]
    day[F_ODD_LOT_FRAC] = st[3]
    day[F_ODD_LOT_VOLUME_FRAC] = st[4]
    gp = trade_gaps(t_ts, cont)
    day[F_TRADE_GAP_MEAN_S] = gp[0]
    day[F_TRADE_GAP_MEDIAN_S] = gp[1]
    day[F_TRADE_GAP_MAX_S] = gp[2]

    # ---- idle buckets and bulk volume classification on the same buckets
    b_px, b_vol = bucket_activity(t_ts, t_px, t_sz, cont, open_ns, close_ns, bucket_ns)
    nb = b_px.shape[0]
    idle = 0
    for b in range(nb):
        if b_vol[b] == 0.0:
            idle += 1
    day[F_NO_TRADE_BUCKET_FRAC] = idle / nb if nb > 0 else np.nan
    dps = np.empty(nb)
    vls = np.empty(nb)
    k = 0
    prev = np.nan
    for b in range(nb):
        if b_vol[b] == 0.0:
            continue
        if prev == prev:
            dps[k] = b_px[b] - prev
            vls[k] = b_vol[b]
            k += 1
        prev = b_px[b]
    bvc = np.nan
    if k >= 2:
        sd = np.std(dps[:k]) * np.sqrt(k / (k - 1.0))
        fr = bvc_buy_fraction(dps[:k], sd)
        num = 0.0
        den = 0.0
        for b in range(k):
            if fr[b] == fr[b]:
                num += vls[b] * fr[b]
                den += vls[b]
        if den > 0.0:
            bvc = num / den
    day[F_BVC_BUY_VOLUME_FRAC] = bvc

    # ---- realized volatility: trade prices and midpoints on a regular grid
    grid = _grid(open_ns, close_ns, rv_ns)
    rv_t = realized_variance(sample_last(t_ts, t_px, cont, grid))
    rv_m = realized_variance(sample_last(q_ts, qmid, qvalid, grid))
    day[F_REALIZED_VOL_FRAC] = np.sqrt(rv_t[0])
    day[F_REALIZED_VOL_MID_FRAC] = np.sqrt(rv_m[0])
    day[F_N_RV_RETURNS_MID] = rv_m[1]

    # ---- intraday volume profile (continuous trades; auctions are reported apart)
    vb = volume_bins(t_ts, t_sz, cont, open_ns, bin_ns, n_bins)
    for b in range(n_bins):
        bins[b] = vb[b]

    # ---- Kyle's lambda: mid change until the next trade (bps) on signed shares
    xs = np.empty(n_cont)
    ys = np.empty(n_cont)
    for c in range(n_cont):
        i = cidx[c]
        xs[c] = np.nan
        ys[c] = np.nan
        if c + 1 < n_cont and sign[i] != 0:
            m0 = mid[i]
            m1 = mid[cidx[c + 1]]
            if m0 == m0 and m1 == m1:
                xs[c] = sign[i] * t_sz[i]
                ys[c] = (m1 - m0) / m0 * 1e4
    ks = ols_sums(xs, ys)
    for j in range(6):
        kyle[j] = ks[j]


@njit(cache=True, nogil=True, error_model="numpy")
def tick_pass(
    t_ts, t_px, t_sz, t_aggr, t_auc, t_off,
    q_ts, q_bid, q_ask, q_bsz, q_asz, q_off,
    open_ns, close_ns,
    hor_ns, hor_tr, lag_ns, strict, method, use_feed, clip,
    bin_ns, n_bins, bucket_ns, rv_ns, odd_lot, want_trades=True,
):
    """All tick measures of a batch of symbol-day partitions.

    Parameters
    ----------
    t_ts, t_px, t_sz : int64[N], float64[N], float64[N]
        Trades of all partitions end to end: time (ns UTC), price (currency per share), size (shares);
        sorted by time within each partition.
    t_aggr, t_auc : int8[N]
        Feed aggressor flag (+1/-1/0) and auction code (0 continuous, 1 opening, 2 closing).
    t_off : int64[P + 1]
        Partition p's trades are ``[t_off[p], t_off[p + 1])``.
    q_ts, q_bid, q_ask, q_bsz, q_asz, q_off
        Quotes likewise (ns; currency per share; shares).
    open_ns, close_ns : int64[P]
        Session bounds of each partition, ns UTC.
    hor_ns : int64[H1]
        Clock horizons, ns. hor_tr : int64[H2] trade-count horizons.
    lag_ns : int64
        Quote lag, ns. strict : bool, strictly-before matching. method : int, signing method code
        (:data:`liqcost.kernels.signing.SIGNING_CODES`). use_feed : bool, use the aggressor flag.
        clip : bool, truncate horizons at the close (mid at the close) instead of dropping the trade.
    bin_ns, n_bins : int64, int
        Volume-profile interval width and count. bucket_ns : int64, width of the idle/BVC buckets.
        rv_ns : int64, realized-volatility sampling interval. odd_lot : float, odd-lot threshold (shares).
    want_trades : bool
        Fill the per-trade outputs (the audit table); when False they are empty arrays, which saves
        ~90 bytes of fresh memory per trade.

    Returns
    -------
    status : int8[P]
        ``STATUS_OK``, or ``STATUS_UNSORTED_TRADES`` / ``STATUS_UNSORTED_QUOTES`` (outputs of that
        partition are then NaN: sort and call again).
    use, qidx, sign, rule, loc : per trade (length N, or 0 without ``want_trades``)
        Sample code (``USE_*``), matched quote index into the batch quote arrays (-1 none), sign,
        signing rule code, trade location code.
    eff_bps, eff_px : float64[N]
        Effective spread per trade (NaN outside the continuous session).
    mid_h : float64[H1 + H2, N]
        Midpoint at each horizon (clock horizons first).
    day : float64[P, len(DAY_FIELDS)]
        Per-day measures, in the order of ``DAY_FIELDS``.
    hz : float64[P, H1 + H2, 3]
        Share-weighted realized spread (bps), price impact (bps) and number of trades per horizon.
    bins : float64[P, n_bins]
        Continuous-session volume per interval, shares.
    kyle : float64[P, 6]
        :func:`liqcost.kernels.regression.ols_sums` of the Kyle regression.
    """
    P = t_off.shape[0] - 1
    N = t_ts.shape[0]
    H = hor_ns.shape[0] + hor_tr.shape[0]
    status = np.zeros(P, dtype=np.int8)
    NT = N if want_trades else 0
    o_use = np.zeros(NT, dtype=np.int8)
    o_qidx = np.full(NT, -1, dtype=np.int64)
    o_sign = np.zeros(NT, dtype=np.int8)
    o_rule = np.zeros(NT, dtype=np.int8)
    o_loc = np.zeros(NT, dtype=np.int8)
    o_eff_bps = np.full(NT, np.nan)
    o_eff_px = np.full(NT, np.nan)
    o_mid_h = np.full((H, NT), np.nan)
    day = np.full((P, N_FIELDS), np.nan)
    hz = np.full((P, H, 3), np.nan)
    bins = np.zeros((P, n_bins))
    kyle = np.zeros((P, 6))
    for p in range(P):
        a, b = t_off[p], t_off[p + 1]
        qa, qb = q_off[p], q_off[p + 1]
        if not _is_sorted(t_ts[a:b]):
            status[p] = STATUS_UNSORTED_TRADES
            continue
        if not _is_sorted(q_ts[qa:qb]):
            status[p] = STATUS_UNSORTED_QUOTES
            continue
        ta, tb = (a, b) if want_trades else (0, 0)
        qidx_view = o_qidx[ta:tb]
        _partition(
            t_ts[a:b], t_px[a:b], t_sz[a:b], t_aggr[a:b], t_auc[a:b],
            q_ts[qa:qb], q_bid[qa:qb], q_ask[qa:qb], q_bsz[qa:qb], q_asz[qa:qb],
            open_ns[p], close_ns[p],
            hor_ns, hor_tr, lag_ns, strict, method, use_feed, clip,
            bin_ns, n_bins, bucket_ns, rv_ns, odd_lot, want_trades,
            o_use[ta:tb], qidx_view, o_sign[ta:tb], o_rule[ta:tb], o_loc[ta:tb], o_eff_bps[ta:tb], o_eff_px[ta:tb],
            o_mid_h[:, ta:tb], day[p], hz[p], bins[p], kyle[p],
        )
        for i in range(tb - ta):  # local quote index -> batch quote index
            if qidx_view[i] >= 0:
                qidx_view[i] += qa
    return status, o_use, o_qidx, o_sign, o_rule, o_loc, o_eff_bps, o_eff_px, o_mid_h, day, hz, bins, kyle
