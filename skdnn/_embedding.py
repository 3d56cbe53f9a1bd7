"""The estimators' ``feature_embedding``: resolved, fitted once, continued, committed.

The embedding is the first layer of the network (:mod:`skdnn.layers`). A fresh fit
resolves the parameter to a new layer object (a copy of the user's object, which stays
untouched), fits it on the rows given to ``fit`` (quantile bins need them; targets are
never used) and builds its parameters first from the fit's random stream. A warm start
or ``partial_fit`` continues from the fitted layer, ``embedding_``: the same settings,
bins and parameters. The fitted layer holds no backend arrays: its parameters are host
NumPy copies in ``embedding_.params_``, in the order of the layer's ``build``.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import layers

__all__ = ["check_dense", "committed", "for_fit", "for_inference", "resolve"]


def resolve(spec: Any) -> Any:
    """A new layer object for ``feature_embedding=spec``, or None.

    Parameters
    ----------
    spec : None, str or layer object

    Returns
    -------
    Layer or None
        A copy for an object, so that fitting never changes the parameter.
    """
    if spec is None:
        return None
    return copy.deepcopy(layers.registry.resolve(spec))


def check_dense(est: Any, X: Any) -> None:
    """Refuse sparse ``X`` when ``est`` embeds its features.

    Raises
    ------
    TypeError
        Naming the parameter and what to do.
    """
    if sp.issparse(X) and _embedding_of(est) is not None:
        raise TypeError(
            f"feature_embedding={est.feature_embedding!r} needs dense input, but X is a "
            "sparse matrix: densify it with X.toarray(), or use feature_embedding=None."
        )


def _embedding_of(est: Any) -> Any:
    fitted = getattr(est, "embedding_", None)
    return fitted if fitted is not None else est.feature_embedding


def for_fit(est: Any, layer: Any, continued: bool, data: Any, backend: Any, rng: Any) -> Any:
    """The embedding layer of this fit: the fitted one continued, or ``layer`` fitted.

    Parameters
    ----------
    est : estimator
    layer : Layer or None
        ``resolve(est.feature_embedding)``.
    continued : bool
        Whether the fit continues from the fitted parameters (warm start, partial_fit).
    data : TrainingData
    backend : Backend
    rng : RandomState

    Returns
    -------
    Layer or None
    """
    if continued:
        fitted = getattr(est, "embedding_", None)
        if (fitted is None) != (layer is None):
            raise ValueError(
                f"warm_start/partial_fit continues the fitted model, fitted with "
                f"{'no feature embedding' if fitted is None else repr(fitted)}, but "
                f"feature_embedding={est.feature_embedding!r} now. Set it back, or set "
                "warm_start=False to fit a new model."
            )
        return None if fitted is None else copy.deepcopy(fitted)
    if layer is not None:
        X = data.X if not data.native else backend.to_numpy(data.X)
        sw = data.sw
        if sw is not None and not isinstance(sw, np.ndarray):
            sw = backend.to_numpy(sw)
        layer.fit(np.asarray(X, dtype=data.dtype), rng, sw)
    return layer


def committed(layer: Any, params: list, to_numpy: Any) -> Any:
    """The fitted layer to keep as ``embedding_``: no backend arrays, host parameters.

    Parameters
    ----------
    layer : Layer
        The layer of the network that trained.
    params : list of arrays
        Its parameters on the backend.
    to_numpy : callable

    Returns
    -------
    Layer
    """
    kept = copy.deepcopy(layer)
    kept.params_ = [np.array(to_numpy(p)) for p in params]
    return kept


def for_inference(est: Any) -> tuple[Any, list]:
    """A copy of ``est.embedding_`` to bind for prediction, and its host parameters."""
    fitted = est.embedding_
    return copy.deepcopy(fitted), list(fitted.params_)
