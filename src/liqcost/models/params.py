"""Impact-model parameters: the published sets, a YAML file format, and per-symbol / per-size-band overrides.

The built-in defaults below are the single source of the published values (``configs/impact_params.yaml``
is a documented copy that a test keeps identical). A parameter file, the one ``impact.params_file``
points to and the one a calibration writes, has the same shape and may hold only what it changes::

    source: calibrated from fills.csv, 57 orders          # free text, shown in results
    models:
      sqrt: {y: 0.93}                                       # partial: the rest keeps its default
      istar: {set: auto}
    uncertainty: {sqrt: 0.12}                               # relative 1-sd of each model's impact
    valid_range: {max_order_adv_frac: 0.4}                  # where the values were fitted (else flagged)
    overrides:                                              # applied in order; symbol entries last
      - cap_band: [micro, small]                            # size bands of bars.market_cap_bands_usd
        crossover: {crossover_frac_adv: 0.002}
      - symbol: THND
        sqrt: {y: 1.2}

Precedence, lowest first: built-in published values, ``impact.sqrt_y`` from the config (the square-root
and crossover ``Y``), the parameter file, then its overrides (size-band entries, then symbol entries).

Provenance of the published values
----------------------------------
* ``almgren2005``: eta 0.142 +- 0.0062, beta 0.600 +- 0.038, gamma 0.314 +- 0.041 and the paper's final
  model alpha = 1, delta = 1/4 (Almgren, Thum, Hauptmann & Li 2005, section 4.3; the free fits were alpha
  0.891 +- 0.10 and delta 0.267 +- 0.22, neither distinguishable from the final values, and alpha < 1 would
  make the permanent cost of an order grow with its duration). The worked examples of the paper (IBM, DRI)
  are reproduced in the tests.
* ``istar``: the "all stocks" set a1 = 708, a2 = 0.55, a3 = 0.71, a4 = 0.50, b1 = 0.98 and the a1-a3 of
  the large-cap (687, 0.70, 0.72) and small-cap (702, 0.47, 0.69) sets are Kissell (2013, ch. 7) values
  as quoted by independent secondary sources; we could not read the book itself with our tools. We did
  not find the large/small-cap a4 and b1: those two sets reuse a4 = 0.50 and b1 = 0.98 of the
  all-stock set, which is an assumption, not a published value.
* ``crossover`` (q_c = 0.001) and ``log`` (a = 0.1055, b = 100) carry illustrative values (the papers'
  fits are on large-cap samples and do not transfer as single numbers): calibrate them on your fills.
* the participation factor of ``sqrt``, ``crossover`` and ``log`` (:class:`~liqcost.models.impact.SquareRootModel`):
  ``permanent_frac`` 0.5 (the rate-free share), ``rate_exponent`` 0.5 (Kissell's all-stock ``a4``; Almgren et
  al. fit 0.6 for their temporary term) and ``reference_participation_frac`` 0.1 (the law's ``Y`` applies at
  10 % of the volume). ``rate_exponent: 0`` is the rate-free law of the sample generator.
* ``uncertainty``: ``almgren2005`` 0.15 combines the published standard errors of eta and gamma (4 %
  and 13 %); ``sqrt`` 0.25 spans the usual 0.5-1 range of Y around 0.8; ``istar`` 0.30, ``crossover``
  and ``log`` 0.35 are judgement calls for parameters we could not verify or that are illustrative.
* ``valid_range``: the largest order (fraction of ADV) and participation rate the values are trusted for;
  beyond them the pre-trade check flags ``outside_model_range``. The published defaults, 40 % of ADV and
  50 % of the volume, are a judgement: the published fits rest on institutional orders that are mostly a
  few percent of a day's volume, and above those sizes every model extrapolates. A calibration should
  set them to the range of its orders.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from liqcost.errors import ConfigError

__all__ = [
    "CAP_BANDS_UNKNOWN",
    "PUBLISHED",
    "ImpactParams",
    "cap_band",
    "default_params",
    "load_params",
]

CAP_BANDS_UNKNOWN = "unknown"

# ------------------------------------------------------------------------------------ published values
PUBLISHED: dict[str, Any] = {
    "source": "published defaults (see liqcost.models.params)",
    "models": {
        "sqrt": {"y": 0.8, "permanent_frac": 0.5, "rate_exponent": 0.5, "reference_participation_frac": 0.1},
        "almgren2005": {
            "eta": 0.142,
            "beta": 0.600,
            "gamma": 0.314,
            "alpha": 1.0,
            "delta": 0.25,
            "turnover_fallback_frac": 0.005,
        },
        "istar": {
            "set": "auto",
            "days_per_year": 250.0,
            "sets": {
                "all": {"a1": 708.0, "a2": 0.55, "a3": 0.71, "a4": 0.50, "b1": 0.98},
                "large": {"a1": 687.0, "a2": 0.70, "a3": 0.72, "a4": 0.50, "b1": 0.98},
                "small": {"a1": 702.0, "a2": 0.47, "a3": 0.69, "a4": 0.50, "b1": 0.98},
            },
            "band_sets": {"mega": "large", "large": "large", "mid": "all", "small": "small", "micro": "small",
                          CAP_BANDS_UNKNOWN: "all"},
        },
        "crossover": {"y": 0.8, "crossover_frac_adv": 0.001, "permanent_frac": 0.5, "rate_exponent": 0.5,
                      "reference_participation_frac": 0.1},
        "log": {"a": 0.1055, "b": 100.0, "permanent_frac": 0.5, "rate_exponent": 0.5, "reference_participation_frac": 0.1},
    },
    "uncertainty": {"sqrt": 0.25, "almgren2005": 0.15, "istar": 0.30, "crossover": 0.35, "log": 0.35},
    "valid_range": {"max_order_adv_frac": 0.4, "max_participation_frac": 0.5},
    "overrides": [],
}


# ------------------------------------------------------------------------------------- file schema
class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sqrt(_M):
    y: float = Field(gt=0)
    permanent_frac: float = Field(ge=0, le=1)
    rate_exponent: float = Field(ge=0)
    reference_participation_frac: float = Field(gt=0)


class _Almgren(_M):
    eta: float = Field(ge=0)
    beta: float = Field(gt=0)
    gamma: float = Field(ge=0)
    alpha: float = Field(gt=0)
    delta: float
    turnover_fallback_frac: float = Field(gt=0)


class _IStarSet(_M):
    a1: float = Field(ge=0)
    a2: float = Field(gt=0)
    a3: float = Field(gt=0)
    a4: float = Field(ge=0)
    b1: float = Field(ge=0, le=1)


class _IStar(_M):
    set: str
    days_per_year: float = Field(gt=0)
    sets: dict[str, _IStarSet]
    band_sets: dict[str, str]

    @field_validator("band_sets")
    @classmethod
    def _bands_known(cls, v, info):
        sets = info.data.get("sets", {})
        bad = {b: s for b, s in v.items() if s not in sets}
        if bad:
            raise ValueError(f"set names among {', '.join(sets)}; unknown: {bad}")
        return v


class _Crossover(_M):
    y: float = Field(gt=0)
    crossover_frac_adv: float = Field(gt=0)
    permanent_frac: float = Field(ge=0, le=1)
    rate_exponent: float = Field(ge=0)
    reference_participation_frac: float = Field(gt=0)


class _Log(_M):
    a: float = Field(ge=0)
    b: float = Field(gt=0)
    permanent_frac: float = Field(ge=0, le=1)
    rate_exponent: float = Field(ge=0)
    reference_participation_frac: float = Field(gt=0)


class _Models(_M):
    sqrt: _Sqrt
    almgren2005: _Almgren
    istar: _IStar
    crossover: _Crossover
    log: _Log


class _Uncertainty(_M):
    sqrt: float = Field(ge=0)
    almgren2005: float = Field(ge=0)
    istar: float = Field(ge=0)
    crossover: float = Field(ge=0)
    log: float = Field(ge=0)


class _ValidRange(_M):
    max_order_adv_frac: float = Field(gt=0)
    max_participation_frac: float = Field(gt=0)


class _Override(_M):
    symbol: str | list[str] | None = None
    cap_band: str | list[str] | None = None
    sqrt: dict[str, Any] | None = None
    almgren2005: dict[str, Any] | None = None
    istar: dict[str, Any] | None = None
    crossover: dict[str, Any] | None = None
    log: dict[str, Any] | None = None


class _File(_M):
    source: str = ""
    models: _Models
    uncertainty: _Uncertainty
    valid_range: _ValidRange
    overrides: list[_Override] = Field(default_factory=list)


_MODEL_SCHEMAS = {"sqrt": _Sqrt, "almgren2005": _Almgren, "istar": _IStar, "crossover": _Crossover, "log": _Log}
_ISTAR_SET_KEYS = ("a1", "a2", "a3", "a4", "b1")


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (extra or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


# ---------------------------------------------------------------------------------------------- bands
def cap_band(market_cap_usd, bands_usd: dict[str, float]) -> np.ndarray:
    """Market-cap band of each name: the largest band whose lower bound it reaches, else ``micro``.

    Parameters
    ----------
    market_cap_usd : array_like
        Market capitalisation in currency (NaN when unknown).
    bands_usd : dict
        Band name to lower bound in currency (``bars.market_cap_bands_usd``).

    Returns
    -------
    numpy.ndarray of str
        Band names; ``"unknown"`` where the market cap is NaN.
    """
    mcap = np.atleast_1d(np.asarray(market_cap_usd, dtype=np.float64))
    out = np.full(mcap.shape, "micro", dtype=object)
    for name, lower in sorted(bands_usd.items(), key=lambda kv: kv[1]):
        out[mcap >= lower] = name
    out[~np.isfinite(mcap)] = CAP_BANDS_UNKNOWN
    return out


# -------------------------------------------------------------------------------------------- params
@dataclass(frozen=True)
class ImpactParams:
    """Validated parameters of every model, with their overrides.

    Attributes
    ----------
    models : dict
        Base parameters per model (``models.sqrt.y`` ...).
    uncertainty : dict
        Relative one-standard-deviation uncertainty of each model's impact (for the cost band).
    valid_range : dict
        ``max_order_adv_frac`` and ``max_participation_frac``: where the values are trusted (beyond them
        the pre-trade check flags ``outside_model_range``).
    overrides : tuple of dict
        Entries matching ``symbol`` and/or ``cap_band`` with partial model parameters.
    source : str
        Where the values come from (shown in results).
    """

    models: dict
    uncertainty: dict
    overrides: tuple = field(default_factory=tuple)
    source: str = ""
    valid_range: dict = field(default_factory=lambda: dict(PUBLISHED["valid_range"]))

    @classmethod
    def from_dict(cls, data: dict, where: str = "impact parameters") -> ImpactParams:
        """Validate a full (merged) parameter mapping; every problem is reported by its dotted key."""
        from liqcost.config import format_validation_error

        try:
            parsed = _File.model_validate(data)
        except ValidationError as exc:
            problems = format_validation_error(exc, _File)
            raise ConfigError(
                f"{where}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the impact parameters:\n  "
                + "\n  ".join(problems),
                problems,
            ) from None
        models = parsed.models.model_dump()
        overrides = []
        for i, ov in enumerate(parsed.overrides):
            if ov.symbol is None and ov.cap_band is None:
                raise ConfigError(f"{where}: overrides.{i}: say which names it applies to with symbol: or cap_band:.")
            entry = {"symbol": _as_list(ov.symbol), "cap_band": _as_list(ov.cap_band), "params": {}}
            for name, schema in _MODEL_SCHEMAS.items():
                part = getattr(ov, name)
                if part is None:
                    continue
                if name == "istar":  # an override may pick a set and/or give a1..b1 directly
                    direct = {k: v for k, v in part.items() if k in _ISTAR_SET_KEYS}
                    rest = {k: v for k, v in part.items() if k not in _ISTAR_SET_KEYS}
                    merged = _merge(models[name], rest)
                    try:
                        _IStarSet.model_validate(_merge(models["istar"]["sets"]["all"], direct))
                    except ValidationError as exc:
                        problems = format_validation_error(exc, _IStarSet, prefix=f"overrides.{i}.istar")
                        raise ConfigError(f"{where}: " + "; ".join(problems), problems) from None
                else:
                    merged = _merge(models[name], part)
                try:
                    schema.model_validate(merged)
                except ValidationError as exc:
                    problems = format_validation_error(exc, schema, prefix=f"overrides.{i}.{name}")
                    raise ConfigError(f"{where}: " + "; ".join(problems), problems) from None
                if name == "istar" and "set" in part and part["set"] not in models["istar"]["sets"] and part["set"] != "auto":
                    raise ConfigError(
                        f"{where}: overrides.{i}.istar.set: expected one of auto, {', '.join(models['istar']['sets'])}, "
                        f"got {part['set']!r}."
                    )
                entry["params"][name] = dict(part)
            overrides.append(entry)
        s = models["istar"]["set"]
        if s != "auto" and s not in models["istar"]["sets"]:
            raise ConfigError(
                f"{where}: models.istar.set: expected auto or one of {', '.join(models['istar']['sets'])}, got {s!r}."
            )
        return cls(models, parsed.uncertainty.model_dump(), tuple(overrides), parsed.source, parsed.valid_range.model_dump())

    def to_dict(self) -> dict:
        """The parameters as a plain mapping (the file format)."""
        overrides = []
        for ov in self.overrides:
            e: dict[str, Any] = {}
            if ov["symbol"]:
                e["symbol"] = ov["symbol"] if len(ov["symbol"]) > 1 else ov["symbol"][0]
            if ov["cap_band"]:
                e["cap_band"] = ov["cap_band"] if len(ov["cap_band"]) > 1 else ov["cap_band"][0]
            e.update(copy.deepcopy(ov["params"]))
            overrides.append(e)
        return {"source": self.source, "models": copy.deepcopy(self.models), "uncertainty": dict(self.uncertainty),
                "valid_range": dict(self.valid_range), "overrides": overrides}

    def to_yaml(self) -> str:
        """YAML text that :func:`load_params` reads back to the same parameters."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None, width=110)

    # ----------------------------------------------------------------------------------- resolution
    def resolve(self, symbols, bands) -> dict[str, dict[str, np.ndarray]]:
        """Per-order parameter arrays after the overrides.

        Parameters
        ----------
        symbols : array_like of str
            Each order's symbol.
        bands : array_like of str
            Each order's market-cap band (:func:`cap_band`).

        Returns
        -------
        dict
            ``{model: {param: array}}``; for ``istar`` also ``set`` (the parameter set of each order).
        """
        symbols = np.asarray(symbols, dtype=object)
        bands = np.asarray(bands, dtype=object)
        n = symbols.shape[0]
        out: dict[str, dict[str, np.ndarray]] = {}
        for name, base in self.models.items():
            out[name] = {k: np.full(n, float(v)) for k, v in base.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        ist = self.models["istar"]
        sets = np.full(n, ist["set"], dtype=object)
        explicit: dict[str, np.ndarray] = {k: np.zeros(n, bool) for k in _ISTAR_SET_KEYS}
        explicit_val: dict[str, np.ndarray] = {k: np.full(n, np.nan) for k in _ISTAR_SET_KEYS}
        ordered = [o for o in self.overrides if not o["symbol"]] + [o for o in self.overrides if o["symbol"]]
        for ov in ordered:
            mask = np.ones(n, bool)
            if ov["symbol"]:
                mask &= np.isin(symbols, ov["symbol"])
            if ov["cap_band"]:
                mask &= np.isin(bands, ov["cap_band"])
            if not mask.any():
                continue
            for name, part in ov["params"].items():
                for k, v in part.items():
                    if name == "istar" and k == "set":
                        sets[mask] = v
                    elif name == "istar" and k in _ISTAR_SET_KEYS:
                        explicit[k][mask] = True
                        explicit_val[k][mask] = float(v)
                    elif isinstance(v, (int, float)) and not isinstance(v, bool):
                        out[name][k][mask] = float(v)
        # I-Star: 'auto' picks the set of the order's band, then explicit a1..b1 overrides win
        auto = sets == "auto"
        if auto.any():
            mapped = np.array([ist["band_sets"].get(b, ist["band_sets"].get(CAP_BANDS_UNKNOWN, "all")) for b in bands[auto]],
                              dtype=object)
            sets[auto] = mapped
        for k in _ISTAR_SET_KEYS:
            vals = np.full(n, np.nan)
            for sname, sp in ist["sets"].items():
                vals[sets == sname] = sp[k]
            out["istar"][k] = np.where(explicit[k], explicit_val[k], vals)
        out["istar"]["set"] = sets
        return out

    def build(self, names, symbols, bands) -> dict:
        """Model objects with per-order parameters, for the named models.

        Returns
        -------
        dict
            ``{name: ImpactModel}``; the I-Star model's parameter-set names are in ``build(...)["istar_sets"]``
            when I-Star is among the names.
        """
        from liqcost.models.impact import MODELS

        resolved = self.resolve(symbols, bands)
        models = {}
        for name in names:
            params = dict(resolved[name])
            params.pop("set", None)
            models[name] = MODELS[name](**params)
        return models


def _as_list(v) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def default_params(sqrt_y: float | None = None) -> ImpactParams:
    """The published defaults (with ``impact.sqrt_y`` applied to the square-root and crossover Y)."""
    data = copy.deepcopy(PUBLISHED)
    if sqrt_y is not None:
        data["models"]["sqrt"]["y"] = float(sqrt_y)
        data["models"]["crossover"]["y"] = float(sqrt_y)
    return ImpactParams.from_dict(data, "built-in defaults")


def load_params(config=None, path: str | Path | None = None) -> ImpactParams:
    """The effective impact parameters: published values, ``impact.sqrt_y``, then the parameter file.

    Parameters
    ----------
    config : liqcost.config.Config, optional
        Supplies ``impact.sqrt_y`` and ``impact.params_file``.
    path : str or Path, optional
        A parameter file (overrides ``impact.params_file``).

    Raises
    ------
    liqcost.errors.ConfigError
        A malformed file or invalid values, each problem named by its dotted key.
    """
    from liqcost.config import load_yaml

    sqrt_y = config.impact.sqrt_y if config is not None else None
    base = copy.deepcopy(PUBLISHED)
    if sqrt_y is not None:
        base["models"]["sqrt"]["y"] = float(sqrt_y)
        base["models"]["crossover"]["y"] = float(sqrt_y)
    path = path if path is not None else (config.impact.params_file if config is not None else None)
    if path is None:
        return ImpactParams.from_dict(base, "built-in defaults")
    data = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with models:, uncertainty:, overrides:, got {type(data).__name__}.")
    unknown = set(data) - {"source", "models", "uncertainty", "valid_range", "overrides", "version"}
    if unknown:
        import difflib

        k = min(unknown)
        m = difflib.get_close_matches(k, ["source", "models", "uncertainty", "valid_range", "overrides"], n=1)
        raise ConfigError(f"{path}: {k}: unknown key" + (f" (did you mean '{m[0]}'?)" if m else
                                                         "; known keys: source, models, uncertainty, valid_range, overrides") + ".")
    data.pop("version", None)
    merged = _merge(base, {k: v for k, v in data.items() if k != "overrides"})
    merged["overrides"] = data.get("overrides") or []
    merged["source"] = str(data.get("source") or path)
    return ImpactParams.from_dict(merged, str(path))

