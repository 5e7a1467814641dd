"""Calibration of the impact models from your own orders, with ``scipy.optimize.least_squares``.

Input: one row per order with its realized cost and the liquidity profile it was priced with, as of the
day before it (the ``orders`` table of :func:`liqcost.tca.model_vs_realized`, built from
:func:`liqcost.tca.pretrade_estimates`: no look-ahead). Output: a frozen :class:`CalibrationResult` with every
fitted parameter, its standard error and unit, the fit diagnostics, Y by size bucket, an out-of-sample check,
and a parameter file in the format of ``configs/impact_params.yaml`` that ``impact.params_file`` reads.

What is fitted (``calibration.target``)
---------------------------------------
``impact`` (default): each order's ``impact_cost_bps``, its arrival cost less the half-spread its fills paid
against their prevailing mids (measured, so the spread estimate's error stays out of the fit), against the
models' impact terms. ``cost``: the whole ``arrival_cost_bps`` against the models' cost (the profile's
half-spread ``half_spread_bps`` plus the impact). With ``x = Q / ADV`` (filled shares over the profile's ADV),
``sigma`` the profile's daily volatility, ``p = Q / (ADV T)`` the trading rate over the realized duration
``T`` (days), all in bps:

* ``sqrt``: ``Y sigma sqrt(x)`` (Toth et al. 2011, PRX 1 021006, eq. 1; the generator's and the pre-trade
  check's cost convention);
* ``power``: ``Y sigma x^delta``, the same with a free exponent: a check of the square root (not written to
  the parameter file, whose square-root model has no exponent);
* ``crossover``: ``Y sigma x / sqrt(x + q_c)`` with ``q_c`` held (Bucci et al. 2019);
* ``log``: ``a sigma ln(1 + b x)`` with ``b`` held (Zarinelli et al. 2015, eq. 5);
* ``istar``: ``(b1 POV^a4 + 1 - b1) a1 x^a2 sigma_a^a3`` with ``POV = p / (1 + p)``, ``sigma_a = sigma sqrt(D)``
  (Kissell, Glantz & Malamut 2004; Kissell 2013 ch. 5): ``a1``, ``a2``, ``a3``, ``a4`` free, ``b1`` held (with ``a4``
  it is identified only by very different participation rates);
* ``almgren2005``: as in Almgren, Thum, Hauptmann & Li (2005, Risk 18(7), section 4), two regressions: the
  permanent impact ``I`` (the mid ``calibration.permanent_horizon_s`` after the last fill against the arrival
  mid, ``post_move_<h>_bps``) on ``gamma sigma T p^alpha (Theta/V)^delta``, and the temporary part
  ``J - I/2`` (``J`` the impact cost) on ``eta sigma p^beta``.

An exponent is fitted only when its input (size ``x`` for ``delta``/``a2``, ``sigma`` for ``a3``, POV or ``p``
for ``a4``/``alpha``/``beta``, ``Theta/V`` for Almgren's ``delta``) spans at least ``calibration.min_range_ratio``
between its 10th and 90th percentiles; otherwise it is held at its current value and a
:class:`~liqcost.errors.FewObservationsWarning` says so (a narrow size range cannot tell a square root from
another power).

Weights, robust loss, standard errors
-------------------------------------
Residuals are scaled by each order's noise, ``r_i = (y_i - f_i) / s_i`` with ``s_i^2 = sigma^2 V_i 1e8`` (``V_i``
the order's ``timing_variance_days``, the variance of its fills' mean price under a random walk), plus the
squared standard error of its spread paid in ``cost`` mode. A first fit with the linear loss gives a robust
scale ``c = 1.4826 MAD(r)``; the final fit uses ``calibration.loss`` (``soft_l1`` by default) with ``f_scale =
calibration.f_scale * c``, so residuals beyond about two robust standard deviations weigh less. Standard
errors come from the Jacobian at the solution and the residual variance: ``Cov = s^2 (J'J)^-1`` with ``s^2 =
sum_i w_i r_i^2 / (n - k)``, ``w_i = rho'(r_i^2 / f_scale^2)`` the loss's weight of each residual (the
M-estimator approximation; ``w = 1`` for the linear loss, where it is the usual least-squares formula).
An optimizer that stops without converging raises a :class:`~liqcost.errors.ConvergenceWarning` carrying
its own message.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from liqcost.errors import CalibrationError, ConvergenceWarning, FewObservationsWarning
from liqcost.result import Result

__all__ = ["CalibrationResult", "ModelFit", "Param", "calibrate", "calibration_observations"]

_BPS = 1e4


# ------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Param:
    """One parameter of a fitted model.

    Attributes
    ----------
    name : str
        The parameter's name in the parameter file (``y``, ``a2``, ``eta`` ...).
    value : float
        Fitted (or held) value.
    se : float
        Standard error (NaN when held).
    unit : str
        Unit in words (``dimensionless``, ``bps`` ...).
    fixed : bool
        Held at its prior value (not identified by the data, or held by design).
    prior : float
        Value before the calibration.
    note : str
        Why it was held, or that it sits at a bound.
    """

    name: str
    value: float
    se: float
    unit: str
    fixed: bool
    prior: float
    note: str = ""


@dataclass(frozen=True)
class ModelFit:
    """One least-squares fit: parameters with standard errors and the fit's diagnostics.

    Attributes
    ----------
    model : str
        ``sqrt``, ``power``, ``crossover``, ``log``, ``istar``, ``almgren2005_permanent``, ``almgren2005_temporary``.
    params : tuple of Param
    n : int
        Orders fitted.
    converged : bool
        The optimizer's success flag.
    message : str
        The optimizer's message.
    loss : str
        Loss of the final fit.
    f_scale : float
        Soft margin of the robust loss, in units of the scaled residuals.
    r2 : float
        Weighted R^2 of the fitted values (weights ``1 / s_i^2``).
    rmse_bps : float
        Root mean square error, bps (unweighted).
    resid_z : dict
        Mean, standard deviation and the 5/25/50/75/95 % quantiles of the scaled residuals ``r_i``.
    cov : numpy.ndarray
        Covariance of the free parameters (in their order in ``params``).
    target : str
        The column fitted.
    """

    model: str
    params: tuple
    n: int
    converged: bool
    message: str
    loss: str
    f_scale: float
    r2: float
    rmse_bps: float
    resid_z: dict
    cov: np.ndarray = field(repr=False, compare=False)
    target: str = ""

    def value(self, name: str) -> float:
        return next(p.value for p in self.params if p.name == name)

    def se(self, name: str) -> float:
        return next(p.se for p in self.params if p.name == name)

    def summary(self):
        """One row per parameter: value, standard error, unit, held or not, prior, and the fit's diagnostics."""
        import polars as pl

        rows = [
            {"model": self.model, "parameter": p.name, "value": p.value, "se": p.se, "unit": p.unit, "fixed": p.fixed,
             "prior": p.prior, "n_orders": self.n, "r2": self.r2, "rmse_bps": self.rmse_bps, "z_sd": self.resid_z.get("sd"),
             "converged": self.converged, "note": p.note}
            for p in self.params
        ]
        return pl.DataFrame(rows, schema_overrides={"se": pl.Float64, "r2": pl.Float64, "z_sd": pl.Float64})


