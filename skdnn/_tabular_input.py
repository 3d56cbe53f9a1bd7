"""Tabular input: a raw table -> a numeric matrix and the codes of its wide categories.

:class:`TabularInput` is fitted once on the training table and applied identically to
every later table. Per column, by kind:

* numeric: centred by the median, scaled by a quantile range, smoothly clipped
  (:class:`skdnn.preprocessing.RobustScaleSmoothClip`, RealMLP's preprocessing); a
  missing value becomes 0 after scaling (the median), with a 0/1 missing-indicator
  column where the column had missing values at fit;
* categorical with at most ``max_onehot_categories`` categories at fit: one-hot, one
  0/1 column per category (missing values seen at fit are a category of their own);
  unseen categories, and missing values not seen at fit, give all zeros;
* categorical with more categories: an integer code for a learned embedding
  (:class:`skdnn.layers.CategoricalEmbedding`): ``0`` is the unknown slot (missing
  values and unseen categories), ``1..K`` the ``K`` categories seen at fit, sorted;
* all missing, or a single value (missing counted as a value) at fit: dropped, with a
  warning naming the column.

:meth:`TabularInput.transform` returns one float matrix, the codes in its last
``len(embedded_features_)`` columns (exact as floats below ``2**24``), which is what
the network's first layer reads; :meth:`TabularInput.encode` returns the two parts
apart.
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.impute import MissingIndicator
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .preprocessing import RobustScaleSmoothClip

__all__ = ["TabularInput"]


class TabularInput(TransformerMixin, BaseEstimator):
    """A raw table as a numeric matrix plus integer codes of its wide categories.

    Parameters
    ----------
    categorical_features : "from_dtype", None, or array-like of int, str or bool, \
            default="from_dtype"
        The categorical columns, taken as ``HistGradientBoostingClassifier`` takes
        them: ``"from_dtype"``, the DataFrame columns of pandas ``category``,
        ``object``/string and ``bool`` (nullable ``boolean`` included) dtypes (none for
        an array); ``None``, none; integer indices, column names, or a boolean mask
        of shape ``(n_features,)``. Every other column is numeric.
    max_onehot_categories : int, default=8
        A categorical column with at most this many categories at fit (missing values
        not counted) is one-hot encoded; a wider one becomes a code for a learned
        embedding. 8 is RealMLP's choice (one-hot up to 8 categories, embeddings
        beyond). 0 sends every categorical column to the embedding.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame whose column names are all strings.
    is_categorical_ : ndarray of bool of shape (``n_features_in_``,)
        The resolved ``categorical_features``.
    dropped_features_ : list of str
        Columns dropped at fit (all missing, or a single value).
    numeric_features_ : list of str
        Numeric columns kept, in the order of the output.
    missing_indicator_features_ : list of str
        Numeric columns that had missing values at fit: each adds an indicator.
    onehot_features_, embedded_features_ : list of str
        Categorical columns one-hot encoded, and those coded for an embedding.
    categories_ : dict of str to ndarray
        Each kept categorical column's categories at fit, sorted, missing excluded.
    cardinalities_ : ndarray of int
        Per embedded column, its number of categories ``K`` at fit: its codes run from
        0 (unknown) to ``K``.
    scaler_ : RobustScaleSmoothClip or None
        The fitted scaler of the numeric columns.
    missing_indicator_ : MissingIndicator or None
    onehot_encoder_ : OneHotEncoder or None
    ordinal_encoder_ : OrdinalEncoder or None
        Gives the embedded columns' codes minus one (-1 for unknown).
    n_numeric_out_ : int
        Width of the numeric part of the output.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skdnn._tabular_input import TabularInput
    >>> X = pd.DataFrame({"age": [20.0, 35.0, np.nan, 50.0],
    ...                   "colour": ["red", "blue", "red", None]})
    >>> enc = TabularInput().fit(X)
    >>> list(enc.get_feature_names_out())
    ['age', 'missingindicator_age', 'colour_blue', 'colour_red', 'colour_nan']
    >>> enc.transform(pd.DataFrame({"age": [35.0], "colour": ["green"]}))
    array([[0., 0., 0., 0., 0.]])
    """

    _parameter_constraints: dict = {
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "max_onehot_categories": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, categorical_features: Any = "from_dtype", max_onehot_categories: int = 8):
        self.categorical_features = categorical_features
        self.max_onehot_categories = max_onehot_categories

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> TabularInput:
        """Learn the columns' kinds, the numeric scaling and the categories.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A DataFrame may mix numbers, strings, categories, booleans and missing
            values; an array is numeric unless ``categorical_features`` says otherwise.
        y : None
            Ignored.

        Returns
        -------
        self : TabularInput
        """
        X = _as_frame_or_array(self, X, reset=True)
        names = _column_names(X)
        self.is_categorical_ = _resolve_categorical(X, self.categorical_features, names)
        columns = [_column(X, j) for j in range(X.shape[1])]
        keep = [_usable(col) for col in columns]
        self.dropped_features_ = [names[j] for j in range(len(names)) if not keep[j]]
        if self.dropped_features_:
            warnings.warn(
                f"TabularInput: dropped column(s) {self.dropped_features_}: all missing or a "
                "single value at fit, they carry no information.",
                UserWarning,
                stacklevel=2,
            )
        kept = [j for j in range(len(names)) if keep[j]]
        self._numeric_idx = [j for j in kept if not self.is_categorical_[j]]
        categorical = [j for j in kept if self.is_categorical_[j]]
        if not self._numeric_idx and not categorical:
            raise ValueError(
                "TabularInput: no usable column left (every column is all missing or "
                f"constant at fit, n_samples={X.shape[0]}); give it data that varies."
            )
        self._fit_numeric(X, names)
        self._fit_categorical(columns, categorical, names)
        return self

    def _fit_numeric(self, X: Any, names: list) -> None:
        self.numeric_features_ = [names[j] for j in self._numeric_idx]
        self.scaler_ = self.missing_indicator_ = None
        self.missing_indicator_features_ = []
        if not self._numeric_idx:
            return
        values = _numeric_block(X, self._numeric_idx, names)
        self.scaler_ = RobustScaleSmoothClip().fit(values)
        if np.isnan(values).any():
            self.missing_indicator_ = MissingIndicator(error_on_new=False).fit(values)
            self.missing_indicator_features_ = [
                self.numeric_features_[j] for j in self.missing_indicator_.features_
            ]

    def _fit_categorical(self, columns: list, categorical: list, names: list) -> None:
        values = {j: _categorical_values(columns[j]) for j in categorical}
        self._as_str = {j: as_str for j, (_, as_str) in values.items()}
        known = {j: _categories(v) for j, (v, _) in values.items()}
        self.categories_ = {names[j]: known[j] for j in categorical}
        wide = [len(known[j]) > self.max_onehot_categories for j in categorical]
        self._onehot_idx = [j for j, w in zip(categorical, wide) if not w]
        self._embedded_idx = [j for j, w in zip(categorical, wide) if w]
        self.onehot_features_ = [names[j] for j in self._onehot_idx]
        self.embedded_features_ = [names[j] for j in self._embedded_idx]
        self.onehot_encoder_ = self.ordinal_encoder_ = None
        if self._onehot_idx:
            block = _stack([values[j][0] for j in self._onehot_idx])
            self.onehot_encoder_ = OneHotEncoder(
                handle_unknown="ignore", sparse_output=False, dtype=np.float64
            ).fit(block)
        if self._embedded_idx:
            block = _stack([values[j][0] for j in self._embedded_idx])
            self.ordinal_encoder_ = OrdinalEncoder(
                categories=[known[j] for j in self._embedded_idx],
                handle_unknown="use_encoded_value",
                unknown_value=-1,
                encoded_missing_value=-1,
                dtype=np.float64,
            ).fit(block)
        self.cardinalities_ = np.array([len(known[j]) for j in self._embedded_idx], dtype=np.intp)
        self.n_numeric_out_ = (
            len(self._numeric_idx)
            + len(self.missing_indicator_features_)
            + (len(self.onehot_encoder_.get_feature_names_out()) if self.onehot_encoder_ else 0)
        )

    def encode(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """The numeric matrix and the embedded columns' codes, apart.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, ``n_features_in_``)
            Same columns, in the same order, as at fit.

        Returns
        -------
        numeric : ndarray of float64, shape (n_samples, ``n_numeric_out_``)
            Scaled numeric columns, missing indicators, one-hot columns.
        codes : ndarray of intp, shape (n_samples, ``len(embedded_features_)``)
            0 for a missing or unseen category, ``1..K`` for the categories at fit.
        """
        check_is_fitted(self)
        X = _as_frame_or_array(self, X, reset=False)
        n = X.shape[0]
        names = _column_names(X, self)
        parts = []
        if self._numeric_idx:
            values = _numeric_block(X, self._numeric_idx, names)
            parts.append(np.nan_to_num(self.scaler_.transform(values), nan=0.0))
            if self.missing_indicator_ is not None:
                parts.append(self.missing_indicator_.transform(values).astype(np.float64))
        if self.onehot_encoder_ is not None:
            parts.append(self.onehot_encoder_.transform(self._category_block(X, self._onehot_idx)))
        numeric = np.hstack(parts) if parts else np.empty((n, 0))
        codes = np.empty((n, 0), dtype=np.intp)
        if self.ordinal_encoder_ is not None:
            block = self._category_block(X, self._embedded_idx)
            codes = self.ordinal_encoder_.transform(block).astype(np.intp) + 1
        return numeric, codes

    def transform(self, X: Any) -> np.ndarray:
        """The numeric matrix, then the embedded columns' codes as floats.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, ``n_features_in_``)
            Same columns, in the same order, as at fit.

        Returns
        -------
        ndarray of float64, shape (n_samples, ``n_numeric_out_`` + ``len(embedded_features_)``)
        """
        numeric, codes = self.encode(X)
        return np.hstack([numeric, codes.astype(np.float64)])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of :meth:`transform`'s columns.

        Numeric columns keep their names, an indicator is ``missingindicator_<name>``,
        a one-hot column ``<name>_<category>``, an embedded column its name.

        Parameters
        ----------
        input_features : None
            Ignored: the names are those seen at fit (``x0``, ``x1``... for an array).

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        names = list(self.numeric_features_)
        names += [f"missingindicator_{name}" for name in self.missing_indicator_features_]
        if self.onehot_encoder_ is not None:
            names += list(self.onehot_encoder_.get_feature_names_out(self.onehot_features_))
        names += list(self.embedded_features_)
        return np.asarray(names, dtype=object)

    def _category_block(self, X: Any, idx: list) -> np.ndarray:
        cols = []
        for j in idx:
            values, _ = _categorical_values(_column(X, j), force_str=self._as_str[j])
            cols.append(values)
        return _stack(cols)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


# ----------------------------------------------------------------- column helpers


def _as_frame_or_array(estimator: Any, X: Any, reset: bool) -> Any:
    """A pandas DataFrame as it is, anything else as a 2-D array; feature checks done."""
    if sp.issparse(X):
        raise TypeError(
            "TabularInput takes a dense table (a pandas DataFrame or an array), got a "
            f"sparse {type(X).__name__}. Convert it with X.toarray(), or give sparse input "
            "to DNNClassifier/DNNRegressor, which take it."
        )
    if _is_pandas(X):
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        if X.shape[0] == 0:
            raise ValueError("TabularInput: X has 0 rows; at least one is required.")
        return X
    X = check_array(X, dtype=None, ensure_all_finite=False)
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    return X


def _is_pandas(X: Any) -> bool:
    return type(X).__module__.startswith("pandas") and hasattr(X, "iloc")


def _column_names(X: Any, fitted: Any = None) -> list:
    if _is_pandas(X) and all(isinstance(c, str) for c in X.columns):
        return list(X.columns)
    if fitted is not None and hasattr(fitted, "feature_names_in_"):
        return list(fitted.feature_names_in_)
    return [f"x{j}" for j in range(X.shape[1])]


def _column(X: Any, j: int) -> Any:
    """Column ``j`` as a pandas Series (DataFrame) or a 1-D array."""
    return X.iloc[:, j] if _is_pandas(X) else X[:, j]


def _is_categorical_dtype(dtype: Any) -> bool:
    kind = getattr(dtype, "kind", "O")
    name = str(dtype)
    return kind in "bOSU" or name in ("category", "boolean") or name.startswith("string")


def _resolve_categorical(X: Any, spec: Any, names: list) -> np.ndarray:
    """``categorical_features`` as a boolean mask over the columns (HGB's rules)."""
    n = X.shape[1]
    if spec is None:
        return np.zeros(n, dtype=bool)
    if isinstance(spec, str) and spec == "from_dtype":
        if not _is_pandas(X):
            return np.zeros(n, dtype=bool)
        return np.array([_is_categorical_dtype(dt) for dt in X.dtypes], dtype=bool)
    spec = np.asarray(spec)
    if spec.size == 0:
        return np.zeros(n, dtype=bool)
    if spec.dtype.kind == "b":
        if spec.shape != (n,):
            raise ValueError(
                f"categorical_features as a boolean mask must have shape ({n},), one entry "
                f"per column; got shape {spec.shape}."
            )
        return spec.copy()
    if spec.dtype.kind in "iu":
        if spec.min() < 0 or spec.max() >= n:
            raise ValueError(
                f"categorical_features={spec.tolist()!r}: integer indices must lie in "
                f"[0, {n - 1}] for X with {n} columns."
            )
        mask = np.zeros(n, dtype=bool)
        mask[spec] = True
        return mask
    if spec.dtype.kind in "UO" and all(isinstance(s, str) for s in spec.ravel()):
        if not _is_pandas(X):
            raise ValueError(
                "categorical_features given as names needs X with column names (a "
                "DataFrame); for an array, give integer indices or a boolean mask."
            )
        unknown = [str(s) for s in spec.ravel() if s not in names]
        if unknown:
            raise ValueError(
                f"categorical_features names {unknown} not found among the columns of X: {names}."
            )
        return np.isin(np.asarray(names, dtype=object), spec.ravel())
    raise ValueError(
        "categorical_features must be 'from_dtype', None, or an array-like of int "
        f"indices, str names or a bool mask; got {spec.tolist()!r}."
    )


def _missing(col: Any) -> np.ndarray:
    if _is_pandas(col):
        return col.isna().to_numpy()
    if col.dtype.kind == "f":
        return np.isnan(col)
    return np.array([_is_missing(v) for v in col], dtype=bool)


def _is_missing(v: Any) -> bool:
    """None, NaN, NaT or pandas' NA (whose comparisons are NA: truth-testing one raises)."""
    if v is None:
        return True
    try:
        return bool(v != v)
    except TypeError:
        return True


def _usable(col: Any) -> bool:
    """Whether a column has two distinct values at least, a missing value counting."""
    missing = _missing(col)
    values = col[~missing] if not _is_pandas(col) else col[~missing].to_numpy(dtype=object)
    distinct = len(set(values.tolist())) if len(values) else 0
    return distinct + int(missing.any()) >= 2


def _numeric_block(X: Any, idx: list, names: list) -> np.ndarray:
    """The numeric columns as float64, missing values (NaN, None, pd.NA) as NaN."""
    cols = []
    for j in idx:
        col = _column(X, j)
        try:
            if _is_pandas(col):
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values = np.asarray(col, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"TabularInput: column {names[j]!r} is treated as numeric but holds values "
                f"that are not numbers ({exc}). Name it in categorical_features, or give it "
                "a string or category dtype with categorical_features='from_dtype'."
            ) from exc
        if np.isinf(values).any():
            raise ValueError(
                f"TabularInput: column {names[j]!r} holds infinite values; replace them "
                "(by NaN for missing, or by a finite number)."
            )
        cols.append(values)
    return np.column_stack(cols)


def _categorical_values(col: Any, force_str: bool = False) -> tuple[np.ndarray, bool]:
    """A categorical column as an object array, missing values as ``np.nan``.

    Values of mixed types (which scikit-learn's encoders cannot sort) become strings;
    the second return value says whether they were.
    """
    missing = _missing(col)
    values = col.to_numpy(dtype=object) if _is_pandas(col) else np.asarray(col, dtype=object)
    values = values.copy()
    values[missing] = np.nan
    present = values[~missing]
    if force_str or len({type(v) for v in present}) > 1:
        values[~missing] = [str(v) for v in present]
        return values, True
    return values, False


def _categories(values: np.ndarray) -> np.ndarray:
    present = values[[not _is_missing(v) for v in values]]
    return np.array(sorted(set(present.tolist())), dtype=object)


def _stack(cols: list) -> np.ndarray:
    return np.column_stack(cols).astype(object, copy=False)
