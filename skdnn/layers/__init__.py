"""Layers of the network, behind one protocol (:class:`Layer`).

The network is a sequence of layers; see :class:`Layer` for the hooks each provides.
"""

from ._base import Layer
from ._dense import Dense
from ._ensemble import BatchDense, PackedDense

__all__ = ["BatchDense", "Dense", "Layer", "PackedDense"]
