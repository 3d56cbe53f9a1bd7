"""The array API backends: any namespace that follows the Python array API standard,
PyTorch's through ``array-api-compat``, and the strict reference implementation.

Public through :mod:`skdnn.backends`, which imports this module and whose registry they
join.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np

from ._base import Backend, registry

__all__ = ["ArrayAPIBackend", "ArrayAPIStrictBackend", "TorchBackend"]


class ArrayAPIBackend(Backend):
    """A backend for any library that follows the Python array API standard.

    Subclasses name the namespace (``module``) and how its arrays reach NumPy. The
    network's math uses only standard functions on it (no ``out=``), so this is the
    path that proves the code portable; it is slower than the NumPy backend.

    Examples
    --------
    A subclass names the namespace's module:

    >>> from skdnn.backends import ArrayAPIBackend
    >>> class StrictAgain(ArrayAPIBackend):
    ...     name = "strict_again"
    ...     module = "array_api_strict"
    >>> backend = StrictAgain()
    >>> backend.name, backend.is_available()  # True where array-api-strict is installed
    ('strict_again', True)
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

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.backends import ArrayAPIStrictBackend
    >>> backend = ArrayAPIStrictBackend()
    >>> backend.name
    'array_api_strict'
    >>> if backend.is_available():
    ...     x = backend.asarray(np.ones((2, 3)), np.float32)
    ...     print(backend.to_numpy(x).shape)
    ... else:
    ...     print((2, 3))
    (2, 3)
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

    Examples
    --------
    >>> from skdnn.backends import TorchBackend
    >>> backend = TorchBackend(device="cpu")
    >>> backend.name, backend.device
    ('torch', 'cpu')
    >>> isinstance(backend.is_available(), bool)  # False without PyTorch
    True
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
        with warnings.catch_warnings():
            # A read-only array (a memmap, joblib's inputs in workers) is shared, not
            # copied: torch warns that writing to it is undefined, and skdnn never
            # writes into its inputs.
            warnings.filterwarnings("ignore", "The given NumPy array is not writable")
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

    def random_generator(self, seed: int) -> Any:
        """A ``torch.Generator`` on the backend's device.

        Parameters
        ----------
        seed : int

        Returns
        -------
        torch.Generator
        """
        torch = importlib.import_module("torch")
        generator = torch.Generator(device=self._device())
        generator.manual_seed(seed)
        return generator

    def uniform(self, generator: Any, shape: tuple, dtype: Any, out: Any = None) -> Any:
        """Uniform draws in [0, 1) on the backend's device.

        Parameters
        ----------
        generator : torch.Generator
        shape : tuple of int
        dtype : torch.dtype
        out : torch.Tensor, optional
            Ignored: a new tensor is returned.

        Returns
        -------
        torch.Tensor
        """
        torch = importlib.import_module("torch")
        return torch.rand(shape, generator=generator, dtype=dtype, device=self._device())
