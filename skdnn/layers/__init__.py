"""Layers of the network, behind one protocol (:class:`Layer`), and their registry.

The network is a sequence of layers; see :class:`Layer` for the hooks each provides.
:class:`CategoricalEmbedding` turns integer category codes into learned vectors.
The registry instance is :data:`registry`; it holds the feature embeddings that the
estimators' ``feature_embedding`` parameter names (``"periodic"``,
``"piecewise_linear"``). Third-party layers register through the entry-point group
``skdnn.layers``.

Examples
--------
>>> from skdnn import layers
>>> layers.registry.names()
['periodic', 'piecewise_linear']
>>> layers.registry.resolve("periodic")
PeriodicEmbedding()
"""

from .._registry import Registry
from ._base import Layer
from ._bins import quantile_bins
from ._categorical import CategoricalEmbedding
from ._dense import Dense
from ._embeddings import PeriodicEmbedding, PiecewiseLinearEmbedding
from ._ensemble import BatchDense, PackedDense
from ._tabular import TabularEmbedding

__all__ = [
    "BatchDense",
    "CategoricalEmbedding",
    "Dense",
    "Layer",
    "PackedDense",
    "PeriodicEmbedding",
    "PiecewiseLinearEmbedding",
    "TabularEmbedding",
    "quantile_bins",
    "registry",
]

#: Layers by name (the feature embeddings); an object following :class:`Layer`'s
#: protocol is accepted in place of a name.
registry = Registry("layers", param="feature_embedding", base=Layer)
registry.register("periodic")(PeriodicEmbedding)
registry.register("piecewise_linear")(PiecewiseLinearEmbedding)

for _obj in (
    CategoricalEmbedding,
    PeriodicEmbedding,
    PiecewiseLinearEmbedding,
    TabularEmbedding,
    quantile_bins,
):
    _obj.__module__ = __name__  # pickles, skops and reprs name the public module
del _obj
