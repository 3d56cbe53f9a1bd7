"""The training loop: one object holding the state of a fit, its epochs and its
stopping rule.

A fit is a :class:`FitState` (parameters in a :class:`~skdnn._network.Network`, the
optimizer and its state, the :class:`History`, the random stream) run by a
:class:`Trainer` for some epochs. ``fit``, ``fit`` with ``warm_start`` and
``partial_fit`` differ only in how their state starts (see :mod:`skdnn._base`); the
loop is the same. The loop announces its events to listeners (:mod:`skdnn._events`)
and never prints or warns about progress itself.

Stopping rule (``MLPClassifier``'s): after each epoch, the epoch counts as "no
improvement" when its training loss is above ``best_loss - tol`` (with early stopping:
when its validation score is below ``best_score + tol``). When the count *exceeds*
``n_iter_no_change``, the optimizer's ``on_plateau`` hook decides: stop, or go on
(after lowering its learning rate) with the count reset.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._batching import TrainingRows
from ._events import Announcer, EpochBegin, EpochEnd, FitBegin, FitEnd
from ._lbfgs import full_batch_fit
from ._network import Network
from ._threads import UNTOUCHED
from ._utils import all_finite, warn


class History:
    """Loss curve, validation scores and the stopping counters, across calls.

    ``validation_scores`` and ``validation_losses`` (the loss of the held-out rows,
    without the L2 penalty) are None without early stopping, and always equally long
    with it; ``best_params`` holds copies of the network's ``params``
    at the best validation epoch (the network's own when the best
    score was reached in an earlier call, which ended with those weights restored).
    """

    def __init__(self, early_stopping: bool) -> None:
        self.loss_curve: list[float] = []
        self.validation_scores: list[float] | None = [] if early_stopping else None
        self.validation_losses: list[float] | None = [] if early_stopping else None
        self.best_loss = np.inf
        self.best_score = -np.inf
        self.best_params: list | None = None
        self.no_improvement = 0
        self.t = 0

    @classmethod
    def continued(cls, est: Any, early_stopping: bool) -> History:
        """The history of the fitted estimator ``est``, to be continued."""
        h = cls(early_stopping)
        # A model fitted by a full-batch solver (lbfgs) has no curve and no best loss.
        h.loss_curve = list(getattr(est, "loss_curve_", []))
        if getattr(est, "best_loss_", None) is not None:
            h.best_loss = est.best_loss_
        if early_stopping and getattr(est, "validation_scores_", None) is not None:
            h.validation_scores = list(est.validation_scores_)
            losses = getattr(est, "validation_loss_curve_", None)  # None: fitted before it
            h.validation_losses = (
                [float("nan")] * len(h.validation_scores) if losses is None else list(losses)
            )
            h.best_score = est.best_validation_score_
        h.no_improvement = est._no_improvement_count
        h.t = est.t_
        return h

    def count(
        self, loss: float, score: float | None, tol: float, validation_loss: float | None = None
    ) -> bool:
        """Count an epoch against the stopping rule; returns whether it was the best
        validation epoch so far."""
        if score is None:
            self.no_improvement = self.no_improvement + 1 if loss > self.best_loss - tol else 0
            self.best_loss = min(self.best_loss, loss)
            return False
        self.validation_scores.append(score)
        self.validation_losses.append(validation_loss)
        self.no_improvement = self.no_improvement + 1 if score < self.best_score + tol else 0
        if score > self.best_score:
            self.best_score = score
            return True
        return False

    def forget_best(self) -> None:
        """Start the best validation score anew (the monitor changed between calls, so
        the earlier scores measure something else)."""
        self.best_score = -np.inf
        self.best_params = None
        self.no_improvement = 0


@dataclass
class FitState:
    """Everything a fit carries from one epoch to the next."""

    net: Network
    optimizer: Any
    opt_state: dict
    history: History
    rng: np.random.RandomState


@dataclass(frozen=True)
class Settings:
    """The estimator parameters the loop reads."""

    batch_size: int
    shuffle: bool
    tol: float
    n_iter_no_change: float
    verbose: bool


class Trainer:
    """Runs epochs over ``rows`` on ``state`` until the stopping rule or the budget ends.

    A full-batch optimizer (``optimizer.full_batch``) gets the objective over every row
    instead (:func:`skdnn._lbfgs.full_batch_fit`); ``max_epochs`` is then its
    ``max_iter``.

    Parameters
    ----------
    state : FitState
    rows : TrainingRows
    settings : Settings
    score : callable or None
        ``score(net) -> (score, loss)``: the validation score of the current network
        (higher is better) and the loss of the held-out rows (early stopping; see
        :class:`skdnn._scoring.ValidationMonitor`), or None.
    announcer : Announcer
    threads : Pacer, default=UNTOUCHED
        The fit's thread policy (:mod:`skdnn._threads`): it times the minibatches and
        may change the BLAS thread count between them.
    """

    def __init__(
        self,
        state: FitState,
        rows: TrainingRows,
        settings: Settings,
        score: Callable[[Network], tuple[float, float]] | None,
        announcer: Announcer,
        threads: Any = UNTOUCHED,
    ) -> None:
        self.state, self.rows, self.settings = state, rows, settings
        self.score, self.announcer, self.threads = score, announcer, threads
        self.n_iter = 0
        self.result = None  # a full-batch optimizer's OptimizeResult

    def run(self, max_epochs: int, start: str, n_validation: int) -> FitEnd:
        """Train for at most ``max_epochs`` epochs; returns how it ended.

        Raises ValueError (the estimator left as it was) when training diverges.
        """
        self.announcer.fit_begin(FitBegin(start, self.rows.n_train, n_validation, max_epochs))
        end = FitEnd(0, None, "max_iter")
        # A diverging run is reported once, as an error, not as floating-point warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                if self.state.optimizer.full_batch:  # no epochs: one minimization
                    end = full_batch_fit(self, max_epochs)
                else:
                    end = self._epochs(max_epochs, start)
            except KeyboardInterrupt:
                warn("Training interrupted by user.")
                net = self.state.net
                if not self.state.history.loss_curve or not all_finite(net.params, net.xp):
                    raise  # nothing consistent to keep: the previous state stays
                end = FitEnd(self.n_iter, self.state.history.loss_curve[-1], "interrupted")
        best = self.state.history.best_params
        if self.score is not None and best is not None:
            self.state.net.load_params(best)
        self.announcer.fit_end(end)
        return end

    def _epochs(self, max_epochs: int, start: str) -> FitEnd:
        s, history = self.settings, self.state.history
        for _ in range(max_epochs):
            self.announcer.epoch_begin(EpochBegin(self.n_iter + 1))
            tic = time.perf_counter()
            loss = self._epoch()
            self.state.optimizer.end_epoch(self.state.opt_state, history.t)
            score, val_loss = (None, None) if self.score is None else self.score(self.state.net)
            if history.count(loss, score, s.tol, val_loss):
                history.best_params = self._copy_params()
            event = EpochEnd(
                self.n_iter,
                loss,
                score,
                time.perf_counter() - tic,
                history.t,
                self._weights,
                validation_loss=val_loss,
            )
            if self.announcer.epoch_end(event):
                return FitEnd(self.n_iter, loss, "listener", "Stopped by a listener.")
            if history.no_improvement > s.n_iter_no_change:
                what = "Training loss" if score is None else "Validation score"
                message = (
                    f"{what} did not improve more than tol={s.tol:f} for "
                    f"{s.n_iter_no_change} consecutive epochs."
                )
                if self.state.optimizer.on_plateau(self.state.opt_state, s.verbose):
                    return FitEnd(self.n_iter, loss, "converged", f"{message} Stopping.")
                history.no_improvement = 0
        reason = "partial_fit" if start == "partial_fit" else "max_iter"
        return FitEnd(self.n_iter, history.loss_curve[-1], reason)

    def _epoch(self) -> float:
        """One pass over the training rows; returns the epoch's mean loss."""
        state, rows = self.state, self.rows
        net, xp = state.net, state.net.xp
        order = rows.order(state.rng if self.settings.shuffle else None)
        losses_d, weight_total = None, 0.0
        batches = self.threads.units(rows.batches(order, self.settings.batch_size))
        for Xb, Yb, swb, sw_sum in batches:
            loss = net.train_step(Xb, Yb, swb, sw_sum, state.optimizer, state.opt_state)
            # Accumulate on the device: one synchronisation per epoch, not per batch.
            losses_d = loss * sw_sum if losses_d is None else losses_d + loss * sw_sum
            weight_total += sw_sum
        total = float("nan")
        if losses_d is not None:
            # The one synchronisation of the epoch. 0 * max|p| is NaN exactly when a
            # weight is not finite, so the loss also reports weights that overflowed.
            peak = sum(xp.max(xp.abs(p)) for p in net.params)
            total = float(losses_d + 0.0 * peak) / weight_total
        self.n_iter += 1
        state.history.t += rows.n_train
        if not np.isfinite(total):
            raise ValueError(
                f"The training loss or the weights became {total} at epoch {self.n_iter}: "
                "training diverged. Lower learning_rate_init, scale the features (e.g. "
                "StandardScaler), or check X for huge values. The estimator was left as "
                "it was before this call."
            )
        state.history.loss_curve.append(total)
        return total

    def _copy_params(self) -> list:
        return self.state.net.copy_params()

    def _weights(self) -> tuple[list, list]:
        """The current parameters as host NumPy copies (for listeners)."""
        net = self.state.net
        to_host = net.backend.to_numpy
        return (
            [np.array(to_host(W)) for W in net.coefs],
            [np.array(to_host(b)) for b in net.intercepts],
        )
