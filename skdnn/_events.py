"""The training loop's events and the listeners that hang on them.

The loop in :mod:`skdnn._training` announces three events and knows nothing of who
listens: verbose printing is the first listener; progress callbacks hang on the same
seam. A listener subclasses :class:`Listener` and overrides the hooks it needs.

============  ==========================================================================
event         what it carries
============  ==========================================================================
fit begins    :class:`FitBegin`: how the call started (``"fit"``, ``"warm_start"``,
              ``"partial_fit"``), rows for training and validation, epochs allowed
epoch begins  :class:`EpochBegin`: the epoch number in this call (minibatch solvers;
              a full-batch solver's iteration announces only its end)
epoch ends    :class:`EpochEnd`: epoch number in this call, training loss, validation
              score (None without early stopping), seconds, samples seen in all, a
              ``weights()`` accessor for the current parameters as NumPy arrays, and
              the validation loss (the held-out rows' weighted mean loss without the
              L2 penalty; None without early stopping). A listener returning True
              asks the loop to stop after this epoch.
fit ends      :class:`FitEnd`: epochs run, the last loss, and why it ended
              (``"converged"``, ``"max_iter"``, ``"partial_fit"``, ``"interrupted"`` or
              ``"listener"``), and a sentence saying so where the stopping rule or a
              listener ended it
============  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["EpochBegin", "EpochEnd", "FitBegin", "FitEnd", "Listener", "VerbosePrinter"]


@dataclass(frozen=True)
class FitBegin:
    """A fit call starts training."""

    start: str
    n_train: int
    n_validation: int
    max_epochs: int


@dataclass(frozen=True)
class EpochBegin:
    """An epoch starts."""

    epoch: int


@dataclass(frozen=True)
class EpochEnd:
    """An epoch has ended."""

    epoch: int
    loss: float
    validation_score: float | None
    seconds: float
    n_samples_seen: int
    weights: Callable[[], tuple[list, list]] = field(repr=False, compare=False)
    validation_loss: float | None = None


@dataclass(frozen=True)
class FitEnd:
    """Training has ended (the attributes are committed right after)."""

    n_epochs: int
    loss: float | None
    reason: str
    message: str = ""


class Listener:
    """Receives the training loop's events; every hook does nothing by default."""

    def fit_begin(self, event: FitBegin) -> None:
        """Training starts.

        Parameters
        ----------
        event : FitBegin
        """

    def epoch_begin(self, event: EpochBegin) -> None:
        """An epoch starts.

        Parameters
        ----------
        event : EpochBegin
        """

    def epoch_end(self, event: EpochEnd) -> bool | None:
        """An epoch ended.

        Parameters
        ----------
        event : EpochEnd

        Returns
        -------
        stop : bool or None
            True to stop training after this epoch.
        """
        return None

    def fit_end(self, event: FitEnd) -> None:
        """Training ended.

        Parameters
        ----------
        event : FitEnd
        """


class VerbosePrinter(Listener):
    """``verbose=True``: one line per epoch, as ``MLPClassifier`` prints them."""

    def epoch_end(self, event: EpochEnd) -> None:
        """Print the epoch's loss (and validation score) and time."""
        msg = f"Iteration {event.epoch}, loss = {event.loss:.8f}"
        if event.validation_score is not None:
            msg += f", validation score = {event.validation_score:.6f}"
        if event.validation_loss is not None:
            msg += f", validation loss = {event.validation_loss:.8f}"
        print(f"{msg}, time = {event.seconds:.2f}s")

    def fit_end(self, event: FitEnd) -> None:
        """Say why training stopped early."""
        if event.message:
            print(event.message)


class Announcer:
    """Hands each event to every listener, in order."""

    def __init__(self, listeners: list[Listener]) -> None:
        self.listeners = listeners

    def fit_begin(self, event: FitBegin) -> None:
        for listener in self.listeners:
            listener.fit_begin(event)

    def epoch_begin(self, event: EpochBegin) -> None:
        for listener in self.listeners:
            listener.epoch_begin(event)

    def epoch_end(self, event: EpochEnd) -> bool:
        # Every listener hears the epoch, even after one has asked to stop.
        answers = [listener.epoch_end(event) for listener in self.listeners]
        return any(bool(a) for a in answers)

    def fit_end(self, event: FitEnd) -> None:
        for listener in self.listeners:
            listener.fit_end(event)
