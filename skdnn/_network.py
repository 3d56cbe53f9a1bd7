"""The network: pure math on one backend's dense arrays.

Nothing here knows scikit-learn, labels or sparse matrices. A :class:`Network` holds
the weights of a stack of dense layers on a backend and computes, for a minibatch,
the forward pass, the loss and its gradient with respect to the raw outputs (from the
loss plugin), and the backward pass by the chain rule::

    Z_i = D_{i-1} @ W_i + b_i          A_i = f_i(Z_i)     (D_0 = X, raw = Z_L)
    D_i = A_i * M_i                    (inverted dropout while training; else D_i = A_i)
    dZ_L = d loss / d raw              (the loss plugin, link fused)
    dW_i = D_{i-1}.T @ dZ_i + (alpha / sw_sum) W_i
    db_i = sum_rows(dZ_i)
    dZ_{i-1} = f'_{i-1}(dZ_i @ W_i.T * M_{i-1})   (activation.backward: f' written
                                                   from A_{i-1}, or from Z_{i-1} when
                                                   the activation ``needs_input``)

The L2 penalty is ``alpha / 2 * sum ||W_i||^2 / sw_sum`` per batch, ``sw_sum`` being the
batch's total sample weight (its size without weights), as in ``MLPClassifier``.
Per-batch buffers are allocated once for the largest batch and reused through row
views, so the hot loop allocates almost nothing on backends that take ``out=``.
"""

from __future__ import annotations

from typing import Any

from . import _dropout, _kernels, _links
from ._utils import copy_array, has_out


