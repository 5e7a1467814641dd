"""Slow, obviously correct twin of :mod:`liqcost.kernels.replay` (plain Python, one object per order).

The rules are the kernel module's docstring, implemented differently: every happening (a trade, a quote,
a window opening, a window closing) goes into one list sorted by ``(time, rank)`` -- events first, then
closings, then openings at the same time -- and is handled by a method of :class:`Run`. No jumping: the
state is recorded after every event.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

KIND_TRADE, KIND_QUOTE = 0, 1
CODE_MID, CODE_CROSS, CODE_FIXED = -1, -2, -3
QM_TRADE_THROUGH, QM_QUEUE, QM_PROB = 0, 1, 2
POL_CARRY, POL_CROSS_AT_END, POL_LEAVE = 0, 1, 2
FILL_PASSIVE, FILL_CROSS, FILL_CLEANUP = 0, 1, 2
DECAY_PAUSE, DECAY_CONTINUOUS = 0, 1
EPS = 1e-9
LN2 = math.log(2.0)


@dataclass
class Tranche:
    idx: int
    start: int
    end: int
    side: int
    qty: float
    code: int
    price: float
    cap: float
    max_part: float
    policy: int
    next_idx: int
    order: int = 0
    state: str = "pending"  # pending, waiting, placed, done
    rem: float = 0.0
    capped: float = 0.0
    queue: float = 0.0
    price_t: int = 0
    binding: bool = False
    level: float = math.nan
    at_level: float = 0.0
    out: dict = field(default_factory=dict)


def frame_ticks(price, side, disp, tick):
    f = max(1.0 + disp, 1e-6)
    x = price / f / tick
    return math.floor(x + 1e-9) if side > 0 else math.ceil(x - 1e-9)


def pegged_ticks(side, bt, at, code):
    spread = at - bt
    if code == CODE_MID:
        k = spread // 2 if spread > 1 else 0
    else:
        k = min(max(spread - 1, 0), code)
    return bt + k if side > 0 else at - k


def sweep(x, consumed, far_t, far_size, side, tick, refill_min, limit_t):
    """Walk level by level (a loop, not the kernel's closed form)."""
    s = far_size if far_size == far_size else 0.0
    s = max(s, refill_min)
    if limit_t is not None:
        n_lev = (limit_t - far_t + 1) if side > 0 else (far_t - limit_t + 1)
        if n_lev <= 0:
            return 0.0, math.nan
        x = min(x, n_lev * s - consumed)
    if x <= EPS:
        return 0.0, math.nan
    # shares taken at each level: the position [consumed, consumed + x) on an axis of levels of size s
    cost_ticks, pos, left = 0.0, consumed, x
    while left > 1e-12:
        level = math.floor(pos / s)
        room = (level + 1) * s - pos
        take = min(room, left)
        cost_ticks += take * level
        pos += take
        left -= take
    return x, (far_t + side * cost_ticks / x) * tick


class Run:
    def __init__(self, events, tranches, tick, qm, qf, qpow, refill, decay, scale, perm, half_ns):
        self.events = events  # list of (ts, kind, v0, v1, v2, v3)
        self.tr = tranches
        self.tick, self.qm, self.qf, self.qpow, self.refill, self.decay = tick, qm, qf, qpow, refill, decay
        self.scale, self.perm, self.half = scale, perm, half_ns
        self.quote = None  # (bid, ask, bsz, asz)
        self.cons = {1: 0.0, -1: 0.0}  # shares our marketable buys (1) / sells (-1) took since the last quote
        self.x = 0.0
        self.peak = 0.0
        self.permanent = 0.0
        self.transient = 0.0
        self.clock = None
        self.fills = []
        self.trace = {}

    # ------------------------------------------------------------------ helpers
    @property
    def disp(self):
        return self.permanent + self.transient

    def ticks(self):
        b, a = self.quote[0], self.quote[1]
        return round(b / self.tick), round(a / self.tick)

    def mid(self):
        return 0.5 * (self.quote[0] + self.quote[1]) if self.quote else math.nan

    def live(self):
        return [t for t in self.tr if t.state in ("waiting", "placed")]

    def working(self):
        """An order works from the opening of its first window to the close of its last while shares are open."""
        for o in {t.order for t in self.tr}:
            mine = [t for t in self.tr if t.order == o]
            started = any(t.state != "pending" for t in mine)
            ended = all(t.state == "done" for t in mine)
            if started and not ended and sum(t.rem for t in mine) > EPS:
                return True
        return False

    def advance(self, t):
        if self.clock is None:
            self.clock = t
        if self.decay == DECAY_CONTINUOUS or not self.working():
            if t > self.clock and self.transient != 0.0:
                self.transient *= math.exp(-LN2 * (t - self.clock) / self.half)
        self.clock = t

    def impact(self, side, q):
        self.x += side * q
        new = self.scale * math.copysign(math.sqrt(abs(self.x)), self.x)
        d = new - self.peak
        self.peak = new
        self.permanent += self.perm * d
        self.transient += (1.0 - self.perm) * d

    def target(self, o):
        bt, at = self.ticks()
        if o.code == CODE_FIXED:
            return frame_ticks(o.price, o.side, self.disp, self.tick), True
        p = pegged_ticks(o.side, bt, at, o.code)
        if o.cap == o.cap:
            c = frame_ticks(o.cap, o.side, self.disp, self.tick)
            if (o.side > 0 and c < p) or (o.side < 0 and c > p):
                return c, True
        return p, False

    def queue_init(self, o, p):
        bt, at = self.ticks()
        near, size = (bt, self.quote[2]) if o.side > 0 else (at, self.quote[3])
        better = p > near if o.side > 0 else p < near
        if p == near:
            return self.qf * size, size
        if better:
            return 0.0, 0.0
        return math.inf, math.nan

    def repost(self, o, count=True):
        p, b = self.target(o)
        o.price_t, o.binding = p, b
        o.queue, o.level = self.queue_init(o, p)
        o.at_level = 0.0
        if count:
            o.out["n_reprice"] += 1

    def record(self, o, t, price, q, kind, limit):
        self.fills.append({"tranche": o.idx, "ts": t, "price": price, "qty": q, "kind": kind, "mid": self.mid(),
                           "disp": self.disp, "limit": limit})
        o.rem -= q
        o.out["filled"] += q
        if kind != FILL_CLEANUP:
            o.capped += q
        else:
            o.out["cleanup"] += q
        if o.out["first_fill_ns"] < 0:
            o.out["first_fill_ns"] = t
        o.out["last_fill_ns"] = t
        if o.rem <= EPS:
            o.rem = 0.0
            o.out["complete_ns"] = t
        self.impact(o.side, q)

    def is_taker(self, o):
        if o.code == CODE_CROSS:
            return True
        if o.code == CODE_FIXED:
            bt, at = self.ticks()
            return o.price_t >= at if o.side > 0 else o.price_t <= bt
        return False

    def limit_of(self, o):
        if o.code == CODE_FIXED:
            return o.price, o.price_t
        if o.cap == o.cap:
            return o.cap, frame_ticks(o.cap, o.side, self.disp, self.tick)
        return math.nan, None

    def take(self, o, t, cleanup=False):
        want = o.rem
        if not cleanup and o.max_part == o.max_part:
            want = min(want, o.max_part * o.out["mkt_vol"] - o.capped)
        if want <= EPS:
            return
        bt, at = self.ticks()
        lim_px, lim_t = self.limit_of(o)
        if cleanup and o.code == CODE_FIXED:
            lim_t = frame_ticks(o.price, o.side, self.disp, self.tick)
        far_t, far_sz = (at, self.quote[3]) if o.side > 0 else (bt, self.quote[2])
        x, px = sweep(want, self.cons[o.side], far_t, far_sz, o.side, self.tick, self.refill, lim_t)
        if x <= 0.0:
            return
        self.cons[o.side] += x
        self.record(o, t, px * (1.0 + self.disp), x, FILL_CLEANUP if cleanup else FILL_CROSS, lim_px)

    # ------------------------------------------------------------------ happenings
    def open(self, o, t):
        o.state = "waiting"
        if self.quote is not None:
            self.place(o, t)

    def place(self, o, t, take=True):
        o.state = "placed"
        o.out.update(placed_ns=t, start_mid=self.mid(), start_disp=self.disp)
        if o.code != CODE_CROSS:
            self.repost(o, count=False)
        if take and self.is_taker(o):  # at its opening; a quote that places it lets every taker act after
            self.take(o, t)

    def close(self, o, t):
        if o.rem > EPS:
            if o.policy == POL_CROSS_AT_END and self.quote is not None:
                self.take(o, t, cleanup=True)
            elif o.policy == POL_CARRY and o.next_idx >= 0 and self.tr[o.next_idx].state != "done":
                nxt = self.tr[o.next_idx]
                idle = nxt.rem <= EPS and nxt.state == "placed"
                nxt.rem += o.rem
                nxt.out["carry_in"] += o.rem
                o.out["carry_out"] += o.rem
                o.rem = 0.0
                if idle:
                    nxt.out["complete_ns"] = -1
                    if nxt.code != CODE_CROSS:
                        self.repost(nxt)
            if o.rem > EPS:
                o.out["left"] += o.rem
                o.rem = 0.0
        o.out["end_mid"] = self.mid()
        o.out["end_disp"] = self.disp
        o.state = "done"

    def on_quote(self, t, v):
        b, a, bs, asz = v
        if not (math.isfinite(b) and math.isfinite(a) and b > 0 and a >= b):
            return
        self.quote = (b, a, bs, asz)
        self.cons = {1: 0.0, -1: 0.0}
        for o in self.live():
            if o.state == "waiting":
                self.place(o, t, take=False)
            elif o.state == "placed" and o.code != CODE_CROSS and o.rem > EPS:
                self.requeue(o)
        for o in self.live():
            if o.state == "placed" and o.rem > EPS and self.is_taker(o):
                self.take(o, t)

    def requeue(self, o):
        p, b = self.target(o)
        if p != o.price_t:
            self.repost(o)
            return
        o.binding = b
        if self.qm == QM_TRADE_THROUGH:
            return
        bt, at = self.ticks()
        near, size = (bt, self.quote[2]) if o.side > 0 else (at, self.quote[3])
        if (o.side > 0 and near < p) or (o.side < 0 and near > p):
            o.queue, o.level, o.at_level = 0.0, 0.0, 0.0
            return
        if near != p:
            o.level, o.at_level = math.nan, 0.0
            return
        if self.qm == QM_PROB and o.level == o.level and o.level - size - o.at_level > 0.0:
            chg = o.level - size - o.at_level
            front, back = o.queue, max(o.level - o.queue, 0.0)
            fb, ff = back**self.qpow, front**self.qpow
            prob = fb / (fb + ff) if (fb + ff) > 0 and math.isfinite(fb / (fb + ff)) else 1.0
            o.queue = max(min(front - (1 - prob) * chg + min(back - prob * chg, 0.0), size), 0.0)
        else:
            o.queue = min(o.queue, size)
        o.level, o.at_level = size, 0.0

    def on_trade(self, t, price, size):
        if not (math.isfinite(price) and math.isfinite(size) and size > 0):
            return
        avail = size
        for o in self.live():
            if o.rem > EPS:
                o.out["mkt_vol"] += size
        for o in self.live():
            if o.state != "placed" or o.rem <= EPS or o.code == CODE_CROSS:
                continue
            if o.code == CODE_FIXED or o.cap == o.cap:
                p, b = self.target(o)
                if p != o.price_t:
                    self.repost(o)
            lp = o.price_t * self.tick
            tol = self.tick * 1e-4
            e = 0.0
            if (o.side > 0 and price < lp - tol) or (o.side < 0 and price > lp + tol):
                e = size
                o.queue, o.level, o.at_level = 0.0, 0.0, 0.0
            elif abs(price - lp) <= tol and self.qm != QM_TRADE_THROUGH:
                o.at_level += size
                e = max(size - o.queue, 0.0)
                o.queue = max(o.queue - size, 0.0)
            if e <= 0.0:
                continue
            x = min(e, avail, o.rem)
            if o.max_part == o.max_part:
                x = min(x, o.max_part * o.out["mkt_vol"] - o.capped)
            if x <= EPS:
                continue
            if o.binding:
                fill_px = o.price if o.code == CODE_FIXED else o.cap
            else:
                fill_px = lp * (1.0 + self.disp)
            avail -= x
            self.record(o, t, fill_px, x, FILL_PASSIVE, fill_px)
        if self.quote is not None:
            for o in self.live():
                if o.state == "placed" and o.rem > EPS and self.is_taker(o):
                    self.take(o, t)

    # ------------------------------------------------------------------ driver
    def run(self):
        first = min(o.start for o in self.tr)
        happen = []
        last_valid = None
        for i, ev in enumerate(self.events):
            if ev[0] <= first:
                if ev[1] == KIND_QUOTE and math.isfinite(ev[2]) and math.isfinite(ev[3]) and ev[2] > 0 and ev[3] >= ev[2]:
                    last_valid = ev
                continue
            happen.append((ev[0], 0, ev[1], i, ev))
        for o in self.tr:
            o.rem = o.qty
            o.out = {"placed_ns": -1, "start_mid": math.nan, "start_disp": math.nan, "end_mid": math.nan,
                     "end_disp": math.nan, "filled": 0.0, "carry_in": 0.0, "carry_out": 0.0, "cleanup": 0.0, "left": 0.0,
                     "mkt_vol": 0.0, "n_reprice": 0, "first_fill_ns": -1, "last_fill_ns": -1, "complete_ns": -1}
            # a window of zero length closes right after it opens (before the next opening)
            happen.append((o.end, 1, 0, o.idx, None) if o.end > o.start else (o.end, 2, 1, o.idx, None))
            happen.append((o.start, 2, 0, o.idx, None))
        # events at or before a time come before the timers of that time; closings before openings
        happen.sort(key=lambda h: (h[0], h[1], h[3], h[2]) if h[1] else (h[0], 0, h[2], h[3]))
        if last_valid is not None:
            self.quote = tuple(last_valid[2:6])
        self.clock = first
        events_seen = 0
        for t, rank, sub, idx, ev in happen:
            if rank == 0 and all(o.state == "done" for o in self.tr):
                break
            self.advance(t)
            if rank == 1 or (rank == 2 and sub == 1):
                self.close(self.tr[idx], t)
            elif rank == 2:
                self.open(self.tr[idx], t)
            else:
                events_seen += 1
                if ev[1] == KIND_QUOTE:
                    self.on_quote(t, ev[2:6])
                else:
                    self.on_trade(t, ev[2], ev[3])
                self.trace[idx] = {
                    "disp": self.disp,
                    "remaining": [o.rem for o in self.tr],
                    "queue": [o.queue if (o.state == "placed" and o.code != CODE_CROSS) else math.nan for o in self.tr],
                    "limit": [float(o.price_t) if (o.state == "placed" and o.code != CODE_CROSS) else math.nan
                              for o in self.tr],
                }
        return self


def replay(events, tranches, tick=0.01, queue_model=QM_QUEUE, queue_frac=1.0, queue_power=2.0, refill_min=100.0,
           decay=DECAY_PAUSE, scale=0.0, perm=0.5, half_life_ns=math.inf):
    """Replay one run.

    events: list of ``(ts, kind, v0, v1, v2, v3)`` sorted by (ts, kind); tranches: list of dicts with keys
    ``start, end, side, qty, code, price, cap, max_part, policy, next_idx, order`` (sorted by start).
    Returns the :class:`Run` (``fills``, each tranche's ``out``, ``trace`` by event index).
    """
    objs = [Tranche(i, int(t["start"]), int(t["end"]), int(t["side"]), float(t["qty"]), int(t.get("code", 0)),
                    float(t.get("price", math.nan)), float(t.get("cap", math.nan)), float(t.get("max_part", math.nan)),
                    int(t.get("policy", POL_LEAVE)), int(t.get("next_idx", -1)), int(t.get("order", 0)))
            for i, t in enumerate(tranches)]
    return Run(events, objs, tick, queue_model, queue_frac, queue_power, refill_min, decay, scale, perm, half_life_ns).run()
