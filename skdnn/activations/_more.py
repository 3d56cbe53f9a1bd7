"""The smooth and leaky activations: LeakyReLU, GELU, SiLU (swish), SELU, Mish, Softplus.

Public through :mod:`skdnn.activations`, which imports this module and whose registry
they join. LeakyReLU and SELU write their derivative from the output (its sign tells
the branch); GELU, SiLU, Mish and Softplus set ``needs_input`` and write it from the
pre-activation ``Z`` in :meth:`~skdnn.activations.Activation.backward`. Every formula
is written so that no intermediate overflows for huge ``|z|``.
"""

from __future__ import annotations

import math
from typing import Any

from ._base import Activation, registry

__all__ = ["GELU", "SELU", "LeakyReLU", "Mish", "SiLU", "Softplus"]

#: Beyond this ``|z|`` every smooth activation here has saturated to working precision
#: (``tanh(u)`` and the sigmoid are exactly +-1 / 0 / 1 in float64), so the polynomials
#: inside them are evaluated on ``z`` clipped to it: ``z**3`` never overflows.
_CLIP = 40.0


def _clip(Z: Any, xp: Any) -> Any:
    return xp.clip(Z, -_CLIP, _CLIP)


def _sigmoid(Z: Any, xp: Any) -> Any:
    """``1 / (1 + exp(-z))`` as ``(1 + tanh(z / 2)) / 2``, which never overflows."""
    return 0.5 + 0.5 * xp.tanh(0.5 * Z)


def _softplus(Z: Any, xp: Any) -> Any:
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``, which never overflows."""
    return xp.where(Z > 0, Z, xp.zeros_like(Z)) + xp.log1p(xp.exp(-xp.abs(Z)))


class _FromInput(Activation):
    """An activation whose derivative is written from ``Z`` (``needs_input``)."""

    needs_input = True

    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """Not defined from the output alone: use :meth:`backward` with ``Z``.

        Parameters
        ----------
        A, dA : array
        xp : module

        Raises
        ------
        TypeError
            Always.
        """
        raise TypeError(
            f"{type(self).__name__}'s derivative needs the pre-activation Z "
            "(needs_input=True): call backward(Z, A, dA, xp)."
        )


@registry.register("leaky_relu")
class LeakyReLU(Activation):
    """The leaky rectified linear unit ``f(z) = z if z > 0 else negative_slope * z``.

    Parameters
    ----------
    negative_slope : float, default=0.01
        The slope for ``z <= 0``; at least 0 (the derivative is written from the sign
        of the output).

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import LeakyReLU
    >>> LeakyReLU(negative_slope=0.1).forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([-0.2,  0. ,  2. ])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        if not (isinstance(negative_slope, (int, float)) and 0 <= negative_slope < math.inf):
            raise ValueError(
                f"LeakyReLU(negative_slope={negative_slope!r}): the slope must be a finite "
                "number >= 0."
            )
        self.negative_slope = float(negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope!r})"

    def forward(self, Z: Any, xp: Any) -> Any:
        """``where(Z > 0, Z, negative_slope * Z)``.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        return xp.where(Z > 0, Z, self.negative_slope * Z)

    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """``f'(z) = 1 where a > 0, else negative_slope``.

        Parameters
        ----------
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        return xp.where(A > 0, dA, self.negative_slope * dA)


@registry.register("gelu")
class GELU(_FromInput):
    """The Gaussian error linear unit, in its tanh approximation (Hendrycks & Gimpel):

    ``f(z) = z / 2 * (1 + tanh(u))``, ``u = sqrt(2 / pi) * (z + 0.044715 z**3)``.

    It differs from the exact ``z * Phi(z)`` by at most about ``5e-4``; its derivative
    ``(1 + t) / 2 + z / 2 * (1 - t**2) * u'(z)`` (``t = tanh(u)``) is the exact
    derivative of this approximation.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import GELU
    >>> GELU().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([-0.045,  0.   ,  1.955])
    """

    _C = math.sqrt(2.0 / math.pi)
    _K = 0.044715

    def _tanh_u(self, Z: Any, xp: Any) -> tuple[Any, Any]:
        Zc = _clip(Z, xp)
        return xp.tanh(self._C * (Zc + self._K * Zc * Zc * Zc)), Zc

    def forward(self, Z: Any, xp: Any) -> Any:
        """``z / 2 * (1 + tanh(u))``.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        t, _ = self._tanh_u(Z, xp)
        return 0.5 * Z * (1.0 + t)

    def backward(self, Z: Any, A: Any, dA: Any, xp: Any) -> Any:
        """``dA * ((1 + t) / 2 + z / 2 * (1 - t**2) * sqrt(2 / pi) (1 + 3 * 0.044715 z**2))``.

        Parameters
        ----------
        Z : array
            The pre-activation.
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        t, Zc = self._tanh_u(Z, xp)
        du = self._C * (1.0 + 3.0 * self._K * Zc * Zc)
        return dA * (0.5 * (1.0 + t) + 0.5 * Zc * (1.0 - t * t) * du)


