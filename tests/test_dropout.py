"""Dropout and per-layer activations: exactness at rate 0, determinism, no mask at
prediction, gradients under a fixed mask, regularisation, and the parameter checks."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError

from skdnn import activations, backends, losses
from skdnn._dropout import Dropout
from skdnn._network import Network
from skdnn._scoring import ValidationMonitor
from tests._helpers import DNNClassifier, DNNRegressor

X, Y = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
COMMON = dict(hidden_layer_sizes=(16, 8), max_iter=5, batch_size=32, random_state=0)


def _fit(est, X=X, y=Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _weights(est):
    return est.coefs_ + est.intercepts_


@pytest.mark.parametrize("zero", [0.0, 0, (0.0, 0.0)])
def test_rate_zero_is_bitwise_the_fit_without_dropout(zero):
    plain = _fit(DNNClassifier(**COMMON))
    off = _fit(DNNClassifier(**COMMON, dropout=zero))
    for a, b in zip(_weights(plain), _weights(off)):
        assert_array_equal(a, b)
    assert plain.loss_curve_ == off.loss_curve_


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu", ("selu", "mish")])
def test_same_seed_same_fit_other_seed_other_fit(activation):
    params = dict(COMMON, activation=activation, dropout=0.3)
    a, b = _fit(DNNClassifier(**params)), _fit(DNNClassifier(**params))
    for u, v in zip(_weights(a), _weights(b)):
        assert_array_equal(u, v)
    c = _fit(DNNClassifier(**{**params, "random_state": 1}))
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    # The masks change the fit: not the same weights as without dropout.
    d = _fit(DNNClassifier(**{**params, "dropout": 0.0}))
    assert not np.array_equal(a.coefs_[0], d.coefs_[0])


def test_prediction_uses_no_mask():
    """predict_proba is deterministic and is the plain forward pass over coefs_."""
    clf = _fit(DNNClassifier(**COMMON, dropout=0.5))
    P = clf.predict_proba(X)
    assert_array_equal(P, clf.predict_proba(X))
    A = X
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        A = np.maximum(A @ W + b, 0)
    expected = softmax(A @ clf.coefs_[-1] + clf.intercepts_[-1], axis=1)
    assert_allclose(P, expected, rtol=1e-5, atol=1e-6)


def test_validation_pass_draws_no_mask(monkeypatch):
    """The early-stopping score runs between epochs without drawing any mask."""
    draws, scored = [], []
    original_draw, original_score = Dropout.draw, ValidationMonitor.__call__

    def draw(self, i, n):
        draws.append(n)
        return original_draw(self, i, n)

    def score(self, net):
        before = len(draws)
        value = original_score(self, net)
        assert len(draws) == before
        scored.append(value)
        return value

    monkeypatch.setattr(Dropout, "draw", draw)
    monkeypatch.setattr(ValidationMonitor, "__call__", score)
    clf = _fit(DNNClassifier(**COMMON, dropout=0.2, early_stopping=True))
    assert draws and len(clf.validation_scores_) == clf.n_iter_ == len(scored)


def test_partial_fit_draws_new_masks_from_the_stored_stream():
    a, b = DNNClassifier(**COMMON, dropout=0.4), DNNClassifier(**COMMON, dropout=0.4)
    for _ in range(2):
        a.partial_fit(X, Y, classes=[0, 1, 2])
        b.partial_fit(X, Y, classes=[0, 1, 2])
    for u, v in zip(_weights(a), _weights(b)):
        assert_array_equal(u, v)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dropout_regularises_a_small_noisy_problem():
    """Averaged over three seeds, a smaller train/test gap (log loss and accuracy)."""
    gaps = {}
    for rate in (0.0, 0.5):
        loss_gap, acc_gap = [], []
        for seed in range(3):
            Xs, ys = make_classification(300, 20, n_informative=5, flip_y=0.2, random_state=seed)
            Xtr, Xte, ytr, yte = train_test_split(Xs, ys, test_size=0.5, random_state=seed)
            clf = DNNClassifier(
                (64, 64), alpha=0.0, max_iter=60, learning_rate_init=0.005, tol=0,
                n_iter_no_change=1000, random_state=seed, dropout=rate,
            ).fit(Xtr, ytr)  # fmt: skip
            loss_gap.append(
                log_loss(yte, clf.predict_proba(Xte)) - log_loss(ytr, clf.predict_proba(Xtr))
            )
            acc_gap.append(clf.score(Xtr, ytr) - clf.score(Xte, yte))
        gaps[rate] = (np.mean(loss_gap), np.mean(acc_gap))
    assert gaps[0.5][0] < 0.6 * gaps[0.0][0]
    assert gaps[0.5][1] < gaps[0.0][1]


@pytest.mark.parametrize("make", [DNNClassifier, DNNRegressor])
@pytest.mark.parametrize(
    "dropout, error, match",
    [
        (-0.1, InvalidParameterError, "'dropout' parameter"),
        (1.0, InvalidParameterError, "'dropout' parameter"),
        ("0.5", InvalidParameterError, "'dropout' parameter"),
        ((0.1, 0.2, 0.3), ValueError, r"dropout=\(0.1, 0.2, 0.3\) has 3 entries"),
        ((0.1, 1.0), ValueError, r"dropout=\(0.1, 1.0\): every rate must be"),
        ((0.1, None), ValueError, r"dropout=\(0.1, None\): every rate must be"),
    ],
)
def test_invalid_dropout_names_the_parameter(make, dropout, error, match):
    y = Y if make is DNNClassifier else X[:, 0]
    with pytest.raises(error, match=match):
        make(**COMMON, dropout=dropout).fit(X, y)


def test_dropout_needs_a_minibatch_solver():
    with pytest.raises(ValueError, match="dropout=0.2 needs a minibatch solver"):
        DNNClassifier(**COMMON, solver="lbfgs", dropout=0.2).fit(X, Y)


def test_per_layer_activations_fit_and_predict_alike():
    """A tuple and a list give the same model; fit and predict resolve them alike."""
    tup = _fit(DNNClassifier(**COMMON, activation=("tanh", "gelu")))
    lst = _fit(DNNClassifier(**COMMON, activation=["tanh", "gelu"]))
    for u, v in zip(_weights(tup), _weights(lst)):
        assert_array_equal(u, v)
    A = np.tanh(X @ tup.coefs_[0] + tup.intercepts_[0])
    Z = A @ tup.coefs_[1] + tup.intercepts_[1]
    A = activations.GELU().forward(Z, np)
    expected = softmax(A @ tup.coefs_[2] + tup.intercepts_[2], axis=1)
    assert_allclose(tup.predict_proba(X), expected, rtol=1e-5, atol=1e-6)
    assert_allclose(lst.predict_proba(X), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"activation=\('relu',\) has 1 entries.*\(16, 8\)"):
        DNNClassifier(**{**COMMON, "activation": ("relu",)}).fit(X, Y)


def test_activation_objects_per_layer():
    leaky = activations.LeakyReLU(negative_slope=0.2)
    clf = _fit(DNNRegressor(**COMMON, activation=(leaky, "softplus"), dropout=(0.1, 0.0)))
    assert clf.predict(X).shape == (len(X),)


# ------------------------------------------------ gradients under a fixed mask


class FixedMasks(Dropout):
    """Dropout whose draws are fixed arrays: the same mask on every pass."""

    def __init__(self, rates, uniforms):
        super().__init__(rates, backends.NumpyBackend(), 0)
        self.fixed = uniforms

    def draw(self, i, n):
        U = self._uniforms[i][:n]
        U[...] = self.fixed[i][:n]
        return U


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu", "selu", ("mish", "relu")])
@pytest.mark.parametrize("rates", [(0.3, 0.5), (0.0, 0.4)])
def test_gradients_with_dropout_match_finite_differences(activation, rates):
    rng = np.random.RandomState(0)
    n, sizes = 9, [5, 7, 6, 3]
    Xn = rng.normal(size=(n, 5))
    Yn = np.eye(3)[rng.randint(0, 3, n)]
    uniforms = [rng.uniform(size=(n, w)) for w in sizes[1:-1]]
    acts = activation if isinstance(activation, tuple) else (activation,) * 2
    net = Network.dense(
        [rng.normal(0, 0.8, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
        [rng.normal(0, 0.3, b) for b in sizes[1:]],
        [activations.registry.resolve(a) for a in acts],
        losses.registry.resolve("cross_entropy"),
        "softmax",
        backends.NumpyBackend(),
        alpha=0.3,
        dropout=FixedMasks(rates, uniforms),
    )

    def loss_at():
        return float(net.loss_and_gradients(Xn, Yn)[0])

    _, grads = net.loss_and_gradients(Xn, Yn)
    grads = [g.copy() for g in grads]
    h = 1e-6
    for param, grad in zip(net.params, grads):
        numeric = np.empty_like(param)
        for i in np.ndindex(param.shape):
            old = param[i]
            param[i] = old + h
            up = loss_at()
            param[i] = old - h
            down = loss_at()
            param[i] = old
            numeric[i] = (up - down) / (2 * h)
        assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())
    # The mask does drop units: the loss differs from the network without dropout.
    with_mask = loss_at()
    for layer in net.layers:
        layer.dropout = None
    assert loss_at() != pytest.approx(with_mask)
