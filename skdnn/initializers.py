"""Weight initializers.

An initializer is any callable ``init(fan_in, fan_out, rng, dtype)`` returning a host
``numpy.ndarray`` of shape ``(fan_in, fan_out)``, drawn from the ``numpy.random.RandomState``
``rng``. Weights are always drawn on the host and then moved to the backend, so every
backend starts from the same weights for the same ``random_state``. Biases start at
zero.

The registry instance is :data:`registry`; it maps a name to a class whose instances
are initializers. Third-party initializers register through the entry-point group
``skdnn.initializers``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import Registry

__all__ = ["XavierNormal", "XavierUniform", "Gaussian", "HeNormal", "registry"]

registry = Registry("initializers", required=["__call__"], param="init")


@registry.register("xavier")
class XavierNormal:
    """Glorot (Xavier) normal: ``N(0, 2 / (fan_in + fan_out))``.

    Keeps the variance of activations and of gradients roughly constant across layers
    for symmetric activations (Glorot & Bengio, 2010).
    """

    def __call__(
        self, fan_in: int, fan_out: int, rng: np.random.RandomState, dtype: Any
    ) -> np.ndarray:
        """Draw a ``(fan_in, fan_out)`` weight matrix.

        Parameters
        ----------
        fan_in, fan_out : int
        rng : numpy.random.RandomState
        dtype : dtype

        Returns
        -------
        ndarray of shape (fan_in, fan_out)
        """
        std = np.sqrt(2.0 / (fan_in + fan_out))
        return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


@registry.register("xavier_uniform")
class XavierUniform:
    """Glorot (Xavier) uniform: ``U(-b, b)`` with ``b = sqrt(6 / (fan_in + fan_out))``.

    The same variance as :class:`XavierNormal`; scikit-learn's ``MLPClassifier`` uses
    this bound for non-logistic activations.
    """

    def __call__(
        self, fan_in: int, fan_out: int, rng: np.random.RandomState, dtype: Any
    ) -> np.ndarray:
        """Draw a ``(fan_in, fan_out)`` weight matrix.

        Parameters
        ----------
        fan_in, fan_out : int
        rng : numpy.random.RandomState
        dtype : dtype

        Returns
        -------
        ndarray of shape (fan_in, fan_out)
        """
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)


@registry.register("gaussian")
class Gaussian:
    """Plain Gaussian ``N(0, std**2)`` with a fixed small ``std``, whatever the layer size.

    Parameters
    ----------
    std : float, default=0.01
        Standard deviation.
    """

    def __init__(self, std: float = 0.01) -> None:
        self.std = std

    def __call__(
        self, fan_in: int, fan_out: int, rng: np.random.RandomState, dtype: Any
    ) -> np.ndarray:
        """Draw a ``(fan_in, fan_out)`` weight matrix.

        Parameters
        ----------
        fan_in, fan_out : int
        rng : numpy.random.RandomState
        dtype : dtype

        Returns
        -------
        ndarray of shape (fan_in, fan_out)
        """
        return (rng.standard_normal((fan_in, fan_out)) * self.std).astype(dtype)


@registry.register("he")
class HeNormal:
    """He (Kaiming) normal: ``N(0, 2 / fan_in)``, suited to ReLU layers (He et al., 2015)."""

    def __call__(
        self, fan_in: int, fan_out: int, rng: np.random.RandomState, dtype: Any
    ) -> np.ndarray:
        """Draw a ``(fan_in, fan_out)`` weight matrix.

        Parameters
        ----------
        fan_in, fan_out : int
        rng : numpy.random.RandomState
        dtype : dtype

        Returns
        -------
        ndarray of shape (fan_in, fan_out)
        """
        return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)