@dataclass(frozen=True, eq=False)
class CalibrationResult(Result):
    """Fitted impact parameters, their diagnostics, Y by size bucket, the out-of-sample check, a parameter file.

    Attributes
    ----------
    fits : dict of str to ModelFit
    buckets : polars.DataFrame
        Y of the square-root law fitted per size bucket (and per market-cap band and symbol), with counts.
    out_of_sample : polars.DataFrame
        Per model: fitted on the first dates, scored on the later ones (RMSE, MAE, bias, z-scores), beside
        the prior parameters' score on the same orders.
    observations : polars.DataFrame
        The orders fitted, with their inputs.
    excluded : polars.DataFrame
        Orders left out, with the reason.
    params : liqcost.models.params.ImpactParams
        The prior parameters with the fitted values in place (what :meth:`to_yaml` writes).
    """

    title: ClassVar[str] = "calibration"

    fits: dict
    buckets: object
    out_of_sample: object
    observations: object
    excluded: object
    params: object
    note_lines: tuple = ()

    def tables(self):
        import polars as pl

        out = {"parameters": self.summary(), "buckets": self.buckets, "out_of_sample": self.out_of_sample}
        if self.excluded.height:
            out["excluded"] = self.excluded
        out["observations"] = self.observations
        return {k: v for k, v in out.items() if isinstance(v, pl.DataFrame)}

    def summary(self):
        """Every fitted parameter with its standard error, unit and fit diagnostics (one row each)."""
        import polars as pl

        frames = [f.summary() for f in self.fits.values()]
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame({"model": []})

    def fit(self, model: str) -> ModelFit:
        return self.fits[model]

    def to_yaml(self) -> str:
        """The parameter file (``impact.params_file`` format), with a comment header naming the fit."""
        lines = ["# impact-model parameters calibrated by liqcost.models.calibrate (see docs/tca.md)."]
        for name, f in self.fits.items():
            free = ", ".join(f"{p.name} = {p.value:.4g} +- {p.se:.2g}" for p in f.params if not p.fixed)
            lines.append(f"# {name}: {free or 'nothing fitted'}; {f.n} orders, R^2 {f.r2:.3f}, RMSE {f.rmse_bps:.1f} bps")
        if "power" in self.fits:
            lines.append("# power is a check of the square-root exponent and is not part of the file.")
        return "\n".join(lines) + "\n" + self.params.to_yaml()

    def write_params(self, path) -> None:
        """Write :meth:`to_yaml` to ``path`` atomically (a temporary file renamed into place)."""
        import os
        import tempfile
        from pathlib import Path

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.to_yaml())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


