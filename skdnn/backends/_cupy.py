"""The CuPy backend: NumPy's API on an NVIDIA GPU.

Public through :mod:`skdnn.backends`, which imports this module and whose registry it
joins.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ._base import Backend, registry

__all__ = ["CupyBackend"]


@registry.register("cupy")
class CupyBackend(Backend):
    """CuPy on an NVIDIA GPU (install with ``pip install 'skdnn[gpu]'``).

    Data is copied to the device once per fit; fitted attributes are copied back to
    the host, so the model pickles and predicts where CuPy is missing.

    Examples
    --------
    >>> from skdnn.backends import CupyBackend
    >>> backend = CupyBackend()
    >>> backend.name
    'cupy'
    >>> isinstance(backend.is_available(), bool)  # False without CuPy or a CUDA device
    True
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

    def random_generator(self, seed: int) -> Any:
        """A CuPy generator, drawing on the device.

        Parameters
        ----------
        seed : int

        Returns
        -------
        cupy.random.Generator
        """
        return self.xp.random.default_rng(seed)

    def uniform(self, generator: Any, shape: tuple, dtype: Any, out: Any = None) -> Any:
        """Uniform draws in [0, 1) on the device, into ``out`` when given.

        Parameters
        ----------
        generator : cupy.random.Generator
        shape : tuple of int
        dtype : dtype
        out : cupy.ndarray, optional

        Returns
        -------
        cupy.ndarray
        """
        return generator.random(shape, dtype=dtype, out=out)
