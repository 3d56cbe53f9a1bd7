"""The optimizer protocol (:class:`Optimizer`), the registry instance, and the
built-ins :class:`SGD` and :class:`Adam`.

Public through :mod:`skdnn.optimizers`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from .. import _kernels
from .._registry import Registry

__all__ = ["SGD", "Adam", "Optimizer", "registry"]


class Optimizer(ABC):
    """The optimizer protocol: settings on the object, state in a dict of its own.

    The optimizer object holds only settings, so ``clone()`` and pickling stay clean;
    the state lives in the estimator and survives a save and load, so ``partial_fit``
    resumes exactly. Subclass it, or pass any object with ``init`` and ``step``
    methods (the registry then supplies the defaults of the optional hooks).

    Attributes
    ----------
    required : tuple of str
        The names a plugin must have: ``("init", "step")``.
    folds_l2 : bool, default=False
        Whether :meth:`step` takes ``l2=(reg, n)``: it then adds ``reg * p`` to the
        gradients of the first ``n`` parameters (the weights) itself and returns their
        sum of squares before the update, so the penalty costs no extra pass over
        memory. When False, the network adds the penalty to the gradients and calls
        ``step`` without ``l2``. Declared, never read off ``step``'s signature: a
        subclass of a built-in (which sets it True) that overrides ``step`` must take
        ``l2`` and honour it (passing it on to ``super().step``), or set it False.
    full_batch : bool, default=False
        Whether the optimizer minimizes the full-batch objective itself
        (:meth:`minimize`) instead of taking minibatch steps: the training core then
        runs no epochs and never calls :meth:`step`.
    schedulable : bool, default=False
        Whether :meth:`step` honours ``state["lr_multiplier"]`` when that key is
        present: it then multiplies the learning rate of that step by it (the
        ``lr_schedule`` of the estimator sets it before each step, and removes it
        after). ``lr_schedule`` and ``weight_decay`` are refused with an optimizer
        that does not declare it; :meth:`current_learning_rate` must then answer too.

    Examples
    --------
    Plain gradient descent, with no state but the learning rate:

    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skdnn import DNNClassifier
    >>> from skdnn.optimizers import Optimizer
    >>> class PlainGD(Optimizer):
    ...     def __init__(self, learning_rate_init=0.1):
    ...         self.learning_rate_init = learning_rate_init
    ...     def init(self, params, xp):
    ...         return {"learning_rate": self.learning_rate_init}
    ...     def step(self, params, grads, state, xp, l2=None):
    ...         for p, g in zip(params, grads):
    ...             p -= state["learning_rate"] * g
    >>> p, g = np.ones(2), np.array([1.0, -1.0])
    >>> opt = PlainGD()
    >>> opt.step([p], [g], opt.init([p], np), np)
    >>> p
    array([0.9, 1.1])
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DNNClassifier(hidden_layer_sizes=(8,), solver=PlainGD(0.05), max_iter=5,
    ...                     random_state=0)
    """

    required: ClassVar[tuple[str, ...]] = ("init", "step")
    folds_l2: bool = False
    full_batch: bool = False
    schedulable: bool = False

    @abstractmethod
    def init(self, params: list, xp: Any) -> dict:
        """A fresh state for the parameters ``params``.

        Parameters
        ----------
        params : list of arrays
        xp : module
            The backend's array namespace.

        Returns
        -------
        state : dict
            Arrays and Python scalars (moments, step counter, learning rate).

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.optimizers import Adam
        >>> state = Adam().init([np.zeros((2, 3)), np.zeros(3)], np)
        >>> sorted(state)  # doctest: +ELLIPSIS
        [...]
        """

    @abstractmethod
    def step(self, params: list, grads: list, state: dict, xp: Any, l2: tuple | None = None) -> Any:
        """Update every array in ``params`` in place from the matching ``grads``.

        ``state`` is updated in place too.

        Parameters
        ----------
        params, grads : list of arrays
        state : dict
            As made by :meth:`init`.
        xp : module
        l2 : (float, int), optional
            Passed only when :attr:`folds_l2` is True: ``(reg, n)``, the L2 penalty
            to add to the gradients of the first ``n`` parameters.

        Returns
        -------
        sumsq : float or 0-d array
            With ``l2``: the sum of squares of the first ``n`` parameters before the
            update. Ignored otherwise.

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.optimizers import SGD
        >>> opt = SGD(learning_rate_init=0.5, momentum=0.0)
        >>> params, grads = [np.ones(3)], [np.array([1.0, 0.0, -1.0])]
        >>> _ = opt.step(params, grads, opt.init(params, np), np)
        >>> params[0]
        array([0.5, 1. , 1.5])
        """

    def end_epoch(self, state: dict, n_seen: int) -> None:
        """Called after each epoch (for schedules); by default does nothing.

        Parameters
        ----------
        state : dict
        n_seen : int
            Samples seen so far.

        Examples
        --------
        The inverse-scaling schedule of :class:`SGD` lowers its learning rate here:

        >>> import numpy as np
        >>> from skdnn.optimizers import SGD
        >>> opt = SGD(learning_rate_init=1.0, learning_rate="invscaling", power_t=0.5)
        >>> state = opt.init([np.zeros(1)], np)
        >>> opt.end_epoch(state, n_seen=3)
        >>> state["learning_rate"]
        0.5
        """
        return None  # a deliberate no-op: a constant learning rate needs nothing

    def on_plateau(self, state: dict, verbose: bool) -> bool:
        """Called when training stops improving; by default asks to stop.

        Parameters
        ----------
        state : dict
        verbose : bool
            Whether to print what it does.

        Returns
        -------
        stop : bool
            True to stop, False to go on (for example after lowering the learning
            rate).

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.optimizers import SGD
        >>> opt = SGD(learning_rate_init=0.1, learning_rate="adaptive")
        >>> state = opt.init([np.zeros(1)], np)
        >>> opt.on_plateau(state, verbose=False)  # lower the rate and go on
        False
        >>> round(state["learning_rate"], 6)
        0.02
        """
        return True

    def current_learning_rate(self, state: dict) -> float:
        """The learning rate of the next step, before any ``lr_schedule`` multiplier.

        What ``weight_decay`` is scaled by (times the multiplier). By default
        ``learning_rate_init``.

        Parameters
        ----------
        state : dict

        Returns
        -------
        float

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.optimizers import Adam
        >>> opt = Adam(learning_rate_init=0.01)
        >>> opt.current_learning_rate(opt.init([np.zeros(1)], np))
        0.01
        """
        return float(self.learning_rate_init)

    def minimize(
        self,
        objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
        x0: np.ndarray,
        callback: Callable[[Any], None] | None = None,
    ) -> Any:
        """Full-batch optimizers only: minimize ``objective`` from ``x0``.

        Called instead of epochs of :meth:`step` when :attr:`full_batch` is True; by
        default raises NotImplementedError.

        Parameters
        ----------
        objective : callable
            ``objective(x) -> (loss, grad)`` for a float64 host vector ``x`` of every
            parameter (weights then biases, each layer flattened in C order): the loss
            over every training row with the L2 penalty, as a float, and its gradient
            as a float64 host vector.
        x0 : ndarray of shape (n_params,)
            The starting point.
        callback : callable, optional
            To call after each iteration with a ``scipy.optimize.OptimizeResult``
            holding ``x`` and ``fun``; it may raise ``StopIteration`` to stop.

        Returns
        -------
        result : scipy.optimize.OptimizeResult
            With at least ``x``, ``fun``, ``nit``, ``nfev``, ``status`` and ``message``
            (``status`` 0 when converged).

        Examples
        --------
        >>> import numpy as np
        >>> from skdnn.optimizers import LBFGS
        >>> def objective(x):
        ...     return float(((x - 3.0) ** 2).sum()), 2 * (x - 3.0)
        >>> LBFGS().minimize(objective, np.zeros(2)).x.round(4)
        array([3., 3.])
        """
        raise NotImplementedError(
            f"{type(self).__name__} is not a full-batch optimizer (full_batch=False)."
        )


#: The optimizers by name: what ``solver=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.optimizers`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Optimizer` for a name). See :class:`skdnn._registry.Registry`.
registry = Registry("optimizers", param="solver", base=Optimizer)


def _flat(*arrays: Any) -> list | None:
    """1-D views of ``arrays`` for the fused kernels, or None if one cannot be viewed.

    ``reshape(-1)`` of an array that is not C-contiguous (a transposed or strided view)
    returns a copy, and a kernel updating that copy would leave the parameter (or the
    state) unchanged; such arrays take the unfused path instead.
    """
    if not all(a.flags.c_contiguous for a in arrays):
        return None
    return [a if a.ndim == 1 else a.reshape(-1) for a in arrays]


def _penalized(p: Any, g: Any, reg: float, xp: Any) -> tuple[Any, Any]:
    """Without a fused kernel: the gradient plus ``reg * p``, and ``sum(p ** 2)``."""
    return g + reg * p, _kernels.sumsq(p, xp)


@registry.register("sgd")
class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as ``MLPClassifier(solver="sgd")``.

    ``v <- momentum * v - lr * g``, then ``p <- p + v`` or, with Nesterov's momentum,
    ``p <- p + momentum * v - lr * g``.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        Initial step size.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule: constant; ``lr = learning_rate_init / (n_seen + 1) ** power_t`` after
        each epoch; or divide by 5 whenever training stops improving, stopping once
        it falls below 1e-6.
    momentum : float, default=0.9
        Momentum in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum.
    power_t : float, default=0.5
        Exponent of the inverse scaling schedule.

    Attributes
    ----------
    folds_l2 : bool
        True: :meth:`step` folds the L2 penalty into its pass over memory.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.optimizers import SGD
    >>> opt = SGD(learning_rate_init=0.1, momentum=0.0)
    >>> p, g = np.ones(2), np.array([1.0, -1.0])
    >>> state = opt.init([p], np)
    >>> _ = opt.step([p], [g], state, np)
    >>> p
    array([0.9, 1.1])
    """

    folds_l2 = True
    schedulable = True

    def __init__(
        self,
        learning_rate_init: float = 0.001,
        learning_rate: str = "constant",
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        power_t: float = 0.5,
    ) -> None:
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.power_t = power_t

    def init(self, params: list, xp: Any) -> dict:
        """Zero velocities and the initial learning rate.

        Parameters
        ----------
        params : list of arrays
        xp : module

        Returns
        -------
        state : dict
        """
        return {
            "learning_rate": float(self.learning_rate_init),
            "velocities": [xp.zeros_like(p) for p in params],
        }

    def step(self, params: list, grads: list, state: dict, xp: Any, l2: tuple | None = None) -> Any:
        """Apply one momentum update in place.

        Parameters
        ----------
        params, grads : list of arrays
        state : dict
        xp : module
        l2 : (float, int), optional
            ``(reg, n)``: add ``reg * p`` to the gradients of the first ``n`` parameters
            before the update (the L2 penalty, folded into the same pass).

        Returns
        -------
        sumsq : float or 0-d array
            Sum of squares of the first ``n`` parameters before the update (0 without
            ``l2``).
        """
        lr, mu = state["learning_rate"] * state.get("lr_multiplier", 1.0), self.momentum
        reg, n_reg = l2 if l2 is not None else (0.0, 0)
        fused = _kernels.lookup(xp, "sgd")
        sumsq = 0.0
        for k, (p, g, v) in enumerate(zip(params, grads, state["velocities"])):
            r = reg if k < n_reg else 0.0
            flat = _flat(p, g, v) if fused is not None else None
            if flat is not None:
                cast = p.dtype.type
                sq = fused(*flat, cast(lr), cast(mu), bool(self.nesterovs_momentum), cast(r))
                sumsq = sumsq + sq if k < n_reg else sumsq
                continue
            if k < n_reg:
                g, sq = _penalized(p, g, r, xp)
                sumsq = sumsq + sq
            v *= mu
            v -= lr * g
            if self.nesterovs_momentum:
                p += mu * v
                p -= lr * g
            else:
                p += v
        return sumsq

    def current_learning_rate(self, state: dict) -> float:
        """The learning rate of the next step (after ``learning_rate``'s schedule).

        Parameters
        ----------
        state : dict

        Returns
        -------
        float
        """
        return float(state["learning_rate"])

    def end_epoch(self, state: dict, n_seen: int) -> None:
        """Apply the inverse scaling schedule.

        Parameters
        ----------
        state : dict
        n_seen : int
            Samples seen so far.
        """
        if self.learning_rate == "invscaling":
            state["learning_rate"] = float(self.learning_rate_init) / (n_seen + 1) ** self.power_t

    def on_plateau(self, state: dict, verbose: bool) -> bool:
        """Lower the learning rate (adaptive schedule) or ask to stop.

        Parameters
        ----------
        state : dict
        verbose : bool

        Returns
        -------
        stop : bool
        """
        if self.learning_rate != "adaptive":
            return True
        if state["learning_rate"] <= 1e-6:
            if verbose:
                print("Learning rate too small. Stopping.")
            return True
        state["learning_rate"] /= 5.0
        if verbose:
            print(f"Setting learning rate to {state['learning_rate']:f}")
        return False


