"""The backend protocol (:class:`Backend`), the registry instance, and the built-in
:class:`NumpyBackend`.

Public through :mod:`skdnn.backends`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from .._registry import Registry

__all__ = ["Backend", "NumpyBackend", "registry"]


class Backend(ABC):
    """The backend protocol: an array namespace, and the trips to and from the host.

    Subclass it, or pass any object with the required attributes (the registry then
    supplies the defaults of the optional ones).

    Attributes
    ----------
    required : tuple of str
        The names a plugin must have: ``name``, ``xp``, ``is_available``,
        ``asarray``, ``to_numpy``, ``take_rows``, ``matmul``.
    supports_sparse : bool, default=False
        Whether :meth:`asarray` and :meth:`take_rows` accept SciPy sparse matrices.
    supports_out : bool, default=False
        Whether :meth:`matmul` and :meth:`take_rows` really write into ``out=`` (and
        reshaping a contiguous slice gives a view), so the network may keep its
        parameters in flat buffers.

    Examples
    --------
    The NumPy backend follows the protocol:

    >>> import numpy as np
    >>> from skdnn.backends import NumpyBackend
    >>> backend = NumpyBackend()
    >>> backend.name, backend.is_available()
    ('numpy', True)
    >>> X = backend.asarray([[1, 2], [3, 4], [5, 6]], np.float32)
    >>> backend.take_rows(X, np.array([2, 0]))
    array([[5., 6.],
           [1., 2.]], dtype=float32)
    >>> type(backend.to_numpy(X)).__name__
    'ndarray'
    """

    required: ClassVar[tuple[str, ...]] = (
        "name",
        "xp",
        "is_available",
        "asarray",
        "to_numpy",
        "take_rows",
        "matmul",
    )
    supports_sparse: bool = False
    supports_out: bool = False

    @property
    @abstractmethod
    def name(self) -> str:
        """Short name, used in messages (a subclass sets a class attribute).

        Returns
        -------
        str

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.name
        'numpy'
        """

    @property
    @abstractmethod
    def xp(self) -> Any:
        """The array namespace the network's math is written against.

        ``numpy``, ``cupy``...; a subclass may set a class attribute instead.

        Returns
        -------
        module

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.xp is np
        True
        """

    def unavailable_reason(self) -> str:
        """What is missing (and what to install), or ``""``; by default ``""``.

        Returns
        -------
        str

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.unavailable_reason()
        ''
        """
        return ""

    def is_available(self) -> bool:
        """Whether the library imports and, for a device backend, a device answers.

        By default, whether :meth:`unavailable_reason` is ``""``.

        Returns
        -------
        bool

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.is_available()
        True
        """
        return self.unavailable_reason() == ""

    @abstractmethod
    def asarray(self, x: Any, dtype: Any) -> Any:
        """Host (NumPy) data as a backend array of ``dtype``.

        Makes no copy when ``x`` already has the right type, dtype and layout.

        Parameters
        ----------
        x : array-like
        dtype : dtype

        Returns
        -------
        array

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.asarray([[1, 2]], np.float32)
        array([[1., 2.]], dtype=float32)
        """

    @abstractmethod
    def to_numpy(self, x: Any) -> np.ndarray:
        """A backend array as a host ``numpy.ndarray``.

        Parameters
        ----------
        x : array

        Returns
        -------
        ndarray

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.to_numpy(backend.asarray([1, 2], np.float64))
        array([1., 2.])
        """

    @abstractmethod
    def take_rows(self, X: Any, idx: Any, out: Any = None) -> Any:
        """Rows ``idx`` of ``X`` (as returned by :meth:`asarray`) as a dense array.

        Parameters
        ----------
        X : array of shape (n, n_features)
        idx : integer array or slice
        out : array, optional
            Written into when the backend can.

        Returns
        -------
        array of shape (len(idx), n_features)

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> X = np.arange(6.0).reshape(3, 2)
        >>> backend.take_rows(X, np.array([2, 0]))
        array([[4., 5.],
               [0., 1.]])
        """

    @abstractmethod
    def matmul(self, a: Any, b: Any, out: Any = None) -> Any:
        """``a @ b``, written into ``out`` when the backend can.

        Callers always use the return value, so a backend without ``out=`` support
        simply ignores it.

        Parameters
        ----------
        a, b : array
        out : array, optional

        Returns
        -------
        array

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> out = np.empty((1, 1))
        >>> backend.matmul(np.ones((1, 2)), np.ones((2, 1)), out=out) is out
        True
        >>> out
        array([[2.]])
        """

    def empty(self, shape: tuple, dtype: Any) -> Any:
        """An uninitialised backend array; by default ``xp.empty(shape, dtype=dtype)``.

        A backend with a device (or a default device of its own) overrides it.

        Parameters
        ----------
        shape : tuple of int
        dtype : dtype of the namespace

        Returns
        -------
        array

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.empty((2, 3), np.float32).shape
        (2, 3)
        """
        return self.xp.empty(shape, dtype=dtype)

    def fits(self, X: Any) -> bool:
        """Whether the host array ``X`` fits in the backend's memory; by default True.

        When it does not, the training rows stay on the host and each minibatch is
        moved on its own.

        Parameters
        ----------
        X : ndarray

        Returns
        -------
        bool

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.fits(np.zeros((10, 10)))
        True
        """
        return True

    def owns(self, x: Any) -> bool:
        """Whether ``x`` is already this backend's own array; by default False.

        Such input (a CuPy array, a tensor) is used where it lives, without a trip
        through the host, and ``predict*`` answer with arrays of the same kind.

        Parameters
        ----------
        x : object

        Returns
        -------
        bool

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> backend.owns(np.zeros(2))  # host input: validated on the host as usual
        False
        """
        return False

    def random_generator(self, seed: int) -> Any:
        """A random generator for :meth:`uniform`; by default a host NumPy ``Generator``.

        A device backend returns one that draws on the device.

        Parameters
        ----------
        seed : int
            Drawn from the fit's host random stream, so a seed gives the same draws.

        Returns
        -------
        object

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> g = backend.random_generator(0)
        >>> backend.uniform(g, (2,), np.float64).shape
        (2,)
        """
        return np.random.default_rng(seed)

    def uniform(self, generator: Any, shape: tuple, dtype: Any, out: Any = None) -> Any:
        """Uniform draws in [0, 1) (dropout masks); by default on the host, then copied.

        Parameters
        ----------
        generator : object
            From :meth:`random_generator`.
        shape : tuple of int
        dtype : dtype of the namespace
        out : array, optional
            A buffer the draws may be written into.

        Returns
        -------
        array of shape ``shape``

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.backends import NumpyBackend
        >>> backend = NumpyBackend()
        >>> U = backend.uniform(backend.random_generator(0), (1000,), np.float32)
        >>> U.dtype, bool(U.min() >= 0.0), bool(U.max() < 1.0)
        (dtype('float32'), True, True)
        """
        host = np.dtype(str(dtype).rsplit(".", 1)[-1])
        return self.asarray(generator.random(shape, dtype=host), dtype)


#: The backends by name: what ``backend=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.backends`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Backend` for a name). See :class:`skdnn._registry.Registry`.
registry = Registry("backends", param="backend", base=Backend)


@registry.register("numpy")
class NumpyBackend(Backend):
    """NumPy on the CPU, with SciPy CSR/CSC input.

    Matrix products go to the BLAS NumPy was built with (OpenBLAS in the wheels), which
    uses every core allowed by ``threadpoolctl``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.backends import NumpyBackend
    >>> backend = NumpyBackend()
    >>> a = backend.asarray(np.eye(2), np.float32)
    >>> backend.matmul(a, a).dtype
    dtype('float32')
    """

    name = "numpy"
    supports_sparse = True
    supports_out = True
    xp = np

    def asarray(self, x: Any, dtype: Any) -> Any:
        """``x`` as a C-contiguous array (or CSR matrix) of ``dtype``; copies only if needed.

        Parameters
        ----------
        x : array-like or sparse matrix
        dtype : dtype

        Returns
        -------
        ndarray or scipy.sparse.csr_matrix
        """
        if sp.issparse(x):
            return x.tocsr().astype(dtype, copy=False)
        return np.ascontiguousarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        """Return ``x`` as a NumPy array (no copy for NumPy input).

        Parameters
        ----------
        x : array-like

        Returns
        -------
        ndarray
        """
        return np.asarray(x)

    def take_rows(self, X: Any, idx: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Gather rows of ``X`` into a dense array (densifying sparse rows).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        idx : ndarray of int or slice
            Rows to gather; a slice of a dense array gives a view (no copy).
        out : ndarray of shape (len(idx), n_features), optional

        Returns
        -------
        ndarray of shape (len(idx), n_features)
        """
        if isinstance(idx, slice):
            return X[idx].toarray() if sp.issparse(X) else X[idx]
        if sp.issparse(X):
            dense = X[idx].toarray()
            if out is None:
                return dense
            out[...] = dense
            return out
        # mode="clip": the indices come from a permutation, so never out of range, and
        # the default mode="raise" copies through a temporary buffer when out= is given.
        return np.take(X, idx, axis=0, out=out, mode="clip")

    def matmul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``a @ b``, into ``out`` when given.

        Parameters
        ----------
        a, b : ndarray
        out : ndarray, optional

        Returns
        -------
        ndarray
        """
        return np.matmul(a, b, out=out)

    def uniform(
        self, generator: np.random.Generator, shape: tuple, dtype: Any, out: Any = None
    ) -> np.ndarray:
        """Uniform draws in [0, 1), written into ``out`` when given (no allocation).

        Parameters
        ----------
        generator : numpy.random.Generator
        shape : tuple of int
        dtype : dtype
        out : ndarray, optional

        Returns
        -------
        ndarray
        """
        return generator.random(shape, dtype=dtype, out=out)
