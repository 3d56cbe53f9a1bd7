"""Inference: the chunked forward pass over fitted weights, and the one rule that
turns probabilities into labels.

Host input moves to the backend one chunk at a time (never all of X at once) and the
outputs come back to the host; the backend's own arrays stay where they are and the
outputs are arrays of the same kind. Device copies of the fitted weights are a cache
(:class:`WeightCache`) that pickling drops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import _embedding, backends
from ._batching import HostRows, chunks, take
from ._network import Network
from ._per_layer import hashable
from ._utils import concat, dtype_name

# Rows per chunk at predict time: big enough for efficient matrix products, small
# enough that the activations of a chunk stay in cache-friendly, bounded memory.
CHUNK = 4096


class WeightCache:
    """Device copies of the fitted weights (a Network), and what they were made from.

    ``key`` holds the backend and the activations, ``sources`` the host weight arrays
    themselves: another backend or other weight arrays make new copies. Arrays are
    compared by identity, not element by element, so a change in place is not seen.
    """

    __slots__ = ("key", "net", "sources")

    def __init__(self) -> None:
        self.key = None
        self.net = None
        self.sources: tuple = ()


def fitted_network(est: Any, backend: Any, activation: list) -> Network:
    """A Network over ``est``'s fitted weights on ``backend`` (NumPy if it is gone).

    On the host the network simply wraps ``coefs_``; on a device the copies are kept in
    ``est._cache`` (made at fit, filled on first use, dropped by pickling), so that
    predicting does not change the estimator's ``__dict__``.
    """
    link = est.out_activation_
    embedding = getattr(est, "embedding_", None)
    if backend is None or not backend.is_available() or isinstance(backend, backends.NumpyBackend):
        backend = backends.NumpyBackend()
        return _with_embedding(est, est.coefs_, est.intercepts_, activation, link, backend)
    cache = est._cache
    # A per-layer activation given as a list is not hashable: its tuple is the key.
    key = (est.backend, hashable(est.activation), link)
    sources = (*est.coefs_, *est.intercepts_, *([] if embedding is None else embedding.params_))
    if (
        cache.key != key
        or len(cache.sources) != len(sources)
        or not all(a is b for a, b in zip(cache.sources, sources))
    ):
        coefs = [backend.asarray(W, W.dtype) for W in est.coefs_]
        intercepts = [backend.asarray(b, b.dtype) for b in est.intercepts_]
        cache.net = _with_embedding(est, coefs, intercepts, activation, link, backend)
        cache.key, cache.sources = key, sources
    return cache.net


def _with_embedding(
    est: Any, coefs: list, intercepts: list, activation: list, link: str, backend: Any
) -> Network:
    """Dense layers over ``coefs``/``intercepts``, after ``est.embedding_`` if any."""
    net = Network.dense(coefs, intercepts, activation, None, link, backend)
    if getattr(est, "embedding_", None) is None:
        return net
    layer, params = _embedding.for_inference(est)
    params = [backend.asarray(p, p.dtype) for p in params]
    k = net.n_members
    return Network(
        [layer, *net.layers], [params, *net.layer_params], None, link, backend,
        n_members=k, l2_members=k,
    )  # fmt: skip


def forward_chunks(
    net: Network,
    X: Any,
    native: bool,
    transform: Callable[[Any, Any], Any],
    width: int,
    pace: Callable[[Iterable], Iterable] = iter,
    members: bool = False,
) -> Any:
    """``transform(raw, xp)`` of the network's raw outputs for every row of ``X``.

    Parameters
    ----------
    net : Network
    X : validated host array, sparse matrix, or the backend's own array
    native : bool
        Whether ``X`` is the backend's own array; the result is then one too.
    transform : callable
        Maps a chunk of raw outputs to what the caller returns (probabilities, ...).
    width : int
        Columns of the result (for empty ``X``).
    pace : callable, default=iter
        Wraps the loop over chunks (the thread policy's ``units``, which times them).
    members : bool, default=False
        Every ensemble member's result (a leading member axis) instead of their mean.

    Returns
    -------
    array of shape (n_samples, width), or (n_members, n_samples, width)
    """
    backend, xp = net.backend, net.xp
    dtype = net.dtype
    if native or sp.issparse(X):
        Xd = backend.asarray(X, dtype)
    else:
        Xd = HostRows(X, backend, dtype)
    parts = []
    for rows in pace(chunks(X.shape[0], CHUNK)):
        part = net.combine(net.forward(take(backend, Xd, rows, rows)), transform, not members)
        parts.append(part if native else backend.to_numpy(part))
    axis = 1 if members else 0
    if native:
        return concat(parts, xp, axis=axis)
    if not parts:
        shape = (net.n_members, 0, width) if members else (0, width)
        return np.empty(shape, dtype=np.dtype(dtype_name(net.params[0])))
    return np.concatenate(parts, axis=axis)


def labels(P: Any, classes: np.ndarray, multilabel: bool, xp: Any, backend: Any = None) -> Any:
    """The one rule from probabilities to labels.

    Multilabel: each label whose probability exceeds 0.5. Otherwise the class of the
    largest probability (``P`` has one column per class, binary included), ties going
    to the first class; with a single class, that class. Numeric labels of device
    input stay on the device (``backend`` given); string labels come back to the host.

    Parameters
    ----------
    P : array of shape (n_samples, n_classes)
    classes : ndarray of shape (n_classes,)
    multilabel : bool
    xp : module
        Namespace of ``P``.
    backend : backend plugin or None
        The backend ``P`` lives on, for device input; None for host arrays.

    Returns
    -------
    y : array of shape (n_samples,) or (n_samples, n_labels)
    """
    if multilabel:
        return xp.astype(P > 0.5, xp.int64) if backend is not None else (P > 0.5).astype(int)
    if len(classes) == 1:
        idx = xp.zeros_like(P[:, 0], dtype=xp.int64)
    else:
        idx = xp.argmax(P, axis=1)
    if backend is None:
        return classes[idx]
    if classes.dtype.kind in "biuf":  # numeric labels live on the device too
        return xp.take(backend.asarray(classes, classes.dtype), idx, axis=0)
    return classes[backend.to_numpy(idx)]  # strings stay on the host