# -------------------------------------------------------------------------------------- observations
_REQUIRED = ("order_id", "date", "symbol", "filled_qty_shares", "adv_shares", "volatility_daily_frac",
             "timing_variance_days", "arrival_cost_bps", "impact_cost_bps")


def calibration_observations(table, config=None, params=None):
    """The orders a calibration can use, with their model inputs, and those it cannot (with the reason).

    Parameters
    ----------
    table : polars.DataFrame or ModelReviewResult
        Per-order rows: :data:`_REQUIRED` columns and, where available, ``spread_paid_se_bps``, ``half_spread_bps``,
        ``model_participation_frac``, ``duration_days``, ``shares_outstanding``, ``market_cap_usd``, ``cap_band``,
        ``lookback_days``, ``variance_time_last_days``, ``post_move_<h>_bps``.

    Returns
    -------
    (polars.DataFrame, polars.DataFrame)
        Observations (``x``, ``sigma``, ``p``, ``T``, ``theta_v``, ``y_impact``, ``y_cost``, ``s_impact``, ``s_cost``,
        ``perm_bps``, ``s_perm`` ...) and the excluded orders (``order_id``, ``symbol``, ``reason``).
    """
    import polars as pl

    from liqcost.config import Config
    from liqcost.models.params import load_params
    from liqcost.schema import horizon_label

    config = config or Config()
    cc = config.calibration
    params = params or load_params(config)
    t = table.orders if hasattr(table, "orders") and not isinstance(table, pl.DataFrame) else table
    missing = [c for c in _REQUIRED if c not in t.columns]
    if missing:
        raise CalibrationError(
            f"the calibration table lacks {', '.join(missing)}; build it with liqcost.tca.model_vs_realized(review, "
            "pretrade_estimates(...)) (columns present: " + ", ".join(t.columns[:30]) + ").")

    def col(name, default=float("nan")):
        return pl.col(name).cast(pl.Float64) if name in t.columns else pl.lit(default, pl.Float64)

    perm_col = f"post_move_{horizon_label(cc.permanent_horizon_s)}_bps"
    session_days = (config.session.close_minutes - config.session.open_minutes) * 60.0
    omega = config.planner.overnight_variance_frac
    fallback = float(params.models["almgren2005"]["turnover_fallback_frac"])
    sig = col("volatility_daily_frac")
    x = col("filled_qty_shares") / col("adv_shares")
    T = col("duration_days")
    p = col("model_participation_frac")
    theta_v = pl.when(col("shares_outstanding") > 0).then(col("shares_outstanding") / col("adv_shares")).otherwise(1.0 / fallback)
    var_t = sig**2 * col("timing_variance_days") * 1e8
    s_cost = (var_t + col("spread_paid_se_bps", 0.0).fill_nan(0.0) ** 2).sqrt()
    v_perm = col("variance_time_last_days") + (1.0 - omega) * cc.permanent_horizon_s / session_days
    obs = t.select(
        "order_id", "symbol", "date",
        *(["side"] if "side" in t.columns else []),
        (pl.col("cap_band").cast(pl.String) if "cap_band" in t.columns else pl.lit(None, pl.String)).alias("cap_band"),
        col("lookback_days", float(cc.min_lookback_days)).alias("lookback_days"),
        x.alias("x"), sig.alias("sigma"), p.alias("p"), T.alias("T"), theta_v.alias("theta_v"),
        col("half_spread_bps", 0.0).alias("half_spread_bps"),
        col("impact_cost_bps").alias("y_impact"), col("arrival_cost_bps").alias("y_cost"),
        var_t.sqrt().alias("s_impact"), s_cost.alias("s_cost"),
        col(perm_col).alias("perm_bps"), (sig * v_perm.sqrt() * _BPS).alias("s_perm"),
    )
    bad = lambda c: pl.col(c).is_null() | pl.col(c).is_nan()  # noqa: E731
    reason = (
        pl.when(bad("y_impact") | bad("y_cost")).then(pl.lit("no realized cost"))
        .when(bad("x") | ~(pl.col("x") > 0)).then(pl.lit("no ADV or no filled quantity"))
        .when(bad("sigma") | ~(pl.col("sigma") > 0)).then(pl.lit("no volatility"))
        .when(pl.col("lookback_days") < cc.min_lookback_days)
        .then(pl.format("profile on fewer than {} days (calibration.min_lookback_days)", pl.lit(cc.min_lookback_days)))
        .when(bad("s_impact") | ~(pl.col("s_impact") > 0)).then(pl.lit("no timing variance (fills at the arrival time)"))
        .otherwise(None)
    )
    obs = obs.with_columns(reason.alias("reason"))
    excluded = obs.filter(pl.col("reason").is_not_null()).select("order_id", "symbol", "reason")
    return obs.filter(pl.col("reason").is_null()).drop("reason"), excluded


