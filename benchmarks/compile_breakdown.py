"""Where a command's numba compile time goes, kernel by kernel (issue 16, cold start).

Usage::

    NUMBA_CACHE_DIR=$(mktemp -d) python benchmarks/compile_breakdown.py pretrade --data sample_data/dataset \\
        --orders sample_data/orders.csv

Runs one ``liqcost`` command in this process (the arguments are the command line after ``liqcost``) with a
numba event listener on ``numba:compile`` and prints, to standard error, the CPU seconds each function spent
compiling on its own (a callee's compilation, which numba runs inside its caller's type inference, is
counted for the callee and taken out of the caller), the 25 largest first, then the total. Give it an empty
``NUMBA_CACHE_DIR``: with the kernels cached nothing compiles. The figures are CPU time of one process and
move with the machine's speed; compare two trees in the same session (``PYTHONPATH=OTHER/src``).
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    from numba.core import event

    stack: list[list] = []
    own: dict[str, float] = {}

    class Listener(event.Listener):
        def on_start(self, ev):
            disp = ev.data.get("dispatcher")
            name = disp.py_func.__qualname__ if disp is not None else "?"
            stack.append([name, time.process_time(), 0.0])

        def on_end(self, ev):
            name, t0, inner = stack.pop()
            spent = time.process_time() - t0
            own[name] = own.get(name, 0.0) + spent - inner
            if stack:
                stack[-1][2] += spent

    event.register("numba:compile", Listener())
    from liqcost.cli import main as cli_main

    try:
        cli_main(["-q", *argv])
    except SystemExit as exc:
        if exc.code not in (0, None):
            return int(exc.code) if isinstance(exc.code, int) else 1
    for name, sec in sorted(own.items(), key=lambda kv: -kv[1])[:25]:
        print(f"{sec:8.2f} s  {name}", file=sys.stderr)
    print(f"{sum(own.values()):8.2f} s  total ({len(own)} functions)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
