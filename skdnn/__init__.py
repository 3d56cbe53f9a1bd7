"""skdnn: fast deep neural network estimators for scikit-learn.

The estimators are :class:`DNNClassifier` and :class:`DNNRegressor`. Their parts are
plugins chosen by name from the registries in :mod:`skdnn.losses`,
:mod:`skdnn.initializers`, :mod:`skdnn.activations`, :mod:`skdnn.optimizers`,
:mod:`skdnn.schedules`, :mod:`skdnn.backends` and :mod:`skdnn.layers` (the feature
embeddings). :mod:`skdnn.preprocessing` prepares a table's numeric columns for them.
"""

from . import (
    activations,
    backends,
    initializers,
    layers,
    losses,
    optimizers,
    preprocessing,
    schedules,
)
from ._classifier import DNNClassifier
from ._regressor import DNNRegressor

__version__ = "0.1.0"

# Pickles, skops (its trusted types) and reprs name the public path, skdnn.DNNClassifier.
DNNClassifier.__module__ = DNNRegressor.__module__ = __name__
# Doctest looks for a class's methods in the class's module, now this one: name them.
__test__ = {
    f"{cls.__name__}.{name}": method
    for cls in (DNNClassifier, DNNRegressor)
    for name, method in vars(cls).items()
    if not name.startswith("_") and ">>>" in (getattr(method, "__doc__", "") or "")
}

__all__ = [
    "DNNClassifier",
    "DNNRegressor",
    "activations",
    "backends",
    "initializers",
    "layers",
    "losses",
    "optimizers",
    "preprocessing",
    "schedules",
    "__version__",
]
