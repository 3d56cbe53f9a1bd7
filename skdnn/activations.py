"""Hidden-layer activation functions.

An activation is any object with two methods:

``forward(Z, xp)``
    Return ``f(Z)``. May overwrite ``Z`` (the network passes a buffer it owns).
``derivative(A, dA, xp)``
    Given the output ``A = f(Z)`` and the gradient ``dA`` with respect to it, return
    the gradient with respect to ``Z``, ``dA * f'(Z)``. May overwrite ``dA``. The
    derivative is written from the output value ``A``, so ``Z`` need not be kept.

and optionally ``forward_with_bias(Z, b, xp)``, returning ``f(Z + b)``, which the network
uses when present so that a fused kernel can add the bias and apply ``f`` in one pass.

``xp`` is the backend's array namespace. The registry instance is :data:`registry`;
third-party activations register through the entry-point group ``skdnn.activations``.
"""

from __future__ import annotations

from typing import Any

from . import _kernels
from ._registry import Registry

__all__ = ["Identity", "Logistic", "Tanh", "ReLU", "registry"]

registry = Registry("activations", required=["forward", "derivative"], param="activation")


def _has_out(xp: Any) -> bool:
    """Whether ``xp`` ufuncs take ``out=`` (NumPy and CuPy), for in-place work."""
    return getattr(xp, "__name__", "") in ("numpy", "cupy")


@registry.register("identity")
class Identity:
    """``f(z) = z``."""

    def forward(self, Z: Any, xp: Any) -> Any:
        """Return ``Z`` unchanged.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        return Z

    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """``f'(z) = 1``: return ``dA`` unchanged.

        Parameters
        ----------
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        return dA


@registry.register("logistic")
class Logistic:
    """The logistic sigmoid ``f(z) = 1 / (1 + exp(-z))``."""

    def forward(self, Z: Any, xp: Any) -> Any:
        """Sigmoid computed as ``(1 + tanh(z / 2)) / 2``, which never overflows.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        Z *= 0.5
        Z = xp.tanh(Z, out=Z) if _has_out(xp) else xp.tanh(Z)
        Z += 1.0
        Z *= 0.5
        return Z

    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """``f'(z) = a (1 - a)``.

        Parameters
        ----------
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        dA *= A
        dA *= 1.0 - A
        return dA


@registry.register("tanh")
class Tanh:
    """The hyperbolic tangent."""

    def forward(self, Z: Any, xp: Any) -> Any:
        """``tanh(Z)``, in place where the namespace allows.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        return xp.tanh(Z, out=Z) if _has_out(xp) else xp.tanh(Z)

    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """``f'(z) = 1 - a**2``.

        Parameters
        ----------
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        dA *= 1.0 - A * A
        return dA


@registry.register("relu")
class ReLU:
    """The rectified linear unit ``f(z) = max(z, 0)``."""

    def forward(self, Z: Any, xp: Any) -> Any:
        """``max(Z, 0)``, in place where the namespace allows.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        if _has_out(xp):
            return xp.maximum(Z, 0, out=Z)
        return xp.where(Z > 0, Z, xp.zeros_like(Z))

    def forward_with_bias(self, Z: Any, b: Any, xp: Any) -> Any:
        """``max(Z + b, 0)`` in one pass where a fused kernel exists.

        Parameters
        ----------
        Z : array of shape (n, k)
            Overwritten.
        b : array of shape (k,)
        xp : module

        Returns
        -------
        array
        """
        fused = _kernels.lookup(xp, "bias_relu")
        if fused is not None and Z.flags.c_contiguous:
            fused(Z, b)
            return Z
        Z += b
        return self.forward(Z, xp)

    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """``f'(z) = 1 where a > 0, else 0``.

        Parameters
        ----------
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        fused = _kernels.lookup(xp, "relu_backward")
        if fused is not None and dA.flags.c_contiguous and A.flags.c_contiguous:
            fused(dA.reshape(-1), A.reshape(-1))
            return dA
        if _has_out(xp):
            return xp.multiply(dA, A > 0, out=dA)
        return xp.where(A > 0, dA, xp.zeros_like(dA))
