"""Array backends: where the network's arrays live and how they get there.

:class:`Backend` is the protocol (documented there); :class:`NumpyBackend`,
:class:`CupyBackend`, :class:`TorchBackend` and :class:`ArrayAPIStrictBackend` are the
built-ins. The registry instance is :data:`registry`; third-party backends register
through the entry-point group ``skdnn.backends``.

Examples
--------
>>> from skdnn import backends
>>> backends.registry.names()
['array_api_strict', 'cupy', 'numpy', 'torch']
>>> backends.registry.resolve("numpy").is_available()
True
"""

from .._utils import publish
from . import _base
from ._array_api import ArrayAPIBackend, ArrayAPIStrictBackend, TorchBackend
from ._base import Backend, NumpyBackend
from ._cupy import CupyBackend

#: The backends by name: what ``backend=`` accepts. ``registry.names()`` lists them
#: (entry points of the group ``skdnn.backends`` included), ``registry.register(name)``
#: adds one, ``registry.resolve(spec)`` turns a name or an object into the plugin
#: (a fresh :class:`Backend` for a name). See :class:`skdnn._registry.Registry`.
registry = _base.registry

__all__ = [
    "ArrayAPIBackend",
    "ArrayAPIStrictBackend",
    "Backend",
    "CupyBackend",
    "NumpyBackend",
    "TorchBackend",
    "registry",
]

__test__ = publish(__name__, [globals()[name] for name in __all__ if name != "registry"])
