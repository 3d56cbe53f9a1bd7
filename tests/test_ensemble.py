"""Layers and ensembles: each layer's gradients against central differences, a packed
member against an independently trained network, the members' mean, determinism,
persistence, and warm starts."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from skdnn import activations, backends, initializers, losses, optimizers
from skdnn._dropout import Dropout
from skdnn._network import Network
from skdnn._stack import build_layers, fresh_params
from skdnn.layers import BatchDense, Dense, PackedDense
from tests._helpers import DNNClassifier, DNNRegressor

X, Y = make_classification(150, 6, n_informative=4, n_classes=3, random_state=0)
XR, YR = make_regression(120, 5, n_targets=2, random_state=0)
SMALL = dict(hidden_layer_sizes=(12, 8), max_iter=6, batch_size=32, random_state=0)
KINDS = ["packed", "batch"]


def _fit(est, X=X, y=Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _numeric_grad(f, arrays, h=1e-6):
    """Central differences of ``f()`` with respect to every entry of ``arrays``."""
    out = []
    for a in arrays:
        g = np.empty_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + h
            up = f()
            a[i] = old - h
            down = f()
            a[i] = old
            g[i] = (up - down) / (2 * h)
        out.append(g)
    return out


def _assert_close(grad, numeric):
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7 * max(1.0, np.abs(numeric).max()))


# ------------------------------------------------ each layer alone


def _layer(kind, activation, k):
    act = activations.registry.resolve(activation)
    if kind == "dense":
        return Dense(4, act)
    if kind == "packed":
        return PackedDense(4, k, act)
    return BatchDense(4, k, act, random_signs=True)


@pytest.mark.parametrize("activation", ["tanh", "gelu", "relu"])
@pytest.mark.parametrize("kind, shared_input", [("dense", True), ("packed", True),
                                                ("packed", False), ("batch", True),
                                                ("batch", False)])  # fmt: skip
def test_layer_gradients_match_finite_differences(kind, shared_input, activation):
    """A layer alone: ``L = sum(G * forward(X))``; every parameter's gradient and the
    input's, against central differences."""
    rng = np.random.RandomState(0)
    k, n = 3, 5
    layer = _layer(kind, activation, k)
    init = initializers.registry.resolve("xavier")
    params = layer.build(3, 1 if kind == "dense" else k, rng, np.float64, init)
    params = [p + 0.2 * rng.normal(size=p.shape) for p in params]  # adapters apart from 1
    grads = [np.empty_like(p) for p in params]
    layer.bind(params, grads, backends.NumpyBackend())
    layer.allocate(n)
    X = rng.normal(size=(n, 3) if shared_input else (k, n, 3))
    G = rng.normal(size=(n, 4) if kind == "dense" else (k, n, 4))

    def loss():
        return float(np.sum(G * layer.forward(X, training=False)))

    out = layer.forward(X, training=True)
    assert_allclose(np.sum(G * out), loss(), rtol=1e-12)  # training = inference pass
    dX = layer.backward(G.copy(), need_input_grad=True).copy()
    analytic = [g.copy() for g in layer.grads]
    for grad, numeric in zip(analytic + [dX], _numeric_grad(loss, params + [X])):
        _assert_close(grad, numeric)


# ------------------------------------------------ whole networks


