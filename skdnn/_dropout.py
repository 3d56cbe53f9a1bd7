"""Inverted dropout on the hidden layers, during training only.

Each hidden unit of layer ``i`` is kept with probability ``1 - p_i`` and a kept unit is
scaled by ``1 / (1 - p_i)``, so the expected output equals the undropped one and
prediction needs no mask at all::

    U ~ uniform[0, 1)          M = (U >= p) / (1 - p)          D = f(Z) * M
    backward:  dA = dD * M     dZ = f'(Z) dA

``U`` is drawn per batch on the backend (its ``uniform`` hook) from a generator seeded
once per fit from the fit's host random stream (``random_state``), so a seed gives the
same masks on every run. The network keeps ``f(Z)`` (for ``f'``), ``M`` and ``D`` (the
next layer's input) in per-batch buffers; activations with a fused kernel
(:meth:`~skdnn.activations.Activation.forward_dropout`) do the bias, ``f``, the mask
and the scale in one pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._utils import has_out

__all__ = ["Dropout", "apply_mask", "unmask"]


def apply_mask(A: Any, U: Any, p: float, D: Any, xp: Any) -> tuple[Any, Any]:
    """``M = (U >= p) / (1 - p)`` and ``D = A * M``, in the buffers where ``xp`` takes ``out=``.

    Parameters
    ----------
    A : array of shape (n, k)
        The activation output (not changed).
    U : array of shape (n, k)
        Uniform draws in [0, 1); may be overwritten by the mask.
    p : float
        The drop rate.
    D : array of shape (n, k) or None
        Buffer for the dropped output, or None to allocate.
    xp : module

    Returns
    -------
    M : array of shape (n, k)
        The scaled mask (``1 / (1 - p)`` or 0).
    D : array of shape (n, k)
    """
    scale = 1.0 / (1.0 - p)
    if has_out(xp):
        M = xp.multiply(U >= p, U.dtype.type(scale), out=U)
        return M, xp.multiply(A, M, out=D) if D is not None else A * M
    M = xp.where(U >= p, xp.full_like(U, scale), xp.zeros_like(U))
    return M, A * M


def unmask(dA: Any, M: Any, xp: Any) -> Any:
    """``dA * M``: the backward of the mask (in place where the namespace allows).

    Parameters
    ----------
    dA : array of shape (n, k)
        May be overwritten.
    M : array of shape (n, k)
    xp : module

    Returns
    -------
    array of shape (n, k)
    """
    if has_out(xp):
        return xp.multiply(dA, M, out=dA)
    return dA * M


class Dropout:
    """The drop rates of the hidden layers and the masks' random generator, for one fit.

    Parameters
    ----------
    rates : sequence of float
        One rate in [0, 1) per hidden layer; 0 leaves the layer alone.
    backend : Backend
        Where the masks are drawn (its ``random_generator`` and ``uniform`` hooks).
    seed : int
        Seeds the backend's generator; drawn from the fit's random stream.
    """

    def __init__(self, rates: Any, backend: Any, seed: int) -> None:
        self.rates = tuple(float(r) for r in rates)
        self.backend = backend
        self.generator = backend.random_generator(int(seed))
        self._uniforms: list = []
        self._outputs: list = []

    @classmethod
    def from_stream(cls, rates: Any, backend: Any, rng: np.random.RandomState) -> Dropout | None:
        """A Dropout seeded from ``rng``, or None (``rng`` untouched) when every rate is 0.

        Parameters
        ----------
        rates : sequence of float
        backend : Backend
        rng : numpy.random.RandomState
            The fit's random stream.

        Returns
        -------
        Dropout or None
        """
        if not any(rates):
            return None
        return cls(rates, backend, rng.randint(np.iinfo(np.int32).max))

    def allocate(self, batch_size: int, widths: list, dtype: Any) -> None:
        """Per-batch buffers for the uniforms (then masks) and the dropped outputs.

        Parameters
        ----------
        batch_size : int
        widths : list of int
            The hidden layers' widths.
        dtype : dtype of the backend
        """

        def buf(p, w):
            return self.backend.empty((batch_size, w), dtype) if p else None

        self._uniforms = [buf(p, w) for p, w in zip(self.rates, widths)]
        self._outputs = [buf(p, w) for p, w in zip(self.rates, widths)]

    def allocate_layer(self, i: int, rows: int, width: int, dtype: Any) -> None:
        """Per-batch buffers of hidden layer ``i`` alone, ``rows`` by ``width``.

        Parameters
        ----------
        i : int
        rows : int
        width : int
        dtype : dtype of the backend
        """
        missing = len(self.rates) - len(self._uniforms)
        self._uniforms += [None] * missing
        self._outputs += [None] * missing
        self._uniforms[i] = self.backend.empty((rows, width), dtype)
        self._outputs[i] = self.backend.empty((rows, width), dtype)

    def draw(self, i: int, n: int) -> Any:
        """Uniform draws in [0, 1) for the first ``n`` rows of hidden layer ``i``.

        Parameters
        ----------
        i : int
        n : int

        Returns
        -------
        array of shape (n, width_i)
        """
        U = self._uniforms[i][:n, ...]
        return self.backend.uniform(self.generator, U.shape, U.dtype, out=U)

    def output(self, i: int, n: int) -> Any:
        """The buffer for the dropped output of hidden layer ``i`` (``n`` rows).

        Parameters
        ----------
        i : int
        n : int

        Returns
        -------
        array of shape (n, width_i)
        """
        return self._outputs[i][:n, ...]
