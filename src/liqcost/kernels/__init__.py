"""numba kernels: pure functions over contiguous numpy arrays and scalars (the floor of the package).

Kernels import nothing else from liqcost, never see a polars object, a dict or a config, and report
problems as NaN or a status code. One module per topic (``bar_estimators``, ``bar_volatility`` ...).
"""
