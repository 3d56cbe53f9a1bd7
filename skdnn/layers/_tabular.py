"""The first layer of the tabular estimators: each block of input columns embedded its way.

The tabular input (``skdnn._tabular_input.TabularInput``) lays a table out as three
blocks of columns: scaled numbers, 0/1 columns (missing indicators and one-hot
categories), then integer codes of the wide categories. :class:`TabularEmbedding`
applies a numeric embedding to the first block (e.g. :class:`PeriodicEmbedding`),
passes the second through, and looks the codes up in a
:class:`CategoricalEmbedding`::

    (n, n_numeric + n_binary + n_cat)
        -> (n, numeric.n_out + n_binary + n_cat * embedding_dim)

Its parameters are the numeric embedding's, then the categorical tables; the backward
pass hands each part of the output gradient to the layer that made it.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .._utils import concat
from ._base import Layer
from ._categorical import CategoricalEmbedding

__all__ = ["TabularEmbedding"]


class TabularEmbedding(Layer):
    """A numeric embedding on the leading columns and learned vectors for trailing codes.

    Parameters
    ----------
    numeric : Layer or None, default=None
        The embedding of the first ``n_numeric`` columns (a layer object such as
        ``PeriodicEmbedding()``, copied when fitted); None passes them through.
    n_numeric : int, default=0
        Leading columns the numeric embedding reads.
    cardinalities : sequence of int, default=()
        Categories of each trailing coded column (codes ``1..K``, 0 unknown), as
        :class:`CategoricalEmbedding` takes them; empty: no coded column.
    embedding_dim : int, default=8
        Numbers per category.

    Attributes
    ----------
    n_out : int
        Output width, set by :meth:`build`.
    penalized : tuple of bool
        The numeric embedding's flags, then the tables' (penalized).

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.backends import NumpyBackend
    >>> from skdnn.layers import PeriodicEmbedding, TabularEmbedding
    >>> layer = TabularEmbedding(PeriodicEmbedding(4, d_embedding=3), n_numeric=2,
    ...                          cardinalities=[5], embedding_dim=2)
    >>> params = layer.build(4, 1, np.random.RandomState(0), np.float64, None)
    >>> layer.n_out  # 2 numbers * 3, one 0/1 column, one code * 2
    9
    >>> layer.bind(params, None, NumpyBackend())
    >>> layer.forward(np.array([[0.1, -0.2, 1.0, 3.0]]), training=False).shape
    (1, 9)
    """

    # Bound arrays and the categorical part (rebuilt by bind) are not kept when pickled.
    _transient = ("params", "grads", "backend", "_cat")

    def __init__(
        self,
        numeric: Any = None,
        n_numeric: int = 0,
        cardinalities: Any = (),
        embedding_dim: int = 8,
    ) -> None:
        self.numeric = numeric
        self.n_numeric = n_numeric
        self.cardinalities = cardinalities
        self.embedding_dim = embedding_dim

    def __repr__(self) -> str:
        return (
            f"TabularEmbedding(numeric={self.numeric!r}, n_numeric={self.n_numeric}, "
            f"cardinalities={list(self.cardinalities)}, embedding_dim={self.embedding_dim})"
        )

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._transient}

    def _numeric_layer(self) -> Any:
        return self.numeric if self.n_numeric and self.numeric is not None else None

    @property
    def penalized(self) -> tuple:  # noqa: D102 - documented in the class docstring
        num = self._numeric_layer()
        flags = tuple(num.penalized) if num is not None else ()
        return flags + ((True,) if len(self.cardinalities) else ())

    def fit(self, X: np.ndarray, rng: Any, sample_weight: Any = None) -> None:
        """Fit the numeric embedding (quantile bins...) on the numeric columns.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_in)
        rng : RandomState
        sample_weight : ndarray of shape (n_samples,) or None, default=None
        """
        if self._numeric_layer() is not None:
            self.numeric = copy.deepcopy(self.numeric)
            self.numeric.fit(X[:, : self.n_numeric], rng, sample_weight)

    def build(self, n_in: int, n_members: int, rng: Any, dtype: Any, init: Any) -> list:
        """The numeric embedding's parameters, then the categorical tables.

        Parameters
        ----------
        n_in : int
            ``n_numeric + n_binary + len(cardinalities)``.
        n_members : int
            Ignored: the layer is shared by ensemble members.
        rng : RandomState
        dtype : numpy dtype
        init : Initializer

        Returns
        -------
        list of ndarray
        """
        n_cat = len(self.cardinalities)
        n_binary = n_in - self.n_numeric - n_cat
        if n_binary < 0:
            raise ValueError(
                f"TabularEmbedding: the input has {n_in} columns, fewer than n_numeric="
                f"{self.n_numeric} plus {n_cat} coded columns."
            )
        num = self._numeric_layer()
        params = [] if num is None else list(num.build(self.n_numeric, 1, rng, dtype, init))
        self._n_num_params = len(params)
        width = self.n_numeric if num is None else num.n_out
        self._n_binary = n_binary
        if n_cat:
            cat = CategoricalEmbedding(self.cardinalities, self.embedding_dim, n_binary)
            params += cat.build(n_binary + n_cat, 1, rng, dtype, init)
            self.n_out = width + cat.n_out
        else:
            self.n_out = width + n_binary
        return params

    def bind(self, params: list, grads: list, backend: Any) -> None:
        """Hand each part its parameters and gradient buffers.

        Parameters
        ----------
        params : list of arrays
        grads : list of arrays or None
        backend : Backend
        """
        super().bind(params, grads, backend)
        k = self._n_num_params
        num = self._numeric_layer()
        if num is not None:
            num.bind(params[:k], None if grads is None else grads[:k], backend)
        self._cat = None
        if len(self.cardinalities):
            self._cat = CategoricalEmbedding(self.cardinalities, self.embedding_dim, self._n_binary)
            self._cat.bind(params[k:], None if grads is None else grads[k:], backend)

    def allocate(self, batch_size: int) -> None:
        """Per-batch buffers of the parts.

        Parameters
        ----------
        batch_size : int
        """
        num = self._numeric_layer()
        if num is not None:
            num.allocate(batch_size)

    def forward(self, X: Any, training: bool) -> Any:
        """The numeric block embedded, the 0/1 block as it is, the codes' vectors.

        Parameters
        ----------
        X : array of shape (n, n_in)
        training : bool

        Returns
        -------
        array of shape (n, n_out)
        """
        xp, p = self.backend.xp, self.n_numeric
        num = self._numeric_layer()
        rest = X[:, p:]
        parts = [X[:, :p] if num is None else num.forward(X[:, :p], training)]
        parts.append(rest if self._cat is None else self._cat.forward(rest, training))
        return concat(parts, xp, axis=1)

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """Each part's gradients from its slice of ``dY``.

        Parameters
        ----------
        dY : array of shape (n, n_out)
        need_input_grad : bool

        Returns
        -------
        dX : array of shape (n, n_in) or None
        """
        num = self._numeric_layer()
        width = self.n_numeric if num is None else num.n_out
        d_num, d_rest = dY[:, :width], dY[:, width:]
        if num is not None:
            d_num = num.backward(d_num, need_input_grad)
        if self._cat is not None:
            d_rest = self._cat.backward(d_rest, need_input_grad)
        if not need_input_grad:
            return None
        return concat([d_num, d_rest], self.backend.xp, axis=1)
