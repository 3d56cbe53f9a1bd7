"""Loss functions, each owning its output link.

A loss is any object with the method

``value_and_gradient(raw, Y, sample_weight, out_activation, xp)``
    ``raw`` is the network's raw output (logits) of shape ``(n, n_outputs)``, ``Y`` the
    targets of the same shape (one-hot rows for multiclass, 0/1 columns for binary and
    multilabel), ``sample_weight`` a ``(n,)`` array or None, ``out_activation`` the link
    (``"softmax"`` for multiclass, ``"logistic"`` for binary and multilabel) and ``xp``
    the backend's array namespace. Returns ``(loss, grad)``: the (weighted) mean loss
    over the rows as a 0-d array, and its gradient with respect to ``raw``. It may
    overwrite ``raw`` (the network passes a buffer it owns).

The predicted probabilities are always ``link(raw)`` (:func:`apply_link`); a loss decides
how it is measured against the targets. The registry instance is :data:`registry`;
third-party losses register through the entry-point group ``skdnn.losses``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from . import _kernels
from ._registry import Registry

__all__ = ["CrossEntropy", "MeanSquaredError", "apply_link", "registry"]

registry = Registry("losses", required=["value_and_gradient"], param="loss")

LINKS = ("softmax", "logistic")


def _logistic(raw: Any, xp: Any, e: Any = None) -> Any:
    """``1 / (1 + exp(-raw))`` with full relative precision on both sides, no overflow.

    With ``e = exp(-|z|)`` (never above 1): ``1 / (1 + e)`` for ``z >= 0`` and
    ``e / (1 + e)`` for ``z < 0``, so tiny probabilities keep their digits. ``e`` may
    be passed in when the caller has it already.
    """
    if e is None:
        e = xp.exp(-xp.abs(raw))
    return xp.where(raw >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def apply_link(raw: Any, out_activation: str, xp: Any) -> Any:
    """Map raw outputs to probabilities through the output link.

    Parameters
    ----------
    raw : array of shape (n, n_outputs)
        Raw network outputs. Overwritten for ``"softmax"``.
    out_activation : {"softmax", "logistic"}
        The link.
    xp : module
        Array namespace of ``raw``.

    Returns
    -------
    P : array of shape (n, n_outputs)
    """
    if out_activation == "softmax":
        raw -= xp.max(raw, axis=1, keepdims=True)
        P = xp.exp(raw)
        P /= xp.sum(P, axis=1, keepdims=True)
        return P
    if out_activation == "logistic":
        return _logistic(raw, xp)
    raise ValueError(f"Unknown output activation {out_activation!r}; expected one of {LINKS}.")


# Share of the exponent range the logits may span during training (see _bound_logits).
_LOGIT_RANGE = 0.75


@functools.lru_cache(maxsize=8)
def _logit_bound(smallest_normal: float) -> float:
    return -_LOGIT_RANGE * math.log(float(smallest_normal))


def _bound_logits(raw: Any, out_activation: str, xp: Any) -> Any:
    """Logits clipped so that ``exp`` of them stays clear of subnormal numbers.

    Once a network is confident, ``exp(-|z|)`` underflows into subnormal floats, and
    arithmetic on those (in the loss, and in every matrix product of the backward
    pass) runs many times slower. Bounding ``|z|`` (softmax: the max-shifted logits) at
    3/4 of ``-log(smallest normal)`` (65 in float32, 531 in float64) keeps every
    probability above 1e-28 (float32): far below the precision of ``1 - p``, so the
    loss and its gradient change by less than rounding.
    """
    bound = _logit_bound(xp.finfo(raw.dtype).smallest_normal)
    if out_activation == "softmax":
        raw -= xp.max(raw, axis=1, keepdims=True)
        return xp.maximum(raw, -bound)
    return xp.clip(raw, -bound, bound)


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
class CrossEntropy:
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
        if out_activation not in LINKS:
            raise ValueError(
                f"Unknown output activation {out_activation!r}; expected one of {LINKS}."
            )
        fused = _kernels.lookup(xp, f"ce_{out_activation}")
        if fused is not None and raw.flags.c_contiguous and Y.flags.c_contiguous:
            bound = _logit_bound(xp.finfo(raw.dtype).smallest_normal)
            return fused(raw, Y, sample_weight, raw.dtype.type(bound)), raw
        # The loss value comes from the exact logits; exp() only ever sees bounded ones.
        if out_activation == "softmax":
            raw -= xp.max(raw, axis=1, keepdims=True)
            dot = xp.sum(Y * raw, axis=1)
            P = xp.exp(xp.maximum(raw, -_logit_bound(xp.finfo(raw.dtype).smallest_normal)))
            total = xp.sum(P, axis=1, keepdims=True)
            P /= total
            per_row = xp.sum(Y, axis=1) * xp.log(total[:, 0]) - dot
        else:
            # softplus(z) = max(z, 0) + log1p(exp(-|z|)), stable for any z.
            bounded = _bound_logits(raw, out_activation, xp)
            e = xp.exp(-xp.abs(bounded))
            softplus = xp.maximum(raw, 0.0) + xp.log1p(e)
            per_row = xp.sum(softplus - Y * raw, axis=1)
            P = _logistic(bounded, xp, e)
        loss, scale = _weighted_mean(per_row, sample_weight, xp)
        P -= Y
        P *= scale
        return loss, P


@registry.register("mse")
class MeanSquaredError:
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
        if out_activation not in LINKS:
            raise ValueError(
                f"Unknown output activation {out_activation!r}; expected one of {LINKS}."
            )
        P = apply_link(_bound_logits(raw, out_activation, xp), out_activation, xp)
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
