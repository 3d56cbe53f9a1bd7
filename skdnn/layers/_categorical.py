"""Learned embeddings of categorical columns: one small table of vectors per column.

Column ``j`` with ``K_j`` categories has a table ``T_j`` of ``K_j + 1`` rows of
``embedding_dim`` numbers; a code ``c`` in ``0..K_j`` selects row ``c`` (row 0 is the
unknown slot: a missing value or a category unseen at fit, as
``skdnn._tabular_input.TabularInput`` codes them). The tables are stacked into one
parameter of ``sum(K_j + 1)`` rows, column ``j``'s rows starting at ``offset_j``::

    forward:   E[i, j] = T[offset_j + c_ij]              (n, n_cat) -> (n, n_cat * d)
    backward:  dT[r]   = sum of dE[i, j] over the (i, j) with offset_j + c_ij = r

The backward is a scatter-add of the output gradient into the rows that were read:
``numpy.add.at`` on NumPy; on other namespaces, which the array API standard leaves
without a scatter-add, a product with the batch's one-hot matrix per column
(``dT_j = onehot(c_j).T @ dE_j``), which is the same sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._utils import concat
from ._base import Layer

__all__ = ["CategoricalEmbedding"]


def _astype(x: Any, dtype: Any, xp: Any) -> Any:
    """``xp.astype(x, dtype)``; NumPy before 2.0 has only the method."""
    return xp.astype(x, dtype) if hasattr(xp, "astype") else x.astype(dtype)


class CategoricalEmbedding(Layer):
    """Per-column learned vectors for integer category codes (the network's input layer).

    The input's first ``n_passthrough`` columns (numeric features) are passed through
    unchanged; the remaining ``len(cardinalities)`` columns hold codes, each replaced by
    its column's ``embedding_dim`` learned numbers::

        (n, n_passthrough + n_cat) -> (n, n_passthrough + n_cat * embedding_dim)

    Codes may come as integers or as floats holding integers (the network's input
    matrix); a code outside ``0..K_j`` is read as 0, the unknown slot. The tables are
    shared by the members of an ensemble (the output has no member axis), so this layer
    comes before the ensemble's layers.

    Parameters
    ----------
    cardinalities : sequence of int
        ``K_j``, the categories of each coded column (codes ``1..K_j``; 0 is unknown).
    embedding_dim : int, default=8
        Numbers per category (RealMLP uses 8).
    n_passthrough : int, default=0
        Leading input columns passed through unchanged.

    Attributes
    ----------
    n_out : int
        ``n_passthrough + len(cardinalities) * embedding_dim``, set by :meth:`build`.
    offsets : ndarray of int
        First row of each column's table in the stacked parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.backends import NumpyBackend
    >>> from skdnn.layers import CategoricalEmbedding
    >>> layer = CategoricalEmbedding([3, 2], embedding_dim=2, n_passthrough=1)
    >>> [T] = layer.build(3, 1, np.random.RandomState(0), np.float64, None)
    >>> T.shape  # (3 + 1) + (2 + 1) rows
    (7, 2)
    >>> layer.bind([T], [np.empty_like(T)], NumpyBackend())
    >>> X = np.array([[0.5, 3.0, 0.0]])  # a number, then codes 3 and 0 (unknown)
    >>> out = layer.forward(X, training=False)
    >>> out.shape, bool(np.all(out[0, 1:3] == T[3])), bool(np.all(out[0, 3:] == 0.0))
    ((1, 5), True, True)
    """

    penalized = (True,)

    def __init__(self, cardinalities: Any, embedding_dim: int = 8, n_passthrough: int = 0):
        cardinalities = [int(k) for k in np.asarray(cardinalities, dtype=np.int64).ravel()]
        if any(k < 1 for k in cardinalities):
            raise ValueError(
                f"cardinalities={cardinalities!r}: each column needs at least one category."
            )
        if int(embedding_dim) < 1 or int(n_passthrough) < 0:
            raise ValueError(
                f"embedding_dim={embedding_dim!r} must be >= 1 and n_passthrough="
                f"{n_passthrough!r} >= 0."
            )
        self.cardinalities = cardinalities
        self.embedding_dim = int(embedding_dim)
        self.n_passthrough = int(n_passthrough)
        rows = np.asarray(cardinalities, dtype=np.int64) + 1
        self.offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
        self.n_rows = int(rows.sum())

    def build(
        self, n_in: int, n_members: int, rng: np.random.RandomState, dtype: Any, init: Any
    ) -> list[np.ndarray]:
        """The stacked tables, uniform in ``±1 / sqrt(embedding_dim)``, unknown rows 0.

        The scale is that of the embeddings of Gorishniy et al. (rtdl); ``init`` (made
        for weight matrices with a fan-in) is not used. ``n_members`` is ignored: the
        tables are shared.

        Parameters
        ----------
        n_in : int
            Must be ``n_passthrough + len(cardinalities)``.
        n_members : int
        rng : RandomState
        dtype : numpy dtype
        init : Initializer
            Not used.

        Returns
        -------
        params : list of one ndarray of shape (sum(K_j + 1), embedding_dim)
        """
        n_cat = len(self.cardinalities)
        if n_in != self.n_passthrough + n_cat:
            raise ValueError(
                f"CategoricalEmbedding: the input has {n_in} columns but n_passthrough="
                f"{self.n_passthrough} plus {n_cat} coded columns make "
                f"{self.n_passthrough + n_cat}."
            )
        bound = 1.0 / np.sqrt(self.embedding_dim)
        table = rng.uniform(-bound, bound, size=(self.n_rows, self.embedding_dim))
        table[self.offsets] = 0.0
        self.n_out = self.n_passthrough + n_cat * self.embedding_dim
        return [table.astype(dtype)]

    def bind(self, params: list, grads: list, backend: Any) -> None:
        """Keep the table and its gradient; put the column offsets on the backend.

        Parameters
        ----------
        params : list of one array
        grads : list of one array, or None
        backend : Backend
        """
        super().bind(params, grads, backend)
        dtype = params[0].dtype
        self._offsets = backend.asarray(self.offsets.astype(np.float64), dtype)
        self._top = backend.asarray(np.asarray(self.cardinalities, dtype=np.float64), dtype)
        self._row_ids = [
            backend.asarray(np.arange(k + 1, dtype=np.float64), dtype) for k in self.cardinalities
        ]
        self.n_out = self.n_passthrough + len(self.cardinalities) * self.embedding_dim

    def _codes(self, X: Any) -> Any:
        """The batch's codes as floats of the table's dtype, out-of-range ones set to 0."""
        xp, table = self.backend.xp, self.params[0]
        codes = _astype(X[:, self.n_passthrough :], table.dtype, xp)
        outside = (codes < 0) | (codes > self._top)
        return xp.where(outside, xp.zeros_like(codes), codes)

    def forward(self, X: Any, training: bool) -> Any:
        """``X``'s passthrough columns, then each code's vector.

        Parameters
        ----------
        X : array of shape (n, n_passthrough + n_cat)
        training : bool
            Keep the codes for :meth:`backward`.

        Returns
        -------
        array of shape (n, n_out)
        """
        xp, table = self.backend.xp, self.params[0]
        codes = self._codes(X)
        n, n_cat = codes.shape
        rows = _astype(xp.reshape(codes + self._offsets, (-1,)), xp.int64, xp)
        E = xp.reshape(xp.take(table, rows, axis=0), (n, n_cat * self.embedding_dim))
        if training:
            self._last_codes, self._last_rows = codes, rows
        if self.n_passthrough == 0:
            return E
        return concat([_astype(X[:, : self.n_passthrough], table.dtype, xp), E], xp, axis=1)

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """Scatter-add ``dY``'s embedding part into the table rows read by the forward.

        Parameters
        ----------
        dY : array of shape (n, n_out)
        need_input_grad : bool
            The codes have no gradient; the passthrough columns' gradient is ``dY``'s.

        Returns
        -------
        dX : array of shape (n, n_passthrough + n_cat) or None
            Zero for the code columns.
        """
        xp, d, p = self.backend.xp, self.embedding_dim, self.n_passthrough
        grad = self.grads[0]
        dE = dY[:, p:]
        if getattr(xp, "__name__", "") == "numpy":
            grad[...] = 0.0
            np.add.at(grad, self._last_rows, dE.reshape(-1, d))
        else:
            self._scatter_by_products(grad, dE)
        if not need_input_grad:
            return None
        n = dY.shape[0]
        zeros = xp.zeros((n, len(self.cardinalities)), dtype=dY.dtype)
        return concat([dY[:, :p], zeros], xp, axis=1) if p else zeros

    def _scatter_by_products(self, grad: Any, dE: Any) -> None:
        """The scatter-add in standard functions: per column, one-hot(codes).T @ dE_j."""
        xp, d = self.backend.xp, self.embedding_dim
        codes = self._last_codes
        for j, start in enumerate(self.offsets.tolist()):
            onehot = _astype(codes[:, j : j + 1] == self._row_ids[j], grad.dtype, xp)
            stop = start + self.cardinalities[j] + 1
            grad[start:stop, :] = xp.matmul(onehot.T, dE[:, j * d : (j + 1) * d])
