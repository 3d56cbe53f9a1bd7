"""Quantile bins of the training data, and the piecewise-linear encoding they define.

:func:`quantile_bins` is fitted once, on the training rows, before the first epoch;
:func:`encoding_tables` turns its edges into the four ``(n_features, max_n_bins)``
tables that the piecewise-linear encoding (Gorishniy et al., 2022, eq. 1) reads::

    r[n, j, t] = (x[n, j] - left[j, t]) * inv_width[j, t]
    e[n, j, t] = min(max(r[n, j, t], lo[j, t]), hi[j, t])

Bin ``t`` of feature ``j`` covers ``[edges[t], edges[t + 1]]``: its component is 0
left of the bin, 1 right of it, and rises linearly across it. The first bin is not
clipped below and the last not above, so values outside the training range extrapolate
linearly; a feature with a single bin is min-max scaled, unclipped. As in
rtdl-num-embeddings, the last bin of every feature sits in the last slot, so that
features with fewer bins than ``max_n_bins`` are padded in the middle with slots that
are always zero.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["encoding_tables", "quantile_bins"]


def quantile_bins(X, n_bins: int = 48, dtype=None, sample_weight=None) -> list[np.ndarray]:
    """Bin edges of every column of ``X``: its quantiles, deduplicated.

    Edges are the ``0, 1 / n_bins, ..., 1`` quantiles of each column (weighted by
    ``sample_weight``; each one a training value, the smallest whose cumulative weight
    reaches the level: NumPy's ``"inverted_cdf"``), rounded to ``dtype``. Ties (a
    column with few distinct values, or heavily repeated ones) collapse to one edge,
    and so do edges closer than the rounding error of the column's magnitude, so that
    every bin has a width whose inverse is finite in ``dtype``. A column therefore
    gets between 0 and ``n_bins`` bins: a constant column has a single edge (no bin,
    and an encoding that is always zero).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The training rows, finite.
    n_bins : int, default=48
        The most bins a column gets.
    dtype : numpy dtype, optional
        The dtype the encoding will run in; defaults to ``X``'s floating dtype
        (float64 for other input).
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative row weights: a row of weight 2 counts as the row twice, a row of
        weight 0 not at all. At least one must be positive.

    Returns
    -------
    edges : list of ndarray
        One sorted 1-D array of ``dtype`` per column, with between 1 and
        ``n_bins + 1`` distinct entries; the first is the column's minimum and the
        last its maximum.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D with at least one row, holds NaN or infinity,
        ``n_bins`` is not a positive integer, or no row has a positive weight.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.layers import quantile_bins
    >>> X = np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0]])
    >>> [edges.tolist() for edges in quantile_bins(X, n_bins=2)]
    [[0.0, 2.0, 4.0], [5.0]]
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    X = np.asarray(X)
    if dtype is None:
        dtype = X.dtype if X.dtype.kind == "f" else np.float64
    dtype = np.dtype(dtype)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"X must be 2-D with at least one row, got shape {X.shape}.")
    X = X.astype(np.float64, copy=False)
    if not np.all(np.isfinite(X)):
        raise ValueError("X holds NaN or infinity: quantile bins need finite values.")
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    if w.shape != (X.shape[0],) or not np.all(w >= 0) or not np.any(w > 0):
        raise ValueError(
            "sample_weight must hold one non-negative weight per row of X, at least one "
            "of them positive."
        )
    X, w = X[w > 0], w[w > 0]
    levels = np.linspace(0.0, 1.0, n_bins + 1)
    order = np.argsort(X, axis=0, kind="stable")
    cumulative = np.cumsum(w[order], axis=0)  # (n_samples, n_features)
    edges = []
    for j in range(X.shape[1]):
        # The first row whose cumulative weight reaches each level: a training value,
        # so tied values never get an edge between them.
        idx = np.searchsorted(cumulative[:, j], levels * cumulative[-1, j], side="left")
        rows = order[np.minimum(idx, X.shape[0] - 1), j]
        edges.append(_distinct_edges(X[rows, j], dtype))
    return edges


def _distinct_edges(q: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Sorted ``q`` in ``dtype``, edges within rounding error of the previous merged."""
    edges = np.unique(q.astype(dtype))
    info = np.finfo(dtype)
    # A gap below the rounding unit of the column's magnitude is noise, and one below
    # `tiny` would make 1 / width overflow.
    tol = max(4 * float(info.eps) * float(np.max(np.abs(edges))), float(info.tiny))
    kept = [edges[0]]
    for edge in edges[1:]:
        if float(edge) - float(kept[-1]) > tol:
            kept.append(edge)
    if len(kept) > 1:
        kept[-1] = edges[-1]  # the maximum stays the last edge
    return np.asarray(kept, dtype=dtype)


def encoding_tables(edges: list[np.ndarray], dtype) -> tuple[np.ndarray, ...]:
    """The tables of the piecewise-linear encoding defined by ``edges``.

    Parameters
    ----------
    edges : list of ndarray
        Sorted distinct bin edges of every feature, as :func:`quantile_bins` gives.
    dtype : numpy dtype

    Returns
    -------
    left, inv_width, lo, hi : ndarray of shape (n_features, max_n_bins)
        Left edge and inverse width of every bin, and the clipping bounds of its
        component (``-inf``/``inf`` where unclipped). ``max_n_bins`` is at least 1.
        Padding slots, and every slot of a constant feature, encode 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.layers._bins import encoding_tables
    >>> left, inv_width, lo, hi = encoding_tables([np.array([0.0, 1.0, 3.0])], np.float64)
    >>> left, inv_width
    (array([[0., 1.]]), array([[1. , 0.5]]))
    >>> lo, hi
    (array([[-inf,   0.]]), array([[ 1., inf]]))
    """
    n_features = len(edges)
    n_slots = max(1, max(len(e) - 1 for e in edges))
    left = np.zeros((n_features, n_slots), dtype=np.float64)
    inv_width = np.zeros_like(left)
    lo = np.zeros_like(left)
    hi = np.ones_like(left)
    for j, e in enumerate(edges):
        e = np.asarray(e, dtype=np.float64)
        n = len(e) - 1
        if n == 0:
            continue  # a constant feature: every slot stays 0
        slots = [*range(n - 1), n_slots - 1]  # the last bin in the last slot
        left[j, slots] = e[:-1]
        inv_width[j, slots] = 1.0 / np.diff(e)
        lo[j, slots[0]] = -np.inf
        hi[j, slots[-1]] = np.inf
        lo[j, slots[-1]] = -np.inf if n == 1 else 0.0
    return tuple(a.astype(dtype) for a in (left, inv_width, lo, hi))
