"""Slow twin of liqcost.kernels.tickpass for ONE partition, composed from the other references.

Returns plain dicts so that tests can compare field by field with the fused kernel.
"""

from __future__ import annotations

import math

import numpy as np

from . import asof, signing, spreads, volume


def partition(t, q, open_ns, close_ns, *, hor_ns=(), hor_tr=(), lag_ns=0, strict=True, method="lee_ready",
              use_feed=True, clip=True, bin_ns=1800 * 10**9, n_bins=13, bucket_ns=60 * 10**9, rv_ns=300 * 10**9,
              odd_lot=100.0, max_age_ns=None):
    """t: dict of arrays ts, price, size, aggressor, auction; q: dict ts, bid, ask, bid_size, ask_size.

    ``max_age_ns``: a valid quote more than this older than the time it is looked up at is no quote
    (None: no limit)."""
    n = len(t["ts"])
    use = []
    for i in range(n):
        p, s = t["price"][i], t["size"][i]
        ok = p > 0 and s > 0 and math.isfinite(p) and math.isfinite(s)
        if not ok:
            use.append(0)
        elif t["auction"][i] != 0:
            use.append(2)
        elif open_ns <= t["ts"][i] <= close_ns:
            use.append(1)
        else:
            use.append(0)
    use = np.array(use, dtype=np.int8)
    cont = use == 1
    allin = use != 0

    idx, bid, ask, mid, age = asof.prevailing_quotes(t["ts"], q["ts"], q["bid"], q["ask"], lag_ns, strict, max_age_ns)
    sign, rule = signing.sign_trades(t["price"], bid, ask, t["aggressor"], cont, method, use_feed)
    loc = spreads.trade_location(t["price"], bid, ask)
    loc = np.where(cont, loc, 0)
    eff_bps, eff_px = spreads.effective_spreads(t["price"], sign, mid)
    eff_bps = np.where(cont, eff_bps, np.nan)
    eff_px = np.where(cont, eff_px, np.nan)

    valid = asof.valid_quotes(q["bid"], q["ask"])
    e_idx = asof.asof_valid_index([open_ns - lag_ns, close_ns - lag_ns], q["ts"], valid, strict, max_age_ns)
    qmid = [(b + a) / 2 for b, a in zip(q["bid"], q["ask"])]
    open_mid = qmid[e_idx[0]] if e_idx[0] >= 0 else np.nan
    close_mid = qmid[e_idx[1]] if e_idx[1] >= 0 else np.nan

    mid_h = []
    for h in hor_ns:
        row = []
        for i in range(n):
            target = t["ts"][i] + h
            if not cont[i] or (not clip and target > close_ns):
                row.append(np.nan)
                continue
            k = asof.asof_valid_index([min(target, close_ns) - lag_ns], q["ts"], valid, strict, max_age_ns)[0]
            row.append(qmid[k] if k >= 0 else np.nan)
        mid_h.append(row)
    cont_pos = [i for i in range(n) if cont[i]]
    for step in hor_tr:
        row = [np.nan] * n
        for c, i in enumerate(cont_pos):
            if c + step < len(cont_pos):
                row[i] = mid[cont_pos[c + step]]
            elif clip:
                row[i] = close_mid
        mid_h.append(row)
    mid_h = np.array(mid_h, dtype=float).reshape(len(hor_ns) + len(hor_tr), n)

    hz = []
    for h in range(mid_h.shape[0]):
        rs, pi, _ = spreads.horizon_spreads(t["price"], sign, mid, mid_h[h], eff_bps)
        sel = [i for i in range(n) if cont[i] and not math.isnan(rs[i])]
        w = np.array([t["size"][i] for i in sel])
        if len(sel) and w.sum() > 0:
            hz.append([np.dot(w, rs[sel]) / w.sum(), np.dot(w, pi[sel]) / w.sum(), len(sel)])
        else:
            hz.append([np.nan, np.nan, len(sel)])

    price = np.asarray(t["price"], float)
    size = np.asarray(t["size"], float)
    d = {}
    d["n_trades"] = int(allin.sum())
    d["n_trades_continuous"] = int(cont.sum())
    d["n_trades_excluded"] = int((~allin).sum())
    vol = size[allin].sum()
    dvol = (price[allin] * size[allin]).sum()
    d["volume_shares"] = vol
    d["dollar_volume_usd"] = dvol
    d["vwap_px"] = dvol / vol if vol > 0 else np.nan
    d["open_px"] = price[allin][0] if allin.any() else np.nan
    d["high_px"] = price[allin].max() if allin.any() else np.nan
    d["low_px"] = price[allin].min() if allin.any() else np.nan
    d["close_px"] = price[allin][-1] if allin.any() else np.nan
    auc = np.asarray(t["auction"])
    d["open_auction_shares"] = size[allin & (auc == 1)].sum()
    d["close_auction_shares"] = size[allin & (auc == 2)].sum()
    d["n_quotes"] = len(q["ts"])
    d["n_quotes_invalid"] = int((~valid).sum())
    d["n_quotes_locked"] = int(sum(1 for j in range(len(valid)) if valid[j] and q["bid"][j] == q["ask"][j]))
    tw = spreads.time_weighted_quotes(q["ts"], q["bid"], q["ask"], q["bid_size"], q["ask_size"], valid, open_ns, close_ns,
                                      max_age_ns)
    d["quote_coverage_frac"] = tw[4] / ((close_ns - open_ns) / 1e9)
    d["quote_stale_time_frac"] = tw[7] / ((close_ns - open_ns) / 1e9)
    d["quoted_spread_bps"], d["quoted_spread_px"], d["quoted_depth_shares"], d["quoted_depth_usd"] = tw[:4]
    d["locked_time_frac"] = tw[5] / tw[4] if tw[4] > 0 else np.nan
    d["open_mid_px"] = open_mid
    d["close_mid_px"] = close_mid
    withq = [i for i in range(n) if cont[i] and idx[i] >= 0]
    d["quoted_spread_trades_bps"] = (
        np.mean([(ask[i] - bid[i]) / mid[i] * 1e4 for i in withq]) if withq else np.nan
    )
    eo = [i for i in range(n) if cont[i] and not math.isnan(eff_bps[i])]
    w = size[eo]
    dw = size[eo] * price[eo]
    d["effective_spread_bps"] = np.dot(w, eff_bps[eo]) / w.sum() if eo else np.nan
    d["effective_spread_ew_bps"] = np.mean(eff_bps[eo]) if eo else np.nan
    d["effective_spread_dw_bps"] = np.dot(dw, eff_bps[eo]) / dw.sum() if eo else np.nan
    d["effective_spread_px"] = np.dot(w, eff_px[eo]) / w.sum() if eo else np.nan
    d["n_effective"] = len(eo)
    buy = size[cont & (sign > 0)].sum()
    sell = size[cont & (sign < 0)].sum()
    d["buy_volume_frac"] = buy / (buy + sell) if buy + sell > 0 else np.nan
    d["order_imbalance_frac"] = (buy - sell) / (buy + sell) if buy + sell > 0 else np.nan
    nc = cont.sum()
    rc = rule[cont]
    lc = loc[cont]
    frac = (lambda mask: mask.sum() / nc) if nc else (lambda mask: np.nan)
    d["unsigned_frac"] = frac(rc == 0)
    d["feed_signed_frac"] = frac(rc == 1)
    d["quote_signed_frac"] = frac(rc == 2)
    d["tick_signed_frac"] = frac((rc == 3) | (rc == 4))
    d["no_quote_frac"] = frac(lc == 0)
    d["quote_age_exceeded_frac"] = frac(np.asarray(idx)[cont] == asof.STALE)
    d["at_mid_frac"] = frac(lc == 1)
    d["inside_frac"] = frac(lc == 2)
    d["at_quote_frac"] = frac(lc == 3)
    d["outside_frac"] = frac(lc == 4)
    ages = [age[i] / 1e9 for i in withq]
    d["quote_age_median_s"] = np.median(ages) if ages else np.nan
    st = volume.size_stats(size, cont, odd_lot)
    (d["trade_size_mean_shares"], d["trade_size_median_shares"], d["trade_size_p90_shares"], d["odd_lot_frac"],
     d["odd_lot_volume_frac"]) = st
    d["trade_gap_mean_s"], d["trade_gap_median_s"], d["trade_gap_max_s"] = volume.trade_gaps(t["ts"], cont)
    last, bv = volume.bucket_activity(t["ts"], price, size, cont, open_ns, close_ns, bucket_ns)
    d["no_trade_bucket_frac"] = float(np.mean(bv == 0)) if len(bv) else np.nan
    ne = [b for b in range(len(bv)) if bv[b] > 0]
    changes = [(last[ne[k]] - last[ne[k - 1]], bv[ne[k]]) for k in range(1, len(ne))]
    d["bvc_buy_volume_frac"] = np.nan
    if len(changes) >= 2:
        dp = np.array([c[0] for c in changes])
        vv = np.array([c[1] for c in changes])
        fr = signing.bvc_buy_fraction(dp, np.std(dp, ddof=1))
        ok = ~np.isnan(fr)
        if vv[ok].sum() > 0:
            d["bvc_buy_volume_frac"] = np.dot(vv[ok], fr[ok]) / vv[ok].sum()
    grid = list(range(int(open_ns), int(close_ns), int(rv_ns))) + [int(close_ns)]
    rv_t = volume.realized_variance(volume.sample_last(t["ts"], price, cont, grid))
    # the midpoint in force at each grid time: the last valid quote at or before it, if it is a quote of the
    # session (a pre-open quote is no price of the session) that has not run out (it runs out max_age after
    # its time stamp, the at-or-before look-up seeing the expiry from max_age + 1 ns on when matching is
    # at-or-before, from max_age on when strictly before: the convention of the trade look-ups)
    after = 0 if strict else 1
    sampled_m = []
    for g in grid:
        k = asof.asof_valid_index([g], q["ts"], valid, False)[0]
        ok = k >= 0 and int(q["ts"][k]) >= int(open_ns)
        if ok and max_age_ns is not None and int(q["ts"][k]) + max_age_ns + after <= g:
            ok = False
        sampled_m.append(qmid[k] if ok else np.nan)
    rv_m = volume.realized_variance(np.array(sampled_m, dtype=float))
    d["realized_vol_frac"] = math.sqrt(rv_t[0]) if not math.isnan(rv_t[0]) else np.nan
    d["realized_vol_mid_frac"] = math.sqrt(rv_m[0]) if not math.isnan(rv_m[0]) else np.nan
    d["n_rv_returns_mid"] = rv_m[1]
    bins = volume.volume_bins(t["ts"], size, cont, open_ns, bin_ns, n_bins)
    xs, ys = [], []
    for c, i in enumerate(cont_pos):
        if c + 1 < len(cont_pos) and sign[i] != 0 and not math.isnan(mid[i]) and not math.isnan(mid[cont_pos[c + 1]]):
            xs.append(sign[i] * size[i])
            ys.append((mid[cont_pos[c + 1]] - mid[i]) / mid[i] * 1e4)
    trades = {"use": use, "qidx": idx, "sign": sign, "rule": rule, "loc": loc, "eff_bps": eff_bps, "eff_px": eff_px,
              "mid_h": mid_h}
    return {"day": d, "hz": np.array(hz, dtype=float).reshape(-1, 3), "bins": bins, "kyle_xy": (xs, ys),
            "trades": trades}


def partition_ids(run_len, run_code, ts, bounds):
    """Slow twin of liqcost.kernels.tickpass.partition_ids: (pid per row, rows in (pid, ts) order)."""
    n_days = len(bounds) - 1
    codes = [c for ln, c in zip(run_len, run_code) for _ in range(ln)]
    pid = []
    for c, t in zip(codes, ts):
        days = [k for k in range(n_days) if bounds[k] <= t < bounds[k + 1]]
        pid.append(c * n_days + days[0] if days else -1)
    keys = list(zip(pid, ts))
    return np.array(pid, dtype=np.int64), keys == sorted(keys)


def runs_in_time(ts, starts):
    """Slow twin of liqcost.kernels.tickpass.runs_in_time: rows of a run never earlier than the row before."""
    return all(ts[i] >= ts[i - 1] for a, b in zip(starts[:-1], starts[1:]) for i in range(a + 1, b))


def run_starts(x):
    """Slow twin of liqcost.kernels.tickpass.run_starts."""
    values, starts = [], []
    for i, v in enumerate(x):
        if i == 0 or v != x[i - 1]:
            values.append(v)
            starts.append(i)
    return np.array(values, dtype=np.asarray(x).dtype), np.array(starts, dtype=np.int64)
