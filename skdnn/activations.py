"""Hidden-layer activation functions.

:class:`Activation` is the protocol (documented there); :class:`Identity`,
:class:`Logistic`, :class:`Tanh` and :class:`ReLU` are the built-ins. The registry
instance is :data:`registry`; third-party activations register through the
entry-point group ``skdnn.activations``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from . import _kernels
from ._registry import Registry

__all__ = ["Activation", "Identity", "Logistic", "Tanh", "ReLU", "registry"]


class Activation(ABC):
    """The activation protocol: ``f`` applied elementwise, and its derivative.

    ``xp`` is always the backend's array namespace. Subclass it, or pass any object
    with ``forward`` and ``derivative`` methods (the registry then supplies
    :meth:`forward_with_bias`).

    Attributes
    ----------
    required : tuple of str
        The names a plugin must have: ``("forward", "derivative")``.
    """

    required: ClassVar[tuple[str, ...]] = ("forward", "derivative")

    @abstractmethod
    def forward(self, Z: Any, xp: Any) -> Any:
        """Return ``f(Z)``.

        Parameters
        ----------
        Z : array of shape (n, k)
            May be overwritten (the network passes a buffer it owns).
        xp : module

        Returns
        -------
        array of shape (n, k)
        """

    @abstractmethod
    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """The gradient with respect to ``Z``, ``dA * f'(Z)``, written from ``A = f(Z)``.

        Written from the output value ``A`` so that ``Z`` need not be kept.

        Parameters
        ----------
        A : array of shape (n, k)
            The output ``f(Z)``.
        dA : array of shape (n, k)
            The gradient with respect to ``A``. May be overwritten.
        xp : module

        Returns
        -------
        array of shape (n, k)
        """

    def forward_with_bias(self, Z: Any, b: Any, xp: Any) -> Any:
        """Return ``f(Z + b)``: by default ``Z += b`` then :meth:`forward`.

        The network calls this for every hidden layer, so that an activation with a
        fused kernel can add the bias and apply ``f`` in one pass.

        Parameters
        ----------
        Z : array of shape (n, k)
            Overwritten.
        b : array of shape (k,)
        xp : module

        Returns
        -------
        array of shape (n, k)
        """
        Z += b
        return self.forward(Z, xp)


registry = Registry("activations", param="activation", base=Activation)


def _has_out(xp: Any) -> bool:
    """Whether ``xp`` ufuncs take ``out=`` (NumPy and CuPy), for in-place work."""
    return getattr(xp, "__name__", "") in ("numpy", "cupy")


@registry.register("identity")
class Identity(Activation):
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
class Logistic(Activation):
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
class Tanh(Activation):
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
class ReLU(Activation):
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
        return super().forward_with_bias(Z, b, xp)

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
