"""skdnn: a fast deep neural network classifier for scikit-learn.

The estimator is :class:`DNNClassifier`. Its parts are plugins chosen by name from the
registries in :mod:`skdnn.losses`, :mod:`skdnn.initializers`,
:mod:`skdnn.activations`, :mod:`skdnn.optimizers` and :mod:`skdnn.backends`.
"""

from . import activations, backends, initializers, losses, optimizers
from ._classifier import DNNClassifier

__version__ = "0.1.0"

__all__ = [
    "DNNClassifier",
    "activations",
    "backends",
    "initializers",
    "losses",
    "optimizers",
    "__version__",
]
