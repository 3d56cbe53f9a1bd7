"""Loss functions, each owning its output link.

:class:`Loss` is the protocol (documented there). The built-ins: for classifiers
:class:`CrossEntropy` and :class:`MeanSquaredError`, for regressors
:class:`SquaredError` and :class:`Poisson`. The registry instance is :data:`registry`;
third-party losses register through the entry-point group ``skdnn.losses``.

Examples
--------
>>> from skdnn import losses
>>> losses.registry.names()
['cross_entropy', 'mse', 'poisson', 'squared_error']
>>> type(losses.registry.resolve("poisson")).__name__
'Poisson'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from . import _kernels, _links
from ._registry import Registry

__all__ = [
    "CrossEntropy",
    "Loss",
    "MeanSquaredError",
    "Poisson",
    "SquaredError",
    "apply_link",
    "registry",
]


class Loss(ABC):
    """The loss protocol: a loss measures the link's probabilities against the targets.

    The predicted probabilities are always ``link(raw)`` (:func:`apply_link`); a loss
    decides how they are measured against the targets, and returns the gradient with
    respect to the raw outputs, the link fused in. Subclass it, or pass any object
    with a ``value_and_gradient`` method.

    Attributes
    ----------
    required : tuple of str
        The names a plugin must have: ``("value_and_gradient",)``.
    tasks : tuple of str
        What the loss suits: ``"classification"`` (the default: the link comes from
        the target type) and/or ``"regression"``. An estimator refuses a loss that
        does not name its task.
    regression_link : str
        The output link of a regressor trained with this loss: ``"identity"``
        (default) or ``"exp"``.

    Examples
    --------
    A loss written from the protocol: half the squared error of a regressor, with the
    identity link (the gradient is with respect to the raw outputs).

    >>> import numpy as np
    >>> from sklearn.datasets import make_regression
    >>> from skdnn import DNNRegressor
    >>> from skdnn.losses import Loss
    >>> class HalfSquares(Loss):
    ...     tasks = ("regression",)
    ...     def value_and_gradient(self, raw, Y, sample_weight, out_activation, xp):
    ...         diff = raw - Y
    ...         return xp.mean(0.5 * xp.sum(diff * diff, axis=1)), diff / raw.shape[0]
    >>> X, y = make_regression(n_samples=50, n_features=3, noise=10, random_state=0)
    >>> reg = DNNRegressor(hidden_layer_sizes=(8,), loss=HalfSquares(),
    ...                    learning_rate_init=0.1, random_state=0)
    >>> reg.fit(X, y / y.std()).score(X, y / y.std()) > 0.9
    True
    """

    required: ClassVar[tuple[str, ...]] = ("value_and_gradient",)
    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    regression_link: ClassVar[str] = "identity"

    @abstractmethod
    def value_and_gradient(
        self, raw: Any, Y: Any, sample_weight: Any, out_activation: str, xp: Any
    ) -> tuple[Any, Any]:
        """The (weighted) mean loss over the rows and its gradient with respect to ``raw``.

        Parameters
        ----------
        raw : array of shape (n, n_outputs)
            The network's raw outputs (logits). May be overwritten (the network passes
            a buffer it owns).
        Y : array of shape (n, n_outputs)
            Targets: one-hot rows for multiclass, 0/1 columns for binary and
            multilabel.
        sample_weight : array of shape (n,) or None
            Row weights; None weighs every row equally.
        out_activation : {"softmax", "logistic"}
            The link: ``"softmax"`` for multiclass, ``"logistic"`` for binary and
            multilabel.
        xp : module
            The backend's array namespace.

        Returns
        -------
        loss : 0-d array
            The weighted mean loss over the rows.
        grad : array of shape (n, n_outputs)
            Its gradient with respect to ``raw``.

        Examples
        --------
        The built-in cross-entropy on two rows, the second one weighted three times:

        >>> import numpy as np
        >>> from skdnn.losses import CrossEntropy
        >>> raw = np.zeros((2, 2))
        >>> Y = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> loss, grad = CrossEntropy().value_and_gradient(raw, Y, np.array([1.0, 3.0]),
        ...                                                "softmax", np)
        >>> round(float(loss), 4)  # log(2)
        0.6931
        >>> grad  # (p - y) * w / sum(w)
        array([[-0.125,  0.125],
               [ 0.375, -0.375]])
        """


#: The losses by name: what ``loss=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.losses`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Loss` for a name). See :class:`skdnn._registry.Registry`.
registry = Registry("losses", param="loss", base=Loss)

#: The output link, kept here for code written against ``skdnn.losses.apply_link``.
apply_link = _links.apply


def _check_probability_link(link: str) -> None:
    if link not in ("softmax", "logistic"):
        raise ValueError(f"A classification loss needs the softmax or logistic link, got {link!r}.")


def _weighted_mean(per_row: Any, sample_weight: Any, xp: Any) -> tuple[Any, Any]:
    """Mean of ``per_row`` weighted by ``sample_weight``; also the per-row scale.

    Returns ``(mean, scale)`` where ``scale`` is ``w / sum(w)`` as an ``(n, 1)`` column,
    or the Python float ``1 / n`` without weights, so ``d mean / d row_i = scale_i``.
    """
    n = per_row.shape[0]
    if sample_weight is None:
        return xp.sum(per_row) / n, 1.0 / n
    scale = sample_weight / xp.sum(sample_weight)
    return xp.sum(per_row * scale), xp.reshape(scale, (n, 1))


@registry.register("cross_entropy")
class CrossEntropy(Loss):
    """Cross-entropy (log-loss), fused with its link.

    Multiclass (softmax): ``l_i = -sum_k y_ik log p_ik``, computed from the shifted
    logits as ``sum_k y_ik (log S_i - s_ik)`` so no probability is ever logged.
    Binary and multilabel (logistic): ``l_i = sum_k softplus(z_ik) - y_ik z_ik``.
    Either way the gradient with respect to the logits is ``p - y`` (scaled by the
    row's weight share), the fused form that never saturates.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.losses import CrossEntropy
    >>> raw = np.array([[2.0, 0.0], [0.0, 1.0]])
    >>> Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> loss, grad = CrossEntropy().value_and_gradient(raw.copy(), Y, None, "softmax", np)
    >>> round(float(loss), 4)
    0.2201
    >>> grad.round(3)  # (p - y) / n
    array([[-0.06 ,  0.06 ],
           [ 0.134, -0.134]])
    """

    def value_and_gradient(
        self, raw: Any, Y: Any, sample_weight: Any, out_activation: str, xp: Any
    ) -> tuple[Any, Any]:
        """Mean cross-entropy and its gradient with respect to ``raw``.

        Parameters
        ----------
        raw : array of shape (n, n_outputs)
            Logits; overwritten.
        Y : array of shape (n, n_outputs)
            Targets.
        sample_weight : array of shape (n,) or None
        out_activation : {"softmax", "logistic"}
        xp : module

        Returns
        -------
        loss : 0-d array
        grad : array of shape (n, n_outputs)
        """
        _check_probability_link(out_activation)
        fused = _kernels.lookup(xp, f"ce_{out_activation}")
        if fused is not None and raw.flags.c_contiguous and Y.flags.c_contiguous:
            bound = _links.logit_bound(raw.dtype)
            return fused(raw, Y, sample_weight, raw.dtype.type(bound)), raw
        # The loss value comes from the exact logits; exp() only ever sees bounded ones.
        if out_activation == "softmax":
            raw -= xp.max(raw, axis=1, keepdims=True)
            dot = xp.sum(Y * raw, axis=1)
            P = xp.exp(xp.maximum(raw, -_links.logit_bound(raw.dtype)))
            total = xp.sum(P, axis=1, keepdims=True)
            P /= total
            per_row = xp.sum(Y, axis=1) * xp.log(total[:, 0]) - dot
        else:
            # softplus(z) = max(z, 0) + log1p(exp(-|z|)), stable for any z.
            bounded = _links.bound(raw, out_activation, xp)
            e = xp.exp(-xp.abs(bounded))
            softplus = xp.maximum(raw, 0.0) + xp.log1p(e)
            per_row = xp.sum(softplus - Y * raw, axis=1)
            P = _links._sigmoid(bounded, xp, e)
        loss, scale = _weighted_mean(per_row, sample_weight, xp)
        P -= Y
        P *= scale
        return loss, P


@registry.register("mse")
class MeanSquaredError(Loss):
    """Half the mean squared error between the link's probabilities and the targets.

    ``l_i = mean_k (p_ik - y_ik)**2 / 2``, as scikit-learn's ``squared_loss``. The
    gradient goes through the link's Jacobian: for softmax
    ``dz = p * (g - sum_k g_k p_k)`` with ``g = (p - y) / n_outputs``, for logistic
    ``dz = g * p * (1 - p)``. Both vanish when the link saturates, which is why MSE
    learns slowly on a confidently wrong network.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.losses import MeanSquaredError
    >>> raw = np.array([[0.0], [2.0]])
    >>> Y = np.array([[1.0], [1.0]])
    >>> loss, grad = MeanSquaredError().value_and_gradient(raw.copy(), Y, None, "logistic", np)
    >>> round(float(loss), 4)
    0.0661
    >>> grad.shape
    (2, 1)
    """

    def value_and_gradient(
        self, raw: Any, Y: Any, sample_weight: Any, out_activation: str, xp: Any
    ) -> tuple[Any, Any]:
        """Mean squared error and its gradient with respect to ``raw``.

        Parameters
        ----------
        raw : array of shape (n, n_outputs)
            Logits; overwritten.
        Y : array of shape (n, n_outputs)
            Targets.
        sample_weight : array of shape (n,) or None
        out_activation : {"softmax", "logistic"}
        xp : module

        Returns
        -------
        loss : 0-d array
        grad : array of shape (n, n_outputs)
        """
        _check_probability_link(out_activation)
        P = _links.apply(_links.bound(raw, out_activation, xp), out_activation, xp)
        n_outputs = P.shape[1]
        G = (P - Y) / n_outputs
        per_row = 0.5 * xp.sum(G * G, axis=1) * n_outputs
        loss, scale = _weighted_mean(per_row, sample_weight, xp)
        if out_activation == "softmax":
            G = P * (G - xp.sum(G * P, axis=1, keepdims=True))
        else:
            G = G * P * (1.0 - P)
        G *= scale
        return loss, G


@registry.register("squared_error")
class SquaredError(Loss):
    """Half the squared error of a regressor's outputs, ``MLPRegressor``'s default loss.

    ``l_i = sum_k (z_ik - y_ik)**2 / 2`` through the identity link; its gradient with
    respect to the outputs is ``z - y`` (scaled by the row's weight share), which is
    the gradient ``MLPRegressor`` follows. For one output this is ``MLPRegressor``'s
    loss exactly; with several, ``MLPRegressor`` reports the mean over the outputs
    while following this sum's gradient, and skdnn reports the loss that gradient
    belongs to (``n_outputs`` times larger).

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.losses import SquaredError
    >>> raw = np.array([[1.0], [3.0]])
    >>> Y = np.array([[0.0], [1.0]])
    >>> loss, grad = SquaredError().value_and_gradient(raw.copy(), Y, None, "identity", np)
    >>> float(loss)  # (1**2 / 2 + 2**2 / 2) / 2
    1.25
    >>> grad  # (z - y) / n
    array([[0.5],
           [1. ]])
    """

    tasks = ("regression",)
    regression_link = "identity"

    def value_and_gradient(
        self, raw: Any, Y: Any, sample_weight: Any, out_activation: str, xp: Any
    ) -> tuple[Any, Any]:
        """Half the squared error and its gradient with respect to ``raw``.

        Parameters
        ----------
        raw : array of shape (n, n_outputs)
            Outputs; overwritten by the gradient.
        Y : array of shape (n, n_outputs)
            Targets.
        sample_weight : array of shape (n,) or None
        out_activation : {"identity"}
        xp : module

        Returns
        -------
        loss : 0-d array
        grad : array of shape (n, n_outputs)
        """
        _check_regression_link(out_activation, "identity")
        raw -= Y
        loss, scale = _weighted_mean(0.5 * xp.sum(raw * raw, axis=1), sample_weight, xp)
        raw *= scale
        return loss, raw


@registry.register("poisson")
class Poisson(Loss):
    """Half the Poisson deviance through the exponential link, as ``MLPRegressor``'s
    ``loss="poisson"``.

    With ``mu = exp(z)``: ``l_i = sum_k y log(y / mu) - y + mu``, written from the
    outputs as ``y log y - y z - y + exp(z)`` (``0 log 0 = 0``); its gradient with
    respect to ``z`` is ``mu - y``, the canonical link's. Targets must be
    non-negative.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.losses import Poisson
    >>> raw = np.zeros((2, 1))  # mu = exp(0) = 1
    >>> Y = np.array([[1.0], [3.0]])
    >>> loss, grad = Poisson().value_and_gradient(raw.copy(), Y, None, "exp", np)
    >>> grad  # (mu - y) / n
    array([[ 0.],
           [-1.]])
    """

    tasks = ("regression",)
    regression_link = "exp"

    def value_and_gradient(
        self, raw: Any, Y: Any, sample_weight: Any, out_activation: str, xp: Any
    ) -> tuple[Any, Any]:
        """Half the Poisson deviance and its gradient with respect to ``raw``.

        Parameters
        ----------
        raw : array of shape (n, n_outputs)
            Log-means; overwritten by the gradient.
        Y : array of shape (n, n_outputs)
            Non-negative targets.
        sample_weight : array of shape (n,) or None
        out_activation : {"exp"}
        xp : module

        Returns
        -------
        loss : 0-d array
        grad : array of shape (n, n_outputs)
        """
        _check_regression_link(out_activation, "exp")
        mu = xp.exp(raw)
        # y log y without log(0): where y == 0 the term is 0.
        y_log_y = Y * xp.log(xp.where(Y > 0, Y, xp.ones_like(Y)))
        per_row = xp.sum(y_log_y - Y * raw - Y + mu, axis=1)
        loss, scale = _weighted_mean(per_row, sample_weight, xp)
        mu -= Y
        mu *= scale
        return loss, mu


def _check_regression_link(link: str, expected: str) -> None:
    if link != expected:
        raise ValueError(f"This regression loss needs the {expected!r} link, got {link!r}.")
