"""Batching: the order of the rows, minibatch gathers, and streaming rows to a device.

The training rows are moved to the backend once per fit (or, when the backend says
they do not fit in its memory, kept on the host and moved one minibatch at a time).
Each epoch gathers its minibatches by index into buffers reused by every batch, so X
itself is never copied or shuffled.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split


class HostRows:
    """Rows kept on the host and moved to the device one minibatch (or chunk) at a time.

    Used when the backend says X does not fit in its memory (``backend.fits``), and for
    host input at predict time.
    """

    def __init__(self, X: Any, backend: Any, dtype: Any) -> None:
        self.X, self.backend, self.dtype = X, backend, dtype
        self.shape = X.shape

    def take(self, rows: Any) -> Any:
        """Rows (a host index array or a slice) as a device array."""
        part = self.X[rows] if isinstance(rows, slice) else np.take(self.X, rows, axis=0)
        return self.backend.asarray(part, self.dtype)


def to_backend(X: Any, backend: Any, dtype: Any, native: bool) -> Any:
    """``X`` where training reads it: on the backend, or streamed from the host."""
    if not native and not sp.issparse(X) and not backend.fits(X):
        return HostRows(X, backend, dtype)  # too big for the device: moved per batch
    return backend.asarray(X, dtype)


def take(backend: Any, A: Any, rows: Any, rows_d: Any, buf: Any = None) -> Any:
    """Rows of ``A``: by host index ``rows`` when ``A`` is streamed from the host, else
    by device index ``rows_d`` (into the reused buffer ``buf`` if given)."""
    if isinstance(A, HostRows):
        return A.take(rows)
    n = rows.stop - rows.start if isinstance(rows, slice) else len(rows)
    return backend.take_rows(A, rows_d, out=None if buf is None else buf[:n, ...])


def chunks(n: int, size: int) -> Iterator[slice]:
    """Consecutive slices of at most ``size`` rows covering ``range(n)``."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


class TrainingRows:
    """The rows a fit trains on, on the backend, and their minibatches.

    Parameters
    ----------
    Xd, Yd : backend arrays (``Xd`` possibly :class:`HostRows`)
        Inputs and encoded targets of every row (training and validation).
    sw : ndarray of shape (n_samples,) or None
        Host sample weights (None: all equal).
    train_idx : ndarray of int or None
        Rows to train on (None: all of them, in order).
    backend : backend plugin
    """

    def __init__(self, Xd: Any, Yd: Any, sw: Any, train_idx: Any, backend: Any) -> None:
        self.Xd, self.Yd, self.sw, self.train_idx, self.backend = Xd, Yd, sw, train_idx, backend
        self.swd = None if sw is None else backend.asarray(sw, Yd.dtype)
        self.n_train = Xd.shape[0] if train_idx is None else len(train_idx)

    def order(self, rng: np.random.RandomState | None) -> np.ndarray | None:
        """This epoch's row order: shuffled by ``rng``, or None (rows in place)."""
        if rng is None:
            return self.train_idx
        if self.train_idx is None:
            return rng.permutation(self.n_train)
        return rng.permutation(self.train_idx)

    def batches(self, order: Any, batch_size: int) -> Iterator[tuple]:
        """``(Xb, Yb, swb, sw_sum)`` for each minibatch of positive total weight."""
        backend = self.backend
        bufs = [None, None]  # gather buffers, reused by every batch of the epoch
        if order is not None:
            order_d = backend.asarray(order, np.int64)
            sw_order = None if self.sw is None else self.sw[order]
            bufs = [
                None
                if isinstance(A, HostRows)
                else backend.empty((batch_size, *A.shape[1:]), A.dtype)
                for A in (self.Xd, self.Yd)
            ]
        else:
            sw_order = self.sw
        for rows in chunks(self.n_train, batch_size):
            idx = rows if order is None else order_d[rows]
            host_rows = rows if order is None else order[rows]
            if sw_order is None:
                sw_sum, swb = float(rows.stop - rows.start), None
            else:
                sw_sum = float(np.sum(sw_order[rows]))
                if sw_sum == 0.0:
                    continue  # nothing to learn from a batch of zero weight
                swb = backend.take_rows(self.swd, idx)
            Xb = take(backend, self.Xd, host_rows, idx, bufs[0])
            Yb = take(backend, self.Yd, host_rows, idx, bufs[1])
            yield Xb, Yb, swb, sw_sum


def validation_split(
    n: int, fraction: float, rng: np.random.RandomState, stratify: Any, sw: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out row indices, as ``train_test_split`` draws them.

    Refuses fewer than 2 held-out rows (``MLPClassifier``'s rule, its message first),
    a split that cannot be stratified, and training rows that all weigh zero.
    """
    n_val = math.ceil(fraction * n)  # as train_test_split counts
    if n_val < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the "
            f"size of your dataset: validation_fraction={fraction} of "
            f"{n} samples holds out {n_val}, and early stopping needs at least 2."
        )
    try:
        train_idx, val_idx = train_test_split(
            np.arange(n), test_size=fraction, random_state=rng, stratify=stratify
        )
    except ValueError as exc:
        raise ValueError(
            f"early_stopping=True could not hold out a validation_fraction={fraction} of "
            f"{n} samples ({exc}). Use more data, another validation_fraction, or "
            "early_stopping=False."
        ) from exc
    if sw is not None and not float(np.sum(sw[train_idx])) > 0:
        raise ValueError(
            f"early_stopping=True held out {len(val_idx)} of {n} samples for validation, "
            f"and every one of the {len(train_idx)} training samples left has zero "
            "sample_weight: there is nothing to train on. Give more samples a positive "
            "weight, or use early_stopping=False."
        )
    return train_idx, val_idx
