"""What the feature embeddings share: settings as parameters, scratch arrays, and the
per-feature linear map with its ReLU.

The map runs as one batched matrix product over a leading feature axis,
``(n_features, n, width) @ (n_features, width, d_embedding)``, and its output is
flattened feature-major to ``(n, n_features * d_embedding)``. On NumPy it writes into
scratch arrays kept across training batches, straight into the output's layout, and
fuses the bias and the ReLU; on other namespaces it is plain array-API code.
"""

from __future__ import annotations

import inspect
import math
from numbers import Integral
from typing import Any

import numpy as np

from .. import _kernels
from ._base import Layer

__all__ = ["Embedding", "check_int", "flatten", "permute", "swap_last"]


def permute(x: Any, axes: tuple, xp: Any) -> Any:
    """``xp.permute_dims`` (the array API), or ``transpose`` on NumPy before 2.0."""
    permute = getattr(xp, "permute_dims", None)
    return permute(x, axes) if permute is not None else xp.transpose(x, axes)


def swap_last(x: Any, xp: Any) -> Any:
    """The last two axes of a 3-D array swapped (a batch of transposes)."""
    return permute(x, (0, 2, 1), xp)


def check_int(name: str, value: Any, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")


class Embedding(Layer):
    """What both embeddings share: settings as parameters, the per-feature linear map.

    Settings are the constructor's arguments, read back by :meth:`get_params`, so an
    embedding passed as ``feature_embedding`` takes part in scikit-learn's
    ``get_params``/``set_params`` (``feature_embedding__d_embedding``) and ``clone``.
    Bound arrays and buffers are dropped when pickled; fitted host state is kept.
    """

    _transient = ("params", "grads", "backend", "_const", "_keep", "_scratch_arrays", "_capacity")

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """The embedding's settings (its constructor's arguments).

        Parameters
        ----------
        deep : bool, default=True
            Ignored (no setting is itself an estimator).

        Returns
        -------
        dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Embedding:
        """Change settings; takes effect at the next fit.

        Parameters
        ----------
        **params
            Settings by name.

        Returns
        -------
        self
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; valid "
                    f"parameters are {valid}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        changed = [
            f"{name}={getattr(self, name)!r}"
            for name, p in sig.parameters.items()
            if name != "self" and getattr(self, name) != p.default
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._transient}

    # ---- per-feature scratch arrays (NumPy: reused across training batches)

    def allocate(self, batch_size: int) -> None:
        """Size the scratch arrays of training passes for ``batch_size`` rows.

        Parameters
        ----------
        batch_size : int
        """
        self._capacity, self._scratch_arrays = batch_size, {}

    def _fast(self) -> bool:
        """Whether to compute in place, into scratch arrays (NumPy, which takes ``out=``)."""
        return getattr(self.backend.xp, "__name__", "") == "numpy"

    def _scratch(self, name: str, shape: tuple, axis: int, training: bool) -> np.ndarray:
        """An uninitialised NumPy array of ``shape``, whose ``axis`` is the batch axis:
        a view of a kept array in a training pass, else a new one."""
        dtype = self.params[0].dtype if self.params else self._tables[0].dtype
        if not training:
            return np.empty(shape, dtype=dtype)
        n = shape[axis]
        cap = max(n, getattr(self, "_capacity", 0))
        kept = getattr(self, "_scratch_arrays", None)
        if kept is None or cap > self._capacity:
            self.allocate(cap)
            kept = self._scratch_arrays
        full = (*shape[:axis], cap, *shape[axis + 1 :])
        if name not in kept or kept[name].shape != full or kept[name].dtype != dtype:
            kept[name] = np.empty(full, dtype=dtype)
        index = (slice(None),) * axis + (slice(0, n),)
        return kept[name][index]

    # ---- per-feature linear map + ReLU: (F, n, w) @ (F, w, d) + b -> (n, F * d)

    def _linear_params(self, n_features: int, width: int, rng: Any, dtype: Any) -> list:
        """Weights and biases uniform in ``+-1/sqrt(width)`` (PyTorch's ``Linear``)."""
        bound = 1.0 / math.sqrt(width)
        shape = (width, self.d_embedding) if self.lite else (n_features, width, self.d_embedding)
        W = rng.uniform(-bound, bound, size=shape)
        b = rng.uniform(-bound, bound, size=shape[:-2] + (self.d_embedding,))
        return [W.astype(dtype), b.astype(dtype)]

    def _linear_relu(self, E: Any, W: Any, b: Any, training: bool) -> tuple:
        """``relu(E @ W + b)`` of ``E`` (F, n, w): ``A`` (F, n, d) and the output, a
        feature-major ``(n, F * d)`` (on NumPy, ``A`` is a view of the output)."""
        xp = self.backend.xp
        n_features, n, _ = E.shape
        d = self.d_embedding
        if not self._fast():
            bias = b[None, None, :] if self.lite else b[:, None, :]
            Z = xp.matmul(E, W) + bias
            A = xp.where(Z > 0, Z, xp.zeros_like(Z))
            return A, flatten(A, n, xp)
        Y = self._scratch("Y", (n, n_features * d), 0, training)
        A = Y.reshape(n, n_features, d).transpose(1, 0, 2)
        np.matmul(E, W, out=A)  # straight into the output's layout
        bias = np.tile(b, n_features) if self.lite else b.reshape(-1)
        fused = _kernels.lookup(np, "bias_relu")
        if fused is not None:
            fused(Y, bias)
        else:
            Y += bias
            np.maximum(Y, 0, out=Y)
        return A, Y

    def _linear_backward(self, E: Any, A: Any, dY: Any, W: Any, grads: list, dE: bool) -> Any:
        """Write ``dW``, ``db`` into ``grads``; return ``dE`` (F, n, w) when asked."""
        xp = self.backend.xp
        n_features, n, d = A.shape
        if self._fast():
            dZ = self._scratch("dZ", (n, n_features * d), 0, True)
            np.multiply(dY, A.transpose(1, 0, 2).reshape(n, -1) > 0, out=dZ)
            db = np.sum(dZ, axis=0).reshape(n_features, d)
            dZ = dZ.reshape(n, n_features, d).transpose(1, 0, 2)
        else:
            dA = permute(xp.reshape(dY, (n, n_features, d)), (1, 0, 2), xp)
            dZ = xp.where(A > 0, dA, xp.zeros_like(dA))
            db = xp.sum(dZ, axis=1)
        dW = xp.matmul(swap_last(E, xp), dZ)
        if self.lite:
            grads[0][...] = xp.sum(dW, axis=0)
            grads[1][...] = xp.sum(db, axis=0)
        else:
            grads[0][...] = dW
            grads[1][...] = db
        if not dE:
            return None
        WT = W.T if self.lite else swap_last(W, xp)
        if self._fast():
            return np.matmul(dZ, WT, out=self._scratch("dE", E.shape, 1, True))
        return xp.matmul(dZ, WT)


def flatten(A: Any, n: int, xp: Any) -> Any:
    """``(F, n, d)`` -> ``(n, F * d)``, feature-major."""
    n_features, _, d = A.shape
    return xp.reshape(permute(A, (1, 0, 2), xp), (n, n_features * d))