# --------------------------------------------------------------------------------------------- models
@dataclass(frozen=True)
class _Spec:
    """A model to fit: parameter names, units, bounds, and the function of the inputs."""

    name: str
    names: tuple
    units: tuple
    lower: tuple
    upper: tuple
    func: object  # func(theta: ndarray, inputs: dict) -> impact bps
    identify: dict  # param -> (input column, label) for exponents
    always_held: tuple = ()


def _istar(th, d, days_per_year):
    a1, a2, a3, a4, b1 = th
    sig_a = d["sigma"] * math.sqrt(days_per_year)
    pov = d["p"] / (1.0 + d["p"])
    return (b1 * np.power(pov, a4) + 1.0 - b1) * a1 * np.power(d["x"], a2) * np.power(sig_a, a3)


def _specs(params) -> dict:
    m = params.models
    dpy = float(m["istar"]["days_per_year"])
    return {
        "sqrt": _Spec("sqrt", ("y",), ("dimensionless",), (0.0,), (50.0,),
                      lambda th, d: th[0] * d["sigma"] * np.sqrt(d["x"]) * _BPS, {}),
        "power": _Spec("power", ("y", "exponent"), ("dimensionless", "dimensionless"), (0.0, 0.05), (200.0, 1.5),
                       lambda th, d: th[0] * d["sigma"] * np.power(d["x"], th[1]) * _BPS, {"exponent": ("x", "the size Q/ADV")}),
        "crossover": _Spec("crossover", ("y", "crossover_frac_adv"), ("dimensionless", "fraction of ADV"), (0.0, 1e-6), (50.0, 1.0),
                           lambda th, d: th[0] * d["sigma"] * d["x"] / np.sqrt(d["x"] + th[1]) * _BPS, {},
                           always_held=("crossover_frac_adv",)),
        "log": _Spec("log", ("a", "b"), ("dimensionless", "1 / fraction of ADV"), (0.0, 1e-3), (50.0, 1e6),
                     lambda th, d: th[0] * d["sigma"] * np.log1p(th[1] * d["x"]) * _BPS, {}, always_held=("b",)),
        "istar": _Spec("istar", ("a1", "a2", "a3", "a4", "b1"), ("bps", "dimensionless", "dimensionless", "dimensionless", "share"),
                       (0.0, 0.05, 0.0, 0.0, 0.0), (1e6, 1.5, 2.0, 2.0, 1.0),
                       lambda th, d: _istar(th, d, dpy),
                       {"a2": ("x", "the size Q/ADV"), "a3": ("sigma", "the volatility"), "a4": ("pov", "the participation POV")},
                       always_held=("b1",)),
        "almgren2005_permanent": _Spec(
            "almgren2005_permanent", ("gamma", "alpha", "delta"), ("dimensionless", "dimensionless", "dimensionless"),
            (0.0, 0.05, -2.0), (100.0, 2.0, 2.0),
            lambda th, d: th[0] * d["sigma"] * d["T"] * np.power(d["p"], th[1]) * np.power(d["theta_v"], th[2]) * _BPS,
            {"alpha": ("p", "the trading rate X/(VT)"), "delta": ("theta_v", "the inverse turnover Theta/V")}),
        "almgren2005_temporary": _Spec(
            "almgren2005_temporary", ("eta", "beta"), ("dimensionless", "dimensionless"), (0.0, 0.05), (100.0, 2.0),
            lambda th, d: th[0] * d["sigma"] * np.power(d["p"], th[1]) * _BPS, {"beta": ("p", "the trading rate X/(VT)")}),
    }


def _prior(params, name: str) -> np.ndarray:
    m = params.models
    if name in ("sqrt",):
        return np.array([m["sqrt"]["y"]])
    if name == "power":
        return np.array([m["sqrt"]["y"], 0.5])
    if name == "crossover":
        return np.array([m["crossover"]["y"], m["crossover"]["crossover_frac_adv"]])
    if name == "log":
        return np.array([m["log"]["a"], m["log"]["b"]])
    if name == "istar":
        ist = m["istar"]
        s = ist["set"] if ist["set"] != "auto" else ist["band_sets"].get("micro", "all")
        p = ist["sets"][s]
        return np.array([p["a1"], p["a2"], p["a3"], p["a4"], p["b1"]], dtype=float)
    a = m["almgren2005"]
    if name == "almgren2005_permanent":
        return np.array([a["gamma"], a["alpha"], a["delta"]], dtype=float)
    return np.array([a["eta"], a["beta"]], dtype=float)


def _rho_prime(z: np.ndarray, loss: str) -> np.ndarray:
    """Derivative of scipy's loss rho(z) (z = squared scaled residual): each residual's weight."""
    if loss == "linear":
        return np.ones_like(z)
    if loss == "soft_l1":
        return 1.0 / np.sqrt(1.0 + z)
    if loss == "huber":
        return np.where(z <= 1.0, 1.0, 1.0 / np.sqrt(np.maximum(z, 1.0)))
    if loss == "cauchy":
        return 1.0 / (1.0 + z)
    return 1.0 / (1.0 + z**2)  # arctan


