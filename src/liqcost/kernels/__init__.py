"""numba kernels: pure functions over contiguous numpy arrays and scalars (the numeric floor of liqcost).

See DESIGN.md. Nothing here imports anything else from liqcost, sees a polars object, a dict or a config.
Problems come back as NaN or a status code. Each module is imported on use (importing numba costs ~0.25 s).
"""
