"""Full-batch training: the objective a full-batch optimizer minimizes, and the fit it
runs (the L-BFGS optimizer itself is :class:`skdnn.optimizers.LBFGS`).

A full-batch optimizer (``Optimizer.full_batch``, the ``"lbfgs"`` solver) takes no
minibatch steps. :class:`~skdnn._training.Trainer` hands it, instead of epochs,
:class:`FullBatchObjective`: ``x -> (loss, grad)`` over every training row, computed by
the fit's own :class:`~skdnn._network.Network` (its loss, activation and backend
plugins, L2 penalty and sample weights), exactly ``MLPClassifier``'s
``_loss_grad_lbfgs``::

    loss = sum_i sw_i loss_i / sum_i sw_i + alpha / 2 * sum ||W||^2 / sum_i sw_i

Per evaluation the host vector ``x`` crosses to the device once (written into the
network's parameter buffers there), and the gradient, with the loss in one extra slot,
crosses back once: nothing else moves between host and device.

What ``MLPClassifier(solver="lbfgs")`` does, this does: ``n_iter_`` is
``min(nit, max_iter)``, ``loss_`` the final loss, ``t_`` is not advanced, there is no
``loss_curve_``, ``best_loss_``, ``validation_scores_``, ``best_validation_score_`` or
``validation_loss_curve_``, ``early_stopping``, ``batch_size`` and ``shuffle`` are ignored, and the
``ConvergenceWarning`` is scikit-learn's own (``_check_optimize_result``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.optimize import _check_optimize_result

from . import optimizers
from ._batching import HostRows
from ._events import EpochEnd, FitEnd
from ._utils import concat, dtype_name

#: The attributes of the epoch loop that ``MLPClassifier``'s lbfgs never sets.
EPOCH_ATTRIBUTES = (
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "validation_loss_curve_",
)


class FullBatchObjective:
    """``objective(x) -> (loss, grad)`` over every training row, on the network's backend.

    Parameters
    ----------
    net : Network
        The fit's network; :meth:`__call__` overwrites its parameters with ``x``.
    X, Y : backend arrays
        Every training row and its encoded targets.
    sw : backend array or None
        Sample weights on the backend.
    sw_sum : float
        Total sample weight (the number of rows without weights).
    """

    def __init__(self, net: Any, X: Any, Y: Any, sw: Any, sw_sum: float) -> None:
        self.net, self.X, self.Y, self.sw, self.sw_sum = net, X, Y, sw, sw_sum
        xp = net.xp
        self.dtype = net.dtype
        self.host_dtype = np.dtype(dtype_name(net.params[0]))
        self.shapes = [tuple(p.shape) for p in net.params]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.n_evaluations = 0
        self._xp = xp

    def x0(self) -> np.ndarray:
        """The network's current parameters as one float64 host vector."""
        parts = [np.reshape(self.net.backend.to_numpy(p), -1) for p in self.net.params]
        return np.concatenate(parts).astype(np.float64)

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The full-batch loss at ``x`` and its gradient.

        Parameters
        ----------
        x : ndarray of shape (n_params,)

        Returns
        -------
        loss : float
        grad : ndarray of float64, shape (n_params,)
        """
        self.n_evaluations += 1
        self.load(x)
        xp, net = self._xp, self.net
        loss, grads = net.loss_and_gradients(self.X, self.Y, self.sw, self.sw_sum)
        # The loss rides in the gradient's last slot: one copy to the host, no sync.
        loss = xp.reshape(xp.asarray(loss, dtype=self.dtype), (1,))
        flat = concat([xp.reshape(g, (-1,)) for g in grads] + [loss], xp)
        host = np.asarray(net.backend.to_numpy(flat), dtype=np.float64)
        return float(host[-1]), host[:-1]

    def load(self, x: np.ndarray) -> None:
        """Write the host vector ``x`` into the network's parameters (one copy in)."""
        xp = self._xp
        xd = self.net.backend.asarray(x, self.dtype)
        start = 0
        for p, shape, size in zip(self.net.params, self.shapes, self.sizes):
            p[...] = xp.reshape(xd[start : start + size], shape)
            start += size

    def layers(self, x: np.ndarray) -> tuple[list, list]:
        """``(coefs, intercepts)``: host arrays of ``x`` in the layers' shapes."""
        arrays, start = [], 0
        for shape, size in zip(self.shapes, self.sizes):
            arrays.append(np.array(x[start : start + size], dtype=self.host_dtype).reshape(shape))
            start += size
        return self.net.export(self.net.split(arrays), np)


