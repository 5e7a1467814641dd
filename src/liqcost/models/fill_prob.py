"""Fill probability of a resting limit order, estimated from the name's own ticks.

Virtual limit orders are placed through the history (every ``planner.fill_placement_interval_s`` seconds of
every session, on both sides, at each passive limit rule) and replayed through the trades and quotes by
:func:`liqcost.kernels.fills.virtual_fills`: a print through the limit executes against the order, a print
at the limit first consumes the queue ahead of it (``planner.fill_queue_ahead_frac`` of the displayed size).
From what the replay returns this module fits:

1. **Time to fill** of one virtual order of ``planner.fill_order_shares`` shares (default one round lot),
   censored at the session close and at the longest horizon (fill times rounded up to whole seconds): a
   Kaplan-Meier curve per limit rule, pooled
   and per time-of-day stratum (first hour, midday, last hour), with Greenwood standard errors; and a
   parametric proportional-hazards fit per rule (hazard piecewise constant between the horizons) with
   covariates log spread (ticks) and time of day.
2. **Size and adverse selection** per rule and window length (``planner.fill_horizons_minutes``): the
   *executable ratio* ``R`` = volume that traded through or at the limit beyond the queue (shares), divided
   by the market volume expected in the window (ADV of the fit days times the intraday profile). A tranche
   of ``q`` shares at participation ``p = q / V`` fills the fraction ``min(1, R / p)``; tabulated on a grid
   of ``p`` are the expected fill fraction given a fill, the probability that the tranche fills completely,
   the limit's price versus the mid for filled shares, the midpoint drift suffered by the unfilled shares
   (weighted by the unfilled fraction) and the mean and variance of the tranche's realized cost when the
   remainder is crossed at the window's end.

The planner combines them: expected fill fraction ``= P(fill by w | stratum) x E[min(1, R/p) | fill]`` and
probability of a complete fill ``= P(fill by w | stratum) x P(R >= p | fill)``, where *fill* is the event
timed by the survival curve (executable volume reaches one virtual order); executions smaller than one
virtual order are ignored (a slightly conservative choice).

Notes
-----
Kaplan & Meier (1958), "Nonparametric estimation from incomplete observations", JASA 53(282), eq. for the
product-limit estimator ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)``; variance by Greenwood (1926),
``Var S(t) = S(t)^2 sum_{t_j <= t} d_j / (n_j (n_j - d_j))``. Piecewise exponential proportional hazards
(Holford 1980; Friedman 1982, "Piecewise exponential models for survival data with covariates", Annals of
Statistics 10(1)): ``h(t | z) = exp(alpha_j + beta'z)`` on the j-th interval, fitted by maximum likelihood
with right censoring (a Weibull curve was tried first and rejected: one shape cannot follow both the quick
early fills and the plateau of days when the price runs away, and missed the Kaplan-Meier curve by up to
8 points on the sample). The queue-position convention follows the common
backtesting assumption that a joining order is behind the displayed size (Lo, MacKinlay & Zhang 2002,
"Econometric models of limit-order executions", JFE 65, study the same first-passage quantity).

Placements overlap in time and share each day's flow, so they are not independent: the Greenwood errors
understate the sampling error. ``FillModel.sample`` keeps the day of each observation for day-block
bootstraps.

Units: times in seconds (``_s``) or minutes (``_minutes``), prices currency per share, costs and drifts in bps
of the placement midpoint (positive = against the order), sizes in shares, ratios as fractions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from liqcost.errors import CalibrationError, ConvergenceWarning, FewObservationsWarning

__all__ = [
    "PASSIVE_RULES",
    "RULE_CODES",
    "STRATA",
    "FillModel",
    "FillSample",
    "HazardFit",
    "KaplanMeier",
    "fit_fill_model",
    "fit_hazard",
    "kaplan_meier",
    "session_bounds_ns",
    "tod_stratum",
]

NS = 1_000_000_000
RULE_CODES = {"join": 0, "improve_1": 1, "improve_2": 2, "improve_3": 3, "mid": -1}
PASSIVE_RULES = tuple(RULE_CODES)
STRATA = ("open", "midday", "close")
P_GRID = np.geomspace(1e-4, 20.0, 64)


# --------------------------------------------------------------------------------------- estimators


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier survival curve of the time to fill.

    Attributes
    ----------
    times_s : ndarray
        Distinct event (fill) times, seconds after placement, increasing.
    survival : ndarray
        ``S(t)`` just after each event time (probability of no fill yet).
    variance : ndarray
        Greenwood variance of ``S`` at each event time.
    n_obs, n_events : int
        Virtual orders and fills.
    max_time_s : float
        Longest observed duration; the curve is held flat beyond it.
    """

    times_s: np.ndarray
    survival: np.ndarray
    variance: np.ndarray
    n_obs: int
    n_events: int
    max_time_s: float

    def survival_at(self, t_s) -> np.ndarray:
        """``S(t)`` at times ``t_s`` (seconds); 1 before the first fill."""
        t = np.asarray(t_s, dtype=np.float64)
        i = np.searchsorted(self.times_s, t, side="right") - 1
        s = np.where(i >= 0, self.survival[np.maximum(i, 0)] if self.survival.size else 1.0, 1.0)
        return s

    def prob_fill(self, t_s) -> np.ndarray:
        """Probability of a fill within ``t_s`` seconds, ``1 - S(t)``."""
        return 1.0 - self.survival_at(t_s)

    def se(self, t_s) -> np.ndarray:
        """Greenwood standard error of ``S(t)`` (the same for ``1 - S``)."""
        t = np.asarray(t_s, dtype=np.float64)
        i = np.searchsorted(self.times_s, t, side="right") - 1
        v = np.where(i >= 0, self.variance[np.maximum(i, 0)] if self.variance.size else 0.0, 0.0)
        return np.sqrt(v)


