"""Numerical safety: extreme logits, normalised probabilities, finite log-probabilities."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdnn._links import apply, log_apply, two_columns
from skdnn.losses import CrossEntropy, MeanSquaredError
from tests._helpers import DNNClassifier

ROW_SUM_TOL = {np.float64: 1e-6, np.float32: 1e-5}
EXTREME = np.array(
    [
        [1e4, -1e4, 0.0],
        [-1e4, -1e4, -1e4],
        [1e4, 1e4, -1e4],
        [0.0, 1e4, 1e-30],
        [-1e4, 0.0, 1e4],
    ]
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("link", ["softmax", "logistic"])
@pytest.mark.parametrize("loss", [CrossEntropy(), MeanSquaredError()])
def test_losses_stay_finite_for_extreme_logits(dtype, link, loss):
    """Loss and gradient are finite for logits of +/-1e4; probabilities are in [0, 1]."""
    raw = EXTREME.astype(dtype)
    Y = np.eye(3, dtype=dtype)[[1, 0, 2, 0, 1]]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value, grad = loss.value_and_gradient(raw.copy(), Y, None, link, np)
        sw = np.array([1.0, 0.0, 2.0, 1.0, 3.0], dtype=dtype)
        value_w, grad_w = loss.value_and_gradient(raw.copy(), Y, sw, link, np)
        P = apply(raw.copy(), link, np)
    for arr in (value, grad, value_w, grad_w, P):
        assert np.all(np.isfinite(arr))
    assert grad.dtype == dtype and P.dtype == dtype
    assert np.all((P >= 0) & (P <= 1))
    if isinstance(loss, CrossEntropy) and link == "softmax":
        # Row 0 puts 1e4 on class 0 while the target is class 1: loss 2e4 for that row.
        single, _ = loss.value_and_gradient(raw[:1].copy(), Y[:1], None, link, np)
        np.testing.assert_allclose(single, 2e4, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_link_helpers_stay_finite_and_match_the_logs(dtype):
    """log-softmax and log-sigmoid of +/-1e4 are finite and equal log(p) where p > 0."""
    raw = EXTREME.astype(dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        log_p = log_apply(raw, "softmax", np)
        log_s = log_apply(raw, "logistic", np)
    assert np.all(np.isfinite(log_p)) and np.all(np.isfinite(log_s))
    assert np.all(log_p <= 0) and np.all(log_s <= 0)
    np.testing.assert_allclose(log_p[0], [0.0, -2e4, -1e4], rtol=1e-6)
    np.testing.assert_allclose(log_s[0], [0.0, -1e4, -np.log(2)], rtol=1e-6)
    P = apply(raw.copy(), "softmax", np)
    mask = P > 0
    np.testing.assert_allclose(np.exp(log_p[mask]), P[mask], rtol=1e-5)


class _NumpyWithoutConcat:
    """NumPy as 1.26 had it: ``concatenate`` but not the standard's ``concat``."""

    def __getattr__(self, name):
        if name == "concat":
            raise AttributeError(name)
        return getattr(np, name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xp", [np, _NumpyWithoutConcat()], ids=["numpy", "no-concat"])
def test_two_columns_keep_tiny_probabilities(dtype, xp):
    """[sigmoid(-z), sigmoid(z)]: P(class 0) is exact where it is tiny, logs stay finite."""
    z = np.array([[-1e4], [-30.0], [0.0], [20.0], [80.0], [1e4]], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        P = two_columns(z.copy(), xp)
        log_P = two_columns(z.copy(), xp, log=True)
    assert P.shape == log_P.shape == (6, 2)
    assert P.dtype == log_P.dtype == dtype
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=ROW_SUM_TOL[dtype])
    # sigmoid(-20) = 2.06e-9 in float32, not 1 - sigmoid(20) = 0.
    expected = 1.0 / (1.0 + np.exp(np.float64(20.0)))
    assert P[3, 0] == pytest.approx(expected, rel=1e-5)
    assert np.all(np.isfinite(log_P)) and np.all(log_P <= 0)
    np.testing.assert_allclose(log_P[[0, -1], :], [[0.0, -1e4], [-1e4, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(log_P[4, 0], -80.0, rtol=1e-6)


@pytest.mark.parametrize("log", [False, True])
def test_two_columns_on_other_namespaces(log, cupy_or_stand_in):
    """The same columns from array_api_strict and CuPy (or its CPU stand-in)."""
    import array_api_strict

    z = np.array([[-50.0], [-2.0], [0.5], [40.0]])
    expected = two_columns(z.copy(), np, log=log)
    strict = two_columns(array_api_strict.asarray(z), array_api_strict, log=log)
    np.testing.assert_allclose(np.from_dlpack(strict), expected, rtol=1e-12)
    cp = cupy_or_stand_in
    on_device = two_columns(cp.asarray(z), cp, log=log)
    assert type(on_device) is cp.ndarray
    np.testing.assert_allclose(cp.asnumpy(on_device), expected, rtol=1e-12)


def test_unknown_link_names_itself():
    """apply and log_apply name an unknown link and list the known ones."""
    for function in (apply, log_apply):
        with pytest.raises(ValueError, match=r"'tanh'.*\('softmax', 'logistic'"):
            function(np.zeros((2, 2)), "tanh", np)


def _linear_model(n_classes, dtype):
    """A model with no hidden layer, then set so that its logits equal its input."""
    n_features = 1 if n_classes == 2 else n_classes
    X = np.random.RandomState(0).randn(20, n_features)
    y = np.arange(20) % n_classes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(), max_iter=1, dtype=dtype, random_state=0)
        clf.fit(X, y)
    clf.coefs_ = [np.eye(n_features, dtype=dtype)]
    clf.intercepts_ = [np.zeros(n_features, dtype=dtype)]
    return clf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 3, 7])
def test_predict_proba_rows_sum_to_one_and_log_proba_is_finite(dtype, n_classes):
    """Rows sum to 1 (1e-6 float64, 1e-5 float32) even for logits of +/-1e4."""
    clf = _linear_model(n_classes, dtype)
    width = clf.coefs_[0].shape[0]
    rng = np.random.RandomState(1)
    logits = np.vstack(
        [
            rng.randn(200, width) * s
            for s in (1e-3, 1.0, 30.0, 300.0, 1e4)
        ]
    )
    logits[:5] = 1e4 * np.sign(rng.randn(5, width))
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        P = clf.predict_proba(logits)
        log_P = clf.predict_log_proba(logits)
    assert P.shape == log_P.shape == (len(logits), n_classes)
    assert P.dtype == dtype
    assert np.all(np.isfinite(P)) and np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=ROW_SUM_TOL[dtype])
    # No -inf: even a probability that underflows to 0 has a finite log-probability.
    assert np.all(np.isfinite(log_P)) and np.all(log_P <= 0)
    # exp(log_proba) is predict_proba up to rounding (the binary 1 - p column carries an
    # absolute error of about one epsilon, so the comparison is absolute there).
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(np.exp(log_P), P, rtol=1e-4, atol=4 * eps)


