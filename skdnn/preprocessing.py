"""Input preprocessing for neural networks on tables.

:class:`RobustScaleSmoothClip` is RealMLP's numeric preprocessing (Holzmüller et al.,
2024, "Better by Default: Strong Pre-Tuned MLPs and Boosted Trees on Tabular Data"):
each column centred by its median, scaled by a quantile range, then squashed smoothly
into ``[-clip, clip]``, so that outliers and heavy tails reach the network bounded.
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted, validate_data

__all__ = ["RobustScaleSmoothClip", "smooth_clip"]

#: Beyond ``|z| = clip * _SATURATED`` the smooth clip equals ``+-clip`` to float64
#: precision (``clip / sqrt(1 + (clip / z)**2)``, with ``(clip / z)**2`` far below the
#: epsilon), so larger values, infinities included, are cut to that before it.
_SATURATED = 1e15


def smooth_clip(Z: np.ndarray, clip: float = 3.0) -> np.ndarray:
    """``z / sqrt(1 + (z / clip)**2)``: the identity near 0, bounded by ``clip``.

    Written as ``clip * z / hypot(clip, z)``, which never overflows; ``+-inf`` maps to
    ``+-clip`` and NaN stays NaN.

    Parameters
    ----------
    Z : ndarray
    clip : float, default=3.0
        The bound, > 0.

    Returns
    -------
    ndarray
        Same shape and dtype as ``Z``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.preprocessing import smooth_clip
    >>> smooth_clip(np.array([0.0, 4.0, -1e300, np.inf, np.nan])).round(4)
    array([ 0. ,  2.4, -3. ,  3. ,  nan])
    """
    bound = min(clip * _SATURATED, 1e300)
    Z = np.clip(Z, -bound, bound)
    return clip * Z / np.hypot(clip, Z)


class RobustScaleSmoothClip(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Centre by the median, scale by a quantile range, then clip smoothly.

    RealMLP's numeric preprocessing, per column ``j``::

        z = (x - center_[j]) / scale_[j]
        out = z / sqrt(1 + (z / clip)**2)

    ``center_`` is the column's median and ``scale_`` its quantile range (by default
    the inter-quartile range, ``q75 - q25``). A column whose quantile range is zero
    (most of its values equal) is scaled by half its min-max range instead, and a
    column that is constant on the training data by 1, so nothing divides by zero;
    the constant itself then maps to 0. The output is bounded by ``clip`` in absolute
    value (reaching it only where rounding does), and is close to the scaled value
    ``z`` while ``|z|`` is well below ``clip``; outliers are squashed, not cut, so their
    order is kept.

    NaN is allowed: ignored by ``fit`` (the statistics are those of the other rows;
    an all-NaN column gets ``center_ = 0`` and ``scale_ = 1``) and passed through by
    ``transform``, as scikit-learn's scalers do. Infinite values are refused. Sparse
    input is refused (centring would make it dense): densify it first.

    Parameters
    ----------
    quantile_range : tuple of float (q_min, q_max), default=(25.0, 75.0)
        The percentiles whose difference is the scale, with
        ``0 <= q_min < q_max <= 100``, as in :class:`sklearn.preprocessing.RobustScaler`.
    clip : float or None, default=3.0
        The bound of the smooth clipping, > 0; None scales without clipping.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,), float64
        The median of each column.
    scale_ : ndarray of shape (n_features,), float64
        The divisor of each column: its quantile range, or the fallback above; > 0.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of features seen during ``fit``, when X has string column names.

    See Also
    --------
    sklearn.preprocessing.RobustScaler : the same centring and scaling, unclipped, with
        a scale of 1 wherever the quantile range is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn.preprocessing import RobustScaleSmoothClip
    >>> X = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0], [100.0, 1.0]])
    >>> scaler = RobustScaleSmoothClip().fit(X)
    >>> scaler.center_, scaler.scale_
    (array([3., 0.]), array([2. , 0.5]))
    >>> scaler.transform(X).round(3)
    array([[-0.949,  0.   ],
           [-0.493,  0.   ],
           [ 0.   ,  0.   ],
           [ 0.493,  0.   ],
           [ 2.994,  1.664]])
    """

    _parameter_constraints: dict = {
        "quantile_range": [tuple],
        "clip": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, quantile_range: tuple = (25.0, 75.0), clip: float | None = 3.0) -> None:
        self.quantile_range = quantile_range
        self.clip = clip

    def _check_quantile_range(self) -> tuple[float, float]:
        q = self.quantile_range
        if not (
            len(q) == 2
            and all(isinstance(v, Real) and not isinstance(v, bool) for v in q)
            and 0 <= q[0] < q[1] <= 100
        ):
            raise ValueError(
                f"quantile_range={q!r}: expected two percentiles (q_min, q_max) with "
                "0 <= q_min < q_max <= 100, e.g. (25.0, 75.0)."
            )
        return float(q[0]), float(q[1])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> RobustScaleSmoothClip:
        """Learn each column's median and scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training rows; NaN is ignored.
        y : None
            Ignored.

        Returns
        -------
        self : RobustScaleSmoothClip
        """
        q_min, q_max = self._check_quantile_range()
        X = validate_data(
            self,
            X,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            ensure_min_samples=1,
            reset=True,
        )
        X = np.asarray(X, dtype=np.float64)
        percentile = np.nanpercentile if np.isnan(X).any() else np.percentile
        with warnings.catch_warnings():
            # An all-NaN column: its statistics are NaN, replaced below.
            warnings.simplefilter("ignore", RuntimeWarning)
            low, center, high = percentile(X, [q_min, 50.0, q_max], axis=0)
            half_range = 0.5 * (np.nanmax(X, axis=0) - np.nanmin(X, axis=0))
        missing = np.isnan(center)
        scale = high - low
        scale = np.where(scale > 0, scale, half_range)
        scale = np.where(scale > 0, scale, 1.0)
        self.center_ = np.where(missing, 0.0, center)
        self.scale_ = np.where(missing, 1.0, scale)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scale and clip ``X`` with the statistics learned by ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN passes through.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features)
            In ``X``'s float dtype (float64 for integer input); ``|X_out| <= clip``.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan", reset=False
        )
        # In float64: a float32 column's scale may be below float32's smallest number.
        with np.errstate(over="ignore"):
            Z = (np.asarray(X, dtype=np.float64) - self.center_) / self.scale_
        if self.clip is not None:
            Z = smooth_clip(Z, float(self.clip))
        return Z.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
