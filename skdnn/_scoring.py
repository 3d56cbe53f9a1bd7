"""The early-stopping monitor: the score and the loss of the held-out rows, in one pass.

After each epoch (``early_stopping=True``) :class:`ValidationMonitor` runs the network
forward once over the held-out rows, chunk by chunk, and from the same raw outputs
computes

* the validation loss: the loss plugin's ``value_and_gradient`` on each chunk's raw
  outputs, combined by the held-out sample weights into their weighted mean, without
  the L2 penalty (``validation_loss_curve_``);
* the validation score that early stopping follows (``validation_scores_``), as
  ``validation_scoring`` says: the estimator's own (accuracy or R²), ``"loss"`` (minus
  the validation loss, so that higher is better everywhere), or a scikit-learn scorer
  (a name or a callable). A scorer is handed :class:`HeldOutView`, a frozen view of the
  current network that answers ``predict``, ``predict_proba``... for the held-out rows
  from the outputs already computed: nothing is run or fitted again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import get_scorer
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import _safe_indexing
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import _num_samples

from ._batching import chunks, take
from ._inference import CHUNK
from ._utils import copy_array


def same_monitor(a: Any, b: Any) -> bool:
    """Whether two ``validation_scoring`` values monitor the same thing.

    Two callables count as the same (a pickled copy of a scorer is not the original
    object); a name or None is the same only as itself.

    Parameters
    ----------
    a, b : None, str or callable

    Returns
    -------
    bool
    """
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    return True


class ValidationMonitor:
    """``monitor(net) -> (score, loss)`` on the held-out rows of one fit.

    Parameters
    ----------
    est : BaseDNN
        The estimator being fitted (its ``validation_scoring``, ``_transform``,
        ``_score_outputs`` and ``_held_out_responses``).
    Xd : backend array or HostRows
        Every row of X, where training reads it.
    data : TrainingData
        The checked inputs of the fit.
    val_idx : ndarray of int
        The held-out rows.
    backend : backend plugin
    """

    def __init__(self, est: Any, Xd: Any, data: Any, val_idx: np.ndarray, backend: Any) -> None:
        self.est, self.Xd, self.data, self.val_idx = est, Xd, data, val_idx
        self.backend = backend
        self.y = data.y[val_idx]
        sw = None if data.sw is None else data.sw[val_idx]
        # Held-out rows that all weigh zero are weighed equally (as the scores always were).
        self.sw = sw if sw is not None and float(np.sum(sw)) > 0 else None
        self.Y = backend.asarray(data.Y[val_idx], data.dtype)
        self.swd = None if self.sw is None else backend.asarray(self.sw, data.dtype)
        self.transform = est._transform(data.fitted)
        scoring = est.validation_scoring
        named = isinstance(scoring, str) and scoring != "loss"
        self.scorer = get_scorer(scoring) if named else scoring
        self._X = None  # the held-out X handed to a scorer, taken once

    def __call__(self, net: Any) -> tuple[float, float]:
        """The validation score and loss of ``net``.

        Parameters
        ----------
        net : Network

        Returns
        -------
        score : float
            Higher is better.
        loss : float
            The weighted mean loss of the held-out rows, without the L2 penalty.
        """
        P, raw, loss = self._outputs(net)
        if self.scorer is None:
            return self.est._score_outputs(P, self.y, self.sw, self.data.fitted), loss
        if self.scorer == "loss":
            return -loss, loss
        return self._call_scorer(P, raw), loss

    def _outputs(self, net: Any) -> tuple[np.ndarray, np.ndarray | None, float]:
        """One forward pass: host predictions, host raw outputs (only for a scorer,
        which may ask for log-probabilities) and the validation loss."""
        backend, xp = net.backend, net.xp
        # An ensemble's raw outputs are its members'; a scorer gets their mean's.
        keep_raw = callable(self.scorer) and net.n_members == 1
        parts, raws, total, weight = [], [], None, 0.0
        for rows in chunks(len(self.val_idx), CHUNK):
            idx = self.val_idx[rows]
            raw = net.forward(take(backend, self.Xd, idx, backend.asarray(idx, np.int64)))
            if keep_raw:
                raws.append(np.array(backend.to_numpy(raw), copy=True))
            # value_and_gradient overwrites its input, and the softmax link its own.
            sw = None if self.swd is None else self.swd[rows]
            value = net.loss_value(copy_array(raw, xp), self.Y[rows, ...], sw)
            parts.append(backend.to_numpy(net.combine(raw, self.transform)))
            w = float(rows.stop - rows.start) if self.sw is None else float(np.sum(self.sw[rows]))
            if w > 0:  # a chunk of zero weight has no mean (0 / 0)
                total = value * w if total is None else total + value * w
                weight += w
        P = np.concatenate(parts, axis=0)
        raw = np.concatenate(raws, axis=0) if keep_raw else None
        return P, raw, float(total) / weight

    def _call_scorer(self, P: np.ndarray, raw: np.ndarray) -> float:
        """The scorer's value on the held-out rows, fed the outputs already computed."""
        if self._X is None:
            self._X = self._held_out_X()
        fitted = self.data.fitted
        view = HeldOutView(self.est, self.est._held_out_responses(P, raw, fitted), fitted, len(P))
        scoring = self.est.validation_scoring
        try:
            if isinstance(self.scorer, _BaseScorer) and self.sw is not None:
                return float(self.scorer(view, self._X, self.y, sample_weight=self.sw))
            return float(self.scorer(view, self._X, self.y))
        except Exception as exc:
            raise ValueError(
                f"validation_scoring={scoring!r} could not score the held-out rows of "
                f"{type(self.est).__name__}: {type(exc).__name__}: {exc}"
            ) from exc

    def _held_out_X(self) -> Any:
        """The held-out rows of X as the fit got them (host, sparse or the backend's)."""
        data = self.data
        if data.native:
            idx = self.backend.asarray(self.val_idx, np.int64)
            return self.backend.take_rows(data.X, idx)
        return _safe_indexing(data.X, self.val_idx)