def test_log_proba_finite_where_probability_is_representable():
    """A probability of ~1e-300 is representable in float64: its log is -690, not -inf."""
    clf = _linear_model(3, np.float64)
    log_P = clf.predict_log_proba(np.array([[0.0, -690.0, -700.0]]))
    np.testing.assert_allclose(log_P[0, 1:], [-690.0, -700.0], rtol=1e-12)
    binary = _linear_model(2, np.float64)
    log_B = binary.predict_log_proba(np.array([[700.0], [-700.0]]))
    np.testing.assert_allclose(log_B[:, [0, 1]], [[-700.0, 0.0], [0.0, -700.0]], atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_trained_model_probabilities_are_normalised(dtype):
    """A model trained on badly scaled data still gives rows summing to 1."""
    rng = np.random.RandomState(0)
    X = rng.randn(300, 6) * np.array([1e-3, 1, 10, 100, 1e3, 1e4])
    y = (X[:, 2] > 0).astype(int) + (X[:, 3] > 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(16, 8), max_iter=20, dtype=dtype, random_state=0)
        clf.fit(X, y)
    P = clf.predict_proba(X * 10)
    tol = ROW_SUM_TOL[np.dtype(dtype).type]
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=tol)
    assert np.all(np.isfinite(clf.predict_log_proba(X * 10)))


def test_binary_proba_keeps_tiny_probabilities_float32():
    """Regression: P(class 0) was computed as 1 - p and rounded to 0 for large logits."""
    X = np.array([[-1.0], [1.0]] * 10, dtype=np.float32)
    y = np.array([0, 1] * 10)
    clf = DNNClassifier(hidden_layer_sizes=(2,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    # A single hidden unit passing x through, scaled so the logit is 20 * x.
    clf.coefs_ = [np.array([[1.0, -1.0]], np.float32), np.array([[20.0], [-20.0]], np.float32)]
    clf.intercepts_ = [np.zeros(2, np.float32), np.zeros(1, np.float32)]
    P = clf.predict_proba(np.array([[1.0]], dtype=np.float32))
    expected = 1.0 / (1.0 + np.exp(20.0))  # 2.06e-9, representable in float32
    assert P[0, 0] == pytest.approx(expected, rel=1e-5)
    assert P[0, 1] == np.float32(1.0)
