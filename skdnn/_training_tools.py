"""Learning-rate schedules, decoupled weight decay and label smoothing, as a fit uses them.

``lr_schedule`` and ``weight_decay`` act on each minibatch step: :func:`scheduled`
wraps the fit's optimizer in a :class:`ScheduledOptimizer` (only when one of them is
on, so the default fit takes exactly its old path). Before every step the wrapper

1. asks the schedule for the multiplier ``m`` of this step, ``m = schedule.multiplier(
   step, total_steps)``, the budget being ``max_iter`` epochs of
   ``ceil(n_train / batch_size)`` steps;
2. multiplies the weights (not the biases) by ``1 - lr * m * weight_decay``, ``lr``
   being the optimizer's current learning rate (``Optimizer.current_learning_rate``):
   decoupled weight decay, AdamW's and SGDW's (Loshchilov & Hutter, 2019), applied
   before the update as PyTorch's ``AdamW`` does;
3. hands ``m`` to the optimizer as ``state["lr_multiplier"]`` (a schedulable
   optimizer multiplies its learning rate of the step by it) and takes the step.

With ``weight_decay`` on, the L2 penalty ``alpha`` is not folded into the optimizer's
pass (``folds_l2`` False): the network adds it to the gradients, evaluated at the
weights before the decay, so each term is exactly its textbook self.

Label smoothing (:func:`smooth_labels`) changes only the targets the network trains
on; the held-out rows of early stopping keep their true labels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import schedules
from .optimizers import SGD

__all__ = ["ScheduledOptimizer", "scheduled", "smooth_labels"]


class ScheduledOptimizer:
    """An optimizer whose steps follow a schedule and decay the weights.

    Parameters
    ----------
    optimizer : Optimizer
        The fit's optimizer, as its registry resolves it; ``schedulable`` must be True.
    schedule : Schedule or None
        As :data:`skdnn.schedules.registry` resolves it; None for a constant multiplier 1.
    weight_decay : float
        Decoupled decay per unit of learning rate (0 for none).
    total_steps : int
        The budget of steps the schedule spans.
    n_weights : int
        How many leading entries of the parameter list hold weights (decayed); the
        rest are biases.
    """

    full_batch = False

    def __init__(
        self, optimizer: Any, schedule: Any, weight_decay: float, total_steps: int, n_weights: int
    ) -> None:
        self.optimizer, self.schedule = optimizer, schedule
        self.weight_decay, self.total_steps, self.n_weights = weight_decay, total_steps, n_weights
        self.steps_taken = 0
        # With decay, the L2 term must see the weights before it: not folded.
        self.folds_l2 = bool(optimizer.folds_l2) and not weight_decay

    @property
    def __wrapped__(self) -> Any:
        """The optimizer as the user chose it (what a stored state is matched by)."""
        return getattr(self.optimizer, "__wrapped__", self.optimizer)

    def multiplier(self) -> float:
        """The schedule's multiplier of the next step (1 without a schedule)."""
        if self.schedule is None:
            return 1.0
        m = self.schedule.multiplier(self.steps_taken, self.total_steps)
        if not (isinstance(m, (int, float, np.floating, np.integer)) and 0 <= m < math.inf):
            raise ValueError(
                f"lr_schedule={self.schedule!r} returned {m!r} at step {self.steps_taken} "
                f"of {self.total_steps}: a multiplier must be a finite number >= 0."
            )
        return float(m)

    def step(self, params: list, grads: list, state: dict, xp: Any, l2: tuple | None = None) -> Any:
        """Decay the weights, then take the optimizer's step at the scheduled rate.

        Parameters
        ----------
        params, grads : list of arrays
        state : dict
            The optimizer's state; ``"lr_multiplier"`` is set for the step only.
        xp : module
        l2 : (float, int), optional
            Passed on (only when :attr:`folds_l2`).

        Returns
        -------
        What the optimizer's ``step`` returns.
        """
        m = self.multiplier()
        self.steps_taken += 1
        if self.weight_decay:
            keep = 1.0 - self.optimizer.current_learning_rate(state) * m * self.weight_decay
            for p in params[: self.n_weights]:
                p *= keep
        state["lr_multiplier"] = m
        try:
            if l2 is None:
                return self.optimizer.step(params, grads, state, xp)
            return self.optimizer.step(params, grads, state, xp, l2=l2)
        finally:
            del state["lr_multiplier"]  # the stored state stays the optimizer's own

    def init(self, params: list, xp: Any) -> dict:
        """The optimizer's fresh state (see ``Optimizer.init``)."""
        return self.optimizer.init(params, xp)

    def end_epoch(self, state: dict, n_seen: int) -> None:
        """The optimizer's own end-of-epoch hook."""
        self.optimizer.end_epoch(state, n_seen)

    def on_plateau(self, state: dict, verbose: bool) -> bool:
        """The optimizer's own plateau hook."""
        return self.optimizer.on_plateau(state, verbose)

    def current_learning_rate(self, state: dict) -> float:
        """The optimizer's learning rate before the multiplier."""
        return self.optimizer.current_learning_rate(state)


