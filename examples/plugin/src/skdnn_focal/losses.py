"""The focal loss (Lin et al., 2017, "Focal Loss for Dense Object Detection").

Cross-entropy multiplies each row's loss by ``(1 - p_t)**gamma``, ``p_t`` being the
probability given to the true class: rows the network already classifies well weigh
little, so training concentrates on the hard ones. ``gamma = 0`` is cross-entropy.
"""

from __future__ import annotations

from typing import Any

from skdnn.losses import Loss

__all__ = ["FocalLoss"]


class FocalLoss(Loss):
    """Focal loss on the softmax (multiclass) or logistic (binary, multilabel) link.

    With ``p = link(z)``, ``q = 1 - p`` and targets ``y``, the loss of a row is

    * softmax: ``l = -sum_k y_k q_k**gamma log p_k``;
    * logistic: ``l = sum_k -y_k q_k**gamma log p_k - (1 - y_k) p_k**gamma log q_k``,

    and its gradient with respect to the logits ``z`` (the link fused in, as the
    :class:`skdnn.losses.Loss` protocol asks) is

    * softmax: ``dz_j = h_j - p_j sum_k h_k`` with
      ``h_k = y_k q_k**gamma (gamma p_k log(p_k) / q_k - 1)``;
    * logistic: ``dz = y q**gamma (gamma p log p - q)
      + (1 - y) p**gamma (p - gamma q log q)``.

    Both reduce to ``p - y`` at ``gamma = 0``. Logs come from the logits (never
    ``log(p)``), so no probability that rounds to 0 or 1 gives an infinity.

    Parameters
    ----------
    gamma : float, default=2.0
        The focusing parameter, at least 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn_focal import FocalLoss
    >>> raw = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    >>> Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> loss, grad = FocalLoss(gamma=2.0).value_and_gradient(raw.copy(), Y, None, "softmax", np)
    >>> round(float(loss), 4), grad.shape
    (0.2462, (2, 3))
    >>> ce, _ = FocalLoss(gamma=0.0).value_and_gradient(raw.copy(), Y, None, "softmax", np)
    >>> bool(loss < ce)  # confident, correct rows count for less
    True
    """

    def __init__(self, gamma: float = 2.0) -> None:
        self.gamma = gamma

    def value_and_gradient(
        self, raw: Any, Y: Any, sample_weight: Any, out_activation: str, xp: Any
    ) -> tuple[Any, Any]:
        """The (weighted) mean focal loss over the rows and its gradient w.r.t. ``raw``.

        Parameters
        ----------
        raw : array of shape (n, n_outputs)
            Logits.
        Y : array of shape (n, n_outputs)
            Targets: one-hot rows (softmax), 0/1 columns (logistic).
        sample_weight : array of shape (n,) or None
            Row weights; None weighs every row equally.
        out_activation : {"softmax", "logistic"}
            The link.
        xp : module
            The backend's array namespace.

        Returns
        -------
        loss : 0-d array
            The weighted mean loss over the rows.
        grad : array of shape (n, n_outputs)
            Its gradient with respect to ``raw``.

        Raises
        ------
        ValueError
            If ``gamma`` is negative or the link is not softmax or logistic.
        """
        gamma = float(self.gamma)
        if gamma < 0:
            raise ValueError(f"FocalLoss needs gamma >= 0, got gamma={self.gamma!r}.")
        if out_activation == "softmax":
            per_row, grad = _softmax_focal(raw, Y, gamma, xp)
        elif out_activation == "logistic":
            per_row, grad = _logistic_focal(raw, Y, gamma, xp)
        else:
            raise ValueError(
                f"FocalLoss is a classification loss: it needs the softmax or logistic "
                f"link, got {out_activation!r}."
            )
        n = raw.shape[0]
        if sample_weight is None:
            return xp.sum(per_row) / n, grad / n
        # d mean / d row_i is row i's share of the total weight.
        share = sample_weight / xp.sum(sample_weight)
        return xp.sum(per_row * share), grad * xp.reshape(share, (n, 1))


def _softplus(z: Any, xp: Any) -> Any:
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``, finite for any ``z``."""
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def _logistic_focal(z: Any, Y: Any, gamma: float, xp: Any) -> tuple[Any, Any]:
    """Per-row loss and per-element gradient for independent sigmoid outputs."""
    # log p = -softplus(-z) and log q = -softplus(z): both exact for large |z|.
    log_p, log_q = -_softplus(-z, xp), -_softplus(z, xp)
    p, q = xp.exp(log_p), xp.exp(log_q)
    q_g, p_g = q**gamma, p**gamma
    per_row = xp.sum(-Y * q_g * log_p - (1.0 - Y) * p_g * log_q, axis=1)
    # dp/dz = p q: d(-q^g log p)/dz = q^g (g p log p - q), d(-p^g log q)/dz = p^g (p - g q log q).
    grad = Y * q_g * (gamma * p * log_p - q) + (1.0 - Y) * p_g * (p - gamma * q * log_q)
    return per_row, grad


def _softmax_focal(z: Any, Y: Any, gamma: float, xp: Any) -> tuple[Any, Any]:
    """Per-row loss and per-element gradient through the softmax."""
    shifted = z - xp.max(z, axis=1, keepdims=True)
    log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    p = xp.exp(log_p)
    q = -xp.expm1(log_p)  # 1 - p, keeping its digits when p is small
    q_g = q**gamma
    per_row = -xp.sum(Y * q_g * log_p, axis=1)
    # h_k = p_k d l / d p_k; then the softmax Jacobian p_k (delta_kj - p_j) gives
    # dz_j = h_j - p_j sum_k h_k. log(p) / q tends to -1 as p -> 1, where q may be 0.
    ones = xp.ones_like(q)
    log_p_over_q = xp.where(q > 0, log_p / xp.where(q > 0, q, ones), -ones)
    h = Y * q_g * (gamma * p * log_p_over_q - 1.0)
    grad = h - p * xp.sum(h, axis=1, keepdims=True)
    return per_row, grad
