"""The network: a stack of layers, pure math on one backend's dense arrays.

Nothing here knows scikit-learn, labels or sparse matrices. A :class:`Network` chains
its layers (:class:`~skdnn.layers.Layer`): for a minibatch, the forward pass layer by
layer, the loss and its gradient with respect to the raw outputs (from the loss
plugin, which owns the output link), and the backward pass in reverse, each layer
writing its parameters' gradients and returning the gradient of its input::

    D_0 = X        D_i = layer_i.forward(D_{i-1})        raw = D_L
    dD_L = d loss / d raw                                 (the loss plugin, link fused)
    dD_{i-1} = layer_i.backward(dD_i)                     (grads of layer_i's params)
    d p += (alpha / sw_sum) p                             (every penalized parameter p)

The L2 penalty is ``alpha / 2 * sum ||p||^2 / sw_sum`` per batch over the penalized
parameters, ``sw_sum`` being the batch's total sample weight (its size without
weights), as in ``MLPClassifier``.

An ensemble of ``k`` members (``n_members``) carries a leading member axis on its
layers' outputs: the raw outputs ``(k, n, n_outputs)`` are seen by the loss as
``k * n`` rows with the targets and weights repeated per member, so the loss is the
mean of the members' losses; the penalty is the mean of the members' penalties.

The optimizer sees one flat list of parameters, the penalized ones first
(:attr:`Network.params`); on a backend whose products write into ``out=`` they are
packed into one buffer of penalized and one of other parameters, every layer's arrays
being views into them. Per-batch buffers are allocated once for the largest batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _kernels, _links
from ._utils import concat, copy_array
from .layers import Dense, PackedDense


class Network:
    """A stack of layers on one backend.

    Parameters
    ----------
    layers : list of Layer
        In order, input first; the last one's output is the raw output (logits).
    params : list of list of arrays
        Each layer's parameters, on the backend, in its ``build`` order.
    loss : Loss or None
        Loss, owning the output link (None for prediction only).
    out_activation : str
        Output link.
    backend : Backend
        Where the arrays live, as its registry resolves it.
    alpha : float, default=0.0
        L2 penalty strength.
    flat : bool, default=False
        On a backend whose products write into ``out=`` (``supports_out``), keep the
        penalized parameters in one contiguous buffer and the others in another, each
        layer's arrays being views into them, so that the optimizer updates all
        parameters in two calls instead of two per layer. :attr:`params` is then those
        two buffers. Meant for training; prediction wraps the fitted arrays as they are.
    dropout : Dropout or None, default=None
        The dropout the layers share (kept here for reference).
    n_members : int, default=1
        Ensemble members: the last layer's output is ``(n_members, n, n_outputs)``
        when above 1.
    l2_members : int, default=1
        The penalty's divisor beyond ``sw_sum``: ``n_members`` when every member has
        its own penalized weights (the penalty is then the members' mean), else 1.
    """

    def __init__(
        self,
        layers: list,
        params: list,
        loss: Any,
        out_activation: str,
        backend: Any,
        alpha: float = 0.0,
        flat: bool = False,
        dropout: Any = None,
        n_members: int = 1,
        l2_members: int = 1,
    ) -> None:
        self.layers = list(layers)
        self.loss = loss
        self.out_activation = out_activation
        self.backend = backend
        self.xp = backend.xp
        self.alpha = alpha
        self.dropout = dropout
        self.n_members = n_members
        self.l2_members = l2_members
        self._params = [list(p) for p in params]
        penalized = [(i, j) for i, lay in enumerate(layers) for j, pen in _flags(lay) if pen]
        others = [(i, j) for i, lay in enumerate(layers) for j, pen in _flags(lay) if not pen]
        self._order = penalized + others
        self._n_penalized = len(penalized)
        self._groups = [g for g in (penalized, others) if g]
        self._shapes = [[tuple(a.shape) for a in p] for p in self._params]
        self._flat = None
        if flat and backend.supports_out:
            self._flat = [_pack([self._params[i][j] for i, j in g], self.xp) for g in self._groups]
            _scatter(self._params, self._flat, self._groups, self._shapes, self.xp)
        for layer, p in zip(self.layers, self._params):
            layer.bind(p, None, backend)
        self._grads = None
        self._capacity = 0

    @classmethod
    def dense(
        cls,
        coefs: list,
        intercepts: list,
        activation: Any,
        loss: Any,
        out_activation: str,
        backend: Any,
        alpha: float = 0.0,
        flat: bool = False,
        dropout: Any = None,
    ) -> Network:
        """A network of :class:`~skdnn.layers.Dense` layers over given weights.

        Parameters
        ----------
        coefs : list of arrays
            ``W_i`` of shape ``(fan_in, fan_out)`` on the backend; or, for an
            ensemble of ``k`` members, ``(k, fan_in, fan_out)`` (each member's weights:
            :class:`~skdnn.layers.PackedDense` layers).
        intercepts : list of arrays
            ``b_i`` of shape ``(fan_out,)``, or ``(k, fan_out)``.
        activation : Activation or sequence of Activation
            One for every hidden layer, or one per hidden layer.
        loss, out_activation, backend, alpha, flat, dropout
            As for :class:`Network`.

        Returns
        -------
        Network
        """
        n_hidden, k = len(coefs) - 1, 1
        if len(coefs[0].shape) == 3:  # each member's weights: a packed ensemble
            k = coefs[0].shape[0]
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(f"{len(activation)} activations for {n_hidden} hidden layers.")
            acts = list(activation)
        else:
            acts = [activation] * n_hidden
        if k == 1:
            layers = [
                Dense(W.shape[-1], act, dropout, i) for i, (W, act) in enumerate(zip(coefs, acts))
            ]
            layers.append(Dense(coefs[-1].shape[-1]))
        else:
            layers = [
                PackedDense(W.shape[-1], k, act, dropout, i)
                for i, (W, act) in enumerate(zip(coefs, acts))
            ]
            layers.append(PackedDense(coefs[-1].shape[-1], k))
        params = [[W, b] for W, b in zip(coefs, intercepts)]
        return cls(layers, params, loss, out_activation, backend, alpha, flat, dropout, k, k)

    # ------------------------------------------------------------ parameters

    @property
    def params(self) -> list:
        """All parameters, penalized first (the optimizer's order)."""
        if self._flat is not None:
            return list(self._flat)
        return [self._params[i][j] for i, j in self._order]

    @property
    def n_weight_params(self) -> int:
        """How many leading entries of :attr:`params` are L2-penalized."""
        if self._flat is not None:
            return 1 if self._n_penalized else 0
        return self._n_penalized

    @property
    def layer_params(self) -> list:
        """Each layer's parameters (views into :attr:`params` when packed)."""
        return self._params

    @property
    def dtype(self) -> Any:
        """The parameters' dtype."""
        return next(p for p in self._params if p)[0].dtype

    @property
    def activations(self) -> list:
        """The activation of every layer that has one."""
        return [lay.activation for lay in self.layers if getattr(lay, "activation", None)]

    @property
    def coefs(self) -> list:
        """The layers' entries of ``coefs_`` (see :meth:`~skdnn.layers.Layer.export`)."""
        return [pair[0] for pair in self._exports()]

    @property
    def intercepts(self) -> list:
        """The layers' entries of ``intercepts_``."""
        return [pair[1] for pair in self._exports()]

    def _exports(self) -> list:
        pairs = (lay.export(p, self.xp) for lay, p in zip(self.layers, self._params))
        return [pair for pair in pairs if pair is not None]

    def copy_params(self) -> list:
        """Copies of :attr:`params` (e.g. the best epoch's), for :meth:`load_params`."""
        return [copy_array(p, self.xp) for p in self.params]

    def load_params(self, values: list) -> None:
        """Write ``values`` (as :meth:`copy_params` made them) into the parameters."""
        for p, v in zip(self.params, values):
            p[...] = v

    def split(self, arrays: list) -> list:
        """Arrays in :attr:`params` order (host or backend) as each layer's parameters.

        Parameters
        ----------
        arrays : list of arrays
            Shaped like :attr:`params`.

        Returns
        -------
        list of list of arrays
        """
        per_layer = [[None] * len(p) for p in self._params]
        if self._flat is not None:
            _scatter(per_layer, arrays, self._groups, self._shapes, _namespace(arrays[0], self.xp))
            return per_layer
        for (i, j), a in zip(self._order, arrays):
            per_layer[i][j] = a
        return per_layer

    def export(self, per_layer: list, xp: Any) -> tuple[list, list]:
        """``(coefs, intercepts)`` of the given per-layer parameters.

        Parameters
        ----------
        per_layer : list of list of arrays
        xp : module
            Namespace of the arrays.

        Returns
        -------
        coefs, intercepts : lists of arrays
        """
        pairs = [lay.export(p, xp) for lay, p in zip(self.layers, per_layer)]
        pairs = [pair for pair in pairs if pair is not None]
        return [c for c, _ in pairs], [b for _, b in pairs]

    # ------------------------------------------------------------ passes

    def allocate(self, batch_size: int) -> None:
        """Gradient buffers, and per-batch buffers for up to ``batch_size`` rows.

        Parameters
        ----------
        batch_size : int
        """
        xp = self.xp
        if self._grads is None:
            if self._flat is not None:
                self._flat_grads = [xp.empty_like(a) for a in self._flat]
                self._grads = [[None] * len(p) for p in self._params]
                _scatter(self._grads, self._flat_grads, self._groups, self._shapes, xp)
            else:
                self._grads = [[xp.empty_like(a) for a in p] for p in self._params]
            for layer, p, g in zip(self.layers, self._params, self._grads):
                layer.bind(p, g, self.backend)
        for layer in self.layers:
            layer.allocate(batch_size)
        if self.n_members > 1:
            self._stacked = _MemberRows(self.backend)
        self._capacity = batch_size

    def forward(self, X: Any, keep: bool = False) -> Any:
        """Raw outputs (logits) for the dense batch ``X``.

        Parameters
        ----------
        X : array of shape (n, n_features)
        keep : bool, default=False
            A training pass: the layers write into their per-batch buffers, keep what
            the backward pass needs, and apply dropout; otherwise fresh arrays.

        Returns
        -------
        raw : array of shape (n, n_outputs), or (n_members, n, n_outputs)
        """
        D = X
        for layer in self.layers:
            D = layer.forward(D, keep)
        return D

    def combine(self, raw: Any, transform: Any, mean: bool = True) -> Any:
        """``transform(raw, xp)``, per member and averaged over members in an ensemble.

        Parameters
        ----------
        raw : array of shape (n, n_outputs) or (n_members, n, n_outputs)
        transform : callable
            ``transform(raw_2d, xp)``: row-wise (probabilities, ...).
        mean : bool, default=True
            Average over members; False keeps the member axis.

        Returns
        -------
        array of shape (n, width), or (n_members, n, width) when ``mean`` is False
        """
        xp = self.xp
        if self.n_members == 1:
            out = transform(raw, xp)
            return out if mean else xp.reshape(out, (1, *out.shape))
        k, n = raw.shape[0], raw.shape[1]
        out = transform(xp.reshape(raw, (k * n, raw.shape[2])), xp)
        out = xp.reshape(out, (k, n, out.shape[1]))
        return xp.mean(out, axis=0) if mean else out

    def predict_proba(self, X: Any) -> Any:
        """Probabilities ``link(forward(X))`` for a dense batch (members' mean).

        Parameters
        ----------
        X : array of shape (n, n_features)

        Returns
        -------
        P : array of shape (n, n_outputs)
        """
        link = self.out_activation
        return self.combine(self.forward(X), lambda r, xp: _links.apply(r, link, xp))

    def loss_value(self, raw: Any, Y: Any, sample_weight: Any = None) -> Any:
        """The mean loss of raw outputs (the members' mean), without the penalty.

        ``raw`` is overwritten.

        Parameters
        ----------
        raw : array of shape (n, n_outputs) or (n_members, n, n_outputs)
        Y : array of shape (n, n_outputs)
        sample_weight : array of shape (n,) or None

        Returns
        -------
        loss : 0-d array
        """
        if self.n_members > 1:
            raw, Y, sample_weight = _MemberRows(self.backend, False).stack(
                self, raw, Y, sample_weight
            )
        value, _ = self.loss.value_and_gradient(raw, Y, sample_weight, self.out_activation, self.xp)
        return value

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
        xp = self.xp
        n = X.shape[0]
        if n > self._capacity:
            self.allocate(n)
        if sw_sum is None:
            sw_sum = float(n) if sample_weight is None else float(xp.sum(sample_weight))
        raw = self.forward(X, keep=True)
        if self.n_members > 1:
            raw2, Y, sample_weight = self._stacked.stack(self, raw, Y, sample_weight)
            loss, dZ = self.loss.value_and_gradient(raw2, Y, sample_weight, self.out_activation, xp)
            dZ = xp.reshape(dZ, raw.shape)
        else:
            loss, dZ = self.loss.value_and_gradient(raw, Y, sample_weight, self.out_activation, xp)
        reg = self._reg(sw_sum) if penalty else 0.0
        self._backward(dZ, reg)
        if reg:
            sumsq = sum(_kernels.sumsq(self._params[i][j], xp) for i, j in self._penalized())
            loss = loss + (0.5 * reg) * sumsq
        if self._flat is not None:
            return loss, list(self._flat_grads)
        return loss, [self._grads[i][j] for i, j in self._order]

    def _reg(self, sw_sum: float) -> float:
        """The penalty's factor ``alpha / (sw_sum * l2_members)``."""
        return self.alpha / (sw_sum * self.l2_members)

    def _penalized(self) -> list:
        return self._order[: self._n_penalized]

    def _backward(self, dZ: Any, reg: float) -> None:
        """The layers' backward passes in reverse; the L2 gradient of each penalized
        parameter (elementwise, so its place among the passes does not matter)."""
        xp = self.xp
        axpy = _kernels.lookup(xp, "axpy") if reg else None
        for i in range(len(self.layers) - 1, -1, -1):
            dZ = self.layers[i].backward(dZ, i > 0)
            if not reg:
                continue
            grads, params = self._grads[i], self._params[i]
            for j, pen in _flags(self.layers[i]):
                if not pen:
                    continue
                if axpy is not None:
                    P = params[j]
                    axpy(xp.reshape(grads[j], (-1,)), P.dtype.type(reg), xp.reshape(P, (-1,)))
                else:
                    grads[j] += reg * params[j]

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
            reg = self._reg(sw_sum)
            sumsq = optimizer.step(
                self.params, grads, state, self.xp, l2=(reg, self.n_weight_params)
            )
            return loss + (0.5 * reg) * sumsq
        loss, grads = self.loss_and_gradients(X, Y, sample_weight, sw_sum)
        optimizer.step(self.params, grads, state, self.xp)
        return loss


class _MemberRows:
    """A batch's targets and weights repeated once per ensemble member, in buffers
    that grow as needed where the backend takes ``out=`` (``buffered``)."""

    def __init__(self, backend: Any, buffered: bool = True) -> None:
        self.backend, self.buffered = backend, buffered and backend.supports_out
        self._bufs: dict = {}

    def stack(self, net: Network, raw: Any, Y: Any, sw: Any) -> tuple:
        """``raw`` as ``(k * n, n_outputs)``, ``Y`` and ``sw`` repeated per member."""
        xp, k = net.xp, net.n_members
        n, width = Y.shape[0], Y.shape[1]
        raw = xp.reshape(raw, (k * n, width))
        Yk = xp.reshape(self._repeat("Y", Y, k, xp), (k * n, width))
        swk = None if sw is None else xp.reshape(self._repeat("sw", sw, k, xp), (k * n,))
        return raw, Yk, swk

    def _repeat(self, name: str, a: Any, k: int, xp: Any) -> Any:
        if not self.buffered:
            return concat([xp.reshape(a, (1, *a.shape))] * k, xp)
        size = k * int(a.size)
        buf = self._bufs.get(name)
        if buf is None or buf.shape[0] < size:
            buf = self._bufs[name] = self.backend.empty((max(size, 1),), a.dtype)
        out = xp.reshape(buf[:size], (k, *a.shape))
        out[...] = a[None, ...]
        return out


def _flags(layer: Any) -> list:
    return list(enumerate(layer.penalized))


def _namespace(a: Any, xp: Any) -> Any:
    """NumPy for host arrays, else ``xp``."""
    return np if isinstance(a, np.ndarray) else xp


def _pack(arrays: list, xp: Any) -> Any:
    """One contiguous 1-D buffer holding ``arrays`` one after the other."""
    total = sum(int(a.size) for a in arrays)
    flat = xp.empty(total, dtype=arrays[0].dtype)
    start = 0
    for a in arrays:
        flat[start : start + a.size] = xp.reshape(a, (-1,))
        start += a.size
    return flat


def _scatter(per_layer: list, flats: list, groups: list, shapes: list, xp: Any) -> None:
    """Set ``per_layer[i][j]`` to views of ``flats`` (one per group of ``(i, j)``),
    shaped ``shapes[i][j]`` (the inverse of :func:`_pack`)."""
    for flat, group in zip(flats, groups):
        start = 0
        for i, j in group:
            shape = shapes[i][j]
            size = 1
            for d in shape:
                size *= d
            per_layer[i][j] = xp.reshape(flat[start : start + size], shape)
            start += size
