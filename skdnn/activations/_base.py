"""The activation protocol (:class:`Activation`), the registry instance, and the
built-ins :class:`Identity`, :class:`Logistic`, :class:`Tanh` and :class:`ReLU`.

Public through :mod:`skdnn.activations`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from .. import _dropout, _kernels
from .._registry import Registry
from .._utils import has_out

__all__ = ["Activation", "Identity", "Logistic", "ReLU", "Tanh", "registry"]


class Activation(ABC):
    """The activation protocol: ``f`` applied elementwise, and its derivative.

    ``xp`` is always the backend's array namespace. Subclass it, or pass any object
    with ``forward`` and ``derivative`` methods (the registry then supplies
    :meth:`forward_with_bias`, :meth:`backward` and ``needs_input = False``).

    The network calls :meth:`forward_with_bias` in the forward pass and
    :meth:`backward` in the backward pass, for every hidden layer, unconditionally.
    By default :meth:`backward` is :meth:`derivative`, written from the output
    ``A = f(Z)`` so that ``Z`` need not be kept. An activation whose derivative is not
    a clean function of its output (GELU, SiLU, Mish, Softplus) sets ``needs_input =
    True`` and overrides :meth:`backward`, which then receives the pre-activation
    ``Z``; the network keeps ``Z`` (in a buffer allocated once per fit) only for such
    layers.

    Attributes
    ----------
    required : tuple of str
        The names a plugin must have: ``("forward", "derivative")``.
    needs_input : bool, default=False
        Whether :meth:`backward` needs the pre-activation ``Z``; when False it gets
        ``Z=None``.

    Examples
    --------
    An activation whose derivative is written from its output: ``f(z) = z`` for
    positive ``z``, ``0.1 z`` otherwise, so ``f'`` is 1 where the output is positive.

    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skdnn import DNNClassifier
    >>> from skdnn.activations import Activation
    >>> class BentReLU(Activation):
    ...     def forward(self, Z, xp):
    ...         return xp.where(Z > 0, Z, 0.1 * Z)
    ...     def derivative(self, A, dA, xp):
    ...         return xp.where(A > 0, dA, 0.1 * dA)
    >>> BentReLU().forward(np.array([-1.0, 2.0]), np)
    array([-0.1,  2. ])
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DNNClassifier(hidden_layer_sizes=(8,), activation=BentReLU(),
    ...                     learning_rate_init=0.05, max_iter=300, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    required: ClassVar[tuple[str, ...]] = ("forward", "derivative")
    needs_input: ClassVar[bool] = False

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

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.activations import Tanh
        >>> Tanh().forward(np.array([[0.0, 1.0]]), np).round(4)
        array([[0.    , 0.7616]])
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

        Examples
        --------
        The logistic function's derivative from its output, ``A (1 - A)``:

        >>> import numpy as np
        >>> from skdnn.activations import Logistic
        >>> A = Logistic().forward(np.array([[0.0]]), np)
        >>> Logistic().derivative(A, np.ones((1, 1)), np)
        array([[0.25]])
        """

    def backward(self, Z: Any, A: Any, dA: Any, xp: Any) -> Any:
        """The gradient with respect to ``Z``: by default :meth:`derivative` ``(A, dA)``.

        The hook the network calls. Override it (with ``needs_input = True``) when the
        derivative needs the pre-activation ``Z``.

        Parameters
        ----------
        Z : array of shape (n, k) or None
            The pre-activation ``Z``, kept by the network when :attr:`needs_input`;
            None otherwise. Not to be overwritten.
        A : array of shape (n, k)
            The output ``f(Z)``.
        dA : array of shape (n, k)
            The gradient with respect to ``A``. May be overwritten.
        xp : module

        Returns
        -------
        array of shape (n, k)

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.activations import ReLU, SiLU
        >>> Z = np.array([[-1.0, 2.0]])
        >>> ReLU().backward(None, ReLU().forward(Z.copy(), np), np.ones((1, 2)), np)
        array([[0., 1.]])
        >>> SiLU.needs_input  # its backward reads Z
        True
        >>> SiLU().backward(Z, SiLU().forward(Z.copy(), np), np.ones((1, 2)), np).round(3)
        array([[0.072, 1.091]])
        """
        return self.derivative(A, dA, xp)

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

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.activations import Identity
        >>> Identity().forward_with_bias(np.zeros((2, 2)), np.array([1.0, -1.0]), np)
        array([[ 1., -1.],
               [ 1., -1.]])
        """
        Z += b
        return self.forward(Z, xp)

    def forward_dropout(self, Z: Any, b: Any, U: Any, p: float, D: Any, xp: Any) -> tuple:
        """``f(Z + b)`` and its inverted dropout, for a training pass.

        By default :meth:`forward_with_bias`, then the mask ``M = (U >= p) / (1 - p)``
        and ``D = f(Z + b) * M``; an activation with a fused kernel does it in one pass.

        Parameters
        ----------
        Z : array of shape (n, k)
            Overwritten (by ``f(Z + b)`` where the namespace allows).
        b : array of shape (k,)
        U : array of shape (n, k)
            Uniform draws in [0, 1); may be overwritten by the mask.
        p : float
            The drop rate, in [0, 1).
        D : array of shape (n, k)
            Buffer for the dropped output (written where the namespace allows).
        xp : module

        Returns
        -------
        A : array of shape (n, k)
            ``f(Z + b)``, undropped (for the derivative).
        M : array of shape (n, k)
            The scaled mask.
        D : array of shape (n, k)
            ``A * M``: what the next layer sees.

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.activations import Identity
        >>> Z, b = np.ones((1, 4)), np.zeros(4)
        >>> U = np.array([[0.1, 0.9, 0.2, 0.8]])  # draws below p = 0.5 drop their unit
        >>> A, M, D = Identity().forward_dropout(Z, b, U, 0.5, np.empty((1, 4)), np)
        >>> D
        array([[0., 2., 0., 2.]])
        """
        A = self.forward_with_bias(Z, b, xp)
        M, D = _dropout.apply_mask(A, U, p, D, xp)
        return A, M, D

    def backward_dropout(self, Z: Any, A: Any, dA: Any, M: Any, xp: Any) -> Any:
        """:meth:`backward` of ``dA * M``: the gradient through the mask, then ``f``.

        Parameters
        ----------
        Z : array of shape (n, k) or None
            As for :meth:`backward`.
        A : array of shape (n, k)
            The undropped output ``f(Z)``.
        dA : array of shape (n, k)
            The gradient with respect to the dropped output. May be overwritten.
        M : array of shape (n, k)
            The scaled mask of the forward pass.
        xp : module

        Returns
        -------
        array of shape (n, k)

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.activations import Identity
        >>> M = np.array([[0.0, 2.0]])  # the scaled mask of the forward pass
        >>> Identity().backward_dropout(None, np.ones((1, 2)), np.ones((1, 2)), M, np)
        array([[0., 2.]])
        """
        return self.backward(Z, A, _dropout.unmask(dA, M, xp), xp)


#: The activations by name: what ``activation=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.activations`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Activation` for a name). See :class:`skdnn._registry.Registry`.
registry = Registry("activations", param="activation", base=Activation)


@registry.register("identity")
class Identity(Activation):
    """``f(z) = z``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import Identity
    >>> Identity().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([-2.,  0.,  2.])
    """

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
    """The logistic sigmoid ``f(z) = 1 / (1 + exp(-z))``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import Logistic
    >>> Logistic().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([0.119, 0.5  , 0.881])
    """

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
        Z = xp.tanh(Z, out=Z) if has_out(xp) else xp.tanh(Z)
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
    """The hyperbolic tangent.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import Tanh
    >>> Tanh().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([-0.964,  0.   ,  0.964])
    """

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
        return xp.tanh(Z, out=Z) if has_out(xp) else xp.tanh(Z)

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
    """The rectified linear unit ``f(z) = max(z, 0)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.activations import ReLU
    >>> ReLU().forward(np.array([-2.0, 0.0, 2.0]), np).round(3)
    array([0., 0., 2.])
    """

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
        if has_out(xp):
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

    def forward_dropout(self, Z: Any, b: Any, U: Any, p: float, D: Any, xp: Any) -> tuple:
        """Bias, ``max(., 0)``, mask and scale in one pass where a fused kernel exists.

        Parameters
        ----------
        Z : array of shape (n, k)
            Overwritten by ``max(Z + b, 0)``.
        b : array of shape (k,)
        U : array of shape (n, k)
            Uniform draws; overwritten by the scaled mask.
        p : float
        D : array of shape (n, k)
        xp : module

        Returns
        -------
        A, M, D : arrays of shape (n, k)
        """
        fused = _kernels.lookup(xp, "bias_relu_dropout")
        if fused is not None and all(a.flags.c_contiguous for a in (Z, U, D)):
            dtype = Z.dtype.type
            fused(Z, b, U, dtype(p), dtype(1.0 / (1.0 - p)), D)
            return Z, U, D
        return super().forward_dropout(Z, b, U, p, D, xp)

    def backward_dropout(self, Z: Any, A: Any, dA: Any, M: Any, xp: Any) -> Any:
        """``dA * M where a > 0, else 0``, in one pass where a fused kernel exists.

        Parameters
        ----------
        Z : None
        A, dA, M : array of shape (n, k)
        xp : module

        Returns
        -------
        array of shape (n, k)
        """
        fused = _kernels.lookup(xp, "relu_mask_backward")
        if fused is not None and all(a.flags.c_contiguous for a in (dA, A, M)):
            fused(dA.reshape(-1), A.reshape(-1), M.reshape(-1))
            return dA
        return super().backward_dropout(Z, A, dA, M, xp)

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
        if has_out(xp):
            return xp.multiply(dA, A > 0, out=dA)
        return xp.where(A > 0, dA, xp.zeros_like(dA))
