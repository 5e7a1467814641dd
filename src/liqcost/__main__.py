"""``python -m liqcost`` runs the command line."""

from liqcost.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
