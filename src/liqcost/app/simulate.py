"""``liqcost simulate`` as a function: replay plans on the recorded ticks, start day after start day.

:func:`simulate` is what the command runs and what ``lc.simulate(...)`` calls. The plans come either

* from **plan files** written by ``liqcost plan`` (``--format csv|json|parquet -o plan.*``: the tranche table,
  with the summary beside it giving the predicted cost, its band and the unfilled policy), each moved to every
  start day of the range keeping its windows' local times and trading-day offsets
  (:func:`liqcost.sim.variants.anchor`), or
* from **orders** (one order given as ``symbol, side, qty`` or an orders file), planned afresh for every start
  day with what was known the evening before: the liquidity profile, the fill-probability model and the last
  quote from the data strictly before the start day (no look-ahead), with the same planner as ``liqcost plan``.

Plan **variants** (participation caps, pricing, horizons, or a YAML list) are compared over the same start
days. Every (variant, start day) is an independent run of :func:`liqcost.sim.variants.replay_days` with its
own impact state; own impact is on by default, its parameters from the same impact parameter file as
``pretrade`` and ``plan`` and each run's profile as known before its start day. The result
(:class:`SimulateResult`) holds the comparison per variant (the distribution of cost over start days, the
plan's prediction beside it), the cost-risk points of the report, the distribution per order, and the
per-run orders, tranches and fills (in the fills contract, so ``tca`` reads them like real fills).

Only this layer reads files here; :mod:`liqcost.sim` sees frames and tapes.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

from liqcost.errors import (
    CalibrationError,
    ConfigError,
    FewObservationsWarning,
    NoDataError,
    OrderError,
    UsageError,
)
from liqcost.result import Problem, Result

__all__ = ["SimulateResult", "Variant", "parse_variants", "simulate"]

#: pricing words of ``--variants pricing=...`` and the planner's limit rules they stand for
PRICING = {"passive": ("join",), "mid": ("mid",), "aggressive": ("cross",)}
_RULES = ("join", "improve_1", "improve_2", "improve_3", "mid", "cross")

#: the comparison's columns (one row per variant)
COMPARISON_COLUMNS = [
    "variant", "n_runs", "n_orders", "cost_mean_bps", "cost_sd_bps", "cost_p05_bps", "cost_p25_bps", "cost_median_bps",
    "cost_p75_bps", "cost_p95_bps", "fill_rate_mean_frac", "unfilled_mean_frac", "time_to_complete_median_s",
    "participation_mean_frac", "spread_cost_mean_bps", "impact_mean_bps", "drift_mean_bps", "predicted_cost_mean_bps",
    "predicted_p05_mean_bps", "predicted_p95_mean_bps", "predicted_in_replay_90_frac", "realized_in_plan_band_frac",
]
_TERMINAL = ["variant", "n_runs", "n_orders", "cost_mean_bps", "cost_p05_bps", "cost_median_bps", "cost_p95_bps", "cost_sd_bps",
             "fill_rate_mean_frac", "spread_cost_mean_bps", "impact_mean_bps", "participation_mean_frac",
             "time_to_complete_median_s", "predicted_cost_mean_bps", "predicted_in_replay_90_frac"]


# ------------------------------------------------------------------------------------------ variants


@dataclass(frozen=True)
class Variant:
    """One plan variant: what changes against the base plan (``None`` keeps it).

    Attributes
    ----------
    name : str
        Its label in the tables (``pov5%``, ``passive``, ``3d`` ...).
    max_participation : float, optional
        Participation cap, fraction of volume: the planner's window and day caps for orders; the replay's
        cap of printed volume for a plan file's tranches.
    rules : tuple of str, optional
        Limit rules (``planner.limit_rules`` for orders; a plan file's tranches all take the one rule given).
    days : int, optional
        Exactly this many trading days (``planner.days``; orders only: it re-plans the order).
    unfilled : str, optional
        ``carry``, ``cross_at_end`` or ``leave``: the tranches' policy at a window's end (for orders also
        ``planner.unfilled`` when it is carry or cross_at_end).
    schedule : str, optional
        ``ac``, ``twap``, ``vwap`` or ``pov`` (orders only).
    urgency : float, optional
        Almgren-Chriss risk aversion per currency (orders only).
    """

    name: str
    max_participation: float | None = None
    rules: tuple | None = None
    days: int | None = None
    unfilled: str | None = None
    schedule: str | None = None
    urgency: float | None = None

    @property
    def replans(self) -> bool:
        """Whether the variant needs the order re-planned (a plan file cannot have it)."""
        return any(v is not None for v in (self.days, self.schedule, self.urgency))

    def plan_options(self, base):
        """The base :class:`~liqcost.app.plan.PlanOptions` with this variant's changes."""
        changes = {"max_participation": self.max_participation, "rules": self.rules, "days": self.days,
                   "schedule": self.schedule, "urgency": self.urgency,
                   "unfilled": self.unfilled if self.unfilled in ("carry", "cross_at_end") else None}
        return replace(base, **{k: v for k, v in changes.items() if v is not None})


def _pct_name(p: float) -> str:
    return f"pov{p:.0%}" if abs(p * 100 - round(p * 100)) < 1e-9 else f"pov{p:.1%}"


def _rules_of(word: str, where: str) -> tuple:
    w = word.strip().lower()
    if w in PRICING:
        return PRICING[w]
    if w in _RULES:
        return (w,)
    raise UsageError(f"{where}: unknown pricing {word!r}; use passive, mid, aggressive or a limit rule "
                     f"({', '.join(_RULES)}).")


def parse_variants(specs) -> list[Variant]:
    """Variants from ``--variants`` values or a YAML file.

    Parameters
    ----------
    specs : str, Path or sequence of them
        ``participation=0.05,0.1,0.2`` (caps: ``pov5%`` ...), ``pricing=passive,mid,aggressive`` (or limit
        rules: ``join``, ``improve_1`` ...), ``horizon=1,3,5`` (trading days: ``1d`` ...); each value is one
        variant, one factor at a time around the base plan. Or the path of a YAML file holding a list (or
        ``variants:``) of mappings with ``name`` and any of ``participation``, ``pricing`` (a word or a list
        of rules), ``horizon``, ``unfilled``, ``schedule``, ``urgency``.

    Raises
    ------
    UsageError
        A specification that cannot be read (says which and what is expected).
    ConfigError
        A bad YAML file (the key at fault, by index).
    """
    if specs is None:
        return []
    if isinstance(specs, (str, Path)):
        specs = [specs]
    out: list[Variant] = []
    for spec in specs:
        text = str(spec).strip()
        if "=" not in text:
            path = Path(text)
            if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
                out += _variants_file(path)
                continue
            raise UsageError(f"--variants {text!r}: expected participation=..., pricing=..., horizon=... (comma-separated "
                             "values) or a YAML file of variants.")
        key, _, values = text.partition("=")
        key = key.strip().lower()
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not items:
            raise UsageError(f"--variants {text!r}: no value after '='; e.g. {key}=0.05,0.1,0.2.")
        if key in ("participation", "pov", "max_participation"):
            for v in items:
                try:
                    p = float(v.rstrip("%")) / (100.0 if v.endswith("%") else 1.0)
                except ValueError:
                    raise UsageError(f"--variants {text!r}: {v!r} is not a fraction; use e.g. participation=0.05,0.1,0.2.") from None
                if not 0 < p <= 1:
                    raise UsageError(f"--variants {text!r}: a participation cap is a fraction in (0, 1], got {v}.")
                out.append(Variant(_pct_name(p), max_participation=p))
        elif key in ("pricing", "rules", "rule"):
            for v in items:
                out.append(Variant(v.lower(), rules=_rules_of(v, f"--variants {text!r}")))
        elif key in ("horizon", "days", "horizon_days"):
            for v in items:
                try:
                    d = int(v.rstrip("d"))
                except ValueError:
                    raise UsageError(f"--variants {text!r}: {v!r} is not a number of trading days; use e.g. horizon=1,3,5.") from None
                if d < 1:
                    raise UsageError(f"--variants {text!r}: a horizon is at least one trading day, got {v}.")
                out.append(Variant(f"{d}d", days=d))
        else:
            import difflib

            match = difflib.get_close_matches(key, ["participation", "pricing", "horizon"], n=1)
            hint = f" (did you mean '{match[0]}'?)" if match else ""
            raise UsageError(f"--variants {text!r}: unknown factor {key!r}{hint}; use participation=, pricing= or horizon=.")
    names = [v.name for v in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UsageError(f"--variants: the variant name(s) {', '.join(dup)} appear twice; each variant needs its own name.")
    return out


def _variants_file(path: Path) -> list[Variant]:
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from liqcost.config import format_validation_error, load_yaml

    class _Spec(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        name: str | None = Field(None, description="Label of the variant.")
        participation: float | None = Field(None, gt=0, le=1, description="Participation cap, fraction of volume.")
        pricing: str | list[str] | None = Field(None, description="passive, mid, aggressive or limit rules.")
        horizon: int | None = Field(None, ge=1, description="Trading days.")
        unfilled: str | None = Field(None, pattern="^(carry|cross_at_end|leave)$", description="carry, cross_at_end or leave.")
        schedule: str | None = Field(None, pattern="^(ac|twap|vwap|pov)$", description="ac, twap, vwap or pov.")
        urgency: float | None = Field(None, ge=0, description="Almgren-Chriss risk aversion per currency.")

    if not path.is_file():
        raise UsageError(f"--variants {path}: file not found; give participation=..., pricing=..., horizon=... or a YAML file.")
    data = load_yaml(path)
    if isinstance(data, dict) and "variants" in data:
        data = data["variants"]
    if not isinstance(data, list) or not data or not all(isinstance(d, dict) for d in data):
        raise ConfigError(f"{path}: expected a list of variants (mappings with name, participation, pricing, horizon, "
                          f"unfilled, schedule, urgency), got {type(data).__name__}.")
    out, problems = [], []
    for i, item in enumerate(data):
        try:
            spec = _Spec.model_validate(item)
        except ValidationError as exc:
            problems += format_validation_error(exc, _Spec, prefix=f"variants[{i}]")
            continue
        rules = None
        if spec.pricing is not None:
            words = [spec.pricing] if isinstance(spec.pricing, str) else spec.pricing
            try:
                rules = tuple(dict.fromkeys(r for w in words for r in _rules_of(w, f"{path} variants[{i}].pricing")))
            except UsageError as exc:
                problems.append(exc.message)
                continue
        name = spec.name or "/".join(
            p for p in (_pct_name(spec.participation) if spec.participation else None,
                        "+".join(rules) if rules else None, f"{spec.horizon}d" if spec.horizon else None,
                        spec.unfilled, spec.schedule, f"urgency {spec.urgency:g}" if spec.urgency is not None else None)
            if p) or f"v{i + 1}"
        out.append(Variant(name, spec.participation, rules, spec.horizon, spec.unfilled, spec.schedule, spec.urgency))
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems), problems)
    return out


# ------------------------------------------------------------------------------------------ plan files


def _replay_columns(frame, orders=None, cap=None):
    """A plan's tranche table in the replay's contract (:data:`liqcost.sim.schema.TRANCHES`).

    Plans of schema version 2 name the window's cap ``cap_frac`` and the tranche's cost against arrival
    ``cost_vs_arrival_bps``; version 1 plans carry neither cap nor the order's limit, which come from the
    orders (``max_participation``, ``limit_price``) or ``cap`` when known.
    """
    import polars as pl

    cols = frame.columns
    if "max_participation_frac" not in cols:
        if "cap_frac" in cols:
            frame = frame.with_columns(pl.col("cap_frac").cast(pl.Float64).alias("max_participation_frac"))
        elif orders is not None and "max_participation" in orders.columns:
            frame = frame.join(orders.select(pl.col("order_id").cast(pl.String),
                                             pl.col("max_participation").cast(pl.Float64).alias("max_participation_frac")),
                               on="order_id", how="left")
            if cap is not None:
                frame = frame.with_columns(pl.col("max_participation_frac").fill_null(float(cap)))
        elif cap is not None:
            frame = frame.with_columns(pl.lit(float(cap)).alias("max_participation_frac"))
    if "limit_cap_px" not in cols and orders is not None and "limit_price" in orders.columns:
        frame = frame.join(orders.select(pl.col("order_id").cast(pl.String),
                                         pl.col("limit_price").cast(pl.Float64).alias("limit_cap_px")), on="order_id", how="left")
    if "expected_cost_bps" not in cols and "cost_vs_arrival_bps" in cols:
        frame = frame.with_columns(pl.col("cost_vs_arrival_bps").cast(pl.Float64).alias("expected_cost_bps"))
    return frame


def _plan_templates(files, variants, config, opts) -> tuple[dict, list]:
    """``name -> (tranches, predicted)`` for each plan file and variant, and notes."""
    import polars as pl

    from liqcost.app.inputs import read_plan_file
    from liqcost.sim.replay import tranches_from_plan
    from liqcost.sim.schema import validate_tranches

    notes: list[str] = []
    stems = [Path(f).stem for f in files]
    out = {}
    for f, stem in zip(files, stems):
        name = stem if stems.count(stem) == 1 else str(f)
        read = read_plan_file(f, config.session.timezone)
        frame, summary = read.tranches, read.summary
        if summary is not None and "order_id" in summary.columns:
            summary = summary.with_columns(pl.col("order_id").cast(pl.String))
        holder = _FilePlan(frame, summary)
        frame, predicted = tranches_from_plan(holder, config)
        frame = _replay_columns(frame.with_columns(pl.col("order_id").cast(pl.String)) if "order_id" in frame.columns else frame)
        validate_tranches(frame, str(f))  # a file without the tranche columns says so now, naming them
        if "max_participation_frac" not in frame.columns:
            notes.append(f"{f}: the plan does not say its participation cap; its tranches are replayed at most at "
                         f"{opts['max_participation_frac']:.0%} of the printed volume (simulate.max_participation_frac, "
                         "else planner.max_participation_frac).")
        if summary is None:
            notes.append(f"{f}: no summary beside the plan (its predicted cost and unfilled policy); tranches without "
                         f"an unfilled column {opts['unfilled']} (simulate.unfilled, else planner.unfilled).")
        for v in variants or [Variant(name)]:
            if v.replans:
                what = "a horizon" if v.days is not None else ("a schedule" if v.schedule else "an urgency")
                raise UsageError(f"variant {v.name} changes {what}: that re-plans the order, which a plan file cannot; give "
                                 "the order (--symbol --side --qty, or --orders FILE) instead of --plan.")
            fr, pred = frame, predicted
            if v.max_participation is not None:
                fr = fr.with_columns(pl.lit(float(v.max_participation)).alias("max_participation_frac"))
            if v.rules is not None:
                if len(v.rules) != 1:
                    raise UsageError(f"variant {v.name}: a plan file's tranches take one rule, got {', '.join(v.rules)}; "
                                     "give the order to let the planner choose among several.")
                fr = fr.with_columns(pl.lit(v.rules[0]).alias("limit_rule"))
            if v.unfilled is not None:
                fr = fr.with_columns(pl.lit(v.unfilled).alias("unfilled"))
            if v.max_participation is not None or v.rules is not None or v.unfilled is not None:
                pred = None  # the plan's prediction was for its own caps and rules
                fr = fr.with_columns(pl.lit(None, dtype=pl.Float64).alias("expected_cost_bps"))
            label = v.name if not variants else (v.name if len(files) == 1 else f"{name} {v.name}")
            out[label] = (fr, pred)
    if variants:
        notes.append("a variant of a plan file replays its tranches with another cap, rule or policy (their sizes stay "
                     "the plan's); the plan's predicted cost is shown only for the plan as written.")
    return out, notes


@dataclass(frozen=True)
class _FilePlan:
    """A plan read from files, shaped like a PlanResult for :func:`liqcost.sim.replay.tranches_from_plan`."""

    tranches: object
    order_summary: object


# ------------------------------------------------------------------------------------------ history


class _History:
    """What was known the evening before each start day, from one read of the data.

    Daily metrics are computed once over the whole range; the profile as of a day is
    :func:`liqcost.measures.profile.liquidity_profile` of the days up to it (merged with the bar profile when the
    dataset has bars), which equals ``build_from_dataset(..., end=day)`` (a test keeps them equal). Fill models
    and the plan-time quote come from the ticks read once, day by day, with the windows ``liqcost plan --asof``
    uses.
    """

    def __init__(self, ds, config, symbols, asofs, ticks=None):
        from liqcost.measures.build import trading_calendar

        self.ds, self.config, self.symbols = ds, config, list(symbols)
        self.ticks = ticks or {}
        self.calendar = trading_calendar(ds)
        kinds = ds.kinds()
        m = config.measures
        long = max(m.lookback_days, m.lookback_days_long)
        upto = [d for d in self.calendar if d <= min(asofs)]
        first = upto[-long:][0] if upto else min(asofs)
        last = max(asofs)
        self.trade_days = {s: set(ds.dates("trades", s)) for s in symbols} if "trades" in kinds else {}
        self.bar_days = {s: set(ds.dates("bars", s)) for s in symbols} if "bars" in kinds else {}
        tick_syms = sorted(s for s, days in self.trade_days.items() if any(first <= d <= last for d in days))
        self.daily = None
        if tick_syms:
            from liqcost.measures.daily import daily_metrics

            self.daily = daily_metrics(config, dataset=ds, symbols=tick_syms, start=first, end=last).daily
        self.bars = None
        bar_syms = sorted(s for s, days in self.bar_days.items() if any(first <= d <= last for d in days))
        if bar_syms:
            try:
                self.bars = ds.scan("bars", bar_syms, first, last).collect()
            except NoDataError:
                self.bars = None
            if self.bars is not None and self.bars.height == 0:
                self.bars = None
        self._profiles: dict = {}

    def asof(self, day: dt.date) -> dt.date | None:
        """The last trading day of the data strictly before ``day`` (None when there is none)."""
        before = [d for d in self.calendar if d < day]
        return before[-1] if before else None

    def profile(self, asof: dt.date):
        """``(profiles, missing)``: the profiles as of ``asof`` and why each other symbol has none."""
        import polars as pl

        from liqcost.measures.bars import bar_profile
        from liqcost.measures.build import assemble_profile
        from liqcost.measures.profile import liquidity_profile
        from liqcost.schema import PROFILE

        if asof in self._profiles:
            return self._profiles[asof]
        m = self.config.measures
        lb, long = m.lookback_days, max(m.lookback_days, m.lookback_days_long)
        upto = [d for d in self.calendar if d <= asof]
        lo, hi = (upto[-lb:][0], upto[-1]) if upto else (asof, asof)
        first = upto[-long:][0] if upto else asof

        def has(days_of, s, a, b):
            return any(a <= d <= b for d in days_of.get(s, ()))

        # as liqcost plan --asof: the names with data in the lookback, each kind over the long window
        present = [s for s in self.symbols if has(self.trade_days, s, lo, hi) or has(self.bar_days, s, lo, hi)]
        tick_syms = [s for s in present if has(self.trade_days, s, first, asof)]
        bar_syms = [s for s in present if has(self.bar_days, s, first, asof)]
        tick = bar = d = None
        if self.daily is not None and tick_syms:
            d = self.daily.filter((pl.col("date") <= asof) & pl.col("symbol").is_in(tick_syms))
            if d.height:
                tick = liquidity_profile(d, self.config, asof=asof, complete=False)
        if self.bars is not None and bar_syms:
            b = self.bars.filter(pl.col("symbol").is_in(bar_syms))
            if "date" in b.columns:
                b = b.filter(pl.col("date") <= asof)
            if b.height:
                bar = bar_profile(b, self.config, asof=asof, complete=False)
        # stand-ins for sparse names from these names alone (a fresh build of a selection also looks at the
        # dataset's other names when one needs peers)
        prof = assemble_profile(tick, bar, self.config, daily=d)
        if prof is None:
            prof = pl.DataFrame(schema=PROFILE.polars_schema())
        have = set(prof.get_column("symbol").to_list())
        missing = {s: f"no data for {s} in the {lb}-trading-day lookback ending {asof} (the evening before the start day)"
                   for s in self.symbols if s not in have}
        self._profiles[asof] = (prof, missing)
        return prof, missing

    def profile_before(self, day: dt.date):
        """The profiles known before ``day`` (for the own impact of its runs)."""
        import polars as pl

        from liqcost.schema import PROFILE

        asof = self.asof(day)
        if asof is None:
            return pl.DataFrame(schema=PROFILE.polars_schema())
        return self.profile(asof)[0]

    def _window(self, sym, asof):
        """Quote days of ``sym`` up to ``asof`` in the fill model's lookback."""
        days = [d for d in self.ticks[sym].days if d <= asof] if sym in self.ticks else []
        return days[-self.config.planner.fill_lookback_days:]

    def fill_models(self, asof, symbols, rules, notes: list) -> dict:
        """A fill-probability model per symbol, fitted on the ``planner.fill_lookback_days`` quote days up to
        ``asof`` (as ``liqcost plan --asof`` fits it); a name without quotes, or nothing to fit, gets none and
        a note."""
        from liqcost.models.fill_prob import fit_fill_model

        out = {}
        for sym in symbols:
            days = self._window(sym, asof)
            if not days:
                notes.append(f"{sym}: no quotes before {asof + dt.timedelta(days=1)}; no fill-probability model (tranches cross).")
                continue
            trades, quotes = self.ticks[sym].between(days[0], days[-1])
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", FewObservationsWarning)
                    out[sym] = fit_fill_model(trades, quotes, self.config, symbol=sym, rules=rules)
                notes.extend(str(w.message) for w in caught)
            except CalibrationError as exc:
                notes.append(f"{exc.message} No fill-probability model for {sym} (tranches cross).")
        return out

    def reference_quotes(self, asof, symbols) -> dict:
        """``symbol -> (bid, ask)``: the last valid quote on the last quote day up to ``asof``."""
        out = {}
        for sym in symbols:
            days = self._window(sym, asof)
            if days:
                q = self.ticks[sym].last_quote(days[-1])
                if q is not None:
                    out[sym] = q
        return out


class _Ticks:
    """One symbol's trades and quotes read once, split by exchange-local day."""

    def __init__(self, ds, symbol, first, last, config):
        import polars as pl

        from liqcost.schema import TRADES

        tz = config.session.timezone
        quotes = ds.scan("quotes", [symbol], first, last).collect()
        try:
            trades = ds.scan("trades", [symbol], first, last).collect()
        except NoDataError:
            trades = pl.DataFrame(schema=TRADES.polars_schema(TRADES.required) | {"symbol": pl.String})
        self.trades, self.quotes, self._tz = trades, quotes, tz
        self._parts = None
        self._empty_t = trades.head(0)

    def _split(self):
        """The frames by local day (on first use: the fill models and the plan-time quotes need them)."""
        import polars as pl

        if self._parts is None:
            day = pl.col("ts").dt.convert_time_zone(self._tz).dt.date().alias("_day")
            t = {k[0]: v.drop("_day") for k, v in self.trades.with_columns(day).partition_by("_day", as_dict=True).items()}
            q = {k[0]: v.drop("_day") for k, v in self.quotes.with_columns(day).partition_by("_day", as_dict=True).items()}
            self._parts = (t, q)
        return self._parts

    @property
    def _t(self):
        return self._split()[0]

    @property
    def _q(self):
        return self._split()[1]

    @property
    def days(self):
        return sorted(self._q)

    def between(self, first, last):
        import polars as pl

        days = [d for d in self.days if first <= d <= last]
        tdays = [d for d in sorted(self._t) if first <= d <= last]
        trades = pl.concat([self._t[d] for d in tdays]) if tdays else self._empty_t
        return trades, pl.concat([self._q[d] for d in days])

    def last_quote(self, day):
        import polars as pl

        q = self._q.get(day)
        if q is None:
            return None
        q = q.filter((pl.col("bid") > 0) & (pl.col("ask") >= pl.col("bid")))
        if not q.height:
            return None
        last = q.sort("ts").row(-1, named=True)
        return float(last["bid"]), float(last["ask"])


# ------------------------------------------------------------------------------------------ the result


@dataclass(frozen=True)
class SimulateResult(Result):
    """Plans replayed over start days: the comparison per variant and every run's tables.

    Attributes
    ----------
    comparison : polars.DataFrame
        One row per variant (main table): over the start days, the mean, sd (risk), p05 / p25 / median / p75 /
        p95 of the cost (implementation shortfall vs arrival, bps, positive = paid; a book's orders weighted by
        their arrival notional), fill rate, unfilled share, median time to complete, realized participation,
        spread cost, own impact and market drift (bps per filled share), the plan's predicted cost and band
        (means), ``predicted_in_replay_90_frac`` (start days whose predicted cost lies in the replayed 5-95%
        range) and ``realized_in_plan_band_frac`` (start days whose replayed cost lies in the plan's 90% band).
    cost_risk : polars.DataFrame
        The cost-risk points: ``variant``, ``expected_cost_bps`` (mean replayed cost), ``risk_bps`` (its sd over
        start days), ``n_runs``.
    distribution : polars.DataFrame
        Per variant and order: the distribution of :func:`liqcost.sim.variants.distribution` (cost and fill
        rate percentiles, shares, parts, predictions).
    orders : polars.DataFrame
        One row per variant, start day and order (the replay's order table): ``order_id`` is unique per run
        (``PLAN_ORDER:VARIANT:START_DAY``), ``plan_order_id`` the plan's; ``side`` buy/sell.
    tranches : polars.DataFrame
        One row per tranche of every run.
    fills : polars.DataFrame
        Every simulated fill in the fills contract (``order_id, symbol, side, ts, price, qty, decision_ts,
        decision_price, limit_price``) with ``variant``, ``start_day``, ``plan_order_id``, ``tranche``,
        ``fill_kind`` and the cost parts: ``liqcost tca`` reads it like real fills.
    start_days : tuple of datetime.date
        The start days replayed.
    """

    title: ClassVar[str] = "simulate"

    comparison: object = None
    cost_risk: object = None
    distribution: object = None
    orders: object = None
    tranches: object = None
    fills: object = None
    start_days: tuple = ()
    note_lines: tuple = ()
    problem_list: tuple = ()
    run_events: int = 0
    report_html: str | None = field(default=None, repr=False)

    TABLES: ClassVar[tuple] = ("comparison", "cost_risk", "distribution", "orders", "tranches", "fills")

    def tables(self, which: str = "all") -> dict:
        """``comparison`` (main), ``cost_risk``, ``distribution``, ``orders``, ``tranches``, ``fills``; ``which`` is
        one of them or ``all``."""
        every = {n: getattr(self, n) for n in self.TABLES}
        if which == "all":
            return every
        if which not in every:
            raise UsageError(f"unknown table {which!r}; choose from {', '.join(self.TABLES)} or all.")
        return {which: every[which]}

    def summary(self):
        return self.comparison.select([c for c in _TERMINAL if c in self.comparison.columns])

    def display_tables(self, which: str = "all") -> dict:
        import polars as pl

        if which in ("all", "comparison"):
            return {"comparison": self.summary().with_columns(pl.col(pl.Float64).round(3))}
        return self.tables(which)

    def summary_text(self) -> str:
        """One line per variant, for a person."""
        out = []
        days = self.start_days
        span = f"{days[0]} to {days[-1]}" if days else ""
        for r in self.comparison.iter_rows(named=True):
            line = (f"{r['variant']}: over {r['n_runs']} start day(s) ({span}) the replay cost {_f(r['cost_mean_bps'])} bps "
                    f"on average (median {_f(r['cost_median_bps'])}, 5-95% {_f(r['cost_p05_bps'])} to "
                    f"{_f(r['cost_p95_bps'])}), filled {_pct(r['fill_rate_mean_frac'])}")
            if r.get("predicted_cost_mean_bps") is not None and _finite(r["predicted_cost_mean_bps"]):
                line += (f"; the plan predicted {_f(r['predicted_cost_mean_bps'])} bps, inside the replayed 5-95% range on "
                         f"{_pct(r['predicted_in_replay_90_frac'])} of start days")
            out.append(line + ".")
        return "\n".join(out)


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _f(v) -> str:
    return f"{v:.1f}" if _finite(v) else "n/a"


def _pct(v) -> str:
    return f"{v:.0%}" if _finite(v) else "n/a"


# ------------------------------------------------------------------------------------------ simulate


def simulate(plan=None, *, data=None, compare=(), orders=None, symbol: str | None = None, side=None,
             qty: float | None = None, limit_price: float | None = None, start: dt.date | None = None,
             end: dt.date | None = None, variants=None, config=None, mapping=None, impact: bool | None = None,
             params_file=None, queue_model: str | None = None, html=None, progress=None, options=None,
             workers: int | None = None, scheduler: str | None = None, **option_values) -> SimulateResult:
    """Replay plans on the recorded ticks over a range of start days, and compare plan variants.

    Parameters
    ----------
    plan : str, Path or sequence, optional
        A plan file written by ``liqcost plan`` (:func:`liqcost.app.inputs.read_plan_file`); several files (or ``compare``)
        are compared, each a variant named by its file name.
    data : str or Path
        The dataset written by ``liqcost ingest`` (trades and quotes; the profiles for own impact and planning).
    compare : sequence of str or Path
        More plan files to compare with ``plan``.
    orders : str, Path or polars.DataFrame, optional
        An orders file (or frame) to plan on each start day, instead of a plan file.
    symbol, side, qty, limit_price : optional
        One order to plan on each start day.
    start, end : datetime.date, optional
        The range of start days (inclusive; trading days of the data). Default: every day of the data (orders:
        after ``simulate.history_days`` days of history), as far as each plan's span fits before the data end.
    variants : str, Path or sequence, optional
        ``--variants`` values (:func:`parse_variants`): ``participation=0.05,0.1,0.2``,
        ``pricing=passive,mid,aggressive``, ``horizon=1,3,5``, or a YAML file.
    config : liqcost.config.Config, str or Path, optional
        ``simulate`` (the replay), ``planner``, ``impact``, ``session``.
    mapping : str or Path, optional
        Column mapping of the orders file.
    impact : bool, optional
        Own impact (``simulate.own_impact``; on by default).
    params_file : str or Path, optional
        Impact parameter file (``impact.params_file``) for the own impact (and the planner).
    queue_model : str, optional
        ``trade_through``, ``queue`` or ``prob`` (``simulate.queue_model``).
    html : str or Path, optional
        Write the report's replay section (comparison chart and tables) to this HTML file.
    progress : callable, optional
        ``progress(total)`` returning a context manager that yields ``advance(n=1)`` (start days prepared).
    options : PlanOptions, optional
        Planner options for orders (``max_participation``, ``horizon_days``, ``days``, ``rules``, ``unfilled``,
        ``schedule``, ``urgency``); or give them as keywords.
    workers : int, optional
        Threads (``engine.workers``): 2 or more replay tasks on that many threads; 0 or 1 replays everything in
        one call (the history's tick pass takes 0 as one per core).
    scheduler : str, optional
        Replay on this Dask scheduler, ``tcp://HOST:PORT`` or ``local:N`` (``engine.scheduler``; docs/cluster.md):
        one task per symbol, chunk of start days and variant, each worker reading its symbol's tape from the
        dataset. The plans (orders) and the history stay with the caller.

    Returns
    -------
    SimulateResult

    Raises
    ------
    UsageError
        Conflicting inputs, a bad variant, planner options with a plan file, a refused single order.
    FileFormatError, SchemaError
        A plan file that cannot be read, or without the tranche columns (all of them named).
    NoDataError
        A symbol missing from the dataset, or no start day of the range in the data.
    """
    import contextlib

    import polars as pl

    from liqcost.app import load
    from liqcost.app.plan import PlanOptions

    given = scheduler or load(config).engine.scheduler
    if given and given.startswith("local:"):  # start the local cluster once: the history's tick pass and the replay
        from liqcost.engine import on_address, shared_scheduler

        with shared_scheduler(given, load(config).engine.worker_threads) as address:
            run = on_address(given, address, workers or load(config).engine.workers)
            return simulate(plan, data=data, compare=compare, orders=orders, symbol=symbol, side=side, qty=qty,
                            limit_price=limit_price, start=start, end=end, variants=variants, config=config,
                            mapping=mapping, impact=impact, params_file=params_file, queue_model=queue_model, html=html,
                            progress=progress, options=options, workers=run["engine.workers"], scheduler=address,
                            **option_values)
    from liqcost.io.dataset import Dataset
    from liqcost.sim.options import resolve_options

    option_values = {k: (tuple(v) if k == "rules" and v else v) for k, v in option_values.items()}
    base_opts = options or PlanOptions(**option_values)
    files = [plan] if isinstance(plan, (str, Path)) else list(plan or [])
    files += list(compare or [])
    single = any(v is not None for v in (symbol, side, qty))
    if data is None:
        raise UsageError("say where the ticks are: --data DATASET (written by `liqcost ingest`).")
    if files and (single or orders is not None):
        raise UsageError("give either plan files (--plan, --compare) or an order to plan (--symbol --side --qty, or "
                         "--orders FILE), not both.")
    if not files and not single and orders is None:
        raise UsageError("say what to replay: --plan FILE (from `liqcost plan`), or an order to plan on each start day "
                         "(--symbol S --side buy|sell --qty N, or --orders FILE).")
    if compare and not plan:
        raise UsageError("--compare adds plan files to --plan FILE; give --plan too.")
    if single and orders is not None:
        raise UsageError("give either one order (--symbol, --side, --qty) or --orders FILE, not both.")
    if single and (symbol is None or side is None or qty is None):
        missing = [n for n, v in (("--symbol", symbol), ("--side", side), ("--qty", qty)) if v is None]
        raise UsageError(f"a single order needs --symbol, --side and --qty; missing {', '.join(missing)}.")
    if files and any(v is not None for v in vars(base_opts).values()):
        given = [k for k, v in vars(base_opts).items() if v is not None]
        raise UsageError(f"planner options ({', '.join(given)}) apply to plans built from an order; a plan file is "
                         "replayed as written (change its replay with --variants participation=... or pricing=...).")
    if orders is not None and limit_price is not None:
        raise UsageError("--limit-price applies to a single order; put a limit_price column in the orders file.")
    if start is not None and end is not None and end < start:
        raise UsageError(f"--end {end} is before --start {start}; give a range of start days.")

    overrides = {"simulate.own_impact": impact, "impact.params_file": str(params_file) if params_file else None,
                 "simulate.queue_model": queue_model, "engine.workers": workers, "engine.scheduler": scheduler}
    base_cfg = load(config, overrides)
    cfg = load(base_cfg, base_opts.overrides(base_cfg))
    opts = resolve_options(None, cfg)
    variant_list = parse_variants(variants)
    ds = data if isinstance(data, Dataset) else Dataset(data)
    if "quotes" not in ds.kinds():
        raise NoDataError(f"{ds.root}: no quotes in the dataset; a replay needs the prevailing quote. Ingest quotes with "
                          f"`liqcost ingest --kind quotes FILE -d {ds.root}`.")
    progress = progress or (lambda total: contextlib.nullcontext(lambda n=1: None))
    notes: list[str] = []
    problems: list[Problem] = []

    # ---- what to replay
    if files:
        templates, file_notes = _plan_templates(files, variant_list, cfg, opts)
        notes += file_notes
        symbols = list(dict.fromkeys(s for fr, _ in templates.values() for s in fr["symbol"].cast(pl.String).to_list()))
        check = None
        names = list(templates)
    else:
        from liqcost.app.inputs import read_orders, single_order, usable_or_raise

        if single:
            check = single_order(cfg, symbol=symbol, side=side, qty=qty, limit_price=limit_price)
        else:
            check = read_orders(orders, cfg, mapping=mapping)
            if check.orders.height == 0:
                usable_or_raise(check)
            from liqcost.inputs import order_where

            problems += [Problem("order_rejected", order_where(check.source, r["row"], r["order_id"]), r["reason"] + ".")
                         for r in check.problems.iter_rows(named=True)]
        check = _without_dates(check, notes)
        symbols = check.orders.get_column("symbol").unique(maintain_order=True).to_list()
        variant_list = variant_list or [Variant("plan")]
        names = [v.name for v in variant_list]
        templates = None
    symbols, check = _known_symbols(ds, symbols, check, problems, single)

    # ---- start days
    quote_days = sorted(set().union(*(ds.dates("quotes", s) for s in symbols)))
    days = [d for d in quote_days if (start is None or d >= start) and (end is None or d <= end)]
    if not days:
        raise NoDataError(f"{ds.root}: the data have quotes for {', '.join(symbols)} from {quote_days[0]} to "
                          f"{quote_days[-1]}; no start day between {start or quote_days[0]} and {end or quote_days[-1]}: "
                          "choose --start/--end within the data.")
    if start is not None and start < quote_days[0] or end is not None and end > quote_days[-1]:
        notes.append(f"start days asked from {start or days[0]} to {end or days[-1]}; the data cover {quote_days[0]} to "
                     f"{quote_days[-1]}.")
    needs_history = not files or opts["own_impact"]
    from liqcost.measures.build import trading_calendar

    calendar = trading_calendar(ds)
    if needs_history:
        ok = [d for d in days if any(c < d for c in calendar)]
        if not files and start is None:
            ok = [d for d in ok if sum(1 for c in calendar if c < d) >= opts["history_days"]]
        dropped = [d for d in days if d not in set(ok)]
        if dropped:
            why = ("plans are made from the data before each start day" if not files
                   else "own impact takes the profile known before each start day")
            hint = (f" (simulate.history_days: {opts['history_days']})" if not files and start is None else "")
            notes.append(f"{len(dropped)} start day(s) without enough data before them left out ({dropped[0]} ...): {why}{hint}.")
        days = ok
        if not days:
            raise NoDataError(f"{ds.root}: no start day between {start or quote_days[0]} and {end or quote_days[-1]} has data "
                              "before it to plan from (or to take the own impact's profile from); choose later start days.")

    # ---- ticks read once: the tape, the fill models and the plan-time quotes
    span = _span_days(templates, variant_list, cfg, files)
    after = [d for d in quote_days if d >= days[-1]]
    tape_last = after[min(span, len(after) - 1)]
    first_read = days[0]
    if not files:
        lookback = cfg.planner.fill_lookback_days
        before = [d for d in quote_days if d < days[0]]
        first_read = before[-lookback] if len(before) >= lookback else (before[0] if before else days[0])
    else:
        before = [d for d in quote_days if d < days[0]]
        first_read = before[-1] if before else days[0]
    ticks = {s: _Ticks(ds, s, first_read, tape_last, cfg) for s in symbols}
    from liqcost.sim.tape import Tape

    tapes = {s: Tape.from_frames(t.trades, t.quotes, s, cfg) for s, t in ticks.items()}
    for s, tape in tapes.items():
        for reason, count in tape.dropped.items():
            notes.append(f"{s}: {count} {reason.split(':')[0]} row(s) left out of the tape ({reason.split(': ', 1)[-1]}).")

    history = None
    if needs_history:
        asofs = sorted({a for a in (_prev(calendar, d) for d in days) if a is not None})
        history = _History(ds, cfg, symbols, asofs, ticks)

    # ---- plans for each start day (orders), then the replay
    from liqcost.sim.variants import distribution

    with progress(len(days)) as advance:
        if files:
            market_variants = templates
            if history is not None:
                lacking = []
                for d in days:
                    have = set(history.profile_before(d).get_column("symbol").to_list())
                    if not set(symbols) <= have:
                        lacking.append(d)
                    advance(1)
                if lacking:
                    notes.append(f"{len(lacking)} start day(s) left out ({lacking[0]} ...): own impact needs the liquidity "
                                 "profile of every symbol from the data before the start day (or replay with --no-impact).")
                    days = [d for d in days if d not in set(lacking)]
                if not days:
                    raise NoDataError(f"{ds.root}: no start day has a liquidity profile of {', '.join(symbols)} from the data "
                                      "before it, which own impact needs; choose later start days or --no-impact.")
            else:
                advance(len(days))
        else:
            dated, plan_notes = _plan_days(check, variant_list, days, history, cfg, base_opts, calendar, advance)
            if not any(dated.values()):
                first = next((n for n in plan_notes if n.startswith("variant ")), "see the planner's reasons")
                raise OrderError(f"no order could be planned on any of the {len(days)} start day(s) from {days[0]} to "
                                 f"{days[-1]}: {first}")
            notes += plan_notes
            market_variants = {name: DatedPlans(dated.get(name, {})) for name in names}
    res, failed = _replay(market_variants, tapes, days, history, cfg, ds, first_read, tape_last)
    notes += list(res.notes)
    problems += list(res.problems) + list(failed)

    # ---- tables
    runs = res.runs
    book = _book_runs(runs)
    comparison = distribution(book, names)
    comparison = comparison.select([c for c in COMPARISON_COLUMNS if c in comparison.columns])
    n_orders = runs.group_by("variant").agg(pl.col("order_id").n_unique().cast(pl.Int64).alias("n_orders"))
    comparison = comparison.join(n_orders, on="variant", how="left").select(
        "variant", "n_runs", "n_orders", *[c for c in comparison.columns if c not in ("variant", "n_runs")])
    if check is not None and check.orders.height > 1:
        book_size = check.orders.height
        for r in comparison.filter(pl.col("n_orders") < book_size).iter_rows(named=True):
            notes.append(f"variant {r['variant']} replays {r['n_orders']} of the book's {book_size} orders (the others "
                         "could not be planned, see above): its comparison with the other variants is not like for like.")
    cost_risk = comparison.select("variant", pl.col("cost_mean_bps").alias("expected_cost_bps"),
                                  pl.col("cost_sd_bps").alias("risk_bps"), "n_runs")
    per_order = _per_order(runs, names)
    orders_tab, tranches_tab, fills_tab = (_output(t) for t in (runs, res.tranches, res.fills))
    start_days = tuple(sorted(set(runs.get_column("start_day").to_list())))
    if check is not None and check.orders.height > 1:
        notes.append("comparison: each start day's cost of the book is its orders' costs weighted by their arrival "
                     "notional; per order in the distribution table.")
    result = SimulateResult(comparison, cost_risk, per_order, orders_tab, tranches_tab, fills_tab, start_days,
                            tuple(dict.fromkeys(notes)), tuple(problems), res.run_events)
    if html is not None:
        from liqcost.io.atomic import write_text_atomic

        text = _report(result, cfg, symbols).to_html()
        write_text_atomic(html, text)
        result = replace(result, note_lines=result.note_lines + (f"wrote the report to {html}",), report_html=str(html))
    return result


# ------------------------------------------------------------------------------------------ the replay as tasks


class DatedPlans:
    """``start_day -> (tranches, predicted)`` of one variant (None on a day it has no plan): picklable."""

    def __init__(self, plans: dict):
        self.plans = plans

    def __call__(self, day):
        return self.plans.get(day)


class _Profiles:
    """``start_day -> profile rows`` known before that day (what the own impact of its runs takes): picklable."""

    def __init__(self, rows: dict):
        self.rows = rows

    def __call__(self, day):
        return self.rows[day]


@dataclass(frozen=True)
class ReplayTask:
    """One partition of the replay (a symbol, a chunk of start days, a variant), as it travels to a worker.

    Attributes
    ----------
    name : str
        The variant.
    variant : object
        Its plan: ``(tranches, predicted)`` (a plan file) or :class:`DatedPlans` of the chunk's start days.
    symbol : str
    days : tuple of datetime.date
        The chunk of start days.
    profiles : dict or None
        ``start_day -> the symbol's profile rows known before it`` (own impact), or None.
    root : str
        The dataset's folder (absolute): the worker reads the symbol's tape there, ``first`` to ``last`` ...
    first, last : datetime.date
        ... the days the whole replay reads (so every partition's tape is the tape of one call).
    tape : liqcost.sim.tape.Tape or None
        ... or the tape itself (in-process threads: the one already read).
    config : liqcost.config.Config
    """

    name: str
    variant: object
    symbol: str
    days: tuple
    profiles: dict | None
    root: str
    first: dt.date
    last: dt.date
    tape: object
    config: object


def replay_partition(task: ReplayTask):
    """The partition function of the replay (in-process or on a Dask worker): read the symbol's tape from the
    dataset (unless given) and replay the variant on the chunk's start days
    (:func:`liqcost.sim.variants.replay_days` with ``only`` the symbol)."""
    from liqcost.sim.variants import replay_days

    tape = task.tape
    if tape is None:
        from liqcost.io.dataset import Dataset
        from liqcost.sim.tape import Tape

        t = _Ticks(Dataset(task.root), task.symbol, task.first, task.last, task.config)
        tape = Tape.from_frames(t.trades, t.quotes, task.symbol, task.config)
    profile = _Profiles(task.profiles) if task.profiles is not None else None
    return replay_days({task.name: task.variant}, {task.symbol: tape}, list(task.days), profile=profile,
                       config=task.config, keep_fills=True, keep_tranches=True, only=(task.symbol,))


def _replay(market_variants, tapes, days, history, cfg, ds, first_read, tape_last):
    """:func:`liqcost.sim.variants.replay_days` of every variant on every start day.

    In-process (no scheduler, ``engine.workers`` 0 or 1) in one call, as simulate always did; with a scheduler
    (or ``engine.workers`` >= 2 threads) as tasks of (symbol, chunk of start days, variant) through the engine,
    put together by :func:`liqcost.sim.variants.combine_days` into the same tables: the same rows, notes and
    problems, and the same numbers up to the order in which polars sums a run's fills (the per-run costs
    agree to about 1e-15 relative: a call over fewer runs, or a worker with another polars thread count, adds
    them in another order). A task that still fails on a cluster leaves its runs out and is a problem (exit
    code 1)."""
    import polars as pl

    from liqcost.engine import planned_width, run_tasks
    from liqcost.sim.variants import combine_days, replay_days

    eng = cfg.engine
    profile = history.profile_before if history is not None else None
    width = planned_width(eng.workers, eng.scheduler)
    if not eng.scheduler and eng.workers < 2:
        return replay_days(market_variants, tapes, days, profile=profile, config=cfg, keep_fills=True,
                           keep_tranches=True), ()
    names = list(market_variants)
    symbols = list(tapes)
    target = 4 * width if eng.scheduler else width
    n_chunks = max(1, min(len(days), -(-target // max(1, len(symbols) * len(names)))))
    size = -(-len(days) // n_chunks)
    chunks = [tuple(days[i:i + size]) for i in range(0, len(days), size)]
    root = str(Path(ds.root).absolute())
    profiles: dict = {}
    tasks = []
    for name in names:
        spec = market_variants[name]
        for chunk in chunks:
            variant = DatedPlans({d: spec.plans[d] for d in chunk if d in spec.plans}) if isinstance(spec, DatedPlans) else spec
            for sym in symbols:
                rows = None
                if profile is not None:
                    rows = {}
                    for d in chunk:
                        if d not in profiles:
                            profiles[d] = profile(d)
                        rows[d] = profiles[d].filter(pl.col("symbol") == sym)
                tasks.append(ReplayTask(name, variant, sym, chunk, rows, root, first_read, tape_last,
                                        None if eng.scheduler else tapes[sym], cfg))
    failures: list = []
    parts = run_tasks(replay_partition, tasks, workers=width, scheduler=eng.scheduler, retries=eng.retries,
                      threads=eng.worker_threads, failures=failures)
    failed = []
    for f in failures:
        t = tasks[f.index]
        span = f"{t.days[0]}" + (f" to {t.days[-1]}" if len(t.days) > 1 else "")
        failed.append(Problem("partition_failed", f"{root}: replay of {t.symbol}, variant {t.name}, start days {span}",
                              f"failed on the Dask cluster after {eng.retries} retr{'y' if eng.retries == 1 else 'ies'} "
                              f"({f}); these runs are left out of every table (the comparison is over the other runs); "
                              "run again, or without the scheduler."))
    return combine_days(parts, names, keep_fills=True, keep_tranches=True), tuple(failed)


# ------------------------------------------------------------------------------------------ helpers


def _prev(calendar, day):
    before = [c for c in calendar if c < day]
    return before[-1] if before else None


def _known_symbols(ds, symbols, check, problems, single) -> list[str]:
    """The symbols with quotes in the dataset; a missing one is an error (single order, plan file) or a
    refused order (a book)."""
    import polars as pl

    from liqcost.app.inputs import unknown_symbol_message

    known = ds.symbols("quotes")
    missing = [s for s in symbols if s not in set(known)]
    if not missing:
        return symbols, check
    where = f"the quotes of dataset {ds.root}"
    if check is None or single:
        raise NoDataError(unknown_symbol_message(missing[0], known, where) + "; a replay needs the symbol's quotes.")
    lost = check.orders.filter(pl.col("symbol").is_in(missing))
    from liqcost.inputs import order_where

    for r in lost.iter_rows(named=True):
        problems.append(Problem("order_rejected", order_where(check.source, r["row"], r["order_id"]),
                                unknown_symbol_message(r["symbol"], known, where) + "."))
    live = [s for s in symbols if s not in set(missing)]
    if not live:
        raise NoDataError(f"{check.source}: none of the orders' symbols has quotes in {ds.root} "
                          f"({unknown_symbol_message(missing[0], known, where)}).")
    return live, replace(check, orders=check.orders.filter(~pl.col("symbol").is_in(missing)))


def _without_dates(check, notes):
    """Orders without their own start/end: each is planned from the open of every start day."""
    cols = [c for c in ("start", "end") if c in check.orders.columns]
    if not cols:
        return check
    import polars as pl

    if check.orders.select(pl.any_horizontal([pl.col(c).is_not_null() for c in cols]).any()).item():
        notes.append(f"{check.source}: the orders' {' and '.join(cols)} times are not used: each order is planned from "
                     "the open of every start day.")
    return replace(check, orders=check.orders.drop(cols))


def _span_days(templates, variants, config, files) -> int:
    """Trading days after a start day the longest plan may need (for the tape's end)."""
    if files:
        import polars as pl

        tz = config.session.timezone
        span = 0
        for fr, _ in templates.values():
            d = fr.select(pl.col("window_start").dt.convert_time_zone(tz).dt.date().min().alias("a"),
                          pl.col("window_end").dt.convert_time_zone(tz).dt.date().max().alias("b")).row(0)
            span = max(span, (d[1] - d[0]).days)
        return span
    pc = config.planner
    longest = max([pc.days or pc.horizon_days] + [v.days or 0 for v in variants])
    return max(longest, pc.horizon_days) + 1


def _plan_days(check, variants, days, history, cfg, base_opts, calendar, advance):
    """Plan each variant for each start day with what was known the evening before.

    Returns ``{variant: {start_day: (tranches, predicted)}}`` and notes (orders a variant could not plan on
    some start days, with the first reason).
    """
    import polars as pl

    from liqcost.app import load
    from liqcost.planner.plan import plan as make_plan
    from liqcost.sim.replay import tranches_from_plan

    cfgs = {v.name: load(cfg, v.plan_options(base_opts).overrides(cfg)) for v in variants}
    rules = sorted({r for c in cfgs.values() for r in c.planner.limit_rules if r != "cross"},
                   key=lambda r: _RULES.index(r))
    symbols = check.orders.get_column("symbol").unique(maintain_order=True).to_list()
    refit = max(1, int(cfg.simulate.fill_refit_days))
    dated: dict = {}
    failed: dict = {}
    notes: list[str] = []
    models: dict = {}
    fit_notes: list[str] = []
    plan_notes: list[str] = []
    for i, day in enumerate(days):
        asof = _prev(calendar, day)
        profiles, missing = history.profile(asof)
        have = set(profiles.get_column("symbol").to_list())
        if rules and (i % refit == 0 or not models):
            models = history.fill_models(asof, [s for s in symbols if s in have], rules, fit_notes)
        quotes = history.reference_quotes(asof, symbols)
        for v in variants:
            c = cfgs[v.name]
            use = models if any(r != "cross" for r in c.planner.limit_rules) else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = make_plan(check, profiles, use, c, start=day, quotes=quotes, errors="report", no_profile=missing)
            summ = res.order_summary
            bad = summ.filter(pl.col("status") != "planned")
            said = set(bad.get_column("status").to_list())
            ids = tuple(f"order {o}:" for o in bad.get_column("order_id").to_list())
            plan_notes.extend(n for n in res.notes if n not in said and not n.startswith(ids))  # failures: below
            for r in summ.filter(pl.col("status") != "planned").iter_rows(named=True):
                failed.setdefault((v.name, r["order_id"]), []).append((day, r["status"]))
            if res.tranches.height == 0:
                continue
            frame, pred = tranches_from_plan(res, c)
            frame = _replay_columns(frame, check.orders.with_columns(pl.col("order_id").cast(pl.String)),
                                    c.planner.max_participation_frac)
            if v.unfilled is not None:
                frame = frame.with_columns(pl.lit(v.unfilled).alias("unfilled"))
            dated.setdefault(v.name, {})[day] = (frame, pred)
        advance(1)
    for (name, oid), lst in failed.items():
        notes.append(f"variant {name}: order {oid} could not be planned on {len(lst)} of {len(days)} start day(s) "
                     f"(first {lst[0][0]}: {lst[0][1]}).")
    if refit > 1:
        notes.append(f"fill-probability models refitted every {refit} start days (simulate.fill_refit_days), each on "
                     "the data before its own start day.")
    for group in (fit_notes, plan_notes):
        unique = list(dict.fromkeys(group))
        notes += unique[:8] + ([f"... and {len(unique) - 8} more such notes over the start days."] if len(unique) > 8 else [])
    return dated, notes


_BOOK_SUM = ("qty_shares", "filled_shares", "passive_shares", "cleanup_shares", "unfilled_shares", "market_volume_shares")


def _book_runs(runs):
    """One row per variant and start day: the book's cost, its orders weighted by their arrival notional.

    ``shortfall_bps`` and the predicted cost are weighted by ``qty x arrival mid``; the per-filled-share parts
    (spread, impact, drift, execution cost) by the filled notional; the fill, unfilled and passive shares are
    notional shares; participation is the filled shares over the market volume of the book's names, time to
    complete the longest order's (null while one is incomplete); the plan's band only for a one-order book.
    For one order per run this is the order's own row.
    """
    import polars as pl

    n = pl.col("qty_shares") * pl.col("arrival_mid_px")
    nf = pl.col("filled_shares") * pl.col("arrival_mid_px")

    def wmean(col, w):
        ok = pl.col(col).is_not_null() & pl.col(col).is_not_nan() & (w > 0)
        return pl.when(ok.any()).then((pl.col(col) * w).filter(ok).sum() / w.filter(ok).sum()).otherwise(None)

    single = pl.len() == 1
    return runs.group_by("variant", "start_day", maintain_order=True).agg(
        pl.len().alias("n_orders"),
        wmean("shortfall_bps", n).alias("shortfall_bps"),
        wmean("execution_cost_bps", nf).alias("execution_cost_bps"),
        wmean("spread_cost_bps", nf).alias("spread_cost_bps"),
        wmean("impact_bps", nf).alias("impact_bps"),
        wmean("drift_bps", nf).alias("drift_bps"),
        (nf.sum() / n.sum()).alias("fill_rate_frac"),
        ((pl.col("unfilled_shares") * pl.col("arrival_mid_px")).sum() / n.sum()).alias("unfilled_frac"),
        ((pl.col("passive_shares") * pl.col("arrival_mid_px")).sum() / n.sum()).alias("passive_frac"),
        pl.when(pl.col("market_volume_shares").sum() > 0)
        .then((pl.col("filled_shares") - pl.col("cleanup_shares")).sum() / pl.col("market_volume_shares").sum())
        .otherwise(None).alias("participation_frac"),
        pl.when(pl.col("time_to_complete_s").is_null().any()).then(None)
        .otherwise(pl.col("time_to_complete_s").max()).alias("time_to_complete_s"),
        pl.when(pl.col("predicted_cost_bps").is_null().any()).then(None)
        .otherwise((pl.col("predicted_cost_bps") * n).sum() / n.sum()).alias("predicted_cost_bps"),
        pl.when(single).then(pl.col("predicted_p05_bps").first()).otherwise(None).alias("predicted_p05_bps"),
        pl.when(single).then(pl.col("predicted_p95_bps").first()).otherwise(None).alias("predicted_p95_bps"),
    )


def _per_order(runs, names):
    """The distribution per variant and order (plan order id, symbol, side)."""
    import polars as pl

    from liqcost.sim.variants import distribution

    parts = []
    for oid in runs.get_column("order_id").unique(maintain_order=True).to_list():
        sub = runs.filter(pl.col("order_id") == oid)
        first = sub.row(0, named=True)
        d = distribution(sub, [n for n in names if n in set(sub["variant"].to_list())])
        parts.append(d.with_columns(pl.lit(oid).alias("order_id"), pl.lit(first["symbol"]).alias("symbol"),
                                    pl.lit("buy" if first["side"] > 0 else "sell").alias("side")))
    out = pl.concat(parts, how="vertical_relaxed")
    lead = ["variant", "order_id", "symbol", "side"]
    return out.select(lead + [c for c in out.columns if c not in lead])


def _output(frame):
    """A run table as written: the run's own order id, the plan's beside it, ``side`` as buy/sell."""
    import polars as pl

    if frame is None:
        return None
    run_id = pl.concat_str([pl.col("order_id").cast(pl.String), pl.col("variant"),
                            pl.col("start_day").cast(pl.String)], separator=":")
    out = frame.with_columns(
        pl.col("order_id").cast(pl.String).alias("plan_order_id"), run_id.alias("order_id"),
        pl.when(pl.col("side").cast(pl.Int8) > 0).then(pl.lit("buy")).otherwise(pl.lit("sell")).alias("side"),
    )
    lead = ["variant", "start_day", "order_id", "plan_order_id"]
    return out.select(lead + [c for c in out.columns if c not in lead])


def _report(result, config, symbols):
    """The replay section of the report: the comparison chart and table, the cost-risk points."""
    import polars as pl

    from liqcost.report import Report, replay_section

    days = result.start_days
    rep = Report("liqcost simulate: plans replayed on the recorded ticks", config,
                 data_range=(days[0], days[-1]) if days else None, symbols=symbols, range_label="Start days")
    frame = result.comparison.rename({"cost_median_bps": "cost_p50_bps"})
    sec = replay_section(frame.select("variant", "n_runs", "cost_mean_bps", "cost_sd_bps", "cost_p05_bps", "cost_p25_bps",
                                      "cost_p50_bps", "cost_p75_bps", "cost_p95_bps", "fill_rate_mean_frac",
                                      "spread_cost_mean_bps", "impact_mean_bps", "participation_mean_frac",
                                      "time_to_complete_median_s", "predicted_cost_mean_bps",
                                      "predicted_in_replay_90_frac"))
    sec.tables.append(("Cost and risk per variant (mean and standard deviation of the replayed cost over start days)",
                       result.cost_risk))
    if result.distribution.get_column("order_id").n_unique() > 1:
        sec.tables.append(("Per order", result.distribution.select(
            "variant", "order_id", "symbol", "side", "n_runs", "cost_mean_bps", "cost_sd_bps", "cost_p05_bps",
            "cost_median_bps", "cost_p95_bps", "fill_rate_mean_frac").with_columns(pl.col(pl.Float64).round(2))))
    sec.notes += [n for n in result.notes if not n.startswith("wrote ")]
    rep.add(sec)
    return rep
