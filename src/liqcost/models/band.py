"""The cost band: a central estimate with a low/high range across models and uncertainties.

This is the **model band**: how uncertain the expected cost itself is (which model, which parameters,
which inputs). It is not the **risk band** (``cost_p05_bps`` / ``cost_p95_bps``), the spread of the realized
cost around the expected cost from price moves while the order is worked (timing risk).

For each order and each model ``m`` the expected cost splits into the half-spread ``S_m``, the impact
``I_m`` and the fees ``F`` (bps of the arrival mid). The first two are uncertain: the impact through the
model's parameters and the profile's inputs, the spread through its measurement; the fees are known. With
relative (log-scale, one standard deviation) uncertainties ``u_I`` and ``u_S`` and a width ``z``
(``impact.band_z``)::

    low_m  = S_m - |S_m| (1 - exp(-z u_S)) + I_m * exp(-z u_I,m) + F
    high_m = S_m + |S_m| (exp(+z u_S) - 1) + I_m * exp(+z u_I,m) + F

(for the usual positive half-spread ``S_m exp(-/+ z u_S)``; a plan's spread part can be negative when its
passive fills earn the spread, and is widened by its size either way)
    low    = min_m low_m ,   high = max_m high_m ,   central = the ``impact.central`` model (or the median)

so the band holds the disagreement between models as well as each model's own uncertainty, and it is
never narrower than the spread between the cheapest and dearest model.

Uncertainties (all relative, one standard deviation):

* parameters: ``u_par,m`` from the parameter file's ``uncertainty`` block (:mod:`liqcost.models.params`);
* volatility estimated from ``n`` daily returns: ``1 / sqrt(2 (n - 1))`` (the standard error of a sample
  standard deviation of normal data), ``n = lookback_days - 1``;
* ADV: the coefficient of variation of the daily volumes divided by ``sqrt(lookback_days)``, entering
  with the square-root law's elasticity of 1/2;
* inputs the profile estimated from sparse data: its ``input_uncertainty_frac`` (relative, one standard
  deviation) when the profile gives one (fallbacks for names with few trades or bars);
* ``u_I,m = sqrt(u_par,m^2 + u_sigma^2 + (u_adv / 2)^2 + u_profile^2)``, times ``impact.bars_only_band_mult``
  when the profile was built from bars only;
* spread: ``impact.spread_error_ticks_frac`` (or ``spread_error_bars_frac`` for a bars-only profile)
  combined with a few-days term ``1 / sqrt(lookback_days)``.

Few days and bars-only profiles therefore widen the band; a long tick-based profile narrows it down to
the model disagreement.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cost_band", "input_uncertainty"]


def input_uncertainty(lookback_days, volume_cv, bars_only, config, profile_frac=None) -> dict[str, np.ndarray]:
    """Relative one-sd uncertainties of the profile's inputs.

    Parameters
    ----------
    lookback_days : array_like
        Trading days in each profile's window.
    volume_cv : array_like
        Coefficient of variation (sd / mean) of each profile's daily volumes.
    bars_only : array_like of bool
        Whether each profile was built from bars only.
    config : liqcost.config.Config
        ``impact.spread_error_*`` and ``impact.bars_only_band_mult``.
    profile_frac : array_like, optional
        The profile's own relative uncertainty of its inputs (``input_uncertainty_frac``; NaN or None: none).

    Returns
    -------
    dict
        ``sigma``, ``adv``, ``profile``, ``spread`` (relative errors) and ``impact_mult`` (the bars-only
        multiplier).
    """
    n = np.asarray(lookback_days, dtype=np.float64)
    n_ret = np.maximum(n - 1.0, 2.0)
    u_sigma = 1.0 / np.sqrt(2.0 * (n_ret - 1.0))
    cv = np.nan_to_num(np.asarray(volume_cv, dtype=np.float64), nan=1.0)
    u_adv = cv / np.sqrt(np.maximum(n, 1.0))
    bars_only = np.asarray(bars_only, dtype=bool)
    base = np.where(bars_only, config.impact.spread_error_bars_frac, config.impact.spread_error_ticks_frac)
    u_spread = np.sqrt(base**2 + 1.0 / np.maximum(n, 1.0))
    mult = np.where(bars_only, config.impact.bars_only_band_mult, 1.0)
    extra = np.zeros_like(n) if profile_frac is None else np.nan_to_num(np.asarray(profile_frac, dtype=np.float64), nan=0.0)
    u_spread = np.sqrt(u_spread**2 + extra**2)
    return {"sigma": u_sigma, "adv": u_adv, "profile": np.maximum(extra, 0.0), "spread": u_spread, "impact_mult": mult}


def cost_band(parts: dict, central: str, param_uncertainty: dict, inputs: dict, z: float) -> dict[str, np.ndarray]:
    """Central, low and high cost per order (bps of the arrival mid), see the module docstring.

    Parameters
    ----------
    parts : dict of str to CostParts
        Each model's cost of the orders.
    central : str
        A model name, or ``"median"``.
    param_uncertainty : dict
        Relative parameter uncertainty of each model.
    inputs : dict
        From :func:`input_uncertainty`.
    z : float
        Half-width in standard deviations.

    Returns
    -------
    dict
        ``central_bps``, ``low_bps``, ``high_bps`` and ``timing_risk_bps`` (of the central model, or the
        median of the models).
    """
    names = list(parts)
    u_in = np.sqrt(inputs["sigma"] ** 2 + (0.5 * inputs["adv"]) ** 2 + np.asarray(inputs.get("profile", 0.0)) ** 2)
    lows, highs, totals, risks = [], [], [], []
    with np.errstate(invalid="ignore", over="ignore"):
        for name in names:
            c = parts[name]
            u_imp = np.sqrt(param_uncertainty.get(name, 0.0) ** 2 + u_in**2) * inputs["impact_mult"]
            u_spr = inputs["spread"]
            # a spread part can be negative (a plan's passive fills earn it): widen it by its size either way
            s_abs = np.abs(c.spread_bps)
            lows.append(c.spread_bps - s_abs * (1.0 - np.exp(-z * u_spr)) + c.impact_bps * np.exp(-z * u_imp) + c.fees)
            highs.append(c.spread_bps + s_abs * (np.exp(z * u_spr) - 1.0) + c.impact_bps * np.exp(z * u_imp) + c.fees)
            totals.append(c.total_bps)
            risks.append(c.timing_risk_bps)
    lows, highs, totals, risks = (np.vstack(a) for a in (lows, highs, totals, risks))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (unpriceable orders) stay NaN
        low = np.nanmin(lows, axis=0)
        high = np.nanmax(highs, axis=0)
        if central == "median":
            mid = np.nanmedian(totals, axis=0)
            risk = np.nanmedian(risks, axis=0)
        else:
            i = names.index(central)
            mid, risk = totals[i], risks[i]
    return {"central_bps": mid, "low_bps": low, "high_bps": high, "timing_risk_bps": risk}
