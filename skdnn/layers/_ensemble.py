"""Ensemble layers: ``k`` members computed at once, a leading member axis on every array.

Inputs are ``(k, n, n_in)`` (or ``(n, n_in)``, the same rows for every member: the
first layer), outputs ``(k, n, n_out)``; one batched matrix product serves all members.

:class:`PackedDense`, independent members (``W`` of shape ``(k, n_in, n_out)``)::

    Z_j = X_j @ W_j + b_j        dW_j = X_j.T @ dZ_j    db_j = ones @ dZ_j
    dX_j = dZ_j @ W_j.T          (summed over members when X is shared)

:class:`BatchDense`, BatchEnsemble's sharing as in TabM (Wen et al. 2020, Gorishniy et
al. 2025): one ``W`` for every member, with per-member rank-1 multiplicative adapters
``r_j`` (input) and ``s_j`` (output) and per-member biases::

    V_j = X_j * r_j     U = V @ W   (all members' rows in one product)
    Z_j = U_j * s_j + b_j
    db_j = ones @ dZ_j              ds_j = ones @ (dZ_j * U_j)
    dU_j = dZ_j * s_j               dW = V.T @ dU (one product)
    dV = dU @ W.T                   dr_j = ones @ (dV_j * X_j)      dX_j = dV_j * r_j

The member ``j``'s effective weights are ``r_j[:, None] * W * s_j[None, :]``. The
activation and dropout work on the ``(k * n, width)`` view of the output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dropout
from .._utils import has_out
from ._base import Layer
from ._dense import _copy_into, check_init

__all__ = ["BatchDense", "PackedDense"]


def _mT(a: Any, xp: Any) -> Any:
    """The transpose of the last two axes."""
    mT = getattr(a, "mT", None)
    return mT if mT is not None else xp.swapaxes(a, -1, -2)


def _mul(a: Any, b: Any, out: Any, xp: Any) -> Any:
    """``a * b``, into ``out`` where the namespace takes ``out=`` and ``out`` is given."""
    if out is not None and has_out(xp):
        return xp.multiply(a, b, out=out)
    return a * b


class _Members(Layer):
    """What both ensemble layers share: buffers with a member axis, the activation and
    dropout on the ``(k * n, width)`` view."""

    member_axis = True

    def __init__(self, n_out, n_members, activation=None, dropout=None, index=0) -> None:
        self.n_out = int(n_out)
        self.n_members = int(n_members)
        self.activation = activation
        self.dropout = dropout
        self.index = index
        self.grads = None
        self._capacity = 0

    @property
    def rate(self) -> float:
        """The drop rate of this layer's output while training (0: no dropout)."""
        return 0.0 if self.dropout is None else self.dropout.rates[self.index]

    def _buffer(self, rows: int, width: int) -> Any:
        """A flat buffer for ``k * rows`` rows of ``width``, or None without ``out=``."""
        if not self.backend.supports_out:
            return None
        return self.backend.empty((self.n_members * rows * width,), self.params[0].dtype)

    def _view(self, buf: Any, n: int, width: int) -> Any:
        """The first ``k * n`` rows of ``buf`` as ``(k, n, width)`` (None stays None)."""
        if buf is None:
            return None
        size = self.n_members * n * width
        return self.backend.xp.reshape(buf[:size], (self.n_members, n, width))

    def _rows(self, buf: Any, n: int, width: int) -> Any:
        """The first ``k * n`` rows of ``buf`` as ``(k * n, width)`` (None stays None)."""
        if buf is None:
            return None
        return self.backend.xp.reshape(buf[: self.n_members * n * width], (-1, width))

    def _allocate_activation(self, batch_size: int) -> None:
        act, dtype = self.activation, self.params[0].dtype
        self._out = self._buffer(batch_size, self.n_out)
        needs_z = act is not None and act.needs_input
        self._zbuf = self._buffer(batch_size, self.n_out) if needs_z else None
        self._ones = self.backend.empty((batch_size,), dtype)
        self._ones[...] = 1
        if self.rate:
            rows = self.n_members * batch_size
            self.dropout.allocate_layer(self.index, rows, self.n_out, dtype)

    def _activate(self, Z: Any, n: int, training: bool) -> Any:
        """``f(Z)`` (and dropout while training) of the ``(k, n, n_out)`` array ``Z``."""
        act, xp, k, w = self.activation, self.backend.xp, self.n_members, self.n_out
        if act is None:
            self._zin, self._a, self._m = None, Z, None
            return Z
        Z2 = xp.reshape(Z, (k * n, w))
        if not training:
            return xp.reshape(act.forward(Z2, xp), (k, n, w))
        Zin = None
        if act.needs_input:
            Zin = Z2
            out = self._rows(self._out, n, w)
            A = act.forward(_copy_into(out, Z2, xp) if out is not None else Z2 * 1, xp)
        else:
            A = act.forward(Z2, xp)
        M, D = None, A
        if self.rate:
            U = self.dropout.draw(self.index, k * n)
            M, D = _dropout.apply_mask(A, U, self.rate, self.dropout.output(self.index, k * n), xp)
        self._zin, self._a, self._m = Zin, A, M
        return xp.reshape(D, (k, n, w))

    def _deactivate(self, dY: Any) -> Any:
        """The gradient at the pre-activation, ``(k, n, n_out)``, from that at the output."""
        act, xp = self.activation, self.backend.xp
        if act is None:
            return dY
        shape = dY.shape
        d2 = xp.reshape(dY, (shape[0] * shape[1], shape[2]))
        if self._m is None:
            dZ = act.backward(self._zin, self._a, d2, xp)
        else:
            dZ = act.backward_dropout(self._zin, self._a, d2, self._m, xp)
        return xp.reshape(dZ, shape)

    def _input_grad(self, dX: Any, X: Any) -> Any:
        """``dX`` summed over members when every member saw the same ``X``."""
        return self.backend.xp.sum(dX, axis=0) if X.ndim == 2 else dX


