"""liqcost: what an order in a thinly traded stock will cost, how to slice it, and what it did cost.

The front door::

    import liqcost as lc
    prof = lc.profile("sample_data/dataset")                                  # liquidity profile per symbol
    res = lc.pretrade("sample_data/orders.csv", data="sample_data/dataset")  # cost band, days, flags
    p = lc.plan(symbol="THNB", side="buy", qty=8000, data="sample_data/dataset")  # limit-order tranches
    rv = lc.tca("sample_data/fills.csv", "sample_data/orders.csv", data="sample_data/dataset")  # post-trade review
    cal = lc.calibrate(data="tca_sample/dataset", output="params.yaml")      # impact parameters from your fills
    rep = lc.report("sample_data/dataset", orders="sample_data/orders.csv")  # one HTML page: rep.to_html()
    sim = lc.simulate(symbol="THNB", side="buy", qty=3000, data="sample_data/dataset")  # replayed over start days
    run = lc.ingest(["sample_data/raw/trades.csv"], "ds", kind="trades")     # files into a dataset
    smp = lc.sample("sample_small", symbols=3, days=10)                      # seeded thin names and their truth

``profile``, ``pretrade``, ``plan``, ``tca``, ``calibrate``, ``report``, ``simulate``, ``ingest`` and ``sample``
are the functions of :mod:`liqcost.app`, loaded on first use (``liqcost.pretrade``, ``liqcost.tca`` and
``liqcost.report`` are also library packages, and each is callable as its front-door function whether or not
it was imported first): the top-level package imports nothing heavy (no numba, polars, scipy or pydantic), so
``liqcost --help`` stays instant. The library packages (``liqcost.measures``, ``liqcost.pretrade``,
``liqcost.planner`` ...) take and return polars frames.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "calibrate", "ingest", "plan", "pretrade", "profile", "report", "sample", "simulate", "tca"]

_FRONT_DOOR = ("calibrate", "ingest", "plan", "pretrade", "profile", "report", "sample", "simulate", "tca")
#: front-door names that are also library packages (callable as the front-door function)
_PACKAGES = ("pretrade", "report", "tca")


def __getattr__(name: str):
    if name in _FRONT_DOOR:
        import importlib

        if name in _PACKAGES:
            # also a library package, callable as the front door (see the package's docstring)
            return importlib.import_module(f"liqcost.{name}")
        return getattr(importlib.import_module("liqcost.app"), name)
    raise AttributeError(f"module 'liqcost' has no attribute {name!r}")
