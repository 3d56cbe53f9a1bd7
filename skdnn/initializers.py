"""Weight initializers.

:class:`Initializer` is the protocol (documented there); :class:`XavierNormal`,
:class:`XavierUniform`, :class:`Gaussian` and :class:`HeNormal` are the built-ins. The
registry instance is :data:`registry`; it maps a name to a class whose instances are
initializers. Third-party initializers register through the entry-point group
``skdnn.initializers``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from ._registry import Registry

__all__ = ["Gaussian", "HeNormal", "Initializer", "XavierNormal", "XavierUniform", "registry"]


class Initializer(ABC):
    """The initializer protocol: a callable drawing one weight matrix on the host.

    Weights are always drawn on the host and then moved to the backend, so every
    backend starts from the same weights for the same ``random_state``. Biases start
    at zero. Subclass it, or pass any callable with the signature of
    :meth:`__call__` (a plain function will do).

    Attributes
    ----------
    required : tuple of str
        The names a plugin must have: ``("__call__",)``.
    """

    required: ClassVar[tuple[str, ...]] = ("__call__",)

    @abstractmethod
    def __call__(
        self, fan_in: int, fan_out: int, rng: np.random.RandomState, dtype: Any
    ) -> np.ndarray:
        """Draw a ``(fan_in, fan_out)`` weight matrix from ``rng``.

        Parameters
        ----------
        fan_in, fan_out : int
            The layer's input and output widths.
        rng : numpy.random.RandomState
            The only source of randomness.
        dtype : dtype
            A NumPy floating dtype.

        Returns
        -------
        ndarray of shape (fan_in, fan_out)
            A host array of ``dtype``.
        """


registry = Registry("initializers", param="init", base=Initializer)


@registry.register("xavier")
class XavierNormal(Initializer):
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
class XavierUniform(Initializer):
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
class Gaussian(Initializer):
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
class HeNormal(Initializer):
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