@registry.register("silu")
@registry.register("swish")
class SiLU(_FromInput):
    """The sigmoid linear unit (swish) ``f(z) = z * sigmoid(z)``; also named ``"swish"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import SiLU
    >>> SiLU().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([-0.238,  0.   ,  1.762])
    """

    def forward(self, Z: Any, xp: Any) -> Any:
        """``z * sigmoid(z)``.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        return Z * _sigmoid(Z, xp)

    def backward(self, Z: Any, A: Any, dA: Any, xp: Any) -> Any:
        """``dA * s * (1 + z * (1 - s))`` with ``s = sigmoid(z)``.

        Parameters
        ----------
        Z : array
            The pre-activation.
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        s = _sigmoid(Z, xp)
        return dA * (s * (1.0 + _clip(Z, xp) * (1.0 - s)))


@registry.register("selu")
class SELU(Activation):
    """The scaled exponential linear unit (Klambauer et al.):

    ``f(z) = scale * z`` for ``z > 0``, ``scale * alpha * (exp(z) - 1)`` otherwise, with
    the self-normalising constants ``alpha ~ 1.6733`` and ``scale ~ 1.0507``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import SELU
    >>> SELU().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([-1.52 ,  0.   ,  2.101])
    """

    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def forward(self, Z: Any, xp: Any) -> Any:
        """``scale * z`` or ``scale * alpha * expm1(z)``; ``expm1`` sees ``min(z, 0)``.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        negative = xp.where(Z > 0, xp.zeros_like(Z), Z)
        return xp.where(Z > 0, self.scale * Z, (self.scale * self.alpha) * xp.expm1(negative))

    def derivative(self, A: Any, dA: Any, xp: Any) -> Any:
        """``f'(z) = scale`` where ``a > 0``, else ``scale * alpha * exp(z) = a + scale * alpha``.

        Parameters
        ----------
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        return dA * xp.where(A > 0, xp.full_like(A, self.scale), A + self.scale * self.alpha)


@registry.register("mish")
class Mish(_FromInput):
    """Mish (Misra) ``f(z) = z * tanh(softplus(z))``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import Mish
    >>> Mish().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([-0.253,  0.   ,  1.944])
    """

    def forward(self, Z: Any, xp: Any) -> Any:
        """``z * tanh(softplus(z))``.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        return Z * xp.tanh(_softplus(Z, xp))

    def backward(self, Z: Any, A: Any, dA: Any, xp: Any) -> Any:
        """``dA * (t + z * (1 - t**2) * sigmoid(z))`` with ``t = tanh(softplus(z))``.

        Parameters
        ----------
        Z : array
            The pre-activation.
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        t = xp.tanh(_softplus(Z, xp))
        return dA * (t + _clip(Z, xp) * (1.0 - t * t) * _sigmoid(Z, xp))


@registry.register("softplus")
class Softplus(_FromInput):
    """``f(z) = log(1 + exp(z))``, a smooth ReLU.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import Softplus
    >>> Softplus().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([0.127, 0.693, 2.127])
    """

    def forward(self, Z: Any, xp: Any) -> Any:
        """``max(z, 0) + log1p(exp(-|z|))``.

        Parameters
        ----------
        Z : array
        xp : module

        Returns
        -------
        array
        """
        return _softplus(Z, xp)

    def backward(self, Z: Any, A: Any, dA: Any, xp: Any) -> Any:
        """``dA * sigmoid(z)``.

        Parameters
        ----------
        Z : array
            The pre-activation.
        A, dA : array
        xp : module

        Returns
        -------
        array
        """
        return dA * _sigmoid(Z, xp)