def full_batch_fit(trainer: Any, max_iter: int) -> FitEnd:
    """Minimize the full-batch objective with the trainer's optimizer.

    Called by ``Trainer.run`` in place of the epochs. Sets ``trainer.n_iter`` and
    ``trainer.result`` (the optimizer's ``OptimizeResult``), writes the solution into
    the network, and appends the final loss to the history's curve (from which the
    estimator takes ``loss_``; it commits no curve).

    Parameters
    ----------
    trainer : Trainer
    max_iter : int

    Returns
    -------
    end : FitEnd
    """
    state, rows = trainer.state, trainer.rows
    net, history = state.net, state.history
    # Every row takes part in every evaluation: rows streamed from the host move once,
    # and sparse rows are densified once (as every minibatch is), not per evaluation.
    X = rows.Xd
    if isinstance(X, HostRows):
        X = X.take(slice(None))
    elif sp.issparse(X):
        X = rows.backend.take_rows(X, slice(None))
    sw_sum = float(rows.n_train) if rows.sw is None else float(np.sum(rows.sw))
    objective = FullBatchObjective(net, X, rows.Yd, rows.swd, sw_sum)
    x0 = objective.x0()
    last = {"x": x0, "loss": None, "tic": time.perf_counter(), "stopped": False}
    callback = _iteration_listener(trainer, objective, last)
    try:
        result = state.optimizer.minimize(objective, x0, callback)
    except KeyboardInterrupt:
        # Keep the last completed iteration (not a point inside its line search).
        objective.load(last["x"])
        if last["loss"] is not None:
            history.loss_curve.append(last["loss"])
        raise
    objective.load(result.x)
    loss = float(result.fun)
    if not (np.isfinite(loss) and np.all(np.isfinite(result.x))):
        raise ValueError(
            "Solver produced non-finite parameter weights. The input data may contain "
            "large values and need to be preprocessed. The estimator was left as it was "
            "before this call."
        )
    trainer.n_iter = min(int(result.nit), max_iter)
    trainer.result = result
    history.loss_curve.append(loss)
    reason = "listener" if last["stopped"] else _reason(result, trainer.n_iter, max_iter)
    return FitEnd(trainer.n_iter, loss, reason, str(result.message))


def _iteration_listener(trainer: Any, objective: FullBatchObjective, last: dict):
    """The optimizer's per-iteration callback: announces an ``EpochEnd`` per iteration;
    a listener that asks to stop raises ``StopIteration`` (the minimizer stops)."""

    def callback(intermediate_result) -> None:
        x, loss = np.array(intermediate_result.x), float(intermediate_result.fun)
        last["x"], last["loss"] = x, loss
        tic, last["tic"] = last["tic"], time.perf_counter()
        trainer.n_iter += 1
        event = EpochEnd(
            trainer.n_iter,
            loss,
            None,
            last["tic"] - tic,
            trainer.state.history.t,
            lambda: objective.layers(x),
        )
        if trainer.announcer.epoch_end(event):
            last["stopped"] = True
            raise StopIteration

    return callback


def _reason(result: Any, n_iter: int, max_iter: int) -> str:
    """Why the minimizer stopped, in the words of ``FitEnd.reason``."""
    if result.status == 0:
        return "converged"
    if n_iter >= max_iter:
        return "max_iter"
    return "max_fun" if result.status == 1 else "failed"


def check_result(end: FitEnd, result: Any, max_iter: int) -> None:
    """``MLPClassifier``'s ConvergenceWarning for an unconverged minimization.

    Parameters
    ----------
    end : FitEnd
    result : scipy.optimize.OptimizeResult or None
    max_iter : int
    """
    if result is not None and end.reason != "listener":
        _check_optimize_result("lbfgs", result, max_iter)


def drop_epoch_attributes(est: Any) -> None:
    """Remove the fitted attributes that ``MLPClassifier``'s lbfgs does not set.

    Parameters
    ----------
    est : estimator
    """
    for name in EPOCH_ATTRIBUTES:
        est.__dict__.pop(name, None)


def check_solver(est: Any) -> bool:
    """``partial_fit``'s availability (``available_if``): only for stochastic solvers.

    Parameters
    ----------
    est : estimator

    Returns
    -------
    True

    Raises
    ------
    AttributeError
        With ``MLPClassifier``'s message, for a full-batch solver.
    """
    if _full_batch(est.solver):
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. "
            f"{est.solver} is not stochastic."
        )
    return True


def _full_batch(solver: Any) -> bool:
    """Whether ``solver`` (a name or an optimizer object) is a full-batch optimizer; an
    unknown name is left for ``fit`` to report."""
    if isinstance(solver, str):
        try:
            solver = optimizers.registry.resolve(solver)
        except (TypeError, ValueError):
            return False
    return bool(getattr(solver, "full_batch", False))