def _spread(v: np.ndarray) -> float:
    """Ratio of the 90th to the 10th percentile of a positive input (inf when the 10th is 0)."""
    v = v[np.isfinite(v) & (v > 0)]
    if v.size < 2:
        return 1.0
    lo, hi = np.quantile(v, [0.1, 0.9])
    return float(hi / lo) if lo > 0 else math.inf


def _fit_one(spec: _Spec, prior: np.ndarray, data: dict, y: np.ndarray, s: np.ndarray, cc, target: str, notes: list,
             warn: bool = True) -> ModelFit:
    """Fit one model (see the module docstring): free parameters, two-pass robust least squares, SEs."""
    from scipy.optimize import least_squares

    n = y.size
    held: dict[str, str] = {p: "held by design (not identified jointly with the others)" for p in spec.always_held}
    for pname, (inp, label) in spec.identify.items():
        r = _spread(data[inp])
        if r < cc.min_range_ratio:
            held[pname] = (f"held at its prior: {label} spans only {r:.2f}x between its 10th and 90th percentiles "
                           f"(calibration.min_range_ratio {cc.min_range_ratio:g})")
    free = np.array([nm not in held for nm in spec.names])
    lo = np.array(spec.lower, dtype=float)
    hi = np.array(spec.upper, dtype=float)
    x0_full = np.clip(prior.astype(float), lo, hi)

    def full(th_free):
        th = x0_full.copy()
        th[free] = th_free
        return th

    def resid(th_free):
        with np.errstate(all="ignore"):
            f = spec.func(full(th_free), data)
        r = (y - f) / s
        return np.where(np.isfinite(r), r, 1e6)

    x0 = np.clip(x0_full[free], lo[free] + 1e-12, hi[free] - 1e-12)
    # a free scale parameter starts from the prior's ratio of means, so the fit never begins far off
    if free[0] and spec.names[0] in ("y", "a1", "gamma", "eta", "a"):
        with np.errstate(all="ignore"):
            f0 = spec.func(x0_full, data)
        w = 1.0 / s**2
        den = float(np.sum(w * f0 * f0))
        if den > 0 and np.isfinite(den):
            scale = float(np.sum(w * f0 * y)) / den
            if np.isfinite(scale) and scale > 0:
                x0[0] = float(np.clip(x0_full[0] * scale, lo[0] + 1e-12, hi[0] - 1e-12))
    kw = dict(bounds=(lo[free], hi[free]), max_nfev=cc.max_nfev, x_scale="jac")
    res = least_squares(resid, x0, loss="linear", **kw)
    f_scale = 1.0
    if cc.loss != "linear":
        mad = float(np.median(np.abs(res.fun - np.median(res.fun))))
        c = 1.4826 * mad if mad > 0 else 1.0
        f_scale = cc.f_scale * c
        res = least_squares(resid, res.x, loss=cc.loss, f_scale=f_scale, **kw)
    if warn and (not res.success or res.status <= 0):
        warnings.warn(f"{spec.name}: least_squares did not converge ({res.message}); treat its parameters as indicative.",
                      ConvergenceWarning, stacklevel=4)
    r = res.fun
    k = int(free.sum())
    wts = _rho_prime((r / f_scale) ** 2, cc.loss)
    s2 = float(np.sum(wts * r**2) / max(n - k, 1))
    J = res.jac
    try:
        cov = s2 * np.linalg.inv(J.T @ J)
        if not np.all(np.isfinite(cov)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = s2 * np.linalg.pinv(J.T @ J)
        notes.append(f"{spec.name}: the Jacobian is singular at the solution; standard errors from its pseudo-inverse.")
    th = full(res.x)
    se_free = np.sqrt(np.maximum(np.diag(cov), 0.0))
    plist, j = [], 0
    for i, nm in enumerate(spec.names):
        if free[i]:
            at_bound = np.isclose(th[i], lo[i], rtol=1e-6, atol=1e-9) or np.isclose(th[i], hi[i], rtol=1e-6, atol=1e-9)
            plist.append(Param(nm, float(th[i]), float(se_free[j]), spec.units[i], False, float(prior[i]),
                               "at a bound of the search" if at_bound else ""))
            j += 1
        else:
            plist.append(Param(nm, float(th[i]), float("nan"), spec.units[i], True, float(prior[i]), held[nm]))
    with np.errstate(all="ignore"):
        f = spec.func(th, data)
    w = 1.0 / s**2
    ybar = float(np.sum(w * y) / np.sum(w))
    ss_res = float(np.sum(w * (y - f) ** 2))
    ss_tot = float(np.sum(w * (y - ybar) ** 2))
    z = (y - f) / s
    q = np.quantile(z, [0.05, 0.25, 0.5, 0.75, 0.95]) if n else [np.nan] * 5
    return ModelFit(
        spec.name, tuple(plist), n, bool(res.success), str(res.message), cc.loss, float(f_scale),
        1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"), float(np.sqrt(np.mean((y - f) ** 2))),
        {"mean": float(np.mean(z)), "sd": float(np.std(z, ddof=1)) if n > 1 else float("nan"),
         "q05": float(q[0]), "q25": float(q[1]), "q50": float(q[2]), "q75": float(q[3]), "q95": float(q[4])},
        cov, target,
    )


def _inputs(obs) -> dict:
    d = {c: obs.get_column(c).to_numpy().astype(float) for c in ("x", "sigma", "p", "T", "theta_v", "half_spread_bps")}
    d["pov"] = d["p"] / (1.0 + d["p"])
    return d


def _problem(name: str, obs, target: str):
    """Inputs, target and noise of one model's regression (rows with a usable target only)."""
    import polars as pl

    if name == "almgren2005_permanent":
        sub = obs.filter(pl.col("perm_bps").is_not_nan() & (pl.col("s_perm") > 0) & pl.col("T").is_not_nan() & (pl.col("p") > 0))
        return sub, _inputs(sub), sub.get_column("perm_bps").to_numpy(), sub.get_column("s_perm").to_numpy()
    if name == "almgren2005_temporary":
        sub = obs.filter(pl.col("perm_bps").is_not_nan() & (pl.col("p") > 0))
        y = (sub.get_column("y_impact") - 0.5 * sub.get_column("perm_bps")).to_numpy()
        s = np.sqrt(sub.get_column("s_impact").to_numpy() ** 2 + 0.25 * sub.get_column("s_perm").to_numpy() ** 2)
        return sub, _inputs(sub), y, s
    if name in ("istar",):
        sub = obs.filter(pl.col("p") > 0)
    else:
        sub = obs
    d = _inputs(sub)
    if target == "cost":
        return sub, d, sub.get_column("y_cost").to_numpy() - d["half_spread_bps"], sub.get_column("s_cost").to_numpy()
    return sub, d, sub.get_column("y_impact").to_numpy(), sub.get_column("s_impact").to_numpy()


def _fit_names(models) -> list[str]:
    out = []
    for m in models:
        out += ["almgren2005_permanent", "almgren2005_temporary"] if m == "almgren2005" else [m]
    return out


def _fit_all(obs, params, cc, target, notes, warn=True) -> dict:
    specs = _specs(params)
    fits = {}
    for name in _fit_names(cc.models):
        sub, d, y, s = _problem(name, obs, target)
        if sub.height < cc.min_orders:
            notes.append(f"{name}: {sub.height} usable order(s), fewer than calibration.min_orders ({cc.min_orders}); not fitted.")
            continue
        fits[name] = _fit_one(specs[name], _prior(params, name), d, y, s, cc, target, notes, warn)
    return fits


def _predict(name: str, fit_or_prior, params, obs, target: str) -> np.ndarray:
    """Predicted target of each observation (``fit_or_prior``: a ModelFit or a prior vector)."""
    spec = _specs(params)[name]
    th = np.array([p.value for p in fit_or_prior.params]) if isinstance(fit_or_prior, ModelFit) else fit_or_prior
    with np.errstate(all="ignore"):
        return spec.func(th, _inputs(obs))


def _buckets(obs, params, cc, target) -> object:
    """Y of the square-root law per size bucket, market-cap band and symbol (groups below the minimum are listed)."""
    import polars as pl

    spec = _specs(params)["sqrt"]
    edges = [0.0] + list(cc.size_buckets_frac_adv) + [math.inf]
    labels = []
    for a, b in zip(edges[:-1], edges[1:]):
        labels.append(f"{100 * a:g}-{100 * b:g}%" if math.isfinite(b) else f">={100 * a:g}%")
    x = obs.get_column("x").to_numpy()
    bucket = np.array(labels, dtype=object)[np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(labels) - 1)]
    groups = [("size", obs.with_columns(pl.Series("_g", bucket, dtype=pl.String)))]
    groups.append(("cap_band", obs.with_columns(pl.col("cap_band").fill_null("unknown").alias("_g"))))
    groups.append(("symbol", obs.with_columns(pl.col("symbol").alias("_g"))))
    rows = []
    for kind, frame in groups:
        order = labels if kind == "size" else sorted(frame.get_column("_g").unique().to_list())
        for g in order:
            sub = frame.filter(pl.col("_g") == g)
            xs = sub.get_column("x").to_numpy()
            row = {"group": kind, "value": g, "n_orders": sub.height,
                   "size_min_frac_adv": float(xs.min()) if xs.size else None, "size_max_frac_adv": float(xs.max()) if xs.size else None,
                   "y": None, "y_se": None, "status": ""}
            if sub.height < cc.min_orders_per_bucket:
                row["status"] = f"too few orders (fewer than calibration.min_orders_per_bucket = {cc.min_orders_per_bucket})"
            else:
                _, d, y, s = _problem("sqrt", sub, target)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    f = _fit_one(spec, _prior(params, "sqrt"), d, y, s, cc, target, [], warn=False)
                row.update(y=f.value("y"), y_se=f.se("y"), status="fitted" if f.converged else f"not converged: {f.message}")
            rows.append(row)
    return pl.DataFrame(rows, schema_overrides={"y": pl.Float64, "y_se": pl.Float64, "size_min_frac_adv": pl.Float64,
                                                "size_max_frac_adv": pl.Float64})


