"""Input checks: one path for X at fit and at predict (host, device or sparse), and the
checks of sample weights, labels and sizes that come before any training.

Nothing here trains; every function either returns checked data or raises a
``ValueError`` that names the bad value and says what to do.
"""

from __future__ import annotations

import sys
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_regressor
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    _check_y,
    check_consistent_length,
    validate_data,
)

from ._utils import dtype_name

_FLOATS = [np.float64, np.float32]


def check_X(estimator: Any, X: Any, backend: Any, *, reset: bool) -> tuple[Any, bool]:
    """Validate ``X`` for fit (``reset=True`` records the features) or for predict.

    Parameters
    ----------
    estimator : BaseEstimator
        Gets ``n_features_in_`` / ``feature_names_in_`` when ``reset``, else checks them.
    X : array-like, sparse matrix, DataFrame or the backend's own array
    backend : backend plugin
    reset : bool

    Returns
    -------
    X : ndarray, sparse matrix or backend array
        Float32 or float64, finite, 2-D.
    native : bool
        Whether ``X`` is the backend's own array (device input, used where it lives).
    """
    if backend.owns(X):
        return _check_device_X(estimator, X, backend, reset), True
    _reject_text_columns(X, estimator)
    X = validate_data(estimator, X, reset=reset, accept_sparse=["csr", "csc"], dtype=_FLOATS)
    return X, False


def check_y(y: Any, X: Any, backend: Any, estimator_name: str, numeric: bool = False) -> np.ndarray:
    """``y`` as a finite host array of the same length as ``X`` (scikit-learn's checks);
    with ``numeric``, as floats (regression targets)."""
    if y is None:
        raise ValueError(
            f"{estimator_name} requires y to be passed, but the target y is None. Pass the "
            "targets as the second argument of fit."
        )
    if backend.owns(y):
        y = backend.to_numpy(y)
    y = _check_y(y, multi_output=True, y_numeric=numeric)
    check_consistent_length(X, y)
    return y


# The most columns an error message names; the rest are counted.
_MAX_NAMED_COLUMNS = 20


def _column_list(columns: list[str]) -> str:
    """``'a' (object), 'b' (category)``, at most ``_MAX_NAMED_COLUMNS`` of them."""
    shown = ", ".join(columns[:_MAX_NAMED_COLUMNS])
    more = len(columns) - _MAX_NAMED_COLUMNS
    return shown + (f" and {more} more" if more > 0 else "")


def _tabular_hint(estimator: Any) -> str:
    """A pointer to skdnn's tabular estimators, once the installed skdnn has them."""
    # The package by name, not imported: the package imports this module.
    package = sys.modules.get(__package__)
    name = "TabularRegressor" if is_regressor(estimator) else "TabularClassifier"
    if not hasattr(package, name):
        return ""
    return f" Or use skdnn.{name}, which takes such columns as they are."


