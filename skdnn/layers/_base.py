"""The layer protocol: what every layer of the network provides.

A :class:`~skdnn._network.Network` is a sequence of layers. It chains their forward
passes, runs their backward passes in reverse (the chain rule), and hands the optimizer
one flat list of parameters; it knows nothing else about a layer.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

__all__ = ["Layer"]


class Layer:
    """Base class of the network's layers: parameters, forward, backward.

    The life of a layer in one fit, in the order the network calls its hooks:

    1. :meth:`fit` (data-dependent layers only, e.g. quantile bins): the training rows
       as a host NumPy array, before the first epoch.
    2. :meth:`build`: the initial parameters as host NumPy arrays, for ``n_in`` input
       features and ``n_members`` ensemble members; sets :attr:`n_out`.
    3. :meth:`bind`: the parameters and their gradient buffers as the backend's arrays
       (views into the network's flat buffers), kept by the layer. The network binds
       once without gradients (``grads=None``: prediction) and again with them before
       the first training batch.
    4. :meth:`allocate`: per-batch buffers for batches of up to ``batch_size`` rows,
       once per fit (again only when a larger batch comes).
    5. :meth:`forward` then :meth:`backward`, for every minibatch. :meth:`backward`
       stores each gradient as ``self.grads[j] = backend.matmul(..., out=self.grads[j])``
       (or writes into ``self.grads[j]`` in place): on a backend without ``out=`` the
       list entry is replaced, and the network reads the list after the pass.

    :meth:`export` says what the layer contributes to ``coefs_``/``intercepts_``
    (nothing by default). The network adds ``alpha``'s L2 gradient to the penalized
    parameters itself (after the layer's :meth:`backward`); a layer never sees
    ``alpha``.

    Shapes: a layer outside an ensemble maps ``(n, n_in) -> (n, n_out)``; inside an
    ensemble of ``k`` members its input and output carry a leading member axis,
    ``(k, n, n_in) -> (k, n, n_out)`` (the first ensemble layer also accepts
    ``(n, n_in)``, seen by every member). :attr:`member_axis` says whether the layer's
    output has that axis.

    Attributes
    ----------
    n_out : int
        Output features, set by :meth:`build`.
    penalized : tuple of bool
        One per parameter, in :meth:`build`'s order: whether ``alpha``'s L2 penalty and
        ``weight_decay`` apply to it (weights yes, biases and scales no, by convention).
    member_axis : bool
        Whether the output carries the leading ensemble-member axis.
    """

    #: Hooks a plugin object must have to be taken as a layer.
    required: ClassVar[tuple[str, ...]] = ("build", "forward", "backward")
    n_out: int = 0
    penalized: tuple = ()
    member_axis: ClassVar[bool] = False

    def fit(
        self, X: np.ndarray, rng: np.random.RandomState, sample_weight: Any = None
    ) -> None:
        """Learn data-dependent settings from the training rows (default: nothing).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_in)
            The training rows on the host, in the training dtype.
        rng : RandomState
            The fit's random stream.
        sample_weight : ndarray of shape (n_samples,) or None, default=None
            The rows' weights on the host (None: all 1).
        """

    def build(
        self, n_in: int, n_members: int, rng: np.random.RandomState, dtype: Any, init: Any
    ) -> list[np.ndarray]:
        """The initial parameters, as host NumPy arrays of ``dtype``; sets :attr:`n_out`.

        Parameters
        ----------
        n_in : int
            Input features.
        n_members : int
            Ensemble members (1: a plain network).
        rng : RandomState
        dtype : numpy dtype
        init : Initializer
            The ``init`` plugin, ``init(fan_in, fan_out, rng, dtype) -> ndarray``.

        Returns
        -------
        params : list of ndarray
        """
        raise NotImplementedError

    def bind(self, params: list, grads: list, backend: Any) -> None:
        """Keep the parameters and their gradient buffers, as the backend's arrays.

        Parameters
        ----------
        params : list of arrays
            In :meth:`build`'s order and shapes; updated in place by the optimizer.
        grads : list of arrays or None
            Same shapes; :meth:`backward` writes into them. None at prediction time.
        backend : Backend
        """
        self.params, self.grads, self.backend = params, grads, backend

    def export(self, params: list, xp: Any) -> tuple | None:
        """The layer's entries of ``coefs_`` and ``intercepts_``, or None (default).

        A dense layer exports ``(W, b)``; an ensemble layer each member's effective
        weights. Layers that export nothing are left out of ``coefs_``.

        Parameters
        ----------
        params : list of arrays
            Parameters in :meth:`build`'s order (not necessarily the bound ones).
        xp : module
            Their namespace.

        Returns
        -------
        (coef, intercept) or None
        """
        return None

    def allocate(self, batch_size: int) -> None:
        """Allocate per-batch buffers for up to ``batch_size`` rows (default: none).

        Parameters
        ----------
        batch_size : int
        """

    def forward(self, X: Any, training: bool) -> Any:
        """The layer's output for a batch.

        Parameters
        ----------
        X : array
            ``(n, n_in)`` or, inside an ensemble, ``(k, n, n_in)``.
        training : bool
            A training pass: keep what :meth:`backward` needs (and apply dropout);
            otherwise keep nothing.

        Returns
        -------
        array
        """
        raise NotImplementedError

    def backward(self, dY: Any, need_input_grad: bool) -> Any:
        """Gradients of the last training pass, by the chain rule.

        Writes the gradient of every parameter into the bound ``grads`` (overwriting
        them) and returns the gradient with respect to the layer's input.

        Parameters
        ----------
        dY : array
            Gradient of the loss with respect to the layer's output.
        need_input_grad : bool
            False for the first layer: the input gradient may be skipped.

        Returns
        -------
        dX : array or None
        """
        raise NotImplementedError