def _out_of_sample(obs, params, cc, target, notes) -> object:
    """Fit on the first ``train_frac`` of the dates, score on the rest, beside the prior parameters."""
    import polars as pl

    dates = sorted(obs.get_column("date").unique().to_list())
    cols = {"model": pl.String, "split_date": pl.Date, "n_train": pl.Int64, "n_test": pl.Int64, "rmse_bps": pl.Float64,
            "mae_bps": pl.Float64, "bias_bps": pl.Float64, "z_mean": pl.Float64, "z_sd": pl.Float64,
            "prior_rmse_bps": pl.Float64, "prior_bias_bps": pl.Float64, "prior_z_mean": pl.Float64}
    if len(dates) < 2:
        notes.append("out-of-sample check skipped: the orders fall on a single date.")
        return pl.DataFrame(schema=cols)
    k = min(max(1, int(math.floor(cc.train_frac * len(dates)))), len(dates) - 1)
    split = dates[k]
    train = obs.filter(pl.col("date") < split)
    test = obs.filter(pl.col("date") >= split)
    inner: list = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, FewObservationsWarning))
        fits = _fit_all(train, params, cc, target, inner, warn=False)
    rows = []
    for name, f in fits.items():
        sub, _, y, s = _problem(name, test, target)
        if sub.height == 0:
            continue
        pred = _predict(name, f, params, sub, target)
        prior = _predict(name, _prior(params, name), params, sub, target)
        e, e0 = y - pred, y - prior
        z, z0 = e / s, e0 / s
        rows.append({"model": name, "split_date": split, "n_train": f.n, "n_test": sub.height,
                     "rmse_bps": float(np.sqrt(np.mean(e**2))), "mae_bps": float(np.mean(np.abs(e))), "bias_bps": float(np.mean(e)),
                     "z_mean": float(np.mean(z)), "z_sd": float(np.std(z, ddof=1)) if z.size > 1 else float("nan"),
                     "prior_rmse_bps": float(np.sqrt(np.mean(e0**2))), "prior_bias_bps": float(np.mean(e0)),
                     "prior_z_mean": float(np.mean(z0))})
    if not rows:
        notes.append(f"out-of-sample check skipped: too few orders before {split} to fit (calibration.min_orders = {cc.min_orders}).")
        return pl.DataFrame(schema=cols)
    return pl.DataFrame(rows, schema=cols)


