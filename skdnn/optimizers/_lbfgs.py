"""The L-BFGS optimizer: a full-batch optimizer, as ``MLPClassifier(solver="lbfgs")``.

Public through :mod:`skdnn.optimizers`, which imports this module and whose registry it
joins. The full-batch fit that hands it the objective is :mod:`skdnn._lbfgs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.optimize

from ._base import Optimizer, registry

__all__ = ["LBFGS"]


@registry.register("lbfgs")
class LBFGS(Optimizer):
    """L-BFGS-B on the full-batch objective, as ``MLPClassifier(solver="lbfgs")``.

    Runs ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` with the options
    ``MLPClassifier`` passes: ``maxiter=max_iter``, ``maxfun=max_fun``, ``gtol=tol``.
    The learning-rate parameters are ignored.

    Parameters
    ----------
    max_iter : int, default=200
        Maximum number of L-BFGS iterations.
    max_fun : int, default=15000
        Maximum number of evaluations of the objective.
    tol : float, default=1e-4
        Stop when the largest entry of the projected gradient is below ``tol``.

    Attributes
    ----------
    full_batch : bool
        True: the training core hands :meth:`minimize` the objective.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.optimizers import LBFGS
    >>> result = LBFGS().minimize(lambda x: (float(x @ x), 2 * x), np.array([1.0, -2.0]))
    >>> bool(abs(result.x).max() < 1e-6)  # the minimum of x @ x
    True
    """

    full_batch = True

    def __init__(self, max_iter: int = 200, max_fun: int = 15000, tol: float = 1e-4) -> None:
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.tol = tol

    def init(self, params: list, xp: Any) -> dict:
        """No state (``{}``): every ``fit`` starts L-BFGS's curvature pairs anew.

        Parameters
        ----------
        params : list of arrays
        xp : module
        """
        return {}

    def step(self, params: list, grads: list, state: dict, xp: Any, l2: tuple | None = None) -> Any:
        """Not available: L-BFGS minimizes the full-batch objective (:meth:`minimize`).

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError("LBFGS takes no minibatch steps; the core calls minimize().")

    def minimize(
        self,
        objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
        x0: np.ndarray,
        callback: Callable[[Any], None] | None = None,
    ) -> Any:
        """Run L-BFGS-B on ``objective`` from ``x0`` (see ``Optimizer.minimize``).

        Returns
        -------
        result : scipy.optimize.OptimizeResult
        """
        return scipy.optimize.minimize(
            objective,
            x0,
            method="L-BFGS-B",
            jac=True,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
            callback=callback,
        )
