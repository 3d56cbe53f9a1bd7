"""Array backends: where the network's arrays live and how they get there.

A backend is any object with these attributes:

``name`` : str
    Short name, used in messages.
``xp`` : module
    The array namespace the network's math is written against (``numpy``, ``cupy``...).
``is_available()`` -> bool
    Whether the library imports and, for a device backend, a device answers.
``unavailable_reason()`` -> str
    What is missing and what to install, when ``is_available()`` is False.
``asarray(x, dtype)``
    Host (NumPy) data -> a backend array of ``dtype``. Makes no copy when ``x`` already
    has the right type, dtype and layout.
``to_numpy(x)``
    Backend array -> host ``numpy.ndarray``.
``take_rows(X, idx, out=None)``
    Gather rows ``idx`` of ``X`` (as returned by ``asarray``) into a dense array,
    writing into ``out`` when the backend can.
``matmul(a, b, out=None)``
    Matrix product, written into ``out`` when the backend can. Callers always use the
    return value, so a backend without ``out=`` support simply ignores it.
``supports_sparse`` : bool
    Whether ``asarray`` and ``take_rows`` accept SciPy sparse matrices.
``empty(shape, dtype)``, optional
    An uninitialised backend array (on the backend's device); without it the network
    calls ``xp.empty``.
``fits(X)`` -> bool, optional
    Whether the host array ``X`` fits in the backend's memory. When it does not, the
    training rows stay on the host and each minibatch is moved on its own. Without it,
    X is always moved whole.
``owns(x)`` -> bool, optional
    Whether ``x`` is already this backend's own array (a CuPy array, a tensor). Such
    input is used where it lives, without a trip through the host, and ``predict*``
    answer with arrays of the same kind. Without it, all input is host data.
``supports_out`` : bool, optional
    Whether ``matmul`` and ``take_rows`` really write into ``out=`` (and reshaping a
    contiguous slice gives a view), so the network may keep its parameters in flat
    buffers. False when absent.

The registry instance is :data:`registry`; third-party backends register through the
entry-point group ``skdnn.backends``.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._registry import Registry

__all__ = [
    "ArrayAPIBackend",
    "ArrayAPIStrictBackend",
    "CupyBackend",
    "NumpyBackend",
    "TorchBackend",
    "registry",
]

registry = Registry(
    "backends",
    required=["name", "xp", "is_available", "asarray", "to_numpy", "take_rows", "matmul"],
    param="backend",
)


@registry.register("numpy")
class NumpyBackend:
    """NumPy on the CPU, with SciPy CSR/CSC input.

    Matrix products go to the BLAS NumPy was built with (OpenBLAS in the wheels), which
    uses every core allowed by ``threadpoolctl``.
    """

    name = "numpy"
    supports_sparse = True
    supports_out = True
    xp = np

    def is_available(self) -> bool:
        """NumPy is always available.

        Returns
        -------
        bool
        """
        return True

    def unavailable_reason(self) -> str:
        """Nothing is ever missing.

        Returns
        -------
        str
        """
        return ""

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


class _ImportedBackend:
    """Shared part of the backends whose library may be missing."""

    def unavailable_reason(self) -> str:  # pragma: no cover - overridden
        """What is missing, or ``""``.

        Returns
        -------
        str
        """
        raise NotImplementedError

    def is_available(self) -> bool:
        """Whether the library imports (and, for a device backend, a device answers).

        Returns
        -------
        bool
        """
        return self.unavailable_reason() == ""


@registry.register("cupy")
class CupyBackend(_ImportedBackend):
    """CuPy on an NVIDIA GPU (install with ``pip install 'skdnn[gpu]'``).

    Data is copied to the device once per fit; fitted attributes are copied back to
    the host, so the model pickles and predicts where CuPy is missing.
    """

    name = "cupy"
    supports_sparse = False
    supports_out = True

    @property
    def xp(self) -> Any:
        """The ``cupy`` module (imported on first use).

        Returns
        -------
        module
        """
        return importlib.import_module("cupy")

    def unavailable_reason(self) -> str:
        """What is missing for this backend to run, or ``""``.

        Returns
        -------
        str
        """
        try:
            cupy = importlib.import_module("cupy")
        except Exception as exc:  # ImportError, or a broken CUDA install
            return (
                f"CuPy cannot be imported ({type(exc).__name__}: {exc}). Install it for "
                "your CUDA version, e.g. `pip install cupy-cuda12x` (or "
                "`pip install 'skdnn[gpu]'`), or use backend='numpy'."
            )
        try:
            n = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:
            return (
                f"CuPy is installed but no CUDA device answers ({type(exc).__name__}: "
                f"{exc}). Check the NVIDIA driver, or use backend='numpy'."
            )
        if n < 1:
            return "CuPy is installed but finds no CUDA device. Use backend='numpy'."
        return ""

    def fits(self, X: Any) -> bool:  # pragma: no cover - needs a CUDA device
        """Whether ``X`` takes at most half of the device's free memory.

        Parameters
        ----------
        X : ndarray

        Returns
        -------
        bool
        """
        free, _ = self.xp.cuda.runtime.memGetInfo()
        return X.nbytes <= free // 2

    def owns(self, x: Any) -> bool:
        """Whether ``x`` is a CuPy array (checked without importing CuPy).

        Parameters
        ----------
        x : object

        Returns
        -------
        bool
        """
        return type(x).__module__.startswith("cupy")

    def asarray(self, x: Any, dtype: Any) -> Any:
        """Copy host data to the device as a C-contiguous array of ``dtype``.

        Parameters
        ----------
        x : array-like
        dtype : dtype

        Returns
        -------
        cupy.ndarray
        """
        return self.xp.ascontiguousarray(self.xp.asarray(x, dtype=dtype))

    def to_numpy(self, x: Any) -> np.ndarray:
        """Copy a device array to the host.

        Parameters
        ----------
        x : cupy.ndarray

        Returns
        -------
        ndarray
        """
        return self.xp.asnumpy(x)

    def take_rows(self, X: Any, idx: Any, out: Any = None) -> Any:
        """Gather rows ``idx`` of the device array ``X``.

        Parameters
        ----------
        X : cupy.ndarray
        idx : array of int or slice
        out : cupy.ndarray, optional

        Returns
        -------
        cupy.ndarray
        """
        if isinstance(idx, slice):
            return X[idx]
        return self.xp.take(X, idx, axis=0, out=out)

    def matmul(self, a: Any, b: Any, out: Any = None) -> Any:
        """``a @ b`` on the device, into ``out`` when given.

        Parameters
        ----------
        a, b : cupy.ndarray
        out : cupy.ndarray, optional

        Returns
        -------
        cupy.ndarray
        """
        return self.xp.matmul(a, b, out=out)


class ArrayAPIBackend(_ImportedBackend):
    """A backend for any library that follows the Python array API standard.

    Subclasses name the namespace (``module``) and how its arrays reach NumPy. The
    network's math uses only standard functions on it (no ``out=``), so this is the
    path that proves the code portable; it is slower than the NumPy backend.
    """

    name = "array_api"
    supports_sparse = False
    module = ""
    install_hint = ""

    @property
    def xp(self) -> Any:
        """The array namespace (imported on first use).

        Returns
        -------
        module
        """
        return importlib.import_module(self.module)

    def unavailable_reason(self) -> str:
        """What is missing for this backend to run, or ``""``.

        Returns
        -------
        str
        """
        try:
            importlib.import_module(self.module)
        except Exception as exc:
            return (
                f"{self.module} cannot be imported ({type(exc).__name__}: {exc}). "
                f"{self.install_hint}"
            )
        return ""

    def _dtype(self, dtype: Any) -> Any:
        if not isinstance(dtype, (type, np.dtype, str)):
            return dtype  # already the namespace's dtype
        return getattr(self.xp, np.dtype(dtype).name)

    array_type = ""

    def owns(self, x: Any) -> bool:
        """Whether ``x`` is this namespace's array (checked by type name, no import).

        Parameters
        ----------
        x : object

        Returns
        -------
        bool
        """
        t = type(x)
        return f"{t.__module__}.{t.__qualname__}" == self.array_type

    def asarray(self, x: Any, dtype: Any) -> Any:
        """Host data as a backend array of ``dtype``.

        Parameters
        ----------
        x : array-like
        dtype : dtype
            A NumPy dtype, mapped to the namespace's dtype of the same name.

        Returns
        -------
        array
        """
        if self.owns(x):
            return self.xp.astype(x, self._dtype(dtype), copy=False)
        return self.xp.asarray(np.ascontiguousarray(x), dtype=self._dtype(dtype))

    def to_numpy(self, x: Any) -> np.ndarray:
        """A backend array as a host NumPy array (through DLPack).

        Parameters
        ----------
        x : array

        Returns
        -------
        ndarray
        """
        return np.from_dlpack(x)

    def empty(self, shape: tuple, dtype: Any) -> Any:
        """An uninitialised array.

        Parameters
        ----------
        shape : tuple of int
        dtype : dtype of the namespace

        Returns
        -------
        array
        """
        return self.xp.empty(shape, dtype=dtype)

    def take_rows(self, X: Any, idx: Any, out: Any = None) -> Any:
        """Rows ``idx`` (an integer array or a slice) of ``X``; ``out`` is ignored.

        Parameters
        ----------
        X : array of shape (n, ...)
        idx : integer array or slice
        out : ignored

        Returns
        -------
        array
        """
        if isinstance(idx, slice):
            return X[idx, ...]
        return self.xp.take(X, idx, axis=0)

    def matmul(self, a: Any, b: Any, out: Any = None) -> Any:
        """``a @ b``; ``out`` is ignored (the standard has no ``out=``).

        Parameters
        ----------
        a, b : array
        out : ignored

        Returns
        -------
        array
        """
        return self.xp.matmul(a, b)


@registry.register("array_api_strict")
class ArrayAPIStrictBackend(ArrayAPIBackend):
    """The reference implementation of the array API standard (``array-api-strict``).

    A correctness tool, not a fast one: it rejects every call outside the standard, so
    the estimator's tests run on it catch what a GPU library would reject.
    """

    name = "array_api_strict"
    module = "array_api_strict"
    array_type = "array_api_strict._array_object.Array"
    install_hint = "Install it with `pip install array-api-strict`."


@registry.register("torch")
class TorchBackend(ArrayAPIBackend):
    """PyTorch tensors, through ``array-api-compat``, on the CPU or a CUDA device.

    Parameters
    ----------
    device : str or None, default=None
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``...; None takes CUDA when it is available,
        else the CPU.
    """

    name = "torch"
    module = "array_api_compat.torch"
    array_type = "torch.Tensor"
    install_hint = (
        "Install PyTorch and array-api-compat (`pip install torch array-api-compat`), or "
        "use backend='numpy'."
    )

    def __init__(self, device: str | None = None) -> None:
        self.device = device

    def _device(self) -> Any:
        if self.device is not None:
            return self.device
        torch = importlib.import_module("torch")
        return "cuda" if torch.cuda.is_available() else "cpu"

    def unavailable_reason(self) -> str:
        """What is missing for this backend to run, or ``""``.

        Returns
        -------
        str
        """
        reason = super().unavailable_reason()
        if reason or self.device is None or not str(self.device).startswith("cuda"):
            return reason
        if not importlib.import_module("torch").cuda.is_available():
            return f"device={self.device!r} was asked for but PyTorch sees no CUDA device."
        return ""

    def asarray(self, x: Any, dtype: Any) -> Any:
        """Host data as a tensor of ``dtype`` on the backend's device.

        Parameters
        ----------
        x : array-like
        dtype : dtype

        Returns
        -------
        torch.Tensor
        """
        if self.owns(x):  # a tensor stays where it is; only its dtype may change
            return self.xp.astype(x, self._dtype(dtype), copy=False)
        return self.xp.asarray(
            np.ascontiguousarray(x), dtype=self._dtype(dtype), device=self._device()
        )

    def to_numpy(self, x: Any) -> np.ndarray:
        """A tensor as a host NumPy array.

        Parameters
        ----------
        x : torch.Tensor

        Returns
        -------
        ndarray
        """
        return x.detach().cpu().numpy()

    def empty(self, shape: tuple, dtype: Any) -> Any:
        """An uninitialised tensor on the backend's device.

        Parameters
        ----------
        shape : tuple of int
        dtype : torch.dtype

        Returns
        -------
        torch.Tensor
        """
        return self.xp.empty(shape, dtype=dtype, device=self._device())
