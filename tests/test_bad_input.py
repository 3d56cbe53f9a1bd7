"""The bad-input matrix: every kind of bad value ends in a clear ValueError or TypeError.

Each row of :data:`CASES` is ``(id, call, expected exception type, regex)``. The regex
must match the message (it names the offending value, and usually what to do), and the
call must emit no warning at all: a bad input is reported once, as an error, never as
NumPy warning spam or as an IndexError / ZeroDivisionError from deep inside.
"""

import copy
import functools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from skdnn.layers import PeriodicEmbedding
from tests._helpers import DNNClassifier, FakeGPUBackend

RNG = np.random.RandomState(0)
X = RNG.randn(30, 4)
Y = np.arange(30) % 3
Y_ML = (X[:, :3] > 0).astype(int)


def _new(**params):
    params = {"hidden_layer_sizes": (3,), "max_iter": 2, "random_state": 0, **params}
    return DNNClassifier(**params)


@functools.cache
def _fitted(kind="plain"):
    """Small fitted models shared by the cases (a failed call must not change them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "plain":
            return _new().fit(X, Y)
        if kind == "float32":
            return _new(dtype="float32").fit(X, Y)
        if kind == "partial":
            return _new().partial_fit(X, Y, classes=[0, 1, 2])
        if kind == "multilabel":
            return _new().partial_fit(X, Y_ML)
        if kind == "names":
            return _new().fit(pd.DataFrame(X, columns=list("abcd")), Y)
        if kind == "warm":
            return _new(warm_start=True).fit(X, Y)
    raise AssertionError(kind)


def _with_nan(a, value=np.nan):
    a = np.array(a, dtype=float)
    a.flat[0] = value
    return a


# ---------------------------------------------------------------- fit: X and y

FIT_CASES = [
    ("X_nan", lambda: _new().fit(_with_nan(X), Y), ValueError, "Input X contains NaN"),
    ("X_inf", lambda: _new().fit(_with_nan(X, np.inf), Y), ValueError,
     "Input X contains infinity"),
    ("X_neg_inf", lambda: _new().fit(_with_nan(X, -np.inf), Y), ValueError,
     "Input X contains infinity"),
    ("X_sparse_nan", lambda: _new().fit(sp.csr_matrix(_with_nan(X)), Y), ValueError,
     "Input X contains NaN"),
    ("X_empty", lambda: _new().fit(np.zeros((0, 4)), np.zeros(0)), ValueError,
     r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\)"),
    ("X_no_features", lambda: _new().fit(np.zeros((4, 0)), [0, 1, 0, 1]), ValueError,
     r"Found array with 0 feature\(s\) \(shape=\(4, 0\)\)"),
    ("X_1d", lambda: _new().fit(np.zeros(4), [0, 1, 0, 1]), ValueError,
     r"Expected 2D array, got 1D array(.|\n)*Reshape your data"),
    ("X_3d", lambda: _new().fit(np.zeros((4, 2, 2)), [0, 1, 0, 1]), ValueError,
     "Found array with dim 3"),
    ("X_scalar", lambda: _new().fit(3.0, [0]), ValueError, "Expected 2D array, got scalar"),
    ("X_ragged", lambda: _new().fit([[1.0, 2.0], [3.0]], [0, 1]), ValueError,
     "inhomogeneous"),
    ("X_strings", lambda: _new().fit(np.array([["a", "b"]] * 4), [0, 1, 0, 1]), ValueError,
     "could not convert string to float: .*'a'"),
    ("X_object_mixed", lambda: _new().fit(np.array([[1, "b"]] * 4, dtype=object), [0, 1] * 2),
     ValueError, "could not convert string to float: 'b'"),
    ("X_dataframe_str_column",
     lambda: _new().fit(pd.DataFrame({"a": ["x"] * 4, "b": [1.0] * 4}), [0, 1, 0, 1]),
     ValueError, r"1 non-numeric column\(s\): 'a' \(\w+\)\..*OneHotEncoder"),
    ("X_complex", lambda: _new().fit(X + 1j, Y), ValueError, "Complex data not supported"),
    ("X_beyond_float32", lambda: _new(dtype="float32").fit(X * 1e300, Y), ValueError,
     r"magnitude 2.55e\+300, beyond the float32 range.*dtype='float64'"),
    ("y_none", lambda: _new().fit(X, None), ValueError, "requires y to be passed"),
    ("lengths_mismatch", lambda: _new().fit(X, Y[:-1]), ValueError,
     r"inconsistent numbers of samples: \[30, 29\]"),
    ("y_continuous", lambda: _new().fit(X, RNG.randn(30)), ValueError,
     "Unknown label type: continuous"),
    ("y_mixed_number_str", lambda: _new().fit(X, np.array([0, "a"] * 15, dtype=object)),
     ValueError, r"y mixes labels of types \['number', 'str'\].*y.astype\(str\)"),
    ("y_mixed_none_str",
     lambda: _new().fit(X[:4], np.array(["a", None, "b", "a"], dtype=object)),
     ValueError, r"y mixes labels of types \['NoneType', 'str'\]"),
    ("y_nan", lambda: _new().fit(X, _with_nan(Y)), ValueError, "Input y contains NaN"),
    ("y_inf", lambda: _new().fit(X, _with_nan(Y, np.inf)), ValueError,
     "Input y contains infinity"),
    ("y_3d", lambda: _new().fit(X, np.zeros((30, 2, 2))), ValueError, "Found array with dim 3"),
    ("y_multiclass_multioutput", lambda: _new().fit(X, np.c_[Y, Y]), ValueError,
     "got 'multiclass-multioutput'.*MultiOutputClassifier"),
    ("y_multilabel_not_01", lambda: _new().fit(X, Y_ML * 2), ValueError,
     r"only 0 and 1, got the values \[0, 2\]"),
    ("sparse_on_gpu_backend", lambda: _new(backend=FakeGPUBackend()).fit(sp.csr_matrix(X), Y),
     ValueError, "does not accept sparse input; densify it with X.toarray"),
    ("early_stopping_too_few", lambda: _new(early_stopping=True).fit(X[:3], Y[:3]), ValueError,
     "The validation set is too small.*validation_fraction=0.1 of 3 samples holds out 1"),
    ("early_stopping_unstratifiable",
     lambda: _new(early_stopping=True).fit(X[:12], np.r_[np.zeros(11), 1]), ValueError,
     "could not hold out a validation_fraction=0.1 of 12 samples.*least populated class"),
    ("warm_start_unseen_classes", lambda: _fitted("warm").fit(X, Y + 10), ValueError,
     r"warm_start can only be used .* Previously got \[0 1 2\], `y` has \[10 11 12\]"),
    ("warm_start_other_feature_count", lambda: _fitted("warm").fit(X[:, :2], Y), ValueError,
     "X has 2 features, but DNNClassifier is expecting 4 features"),
    ("init_returns_wrong_shape", lambda: _new(init=lambda a, b, rng, dt: np.zeros((1, 1)))
     .fit(X, Y), ValueError, r"returned ndarray of shape \(1, 1\); expected .* \(4, 3\)"),
]

# ------------------------------------------------------- sample and class weights

WEIGHT_CASES = [
    ("sw_negative", lambda: _new().fit(X, Y, sample_weight=-np.ones(30)), ValueError,
     "Negative values in data passed to `sample_weight`"),
    ("sw_nan", lambda: _new().fit(X, Y, sample_weight=np.full(30, np.nan)), ValueError,
     "Input sample_weight contains NaN"),
    ("sw_inf", lambda: _new().fit(X, Y, sample_weight=np.full(30, np.inf)), ValueError,
     "Input sample_weight contains infinity"),
    ("sw_nan_scalar", lambda: _new().fit(X, Y, sample_weight=np.nan), ValueError,
     "sample_weight holds NaN or infinity"),
    ("sw_all_zero", lambda: _new().fit(X, Y, sample_weight=np.zeros(30)), ValueError,
     "at least one non-zero"),
    ("sw_zero_scalar", lambda: _new().fit(X, Y, sample_weight=0.0), ValueError,
     "at least one non-zero"),
    ("sw_wrong_length", lambda: _new().fit(X, Y, sample_weight=np.ones(29)), ValueError,
     r"sample_weight.shape == \(29,\), expected \(30,\)"),
    ("sw_2d", lambda: _new().fit(X, Y, sample_weight=np.ones((30, 2))), ValueError,
     "Sample weights must be 1D array or scalar"),
    ("sw_strings", lambda: _new().fit(X, Y, sample_weight=np.array(["a"] * 30)), ValueError,
     "could not convert string to float: .*'a'"),
    ("class_weight_negative", lambda: _new(class_weight={0: -1.0}).fit(X, Y), ValueError,
     r"class_weight=\{0: -1.0\} must map classes to finite, non-negative"),
    ("class_weight_nan", lambda: _new(class_weight={1: np.nan}).fit(X, Y), ValueError,
     r"class_weight=\{1: nan\} must map classes to finite"),
    ("class_weight_string_value", lambda: _new(class_weight={1: "big"}).fit(X, Y), ValueError,
     r"class_weight=\{1: 'big'\} must map classes"),
    ("class_weight_unknown_class", lambda: _new(class_weight={7: 2.0}).fit(X, Y), ValueError,
     r"class_weight has keys \[7\] that are not classes \[0, 1, 2\]"),
    ("class_weight_all_zero", lambda: _new(class_weight=dict.fromkeys(range(3), 0)).fit(X, Y),
     ValueError, "sample weights sum to zero"),
]

# ------------------------------------------------------------------- partial_fit

PARTIAL_FIT_CASES = [
    ("pf_no_classes", lambda: _new().partial_fit(X, Y), ValueError,
     r"classes must be passed on the first call.*classes=np.unique\(y_all\)"),
    ("pf_classes_empty", lambda: _new().partial_fit(X, Y, classes=[]), ValueError,
     "contains no class"),
    ("pf_classes_2d", lambda: _new().partial_fit(X, Y, classes=[[0, 1, 2]]), ValueError,
     r"classes must be a 1-D array-like of labels, got shape \(1, 3\)"),
    ("pf_classes_nan", lambda: _new().partial_fit(X, Y, classes=[0, 1, np.nan]), ValueError,
     r"classes=\[0.0, 1.0, nan\] holds NaN"),
    ("pf_y_not_in_classes", lambda: _new().partial_fit(X, Y, classes=[0, 1]), ValueError,
     r"y contains labels \[2\] not in classes_ \[0, 1\]"),
    ("pf_balanced", lambda: _new(class_weight="balanced").partial_fit(X, Y, classes=[0, 1, 2]),
     ValueError, "class_weight='balanced' is not supported for partial_fit.*dict"),
    ("pf_X_nan", lambda: _new().partial_fit(_with_nan(X), Y, classes=[0, 1, 2]), ValueError,
     "Input X contains NaN"),
    ("pf_sw_zero", lambda: _new().partial_fit(X, Y, classes=[0, 1, 2], sample_weight=np.zeros(30)),
     ValueError, "at least one non-zero"),
    ("pf_sparse_on_gpu_backend",
     lambda: _new(backend=FakeGPUBackend()).partial_fit(sp.csr_matrix(X), Y, classes=[0, 1, 2]),
     ValueError, "does not accept sparse input"),
    ("pf_later_unseen_labels", lambda: _fitted("partial").partial_fit(X, Y + 10), ValueError,
     r"y contains labels \[10, 11, 12\] not in classes_ \[0, 1, 2\]"),
    ("pf_later_other_classes",
     lambda: _fitted("partial").partial_fit(X, Y, classes=[0, 1, 2, 3]), ValueError,
     "differs from classes_.*partial_fit cannot change the set of classes"),
    ("pf_later_feature_count", lambda: _fitted("partial").partial_fit(X[:, :2], Y), ValueError,
     "X has 2 features, but DNNClassifier is expecting 4 features"),
    ("pf_later_single_label_on_multilabel", lambda: _fitted("multilabel").partial_fit(X, Y),
     ValueError, "y is 'multiclass' but the model was fitted on multilabel targets"),
    ("pf_later_label_columns", lambda: _fitted("multilabel").partial_fit(X, Y_ML[:, :2]),
     ValueError, "y has 2 label columns but the model was fitted with 3"),
    ("pf_later_param_out_of_range",
     lambda: copy.deepcopy(_fitted("partial")).set_params(alpha=-1.0).partial_fit(X, Y),
     ValueError, "The 'alpha' parameter of DNNClassifier must be .* Got -1.0"),
    ("pf_later_beyond_float32", lambda: _fitted("float32").partial_fit(X * 1e300, Y), ValueError,
     "beyond the float32 range"),
]

# ---------------------------------------------------------------- predict*

PREDICT_METHODS = ["predict", "predict_proba", "predict_log_proba"]


def _predict_cases(method):
    def call(kind, data):
        return lambda: getattr(_fitted(kind), method)(data)

    rows = [
        ("nan", call("plain", _with_nan(X)), ValueError, "Input X contains NaN"),
        ("inf", call("plain", _with_nan(X, np.inf)), ValueError, "Input X contains infinity"),
        ("feature_count", call("plain", X[:, :2]), ValueError,
         "X has 2 features, but DNNClassifier is expecting 4 features"),
        ("empty", call("plain", np.zeros((0, 4))), ValueError,
         r"Found array with 0 sample\(s\)"),
        ("1d", call("plain", np.zeros(4)), ValueError, "Expected 2D array, got 1D array"),
        ("3d", call("plain", np.zeros((2, 4, 1))), ValueError, "Found array with dim 3"),
        ("strings", call("plain", np.array([["a"] * 4])), ValueError,
         "could not convert string to float: .*'a'"),
        ("beyond_float32", call("float32", np.full((2, 4), 1e300)), ValueError,
         r"magnitude 1e\+300, beyond the float32 range"),
        ("feature_names", call("names", pd.DataFrame(X, columns=list("abce"))), ValueError,
         "feature names should match those that were passed during fit"),
        ("not_fitted", lambda: getattr(_new(), method)(X), NotFittedError,
         "This DNNClassifier instance is not fitted yet. Call 'fit'"),
    ]
    return [(f"{method}_{name}", *rest) for name, *rest in rows]


PREDICT_CASES = [case for method in PREDICT_METHODS for case in _predict_cases(method)]

# -------------------------------------------------- constructor parameters

# (parameter, bad value, expected type): InvalidParameterError is both a ValueError and
# a TypeError, so a wrong type is asserted as TypeError and a wrong range as ValueError.
BAD_PARAMS = [
    ("hidden_layer_sizes", "abc", TypeError),
    ("hidden_layer_sizes", 0, ValueError),
    ("hidden_layer_sizes", None, TypeError),
    ("activation", 3, TypeError),
    ("solver", 1.0, TypeError),
    ("alpha", -1.0, ValueError),
    ("alpha", np.nan, ValueError),
    ("alpha", np.inf, ValueError),
    ("alpha", "x", TypeError),
    ("batch_size", 0, ValueError),
    ("batch_size", 2.5, TypeError),
    ("batch_size", "big", ValueError),
    ("learning_rate", "cosine", ValueError),
    ("learning_rate_init", 0.0, ValueError),
    ("learning_rate_init", np.nan, ValueError),
    ("learning_rate_init", np.inf, ValueError),
    ("power_t", -1.0, ValueError),
    ("max_iter", 0, ValueError),
    ("max_iter", 2.0, TypeError),
    ("shuffle", "yes", TypeError),
    ("random_state", "seed", TypeError),
    ("random_state", -1, ValueError),
    ("tol", -1.0, ValueError),
    ("tol", np.nan, ValueError),
    ("verbose", "loud", TypeError),
    ("warm_start", 1.5, TypeError),
    ("momentum", 1.5, ValueError),
    ("nesterovs_momentum", None, TypeError),
    ("early_stopping", "no", TypeError),
    ("validation_fraction", 1.0, ValueError),
    ("validation_fraction", 0.0, ValueError),
    ("beta_1", 1.0, ValueError),
    ("beta_2", -0.1, ValueError),
    ("epsilon", 0.0, ValueError),
    ("n_iter_no_change", 0, ValueError),
    ("n_iter_no_change", 2.5, TypeError),
    ("max_fun", 0, ValueError),
    ("max_fun", 2.5, TypeError),
    ("loss", 5, TypeError),
    ("init", 5, TypeError),
    ("backend", object(), TypeError),
    ("class_weight", "auto", ValueError),
    ("class_weight", [1, 2], TypeError),
    ("dtype", "float16", ValueError),
    ("dtype", np.int32, ValueError),
    ("dtype", np.dtype("float16"), ValueError),
    ("dropout", -0.1, ValueError),
    ("dropout", 1.0, ValueError),
    ("dropout", "half", TypeError),
    ("validation_scoring", "acuracy", ValueError),
    ("validation_scoring", 5, TypeError),
    ("n_threads", 0, ValueError),
    ("n_threads", 1.5, TypeError),
    ("lr_schedule", 3, TypeError),
    ("weight_decay", -0.1, ValueError),
    ("weight_decay", "much", TypeError),
    ("label_smoothing", 1.0, ValueError),
    ("label_smoothing", -0.1, ValueError),
    ("n_ensemble", 0, ValueError),
    ("n_ensemble", 2.5, TypeError),
    ("ensemble", "bagging", ValueError),
    ("feature_embedding", 5, TypeError),
]

# Values that pass the declarative constraints but are checked when resolved.
BAD_RESOLVED_PARAMS = [
    ("hidden_layer_sizes", (10, 0), ValueError,
     r"hidden_layer_sizes must contain positive integers, got \(10, 0\)"),
    ("hidden_layer_sizes", (3.5,), ValueError,
     r"hidden_layer_sizes must contain positive integers, got \(3.5,\)"),
    ("hidden_layer_sizes", (True,), ValueError,
     r"hidden_layer_sizes must contain positive integers, got \(True,\)"),
    ("loss", "hinge", ValueError, "Unknown loss 'hinge'. Valid names are: 'cross_entropy'"),
    ("init", "orthogonal", ValueError, "Unknown init 'orthogonal'. Valid names are: 'gaussian'"),
    ("activation", "swoosh", ValueError, "Unknown activation 'swoosh'. Valid names are:"),
    ("activation", ("relu", "tanh", "gelu"), ValueError,
     r"activation=\('relu', 'tanh', 'gelu'\) has 3 entries but hidden_layer_sizes="),
    ("dropout", (0.1, 0.2, 0.3), ValueError,
     r"dropout=\(0.1, 0.2, 0.3\) has 3 entries but hidden_layer_sizes="),
    ("dropout", (1.5,), ValueError, r"dropout=\(1.5,\): every rate must be a number in \[0, 1\)"),
    ("dropout", [-0.5], ValueError, r"dropout=\[-0.5\]: every rate must be a number in \[0, 1\)"),
    ("solver", "newton", ValueError, "Unknown solver 'newton'. Valid names are: 'adam', 'lbfgs'"),
    ("backend", "jax", ValueError, "Unknown backend 'jax'. Valid names are: .*'numpy'"),
    ("lr_schedule", "linear", ValueError,
     "Unknown lr_schedule 'linear'. Valid names are: 'cosine', 'coslog4', 'warmup_cosine'"),
    ("feature_embedding", "fourier", ValueError,
     "Unknown feature_embedding 'fourier'. Valid names are: 'periodic', 'piecewise_linear'"),
    ("feature_embedding", PeriodicEmbedding(n_frequencies=0), ValueError,
     "n_frequencies must be an integer >= 1, got 0"),
]


def _param_cases(method):
    def call(param, value):
        if method == "fit":
            return lambda: _new(**{param: value}).fit(X, Y)
        return lambda: _new(**{param: value}).partial_fit(X, Y, classes=[0, 1, 2])

    rows = [
        (f"{method}_{param}={value!r}", call(param, value), exc,
         rf"The '{param}' parameter of DNNClassifier must be .* Got {re.escape(repr(value))}")
        for param, value, exc in BAD_PARAMS
    ]
    rows += [
        (f"{method}_{param}={value!r}", call(param, value), exc, match)
        for param, value, exc, match in BAD_RESOLVED_PARAMS
    ]
    return rows


PARAM_CASES = _param_cases("fit") + _param_cases("partial_fit")

CASES = FIT_CASES + WEIGHT_CASES + PARTIAL_FIT_CASES + PREDICT_CASES + PARAM_CASES


def test_every_constructor_parameter_has_a_bad_value():
    """The table covers each parameter of the constructor at least once."""
    covered = {p for p, *_ in BAD_PARAMS} | {p for p, *_ in BAD_RESOLVED_PARAMS}
    assert covered == set(DNNClassifier().get_params()), set(DNNClassifier().get_params()) ^ covered


def test_case_ids_are_unique():
    """Each case has its own id, so a failure names exactly one bad input."""
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 150


@pytest.mark.parametrize(
    "call, exc, match", [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_bad_input_raises_a_clear_error(call, exc, match):
    """The exact type and message, and no warning on the way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(exc, match=match) as info:
            call()
    assert isinstance(info.value, (ValueError, TypeError))
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]


def test_shared_fitted_models_survived_every_failed_call():
    """The failed calls above left the shared fitted models untouched."""
    for kind in ["plain", "partial", "multilabel", "float32", "warm"]:
        clf = _fitted(kind)
        assert clf.n_features_in_ == 4 and clf.n_iter_ in (1, 2)
        assert all(np.isfinite(w).all() for w in clf.coefs_ + clf.intercepts_)