def _ensemble_net(kind, activation, loss, link, k=3, alpha=0.3, n_out=3, seed=1):
    acts = [activations.registry.resolve(activation)] * 2
    layers = build_layers([5, 4], n_out, acts, k, kind)
    rng = np.random.RandomState(seed)
    init = initializers.registry.resolve("xavier")
    host = fresh_params(layers, 4, rng, np.float64, init, k)
    host = [[a + 0.2 * rng.normal(size=a.shape) for a in p] for p in host]
    return Network(
        layers, host, losses.registry.resolve(loss), link, backends.NumpyBackend(),
        alpha=alpha, n_members=k, l2_members=k if kind == "packed" else 1,
    )  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "loss, link, activation",
    [("cross_entropy", "softmax", "tanh"), ("cross_entropy", "softmax", "silu"),
     ("squared_error", "identity", "relu")],
)  # fmt: skip
def test_ensemble_gradients_match_finite_differences(kind, loss, link, activation):
    """The mean of the members' losses plus the penalty, weighted rows."""
    rng = np.random.RandomState(2)
    n = 6
    Xn = rng.normal(size=(n, 4))
    Yn = np.eye(3)[rng.randint(0, 3, n)] if link == "softmax" else rng.normal(size=(n, 3))
    sw = rng.uniform(0.5, 2.0, n)
    net = _ensemble_net(kind, activation, loss, link)

    def value():
        return float(net.loss_and_gradients(Xn, Yn, sw, float(sw.sum()))[0])

    _, grads = net.loss_and_gradients(Xn, Yn, sw, float(sw.sum()))
    grads = [g.copy() for g in grads]
    for grad, numeric in zip(grads, _numeric_grad(value, net.params)):
        _assert_close(grad, numeric)


def test_ensemble_loss_is_the_mean_of_the_members_losses():
    rng = np.random.RandomState(3)
    Xn, Yn = rng.normal(size=(7, 4)), np.eye(3)[rng.randint(0, 3, 7)]
    net = _ensemble_net("packed", "tanh", "cross_entropy", "softmax", alpha=0.0)
    loss, _ = net.loss_and_gradients(Xn, Yn)
    raw = net.forward(Xn)
    ce = losses.registry.resolve("cross_entropy")
    each = [
        float(ce.value_and_gradient(raw[j].copy(), Yn, None, "softmax", np)[0]) for j in range(3)
    ]
    assert_allclose(float(loss), np.mean(each), rtol=1e-12)


def test_packed_member_trains_like_an_independent_network():
    """SGD on a packed ensemble of k members with learning rate k * lr: member j
    follows the single network started from member j's weights, with rate lr (the
    loss and the penalty are the members' means, so each member's gradient is 1/k of
    its own network's)."""
    k, lr, alpha = 3, 0.05, 0.2
    rng = np.random.RandomState(4)
    Xn, Yn = rng.normal(size=(20, 4)), np.eye(3)[rng.randint(0, 3, 20)]
    ens = _ensemble_net("packed", "tanh", "cross_entropy", "softmax", k=k, alpha=alpha)
    ens_params = [[a.copy() for a in p] for p in ens.layer_params]
    tanh = activations.registry.resolve("tanh")
    ce = losses.registry.resolve("cross_entropy")

    def sgd(rate):
        return optimizers.registry.resolve("sgd", learning_rate_init=rate, momentum=0.0)

    singles = [
        Network.dense([p[0][j].copy() for p in ens_params], [p[1][j].copy() for p in ens_params],
                      tanh,
                      ce, "softmax", backends.NumpyBackend(), alpha=alpha)
        for j in range(k)
    ]  # fmt: skip
    opt = sgd(k * lr)
    state = opt.init(ens.params, np)
    single_opts = [(sgd(lr), net) for net in singles]
    single_states = [o.init(net.params, np) for o, net in single_opts]
    for step in range(5):
        rows = slice(4 * step, 4 * step + 8)
        ens.train_step(Xn[rows], Yn[rows], None, 8.0, opt, state)
        for (o, net), st in zip(single_opts, single_states):
            net.train_step(Xn[rows], Yn[rows], None, 8.0, o, st)
    for i, (W, b) in enumerate(zip(ens.coefs, ens.intercepts)):
        for j, net in enumerate(singles):
            assert_allclose(W[j], net.coefs[i], rtol=1e-10, atol=1e-12)
            assert_allclose(b[j], net.intercepts[i], rtol=1e-10, atol=1e-12)
    assert not np.allclose(ens.coefs[0][0], ens_params[0][0][0])  # it did train


