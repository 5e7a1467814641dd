"""Self-contained HTML reports with charts (inline SVG and CSS, no script, no network to view them).

>>> from liqcost.report import liquidity_report            # doctest: +SKIP
>>> html = liquidity_report(built, config=cfg).to_html()    # built = build_from_dataset(...)

See ``docs/report.md`` for the reports, the charts and their input frames.
"""

from __future__ import annotations

from liqcost.report.build import (
    Report,
    Section,
    config_digest,
    frontier_section,
    liquidity_report,
    plan_report,
    pretrade_report,
    replay_section,
    tca_section,
)
from liqcost.report.charts import Chart

__all__ = [
    "Report",
    "Section",
    "Chart",
    "config_digest",
    "liquidity_report",
    "pretrade_report",
    "plan_report",
    "frontier_section",
    "replay_section",
    "tca_section",
]


# The front door ``lc.report(...)`` is :func:`liqcost.app.report`; because ``liqcost.report`` is both this package and that
# function's name on ``liqcost``, the package itself is callable (as ``liqcost.pretrade`` is).
import sys as _sys
import types as _types


class _FrontDoor(_types.ModuleType):
    """This package, callable as :func:`liqcost.app.report` (so ``lc.report(...)`` always works)."""

    def __call__(self, *args, **kwargs):
        from liqcost.app import report as front

        return front(*args, **kwargs)


_sys.modules[__name__].__class__ = _FrontDoor