def kaplan_meier(durations_s, events) -> KaplanMeier:
    """Product-limit estimate of the survival of the time to fill.

    Parameters
    ----------
    durations_s : array_like
        Time to fill (event) or to censoring, seconds, >= 0.
    events : array_like of bool
        True where the duration is a fill, False where it is censored.

    Returns
    -------
    KaplanMeier

    Notes
    -----
    Kaplan & Meier (1958), product-limit estimator; a censored time equal to an event time counts as at
    risk at that time. Greenwood (1926) variance.
    """
    d = np.asarray(durations_s, dtype=np.float64)
    e = np.asarray(events, dtype=bool)
    ok = np.isfinite(d)
    d, e = d[ok], e[ok]
    n = d.size
    if n == 0:
        return KaplanMeier(np.zeros(0), np.zeros(0), np.zeros(0), 0, 0, 0.0)
    ds = np.sort(d)
    te, de = np.unique(d[e], return_counts=True)
    at_risk = n - np.searchsorted(ds, te, side="left")
    frac = de / at_risk
    surv = np.cumprod(1.0 - frac)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > de, de / (at_risk * (at_risk - de)), 0.0)
    var = surv**2 * np.cumsum(terms)
    return KaplanMeier(te, surv, var, int(n), int(e.sum()), float(ds[-1]))


@dataclass(frozen=True)
class HazardFit:
    """A piecewise-constant proportional-hazards fit of the time to fill for one limit rule.

    The baseline hazard is constant between the knots ``knots_s`` (the horizons of the model, starting at
    0) and the covariates act multiplicatively:
    ``h(t | z) = exp(alpha_j + beta'z)`` for ``knots_s[j] <= t < knots_s[j+1]``, so
    ``S(t | z) = exp(-exp(beta'z) sum_j exp(alpha_j) exposure_j(t))``. Beyond the last knot the curve is
    held flat (no extrapolation past the longest window observed). ``log_spread_ticks`` is centred at
    ``spread_center_ticks``; ``tod_open`` and ``tod_close`` are 0/1 indicators against midday.

    Attributes
    ----------
    rule : str
    knots_s : ndarray
        Interval edges in seconds, from 0 to the longest horizon.
    log_hazard : ndarray
        ``alpha_j``, log fills per second at the baseline covariates (``-inf`` in an interval with no fill).
    covariates : tuple of str
    beta, se_beta : ndarray
        Covariate effects on the log hazard and their standard errors.
    se_log_hazard : ndarray
    loglik : float
    n_obs, n_events : int
    converged : bool
    message : str
    spread_center_ticks : float
    """

    rule: str
    knots_s: np.ndarray
    log_hazard: np.ndarray
    se_log_hazard: np.ndarray
    covariates: tuple[str, ...]
    beta: np.ndarray
    se_beta: np.ndarray
    loglik: float
    n_obs: int
    n_events: int
    converged: bool
    message: str
    spread_center_ticks: float = 1.0

    def design(self, spread_ticks=None, tod=None, n: int = 1) -> np.ndarray:
        """Covariate matrix for ``n`` evaluations (spread in ticks, tod stratum names)."""
        cols = []
        sp = np.broadcast_to(np.asarray(self.spread_center_ticks if spread_ticks is None else spread_ticks, float), (n,))
        td = np.broadcast_to(np.asarray("midday" if tod is None else tod, dtype=object), (n,))
        for name in self.covariates:
            if name == "log_spread_ticks":
                cols.append(np.log(np.maximum(sp, 1.0)) - math.log(self.spread_center_ticks))
            elif name == "tod_open":
                cols.append((td == "open").astype(float))
            elif name == "tod_close":
                cols.append((td == "close").astype(float))
        return np.column_stack(cols) if cols else np.zeros((n, 0))

    def cumulative_hazard(self, t_s) -> np.ndarray:
        """Baseline cumulative hazard at ``t_s`` seconds (flat beyond the last knot)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        expo = _exposure(t, self.knots_s)
        return expo @ np.exp(self.log_hazard)

    def prob_fill(self, t_s, spread_ticks=None, tod=None) -> np.ndarray:
        """Probability of a fill within ``t_s`` seconds at the given covariates."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        z = self.design(spread_ticks, tod, t.size)
        lp = z @ self.beta if z.shape[1] else np.zeros(t.size)
        return 1.0 - np.exp(-self.cumulative_hazard(t) * np.exp(lp))


