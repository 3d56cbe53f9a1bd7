"""Per-hidden-layer parameters: ``activation`` and ``dropout``, resolved for a depth.

Each takes one value for every hidden layer, or a tuple (or list) with one entry per
hidden layer; a tuple of the wrong length is an error naming both parameters. Fit and
predict resolve them here, the same way.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

from . import activations

__all__ = ["hashable", "hidden_activations", "dropout_rates"]


def _per_layer(value: Any, n_hidden: int, name: str, sizes: Any) -> list:
    """``value`` repeated for each hidden layer, or the tuple/list itself when its
    length is ``n_hidden``."""
    if not isinstance(value, (tuple, list)):
        return [value] * n_hidden
    if len(value) != n_hidden:
        raise ValueError(
            f"{name}={tuple(value)!r} has {len(value)} entries but hidden_layer_sizes="
            f"{sizes!r} has {n_hidden} hidden layers: give one {name} per hidden layer, "
            "or a single value for all of them."
        )
    return list(value)


def hidden_activations(activation: Any, n_hidden: int, sizes: Any = None) -> list:
    """The resolved activation plugin of every hidden layer.

    Parameters
    ----------
    activation : str, activation object, or tuple/list of them
    n_hidden : int
    sizes : object, optional
        ``hidden_layer_sizes`` as given, for the error message.

    Returns
    -------
    list of Activation
    """
    specs = _per_layer(activation, n_hidden, "activation", sizes)
    return [activations.registry.resolve(spec) for spec in specs]


def dropout_rates(dropout: Any, n_hidden: int, sizes: Any = None) -> tuple:
    """The drop rate of every hidden layer, each checked to lie in [0, 1).

    Parameters
    ----------
    dropout : float or tuple/list of float
    n_hidden : int
    sizes : object, optional
        ``hidden_layer_sizes`` as given, for the error message.

    Returns
    -------
    tuple of float
    """
    rates = _per_layer(dropout, n_hidden, "dropout", sizes)
    for rate in rates:
        if isinstance(rate, bool) or not isinstance(rate, Real) or not 0 <= rate < 1:
            raise ValueError(
                f"dropout={dropout!r}: every rate must be a number in [0, 1) (the "
                f"probability of dropping a hidden unit while training); got {rate!r}."
            )
    return tuple(float(rate) for rate in rates)


def hashable(activation: Any) -> Any:
    """``activation`` as a dictionary key: a list becomes a tuple.

    Parameters
    ----------
    activation : object

    Returns
    -------
    object
    """
    return tuple(activation) if isinstance(activation, list) else activation
