"""skdnn: fast deep neural network estimators for scikit-learn.

The estimators are :class:`DNNClassifier` and :class:`DNNRegressor`, and for raw tables
(a DataFrame of numbers, strings, categories and missing values) :class:`TabularClassifier`
and :class:`TabularRegressor`, which compose the tools of the most accurate tabular MLPs
by default and handle the input (:class:`TabularInput`). Their parts are
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
from ._tabular import TabularClassifier, TabularRegressor
from ._tabular_input import TabularInput

__version__ = "0.1.0"

# Pickles, skops (its trusted types) and reprs name the public path, skdnn.DNNClassifier.
for _cls in (DNNClassifier, DNNRegressor, TabularClassifier, TabularRegressor, TabularInput):
    _cls.__module__ = __name__
del _cls
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
    "TabularClassifier",
    "TabularInput",
    "TabularRegressor",
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