def _rel_se(name_fits: list, params, obs, target) -> float:
    """Relative standard error of the predicted impact at the median order (delta method)."""
    total, var = 0.0, 0.0
    import polars as pl

    med = obs.select([pl.col(c).median() for c in ("x", "sigma", "p", "T", "theta_v", "half_spread_bps")])
    for f, weight in name_fits:
        spec = _specs(params)[f.model]
        th = np.array([p.value for p in f.params])
        free = np.array([not p.fixed for p in f.params])
        d = _inputs(med)
        base = float(spec.func(th, d)[0])
        g = []
        for i in np.flatnonzero(free):
            h = 1e-6 * max(abs(th[i]), 1e-6)
            t2 = th.copy()
            t2[i] += h
            g.append((float(spec.func(t2, d)[0]) - base) / h)
        g = np.array(g)
        total += weight * base
        var += weight**2 * float(g @ f.cov @ g) if g.size else 0.0
    return math.sqrt(var) / abs(total) if total else float("nan")


def _updated_params(prior, fits, obs, target, n: int, span: str):
    """The prior parameters with the fitted values in place, and the uncertainty block from the fits."""
    from liqcost.models.params import ImpactParams

    data = prior.to_dict()
    m = data["models"]
    unc = data["uncertainty"]
    if "sqrt" in fits:
        m["sqrt"]["y"] = round(fits["sqrt"].value("y"), 6)
        unc["sqrt"] = round(_rel_se([(fits["sqrt"], 1.0)], prior, obs, target), 6)
    if "crossover" in fits:
        m["crossover"]["y"] = round(fits["crossover"].value("y"), 6)
        unc["crossover"] = round(_rel_se([(fits["crossover"], 1.0)], prior, obs, target), 6)
    if "log" in fits:
        m["log"]["a"] = round(fits["log"].value("a"), 6)
        unc["log"] = round(_rel_se([(fits["log"], 1.0)], prior, obs, target), 6)
    if "istar" in fits:
        f = fits["istar"]
        m["istar"]["sets"]["calibrated"] = {k: round(f.value(k), 6) for k in ("a1", "a2", "a3", "a4", "b1")}
        m["istar"]["set"] = "calibrated"
        unc["istar"] = round(_rel_se([(f, 1.0)], prior, obs, target), 6)
    if "almgren2005_permanent" in fits and "almgren2005_temporary" in fits:
        fp, ft = fits["almgren2005_permanent"], fits["almgren2005_temporary"]
        for k in ("gamma", "alpha", "delta"):
            m["almgren2005"][k] = round(fp.value(k), 6)
        for k in ("eta", "beta"):
            m["almgren2005"][k] = round(ft.value(k), 6)
        unc["almgren2005"] = round(_rel_se([(ft, 1.0), (fp, 0.5)], prior, obs, target), 6)
    unc = {k: (v if isinstance(v, (int, float)) and math.isfinite(v) else prior.uncertainty[k]) for k, v in unc.items()}
    data["uncertainty"] = unc
    data["source"] = f"calibrated on {n} orders, {span} (liqcost.models.calibrate, target {target})"
    return ImpactParams.from_dict(data, "calibrated parameters")