def scheduled(est: Any, state: Any, incremental: bool, n_train: int, batch_size: int) -> Any:
    """The optimizer the fit ``state`` steps with: ``state.optimizer`` itself when
    ``est`` has neither ``lr_schedule`` nor ``weight_decay``, else wrapped in
    :class:`ScheduledOptimizer`.

    Raises ValueError, naming the parameter, for the combinations that have no meaning:
    a full-batch solver (lbfgs), ``partial_fit`` with a schedule, SGD's own
    ``learning_rate`` schedule beside ``lr_schedule``, an optimizer that is not
    ``schedulable``.
    """
    optimizer, spec, decay = state.optimizer, est.lr_schedule, float(est.weight_decay)
    if spec is None and not decay:
        return optimizer
    what = f"lr_schedule={spec!r}" if spec is not None else f"weight_decay={decay!r}"
    if optimizer.full_batch:
        fix = "lr_schedule=None" if spec is not None else "alpha (the L2 penalty) instead"
        raise ValueError(
            f"{what} needs a minibatch solver: solver={est.solver!r} minimizes the "
            f"full-batch objective and takes no learning-rate steps. Use solver='adam' or "
            f"'sgd', or {fix}."
        )
    schedule = None if spec is None else schedules.registry.resolve(spec)
    if schedule is not None and incremental:
        raise ValueError(
            f"partial_fit does not support {what}: a schedule spans the max_iter epochs "
            "of one fit, and partial_fit trains one epoch per call with no budget. Use "
            "fit (warm_start=True continues a fitted model under a new schedule), or "
            "lr_schedule=None."
        )
    inner = getattr(optimizer, "__wrapped__", optimizer)
    if schedule is not None and isinstance(inner, SGD) and inner.learning_rate != "constant":
        raise ValueError(
            f"{what} replaces learning_rate's schedule: learning_rate="
            f"{inner.learning_rate!r} would stack a second one. Use learning_rate='constant' "
            "(the default) with lr_schedule, or lr_schedule=None."
        )
    if not optimizer.schedulable:
        raise ValueError(
            f"{what} needs an optimizer that takes a learning-rate multiplier: "
            f"solver={est.solver!r} does not declare `schedulable = True` (see "
            "skdnn.optimizers.Optimizer). Use solver='adam' or 'sgd'."
        )
    steps_per_epoch = max(1, math.ceil(n_train / batch_size))
    total_steps = int(est.max_iter) * steps_per_epoch
    return ScheduledOptimizer(optimizer, schedule, decay, total_steps, state.net.n_weight_params)


def smooth_labels(Y: np.ndarray, eps: float, out_activation: str) -> np.ndarray:
    """Targets smoothed towards the uniform distribution: ``Y (1 - eps) + eps / K``.

    ``K`` is the number of classes a row's targets share: the number of columns for a
    softmax output, 2 for each logistic output (binary and multilabel: each column is
    a two-class problem). ``eps = 0`` returns ``Y`` itself.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        One-hot (softmax) or 0/1 (logistic) targets.
    eps : float
        In [0, 1).
    out_activation : {"softmax", "logistic"}

    Returns
    -------
    ndarray of the shape and dtype of ``Y``

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn._training_tools import smooth_labels
    >>> smooth_labels(np.eye(3)[:1], 0.3, "softmax")
    array([[0.8, 0.1, 0.1]])
    >>> smooth_labels(np.array([[1.0], [0.0]]), 0.2, "logistic")
    array([[0.9],
           [0.1]])
    """
    if not eps:
        return Y
    k = Y.shape[1] if out_activation == "softmax" else 2
    return (Y * (1.0 - eps) + eps / k).astype(Y.dtype, copy=False)
