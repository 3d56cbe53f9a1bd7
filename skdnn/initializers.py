"""Weight initializers.

:class:`Initializer` is the protocol (documented there); :class:`XavierNormal`,
:class:`XavierUniform`, :class:`Gaussian` and :class:`HeNormal` are the built-ins. The
registry instance is :data:`registry`; it maps a name to a class whose instances are
initializers. Third-party initializers register through the entry-point group
``skdnn.initializers``.

Examples
--------
>>> import numpy as np
>>> from skdnn import initializers
>>> initializers.registry.names()
['gaussian', 'he', 'xavier', 'xavier_uniform']
>>> init = initializers.registry.resolve("he")
>>> init(4, 3, np.random.RandomState(0), np.float32).shape
(4, 3)
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

    Examples
    --------
    Any callable with this signature will do; a subclass documents its intent:

    >>> import numpy as np
    >>> from skdnn import DNNClassifier
    >>> from skdnn.initializers import Initializer
    >>> class Orthogonal(Initializer):
    ...     def __call__(self, fan_in, fan_out, rng, dtype):
    ...         q, _ = np.linalg.qr(rng.standard_normal((max(fan_in, fan_out),) * 2))
    ...         return q[:fan_in, :fan_out].astype(dtype)
    >>> W = Orthogonal()(3, 3, np.random.RandomState(0), np.float64)
    >>> bool(np.allclose(W.T @ W, np.eye(3)))
    True
    >>> clf = DNNClassifier(hidden_layer_sizes=(4,), init=Orthogonal())
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

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.initializers import XavierUniform
        >>> W = XavierUniform()(3, 2, np.random.RandomState(0), np.float64)
        >>> W.shape, bool(np.all(np.abs(W) <= np.sqrt(6 / 5)))  # U(-sqrt(6/(in+out)), ...)
        ((3, 2), True)
        """


#: The initializers by name: what ``init=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.initializers`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Initializer` for a name). See :class:`skdnn._registry.Registry`.
registry = Registry("initializers", param="init", base=Initializer)


@registry.register("xavier")
class XavierNormal(Initializer):
    """Glorot (Xavier) normal: ``N(0, 2 / (fan_in + fan_out))``.

    Keeps the variance of activations and of gradients roughly constant across layers
    for symmetric activations (Glorot & Bengio, 2010).

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.initializers import XavierNormal
    >>> W = XavierNormal()(100, 50, np.random.RandomState(0), np.float32)
    >>> W.shape, W.dtype
    ((100, 50), dtype('float32'))
    >>> round(float(W.std()), 2)
    0.11

    The estimators select it with ``init="xavier"``.
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

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.initializers import XavierUniform
    >>> W = XavierUniform()(100, 50, np.random.RandomState(0), np.float32)
    >>> W.shape, W.dtype
    ((100, 50), dtype('float32'))
    >>> round(float(W.std()), 2)
    0.12

    The estimators select it with ``init="xavier_uniform"``.
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

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.initializers import Gaussian
    >>> W = Gaussian()(100, 50, np.random.RandomState(0), np.float32)
    >>> W.shape, W.dtype
    ((100, 50), dtype('float32'))
    >>> round(float(W.std()), 2)
    0.01

    The estimators select it with ``init="gaussian"``.
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
    """He (Kaiming) normal: ``N(0, 2 / fan_in)``, suited to ReLU layers (He et al., 2015).

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.initializers import HeNormal
    >>> W = HeNormal()(100, 50, np.random.RandomState(0), np.float32)
    >>> W.shape, W.dtype
    ((100, 50), dtype('float32'))
    >>> round(float(W.std()), 2)
    0.14

    The estimators select it with ``init="he"``.
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
        return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)
