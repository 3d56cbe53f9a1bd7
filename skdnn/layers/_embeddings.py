"""Embeddings of numerical features: each scalar feature becomes a vector.

Both layers follow Gorishniy, Rubachev and Babenko, "On Embeddings for Numerical
Features in Tabular Deep Learning" (NeurIPS 2022) and their reference package
``rtdl_num_embeddings``: a fixed or learned expansion of every feature on its own,
then a linear map of each feature's expansion (its own weights per feature) and a ReLU.

Shapes: the input is ``(n, n_features)``; the embedding of every feature is
``(n, n_features, d_embedding)``, flattened feature-major to
``(n, n_features * d_embedding)`` (column ``j * d_embedding + t`` is component ``t``
of feature ``j``). Inside, the per-feature products run as one batched matrix product
over a leading feature axis, ``(n_features, n, width) @ (n_features, width,
d_embedding)``.

The math is written on the backend's array namespace ``xp`` (NumPy, CuPy, torch,
array-api-strict): broadcasting, ``matmul`` with a batch axis, ``permute_dims``.
An embedding sits before any ensemble layer and is shared by every member.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from .._utils import concat
from ._bins import encoding_tables, quantile_bins
from ._embedding_base import Embedding, check_int, flatten, permute

__all__ = ["PeriodicEmbedding", "PiecewiseLinearEmbedding"]

_TWO_PI = 2.0 * math.pi


class PeriodicEmbedding(Embedding):
    """Periodic embeddings of numerical features (PLR: periodic, linear, ReLU).

    For every feature ``x_j`` separately::

        v = 2 pi c_j x_j                          c_j: n_frequencies learned frequencies
        p = [cos(v), sin(v)]                      2 n_frequencies components
        e_j = relu(p @ W_j + b_j)                 d_embedding components

    as Gorishniy et al. (2022) and ``rtdl_num_embeddings.PeriodicEmbeddings``. The
    frequencies start normal with standard deviation ``frequency_scale``, clipped at
    three deviations; the scale sets how wiggly the embedding can be at the start and
    is the setting most worth tuning (RealMLP uses 0.1 on robustly scaled inputs, the
    rtdl package 0.01, the paper tunes it in [0.01, 100]). ``W_j`` and ``b_j`` start
    uniform in ``+-1/sqrt(2 n_frequencies)``.

    Parameters
    ----------
    n_frequencies : int, default=16
        Frequencies per feature (RealMLP's 16; rtdl's default is 48).
    frequency_scale : float, default=0.1
        Standard deviation of the initial frequencies, for standardized inputs.
    d_embedding : int, default=16
        Output components per feature.
    lite : bool, default=False
        Share one linear map ``(W, b)`` by all features ("lite", from TabR), instead of
        one per feature; the frequencies stay per feature.

    Attributes
    ----------
    n_out : int
        ``n_features * d_embedding``, set by :meth:`build`.
    penalized : tuple of bool
        ``(False, True, False)``: ``alpha`` and ``weight_decay`` reach the linear
        weights, not the frequencies or the biases.

    Notes
    -----
    Parameters, in :meth:`build`'s order: frequencies ``(n_features, n_frequencies)``,
    weights ``(n_features, 2 n_frequencies, d_embedding)`` (lite:
    ``(2 n_frequencies, d_embedding)``), biases ``(n_features, d_embedding)`` (lite:
    ``(d_embedding,)``). Shapes: ``(n, n_features) -> (n, n_features * d_embedding)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.backends import NumpyBackend
    >>> from skdnn.layers import PeriodicEmbedding
    >>> layer = PeriodicEmbedding(n_frequencies=4, d_embedding=3)
    >>> params = layer.build(2, 1, np.random.RandomState(0), np.float64, None)
    >>> [p.shape for p in params], layer.n_out
    ([(2, 4), (2, 8, 3), (2, 3)], 6)
    >>> layer.bind(params, None, NumpyBackend())
    >>> layer.forward(np.zeros((5, 2)), training=False).shape
    (5, 6)
    """

    def __init__(
        self,
        n_frequencies: int = 16,
        frequency_scale: float = 0.1,
        d_embedding: int = 16,
        lite: bool = False,
    ) -> None:
        self.n_frequencies = n_frequencies
        self.frequency_scale = frequency_scale
        self.d_embedding = d_embedding
        self.lite = lite

    @property
    def penalized(self) -> tuple:  # noqa: D102 - documented in the class docstring
        return (False, True, False)

    def build(self, n_in: int, n_members: int, rng: Any, dtype: Any, init: Any) -> list:
        """Frequencies, weights and biases drawn from ``rng``; sets :attr:`n_out`.

        Parameters
        ----------
        n_in : int
            Input features.
        n_members : int
            Ensemble members; ignored (the embedding is shared by all).
        rng : RandomState
        dtype : numpy dtype
        init : Initializer
            Ignored: the weights follow rtdl's initialisation (class docstring).

        Returns
        -------
        list of ndarray
        """
        check_int("n_frequencies", self.n_frequencies)
        check_int("d_embedding", self.d_embedding)
        scale = self.frequency_scale
        if isinstance(scale, bool) or not isinstance(scale, Real) or not scale > 0:
            raise ValueError(f"frequency_scale must be a positive number, got {scale!r}.")
        check_int("n_in", n_in)
        m = self.n_frequencies
        freqs = float(scale) * np.clip(rng.standard_normal((n_in, m)), -3.0, 3.0)
        self.n_in, self.n_out = n_in, n_in * self.d_embedding
        return [freqs.astype(dtype), *self._linear_params(n_in, 2 * m, rng, dtype)]

    def forward(self, X: Any, training: bool) -> Any:
        """The embedding of a batch.

        Parameters
        ----------
        X : array of shape (n, n_features)
        training : bool
            Keep what :meth:`backward` needs.

        Returns
        -------
        array of shape (n, n_features * d_embedding)
        """
        xp = self.backend.xp
        C, W, b = self.params
        Xt = X.T  # (F, n)
        n_features, n = Xt.shape
        m = C.shape[1]
        if self._fast():
            Xt = np.ascontiguousarray(Xt)  # rows of dC = Xt @ dV by BLAS
            V = self._scratch("V", (n_features, n, m), 1, training)
            np.multiply(Xt[:, :, None], _TWO_PI * C[:, None, :], out=V)
            P = self._scratch("P", (n_features, n, 2 * m), 1, training)
            np.cos(V, out=P[:, :, :m])
            np.sin(V, out=P[:, :, m:])
        else:
            V = Xt[:, :, None] * (_TWO_PI * C[:, None, :])  # (F, n, m)
            P = concat([xp.cos(V), xp.sin(V)], xp, axis=2)  # (F, n, 2m)
        A, Y = self._linear_relu(P, W, b, training)
        self._keep = (Xt, P, A, V) if training else None
        return Y

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """Gradients of the frequencies, weights and biases; the input's if asked.

        Parameters
        ----------
        dY : array of shape (n, n_features * d_embedding)
        need_input_grad : bool

        Returns
        -------
        dX : array of shape (n, n_features) or None
        """
        xp = self.backend.xp
        C, W, _ = self.params
        Xt, P, A, V = self._keep
        dP = self._linear_backward(P, A, dY, W, self.grads[1:], dE=True)
        m = C.shape[1]
        cos, sin, d_cos, d_sin = P[:, :, :m], P[:, :, m:], dP[:, :, :m], dP[:, :, m:]
        # d cos(v) = -sin(v) dv, d sin(v) = cos(v) dv
        if self._fast():
            dV = np.multiply(cos, d_sin, out=V)  # V is spent: its buffer takes dV
            dV -= np.multiply(sin, d_cos, out=d_cos)
        else:
            dV = cos * d_sin - sin * d_cos  # (F, n, m)
        dC = xp.matmul(Xt[:, None, :], dV)  # (F, 1, m)
        self.grads[0][...] = _TWO_PI * dC[:, 0, :]
        if not need_input_grad:
            return None
        dXt = xp.matmul(dV, C[:, :, None])[:, :, 0]  # (F, n)
        return (_TWO_PI * dXt).T


class PiecewiseLinearEmbedding(Embedding):
    """Piecewise-linear embeddings of numerical features, on quantile bins.

    :meth:`fit` computes each feature's bins from the training rows' quantiles
    (:func:`~skdnn.layers.quantile_bins`, once per fit); each value is then encoded by
    how far it has crossed each bin (0 left of a bin, 1 right of it, linear across it;
    the outer bins extrapolate), and each feature's encoding goes through its own
    linear map and a ReLU, as ``rtdl_num_embeddings.PiecewiseLinearEmbeddings``
    (``version="A"``, ``activation=True``). With ``d_embedding=None`` the encoding
    itself is the output, with no parameters (rtdl's ``PiecewiseLinearEncoding``,
    padded).

    Constant, near-constant and heavily tied columns work: equal or nearly equal
    quantiles merge into one edge, a column with a single distinct value encodes to
    zeros, one with two to a min-max scaling.

    Parameters
    ----------
    n_bins : int, default=48
        The most bins per feature (rtdl's default).
    d_embedding : int or None, default=16
        Output components per feature; None outputs the encoding.
    lite : bool, default=False
        Share one linear map by all features instead of one per feature.

    Attributes
    ----------
    bins_ : list of ndarray
        The edges of every feature, set by :meth:`fit`.
    n_out : int
        ``n_features * d_embedding``, or ``n_features * max_n_bins`` for the plain
        encoding (padding slots included, always zero), set by :meth:`build`.
    penalized : tuple of bool
        ``(True, False)``: ``alpha`` and ``weight_decay`` reach the weights.

    Notes
    -----
    Parameters, in :meth:`build`'s order: weights ``(n_features, max_n_bins,
    d_embedding)`` (lite: ``(max_n_bins, d_embedding)``) and biases ``(n_features,
    d_embedding)`` (lite: ``(d_embedding,)``); none for the plain encoding.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.backends import NumpyBackend
    >>> from skdnn.layers import PiecewiseLinearEmbedding
    >>> X = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0]])
    >>> layer = PiecewiseLinearEmbedding(n_bins=3, d_embedding=None)
    >>> layer.fit(X, np.random.RandomState(0))
    >>> [edges.tolist() for edges in layer.bins_]
    [[0.0, 1.0, 2.0, 3.0], [1.0]]
    >>> layer.build(2, 1, np.random.RandomState(0), np.float64, None)
    []
    >>> layer.bind([], None, NumpyBackend())
    >>> layer.forward(np.array([[1.5, 7.0]]), training=False)
    array([[1. , 0.5, 0. , 0. , 0. , 0. ]])
    """

    def __init__(self, n_bins: int = 48, d_embedding: int | None = 16, lite: bool = False):
        self.n_bins = n_bins
        self.d_embedding = d_embedding
        self.lite = lite

    @property
    def penalized(self) -> tuple:  # noqa: D102 - documented in the class docstring
        return () if self.d_embedding is None else (True, False)

    def fit(self, X: np.ndarray, rng: Any, sample_weight: Any = None) -> None:
        """Compute :attr:`bins_` from the training rows.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        rng : RandomState
            Unused (the bins are deterministic).
        sample_weight : ndarray of shape (n_samples,), optional
            Row weights: the bins are the weighted quantiles, so a row of weight 2
            counts as the row twice.
        """
        check_int("n_bins", self.n_bins)
        self.bins_ = quantile_bins(X, self.n_bins, np.asarray(X).dtype, sample_weight)

    def build(self, n_in: int, n_members: int, rng: Any, dtype: Any, init: Any) -> list:
        """The linear map's weights and biases drawn from ``rng``; sets :attr:`n_out`.

        Parameters
        ----------
        n_in : int
            Input features; must match the features :meth:`fit` saw.
        n_members : int
            Ensemble members; ignored (the embedding is shared by all).
        rng : RandomState
        dtype : numpy dtype
        init : Initializer
            Ignored: the weights follow rtdl's initialisation.

        Returns
        -------
        list of ndarray
        """
        if self.d_embedding is not None:
            check_int("d_embedding", self.d_embedding)
        bins = getattr(self, "bins_", None)
        if bins is None or len(bins) != n_in:
            raise ValueError(
                f"PiecewiseLinearEmbedding was fitted on {None if bins is None else len(bins)}"
                f" features, not {n_in}: call fit(X, rng) on the training rows first."
            )
        self._tables = encoding_tables(bins, dtype)
        slots = self._tables[0].shape[1]
        self.n_in = n_in
        if self.d_embedding is None:
            self.n_out = n_in * slots
            return []
        self.n_out = n_in * self.d_embedding
        return self._linear_params(n_in, slots, rng, dtype)

    def bind(self, params: list, grads: list, backend: Any) -> None:
        """Keep the parameters, and move the encoding tables to the backend.

        Parameters
        ----------
        params, grads : list of arrays
        backend : Backend
        """
        super().bind(params, grads, backend)
        self._const = [backend.asarray(t, t.dtype) for t in self._tables]

    def forward(self, X: Any, training: bool) -> Any:
        """The embedding of a batch.

        Parameters
        ----------
        X : array of shape (n, n_features)
        training : bool
            Keep what :meth:`backward` needs.

        Returns
        -------
        array of shape (n, n_out)
        """
        xp = self.backend.xp
        left, inv_width, lo, hi = (t[:, None, :] for t in self._const)
        n_features, n, slots = X.shape[1], X.shape[0], left.shape[2]
        plain = self.d_embedding is None
        if self._fast():
            R = self._scratch("R", (n_features, n, slots), 1, training)
            np.subtract(X.T[:, :, None], left, out=R)
            R *= inv_width
            if plain:
                Y = self._scratch("Y", (n, n_features * slots), 0, training)
                E = Y.reshape(n, n_features, slots).transpose(1, 0, 2)
            else:
                E = self._scratch("E", (n_features, n, slots), 1, training)
            np.maximum(R, lo, out=E)
            np.minimum(E, hi, out=E)
        else:
            R = (X.T[:, :, None] - left) * inv_width  # (F, n, slots)
            E = xp.minimum(xp.maximum(R, lo), hi)
            Y = flatten(E, n, xp) if plain else None
        A = None
        if not plain:
            W, b = self.params
            A, Y = self._linear_relu(E, W, b, training)
        self._keep = (R, E, A) if training else None
        return Y

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """Gradients of the weights and biases; the input's if asked.

        Parameters
        ----------
        dY : array of shape (n, n_out)
        need_input_grad : bool

        Returns
        -------
        dX : array of shape (n, n_features) or None
        """
        xp = self.backend.xp
        R, E, A = self._keep
        n_features, n, slots = R.shape
        if self.d_embedding is None:
            if not need_input_grad:
                return None
            dE = permute(xp.reshape(dY, (n, n_features, slots)), (1, 0, 2), xp)
        else:
            W = self.params[0]
            dE = self._linear_backward(E, A, dY, W, self.grads, dE=need_input_grad)
            if not need_input_grad:
                return None
        _, inv_width, lo, hi = (t[:, None, :] for t in self._const)
        inside = (R > lo) & (R < hi)  # the clipped components pass no gradient
        dR = xp.where(inside, dE, xp.zeros_like(dE)) * inv_width
        return xp.sum(dR, axis=2).T
