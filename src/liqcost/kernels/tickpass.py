"""The fused tick pass: every per-trade and per-day tick measure of a batch of symbol-day partitions.

One call processes a *batch* of partitions laid end to end in flat arrays (offsets say where each
partition starts), so the Python overhead is paid once per batch and the whole loop runs without the
GIL. Each partition is computed on its own (its own slice, its own session bounds), in a fixed order,
so its results do not depend on which other partitions share the batch, on the batch size or on the
number of threads.

Per partition the quotes are read once and the trades a few times in tight loops: one pass over all
trades (classification, volume, prices), then passes over the compacted continuous trades (prevailing
quote, signs and spreads; sizes, gaps and intraday bins; four clock horizons at a time; three
trade-count horizons at a time; Kyle's regression). The formulas are those of the per-topic kernels
(``asof``, ``signing``, ``spreads``, ``volume``, ``regression``), called here through their one-trade
forms (``sign_one``, ``tick_step``, ``location_one``, ``effective_one``, ``rv_step``, ``ols_add``;
``realized_bps`` is written out in the horizon loops with the per-trade terms hoisted, same operations),
with sums accumulated in the same order: the results equal the composition of the array kernels
(``tests/reference/tickpass.py``) bit for bit per trade. Working arrays are passed in (kept per thread
by the caller, see :func:`scratch_sizes`) or allocated once per batch, so the pass allocates almost
nothing per partition.

Per-day outputs are the columns of ``DAY_FIELDS`` (units in the names), the horizon table
``[realized_bps, impact_bps, n_trades]`` per horizon (share-weighted over the same trades, so
realized + impact = effective on those trades), the intraday volume bins and the Kyle's lambda sums.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .regression import ols_add
from .signing import (
    RULE_FEED,
    RULE_QUOTE,
    RULE_TICK,
    RULE_UNSIGNED,
    RULE_ZERO_TICK,
    bvc_buy_fraction,
    sign_one,
    tick_step,
)
from .spreads import (
    LOC_INSIDE,
    LOC_MID,
    LOC_NONE,
    LOC_OUTSIDE,
    LOC_QUOTE,
    effective_one,
    location_one,
    tw_add,
)
from .volume import percentile_buffered, percentiles2_buffered, rv_step

__all__ = ["DAY_FIELDS", "USE_EXCLUDED", "USE_CONTINUOUS", "USE_AUCTION", "STATUS_OK", "STATUS_UNSORTED_TRADES",
           "STATUS_UNSORTED_QUOTES", "tick_pass", "ordered_by_partition", "partition_ids", "partition_runs", "run_starts",
           "scratch_sizes"]

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
def partition_ids(run_len, run_code, ts, bounds):
    """Partition id ``symbol_code * n_days + day`` of every row, and whether the rows are in order.

    Parameters
    ----------
    run_len : int64[r]
        Lengths of the runs of consecutive rows with the same symbol, in row order.
    run_code : int64[r]
        Symbol code of each run.
    ts : int64[n]
        Time stamps, ns UTC (``n = sum(run_len)``).
    bounds : int64[d + 1]
        UTC ns of the local midnights, ascending (day k is ``[bounds[k], bounds[k + 1])``).

    Returns
    -------
    pid : int64[n]
        Partition ids; -1 for a time outside ``bounds``. A moving day pointer makes sorted input O(n).
    ordered : bool
        True when the rows are sorted by partition id, then by time (:func:`ordered_by_partition`).
    """
    n = ts.shape[0]
    n_days = bounds.shape[0] - 1
    out = np.empty(n, dtype=np.int64)
    ordered = True
    prev_p = np.iinfo(np.int64).min
    prev_t = np.iinfo(np.int64).min
    lo = bounds[0]
    hi = bounds[1] if n_days > 0 else lo
    d = 0
    i = 0
    for r in range(run_len.shape[0]):
        base = run_code[r] * n_days
        for _ in range(run_len[r]):
            t = ts[i]
            if lo <= t < hi:
                p = base + d
            elif t < bounds[0] or t >= bounds[n_days]:
                p = -1
            else:
                d = np.searchsorted(bounds, t, side="right") - 1
                lo = bounds[d]
                hi = bounds[d + 1]
                p = base + d
            out[i] = p
            ordered &= (p > prev_p) | ((p == prev_p) & (t >= prev_t))
            prev_p = p
            prev_t = t
            i += 1
    return out, ordered


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _day_of(t, d, lo, hi, bounds):
    """Day index of time ``t`` (-1 outside ``bounds``) with the last day ``d`` and its ``[lo, hi)`` as the
    first guess: ``(day, d, lo, hi)``."""
    n_days = bounds.shape[0] - 1
    if lo <= t < hi:
        return d, d, lo, hi
    if t < bounds[0] or t >= bounds[n_days]:
        return -1, d, lo, hi
    d = np.searchsorted(bounds, t, side="right") - 1
    return d, d, bounds[d], bounds[d + 1]


@njit(cache=True, nogil=True, error_model="numpy")
def partition_runs(run_len, run_code, ts, bounds):
    """Runs of consecutive rows with the same partition id (:func:`partition_ids`) without a per-row array.

    Returns
    -------
    pids : int64[k]
        Partition id of each run (-1 for times outside ``bounds``).
    starts : int64[k + 1]
        First row of each run, then the number of rows.
    ordered : bool
        Rows sorted by partition id, then time (then every partition is one run).
    """
    k, ordered = _partition_runs(run_len, run_code, ts, bounds, np.empty(0, np.int64), np.empty(0, np.int64), False)
    pids = np.empty(k, dtype=np.int64)
    starts = np.empty(k + 1, dtype=np.int64)
    _partition_runs(run_len, run_code, ts, bounds, pids, starts, True)
    starts[k] = ts.shape[0]
    return pids, starts, ordered


@njit(cache=True, nogil=True, error_model="numpy")
def _partition_runs(run_len, run_code, ts, bounds, pids, starts, fill):
    """One pass of :func:`partition_runs`: the number of runs (written out when ``fill``) and the order."""
    n_days = bounds.shape[0] - 1
    k = 0
    ordered = True
    prev_p = _TS_MIN
    prev_t = _TS_MIN
    d = 0
    lo = bounds[0]
    hi = bounds[1] if n_days > 0 else lo
    i = 0
    for r in range(run_len.shape[0]):
        base = run_code[r] * n_days
        for _ in range(run_len[r]):
            t = ts[i]
            day, d, lo, hi = _day_of(t, d, lo, hi, bounds)
            p = base + day if day >= 0 else -1
            if i == 0 or p != prev_p:
                if fill:
                    pids[k] = p
                    starts[k] = i
                k += 1
            ordered &= (p > prev_p) | ((p == prev_p) & (t >= prev_t))
            prev_p = p
            prev_t = t
            i += 1
    return k, ordered


@njit(cache=True, nogil=True, error_model="numpy")
def run_starts(x):
    """Distinct values of a sorted array and where each starts: ``(values, starts)`` (one pass)."""
    n = x.shape[0]
    k = 0
    for i in range(n):
        if i == 0 or x[i] != x[i - 1]:
            k += 1
    values = np.empty(k, dtype=x.dtype)
    starts = np.empty(k, dtype=np.int64)
    k = 0
    for i in range(n):
        if i == 0 or x[i] != x[i - 1]:
            values[k] = x[i]
            starts[k] = i
            k += 1
    return values, starts


PAD = 8  # sentinel slots after the valid quotes
_TS_MAX = np.iinfo(np.int64).max
_TS_MIN = np.iinfo(np.int64).min
U = np.uint64  # array index known to be >= 0: numba then emits no negative-index wraparound


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _advance(ts, j, t):
    """First index ``k >= j`` with ``ts[k] >= t`` (``ts`` ascending, followed by ``PAD`` sentinels).

    The usual walk ``while ts[j] < t: j += 1`` mispredicts its exit about once per call, which costs
    more than the walk itself when a few quotes separate consecutive trades. Here the first 7 steps are
    taken by three branch-free probes (4, 2, 1); the loop only runs for longer jumps.
    """
    j += 4 * (ts[U(j + 3)] < t)
    j += 2 * (ts[U(j + 1)] < t)
    j += ts[U(j)] < t
    while ts[U(j)] < t:
        j += 1
    return j


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
def _quote_pass(q_ts, q_bid, q_ask, q_bsz, q_asz, open_ns, close_ns, v_ts, v_bid, v_ask, v_mid, v_idx):
    """The quotes, once: the valid ones compacted (``v_*``; ``v_mid`` 1-based, then ``PAD`` sentinel
    times), and the time-weighted spread and depth over the session (spreads.time_weighted_quotes,
    streamed). Returns ``(sorted, nv, n_locked, s_bps, s_px, s_dep, s_usd, covered_ns, locked_ns)``; when
    the quotes are not in time order the rest is meaningless."""
    m = q_ts.shape[0]
    unsorted = False
    prev_t = _TS_MIN
    nv = 0
    n_lock = 0
    s_bps = 0.0
    s_px = 0.0
    s_dep = 0.0
    s_usd = 0.0
    covered = 0
    locked = 0
    have_cur = False
    cur_t = open_ns
    cb = 0.0
    ca = 0.0
    cbs = 0.0
    cas = 0.0
    for j in range(m):
        t = q_ts[j]
        unsorted |= t < prev_t
        prev_t = t
        b = q_bid[j]
        a = q_ask[j]
        if not ((b > 0.0) and (a > 0.0) and (b <= a)):
            continue
        k = U(nv)
        v_ts[k] = t
        v_bid[k] = b
        v_ask[k] = a
        v_mid[k + U(1)] = 0.5 * (b + a)
        v_idx[k] = j
        nv += 1
        if b == a:
            n_lock += 1
        if t >= close_ns:
            continue
        if t <= open_ns:
            have_cur = True
        else:
            if have_cur:
                dt = t - cur_t
                if dt > 0:
                    s_bps, s_px, s_dep, s_usd, covered, locked = tw_add(
                        dt, cb, ca, cbs, cas, s_bps, s_px, s_dep, s_usd, covered, locked)
            have_cur = True
            cur_t = t
        cb = b
        ca = a
        cbs = q_bsz[j]
        cas = q_asz[j]
    if have_cur and close_ns > cur_t:
        s_bps, s_px, s_dep, s_usd, covered, locked = tw_add(
            close_ns - cur_t, cb, ca, cbs, cas, s_bps, s_px, s_dep, s_usd, covered, locked)
    for j in range(nv, nv + PAD):  # sentinels: the walks need no bound test
        v_ts[j] = _TS_MAX
    return not unsorted, nv, n_lock, s_bps, s_px, s_dep, s_usd, covered, locked


@njit(cache=True, nogil=True, error_model="numpy")
def _trade_pass(t_ts, t_px, t_sz, t_aggr, t_auc, open_ns, close_ns, la, want_trades, v_ts, v_idx, o_use, o_qidx,
                c_ts, c_px, c_sz, c_aggr, c_i):
    """Every trade: classification (``USE_*``), volume and prices; the continuous trades compacted
    (``c_*``) for the passes that follow. Returns ``(sorted, n_cont, n_excl, n_in, vol, dvol, open_auc,
    close_auc, first_px, last_px, hi, lo)``; when the trades are not in time order the rest is meaningless."""
    unsorted = False
    prev_t = _TS_MIN
    j0 = 0  # valid quotes before the trade less the lag (v_ts[j0 - 1] is the prevailing quote)
    n_cont = 0
    n_excl = 0
    n_in = 0
    vol = 0.0
    dvol = 0.0
    open_auc = 0.0
    close_auc = 0.0
    first_px = np.nan
    last_px = np.nan
    hi = np.nan
    lo = np.nan
    for i in range(t_ts.shape[0]):
        p = t_px[i]
        s = t_sz[i]
        ts = t_ts[i]
        unsorted |= ts < prev_t
        prev_t = ts
        auc = t_auc[i]
        u = USE_EXCLUDED
        if p > 0.0 and s > 0.0 and p < np.inf and s < np.inf:
            if auc != 0:
                u = USE_AUCTION
            elif ts >= open_ns and ts <= close_ns:
                u = USE_CONTINUOUS
        if want_trades:  # (the audit table has the prevailing quote of every trade)
            j0 = _advance(v_ts, j0, ts - la)
            o_use[i] = u
            o_qidx[i] = v_idx[U(j0 - 1)] if j0 > 0 else -1
        if u == USE_EXCLUDED:
            n_excl += 1
            continue
        n_in += 1
        vol += s
        dvol += p * s
        if auc == 1:
            open_auc += s
        elif auc == 2:
            close_auc += s
        if not (first_px == first_px):
            first_px = p
            hi = p
            lo = p
        last_px = p
        hi = max(hi, p)
        lo = min(lo, p)
        if u == USE_CONTINUOUS:
            c = U(n_cont)
            c_ts[c] = ts
            c_px[c] = p
            c_sz[c] = s
            c_aggr[c] = t_aggr[i]
            c_i[c] = i
            n_cont += 1
    return not unsorted, n_cont, n_excl, n_in, vol, dvol, open_auc, close_auc, first_px, last_px, hi, lo


@njit(cache=True, nogil=True, error_model="numpy")
def _spread_pass(n_cont, c_ts, c_px, c_sz, c_aggr, c_i, la, method, use_feed, v_ts, v_bid, v_ask, v_mid,
                 want_trades, o_sign, o_rule, o_loc, o_eff_bps, o_eff_px, c_sign, c_mid, c_eff, ages, r_cnt, l_cnt):
    """Continuous trades: prevailing quote (asof.prevailing_quotes, a walk over the valid quotes), sign
    (signing.sign_trades), location (spreads.trade_location), effective spread (spreads.effective_spreads)
    and their aggregates. Returns ``(sq, n_age, e_sw, e_w, e_sum, e_dw, e_d, e_px, n_eff, buy_v, sell_v)``."""
    jq = 0
    have_prev = False  # tick rule state
    prev_px = 0.0
    last_dir = 0
    sq = 0.0
    e_sw = 0.0
    e_w = 0.0
    e_sum = 0.0
    e_dw = 0.0
    e_d = 0.0
    e_px = 0.0
    n_eff = 0
    buy_v = 0.0
    sell_v = 0.0
    n_age = 0
    for k in range(5):
        r_cnt[k] = 0
        l_cnt[k] = 0
    for c in range(n_cont):
        p = c_px[c]
        s = c_sz[c]
        jq = _advance(v_ts, jq, c_ts[c] - la)
        if jq > 0:
            k = U(jq - 1)
            qb = v_bid[k]
            qa = v_ask[k]
            mid = v_mid[k + U(1)]
        else:
            qb = np.nan
            qa = np.nan
            mid = np.nan
        tsign, trule, last_dir = tick_step(p, have_prev, prev_px, last_dir)
        have_prev = True
        prev_px = p
        d, rule = sign_one(p, qb, qa, c_aggr[c], method, use_feed, tsign, trule)
        loc = location_one(p, qb, qa)
        eff, effx = effective_one(p, d, mid)
        c_sign[c] = d
        c_mid[c] = mid
        c_eff[c] = eff
        if want_trades:
            i = c_i[c]
            o_sign[i] = d
            o_rule[i] = rule
            o_loc[i] = loc
            o_eff_bps[i] = eff
            o_eff_px[i] = effx
        r_cnt[U(rule)] += 1
        l_cnt[U(loc)] += 1
        if jq > 0:
            sq += (qa - qb) / mid * 1e4
            ages[U(n_age)] = (c_ts[c] - v_ts[U(jq - 1)]) / 1e9
            n_age += 1
        if eff == eff:
            dv = s * p
            e_sw += s * eff
            e_w += s
            e_dw += dv * eff
            e_d += dv
            e_sum += eff
            e_px += s * effx
            n_eff += 1
        buy_v += s if d > 0 else 0.0  # (selects: the side of a trade is a coin flip to the branch predictor)
        sell_v += s if d < 0 else 0.0
    return sq, n_age, e_sw, e_w, e_sum, e_dw, e_d, e_px, n_eff, buy_v, sell_v


@njit(cache=True, nogil=True, error_model="numpy")
def _activity_pass(n_cont, c_ts, c_px, c_sz, open_ns, close_ns, bucket_ns, bin_ns, n_bins, odd_lot, gaps, b_px,
                   b_vol, bins):
    """Continuous trades: sizes (volume.size_stats), gaps (volume.trade_gaps, into ``gaps``), idle/BVC
    buckets (volume.bucket_activity) and volume bins (volume.volume_bins), each streamed. Returns
    ``(sz_tot, n_odd, odd_v, gap_sum, gap_max)``."""
    for b in range(b_px.shape[0]):
        b_px[b] = np.nan
        b_vol[b] = 0.0
    for b in range(n_bins):
        bins[b] = 0.0
    bk = 0
    bk_end = open_ns + bucket_ns
    vb = 0
    vb_end = open_ns + bin_ns
    sz_tot = 0.0
    n_odd = 0
    odd_v = 0.0
    gap_sum = 0.0
    gap_max = -np.inf
    prev_ts = 0
    for c in range(n_cont):
        p = c_px[c]
        s = c_sz[c]
        ts = c_ts[c]
        sz_tot += s
        odd = s < odd_lot
        n_odd += odd
        odd_v += s if odd else 0.0
        if c > 0:
            gp = (ts - prev_ts) / 1e9
            gaps[c - 1] = gp
            gap_sum += gp
            gap_max = max(gap_max, gp)
        prev_ts = ts
        if ts < close_ns:
            while ts >= bk_end:
                bk += 1
                bk_end += bucket_ns
            b_px[U(bk)] = p
            b_vol[U(bk)] += s
        if n_bins > 0:
            while vb < n_bins - 1 and ts >= vb_end:
                vb += 1
                vb_end += bin_ns
            bins[U(vb)] += s
    return sz_tot, n_odd, odd_v, gap_sum, gap_max


@njit(cache=True, nogil=True, error_model="numpy")
def _kyle_pass(n_cont, c_sign, c_sz, c_mid, kyle):
    """Kyle's lambda sums (regression.ols_add): the mid change (bps) from each continuous trade to the next
    on its signed size."""
    for k in range(6):
        kyle[k] = 0.0
    for c in range(n_cont - 1):
        d = c_sign[c]
        m0 = c_mid[c]
        m1 = c_mid[c + 1]
        if d != 0 and m0 == m0 and m1 == m1:
            ols_add(kyle, d * c_sz[c], (m1 - m0) / m0 * 1e4)


@njit(cache=True, nogil=True, error_model="numpy")
def _partition(
    t_ts, t_px, t_sz, t_aggr, t_auc,
    q_ts, q_bid, q_ask, q_bsz, q_asz,
    open_ns, close_ns,
    hor_ns, hor_tr, lag_ns, strict, method, use_feed, clip,
    bin_ns, n_bins, bucket_ns, rv_ns, odd_lot, want_trades,
    o_use, o_qidx, o_sign, o_rule, o_loc, o_eff_bps, o_eff_px, o_mid_h,
    day, hz, bins, kyle,
    v_ts, v_bid, v_ask, v_mid, v_idx, c_ts, c_px, c_sz, c_aggr, c_mid, c_eff, c_sign, c_i, ages, gaps, pbuf,
):
    """One partition: the quotes once, then the trades in a few tight passes (module docstring); returns
    its status (``STATUS_*``: the passes check the time order as they go).

    Per-day outputs are rows of the batch arrays; the per-trade outputs ``o_*`` are views of the batch
    arrays and are written only when ``want_trades`` (else they are empty). ``v_*`` (valid quotes, plus
    ``PAD`` slots, ``v_mid`` one more in front), ``c_*`` (continuous trades), ``ages``, ``gaps`` and
    ``pbuf`` (twice as long) are scratch arrays owned by the caller, at least as long as the partition's
    quotes / trades.
    """
    m = q_ts.shape[0]
    n_h1 = hor_ns.shape[0]
    n_h2 = hor_tr.shape[0]
    after = 0 if strict else 1  # "before t" is "< t" (strict) or "< t + 1" (at or before)
    la = lag_ns - after

    q_ok, nv, n_lock, s_bps, s_px, s_dep, s_usd, covered, locked = _quote_pass(
        q_ts, q_bid, q_ask, q_bsz, q_asz, open_ns, close_ns, v_ts, v_bid, v_ask, v_mid, v_idx)
    if not q_ok:
        return STATUS_UNSORTED_QUOTES if _is_sorted(t_ts) else STATUS_UNSORTED_TRADES
    vts = v_ts[:nv]
    # the mid at the open and at the close (clipped horizons), and on the volatility grid: the last valid
    # quote at or before each grid time (volume.sample_last), by binary search, among the quotes of the
    # session only (a pre-open quote, e.g. a wide pre-open NBBO, is no price of the session)
    open_mid = v_mid[np.searchsorted(vts, open_ns - la)]
    close_mid = v_mid[np.searchsorted(vts, close_ns - la)]
    grid = _grid(open_ns, close_ns, rv_ns)
    first_in = np.searchsorted(vts, open_ns)  # v_mid is 1-based: sample k is in the session when k > first_in
    rvm_prev = np.nan
    rvm_s = 0.0
    rvm_n = 0
    for g in range(grid.shape[0]):
        k = np.searchsorted(vts, grid[g], side="right")
        rvm_prev, rvm_s, rvm_n = rv_step(v_mid[k] if k > first_in else np.nan, rvm_prev, rvm_s, rvm_n)

    t_ok, n_cont, n_excl, n_in, vol, dvol, open_auc, close_auc, first_px, last_px, hi, lo = _trade_pass(
        t_ts, t_px, t_sz, t_aggr, t_auc, open_ns, close_ns, la, want_trades, v_ts, v_idx, o_use, o_qidx,
        c_ts, c_px, c_sz, c_aggr, c_i)
    if not t_ok:
        return STATUS_UNSORTED_TRADES
    r_cnt = np.zeros(5, dtype=np.int64)
    l_cnt = np.zeros(5, dtype=np.int64)
    sq, n_age, e_sw, e_w, e_sum, e_dw, e_d, e_px, n_eff, buy_v, sell_v = _spread_pass(
        n_cont, c_ts, c_px, c_sz, c_aggr, c_i, la, method, use_feed, v_ts, v_bid, v_ask, v_mid,
        want_trades, o_sign, o_rule, o_loc, o_eff_bps, o_eff_px, c_sign, c_mid, c_eff, ages, r_cnt, l_cnt)
    n_bk = max((close_ns - open_ns + bucket_ns - 1) // bucket_ns, 0)
    b_px = np.empty(n_bk)
    b_vol = np.empty(n_bk)
    sz_tot, n_odd, odd_v, gap_sum, gap_max = _activity_pass(
        n_cont, c_ts, c_px, c_sz, open_ns, close_ns, bucket_ns, bin_ns, n_bins, odd_lot, gaps, b_px, b_vol, bins)
    # trade prices on the volatility grid (volume.sample_last over the continuous trades)
    cts = c_ts[:n_cont]
    rvt_prev = np.nan
    rvt_s = 0.0
    rvt_n = 0
    for g in range(grid.shape[0]):
        k = np.searchsorted(cts, grid[g], side="right") - 1
        rvt_prev, rvt_s, rvt_n = rv_step(c_px[k] if k >= 0 else np.nan, rvt_prev, rvt_s, rvt_n)

    # ---- horizons over the continuous trades: clock horizons take the mid in force at
    # min(t + h, close) - lag (asof.asof_mid_at_horizon), trade-count horizons the prevailing mid of the
    # n-th later continuous trade, and for the last n trades the mid at the close (clip) or nothing
    m_end = close_mid if clip else np.nan
    for h in range(0, n_h1, 4):  # four clock horizons per loop: their walks overlap
        h1 = min(h + 1, n_h1 - 1)  # (a missing horizon repeats the last one: same values, written twice)
        h2 = min(h + 2, n_h1 - 1)
        h3 = min(h + 3, n_h1 - 1)
        _clock_horizons(h, hor_ns[h], h1, hor_ns[h1], h2, hor_ns[h2], h3, hor_ns[h3],
                        c_ts, c_px, c_sz, c_mid, c_eff, c_sign, c_i, n_cont, v_ts, v_mid,
                        close_ns, la, clip, want_trades, o_mid_h, hz)
    for k in range(0, n_h2, 3):  # three trade-count horizons per loop
        k1 = min(k + 1, n_h2 - 1)
        k2 = min(k + 2, n_h2 - 1)
        _count_horizons(n_h1 + k, hor_tr[k], n_h1 + k1, hor_tr[k1], n_h1 + k2, hor_tr[k2],
                        c_px, c_sz, c_mid, c_eff, c_sign, c_i, n_cont, m_end, want_trades, o_mid_h, hz)
    _kyle_pass(n_cont, c_sign, c_sz, c_mid, kyle)

    # ---- the day's row
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

    day[F_N_QUOTES] = m
    day[F_N_QUOTES_INVALID] = m - nv
    day[F_N_QUOTES_LOCKED] = n_lock
    session_s = (close_ns - open_ns) / 1e9
    cov_s = covered / 1e9
    day[F_QUOTE_COVERAGE_FRAC] = cov_s / session_s if session_s > 0 else np.nan
    if covered > 0:
        cf = float(covered)
        day[F_QUOTED_SPREAD_BPS] = s_bps / cf
        day[F_QUOTED_SPREAD_PX] = s_px / cf
        day[F_QUOTED_DEPTH_SHARES] = s_dep / cf
        day[F_QUOTED_DEPTH_USD] = s_usd / cf
    else:
        day[F_QUOTED_SPREAD_BPS] = np.nan
        day[F_QUOTED_SPREAD_PX] = np.nan
        day[F_QUOTED_DEPTH_SHARES] = np.nan
        day[F_QUOTED_DEPTH_USD] = np.nan
    day[F_LOCKED_TIME_FRAC] = (locked / 1e9) / cov_s if cov_s > 0 else np.nan
    day[F_OPEN_MID_PX] = open_mid
    day[F_CLOSE_MID_PX] = close_mid

    day[F_QUOTED_SPREAD_TRADES_BPS] = sq / n_age if n_age > 0 else np.nan
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
    day[F_QUOTE_AGE_MEDIAN_S] = percentile_buffered(ages[:n_age], 50.0, pbuf) if n_age > 0 else np.nan

    # trade sizes (volume.size_stats) and gaps (volume.trade_gaps)
    if n_cont > 0:
        day[F_TRADE_SIZE_MEAN_SHARES] = sz_tot / n_cont
        med, p90 = percentiles2_buffered(c_sz[:n_cont], 50.0, 90.0, pbuf)
        day[F_TRADE_SIZE_MEDIAN_SHARES] = med
        day[F_TRADE_SIZE_P90_SHARES] = p90
        day[F_ODD_LOT_FRAC] = n_odd / n_cont
        day[F_ODD_LOT_VOLUME_FRAC] = odd_v / sz_tot if sz_tot > 0 else np.nan
    else:
        for j in range(F_TRADE_SIZE_MEAN_SHARES, F_ODD_LOT_VOLUME_FRAC + 1):
            day[j] = np.nan
    if n_cont >= 2:
        day[F_TRADE_GAP_MEAN_S] = gap_sum / (n_cont - 1)
        day[F_TRADE_GAP_MEDIAN_S] = percentile_buffered(gaps[:n_cont - 1], 50.0, pbuf)
        day[F_TRADE_GAP_MAX_S] = gap_max
    else:
        day[F_TRADE_GAP_MEAN_S] = np.nan
        day[F_TRADE_GAP_MEDIAN_S] = np.nan
        day[F_TRADE_GAP_MAX_S] = np.nan

    # idle buckets and bulk volume classification on the same buckets
    idle = 0
    for b in range(n_bk):
        if b_vol[b] == 0.0:
            idle += 1
    day[F_NO_TRADE_BUCKET_FRAC] = idle / n_bk if n_bk > 0 else np.nan
    dps = np.empty(n_bk)
    vls = np.empty(n_bk)
    k = 0
    prev = np.nan
    for b in range(n_bk):
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

    # realized volatility of trade prices and of midpoints on the grid
    day[F_REALIZED_VOL_FRAC] = np.sqrt(rvt_s if rvt_n > 0 else np.nan)
    day[F_REALIZED_VOL_MID_FRAC] = np.sqrt(rvm_s if rvm_n > 0 else np.nan)
    day[F_N_RV_RETURNS_MID] = rvm_n
    return STATUS_OK


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _clock_mid(t, h_ns, close_ns, lag_after, clip, v_ts, v_mid, j):
    """Mid in force at ``min(t + h, close) - lag`` (asof.asof_mid_at_horizon): ``(j, mid)``, with ``j`` the
    walk's new position (valid quotes before that time; ``v_mid[j]`` is the j-th valid quote's mid, NaN
    for none); NaN past the close without ``clip``."""
    th = t + h_ns
    beyond = th > close_ns
    th = min(th, close_ns)
    j = _advance(v_ts, j, th - lag_after)
    m_h = v_mid[U(j)]
    return j, (np.nan if beyond & (not clip) else m_h)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _hz_add(k2, p, mid, e, ok, m_h, w, sw, sr, sp, cnt):
    """One trade into a horizon's share-weighted realized-spread and impact sums: ``(sw, sr, sp, cnt)``.

    ``k2 = 2.0 * sign`` and ``ok`` (signed, with an effective spread) are the trade's own terms, hoisted
    out of the horizons; the realized spread is ``spreads.realized_bps`` (the same operations in the same
    order), kept when the horizon mid exists. Selects rather than a branch; adding 0.0 leaves a sum
    unchanged to the bit.
    """
    r = k2 * (p - m_h) / mid * 1e4
    v = ok & (m_h == m_h)
    sw += w if v else 0.0
    sr += w * r if v else 0.0
    sp += w * (e - r) if v else 0.0
    cnt += v
    return sw, sr, sp, cnt


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _hz_store(hz, h, sw, sr, sp, cnt):
    if sw > 0.0:
        hz[h, 0] = sr / sw
        hz[h, 1] = sp / sw
    else:
        hz[h, 0] = np.nan
        hz[h, 1] = np.nan
    hz[h, 2] = cnt


@njit(cache=True, nogil=True, error_model="numpy")
def _clock_horizons(h0, ns0, h1, ns1, h2, ns2, h3, ns3, c_ts, c_px, c_sz, c_mid, c_eff, c_sign, c_i, n_cont,
                    v_ts, v_mid, close_ns, lag_after, clip, want_trades, o_mid_h, hz):
    """Four clock horizons at once: for each continuous trade the mid in force at ``min(t + h, close) - lag``
    (asof.asof_mid_at_horizon; NaN past the close without ``clip``), by four independent quote walks in
    one loop (the processor overlaps them), and the share-weighted realized-spread and impact sums, in
    trade order, in registers; then ``hz[h] = [realized, impact, n]``."""
    j0 = 0
    j1 = 0
    j2 = 0
    j3 = 0
    sw0 = sr0 = sp0 = 0.0
    sw1 = sr1 = sp1 = 0.0
    sw2 = sr2 = sp2 = 0.0
    sw3 = sr3 = sp3 = 0.0
    n0 = n1 = n2 = n3 = 0
    for c in range(n_cont):
        t = c_ts[c]
        j0, m0 = _clock_mid(t, ns0, close_ns, lag_after, clip, v_ts, v_mid, j0)
        j1, m1 = _clock_mid(t, ns1, close_ns, lag_after, clip, v_ts, v_mid, j1)
        j2, m2 = _clock_mid(t, ns2, close_ns, lag_after, clip, v_ts, v_mid, j2)
        j3, m3 = _clock_mid(t, ns3, close_ns, lag_after, clip, v_ts, v_mid, j3)
        if want_trades:
            i = c_i[c]
            o_mid_h[h0, i] = m0
            o_mid_h[h1, i] = m1
            o_mid_h[h2, i] = m2
            o_mid_h[h3, i] = m3
        d = c_sign[c]
        e = c_eff[c]
        ok = (d != 0) & (e == e)  # signed, with an effective spread (so a mid > 0)
        k2 = 2.0 * d
        p = c_px[c]
        mid = c_mid[c]
        w = c_sz[c]
        sw0, sr0, sp0, n0 = _hz_add(k2, p, mid, e, ok, m0, w, sw0, sr0, sp0, n0)
        sw1, sr1, sp1, n1 = _hz_add(k2, p, mid, e, ok, m1, w, sw1, sr1, sp1, n1)
        sw2, sr2, sp2, n2 = _hz_add(k2, p, mid, e, ok, m2, w, sw2, sr2, sp2, n2)
        sw3, sr3, sp3, n3 = _hz_add(k2, p, mid, e, ok, m3, w, sw3, sr3, sp3, n3)
    _hz_store(hz, h0, sw0, sr0, sp0, n0)
    _hz_store(hz, h1, sw1, sr1, sp1, n1)
    _hz_store(hz, h2, sw2, sr2, sp2, n2)
    _hz_store(hz, h3, sw3, sr3, sp3, n3)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _mid_after(c_mid, c, step, n_cont, m_end):
    """Prevailing mid of the continuous trade ``step`` after trade ``c`` (``m_end`` past the last)."""
    return c_mid[U(c + step)] if c + step < n_cont else m_end


@njit(cache=True, nogil=True, error_model="numpy")
def _count_horizons(h0, st0, h1, st1, h2, st2, c_px, c_sz, c_mid, c_eff, c_sign, c_i, n_cont, m_end, want_trades,
                    o_mid_h, hz):
    """Three trade-count horizons at once: the mid of the ``step``-th later continuous trade (the mid at
    the close, or NaN, ``m_end``, for the last ``step`` trades), share-weighted sums in trade order."""
    sw0 = sr0 = sp0 = 0.0
    sw1 = sr1 = sp1 = 0.0
    sw2 = sr2 = sp2 = 0.0
    n0 = n1 = n2 = 0
    for c in range(n_cont):
        m0 = _mid_after(c_mid, c, st0, n_cont, m_end)
        m1 = _mid_after(c_mid, c, st1, n_cont, m_end)
        m2 = _mid_after(c_mid, c, st2, n_cont, m_end)
        if want_trades:
            i = c_i[c]
            o_mid_h[h0, i] = m0
            o_mid_h[h1, i] = m1
            o_mid_h[h2, i] = m2
        d = c_sign[c]
        e = c_eff[c]
        ok = (d != 0) & (e == e)
        k2 = 2.0 * d
        p = c_px[c]
        mid = c_mid[c]
        w = c_sz[c]
        sw0, sr0, sp0, n0 = _hz_add(k2, p, mid, e, ok, m0, w, sw0, sr0, sp0, n0)
        sw1, sr1, sp1, n1 = _hz_add(k2, p, mid, e, ok, m1, w, sw1, sr1, sp1, n1)
        sw2, sr2, sp2, n2 = _hz_add(k2, p, mid, e, ok, m2, w, sw2, sr2, sp2, n2)
    _hz_store(hz, h0, sw0, sr0, sp0, n0)
    _hz_store(hz, h1, sw1, sr1, sp1, n1)
    _hz_store(hz, h2, sw2, sr2, sp2, n2)


def scratch_sizes(n_max: int, m_max: int) -> tuple[int, int, int]:
    """Lengths of the int64, float64 and int8 working arrays :func:`tick_pass` needs for partitions of at
    most ``n_max`` trades and ``m_max`` quotes."""
    return 2 * m_max + PAD + 2 * n_max, 3 * m_max + 1 + 8 * n_max, 2 * n_max


@njit(cache=True, nogil=True, error_model="numpy")
def tick_pass(
    t_ts, t_px, t_sz, t_aggr, t_auc, t_off,
    q_ts, q_bid, q_ask, q_bsz, q_asz, q_off,
    open_ns, close_ns,
    hor_ns, hor_tr, lag_ns, strict, method, use_feed, clip,
    bin_ns, n_bins, bucket_ns, rv_ns, odd_lot, want_trades=True, scratch_i=None, scratch_f=None, scratch_b=None,
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
    scratch_i, scratch_f, scratch_b : int64[:], float64[:], int8[:], optional
        Working memory, at least :func:`scratch_sizes` long for the largest partition (a caller running
        many batches keeps them, so that no batch touches fresh pages); allocated here when missing or
        too short. Their contents do not matter.

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
    # scratch for the largest partition, reused by every partition of the batch
    n_max = 0
    m_max = 0
    for p in range(P):
        n_max = max(n_max, t_off[p + 1] - t_off[p])
        m_max = max(m_max, q_off[p + 1] - q_off[p])
    ni = 2 * m_max + PAD + 2 * n_max
    nf = 3 * m_max + 1 + 8 * n_max
    nb = 2 * n_max
    if scratch_i is None:
        si = np.empty(ni, dtype=np.int64)
    elif scratch_i.shape[0] < ni:
        si = np.empty(ni, dtype=np.int64)
    else:
        si = scratch_i
    if scratch_f is None:
        sf = np.empty(nf)
    elif scratch_f.shape[0] < nf:
        sf = np.empty(nf)
    else:
        sf = scratch_f
    if scratch_b is None:
        sb = np.empty(nb, dtype=np.int8)
    elif scratch_b.shape[0] < nb:
        sb = np.empty(nb, dtype=np.int8)
    else:
        sb = scratch_b
    v_ts = si[:m_max + PAD]
    v_idx = si[m_max + PAD:2 * m_max + PAD]
    c_ts = si[2 * m_max + PAD:2 * m_max + PAD + n_max]
    c_i = si[2 * m_max + PAD + n_max:ni]
    v_bid = sf[:m_max]
    v_ask = sf[m_max:2 * m_max]
    v_mid = sf[2 * m_max:3 * m_max + 1]
    v_mid[0] = np.nan  # v_mid[j] is the mid of the j-th valid quote (1-based): v_mid[0], none, is NaN
    o = 3 * m_max + 1
    c_px = sf[o:o + n_max]
    c_sz = sf[o + n_max:o + 2 * n_max]
    c_mid = sf[o + 2 * n_max:o + 3 * n_max]
    c_eff = sf[o + 3 * n_max:o + 4 * n_max]
    ages = sf[o + 4 * n_max:o + 5 * n_max]
    gaps = sf[o + 5 * n_max:o + 6 * n_max]
    pbuf = sf[o + 6 * n_max:o + 8 * n_max]
    c_sign = sb[:n_max]
    c_aggr = sb[n_max:nb]
    for p in range(P):
        a, b = t_off[p], t_off[p + 1]
        qa, qb = q_off[p], q_off[p + 1]
        ta, tb = (a, b) if want_trades else (0, 0)
        qidx_view = o_qidx[ta:tb]
        status[p] = _partition(
            t_ts[a:b], t_px[a:b], t_sz[a:b], t_aggr[a:b], t_auc[a:b],
            q_ts[qa:qb], q_bid[qa:qb], q_ask[qa:qb], q_bsz[qa:qb], q_asz[qa:qb],
            open_ns[p], close_ns[p],
            hor_ns, hor_tr, lag_ns, strict, method, use_feed, clip,
            bin_ns, n_bins, bucket_ns, rv_ns, odd_lot, want_trades,
            o_use[ta:tb], qidx_view, o_sign[ta:tb], o_rule[ta:tb], o_loc[ta:tb], o_eff_bps[ta:tb], o_eff_px[ta:tb],
            o_mid_h[:, ta:tb], day[p], hz[p], bins[p], kyle[p],
            v_ts, v_bid, v_ask, v_mid, v_idx, c_ts, c_px, c_sz, c_aggr, c_mid, c_eff, c_sign, c_i, ages, gaps, pbuf,
        )
        if status[p] != STATUS_OK:  # unsorted: this partition's outputs as if never computed
            day[p, :] = np.nan
            hz[p, :, :] = np.nan
            bins[p, :] = 0.0
            kyle[p, :] = 0.0
            o_use[ta:tb] = 0
            o_qidx[ta:tb] = -1
            o_mid_h[:, ta:tb] = np.nan
            continue
        for i in range(tb - ta):  # local quote index -> batch quote index
            if qidx_view[i] >= 0:
                qidx_view[i] += qa
    return status, o_use, o_qidx, o_sign, o_rule, o_loc, o_eff_bps, o_eff_px, o_mid_h, day, hz, bins, kyle
