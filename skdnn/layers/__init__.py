"""Layers of the network, behind one protocol (:class:`Layer`).

The network is a sequence of layers; see :class:`Layer` for the hooks each provides.
:class:`CategoricalEmbedding` turns integer category codes into learned vectors.
"""

from ._base import Layer
from ._categorical import CategoricalEmbedding

__all__ = ["CategoricalEmbedding", "Layer"]
