"""Property-based tests: any shape, label type and dtype either fits or fails as documented."""

import os
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from tests._helpers import DNNClassifier

# A batch_size above the sample count is clipped with a documented UserWarning.
pytestmark = pytest.mark.filterwarnings("ignore:Got batch_size=.*larger than:UserWarning")

# Random exploration locally; the same examples every time in CI (CI=true), so a
# submission never fails on a draw that the previous run did not make.
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)

LABEL_KINDS = ["int", "str", "float", "negative_int", "object_str", "bool"]


def _labels(kind, n_classes):
    base = np.arange(n_classes)
    return {
        "int": base,
        "str": np.array([f"class_{i}" for i in base]),
        "float": base * 2.0,  # integral floats; others are "continuous" in sklearn
        "bool": base.astype(bool),
        "negative_int": base - 100,
        "object_str": np.array([f"c{i}" for i in base], dtype=object),
    }[kind]


@st.composite
def problems(draw):
    """A small classification problem with every class present."""
    n_classes = draw(st.integers(2, 12))
    n_features = draw(st.integers(1, 50))
    n_samples = draw(st.integers(n_classes, 60))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features).astype(dtype)
    codes = rng.permutation(np.arange(n_samples) % n_classes)
    kinds = LABEL_KINDS if n_classes == 2 else LABEL_KINDS[:-1]
    labels = _labels(draw(st.sampled_from(kinds)), n_classes)
    params = dict(
        hidden_layer_sizes=tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))),
        batch_size=draw(st.sampled_from(["auto", 1, 2, 3, 7, 13, n_samples])),
        activation=draw(st.sampled_from(["relu", "tanh", "logistic", "identity"])),
        solver=draw(st.sampled_from(["adam", "sgd"])),
        max_iter=2,
        random_state=seed,
    )
    return X, labels[codes], labels, params


def _fit(clf, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, **kwargs)


@SETTINGS
@given(problems())
def test_fit_succeeds_and_outputs_have_the_right_shape_dtype_and_range(problem):
    """Predictions are labels of y; probabilities are in [0, 1], rows sum to 1."""
    X, y, labels, params = problem
    clf = _fit(DNNClassifier(**params), X, y)
    n, k = len(X), len(labels)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    assert clf.n_features_in_ == X.shape[1] and clf.n_iter_ == 2
    assert len(clf.coefs_) == len(params["hidden_layer_sizes"]) + 1
    assert all(w.dtype == X.dtype for w in clf.coefs_ + clf.intercepts_)
    pred = clf.predict(X)
    assert pred.shape == (n,) and pred.dtype == clf.classes_.dtype
    assert set(pred.tolist()) <= set(labels.tolist())
    P = clf.predict_proba(X)
    assert P.shape == (n, k) and P.dtype == X.dtype
    assert np.all((P >= 0) & (P <= 1))
    tol = 1e-5 if X.dtype == np.float32 else 1e-6
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=tol)
    log_P = clf.predict_log_proba(X)
    assert log_P.shape == (n, k) and np.all(np.isfinite(log_P)) and np.all(log_P <= 0)
    np.testing.assert_array_equal(pred, clf.classes_[np.argmax(P, axis=1)])


CORRUPTIONS = {
    "none": None,
    "nan_in_X": re.escape("Input X contains NaN"),
    "inf_in_X": re.escape("Input X contains infinity"),
    "one_class": None,  # fitted, as MLPClassifier fits it: that class is predicted
    "short_y": "inconsistent numbers of samples",
    "negative_weight": "Negative values in data passed to `sample_weight`",
    "zero_weights": "at least one non-zero",
    "continuous_y": "Unknown label type: continuous",
}


@SETTINGS
@given(problems(), st.sampled_from(sorted(CORRUPTIONS)), st.data())
def test_fit_either_succeeds_or_raises_the_documented_error(problem, corruption, data):
    """One corruption of a valid problem gives its documented ValueError, nothing else."""
    X, y, _, params = problem
    X, y = X.copy(), y.copy()
    sample_weight = None
    if corruption in ("nan_in_X", "inf_in_X"):
        i = data.draw(st.integers(0, X.size - 1))
        X.flat[i] = np.nan if corruption == "nan_in_X" else -np.inf
    elif corruption == "one_class":
        y[:] = y[0]
    elif corruption == "short_y":
        y = y[:-1]
    elif corruption == "negative_weight":
        sample_weight = np.ones(len(y))
        sample_weight[data.draw(st.integers(0, len(y) - 1))] = -1.0
    elif corruption == "zero_weights":
        sample_weight = np.zeros(len(y))
    elif corruption == "continuous_y":
        y = np.linspace(0.1, 0.9, len(y)) + 1e-3 * np.arange(len(y))
    clf = DNNClassifier(**params)
    match = CORRUPTIONS[corruption]
    if match is None:
        _fit(clf, X, y, sample_weight=sample_weight)
        assert clf.predict(X).shape == (len(X),)
        if corruption == "one_class":
            assert set(clf.predict(X).tolist()) == {y[0]}
        return
    try:
        _fit(clf, X, y, sample_weight=sample_weight)
    except ValueError as exc:
        assert re.search(match, str(exc)), (corruption, str(exc))
    else:
        raise AssertionError(f"{corruption} was accepted")
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "n_features_in_")


@SETTINGS
@given(
    n_labels=st.integers(2, 6),
    n_features=st.integers(1, 20),
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_multilabel_outputs_are_indicators(n_labels, n_features, seed, dtype):
    """Multilabel predictions are 0/1 matrices; probabilities are independent in [0, 1]."""
    rng = np.random.RandomState(seed)
    X = rng.randn(40, n_features).astype(dtype)
    Y = (rng.rand(40, n_labels) > 0.5).astype(int)
    Y[0], Y[1] = 0, 1  # every column holds both values
    clf = _fit(DNNClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=seed), X, Y)
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    P = clf.predict_proba(X)
    assert P.shape == Y.shape and P.dtype == dtype and np.all((P >= 0) & (P <= 1))
    log_P = clf.predict_log_proba(X)
    assert np.all(np.isfinite(log_P)) and np.all(log_P <= 0)


@SETTINGS
@given(problems(), st.integers(1, 4))
def test_partial_fit_in_chunks_keeps_shapes(problem, n_chunks):
    """partial_fit over arbitrary chunks counts epochs and samples, and predicts labels."""
    X, y, labels, params = problem
    params.pop("max_iter")
    clf = DNNClassifier(**params)
    chunks = np.array_split(np.arange(len(X)), n_chunks)
    calls = 0
    for i, rows in enumerate(chunks):
        if len(rows) == 0:
            continue
        clf.partial_fit(X[rows], y[rows], classes=labels if i == 0 else None)
        calls += 1
    # n_iter_ counts the last call's epochs (MLPClassifier's); the curve all of them.
    assert clf.t_ == len(X) and len(clf.loss_curve_) == calls and clf.n_iter_ == 1
    assert np.all(np.isfinite(clf.loss_curve_))
    assert set(clf.predict(X).tolist()) <= set(labels.tolist())
