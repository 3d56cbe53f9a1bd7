"""Two weight initializers: LeCun normal and (semi-)orthogonal."""

from __future__ import annotations

from typing import Any

import numpy as np

from skdnn.initializers import Initializer

__all__ = ["LeCunNormal", "Orthogonal"]


class LeCunNormal(Initializer):
    """LeCun normal: ``N(0, 1 / fan_in)`` (LeCun et al., 1998).

    Keeps a unit-variance input at unit variance through a linear layer; the
    initializer self-normalising (SELU) networks assume.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn_focal import LeCunNormal
    >>> W = LeCunNormal()(400, 300, np.random.RandomState(0), np.float32)
    >>> W.dtype, round(float(W.std() * np.sqrt(400)), 1)
    (dtype('float32'), 1.0)
    """

    def __call__(
        self, fan_in: int, fan_out: int, rng: np.random.RandomState, dtype: Any
    ) -> np.ndarray:
        """Draw a ``(fan_in, fan_out)`` weight matrix.

        Parameters
        ----------
        fan_in, fan_out : int
            The layer's input and output widths.
        rng : numpy.random.RandomState
            The only source of randomness.
        dtype : dtype
            A NumPy floating dtype.

        Returns
        -------
        ndarray of shape (fan_in, fan_out)
        """
        return (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(dtype)


class Orthogonal(Initializer):
    """A random (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014).

    The Q factor of a Gaussian matrix, its column signs fixed by the signs of R's
    diagonal so that the draw is uniform over orthogonal matrices. With
    ``fan_in >= fan_out`` the columns are orthonormal (``W.T @ W = gain**2 I``),
    otherwise the rows are (``W @ W.T = gain**2 I``).

    Parameters
    ----------
    gain : float, default=1.0
        Scale of the matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn_focal import Orthogonal
    >>> W = Orthogonal()(5, 3, np.random.RandomState(0), np.float64)
    >>> np.allclose(W.T @ W, np.eye(3))
    True
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(
        self, fan_in: int, fan_out: int, rng: np.random.RandomState, dtype: Any
    ) -> np.ndarray:
        """Draw a ``(fan_in, fan_out)`` weight matrix.

        Parameters
        ----------
        fan_in, fan_out : int
            The layer's input and output widths.
        rng : numpy.random.RandomState
            The only source of randomness.
        dtype : dtype
            A NumPy floating dtype.

        Returns
        -------
        ndarray of shape (fan_in, fan_out)
        """
        tall = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
        Q, R = np.linalg.qr(tall)
        Q *= np.where(np.diag(R) < 0, -1.0, 1.0)
        W = Q if fan_in >= fan_out else Q.T
        return (self.gain * W).astype(dtype)
