"""The network: pure math on one backend's dense arrays.

Nothing here knows scikit-learn, labels or sparse matrices. A :class:`Network` holds
the weights of a stack of dense layers on a backend and computes, for a minibatch,
the forward pass, the loss and its gradient with respect to the raw outputs (from the
loss plugin), and the backward pass by the chain rule::

    Z_i = A_{i-1} @ W_i + b_i          A_i = f(Z_i)       (A_0 = X, raw = Z_L)
    dZ_L = d loss / d raw              (the loss plugin, link fused)
    dW_i = A_{i-1}.T @ dZ_i + (alpha / sw_sum) W_i
    db_i = sum_rows(dZ_i)
    dZ_{i-1} = (dZ_i @ W_i.T) * f'(Z_{i-1})   (f' written from A_{i-1})

The L2 penalty is ``alpha / 2 * sum ||W_i||^2 / sw_sum`` per batch, ``sw_sum`` being the
batch's total sample weight (its size without weights), as in ``MLPClassifier``.
Per-batch buffers are allocated once for the largest batch and reused through row
views, so the hot loop allocates almost nothing on backends that take ``out=``.
"""

from __future__ import annotations

from typing import Any

from . import _kernels, _links


class Network:
    """Dense layers on one backend.

    Parameters
    ----------
    coefs : list of arrays
        Weight matrices ``W_i`` of shape ``(fan_in, fan_out)``, on the backend.
    intercepts : list of arrays
        Bias vectors ``b_i`` of shape ``(fan_out,)``, on the backend.
    activation : Activation
        Hidden-layer activation, as its registry resolves it (every hook present).
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
    ) -> None:
        self.coefs = coefs
        self.intercepts = intercepts
        self._flat = None
        if flat and backend.supports_out:
            xp = backend.xp
            self._flat = [_pack(coefs, xp), _pack(intercepts, xp)]
            self.coefs = _unpack(self._flat[0], [W.shape for W in coefs], xp)
            self.intercepts = _unpack(self._flat[1], [b.shape for b in intercepts], xp)
        self.activation = activation
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
            Write activations into the per-batch buffers (for a following
            :meth:`loss_and_gradients`); otherwise allocate fresh arrays.

        Returns
        -------
        raw : array of shape (n, n_outputs)
        """
        n = X.shape[0]
        mm, last = self.backend.matmul, len(self.coefs) - 1
        A = X
        acts = []
        for i, (W, b) in enumerate(zip(self.coefs, self.intercepts)):
            Z = mm(A, W, out=self._acts[i][:n, ...] if keep else None)
            if i == last:
                Z += b
                A = Z
            else:
                A = self.activation.forward_with_bias(Z, b, self.xp)
            acts.append(A)
        if keep:
            self._current = acts
        return A

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
            A_prev = X if i == 0 else self._current[i - 1]
            coef_grads[i] = mm(A_prev.T, dZ, out=coef_grads[i])
            if reg:
                if axpy is not None:
                    axpy(coef_grads[i].reshape(-1), W.dtype.type(reg), W.reshape(-1))
                else:
                    coef_grads[i] += reg * W
            intercept_grads[i] = mm(self._ones[:n], dZ, out=intercept_grads[i])
            if i > 0:
                dA = mm(dZ, W.T, out=self._deltas[i - 1][:n, ...])
                dZ = self.activation.derivative(A_prev, dA, xp)
        if reg:
            sumsq = sum(_kernels.sumsq(W, xp) for W in self.coefs)
            loss = loss + (0.5 * reg) * sumsq
        if self._flat is not None:
            return loss, list(self._flat_grads)
        return loss, coef_grads + intercept_grads

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
