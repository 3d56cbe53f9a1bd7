"""The estimators' layer stacks: which layers, and their initial or fitted parameters.

A plain network is hidden :class:`~skdnn.layers.Dense` layers and a Dense output layer
without activation (the loss owns the link). Parameters start from the ``init``
plugin (weights, drawn layer by layer from the fit's random stream) and zero biases,
or from the fitted attributes (``warm_start``, ``partial_fit``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._network import Network
from .layers import Dense

__all__ = ["build_layers", "fitted_params", "fresh_params", "training_network"]


def build_layers(sizes: list, n_outputs: int, activations: list, embedding: Any = None) -> list:
    """The layers of a network: the feature embedding if any, one Dense per hidden
    size, then the output layer.

    Parameters
    ----------
    sizes : list of int
        Hidden layer sizes.
    n_outputs : int
    activations : list of Activation
        One per hidden layer.
    embedding : Layer or None, default=None
        The feature embedding, first.

    Returns
    -------
    list of Layer
    """
    layers: list = [Dense(w, act, None, i) for i, (w, act) in enumerate(zip(sizes, activations))]
    layers.append(Dense(n_outputs))
    return layers if embedding is None else [embedding, *layers]


def fresh_params(layers: list, n_in: int, rng: Any, dtype: Any, init: Any) -> list:
    """Every layer's initial host parameters, built in order from ``rng``.

    Parameters
    ----------
    layers : list of Layer
    n_in : int
        Input features.
    rng : numpy.random.RandomState
    dtype : numpy dtype
    init : Initializer

    Returns
    -------
    list of list of ndarray
    """
    params = []
    for layer in layers:
        params.append(layer.build(n_in, 1, rng, dtype, init))
        n_in = layer.n_out
    return params


def fitted_params(est: Any, dtype: Any) -> list:
    """Every layer's parameters from ``est``'s fitted attributes (``embedding_``'s
    first, when it has one), as host copies.

    Parameters
    ----------
    est : fitted estimator
    dtype : numpy dtype

    Returns
    -------
    list of list of ndarray
    """
    params = [
        [np.array(W, dtype=dtype), np.array(b, dtype=dtype)]
        for W, b in zip(est.coefs_, est.intercepts_)
    ]
    embedding = getattr(est, "embedding_", None)
    if embedding is not None:
        params.insert(0, [np.array(p, dtype=dtype) for p in embedding.params_])
    return params


def training_network(
    layers: list, host: list, plugins: Any, link: str, alpha: float, dropout: Any, dtype: Any
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

    Returns
    -------
    Network
    """
    backend = plugins.backend
    for layer in layers:
        if isinstance(layer, Dense) and layer.activation is not None:
            layer.dropout = dropout
    params = [[backend.asarray(a, dtype) for a in p] for p in host]
    return Network(
        layers, params, plugins.loss, link, backend, alpha=alpha, flat=True, dropout=dropout
    )
