"""Optimizers: settings kept apart from state.

:class:`Optimizer` is the protocol (documented there); :class:`SGD`, :class:`Adam` and
:class:`LBFGS` are the built-ins. The registry instance is :data:`registry`; a named
optimizer is built with the estimator's parameters its constructor accepts
(``learning_rate_init``, ``beta_1``, ...). Third-party optimizers register through the
entry-point group ``skdnn.optimizers``.

A *full-batch* optimizer (:attr:`Optimizer.full_batch`, :class:`LBFGS`) takes no steps:
the training core hands it the objective over every training row and it runs the whole
minimization (:meth:`Optimizer.minimize`; see :mod:`skdnn._lbfgs`).

Examples
--------
>>> from skdnn import optimizers
>>> optimizers.registry.names()
['adam', 'lbfgs', 'sgd']
>>> optimizers.registry.resolve("adam", learning_rate_init=0.01).learning_rate_init
0.01
"""

from .._utils import publish
from . import _base
from ._base import SGD, Adam, Optimizer
from ._lbfgs import LBFGS

#: The optimizers by name: what ``solver=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.optimizers`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Optimizer` for a name). See :class:`skdnn._registry.Registry`.
registry = _base.registry

__all__ = ["LBFGS", "SGD", "Adam", "Optimizer", "registry"]

__test__ = publish(__name__, [globals()[name] for name in __all__ if name != "registry"])
