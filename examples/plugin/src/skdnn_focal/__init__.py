"""skdnn-focal: a focal loss and two weight initializers for skdnn.

Installing the distribution declares them in the entry-point groups ``skdnn.losses``
(``"focal"``) and ``skdnn.initializers`` (``"lecun_normal"``, ``"orthogonal"``), so
``DNNClassifier(loss="focal", init="orthogonal")`` works without importing this
package, in worker processes too. Importing it registers nothing: the entry points are
the only registration.
"""

from .initializers import LeCunNormal, Orthogonal
from .losses import FocalLoss

__all__ = ["FocalLoss", "LeCunNormal", "Orthogonal"]
__version__ = "0.1.0"
