"""liqcost: what an order in a thinly traded stock will cost, how to slice it, and what it did cost.

The front door::

    import liqcost as lc
    prof = lc.profile("sample_data/dataset")                                  # liquidity profile per symbol
    res = lc.pretrade("sample_data/orders.csv", data="sample_data/dataset")  # cost band, days, flags
    p = lc.plan(symbol="THNB", side="buy", qty=8000, data="sample_data/dataset")  # limit-order tranches
    sim = lc.simulate(symbol="THNB", side="buy", qty=3000, data="sample_data/dataset")  # replayed over start days

``profile``, ``pretrade``, ``plan`` and ``simulate`` are the functions of :mod:`liqcost.app`, loaded on first use: the
top-level package imports nothing heavy (no numba, polars, scipy or pydantic), so ``liqcost --help`` stays
instant. The library packages (``liqcost.measures``, ``liqcost.pretrade``, ``liqcost.planner`` ...) take
and return polars frames.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "plan", "pretrade", "profile", "simulate"]

_FRONT_DOOR = ("plan", "pretrade", "profile", "simulate")


def __getattr__(name: str):
    if name in _FRONT_DOOR:
        import importlib

        if name == "pretrade":
            # liqcost.pretrade is also the library package; it is callable as the front door (see its docstring)
            return importlib.import_module("liqcost.pretrade")
        return getattr(importlib.import_module("liqcost.app"), name)
    raise AttributeError(f"module 'liqcost' has no attribute {name!r}")