def test_batch_effective_weights_compute_the_training_network():
    """coefs_ of a batch ensemble (r W s) predict as its factorised network does."""
    net = _ensemble_net("batch", "tanh", "cross_entropy", "softmax")
    Xn = np.random.RandomState(5).normal(size=(9, 4))
    packed = Network.dense(
        net.coefs, net.intercepts, activations.registry.resolve("tanh"), None, "softmax",
        backends.NumpyBackend(),
    )  # fmt: skip
    assert_allclose(packed.forward(Xn), net.forward(Xn), rtol=1e-12)


# ------------------------------------------------ estimators


@pytest.mark.parametrize("kind", KINDS)
def test_members_mean_is_the_prediction(kind):
    clf = _fit(DNNClassifier(**SMALL, n_ensemble=4, ensemble=kind))
    P, members = clf.predict_proba(X), clf.predict_proba_members(X)
    assert members.shape == (4, len(X), 3)
    assert_allclose(members.mean(axis=0), P, rtol=1e-6)
    assert_allclose(np.exp(clf.predict_log_proba(X)), P, rtol=1e-5)
    assert_array_equal(clf.predict(X), np.argmax(P, axis=1))
    assert [W.shape for W in clf.coefs_] == [(4, 6, 12), (4, 12, 8), (4, 8, 3)]
    assert [b.shape for b in clf.intercepts_] == [(4, 12), (4, 8), (4, 3)]
    # The members start apart and stay apart.
    assert not np.allclose(members[0], members[1])
    reg = _fit(DNNRegressor(**SMALL, n_ensemble=3, ensemble=kind), XR, YR)
    assert reg.predict_members(XR).shape == (3, len(XR), 2)
    assert_allclose(reg.predict_members(XR).mean(axis=0), reg.predict(XR), rtol=1e-6)


def test_one_member_is_the_plain_network_whatever_the_kind():
    plain = _fit(DNNClassifier(**SMALL))
    for kind in KINDS:
        one = _fit(DNNClassifier(**SMALL, n_ensemble=1, ensemble=kind))
        for a, b in zip(plain.coefs_ + plain.intercepts_, one.coefs_ + one.intercepts_):
            assert_array_equal(a, b)
        assert not hasattr(one, "ensemble_params_")
        assert one.predict_proba_members(X).shape == (1, len(X), 3)


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_fit(kind):
    params = dict(SMALL, n_ensemble=3, ensemble=kind, dropout=0.2)
    a, b = _fit(DNNClassifier(**params)), _fit(DNNClassifier(**params))
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_array_equal(u, v)
    c = _fit(DNNClassifier(**{**params, "random_state": 1}))
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    d = _fit(DNNClassifier(**{**params, "dropout": 0.0}))  # dropout changes the fit
    assert not np.array_equal(a.coefs_[0], d.coefs_[0])


def test_batch_ensemble_layout():
    clf = _fit(DNNClassifier(**SMALL, n_ensemble=3))
    (W, r, s, b), (W2, r2, s2, b2), (Wo, bo) = clf.ensemble_params_
    assert W.shape == (6, 12) and r.shape == (3, 6) and s.shape == b.shape == (3, 12)
    assert Wo.shape == (3, 8, 3) and bo.shape == (3, 3)
    assert_allclose(clf.coefs_[0], r[:, :, None] * W * s[:, None, :], rtol=1e-6)
    assert_allclose(clf.coefs_[1], r2[:, :, None] * W2 * s2[:, None, :], rtol=1e-6)
    assert_array_equal(clf.coefs_[2], Wo)
    # TabM's initialisation: random signs on the first input adapters, ones elsewhere.
    fresh = DNNClassifier(**{**SMALL, "max_iter": 1}, n_ensemble=3, solver="sgd",
                          learning_rate_init=1e-12)  # fmt: skip
    r0 = _fit(fresh).ensemble_params_[0][1]
    assert set(np.unique(np.round(r0, 6))) == {-1.0, 1.0}