class Network:
    """Dense layers on one backend.

    Parameters
    ----------
    coefs : list of arrays
        Weight matrices ``W_i`` of shape ``(fan_in, fan_out)``, on the backend.
    intercepts : list of arrays
        Bias vectors ``b_i`` of shape ``(fan_out,)``, on the backend.
    activation : Activation or sequence of Activation
        Hidden-layer activation, as its registry resolves it (every hook present), or
        one per hidden layer.
    loss : Loss
        Loss, owning the output link.
    out_activation : {"softmax", "logistic"}
        Output link.
    backend : Backend
        Where the arrays live, as its registry resolves it.
    alpha : float, default=0.0
        L2 penalty strength.
    flat : bool, default=False
        On a backend whose products write into ``out=`` (``supports_out``), keep the
        weights in one contiguous buffer and the biases in another, each layer's
        arrays being views into them, so that the optimizer updates all parameters
        in two calls instead of two per layer. :attr:`params` is then those two
        buffers. Meant for training; prediction wraps the fitted arrays as they are.
    dropout : Dropout or None, default=None
        Inverted dropout of the hidden layers in training passes
        (:meth:`loss_and_gradients`); never in :meth:`forward` alone.
    """

    def __init__(
        self,
        coefs: list,
        intercepts: list,
        activation: Any,
        loss: Any,
        out_activation: str,
        backend: Any,
        alpha: float = 0.0,
        flat: bool = False,
        dropout: Any = None,
    ) -> None:
        self.coefs = coefs
        self.intercepts = intercepts
        self._flat = None
        if flat and backend.supports_out:
            xp = backend.xp
            self._flat = [_pack(coefs, xp), _pack(intercepts, xp)]
            self.coefs = _unpack(self._flat[0], [W.shape for W in coefs], xp)
            self.intercepts = _unpack(self._flat[1], [b.shape for b in intercepts], xp)
        n_hidden = len(coefs) - 1
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(f"{len(activation)} activations for {n_hidden} hidden layers.")
            self.activations = list(activation)
        else:
            self.activations = [activation] * n_hidden
        self.dropout = dropout
        self.loss = loss
        self.out_activation = out_activation
        self.backend = backend
        self.xp = backend.xp
        self.alpha = alpha
        self._capacity = 0

    @property
    def params(self) -> list:
        """All parameters, weights first then biases (the optimizer's order)."""
        if self._flat is not None:
            return list(self._flat)
        return self.coefs + self.intercepts

    @property
    def n_weight_params(self) -> int:
        """How many leading entries of :attr:`params` hold weights (L2-penalized)."""
        return 1 if self._flat is not None else len(self.coefs)

    def allocate(self, batch_size: int) -> None:
        """Allocate per-batch buffers for batches of up to ``batch_size`` rows.

        Parameters
        ----------
        batch_size : int
        """
        xp = self.xp
        dtype = self.coefs[0].dtype
        widths = [W.shape[1] for W in self.coefs]
        self._acts = [empty(self.backend, (batch_size, w), dtype) for w in widths]
        # deltas[i] holds dA for the input of layer i + 1 (hidden layers only).
        self._deltas = [empty(self.backend, (batch_size, w), dtype) for w in widths[:-1]]
        # The pre-activations Z, kept only for activations whose backward needs them.
        self._inputs = [
            empty(self.backend, (batch_size, w), dtype) if act.needs_input else None
            for act, w in zip(self.activations, widths)
        ]
        if self.dropout is not None:
            self.dropout.allocate(batch_size, widths[:-1], dtype)
        if self._flat is not None:
            self._flat_grads = [xp.empty_like(a) for a in self._flat]
            self._coef_grads = _unpack(self._flat_grads[0], [W.shape for W in self.coefs], xp)
            self._intercept_grads = _unpack(
                self._flat_grads[1], [b.shape for b in self.intercepts], xp
            )
        else:
            self._coef_grads = [xp.empty_like(W) for W in self.coefs]
            self._intercept_grads = [xp.empty_like(b) for b in self.intercepts]
        # db = ones @ dZ: a BLAS matrix-vector product beats a column-wise sum.
        self._ones = empty(self.backend, (batch_size,), dtype)
        self._ones[...] = 1
        self._capacity = batch_size

    def forward(self, X: Any, keep: bool = False) -> Any:
        """Raw outputs (logits) for the dense batch ``X``.

        Parameters
        ----------
        X : array of shape (n, n_features)
        keep : bool, default=False
            A training pass: write activations into the per-batch buffers (for a
            following :meth:`loss_and_gradients`), keep what the backward pass needs,
            and apply dropout; otherwise allocate fresh arrays, no dropout.

        Returns
        -------
        raw : array of shape (n, n_outputs)
        """
        n = X.shape[0]
        mm, last = self.backend.matmul, len(self.coefs) - 1
        D = X
        if keep:
            self._current = []
        for i, (W, b) in enumerate(zip(self.coefs, self.intercepts)):
            if i == last:
                Z = mm(D, W, out=self._acts[i][:n, ...] if keep else None)
                Z += b
                return Z
            act = self.activations[i]
            if not keep:
                D = act.forward_with_bias(mm(D, W), b, self.xp)
            elif act.needs_input:
                D = self._hidden_from_input(i, mm(D, W, out=self._inputs[i][:n, ...]), b, n)
            else:
                D = self._hidden(i, mm(D, W, out=self._acts[i][:n, ...]), b, n)
        return D  # pragma: no cover - the loop returns at the output layer

    def _rate(self, i: int) -> float:
        return 0.0 if self.dropout is None else self.dropout.rates[i]

    def _hidden(self, i: int, Z: Any, b: Any, n: int) -> Any:
        """Hidden layer ``i`` of a training pass, ``Z`` not kept: ``f(Z + b)`` and
        dropout, fused where the activation has a kernel; returns what the next layer
        sees."""
        act, xp, rate = self.activations[i], self.xp, self._rate(i)
        if rate:
            U = self.dropout.draw(i, n)
            A, M, D = act.forward_dropout(Z, b, U, rate, self.dropout.output(i, n), xp)
        else:
            A = D = act.forward_with_bias(Z, b, xp)
            M = None
        self._current.append((None, A, M, D))
        return D

    def _hidden_from_input(self, i: int, Z: Any, b: Any, n: int) -> Any:
        """Hidden layer ``i`` of a training pass whose activation needs ``Z``: ``Z + b``
        stays in its buffer, ``f`` works on a copy in the activation buffer."""
        act, xp, rate = self.activations[i], self.xp, self._rate(i)
        Z += b
        A = act.forward(_copy_into(self._acts[i][:n, ...], Z, xp), xp)
        M, D = None, A
        if rate:
            M, D = _dropout.apply_mask(
                A, self.dropout.draw(i, n), rate, self.dropout.output(i, n), xp
            )
        self._current.append((Z, A, M, D))
        return D

    def predict_proba(self, X: Any) -> Any:
        """Probabilities ``link(forward(X))`` for a dense batch.

        Parameters
        ----------
        X : array of shape (n, n_features)

        Returns
        -------
        P : array of shape (n, n_outputs)
        """
        return _links.apply(self.forward(X), self.out_activation, self.xp)

    def loss_and_gradients(
        self,
        X: Any,
        Y: Any,
        sample_weight: Any = None,
        sw_sum: float | None = None,
        penalty: bool = True,
    ) -> tuple[Any, list]:
        """Loss of a minibatch and the gradient of every parameter.

        Parameters
        ----------
        X : array of shape (n, n_features)
        Y : array of shape (n, n_outputs)
        sample_weight : array of shape (n,) or None
        sw_sum : float, optional
            Total of ``sample_weight`` (``n`` without weights), known on the host.
        penalty : bool, default=True
            Include the L2 penalty in the loss and the weight gradients (False when
            the optimizer folds it into its update).

        Returns
        -------
        loss : 0-d array
            Mean loss plus the L2 penalty.
        grads : list of arrays
            Gradients in :attr:`params` order. They are the network's buffers,
            overwritten by the next call.
        """
        xp, mm = self.xp, self.backend.matmul
        n = X.shape[0]
        if n > self._capacity:
            self.allocate(n)
        if sw_sum is None:
            sw_sum = float(n) if sample_weight is None else float(xp.sum(sample_weight))
        raw = self.forward(X, keep=True)
        loss, dZ = self.loss.value_and_gradient(raw, Y, sample_weight, self.out_activation, xp)
        reg = self.alpha / sw_sum if penalty else 0.0
        axpy = _kernels.lookup(xp, "axpy") if reg else None
        coef_grads, intercept_grads = self._coef_grads, self._intercept_grads
        for i in range(len(self.coefs) - 1, -1, -1):
            W = self.coefs[i]
            A_prev = X if i == 0 else self._current[i - 1][3]
            coef_grads[i] = mm(A_prev.T, dZ, out=coef_grads[i])
            if reg:
                if axpy is not None:
                    axpy(coef_grads[i].reshape(-1), W.dtype.type(reg), W.reshape(-1))
                else:
                    coef_grads[i] += reg * W
            intercept_grads[i] = mm(self._ones[:n], dZ, out=intercept_grads[i])
            if i > 0:
                dA = mm(dZ, W.T, out=self._deltas[i - 1][:n, ...])
                dZ = self._backward(i - 1, dA)
        if reg:
            sumsq = sum(_kernels.sumsq(W, xp) for W in self.coefs)
            loss = loss + (0.5 * reg) * sumsq
        if self._flat is not None:
            return loss, list(self._flat_grads)
        return loss, coef_grads + intercept_grads

    def _backward(self, i: int, dA: Any) -> Any:
        """dZ of hidden layer ``i`` from the gradient ``dA`` of what the next layer saw."""
        Zin, A, M, _ = self._current[i]
        act = self.activations[i]
        if M is None:
            return act.backward(Zin, A, dA, self.xp)
        return act.backward_dropout(Zin, A, dA, M, self.xp)

    def train_step(
        self, X: Any, Y: Any, sample_weight: Any, sw_sum: float, optimizer: Any, state: dict
    ) -> Any:
        """One gradient step on a minibatch; returns its loss (a 0-d array, not synced).

        Parameters
        ----------
        X : array of shape (n, n_features)
        Y : array of shape (n, n_outputs)
        sample_weight : array of shape (n,) or None
        sw_sum : float
            Total weight of the batch.
        optimizer : Optimizer
            As its registry resolves it. When its ``folds_l2`` is True, ``step`` gets
            the L2 penalty as ``l2=(reg, n)``; otherwise the penalty is added to the
            gradients here and ``step`` is called without ``l2``.
        state : dict
            The optimizer's state, updated in place.

        Returns
        -------
        loss : 0-d array
        """
        if self.alpha and optimizer.folds_l2:
            loss, grads = self.loss_and_gradients(X, Y, sample_weight, sw_sum, penalty=False)
            reg = self.alpha / sw_sum
            sumsq = optimizer.step(
                self.params, grads, state, self.xp, l2=(reg, self.n_weight_params)
            )
            return loss + (0.5 * reg) * sumsq
        loss, grads = self.loss_and_gradients(X, Y, sample_weight, sw_sum)
        optimizer.step(self.params, grads, state, self.xp)
        return loss


