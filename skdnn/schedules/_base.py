"""The schedule protocol: a learning-rate multiplier at a step, given the budget."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

__all__ = ["Schedule"]


class Schedule(ABC):
    """The learning-rate schedule protocol: ``multiplier(step, total_steps) -> float``.

    A schedule is pure: it keeps no state, so the same object serves every fit (and
    ``clone()`` and pickling stay clean). The training loop calls :meth:`multiplier`
    before every minibatch step, with ``step`` counting the steps of this ``fit``
    from 0 and ``total_steps`` its budget, ``max_iter`` epochs times the minibatches
    of one epoch. The optimizer's learning rate of that step (``learning_rate_init``
    for Adam, the current rate for SGD) is multiplied by the returned value, and so is
    the ``weight_decay`` of that step. Subclass it, or pass any object with a
    ``multiplier`` method.

    Attributes
    ----------
    required : tuple of str
        The names a plugin must have: ``("multiplier",)``.

    Examples
    --------
    A step decay, halving the learning rate at every quarter of the run:

    >>> from skdnn.schedules import Schedule
    >>> class Quarters(Schedule):
    ...     def multiplier(self, step, total_steps):
    ...         return 0.5 ** (4 * step // total_steps)
    >>> [Quarters().multiplier(s, 8) for s in range(8)]
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]
    >>> from skdnn import DNNClassifier
    >>> clf = DNNClassifier(lr_schedule=Quarters(), max_iter=20)
    """

    required: ClassVar[tuple[str, ...]] = ("multiplier",)

    @abstractmethod
    def multiplier(self, step: int, total_steps: int) -> float:
        """The factor on the learning rate of step ``step`` of ``total_steps``.

        Parameters
        ----------
        step : int
            The step about to be taken, from 0 to ``total_steps - 1``.
        total_steps : int
            The budget of the fit: ``max_iter`` times the minibatches per epoch
            (at least 1).

        Returns
        -------
        multiplier : float
            A finite number >= 0; 1 leaves the learning rate as it is.

        Examples
        --------
        >>> from skdnn.schedules import Cosine
        >>> Cosine().multiplier(50, 100)
        0.5
        """

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(vars(self).items()))))
