"""liqcost: what an order in a thinly traded stock will cost, how to slice it, and what it did cost.

The top-level package imports nothing heavy, so ``liqcost --help`` stays instant.
Use the subpackages (``liqcost.measures``, ``liqcost.pretrade`` ...) for the Python API.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