def empty(backend: Any, shape: tuple, dtype: Any) -> Any:
    """An uninitialised array of the backend (on its device, when it has one).

    Parameters
    ----------
    backend : Backend
    shape : tuple of int
    dtype : dtype of the backend's namespace

    Returns
    -------
    array
    """
    return backend.empty(shape, dtype)


def _copy_into(buf: Any, src: Any, xp: Any) -> Any:
    """A copy of ``src``: into ``buf`` where ``xp`` takes ``out=``, else a new array."""
    if has_out(xp):
        buf[...] = src
        return buf
    return copy_array(src, xp)


def _pack(arrays: list, xp: Any) -> Any:
    """One contiguous 1-D buffer holding ``arrays`` one after the other."""
    total = sum(int(a.size) for a in arrays)
    flat = xp.empty(total, dtype=arrays[0].dtype)
    start = 0
    for a in arrays:
        flat[start : start + a.size] = xp.reshape(a, (-1,))
        start += a.size
    return flat


def _unpack(flat: Any, shapes: list, xp: Any) -> list:
    """Views of ``flat`` with the given shapes, in order (the inverse of :func:`_pack`)."""
    views, start = [], 0
    for shape in shapes:
        size = 1
        for d in shape:
            size *= d
        views.append(xp.reshape(flat[start : start + size], shape))
        start += size
    return views
