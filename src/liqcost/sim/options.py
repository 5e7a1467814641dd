"""Options of the replay (``liqcost simulate``): a typed section, ready to mount in the config.

:class:`SimOptions` is a frozen pydantic v2 model with unknown keys forbidden, written like the sections of
:mod:`liqcost.config`, so the application layer can add it to :class:`liqcost.config.Config` as
``simulate:`` (and ``configs/default.yaml`` is regenerated from it). Options left at ``None`` take the
planner's value (``planner.fill_queue_ahead_frac``, ``planner.max_participation_frac``,
``planner.unfilled``), so a replay uses the conventions the plan was made with unless told otherwise.
``history_days`` and ``fill_refit_days`` are read by ``liqcost simulate`` (:mod:`liqcost.app.simulate`) when it
plans orders itself; the library's replay functions ignore them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SimOptions", "resolve_options"]


class SimOptions(BaseModel):
    """How a plan is replayed on the recorded ticks."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    queue_model: Literal["trade_through", "queue", "prob"] = Field(
        "queue",
        description=(
            "Fills of a resting order: trade_through (only prints through its price), queue (prints at its price "
            "after the displayed size ahead of it, as the planner's fill model), prob (queue, and cancellations "
            "split ahead/behind with a power-law probability)."
        ),
    )
    queue_ahead_frac: float | None = Field(
        None, ge=0, le=1,
        description="Share of the displayed size ahead of an order that joins a price level; null = planner.fill_queue_ahead_frac.",
    )
    queue_power: float = Field(2.0, gt=0, description="Exponent n of the prob queue model's f(x) = x^n.")
    participation_cap: bool = Field(
        True, description="Never fill more than the tranche's participation cap times the market volume printed in its window."
    )
    max_participation_frac: float | None = Field(
        None, gt=0, le=1,
        description="Participation cap of tranches that do not carry one; null = planner.max_participation_frac.",
    )
    unfilled: Literal["carry", "cross_at_end", "leave"] | None = Field(
        None,
        description=(
            "What a tranche's unfilled part does at the window's end when its row does not say: carry to the order's "
            "next tranche, cross at the end, or leave (priced at the end mid); null = planner.unfilled."
        ),
    )
    carry_last: Literal["cross_at_end", "leave"] = Field(
        "cross_at_end",
        description="What carry does after an order's last tranche (cross_at_end is what the planner prices).",
    )
    refill_min_shares: float = Field(
        100.0, gt=0,
        description=(
            "A marketable order takes the touch's displayed size, then walks one tick at a time assuming every level "
            "holds the touch's size again, at least this many shares."
        ),
    )
    own_impact: bool = Field(True, description="Shift the replayed prices by the impact of our own fills.")
    impact_half_life_s: float = Field(
        1200.0, gt=0,
        description="Half-life of the transient part of our impact, seconds (about the 30-minute relaxation time of the sample).",
    )
    impact_decay: Literal["pause", "continuous"] = Field(
        "pause",
        description="The transient impact relaxes only while no tranche works (pause) or at all times (continuous).",
    )
    history_days: int = Field(
        5, ge=1,
        description=(
            "liqcost simulate, plans built from orders without --start: trading days of data before the first start "
            "day (each start day is planned from the data strictly before it)."
        ),
    )
    fill_refit_days: int = Field(
        1, ge=1,
        description=(
            "liqcost simulate, plans built from orders: refit the fill-probability model every this many start days "
            "(1: on each start day; more reuses the last fit, made on data before its own start day: faster, never "
            "looking ahead)."
        ),
    )


def resolve_options(options: SimOptions | dict | None, config) -> dict:
    """Plain values of the options with the planner's defaults filled in (``queue_ahead_frac`` ...).

    ``options=None`` takes the config's ``simulate:`` section.
    """
    if options is None:
        options = getattr(config, "simulate", None) or SimOptions()
    elif isinstance(options, dict):
        from pydantic import ValidationError

        from liqcost.config import format_validation_error
        from liqcost.errors import ConfigError

        try:
            options = SimOptions.model_validate(options)
        except ValidationError as exc:
            problems = format_validation_error(exc, SimOptions, prefix="simulate")
            raise ConfigError("replay options: " + "; ".join(problems), problems) from None
    pc = config.planner
    out = options.model_dump()
    if out["queue_ahead_frac"] is None:
        out["queue_ahead_frac"] = float(pc.fill_queue_ahead_frac)
    if out["max_participation_frac"] is None:
        out["max_participation_frac"] = float(pc.max_participation_frac)
    if out["unfilled"] is None:
        out["unfilled"] = pc.unfilled
    return out
