"""``liqcost calibrate`` as a function: review the fills, then fit the impact models to what they cost.

:func:`calibrate` runs the post-trade review with the model comparison (:func:`liqcost.app.tca`: fills and
orders read with the ingest rules, market data from the dataset, each order priced on the profile of the days
before it, so no fit sees the future), fits the models of ``calibration.models`` to the compared orders
(:func:`liqcost.models.calibrate.calibrate`: ``scipy.optimize.least_squares`` with bounds and a robust loss,
standard errors from the Jacobian, Y by size bucket, an out-of-sample check by date) and, given ``output``,
writes the parameter file atomically in the format ``impact.params_file`` and ``pretrade --params`` read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from liqcost.result import Problem, Result

__all__ = ["CalibrationRun", "calibrate"]

PARAMETER_VIEW = ("model", "parameter", "value", "se", "unit", "fixed", "prior", "n_orders", "r2", "rmse_bps", "z_sd",
                  "converged", "note")


@dataclass(frozen=True, eq=False)
class CalibrationRun(Result):
    """The fit and the review it rests on.

    Attributes
    ----------
    calibration : liqcost.models.calibrate.CalibrationResult
        Parameters with standard errors, fit diagnostics, buckets, out-of-sample check, the parameter file.
    review : liqcost.app.tca.TcaReview
        The post-trade review and model comparison of the fills (with what was set aside).
    params_path : Path or None
        Where the parameter file was written.
    """

    title: ClassVar[str] = "calibration"

    calibration: object
    review: object
    params_path: Path | None = None

    def tables(self) -> dict:
        """``parameters`` (one row per model and parameter), ``buckets``, ``out_of_sample``, ``excluded`` (orders left
        out, with the reason), ``observations`` (the orders fitted), then the review's ``quarantine`` and
        ``rejected_orders`` (always present, empty when nothing was set aside)."""
        import polars as pl

        c = self.calibration
        out = {"parameters": c.summary(), "buckets": c.buckets, "out_of_sample": c.out_of_sample,
               "excluded": c.excluded if isinstance(c.excluded, pl.DataFrame) else pl.DataFrame(),
               "observations": c.observations}
        out["quarantine"] = self.review.quarantine
        out["rejected_orders"] = self.review.rejected_orders
        return out

    def summary(self):
        """Every fitted parameter with its standard error, unit, prior and the fit's diagnostics."""
        return self.calibration.summary()

    def display_tables(self) -> dict:
        """The parameters (key columns), the buckets, the out-of-sample check, and anything set aside."""
        p = self.summary()
        out = {"parameters": p.select([c for c in PARAMETER_VIEW if c in p.columns]),
               "buckets": self.calibration.buckets, "out_of_sample": self.calibration.out_of_sample}
        if self.review.quarantine.height:
            out["quarantine"] = self.review.quarantine.select("source", "row", "order_id", "symbol", "reason")
        if self.review.rejected_orders.height:
            out["rejected_orders"] = self.review.rejected_orders
        return out

    @property
    def notes(self) -> tuple[str, ...]:
        out = list(self.calibration.notes)
        if self.params_path is not None:
            out.append(f"wrote the parameter file to {self.params_path}: use it with `liqcost pretrade --params "
                       f"{self.params_path}` or impact.params_file.")
        return tuple(out)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.review.problems

    @property
    def partial(self) -> bool:
        return self.review.partial

    def partial_message(self) -> str:
        """The review's counts of rows set aside (the fit used the others)."""
        return self.review.partial_message().replace("were reviewed.", "were reviewed and the fit used them.")


def calibrate(fills=None, orders=None, *, data, config=None, mapping=None, orders_mapping=None, symbols=None,
              output=None, models=None, target: str | None = None, progress=None) -> CalibrationRun:
    """Fit the impact models' parameters to your own fills.

    Parameters
    ----------
    fills, orders, data, config, mapping, orders_mapping, symbols, progress
        As for :func:`liqcost.app.tca` (the fills default to the dataset's own).
    output : str or Path, optional
        Write the parameter file here (YAML, atomically): ``liqcost pretrade --params FILE`` and
        ``impact.params_file`` read it.
    models : sequence of str, optional
        Models to fit (``calibration.models``): ``sqrt``, ``power``, ``istar``, ``almgren2005``, ``crossover``, ``log``.
    target : str, optional
        ``impact`` or ``cost`` (``calibration.target``).

    Returns
    -------
    CalibrationRun

    Raises
    ------
    liqcost.errors.CalibrationError
        Too few orders could be compared with the model (``calibration.min_orders``), with the reasons.

    Warns
    -----
    liqcost.errors.FewObservationsWarning, liqcost.errors.ConvergenceWarning
        As :func:`liqcost.models.calibrate.calibrate` (few orders, an exponent the sizes do not identify, an
        optimizer that stopped early).
    """
    import polars as pl

    from liqcost.app import load
    from liqcost.app.tca import tca
    from liqcost.errors import CalibrationError
    from liqcost.models.calibrate import calibrate as fit

    cfg = load(config, {"calibration.models": list(models) if models else None, "calibration.target": target})
    rv = tca(fills, orders, data=data, config=cfg, mapping=mapping, orders_mapping=orders_mapping, symbols=symbols,
             model=True, progress=progress)
    if rv.model is None or rv.model.n == 0:
        why = ""
        if rv.model is not None and rv.model.not_compared.height:
            top = rv.model.not_compared.group_by("reason").len().sort("len", descending=True).head(3)
            why = " (" + "; ".join(f"{n} {r}" for r, n in top.iter_rows()) + ")"
        raise CalibrationError(f"{rv.fills_source}: no order could be compared with the model{why}; calibration needs "
                               f"filled orders with market data and a history before their day.")
    compared = rv.model.orders.filter(pl.col("z").is_not_nan())
    if compared.height and compared.get_column("spread_paid_bps").fill_nan(None).drop_nulls().len() == 0:
        raise CalibrationError(
            f"{rv.fills_source}: no order's cost splits into the spread paid and the impact: the fills' days have no quotes "
            f"in {getattr(data, 'root', data)} (bars only). Calibration fits the impact, which needs trades and quotes on "
            "those days; ingest them, or review what bars allow with `liqcost tca`.")
    result = fit(rv.model, cfg)
    path = None
    if output is not None:
        path = Path(output)
        result.write_params(path)
    return CalibrationRun(result, rv, path)