def _exposure(t: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Time spent in each interval ``[knots[j], knots[j+1])`` by durations ``t`` [n, J]."""
    lo, hi = knots[:-1], knots[1:]
    return np.clip(np.minimum(t[:, None], hi[None, :]) - lo[None, :], 0.0, None)


def fit_hazard(durations_s, events, knots_s, z=None, names=(), rule: str = "", spread_center_ticks: float = 1.0,
               max_iter: int = 50) -> HazardFit:
    """Maximum-likelihood piecewise-constant proportional-hazards fit with right censoring.

    Parameters
    ----------
    durations_s : array_like
        Time to fill or censoring, seconds (>= 0).
    events : array_like of bool
        True for fills.
    knots_s : array_like
        Increasing interval edges in seconds starting at 0; durations beyond the last edge are censored there.
    z : ndarray, optional
        Covariates, one column per name in ``names``.

    Returns
    -------
    HazardFit
        A :class:`~liqcost.errors.ConvergenceWarning` is issued when Newton's method stops early.

    Raises
    ------
    CalibrationError
        With no fill at all.

    Notes
    -----
    The piecewise exponential model (Holford 1980, "The analysis of rates and of survivorship using
    log-linear models", Biometrics 36; Friedman 1982, Annals of Statistics 10(1)): with ``e_ij`` the time
    observation ``i`` spends in interval ``j`` and ``d_ij`` its fill indicator there, the log-likelihood
    ``sum_ij [d_ij (alpha_j + beta'z_i) - e_ij exp(alpha_j + beta'z_i)]`` is that of a Poisson regression
    and is concave; it is maximised by Newton's method with step halving. Intervals without a fill get a
    zero hazard (``alpha_j = -inf``) and are left out of the optimisation. Observations sharing a covariate
    pattern are summed first (exposure and fills are sufficient statistics), which is exact.
    """
    t = np.asarray(durations_s, dtype=np.float64)
    e = np.asarray(events, dtype=bool)
    knots = np.asarray(knots_s, dtype=np.float64)
    zz = np.zeros((t.size, 0)) if z is None else np.asarray(z, dtype=np.float64).reshape(t.size, -1)
    ok = np.isfinite(t) & (t >= 0)
    t, e, zz = t[ok], e[ok], zz[ok]
    e = e & (t < knots[-1])  # a fill after the last knot is censored there
    if e.sum() == 0:
        raise CalibrationError(f"fill model ({rule or 'rule'}): no virtual order filled; the hazard is not identified.")
    expo = _exposure(t, knots)  # [n, J]
    j_of = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, knots.size - 2)
    J = knots.size - 1
    d = np.zeros((t.size, J))
    d[np.flatnonzero(e), j_of[e]] = 1.0
    n_obs = int(t.size)
    # the likelihood depends on the data only through exposure and fills per covariate pattern and interval:
    # collapse identical covariate rows (exact; the spread in ticks and the time of day take few values)
    if zz.shape[1] and zz.shape[0]:
        pattern, inv = np.unique(zz, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        if pattern.shape[0] < zz.shape[0]:
            ex_g = np.zeros((pattern.shape[0], J))
            d_g = np.zeros((pattern.shape[0], J))
            np.add.at(ex_g, inv, expo)
            np.add.at(d_g, inv, d)
            expo, d, zz = ex_g, d_g, pattern
    elif zz.shape[0]:
        expo, d = expo.sum(axis=0, keepdims=True), d.sum(axis=0, keepdims=True)
        zz = np.zeros((1, 0))
    n_rows = expo.shape[0]
    events_j = d.sum(axis=0)
    act = np.flatnonzero(events_j > 0)
    expo_a, d_a = expo[:, act], d[:, act]
    p = zz.shape[1]
    alpha = np.log(events_j[act] / np.maximum(expo_a.sum(axis=0), 1e-300))
    beta = np.zeros(p)

    def loglik(al, be):
        lin = zz @ be if p else np.zeros(n_rows)
        mu = expo_a * np.exp(al[None, :] + lin[:, None])
        return float((d_a * (al[None, :] + lin[:, None])).sum() - mu.sum())

    ll = loglik(alpha, beta)
    converged, message = False, "iteration limit reached"
    for _ in range(max_iter):
        lin = zz @ beta if p else np.zeros(n_rows)
        mu = expo_a * np.exp(alpha[None, :] + lin[:, None])  # [rows, A]
        g_a = d_a.sum(axis=0) - mu.sum(axis=0)
        m_i = mu.sum(axis=1)
        g_b = zz.T @ (d_a.sum(axis=1) - m_i) if p else np.zeros(0)
        # negative Hessian (information)
        k = act.size
        info = np.zeros((k + p, k + p))
        info[np.arange(k), np.arange(k)] = mu.sum(axis=0)
        if p:
            cross = zz.T @ mu  # [p, A]
            info[k:, :k] = cross
            info[:k, k:] = cross.T
            info[k:, k:] = (zz * m_i[:, None]).T @ zz
        grad = np.concatenate([g_a, g_b])
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            message = "singular information matrix"
            break
        scale = 1.0
        for _half in range(30):
            na, nb = alpha + scale * step[:k], beta + scale * step[k:]
            nll = loglik(na, nb)
            if nll >= ll - 1e-10:
                break
            scale *= 0.5
        alpha, beta = na, nb
        gain = nll - ll
        ll = nll
        if abs(gain) < 1e-9 * max(1.0, abs(ll)) and np.max(np.abs(grad)) < 1e-6 * max(1.0, e.sum()):
            converged, message = True, "converged"
            break
        if np.max(np.abs(scale * step)) < 1e-10:
            converged, message = True, "converged (step below tolerance)"
            break
    try:
        cov = np.linalg.inv(info)
        se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    except np.linalg.LinAlgError:
        se = np.full(act.size + p, np.nan)
    log_h = np.full(J, -np.inf)
    log_h[act] = alpha
    se_h = np.full(J, np.nan)
    se_h[act] = se[: act.size]
    if not converged:
        warnings.warn(
            f"fill model ({rule}): the hazard fit did not converge ({message}); use the Kaplan-Meier curves "
            "(planner.fill_method: km).",
            ConvergenceWarning,
            stacklevel=2,
        )
    return HazardFit(rule, knots, log_h, se_h, tuple(names), beta, se[act.size:], ll, n_obs, int(e.sum()),
                     converged, message, float(spread_center_ticks))


# ------------------------------------------------------------------------------------ session helpers


def session_bounds_ns(days, session) -> tuple[np.ndarray, np.ndarray]:
    """Session open and close (int64 ns UTC) of each exchange-local date (see :func:`liqcost.calendar.session_bounds_ns`)."""
    from liqcost.calendar import session_bounds_ns as bounds

    return bounds(days, session)


def tod_stratum(minutes_after_open, minutes_before_close, edge_minutes) -> np.ndarray:
    """Time-of-day stratum names: ``open`` (first ``edge_minutes``), ``close`` (last ``edge_minutes``), ``midday``."""
    a = np.asarray(minutes_after_open, dtype=np.float64)
    b = np.asarray(minutes_before_close, dtype=np.float64)
    out = np.full(a.shape, "midday", dtype=object)
    out[b <= edge_minutes] = "close"
    out[a < edge_minutes] = "open"
    return out


# ----------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class FillSample:
    """The virtual orders behind a fit (one row per placement and rule), for diagnostics and bootstraps.

    Arrays have one entry per placement (``day``, ``side``, ``tod``, ``minutes_after_open``,
    ``spread_ticks``, ``expected_volume_shares[:, h]``) or per placement and rule (``duration_s``,
    ``event``, ``executable_shares[:, r, h]``, ``drift_bps[:, h]``, ``limit_vs_mid_bps[:, r]``).
    """

    day: np.ndarray
    side: np.ndarray
    tod: np.ndarray
    minutes_after_open: np.ndarray
    spread_ticks: np.ndarray
    half_spread_bps: np.ndarray
    duration_s: np.ndarray
    event: np.ndarray
    executable_shares: np.ndarray
    expected_volume_shares: np.ndarray
    drift_bps: np.ndarray
    limit_vs_mid_bps: np.ndarray


@dataclass(frozen=True)
class FillModel:
    """Fitted fill-probability model of one symbol (see the module docstring).

    Attributes
    ----------
    symbol : str
    rules : tuple of str
        Passive limit rules fitted (``cross`` needs no model: it fills at once at the far side).
    horizons_s : ndarray
        Window lengths of the size/drift tables, seconds.
    km : dict
        ``(rule, stratum) -> KaplanMeier`` with stratum ``"all"`` or one of :data:`STRATA`.
    hazard : dict
        ``rule -> HazardFit`` (absent for rules with no fill), fitted on first use.
    p_grid : ndarray
        Participation grid of the tables.
    any_fill_emp : ndarray [rule, horizon]
        Share of window-complete placements that filled one virtual order by the horizon.
    cond_fill_frac : ndarray [rule, horizon, p]
        ``E[min(1, R/p) | fill]``.
    full_fill_prob : ndarray [rule, horizon, p]
        ``P(R >= p | fill)``: a tranche at participation ``p`` fills completely, given that one virtual order
        fills.
    fill_cost_bps : ndarray [rule, horizon, p]
        Limit versus placement mid for the filled shares (negative: earned), fill-weighted.
    drift_unfilled_bps : ndarray [rule, horizon, p]
        Midpoint drift against the order by the window's end, weighted by the unfilled fraction.
    cost_mean_bps, cost_sd_bps : ndarray [rule, horizon, p]
        Mean and standard deviation of a tranche's realized cost when the unfilled part is crossed at
        the window's end (half-spread at placement).
    half_spread_bps : float
        Median half-spread at the placements.
    spread_ticks_median : float
    tick_px, order_shares, queue_ahead_frac : float
        The replay's assumptions.
    n_days, n_placements : int
    fill_min_obs : int
        Smallest stratum used by :meth:`prob_fill` (else the pooled curve).
    sample : FillSample
    """

    symbol: str
    rules: tuple[str, ...]
    horizons_s: np.ndarray
    km: dict
    p_grid: np.ndarray
    any_fill_emp: np.ndarray
    cond_fill_frac: np.ndarray
    full_fill_prob: np.ndarray
    fill_cost_bps: np.ndarray
    drift_unfilled_bps: np.ndarray
    cost_mean_bps: np.ndarray
    cost_sd_bps: np.ndarray
    half_spread_bps: float
    spread_ticks_median: float
    tick_px: float
    order_shares: float
    queue_ahead_frac: float
    n_days: int
    n_placements: int
    first_date: dt.date | None
    last_date: dt.date | None
    fill_min_obs: int = 200
    sample: FillSample | None = field(default=None, repr=False, compare=False)

    @cached_property
    def hazard(self) -> dict:
        """``rule -> HazardFit``: piecewise-constant hazards on the horizons with covariates log spread (ticks)
        and time of day (fitted on first use; rules without a fill are absent)."""
        if self.sample is None:
            return {}
        smp = self.sample
        sp = np.maximum(smp.spread_ticks, 1.0)
        center = float(np.median(sp))
        z_cols, names = [], []
        if np.ptp(np.log(sp)) > 0:
            z_cols.append(np.log(sp) - math.log(center))
            names.append("log_spread_ticks")
        for s, nm in (("open", "tod_open"), ("close", "tod_close")):
            ind = (smp.tod == s).astype(float)
            if 10 <= ind.sum() <= ind.size - 10:
                z_cols.append(ind)
                names.append(nm)
        z = np.column_stack(z_cols) if z_cols else None
        knots = np.concatenate([[0.0], self.horizons_s])
        out = {}
        for r, rule in enumerate(self.rules):
            ev = smp.event[:, r] & (smp.duration_s[:, r] < knots[-1])
            if ev.any():
                out[rule] = fit_hazard(smp.duration_s[:, r], ev, knots, z, tuple(names), rule, center)
        return out

    # ------------------------------------------------------------------------------------ queries
    def _rule_index(self, rule: str) -> int:
        try:
            return self.rules.index(rule)
        except ValueError:
            raise KeyError(f"fill model of {self.symbol} has no rule {rule!r}; fitted rules: {', '.join(self.rules)}") from None

    def prob_fill(self, rule: str, window_s, tod=None, spread_ticks=None, method: str = "km") -> np.ndarray:
        """Probability that one virtual order fills within ``window_s`` seconds.

        Parameters
        ----------
        rule : str
            A fitted rule, or ``"cross"`` (always 1).
        window_s : float or array
            Window length(s), seconds.
        tod : str or array of str, optional
            Time-of-day stratum of the window start (``open``, ``midday``, ``close``); the pooled curve when
            None or when the stratum has fewer than ``fill_min_obs`` observations (``km``).
        spread_ticks : float or array, optional
            Spread at placement (``hazard`` only; default the median).
        method : ``"km"`` or ``"hazard"``
        """
        w = np.atleast_1d(np.asarray(window_s, dtype=np.float64))
        if rule == "cross":
            return np.ones(w.size)
        self._rule_index(rule)
        if method == "hazard":
            fit = self.hazard.get(rule)
            if fit is None:
                return np.zeros(w.size)
            return fit.prob_fill(w, spread_ticks, tod)
        pooled = self.km[(rule, "all")]
        if tod is None:
            return pooled.prob_fill(w)
        tods = np.broadcast_to(np.asarray(tod, dtype=object), w.shape)
        out = pooled.prob_fill(w)
        for s in STRATA:
            curve = self.km.get((rule, s))
            if curve is None or curve.n_obs < self.fill_min_obs:
                continue
            m = tods == s
            if m.any():
                out[m] = curve.prob_fill(w[m])
        return out

    @cached_property
    def _stacked(self) -> np.ndarray:
        """[rule, 5, horizon, p]: the five size/drift tables side by side."""
        return np.stack([self.cond_fill_frac, self.full_fill_prob, self.fill_cost_bps, self.drift_unfilled_bps,
                         self.cost_sd_bps], axis=1)

    @cached_property
    def _log_horizons(self) -> np.ndarray:
        return np.log(self.horizons_s)

    def tranche_rows(self, rule: str, window_s) -> np.ndarray:
        """The size/drift tables of ``rule`` at each window length, interpolated in log horizon (clamped).

        Returns
        -------
        ndarray [5, K, P]
            For each of ``K`` windows, on :attr:`p_grid`: conditional fill fraction, complete-fill
            probability given a fill, fill cost (bps), unfilled drift (bps), cost standard deviation (bps).
        """
        r = self._rule_index(rule)
        w = np.atleast_1d(np.asarray(window_s, dtype=np.float64))
        lh = self._log_horizons
        lw = np.minimum(np.maximum(np.log(np.maximum(w, 1e-9)), lh[0]), lh[-1])
        stack = self._stacked[r]  # [5, H, P]
        if lh.size == 1:
            return np.repeat(stack[:, :1, :], w.size, axis=1)
        ih = np.minimum(np.maximum(np.searchsorted(lh, lw, side="right") - 1, 0), lh.size - 2)
        fh = ((lw - lh[ih]) / (lh[ih + 1] - lh[ih]))[None, :, None]
        return stack[:, ih, :] * (1 - fh) + stack[:, ih + 1, :] * fh

    def eval_rows(self, rows: np.ndarray, participation) -> np.ndarray:
        """Rows from :meth:`tranche_rows` at each window's participation (interpolated in log p, clamped) [5, K]."""
        lpg = np.log(self.p_grid)
        p = np.broadcast_to(np.asarray(participation, dtype=np.float64), (rows.shape[1],))
        lp = np.minimum(np.maximum(np.log(np.maximum(p, 1e-12)), lpg[0]), lpg[-1])
        ip = np.minimum(np.maximum(np.searchsorted(lpg, lp, side="right") - 1, 0), lpg.size - 2)
        fp = (lp - lpg[ip]) / (lpg[ip + 1] - lpg[ip])
        k = np.arange(rows.shape[1])
        return rows[:, k, ip] * (1 - fp) + rows[:, k, ip + 1] * fp

    def tranche_stats(self, rule: str, window_s, participation, tod=None, spread_ticks=None, method: str = "km") -> dict:
        """Expected outcome of tranches worked passively at ``rule`` (vectorized over tranches).

        Parameters
        ----------
        rule : str
            A fitted passive rule.
        window_s : array
            Window lengths, seconds.
        participation : array
            Tranche size over the market volume expected in its window (fraction).
        tod, spread_ticks, method
            As in :meth:`prob_fill`.

        Returns
        -------
        dict of ndarray
            ``fill_frac`` (expected filled fraction), ``full_fill_prob`` (probability the whole tranche
            fills), ``any_fill_prob`` (one virtual order fills), ``fill_cost_bps`` (limit vs mid for filled
            shares), ``drift_unfilled_bps`` (drift against the order suffered by the unfilled shares),
            ``cost_sd_bps`` (standard deviation of the realized cost per share).

        Notes
        -----
        The tables are interpolated linearly in log window length between the horizons and in log
        participation on the grid, and clamped at both ends (a window longer than the longest horizon
        uses the longest horizon's values: conservative).
        """
        w = np.atleast_1d(np.asarray(window_s, dtype=np.float64))
        any_p = self.prob_fill(rule, w, tod, spread_ticks, method)
        v = self.eval_rows(self.tranche_rows(rule, w), participation)
        return {
            "fill_frac": np.clip(any_p * v[0], 0.0, 1.0),
            "full_fill_prob": np.clip(any_p * v[1], 0.0, 1.0),
            "any_fill_prob": any_p,
            "fill_cost_bps": v[2],
            "drift_unfilled_bps": v[3],
            "cost_sd_bps": v[4],
        }

    # ------------------------------------------------------------------------------------ reports
    def table(self, windows_minutes=None):
        """Fill probability by rule, stratum and window (polars DataFrame).

        Columns: ``symbol, rule, stratum, window_minutes, fill_prob_frac`` (Kaplan-Meier), ``fill_prob_se``
        (Greenwood), ``fill_prob_hazard_frac`` (piecewise hazard at the median spread, the stratum's time of day),
        ``n_obs, n_fills, exec_ratio_median_frac`` (executable volume over expected volume, window-complete
        placements), ``drift_unfilled_bps`` (no fill at all), ``limit_vs_mid_bps`` (mean).
        """
        import polars as pl

        wins = np.asarray(self.horizons_s / 60.0 if windows_minutes is None else windows_minutes, dtype=np.float64)
        rows = []
        for r, rule in enumerate(self.rules):
            for stratum in ("all",) + STRATA:
                curve = self.km.get((rule, stratum))
                if curve is None or curve.n_obs == 0:
                    continue
                hz = self.hazard.get(rule)
                if hz is None:
                    pw = np.full(wins.size, np.nan)
                elif stratum == "all":  # average over the placements' own covariates
                    z = hz.design(self.sample.spread_ticks, self.sample.tod, self.sample.day.size)
                    mult = np.exp(z @ hz.beta) if z.shape[1] else np.ones(self.sample.day.size)
                    pw = np.array([float(np.mean(1 - np.exp(-hz.cumulative_hazard(w * 60)[0] * mult))) for w in wins])
                else:
                    pw = hz.prob_fill(wins * 60, None, stratum)
                for j, wmin in enumerate(wins):
                    h = int(np.argmin(np.abs(self.horizons_s - wmin * 60)))
                    rows.append({
                        "symbol": self.symbol, "rule": rule, "stratum": stratum, "window_minutes": float(wmin),
                        "fill_prob_frac": float(curve.prob_fill(wmin * 60)[()]), "fill_prob_se": float(curve.se(wmin * 60)[()]),
                        "fill_prob_hazard_frac": float(pw[j]), "n_obs": curve.n_obs, "n_fills": curve.n_events,
                        "exec_ratio_median_frac": float(self._median_ratio(r, h)) if stratum == "all" else None,
                        "drift_unfilled_bps": float(self.drift_unfilled_bps[r, h, 0]) if stratum == "all" else None,
                        "limit_vs_mid_bps": float(np.nanmean(self.sample.limit_vs_mid_bps[:, r])) if self.sample is not None and stratum == "all" else None,
                    })
        return pl.DataFrame(rows, infer_schema_length=None)

    def _median_ratio(self, r: int, h: int) -> float:
        if self.sample is None:
            return float("nan")
        ex = self.sample.executable_shares[:, r, h]
        v = self.sample.expected_volume_shares[:, h]
        ok = np.isfinite(ex) & (v > 0)
        return float(np.median(ex[ok] / v[ok])) if ok.any() else float("nan")

    def summary(self) -> str:
        """A plain-text report: data, assumptions, fill probabilities by rule and window, hazard fits."""
        lines = [
            f"Fill-probability model: {self.symbol}",
            "=" * 72,
            (f"Days: {self.n_days} ({self.first_date} .. {self.last_date})   virtual orders: {self.n_placements} "
             f"placements x {len(self.rules)} rules"),
            (f"Order size: {self.order_shares:g} shares   queue ahead when joining: {self.queue_ahead_frac:.0%} of "
             f"displayed   tick: {self.tick_px:g}"),
            f"Median spread: {self.spread_ticks_median:g} ticks   median half-spread: {self.half_spread_bps:.1f} bps",
            "",
            "P(fill within window), Kaplan-Meier (Greenwood s.e.), all times of day:",
        ]
        wins = self.horizons_s / 60.0
        head = "rule".ljust(11) + "".join(f"{w:>11.0f}m" for w in wins)
        lines.append(head)
        for rule in self.rules:
            c = self.km[(rule, "all")]
            cells = "".join(f"{float(c.prob_fill(w * 60)[()]):>7.3f}({float(c.se(w * 60)[()]):.3f})"[-12:].rjust(12) for w in wins)
            lines.append(rule.ljust(11) + cells)
        lines.append("cross".ljust(11) + "".join(f"{1.0:>12.3f}" for _ in wins))
        lines += ["", "Piecewise-constant proportional hazards (s.e.): fills per hour at baseline by window, then covariates"]
        knots = np.concatenate([[0.0], self.horizons_s]) / 60.0
        lines.append("rule".ljust(11) + "".join(f"{f'{a:g}-{b:g}m':>12}" for a, b in itertools.pairwise(knots)))
        for rule in self.rules:
            fit = self.hazard.get(rule)
            if fit is None:
                lines.append(f"{rule.ljust(11)}no fill, not fitted")
                continue
            lines.append(rule.ljust(11) + "".join(f"{math.exp(a) * 3600:>12.3g}" for a in fit.log_hazard))
            parts = [f"{n} {b:+.3f} ({s:.3f})" for n, b, s in zip(fit.covariates, fit.beta, fit.se_beta)]
            flag = "" if fit.converged else "  [NOT CONVERGED: " + fit.message + "]"
            lines.append(" " * 11 + (", ".join(parts) or "no covariate") + f"; n={fit.n_obs}, fills={fit.n_events}, "
                         f"loglik={fit.loglik:.1f}{flag}")
        lines += ["", "Observations overlap within a day: the Greenwood errors understate sampling error (bootstrap days)."]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------- fitting


def _tables(sample: FillSample, n_rules: int, p_grid: np.ndarray, order_shares: float):
    """Size and drift tables on the participation grid (see :class:`FillModel`).

    With the ratios ``R`` sorted and ``k(p)`` the number below ``p``, every sum over samples of
    ``m_i x_i`` (``m_i = min(1, R_i / p)``) is ``(X - C0[k]) + C1[k] / p`` and of ``m_i^2 x_i`` is
    ``(X - C0[k]) + C2[k] / p^2``, with ``C0, C1, C2`` the running sums of ``x, R x, R^2 x``: one sort and
    three running sums per rule and horizon give the whole grid.
    """
    n_h = sample.expected_volume_shares.shape[1]
    n_g = p_grid.size
    any_emp = np.zeros((n_rules, n_h))
    cond = np.zeros((n_rules, n_h, n_g))
    full = np.zeros((n_rules, n_h, n_g))
    fcost = np.zeros((n_rules, n_h, n_g))
    drift = np.zeros((n_rules, n_h, n_g))
    cmean = np.zeros((n_rules, n_h, n_g))
    csd = np.zeros((n_rules, n_h, n_g))
    hs = sample.half_spread_bps
    for r in range(n_rules):
        cf_all = sample.limit_vs_mid_bps[:, r]
        for h in range(n_h):
            ex = sample.executable_shares[:, r, h]
            v = sample.expected_volume_shares[:, h]
            d = sample.drift_bps[:, h]
            ok = np.isfinite(ex) & np.isfinite(d) & np.isfinite(cf_all) & (v > 0)
            n = int(ok.sum())
            if n == 0:
                continue
            ratio = ex[ok] / v[ok]
            order = np.argsort(ratio, kind="stable")
            R = ratio[order]
            ev = (ex[ok][order] >= order_shares).astype(float)
            cf, dd, hh = cf_all[ok][order], d[ok][order], hs[ok][order]
            a = dd + hh  # cost of an unfilled share crossed at the window's end
            b = cf - a
            # columns: 1, fill event, limit vs mid, drift, b, a*b, b^2
            W = np.column_stack([np.ones(n), ev, cf, dd, b, a * b, b * b])
            zero = np.zeros((1, W.shape[1]))
            c0 = np.concatenate([zero, np.cumsum(W, axis=0)])
            c1 = np.concatenate([zero, np.cumsum(W * R[:, None], axis=0)])
            k = np.searchsorted(R, p_grid, side="left")  # samples with R < p
            tot = c0[-1]
            m = (tot[None, :] - c0[k]) + c1[k] / p_grid[:, None]  # sum m_i x_i  [p, col]
            c2_b2 = np.concatenate([[0.0], np.cumsum(R * R * W[:, 6])])
            m2b2 = (tot[6] - c0[k, 6]) + c2_b2[k] / p_grid**2
            n_ev = tot[1]
            any_emp[r, h] = n_ev / n
            if n_ev > 0:
                cond[r, h] = m[:, 1] / n_ev
                # P(R >= p and fill) / P(fill): the tranche fills completely, given a fill
                full[r, h] = (n_ev - c0[k, 1]) / n_ev
            m1 = m[:, 0]
            fcost[r, h] = np.where(m1 > 0, m[:, 2] / np.maximum(m1, 1e-300), cf.mean())
            un = n - m1
            drift[r, h] = np.where(un > 1e-12, (tot[3] - m[:, 3]) / np.maximum(un, 1e-300), dd.mean())
            mean_c = (a.sum() + m[:, 4]) / n
            second = (np.sum(a * a) + 2 * m[:, 5] + m2b2) / n
            cmean[r, h] = mean_c
            csd[r, h] = np.sqrt(np.maximum(second - mean_c**2, 0.0))
    return any_emp, cond, full, fcost, drift, cmean, csd


def fit_fill_model(trades, quotes, config, *, symbol: str | None = None, rules=None) -> FillModel:
    """Fit the fill-probability model of one symbol from its trades and quotes.

    Parameters
    ----------
    trades, quotes : polars.DataFrame
        Canonical frames (:data:`liqcost.schema.TRADES`, :data:`liqcost.schema.QUOTES`) of one symbol (or
        several, with ``symbol`` naming one), any number of days; sorted or not.
    config : liqcost.config.Config
        ``session`` (days and hours), ``planner.fill_*`` (placement grid, horizons, queue, order size,
        strata), ``planner.round_lot_shares`` and the tick rule (``planner.tick_px`` ...).
    symbol : str, optional
        The symbol to fit when the frames hold several.
    rules : sequence of str, optional
        Passive rules to fit (default: the passive rules of ``planner.limit_rules``, at least ``join``).

    Returns
    -------
    FillModel

    Raises
    ------
    CalibrationError
        When no placement has a prevailing quote (no quotes in the sessions) or nothing can be fitted.
    """
    import polars as pl

    from liqcost.kernels.fills import STATUS_OK, virtual_fills

    pc = config.planner
    for name, frame in (("trades", trades), ("quotes", quotes)):
        if symbol is not None and "symbol" in frame.columns:
            continue
        if "symbol" in frame.columns and frame.height and frame["symbol"].n_unique() > 1:
            raise CalibrationError(f"fill model: the {name} frame holds several symbols; name one with symbol=.")
    if symbol is not None:
        trades = trades.filter(pl.col("symbol") == symbol)
        quotes = quotes.filter(pl.col("symbol") == symbol)
    else:
        for frame in (trades, quotes):
            if "symbol" in frame.columns and frame.height:
                symbol = frame["symbol"][0]
                break
    symbol = symbol or "?"
    if rules is None:
        rules = [r for r in pc.limit_rules if r in RULE_CODES] or ["join"]
    rules = tuple(dict.fromkeys(rules))
    unknown = [r for r in rules if r not in RULE_CODES]
    if unknown:
        raise CalibrationError(f"fill model: unknown passive rule(s) {unknown}; known: {', '.join(RULE_CODES)}.")

    quotes = quotes.filter((pl.col("bid") > 0) & (pl.col("ask") >= pl.col("bid"))).sort("ts")
    trades = trades.filter((pl.col("price") > 0) & (pl.col("size") > 0)).sort("ts")
    if quotes.height == 0:
        raise CalibrationError(f"fill model ({symbol}): no usable quotes; the virtual orders need a prevailing quote.")
    tz = config.session.timezone
    q_ts = quotes["ts"].dt.epoch("ns").to_numpy().astype(np.int64)
    days = sorted(set(quotes["ts"].dt.convert_time_zone(tz).dt.date().unique().to_list())
                  | set(trades["ts"].dt.convert_time_zone(tz).dt.date().unique().to_list() if trades.height else []))
    days = [d for d in days if d.weekday() in config.session.trading_days]
    opens, closes = session_bounds_ns(days, config.session)
    step = round(pc.fill_placement_interval_s * NS)
    per_day = [np.arange(o + step, c, step, dtype=np.int64) for o, c in zip(opens, closes)]
    counts = np.array([x.size for x in per_day])
    if counts.sum() == 0:
        raise CalibrationError(f"fill model ({symbol}): no placement fits in the sessions; lower planner.fill_placement_interval_s.")
    t0 = np.concatenate(per_day)
    day_idx = np.repeat(np.arange(len(days)), counts)
    # both sides at every time
    place_ts = np.concatenate([t0, t0])
    place_side = np.concatenate([np.ones(t0.size, np.int8), -np.ones(t0.size, np.int8)])
    place_day = np.concatenate([day_idx, day_idx])
    censor = closes[place_day]
    open_of = opens[place_day]

    t_ts = trades["ts"].dt.epoch("ns").to_numpy().astype(np.int64) if trades.height else np.zeros(0, np.int64)
    t_px = np.ascontiguousarray(trades["price"].to_numpy().astype(np.float64)) if trades.height else np.zeros(0)
    t_sz = np.ascontiguousarray(trades["size"].to_numpy().astype(np.float64)) if trades.height else np.zeros(0)
    bid = np.ascontiguousarray(quotes["bid"].to_numpy().astype(np.float64))
    ask = np.ascontiguousarray(quotes["ask"].to_numpy().astype(np.float64))
    bsz = np.ascontiguousarray(quotes["bid_size"].to_numpy().astype(np.float64))
    asz = np.ascontiguousarray(quotes["ask_size"].to_numpy().astype(np.float64))
    mid_px = float(np.median(0.5 * (bid + ask)))
    tick = pc.subdollar_tick_px if mid_px < pc.subdollar_below_px else pc.tick_px
    order_shares = float(pc.fill_order_shares or pc.round_lot_shares)
    horizons_s = np.asarray(pc.fill_horizons_minutes, dtype=np.float64) * 60.0
    h_ns = np.round(horizons_s * NS).astype(np.int64)
    codes = np.array([RULE_CODES[r] for r in rules], dtype=np.int64)

    n_p, n_c, n_h = place_ts.size, codes.size, h_ns.size
    lim = np.empty((n_p, n_c))
    spr = np.empty(n_p)
    fill = np.empty((n_p, n_c), dtype=np.int64)
    ex = np.empty((n_p, n_c, n_h))
    drift = np.empty((n_p, n_h))
    status = virtual_fills(t_ts, t_px, t_sz, np.ascontiguousarray(q_ts), bid, ask, bsz, asz, place_ts, place_side, censor,
                           codes, h_ns, float(tick), float(pc.fill_queue_ahead_frac), order_shares, lim, spr, fill, ex, drift)
    if status != STATUS_OK:  # pragma: no cover - inputs are sorted and shaped above
        raise CalibrationError(f"fill model ({symbol}): the fill replay failed with status {status}.")

    has_quote = np.isfinite(spr)
    if not has_quote.any():
        raise CalibrationError(f"fill model ({symbol}): no quote prevails at any placement; check the quotes' dates.")
    keep = has_quote
    # placement quote (for the limit versus mid and the half-spread)
    qi = np.searchsorted(q_ts, place_ts, side="right") - 1
    qi = np.maximum(qi, 0)
    mid0 = 0.5 * (bid[qi] + ask[qi])
    half_bps = (ask[qi] - bid[qi]) / 2 / mid0 * 1e4
    lvm = place_side[:, None] * (lim - mid0[:, None]) / mid0[:, None] * 1e4

    # expected market volume in each placement's window: ADV of the fit days x intraday profile
    bin_ns = 60 * NS
    n_bins = math.ceil(config.session.close_minutes - config.session.open_minutes)
    vol_bins = np.zeros(n_bins)
    if t_ts.size:
        d_of_trade = np.searchsorted(opens, t_ts, side="right") - 1
        valid = d_of_trade >= 0
        valid &= t_ts < closes[np.maximum(d_of_trade, 0)]
        valid &= t_ts >= opens[np.maximum(d_of_trade, 0)]
        b = ((t_ts[valid] - opens[d_of_trade[valid]]) // bin_ns).astype(np.int64)
        np.add.at(vol_bins, np.clip(b, 0, n_bins - 1), t_sz[valid])
    adv = vol_bins.sum() / max(len(days), 1)
    cum = np.concatenate([[0.0], np.cumsum(vol_bins)]) / max(vol_bins.sum(), 1e-300)
    m0 = (place_ts - open_of) / (60.0 * NS)
    edges = np.arange(n_bins + 1, dtype=np.float64)
    c0 = np.interp(m0, edges, cum)
    v_exp = np.empty((n_p, n_h))
    for h in range(n_h):
        c1 = np.interp(m0 + horizons_s[h] / 60.0, edges, cum)
        v_exp[:, h] = adv * (c1 - c0)

    end = np.minimum(censor, place_ts + h_ns[-1])
    # fill times rounded up to whole seconds (ties merge: the curves stay small; never overstates a fill)
    dur = np.where(fill >= 0, np.ceil(fill / NS), ((end - place_ts) / NS)[:, None])
    event = fill >= 0
    minutes_before_close = (censor - place_ts) / (60.0 * NS)
    tod = tod_stratum(m0, minutes_before_close, pc.fill_tod_edge_minutes)

    sample = FillSample(
        day=place_day[keep], side=place_side[keep], tod=tod[keep], minutes_after_open=m0[keep], spread_ticks=spr[keep],
        half_spread_bps=half_bps[keep], duration_s=dur[keep], event=event[keep], executable_shares=ex[keep],
        expected_volume_shares=v_exp[keep], drift_bps=drift[keep], limit_vs_mid_bps=lvm[keep],
    )
    km = {}
    for r, rule in enumerate(rules):
        km[(rule, "all")] = kaplan_meier(sample.duration_s[:, r], sample.event[:, r])
        for s in STRATA:
            m = sample.tod == s
            km[(rule, s)] = kaplan_meier(sample.duration_s[m, r], sample.event[m, r])
    n_fills = int(sample.event.sum())
    if n_fills < 30:
        warnings.warn(
            f"fill model ({symbol}): only {n_fills} virtual fills over {len(days)} days; the fill probabilities are "
            "indicative (widen planner.fill_lookback_days).",
            FewObservationsWarning,
            stacklevel=2,
        )
    tables = _tables(sample, len(rules), P_GRID, order_shares)
    return FillModel(
        symbol=str(symbol), rules=rules, horizons_s=horizons_s, km=km, p_grid=P_GRID.copy(),
        any_fill_emp=tables[0], cond_fill_frac=tables[1], full_fill_prob=tables[2], fill_cost_bps=tables[3],
        drift_unfilled_bps=tables[4], cost_mean_bps=tables[5], cost_sd_bps=tables[6],
        half_spread_bps=float(np.median(sample.half_spread_bps)), spread_ticks_median=float(np.median(sample.spread_ticks)),
        tick_px=float(tick), order_shares=order_shares, queue_ahead_frac=float(pc.fill_queue_ahead_frac),
        n_days=len(days), n_placements=int(keep.sum()), first_date=days[0] if days else None,
        last_date=days[-1] if days else None, fill_min_obs=int(pc.fill_min_obs), sample=sample,
    )
