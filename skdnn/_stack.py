"""The estimators' layer stacks: which layers, and their initial or fitted parameters.

A plain network is hidden :class:`~skdnn.layers.Dense` layers and a Dense output layer
without activation (the loss owns the link). An ensemble of ``k > 1`` members
(``n_ensemble``) is :class:`~skdnn.layers.PackedDense` layers throughout
(``ensemble="packed"``), or :class:`~skdnn.layers.BatchDense` hidden layers, the
first one's input adapters set to random signs, and a PackedDense output layer (one
head per member), as TabM (``ensemble="batch"``). ``n_ensemble=1`` is the plain
network whatever ``ensemble`` says. Parameters start from the ``init`` plugin
(weights, drawn layer by layer from the fit's random stream) and zero biases, or from
the fitted attributes (``warm_start``, ``partial_fit``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._network import Network
from .layers import BatchDense, Dense, PackedDense

__all__ = ["build_layers", "fitted_params", "fresh_params", "training_network"]


def build_layers(
    sizes: list,
    n_outputs: int,
    activations: list,
    k: int = 1,
    kind: str = "batch",
    embedding: Any = None,
) -> list:
    """The layers of a network: the feature embedding if any (shared by every
    member), one per hidden size, then the output layer.

    Parameters
    ----------
    sizes : list of int
        Hidden layer sizes.
    n_outputs : int
    activations : list of Activation
        One per hidden layer.
    k : int, default=1
        Ensemble members.
    kind : {"batch", "packed"}, default="batch"
    embedding : Layer or None, default=None
        The feature embedding, first.

    Returns
    -------
    list of Layer
    """
    first = [] if embedding is None else [embedding]
    hidden = list(enumerate(zip(sizes, activations)))
    if k == 1:
        layers: list = [Dense(w, act, None, i) for i, (w, act) in hidden]
        return [*first, *layers, Dense(n_outputs)]
    if kind == "packed":
        layers = [PackedDense(w, k, act, None, i) for i, (w, act) in hidden]
    else:
        layers = [BatchDense(w, k, act, None, i, random_signs=i == 0) for i, (w, act) in hidden]
    return [*first, *layers, PackedDense(n_outputs, k)]


def fresh_params(layers: list, n_in: int, rng: Any, dtype: Any, init: Any, k: int = 1) -> list:
    """Every layer's initial host parameters, built in order from ``rng``.

    Parameters
    ----------
    layers : list of Layer
    n_in : int
        Input features.
    rng : numpy.random.RandomState
    dtype : numpy dtype
    init : Initializer
    k : int, default=1
        Ensemble members.

    Returns
    -------
    list of list of ndarray
    """
    params = []
    for layer in layers:
        params.append(layer.build(n_in, k, rng, dtype, init))
        n_in = layer.n_out
    return params


def fitted_params(est: Any, dtype: Any) -> list:
    """Every layer's parameters from ``est``'s fitted attributes, as host copies.

    Parameters
    ----------
    est : fitted estimator
    dtype : numpy dtype

    Returns
    -------
    list of list of ndarray
        ``ensemble_params_`` when set (the factorised parameters of
        ``ensemble="batch"``, every layer's, the embedding's included), else
        ``[coefs_[i], intercepts_[i]]`` per layer, after ``embedding_.params_`` when
        the model has a feature embedding.
    """
    raw = getattr(est, "ensemble_params_", None)
    if raw is not None:
        return [[np.array(a, dtype=dtype) for a in p] for p in raw]
    params = [
        [np.array(W, dtype=dtype), np.array(b, dtype=dtype)]
        for W, b in zip(est.coefs_, est.intercepts_)
    ]
    embedding = getattr(est, "embedding_", None)
    if embedding is not None:
        params.insert(0, [np.array(p, dtype=dtype) for p in embedding.params_])
    return params


def training_network(
    layers: list,
    host: list,
    plugins: Any,
    link: str,
    alpha: float,
    dropout: Any,
    dtype: Any,
    k: int = 1,
    kind: str = "batch",
) -> Network:
    """The fit's network over ``host`` parameters moved to the backend, packed flat.

    Parameters
    ----------
    layers : list of Layer
    host : list of list of ndarray
    plugins : Plugins
    link : str
    alpha : float
    dropout : Dropout or None
        Shared by the hidden layers.
    dtype : numpy dtype
    k : int, default=1
        Ensemble members.
    kind : {"batch", "packed"}, default="batch"
        The penalty of a packed ensemble is the mean of its members'; that of a batch
        ensemble is on the shared weights and every member's output head.

    Returns
    -------
    Network
    """
    backend = plugins.backend
    for layer in layers:
        if getattr(layer, "activation", None) is not None:
            layer.dropout = dropout
    params = [[backend.asarray(a, dtype) for a in p] for p in host]
    return Network(
        layers,
        params,
        plugins.loss,
        link,
        backend,
        alpha=alpha,
        flat=True,
        dropout=dropout,
        n_members=k,
        l2_members=k if kind == "packed" else 1,
    )
