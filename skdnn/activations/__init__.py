"""Hidden-layer activation functions.

:class:`Activation` is the protocol (documented there); :class:`Identity`,
:class:`Logistic`, :class:`Tanh`, :class:`ReLU`, :class:`LeakyReLU`, :class:`GELU`,
:class:`SiLU` (also ``"swish"``), :class:`SELU`, :class:`Mish` and :class:`Softplus`
are the built-ins. The registry instance is :data:`registry`; third-party activations
register through the entry-point group ``skdnn.activations``.

Examples
--------
>>> from skdnn import activations
>>> activations.registry.names()  # doctest: +NORMALIZE_WHITESPACE
['gelu', 'identity', 'leaky_relu', 'logistic', 'mish', 'relu', 'selu', 'silu',
 'softplus', 'swish', 'tanh']
>>> type(activations.registry.resolve("swish")).__name__
'SiLU'
"""

from .._utils import publish
from . import _base
from ._base import Activation, Identity, Logistic, ReLU, Tanh
from ._more import GELU, SELU, LeakyReLU, Mish, SiLU, Softplus

#: The activations by name: what ``activation=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.activations`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Activation` for a name). See :class:`skdnn._registry.Registry`.
registry = _base.registry

__all__ = [
    "GELU",
    "SELU",
    "Activation",
    "Identity",
    "LeakyReLU",
    "Logistic",
    "Mish",
    "ReLU",
    "SiLU",
    "Softplus",
    "Tanh",
    "registry",
]

__test__ = publish(__name__, [globals()[name] for name in __all__ if name != "registry"])