def _answers(method: str):
    """``available_if`` check: whether the view answers ``method``."""
    return lambda view: method in view._responses


class HeldOutView:
    """A frozen view of the network being trained, for scikit-learn scorers.

    It answers ``predict`` (and, for a classifier, ``predict_proba`` and
    ``predict_log_proba``) for the held-out rows only, from outputs already computed;
    the ``X`` it is called with only has its number of rows checked. It has the
    estimator's tags and target attributes (``classes_``...), so
    ``sklearn.metrics.get_scorer`` scorers treat it as the estimator itself.

    Parameters
    ----------
    est : BaseDNN
        The estimator being fitted.
    responses : dict of str to callable
        Method name -> ``() -> answer`` for the held-out rows.
    fitted : dict
        The target attributes of the fit (``classes_``, ``n_outputs_``...); the public
        ones become the view's attributes.
    n_rows : int
        The number of held-out rows (checked against the ``X`` a method gets).
    """

    def __init__(self, est: Any, responses: dict, fitted: dict, n_rows: int) -> None:
        self._est, self._responses, self._n = est, responses, n_rows
        for name, value in fitted.items():
            if not name.startswith("_"):
                setattr(self, name, value)
        self.n_features_in_ = est.n_features_in_

    def __sklearn_tags__(self):
        return self._est.__sklearn_tags__()

    def _answer(self, method: str, X: Any) -> Any:
        if _num_samples(X) != self._n:
            raise ValueError(
                f"This view of the network being trained answers {method} for its "
                f"{self._n} held-out rows only, not for {_num_samples(X)} rows."
            )
        return self._responses[method]()

    @available_if(_answers("predict"))
    def predict(self, X: Any) -> Any:
        """Predictions for the held-out rows.

        Parameters
        ----------
        X : array-like of shape (n_held_out, n_features)

        Returns
        -------
        ndarray
        """
        return self._answer("predict", X)

    @available_if(_answers("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for the held-out rows.

        Parameters
        ----------
        X : array-like of shape (n_held_out, n_features)

        Returns
        -------
        ndarray of shape (n_held_out, n_classes)
        """
        return self._answer("predict_proba", X)

    @available_if(_answers("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log class probabilities for the held-out rows.

        Parameters
        ----------
        X : array-like of shape (n_held_out, n_features)

        Returns
        -------
        ndarray of shape (n_held_out, n_classes)
        """
        return self._answer("predict_log_proba", X)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The estimator's own ``score`` (accuracy or R²) of the held-out rows.

        Parameters
        ----------
        X : array-like of shape (n_held_out, n_features)
        y : array-like
        sample_weight : array-like of shape (n_held_out,), default=None

        Returns
        -------
        float
        """
        return type(self._est).score(self, X, y, sample_weight=sample_weight)
