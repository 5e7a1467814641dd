"""The application layer: one function per command, and liqcost's Python front door.

Each function reads what its command reads (a dataset, files or polars frames), runs the library and
returns a result that follows :mod:`liqcost.result` (``tables()``, ``summary()`` as a DataFrame,
``notes``, ``problems``, ``str()``). The command line calls exactly one of them and renders its result;
from Python they are ``import liqcost as lc`` then::

    prof = lc.profile("sample_data/dataset")                                   # ProfileResult
    res = lc.pretrade("sample_data/orders.csv", data="sample_data/dataset")   # PretradeResult
    p = lc.plan(symbol="THNB", side="buy", qty=8000, data="sample_data/dataset")
    rv = lc.tca("sample_data/fills.csv", "sample_data/orders.csv", data="sample_data/dataset")   # TcaReview
    cal = lc.calibrate(data="tca_sample/dataset")                               # CalibrationRun
    rep = lc.report("sample_data/dataset", orders="sample_data/orders.csv")   # ReportRun (.to_html())
    sim = lc.simulate(symbol="THNB", side="buy", qty=3000, data="sample_data/dataset",
                      variants=["pricing=passive,mid,aggressive"])           # SimulateResult
    run = lc.ingest(["sample_data/raw/trades.csv"], "ds", kind="trades")     # IngestRun
    smp = lc.sample("sample_small", symbols=3, days=10)                       # SampleRun (writes and ingests)

Only this layer combines :mod:`liqcost.io` and :mod:`liqcost.engine` with the library (``measures``,
``models``, ``pretrade``, ``planner``, ``tca``, ``sim``, ``report``); the library packages see frames, never files.
"""

from __future__ import annotations

from liqcost.app.calibrate import CalibrationRun, calibrate
from liqcost.app.ingest import IngestRun, ingest
from liqcost.app.plan import PlanOptions, plan
from liqcost.app.pretrade import CurveResult, PretradeOptions, pretrade
from liqcost.app.profile import ProfileOptions, ProfileResult, profile
from liqcost.app.report import ReportRun, report
from liqcost.app.sample import SampleRun, sample
from liqcost.app.simulate import SimulateResult, Variant, simulate
from liqcost.app.tca import TcaReview, tca

__all__ = [
    "CalibrationRun",
    "CurveResult",
    "IngestRun",
    "PlanOptions",
    "PretradeOptions",
    "ProfileOptions",
    "ProfileResult",
    "ReportRun",
    "SampleRun",
    "SimulateResult",
    "TcaReview",
    "Variant",
    "calibrate",
    "ingest",
    "load",
    "plan",
    "pretrade",
    "profile",
    "report",
    "sample",
    "simulate",
    "tca",
]


def load(config=None, overrides: dict | None = None):
    """The effective config: ``config`` (a Config, a YAML path, or None for the defaults) with ``overrides``
    (dotted keys; ``None`` values leave the config's value)."""
    from liqcost.config import Config, load_config

    if isinstance(config, Config):
        if not any(v is not None for v in (overrides or {}).values()):
            return config
        from liqcost.config import parse_model, set_dotted

        data = config.model_dump()
        for key, value in overrides.items():
            if value is not None:
                set_dotted(data, key, value)
        return parse_model(Config, data, "config")
    return load_config(config, overrides)