def calibrate(table, config=None, *, params=None) -> CalibrationResult:
    """Fit the impact models to per-order realized costs (see the module docstring).

    Parameters
    ----------
    table : polars.DataFrame or liqcost.tca.ModelReviewResult
        One row per order (the model review's ``orders``): realized costs, the as-of profile's inputs, the
        fill schedule's timing variance.
    config : liqcost.config.Config, optional
        ``calibration`` (models, target, loss, counts, buckets, split), ``impact`` (the prior parameters).
    params : liqcost.models.params.ImpactParams, optional
        Prior parameters (default: those of the config): starting values, held values, and the base of
        the parameter file written.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    liqcost.errors.CalibrationError
        Fewer than ``calibration.min_orders`` usable orders.

    Warns
    -----
    liqcost.errors.FewObservationsWarning
        Fewer than ``calibration.warn_orders`` orders, or an exponent held because its input's range is
        too narrow.
    liqcost.errors.ConvergenceWarning
        An optimizer stopped without converging (with its message).
    """
    import polars as pl

    from liqcost.config import Config
    from liqcost.models.params import load_params

    config = config or Config()
    cc = config.calibration
    prior = params or load_params(config)
    obs, excluded = calibration_observations(table, config, prior)
    n = obs.height
    if n < cc.min_orders:
        why = ""
        if excluded.height:
            top = excluded.group_by("reason").len().sort("len", descending=True)
            why = "; left out: " + ", ".join(f"{r} ({c})" for r, c in top.iter_rows())
        raise CalibrationError(
            f"calibration needs at least {cc.min_orders} usable orders (calibration.min_orders), got {n}{why}; "
            "review more fills or lower the minimum.")
    notes: list[str] = []
    if n < cc.warn_orders:
        warnings.warn(f"calibration on {n} orders (fewer than calibration.warn_orders = {cc.warn_orders}): treat the parameters "
                      "as indicative and keep their standard errors in view.", FewObservationsWarning, stacklevel=2)
    fits = _fit_all(obs, prior, cc, cc.target, notes)
    narrow = [f"{name}.{p.name}" for name, f in fits.items() for p in f.params if p.fixed and "spans only" in p.note]
    if narrow:
        x = obs.get_column("x").to_numpy()
        warnings.warn(
            f"the data do not identify {', '.join(narrow)}: their inputs span too narrow a range (orders from "
            f"{100 * x.min():.1f}% to {100 * x.max():.1f}% of ADV); those exponents are held at their prior values. "
            "Orders over a wider range of sizes (and names) identify them.", FewObservationsWarning, stacklevel=2)
    if "power" in fits and not fits["power"].params[1].fixed:
        pw = fits["power"]
        e, se = pw.value("exponent"), pw.se("exponent")
        notes.append(f"square-root check: fitted size exponent {e:.3f} +- {se:.3f} "
                     + ("(0.5 within two standard errors)." if abs(e - 0.5) <= 2 * se else "(0.5 outside two standard errors)."))
    buckets = _buckets(obs, prior, cc, cc.target)
    oos = _out_of_sample(obs, prior, cc, cc.target, notes)
    dates = obs.get_column("date")
    span = f"{dates.min()} to {dates.max()}"
    new_params = _updated_params(prior, fits, obs, cc.target, n, span)
    if excluded.height:
        top = excluded.group_by("reason").len().sort("len", descending=True)
        notes.append(f"{excluded.height} order(s) left out: " + "; ".join(f"{r} ({c})" for r, c in top.iter_rows()) + ".")
    if prior.overrides:
        notes.append("the prior parameter file has overrides: they are kept and still apply to the names they match.")
    obs_out = obs.with_columns(pl.lit(cc.target).alias("target"))
    return CalibrationResult(fits, buckets, oos, obs_out, excluded, new_params, tuple(notes))