def _reject_text_columns(X: Any, estimator: Any) -> None:
    """A DataFrame with string or categorical columns: say which (in column order, with
    their dtypes) and how to encode them, and which columns also miss values."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items") or not hasattr(X, "columns"):
        return
    bad = [(col, dt) for col, dt in dtypes.items() if getattr(dt, "kind", "O") not in "biuf"]
    if not bad:
        return
    message = (
        f"{type(estimator).__name__} needs numeric features, but X has {len(bad)} "
        f"non-numeric column(s): {_column_list([f'{col!r} ({dt})' for col, dt in bad])}. "
        "Encode them first, e.g. make_column_transformer((OneHotEncoder(), "
        f"{[col for col, _ in bad][:_MAX_NAMED_COLUMNS]!r}), remainder='passthrough') in a "
        "Pipeline, or drop them."
    )
    missing = X.isna().sum() if hasattr(X, "isna") else None
    if missing is not None and hasattr(missing, "items"):
        holes = [f"{col!r} ({int(n)} missing)" for col, n in missing.items() if n > 0]
        if holes:
            message += (
                f" Column(s) with missing values: {_column_list(holes)}: fill them first "
                "with SimpleImputer (strategy='most_frequent' for the text columns), in "
                "the same Pipeline."
            )
    raise ValueError(message + _tabular_hint(estimator))


def _check_device_X(estimator: Any, X: Any, backend: Any, reset: bool) -> Any:
    """Validate a backend array ``X`` where it lives (shape, dtype, finiteness)."""
    xp = backend.xp
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D {type(X).__name__} of shape "
            f"{tuple(X.shape)} instead. Reshape it to (n_samples, n_features)."
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"Found array with {X.shape[0]} sample(s) and {X.shape[1]} feature(s) "
            f"(shape={tuple(X.shape)}) while a minimum of 1 is required."
        )
    if dtype_name(X) not in ("float32", "float64"):
        X = xp.astype(X, xp.float64)
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError("Input X contains NaN or infinity. Remove or impute those values first.")
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    return X


def training_dtype(requested: Any, X: Any) -> type:
    """The float type a new model trains in: ``dtype`` if set, else float32 data stays
    float32 and anything else is float64."""
    if requested is not None:
        return np.dtype(requested).type
    return np.float32 if dtype_name(X) == "float32" else np.float64


def check_fits_dtype(X: Any, dtype: Any, remedy: str, xp: Any = np) -> None:
    """Raise if casting the validated ``X`` to ``dtype`` would overflow to infinity."""
    dtype = np.dtype(dtype)
    if np.dtype(dtype_name(X)).itemsize <= dtype.itemsize:
        return
    data = X.data if sp.issparse(X) else X
    if data.shape[0] == 0 or (sp.issparse(X) and data.size == 0):
        return
    big = float(np.finfo(dtype).max)
    peak = max(float(xp.max(data)), -float(xp.min(data)))  # no |X| temporary
    if peak > big:
        raise ValueError(
            f"X holds a value of magnitude {peak:.3g}, beyond the {dtype.name} range "
            f"(+/-{big:.3g}) the model computes in: it would become infinity. Scale the "
            f"features (e.g. StandardScaler) or {remedy}."
        )


def check_sample_weight(sample_weight: Any, X: Any, backend: Any) -> np.ndarray | None:
    """Validated non-negative, finite host weights, or None."""
    if sample_weight is None:
        return None
    if backend.owns(sample_weight):
        sample_weight = backend.to_numpy(sample_weight)
    return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)


def check_weight_total(sw: np.ndarray | None) -> None:
    """The combined weights must be finite and not all zero."""
    if sw is None:
        return
    if not np.all(np.isfinite(sw)):
        raise ValueError(
            "sample_weight holds NaN or infinity; every weight must be a finite, "
            "non-negative number."
        )
    if not float(np.sum(sw)) > 0:
        raise ValueError(
            "The sample weights sum to zero: they must contain at least one non-zero "
            "number (a positive weight, after class weights)."
        )


def check_classes(classes: Any) -> np.ndarray:
    """The sorted unique labels of partial_fit's ``classes``, checked."""
    arr = np.asarray(classes)
    if arr.ndim != 1:
        raise ValueError(
            f"classes must be a 1-D array-like of labels, got shape {arr.shape}: "
            f"{classes!r}. Pass e.g. classes=np.unique(y_all)."
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(
            f"classes={arr.tolist()!r} holds NaN or infinity, which no y may contain. "
            "Pass only the labels that can appear in y."
        )
    return np.unique(arr)


def hidden_sizes(param: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list of positive ints."""
    sizes = [param] if isinstance(param, Integral) else list(param)
    for s in sizes:
        if not isinstance(s, Integral) or isinstance(s, bool) or s < 1:
            raise ValueError(f"hidden_layer_sizes must contain positive integers, got {param!r}.")
    return [int(s) for s in sizes]


def check_targets(y):
    """Classification targets as a host array of labels.

    Returns ``(y, multilabel, target_type)``; raises for regression targets, mixed
    label types and several multiclass outputs.
    """
    if sp.issparse(y):
        y = y.toarray()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if y.dtype == object:
        # Labels must sort: str next to numbers (or None) cannot be ordered.
        kinds = {"number" if isinstance(v, Real) else type(v).__name__ for v in y.ravel()}
        if len(kinds) > 1:
            raise ValueError(
                f"y mixes labels of types {sorted(kinds)}; labels must all be numbers "
                "or all be strings. Convert them to one type, e.g. y.astype(str)."
            )
    target_type = type_of_target(y, input_name="y")
    if target_type == "unknown" or target_type.startswith("continuous"):
        check_classification_targets(y)  # scikit-learn's error for regression targets
    if target_type not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(
            f"DNNClassifier supports binary, multiclass and multilabel-indicator "
            f"targets; got {target_type!r}. For several multiclass outputs, wrap it "
            "in sklearn.multioutput.MultiOutputClassifier."
        )
    return y, target_type == "multilabel-indicator", target_type


def check_labels(y, classes_, multilabel: bool) -> None:
    """Every label of ``y`` must be one the model knows."""
    if multilabel:
        if y.shape[1] != len(classes_):
            raise ValueError(
                f"y has {y.shape[1]} label columns but the model was fitted with {len(classes_)}."
            )
        values = np.unique(y)
        if not np.isin(values, [0, 1]).all():
            raise ValueError(
                f"A multilabel indicator y must hold only 0 and 1, got the values "
                f"{values.tolist()!r}. Pass (y > 0).astype(int) or a 0/1 matrix."
            )
        return
    unseen = np.setdiff1d(np.unique(y), classes_)
    if unseen.size:
        raise ValueError(
            f"y contains labels {unseen.tolist()!r} not in classes_ {classes_.tolist()!r}: "
            "partial_fit can only learn the classes given on its first call."
        )


def encode_labels(y, classes_, multilabel: bool, dtype) -> np.ndarray:
    """Targets as an (n, n_outputs) float array (one logistic column for <= 2 classes)."""
    if multilabel:
        return y.astype(dtype)
    if len(classes_) <= 2:  # a single class is encoded as the negative one
        positive = classes_[1] if len(classes_) == 2 else None
        return (y == positive).astype(dtype)[:, None]
    Y = np.zeros((y.shape[0], len(classes_)), dtype=dtype)
    Y[np.arange(y.shape[0]), np.searchsorted(classes_, y)] = 1
    return Y


def class_weights(class_weight: Any, y: np.ndarray, classes_: np.ndarray, incremental: bool):
    """Per-sample weights from ``class_weight`` (a dict or ``"balanced"``), checked.

    A dict weighs the classes it lists (1 for the others) and may name only classes of
    ``classes_``; ``"balanced"`` is refused by ``partial_fit``, where one batch's class
    frequencies are not the data's.
    """
    if incremental and class_weight == "balanced":
        raise ValueError(
            "class_weight='balanced' is not supported for partial_fit: the class "
            "frequencies of one batch are not those of the data. Pass a dict of "
            "weights computed on the whole data instead."
        )
    if not isinstance(class_weight, dict) or y.ndim != 1:
        return compute_sample_weight(class_weight, y)
    known = set(classes_.tolist())
    unknown = [k for k in class_weight if k not in known]
    if unknown:
        raise ValueError(
            f"class_weight has keys {unknown!r} that are not classes "
            f"{classes_.tolist()!r}; give weights only for labels that appear in y."
        )
    weights = np.array([class_weight.get(c, 1.0) for c in classes_.tolist()])
    if weights.dtype.kind not in "biuf" or not np.all(np.isfinite(weights) & (weights >= 0)):
        raise ValueError(
            f"class_weight={class_weight!r} must map classes to finite, non-negative numbers."
        )
    return weights.astype(np.float64)[np.searchsorted(classes_, y)]
