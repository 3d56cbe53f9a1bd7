"""Learning-rate schedules: what ``lr_schedule=`` accepts.

:class:`Schedule` is the protocol (documented there): the learning-rate multiplier at a
step, given the step and the budget of steps of the fit. :class:`Cosine`,
:class:`WarmupCosine` and :class:`CosLog` are the built-ins. The registry instance is
:data:`registry`; third-party schedules register through the entry-point group
``skdnn.schedules``.

Examples
--------
>>> from skdnn import schedules
>>> schedules.registry.names()
['cosine', 'coslog4', 'warmup_cosine']
>>> schedules.registry.resolve("cosine").multiplier(0, 10)
1.0
"""

from .._registry import Registry
from ._base import Schedule
from ._builtin import Cosine, CosLog, WarmupCosine

__all__ = ["CosLog", "Cosine", "Schedule", "WarmupCosine", "registry"]

#: The schedules by name: what ``lr_schedule=`` accepts besides None and objects.
#: ``registry.names()`` lists them (entry points of the group ``skdnn.schedules``
#: included), ``registry.register(name)`` adds one, ``registry.resolve(spec)`` turns a
#: name or an object into the plugin. See :class:`skdnn._registry.Registry`.
registry = Registry("schedules", param="lr_schedule", base=Schedule)
registry.register("cosine")(Cosine)
registry.register("warmup_cosine")(WarmupCosine)
registry.register("coslog4")(CosLog)

# Pickles, skops (its trusted types) and reprs name the public module.
for _cls in (Schedule, Cosine, WarmupCosine, CosLog):
    _cls.__module__ = __name__
del _cls

# Doctest looks for a class's methods in the class's module, now this one: name them.
__test__ = {
    f"{cls.__name__}.{name}": method
    for cls in (Schedule, Cosine, WarmupCosine, CosLog)
    for name, method in vars(cls).items()
    if not name.startswith("_") and ">>>" in (getattr(method, "__doc__", "") or "")
}