class PackedDense(_Members):
    """``k`` independent dense layers, computed as batched products.

    Parameters
    ----------
    n_out : int
        Output features per member.
    n_members : int
        Members ``k``.
    activation : Activation or None, default=None
        None for the output layer (the loss owns the link).
    dropout : Dropout or None, default=None
        The fit's dropout, shared by the layers.
    index : int, default=0
        This layer's entry in ``dropout.rates``.

    Notes
    -----
    Parameters: ``W`` of shape ``(k, n_in, n_out)`` (penalized), ``b`` of shape
    ``(k, n_out)``; each member's ``W_j`` is drawn by ``init`` in member order.
    """

    penalized = (True, False)

    def build(self, n_in, n_members, rng, dtype, init) -> list:
        """``[W, b]``: ``k`` draws of ``init`` stacked, zero biases.

        Parameters
        ----------
        n_in : int
        n_members : int
        rng : RandomState
        dtype : numpy dtype
        init : Initializer

        Returns
        -------
        list of ndarray
        """
        draws = []
        for _ in range(self.n_members):
            W = init(n_in, self.n_out, rng, dtype)
            check_init(W, (n_in, self.n_out), init)
            draws.append(W)
        return [np.stack(draws), np.zeros((self.n_members, self.n_out), dtype=dtype)]

    def export(self, params: list, xp: Any) -> tuple:
        """``(W, b)``: each member's weights ``(k, n_in, n_out)`` and biases ``(k, n_out)``.

        Parameters
        ----------
        params : list of arrays
        xp : module

        Returns
        -------
        tuple of arrays
        """
        return params[0], params[1]

    def allocate(self, batch_size: int) -> None:
        """Output, input-gradient and activation buffers for ``batch_size`` rows.

        Parameters
        ----------
        batch_size : int
        """
        self._allocate_activation(batch_size)
        self._dx = self._buffer(batch_size, self.params[0].shape[1])

    def forward(self, X: Any, training: bool) -> Any:
        """Every member's ``f(X_j @ W_j + b_j)``, ``(k, n, n_out)``.

        Parameters
        ----------
        X : array of shape (n, n_in) or (k, n, n_in)
        training : bool

        Returns
        -------
        array of shape (k, n, n_out)
        """
        W, b = self.params
        n = X.shape[-2]
        out = None
        if training:
            self._x = X
            needs_z = self.activation is not None and self.activation.needs_input
            out = self._view(self._zbuf if needs_z else self._out, n, self.n_out)
        Z = self.backend.matmul(X, W, out=out)
        Z += b[:, None, :]
        return self._activate(Z, n, training)

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """Gradients of ``W`` and ``b``; the input gradient when asked.

        Parameters
        ----------
        dY : array of shape (k, n, n_out)
        need_input_grad : bool

        Returns
        -------
        dX : array or None
        """
        mm, xp, X = self.backend.matmul, self.backend.xp, self._x
        dZ = self._deactivate(dY)
        n = dZ.shape[1]
        grads, W = self.grads, self.params[0]
        grads[0] = mm(_mT(X, xp), dZ, out=grads[0])
        grads[1] = mm(self._ones[:n], dZ, out=grads[1])
        if not need_input_grad:
            return None
        dX = mm(dZ, _mT(W, xp), out=self._view(self._dx, n, W.shape[1]))
        return self._input_grad(dX, X)


