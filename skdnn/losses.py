"""Loss functions, each owning its output link.

:class:`Loss` is the protocol (documented there); :class:`CrossEntropy` and
:class:`MeanSquaredError` are the built-ins. The registry instance is :data:`registry`;
third-party losses register through the entry-point group ``skdnn.losses``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from . import _kernels, _links
from ._registry import Registry

__all__ = ["CrossEntropy", "Loss", "MeanSquaredError", "apply_link", "registry"]


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
    """

    required: ClassVar[tuple[str, ...]] = ("value_and_gradient",)

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
        """


registry = Registry("losses", param="loss", base=Loss)

#: The output link, kept here for code written against ``skdnn.losses.apply_link``.
apply_link = _links.apply


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
        _links._check(out_activation)
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
