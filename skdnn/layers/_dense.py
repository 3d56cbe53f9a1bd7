"""The dense layer: ``f(X @ W + b)``, with inverted dropout while training.

Forward and backward of one layer, by the chain rule::

    Z = X @ W + b          A = f(Z)          D = A * M   (dropout while training)
    dA = dD * M            dZ = f'(Z) dA     (f' written from A, or from Z when the
                                              activation ``needs_input``)
    dW = X.T @ dZ          db = ones @ dZ    dX = dZ @ W.T

The activation's fused kernels do the bias, ``f``, the mask and the scale in one pass
where it has them (:meth:`~skdnn.activations.Activation.forward_with_bias`,
``forward_dropout``, ``backward_dropout``). The output layer is a Dense layer without
activation: the loss owns the output link.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dropout
from .._utils import copy_array, has_out
from ._base import Layer

__all__ = ["Dense"]


class Dense(Layer):
    """A fully connected layer, its activation and its dropout.

    Parameters
    ----------
    n_out : int
        Output features (units).
    activation : Activation or None, default=None
        As the activation registry resolves it (every hook present); None for the
        output layer (identity: the loss owns the link).
    dropout : Dropout or None, default=None
        The fit's dropout (its generator and per-batch buffers), shared by the layers.
    index : int, default=0
        This layer's entry in ``dropout.rates``.

    Attributes
    ----------
    penalized : tuple of bool
        ``(True, False)``: the weights are L2-penalized, the bias is not.
    """

    penalized = (True, False)

    def __init__(
        self, n_out: int, activation: Any = None, dropout: Any = None, index: int = 0
    ) -> None:
        self.n_out = int(n_out)
        self.activation = activation
        self.dropout = dropout
        self.index = index
        self.grads = None

    @property
    def rate(self) -> float:
        """The drop rate of this layer's output while training (0: no dropout)."""
        return 0.0 if self.dropout is None else self.dropout.rates[self.index]

    def build(self, n_in, n_members, rng, dtype, init) -> list:
        """``[W, b]``: ``W = init(n_in, n_out, rng, dtype)``, ``b`` zeros.

        Parameters
        ----------
        n_in : int
        n_members : int
            Must be 1 (see :class:`~skdnn.layers.PackedDense` for ensembles).
        rng : RandomState
        dtype : numpy dtype
        init : Initializer

        Returns
        -------
        list of ndarray
            ``W`` of shape ``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``.
        """
        W = init(n_in, self.n_out, rng, dtype)
        check_init(W, (n_in, self.n_out), init)
        return [W, np.zeros(self.n_out, dtype=dtype)]

    def export(self, params: list, xp: Any) -> tuple:
        """``(W, b)``: the layer's entries of ``coefs_`` and ``intercepts_``.

        Parameters
        ----------
        params : list of arrays
            ``[W, b]``.
        xp : module

        Returns
        -------
        tuple of arrays
        """
        return params[0], params[1]

    def allocate(self, batch_size: int) -> None:
        """Buffers for the output, the pre-activation (when the activation needs it),
        the input gradient and the ``ones`` of the bias gradient.

        Parameters
        ----------
        batch_size : int
        """
        backend, (W, _) = self.backend, self.params
        n_in, dtype = W.shape[0], W.dtype
        self._out = backend.empty((batch_size, self.n_out), dtype)
        act = self.activation
        needs_z = act is not None and act.needs_input
        self._zbuf = backend.empty((batch_size, self.n_out), dtype) if needs_z else None
        self._dx = backend.empty((batch_size, n_in), dtype)
        # db = ones @ dZ: a BLAS matrix-vector product beats a column-wise sum.
        self._ones = backend.empty((batch_size,), dtype)
        self._ones[...] = 1
        if self.rate:
            self.dropout.allocate_layer(self.index, batch_size, self.n_out, dtype)

    def forward(self, X: Any, training: bool) -> Any:
        """``f(X @ W + b)``, dropped out while training.

        Parameters
        ----------
        X : array of shape (n, n_in)
        training : bool
            Write into the per-batch buffers, keep what :meth:`backward` needs, and
            apply dropout; otherwise fresh arrays, no dropout.

        Returns
        -------
        array of shape (n, n_out)
        """
        W, b = self.params
        mm, xp, act, n = self.backend.matmul, self.backend.xp, self.activation, X.shape[0]
        if not training:
            if act is None:
                Z = mm(X, W)
                Z += b
                return Z
            return act.forward_with_bias(mm(X, W), b, xp)
        self._x = X
        if act is None:
            Z = mm(X, W, out=self._out[:n, ...])
            Z += b
            self._zin, self._a, self._m = None, Z, None
            return Z
        if act.needs_input:
            return self._forward_from_input(mm(X, W, out=self._zbuf[:n, ...]), b, n)
        rate, Z = self.rate, mm(X, W, out=self._out[:n, ...])
        if rate:
            U = self.dropout.draw(self.index, n)
            A, M, D = act.forward_dropout(Z, b, U, rate, self.dropout.output(self.index, n), xp)
        else:
            A = D = act.forward_with_bias(Z, b, xp)
            M = None
        self._zin, self._a, self._m = None, A, M
        return D

    def _forward_from_input(self, Z: Any, b: Any, n: int) -> Any:
        """A training pass whose activation needs ``Z``: ``Z + b`` stays in its buffer,
        ``f`` works on a copy in the output buffer."""
        act, xp, rate = self.activation, self.backend.xp, self.rate
        Z += b
        A = act.forward(_copy_into(self._out[:n, ...], Z, xp), xp)
        M, D = None, A
        if rate:
            M, D = _dropout.apply_mask(
                A, self.dropout.draw(self.index, n), rate, self.dropout.output(self.index, n), xp
            )
        self._zin, self._a, self._m = Z, A, M
        return D

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """``dW = X.T @ dZ``, ``db = ones @ dZ`` into the bound gradients; ``dZ @ W.T``.

        Parameters
        ----------
        dY : array of shape (n, n_out)
            Gradient with respect to the layer's (dropped) output; may be overwritten.
        need_input_grad : bool

        Returns
        -------
        dX : array of shape (n, n_in) or None
        """
        act, mm, n = self.activation, self.backend.matmul, dY.shape[0]
        if act is None:
            dZ = dY
        elif self._m is None:
            dZ = act.backward(self._zin, self._a, dY, self.backend.xp)
        else:
            dZ = act.backward_dropout(self._zin, self._a, dY, self._m, self.backend.xp)
        grads, W = self.grads, self.params[0]
        grads[0] = mm(self._x.T, dZ, out=grads[0])
        grads[1] = mm(self._ones[:n], dZ, out=grads[1])
        if not need_input_grad:
            return None
        return mm(dZ, W.T, out=self._dx[:n, ...])


def check_init(W: Any, shape: tuple, init: Any) -> None:
    """Refuse an initializer's result that is not a host array of ``shape``.

    Parameters
    ----------
    W : object
        What ``init`` returned.
    shape : tuple of int
    init : Initializer
    """
    if not isinstance(W, np.ndarray) or W.shape != shape:
        raise ValueError(
            f"init={init!r} returned {type(W).__name__} of shape "
            f"{getattr(W, 'shape', None)}; expected an ndarray of shape {shape}."
        )


def _copy_into(buf: Any, src: Any, xp: Any) -> Any:
    """A copy of ``src``: into ``buf`` where ``xp`` takes ``out=``, else a new array."""
    if has_out(xp):
        buf[...] = src
        return buf
    return copy_array(src, xp)
