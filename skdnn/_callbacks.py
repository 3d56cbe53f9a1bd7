"""scikit-learn's callback API (``sklearn.callback``, experimental, scikit-learn >= 1.9)
on the training loop's event seam.

``est.set_callbacks(ProgressBar())`` (or ``ScoringMonitor``, or any ``FitCallback``)
makes each ``fit``/``partial_fit`` call one fit task of scikit-learn's task tree, with
one subtask per epoch (per L-BFGS iteration for ``solver="lbfgs"``). The epoch's end
hook gets the training ``X``, ``y``, ``sample_weight`` (as ``metadata``) and, when a
callback asks for a ``fitted_estimator``, a copy of the estimator holding the weights of
that epoch; a hook returning True stops training after the epoch, as a listener does.
Inside ``Pipeline`` and ``GridSearchCV`` the contexts merge into the meta-estimator's
tree, as scikit-learn propagates them.

What this module relies on of the experimental API (``_init_callback_context``,
``CallbackContext.subcontext``, ``call_on_fit_task_begin``/``end`` and their keyword
arguments, ``_fit_context`` tearing the callbacks down) is pinned by
``tests/test_callbacks.py``, which fails loudly when scikit-learn changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sklearn

from ._events import EpochBegin, EpochEnd, FitEnd, Listener

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9: no callback API
    CallbackSupportMixin = None

SUPPORTED = CallbackSupportMixin is not None

__all__ = ["SUPPORTED", "CallbackSupport", "SklearnCallbacks", "open_fit_task"]


if SUPPORTED:

    class CallbackSupport(CallbackSupportMixin):
        """``set_callbacks`` from scikit-learn's :class:`~sklearn.callback.CallbackSupportMixin`."""

else:

    class CallbackSupport:
        """Stands in for scikit-learn's ``CallbackSupportMixin`` before scikit-learn 1.9."""

        def set_callbacks(self, *callbacks):
            """Refuse: scikit-learn's callback API needs scikit-learn 1.9 or newer.

            Parameters
            ----------
            *callbacks : callback instances
                What would have been set.

            Raises
            ------
            ImportError
                Always, naming the installed scikit-learn version.
            """
            raise ImportError(
                "set_callbacks needs scikit-learn's callback API (sklearn.callback), "
                f"new in scikit-learn 1.9; scikit-learn {sklearn.__version__} is "
                "installed. Upgrade with: pip install 'scikit-learn>=1.9'. Everything "
                "else works without it (verbose=True prints progress)."
            )


def open_fit_task(estimator: Any, max_epochs: int):
    """The root callback context of one fit call; None without the callback API or
    without callbacks (their task tree keeps an object per epoch: no callers, no tree)."""
    if not SUPPORTED or not getattr(estimator, "_skl_callbacks", None):
        return None
    return estimator._init_callback_context(max_subtasks=max_epochs)


class SklearnCallbacks(Listener):
    """Hands the training loop's events to scikit-learn callbacks, one subtask an epoch.

    Parameters
    ----------
    estimator : BaseDNN
        The estimator being fitted (the ``estimator`` the hooks receive).
    context : CallbackContext
        The fit call's root context.
    X, y : array-like
        The training data, as ``fit`` received it.
    metadata : dict or None
        ``{"sample_weight": ...}`` when weights were given.
    reconstruct : callable
        ``reconstruct(coefs, intercepts) -> dict`` of the fitted attributes that make a
        copy of the estimator predict with those weights.
    """

    def __init__(
        self,
        estimator: Any,
        context: Any,
        X: Any,
        y: Any,
        metadata: dict | None,
        reconstruct: Callable[[list, list], dict],
    ) -> None:
        self.estimator, self.context = estimator, context
        self.data = {"X": X, "y": y, "metadata": metadata}
        self.reconstruct = reconstruct
        self.epoch = None  # the open epoch's context

    def begin(self) -> None:
        """The fit task begins (before the first epoch)."""
        self.context.call_on_fit_task_begin(estimator=self.estimator, **self.data)

    def epoch_begin(self, event: EpochBegin) -> None:
        """Open the epoch's subtask and call the begin hooks."""
        self.epoch = self.context.subcontext(task_name="epoch")
        self.epoch.call_on_fit_task_begin(estimator=self.estimator, **self.data)

    def epoch_end(self, event: EpochEnd) -> bool:
        """Call the epoch's end hooks; True when a callback asks to stop."""
        if self.epoch is None:  # a full-batch iteration announces only its end
            self.epoch_begin(EpochBegin(event.epoch))
        epoch, self.epoch = self.epoch, None
        return epoch.call_on_fit_task_end(
            estimator=self.estimator,
            reconstruction_attributes=lambda: self.reconstruct(*event.weights()),
            **self.data,
        )

    def fit_end(self, event: FitEnd) -> None:
        """An epoch cut short (Ctrl-C) still gets its end hooks, with no data."""
        if self.epoch is not None:
            self.epoch.call_on_fit_task_end(estimator=self.estimator)
            self.epoch = None

    def end(self) -> None:
        """The fit task ends: the estimator holds its fitted attributes."""
        self.context.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes={}, **self.data
        )
