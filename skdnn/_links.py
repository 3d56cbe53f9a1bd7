"""The output links: raw network outputs (logits) to predictions, in one place.

Multiclass targets use the softmax link, binary and multilabel targets the logistic
link, one independent sigmoid per output column. Regression uses the identity link
(squared error) or the exponential link (Poisson), as ``MLPRegressor`` does.
Everything here is written against the array namespace ``xp`` it is given (NumPy,
CuPy, any array API library), and keeps full relative precision for tiny
probabilities: ``P(class 0)`` of a binary model is
``sigmoid(-z)``, never ``1 - sigmoid(z)``. Log-probabilities are ``log(p)`` of those
probabilities wherever ``p`` is a normal number (so that they agree with them, as
``MLPClassifier``'s ``np.log(predict_proba)`` does), and come from the logits where ``p``
underflowed, so that they stay finite.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ._utils import concat, copy_array

__all__ = ["LINKS", "apply", "bound", "log_apply", "logit_bound", "two_columns"]

#: The link names, as the estimator's ``out_activation_`` holds them.
LINKS = ("softmax", "logistic", "identity", "exp")

# Share of the exponent range the logits may span during training (see bound()).
_LOGIT_RANGE = 0.75


def _check(link: str) -> None:
    if link not in LINKS:
        raise ValueError(f"Unknown output activation {link!r}; expected one of {LINKS}.")


def _sigmoid(raw: Any, xp: Any, e: Any = None) -> Any:
    """``1 / (1 + exp(-raw))`` with full relative precision on both sides, no overflow.

    With ``e = exp(-|z|)`` (never above 1): ``1 / (1 + e)`` for ``z >= 0`` and
    ``e / (1 + e)`` for ``z < 0``, so tiny probabilities keep their digits. ``e`` may
    be passed in when the caller has it already.
    """
    if e is None:
        e = xp.exp(-xp.abs(raw))
    return xp.where(raw >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _log_sigmoid(raw: Any, xp: Any) -> Any:
    # log(sigmoid(z)) = -softplus(-z) = -(max(-z, 0) + log1p(exp(-|z|))), stable for any z.
    return -(xp.maximum(-raw, 0.0) + xp.log1p(xp.exp(-xp.abs(raw))))


def _agreeing(log_P: Any, P: Any, xp: Any) -> Any:
    """``log(P)`` where ``P`` is a normal number, the logits' ``log_P`` elsewhere.

    ``P`` is rounded: to exactly 1 where a probability saturates, to 0 (or a subnormal)
    where it underflows. The log of the rounded ``P`` agrees with it (the same argmax
    among labels saturated at 1, ``exp(log P) == P`` to rounding); the logits' value,
    more precise, would tell saturated labels apart that ``P`` ties. Where ``P``
    underflowed, its log would be ``-inf`` or imprecise, and the logits' value is kept.
    """
    normal = P >= xp.finfo(P.dtype).smallest_normal
    return xp.where(normal, xp.log(xp.where(normal, P, xp.ones_like(P))), log_P)


def apply(raw: Any, link: str, xp: Any) -> Any:
    """Map raw outputs to predictions (probabilities, or regression values).

    Parameters
    ----------
    raw : array of shape (n, n_outputs)
        Raw network outputs. Overwritten for ``"softmax"``.
    link : {"softmax", "logistic", "identity", "exp"}
        The link.
    xp : module
        Array namespace of ``raw``.

    Returns
    -------
    P : array of shape (n, n_outputs)

    Raises
    ------
    ValueError
        If ``link`` is not one of :data:`LINKS`.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.losses import apply_link
    >>> apply_link(np.array([[0.0, np.log(3.0)]]), "softmax", np)
    array([[0.25, 0.75]])
    >>> apply_link(np.array([[0.0]]), "logistic", np)
    array([[0.5]])
    """
    _check(link)
    if link == "softmax":
        raw -= xp.max(raw, axis=1, keepdims=True)
        P = xp.exp(raw)
        P /= xp.sum(P, axis=1, keepdims=True)
        return P
    if link == "identity":
        return raw
    if link == "exp":
        return xp.exp(raw)
    return _sigmoid(raw, xp)


def log_apply(raw: Any, link: str, xp: Any) -> Any:
    """Log-probabilities: ``log(apply(raw))``, finite wherever ``p`` is representable.

    ``log(p)`` of :func:`apply`'s probabilities wherever they are normal numbers, so
    that the two agree (where probabilities saturate at 1 too); where ``p``
    underflowed, the log from the logits: log-softmax ``s - log(sum(exp(s)))`` on the
    max-shifted logits ``s``, log-sigmoid ``-softplus(-z)``.

    Parameters
    ----------
    raw : array of shape (n, n_outputs)
        Raw network outputs; not modified.
    link : {"softmax", "logistic"}
        The link.
    xp : module
        Array namespace of ``raw``.

    Returns
    -------
    log_P : array of shape (n, n_outputs)

    Raises
    ------
    ValueError
        If ``link`` is not ``"softmax"`` or ``"logistic"``.
    """
    if link not in ("softmax", "logistic"):
        raise ValueError(
            f"Unknown output activation {link!r} for log-probabilities; expected one of "
            "('softmax', 'logistic')."
        )
    if link == "softmax":
        shifted = raw - xp.max(raw, axis=1, keepdims=True)
        log_P = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
        return _agreeing(log_P, apply(copy_array(raw, xp), link, xp), xp)
    return _agreeing(_log_sigmoid(raw, xp), _sigmoid(raw, xp), xp)


def two_columns(raw: Any, xp: Any, log: bool = False) -> Any:
    """Both class probabilities of a binary model from its one logit column.

    ``[P(class 0), P(class 1)] = [sigmoid(-z), sigmoid(z)]``: computing the first as
    ``sigmoid(-z)`` rather than ``1 - sigmoid(z)`` keeps it exact where it is tiny.

    Parameters
    ----------
    raw : array of shape (n, 1)
        Logits of class 1; not modified.
    xp : module
        Array namespace of ``raw``.
    log : bool, default=False
        Return log-probabilities instead (as :func:`log_apply`'s: the log of the
        probabilities where they are normal numbers, ``-softplus(z)``, ``-softplus(-z)``
        where they underflowed).

    Returns
    -------
    P : array of shape (n, 2)
    """
    P = concat([_sigmoid(-raw, xp), _sigmoid(raw, xp)], xp, axis=1)
    if not log:
        return P
    log_P = concat([_log_sigmoid(-raw, xp), _log_sigmoid(raw, xp)], xp, axis=1)
    return _agreeing(log_P, P, xp)


@functools.lru_cache(maxsize=16)
def _bound_for(dtype_name: str) -> float:
    return -_LOGIT_RANGE * math.log(float(np.finfo(np.dtype(dtype_name)).smallest_normal))


def logit_bound(dtype: Any) -> float:
    """The largest logit magnitude :func:`bound` lets through for ``dtype``.

    3/4 of ``-log(smallest normal)``: 65.5 in float32, 531 in float64.

    Parameters
    ----------
    dtype : dtype
        A floating dtype of any namespace (NumPy, CuPy, array API); read by its name.

    Returns
    -------
    float
    """
    try:
        name = np.dtype(dtype).name
    except TypeError:  # an array API or torch dtype: its name ends "float32", "float64"
        name = str(dtype).rsplit(".", 1)[-1]
    return _bound_for(name)


def bound(raw: Any, link: str, xp: Any) -> Any:
    """Logits clipped so that ``exp`` of them stays clear of subnormal numbers.

    Once a network is confident, ``exp(-|z|)`` underflows into subnormal floats, and
    arithmetic on those (in the loss, and in every matrix product of the backward
    pass) runs many times slower. Bounding ``|z|`` (softmax: the max-shifted logits) at
    :func:`logit_bound` keeps every probability above 1e-28 (float32): far below the
    precision of ``1 - p``, so the loss and its gradient change by less than rounding.

    Parameters
    ----------
    raw : array of shape (n, n_outputs)
        Logits. Overwritten (max-shifted) for ``"softmax"``.
    link : {"softmax", "logistic"}
        The link.
    xp : module
        Array namespace of ``raw``.

    Returns
    -------
    array of shape (n, n_outputs)
    """
    _check(link)
    limit = logit_bound(raw.dtype)
    if link == "softmax":
        raw -= xp.max(raw, axis=1, keepdims=True)
        return xp.maximum(raw, -limit)
    return xp.clip(raw, -limit, limit)
