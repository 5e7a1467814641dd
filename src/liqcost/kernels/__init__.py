"""numba kernels: pure functions over contiguous numpy arrays (see DESIGN.md). Import nothing else from liqcost."""