class BatchDense(_Members):
    """BatchEnsemble's dense layer: one shared ``W``, per-member adapters and biases.

    Parameters
    ----------
    n_out : int
        Output features.
    n_members : int
        Members ``k``.
    activation : Activation or None, default=None
    dropout : Dropout or None, default=None
    index : int, default=0
        This layer's entry in ``dropout.rates``.
    random_signs : bool, default=False
        Initialise the input adapters ``r`` with random signs (+-1), as TabM does for
        its first layer, which sets the members apart; otherwise ones.

    Notes
    -----
    Parameters, in order: ``W`` ``(n_in, n_out)`` (penalized, drawn by ``init``),
    ``r`` ``(k, n_in)``, ``s`` ``(k, n_out)`` (ones) and ``b`` ``(k, n_out)`` (zeros).
    """

    penalized = (True, False, False, False)

    def __init__(
        self, n_out, n_members, activation=None, dropout=None, index=0, random_signs=False
    ) -> None:
        super().__init__(n_out, n_members, activation, dropout, index)
        self.random_signs = random_signs

    def build(self, n_in, n_members, rng, dtype, init) -> list:
        """``[W, r, s, b]``, TabM's initialisation (``W`` from ``init``).

        Parameters
        ----------
        n_in : int
        n_members : int
        rng : RandomState
        dtype : numpy dtype
        init : Initializer

        Returns
        -------
        list of ndarray
        """
        k = self.n_members
        W = init(n_in, self.n_out, rng, dtype)
        check_init(W, (n_in, self.n_out), init)
        if self.random_signs:
            r = (2 * rng.randint(0, 2, (k, n_in)) - 1).astype(dtype)
        else:
            r = np.ones((k, n_in), dtype=dtype)
        s = np.ones((k, self.n_out), dtype=dtype)
        return [W, r, s, np.zeros((k, self.n_out), dtype=dtype)]

    def export(self, params: list, xp: Any) -> tuple:
        """Each member's effective weights ``r_j[:, None] * W * s_j`` and its biases.

        Parameters
        ----------
        params : list of arrays
            ``[W, r, s, b]``.
        xp : module

        Returns
        -------
        tuple of arrays
            ``(k, n_in, n_out)`` and ``(k, n_out)``.
        """
        W, r, s, b = params
        return r[:, :, None] * W[None, :, :] * s[:, None, :], b

    def allocate(self, batch_size: int) -> None:
        """Buffers for ``V``, ``U``, the output and the gradients.

        Parameters
        ----------
        batch_size : int
        """
        self._allocate_activation(batch_size)
        n_in = self.params[0].shape[0]
        self._v = self._buffer(batch_size, n_in)
        self._u = self._buffer(batch_size, self.n_out)
        self._tmp = self._buffer(batch_size, self.n_out)
        self._dv = self._buffer(batch_size, n_in)

    def forward(self, X: Any, training: bool) -> Any:
        """Every member's ``f((X_j * r_j) @ W * s_j + b_j)``, ``(k, n, n_out)``.

        Parameters
        ----------
        X : array of shape (n, n_in) or (k, n, n_in)
        training : bool

        Returns
        -------
        array of shape (k, n, n_out)
        """
        W, r, s, b = self.params
        xp, k, n = self.backend.xp, self.n_members, X.shape[-2]
        n_in, w = W.shape[0], self.n_out
        keep = training
        V = _mul(X, r[:, None, :], self._view(self._v, n, n_in) if keep else None, xp)
        U2 = self.backend.matmul(
            xp.reshape(V, (k * n, n_in)),
            W,
            out=self._rows(self._u, n, w) if keep else None,
        )
        U = xp.reshape(U2, (k, n, w))
        out = None
        if keep:
            self._x, self._vx, self._ux = X, V, U
            needs_z = self.activation is not None and self.activation.needs_input
            out = self._view(self._zbuf if needs_z else self._out, n, w)
        Z = _mul(U, s[:, None, :], out, xp)
        Z += b[:, None, :]
        return self._activate(Z, n, training)

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """Gradients of ``W``, ``r``, ``s`` and ``b``; the input gradient when asked.

        Parameters
        ----------
        dY : array of shape (k, n, n_out)
        need_input_grad : bool

        Returns
        -------
        dX : array or None
        """
        mm, xp = self.backend.matmul, self.backend.xp
        W, r, s, _ = self.params
        X, V, U, grads = self._x, self._vx, self._ux, self.grads
        dZ = self._deactivate(dY)
        k, n, w = dZ.shape
        n_in = W.shape[0]
        ones = self._ones[:n]
        grads[3] = mm(ones, dZ, out=grads[3])
        tmp = self._view(self._tmp, n, w)
        grads[2] = mm(ones, _mul(dZ, U, tmp, xp), out=grads[2])
        dU = xp.reshape(_mul(dZ, s[:, None, :], tmp, xp), (k * n, w))
        grads[0] = mm(_mT(xp.reshape(V, (k * n, n_in)), xp), dU, out=grads[0])
        dV2 = mm(dU, _mT(W, xp), out=self._rows(self._dv, n, n_in))
        dV = xp.reshape(dV2, (k, n, n_in))
        # V is not needed any more: its buffer takes dV * X.
        grads[1] = mm(ones, _mul(dV, X, self._view(self._v, n, n_in), xp), out=grads[1])
        if not need_input_grad:
            return None
        return self._input_grad(_mul(dV, r[:, None, :], dV, xp), X)
