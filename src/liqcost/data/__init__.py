"""Files shipped with liqcost: the example column mappings (``liqcost config mappings`` lists them).

The mapping files live in the repository's ``configs/mappings/`` and are packaged into the wheel as
``liqcost/data/mappings/`` (``pyproject.toml``, ``[tool.hatch.build.targets.wheel.force-include]``), so an
installed liqcost finds them without a checkout. ``--mapping NAME`` (or ``mapping="NAME"`` in Python) names one
of them by its file name without ``.yaml``; a path to a file of your own always works too.

Nothing here imports more than the standard library.
"""

from __future__ import annotations

import difflib
from pathlib import Path

__all__ = ["mapping_dir", "shipped_mappings", "find_mapping", "mapping_info"]


def mapping_dir() -> Path | None:
    """The folder of the shipped mapping files: inside the installed package, else the source checkout's
    ``configs/mappings`` (an editable install); None when neither exists."""
    here = Path(__file__).resolve().parent
    packaged = here / "mappings"
    if packaged.is_dir() and any(packaged.glob("*.yaml")):
        return packaged
    checkout = here.parents[2] / "configs" / "mappings"  # src/liqcost/data -> repository root
    if checkout.is_dir():
        return checkout
    return None


def shipped_mappings() -> dict[str, Path]:
    """``{name: path}`` of every shipped mapping file, by name."""
    root = mapping_dir()
    if root is None:
        return {}
    return {p.stem: p for p in sorted(root.glob("*.yaml"))}


def find_mapping(value):
    """A mapping given as a path or as the name of a shipped mapping -> the file's path.

    Parameters
    ----------
    value : str, Path or None
        An existing file, or a shipped mapping's name (``binance``, ``taq_trades_generic``; ``.yaml`` optional).

    Returns
    -------
    Path or None
        None stays None.

    Raises
    ------
    liqcost.errors.UsageError
        Neither a file nor a shipped mapping (the message lists the shipped names, with the closest one).
    """
    if value is None:
        return None
    path = Path(value)
    if path.is_file():
        return path
    shipped = shipped_mappings()
    name = path.name[:-5] if path.name.endswith(".yaml") else path.name[:-4] if path.name.endswith(".yml") else path.name
    # a bare name, or the documented configs/mappings/NAME.yaml when run outside a checkout
    if name in shipped and (len(path.parts) == 1 or path.parent.name == "mappings"):
        return shipped[name]
    from liqcost.errors import UsageError

    close = difflib.get_close_matches(name, list(shipped), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    names = ", ".join(shipped) or "none found"
    raise UsageError(f"--mapping {value}: no such file, and not the name of a shipped mapping ({names}).{hint} "
                     "See `liqcost config mappings`.")


def mapping_info(path: Path) -> dict:
    """Name, kind, format and the first comment line (its description) of a mapping file, read without YAML."""
    kind = fmt = ""
    lines = path.read_text(encoding="utf-8").splitlines()
    description: list[str] = []
    done = False
    for line in lines:
        s = line.strip()
        if not done and s.startswith("#") and not s.lstrip("#").strip().startswith("liqcost "):
            description.append(s.lstrip("#").strip())
            done = description[-1].endswith(".")  # the first sentence
        elif description:
            done = True
        if line.startswith("kind:"):
            kind = line.split(":", 1)[1].split("#", 1)[0].strip()
        elif line.startswith("format:"):
            fmt = line.split(":", 1)[1].split("#", 1)[0].strip()
    return {"name": path.stem, "kind": kind or "any (--kind)", "format": fmt or "csv/parquet", "description": " ".join(description),
            "path": str(path)}