@pytest.mark.parametrize("kind", KINDS)
def test_lbfgs_and_early_stopping_take_ensembles(kind):
    clf = _fit(DNNClassifier((8,), n_ensemble=3, ensemble=kind, solver="lbfgs", max_iter=30,
                             random_state=0))  # fmt: skip
    assert clf.coefs_[0].shape == (3, 6, 8) and clf.score(X, Y) > 0.8
    es = _fit(DNNClassifier(**{**SMALL, "max_iter": 30}, n_ensemble=3, ensemble=kind,
                            early_stopping=True, validation_scoring="loss"))  # fmt: skip
    assert len(es.validation_scores_) == es.n_iter_
    assert es.best_validation_score_ == max(es.validation_scores_)


@pytest.mark.parametrize("kind", KINDS)
def test_warm_start_and_partial_fit_continue(kind):
    params = dict(SMALL, n_ensemble=3, ensemble=kind)
    a = DNNClassifier(**params)
    b = DNNClassifier(**params)
    for _ in range(2):
        a.partial_fit(X, Y, classes=[0, 1, 2])
        b.partial_fit(X, Y, classes=[0, 1, 2])
    for u, v in zip(a.coefs_, b.coefs_):
        assert_array_equal(u, v)
    assert len(a.loss_curve_) == 2
    warm = _fit(DNNClassifier(**params, warm_start=True))
    first = [W.copy() for W in warm.coefs_]
    _fit(warm)
    assert len(warm.loss_curve_) == 2 * SMALL["max_iter"]
    assert not np.allclose(first[0], warm.coefs_[0])
    other = "packed" if kind == "batch" else "batch"
    with pytest.raises(ValueError, match="needs the fitted ensemble"):
        _fit(warm.set_params(ensemble=other))


@pytest.mark.parametrize("kind", KINDS)
def test_pickle_round_trip(kind):
    clf = _fit(DNNClassifier(**SMALL, n_ensemble=3, ensemble=kind))
    loaded = pickle.loads(pickle.dumps(clf))
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, Y)
    loaded.partial_fit(X, Y)
    assert_allclose(loaded.coefs_[0], clf.coefs_[0])


@pytest.mark.parametrize("make", [DNNClassifier, DNNRegressor])
def test_bad_ensemble_parameters(make):
    y = Y if make is DNNClassifier else X[:, 0]
    with pytest.raises(InvalidParameterError, match="'n_ensemble' parameter"):
        make(n_ensemble=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'ensemble' parameter"):
        make(n_ensemble=2, ensemble="bagging").fit(X, y)


class _FixedMasks(Dropout):
    """Dropout whose draws are the same fixed uniforms on every pass."""

    def __init__(self, rates):
        super().__init__(rates, backends.NumpyBackend(), 0)
        self.fixed = {}

    def draw(self, i, n):
        U = self._uniforms[i][:n]
        if (i, n) not in self.fixed:
            self.fixed[i, n] = np.random.RandomState(i).uniform(size=U.shape)
        U[...] = self.fixed[i, n]
        return U


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_ensemble_gradients_under_a_fixed_mask(kind, activation):
    """Dropout inside an ensemble: every member's own mask, gradients through it."""
    rng = np.random.RandomState(6)
    Xn, Yn = rng.normal(size=(6, 4)), np.eye(3)[rng.randint(0, 3, 6)]
    net = _ensemble_net(kind, activation, "cross_entropy", "softmax")
    masks = _FixedMasks((0.4, 0.3))
    for layer in net.layers[:-1]:
        layer.dropout = masks

    def value():
        return float(net.loss_and_gradients(Xn, Yn)[0])

    _, grads = net.loss_and_gradients(Xn, Yn)
    grads = [g.copy() for g in grads]
    for grad, numeric in zip(grads, _numeric_grad(value, net.params)):
        _assert_close(grad, numeric)
    U = masks.fixed[0, 3 * 6].reshape(3, 6, 5)
    assert not np.array_equal(U[0], U[1])  # each member draws its own mask
    with_mask = value()
    for layer in net.layers:
        layer.dropout = None
    assert value() != pytest.approx(with_mask)