@registry.register("adam")
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), as ``MLPClassifier(solver="adam")``.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2``,
    ``p <- p - lr_t m / (sqrt(v) + eps)`` with the bias correction folded into the
    step size: ``lr_t = lr sqrt(1 - b2**t) / (1 - b1**t)``.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        Step size.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.

    Attributes
    ----------
    folds_l2 : bool
        True: :meth:`step` folds the L2 penalty into its pass over memory.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.optimizers import Adam
    >>> opt = Adam(learning_rate_init=0.1)
    >>> p, g = np.ones(2), np.array([1.0, -1.0])
    >>> state = opt.init([p], np)
    >>> _ = opt.step([p], [g], state, np)
    >>> p.round(6)  # the first step moves each parameter by about the learning rate
    array([0.9, 1.1])
    """

    folds_l2 = True
    schedulable = True

    def __init__(
        self,
        learning_rate_init: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        self.learning_rate_init = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def init(self, params: list, xp: Any) -> dict:
        """Zero moment estimates and step counter.

        Parameters
        ----------
        params : list of arrays
        xp : module

        Returns
        -------
        state : dict
        """
        return {
            "t": 0,
            "ms": [xp.zeros_like(p) for p in params],
            "vs": [xp.zeros_like(p) for p in params],
        }

    def step(self, params: list, grads: list, state: dict, xp: Any, l2: tuple | None = None) -> Any:
        """Apply one Adam update in place.

        Parameters
        ----------
        params, grads : list of arrays
        state : dict
        xp : module
        l2 : (float, int), optional
            ``(reg, n)``: add ``reg * p`` to the gradients of the first ``n`` parameters
            before the update (the L2 penalty, folded into the same pass).

        Returns
        -------
        sumsq : float or 0-d array
            Sum of squares of the first ``n`` parameters before the update (0 without
            ``l2``).
        """
        b1, b2 = self.beta_1, self.beta_2
        state["t"] += 1
        t = state["t"]
        lr = self.learning_rate_init * state.get("lr_multiplier", 1.0)
        lr_t = lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        reg, n_reg = l2 if l2 is not None else (0.0, 0)
        fused = _kernels.lookup(xp, "adam")
        sumsq = 0.0
        for k, (p, g, m, v) in enumerate(zip(params, grads, state["ms"], state["vs"])):
            r = reg if k < n_reg else 0.0
            flat = _flat(p, g, m, v) if fused is not None else None
            if flat is not None:  # one pass over memory instead of about twelve
                cast = p.dtype.type
                sq = fused(
                    *flat,
                    cast(1.0 - b1),
                    cast(1.0 - b2),
                    cast(lr_t),
                    cast(self.epsilon),
                    cast(r),
                )
                sumsq = sumsq + sq if k < n_reg else sumsq
                continue
            if k < n_reg:
                g, sq = _penalized(p, g, r, xp)
                sumsq = sumsq + sq
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= lr_t * m / (xp.sqrt(v) + self.epsilon)
        return sumsq
