"""Backpropagation checked against central finite differences (float64)."""

import itertools

import numpy as np
import pytest

from skdnn import activations, backends, losses
from skdnn._network import Network

OUTPUTS = {  # output type -> (n_outputs, link)
    "binary": (1, "logistic"),
    "multiclass": (4, "softmax"),
    "multilabel": (3, "logistic"),
    "regression": (1, "identity"),
    "multioutput": (3, "identity"),
    "counts": (2, "exp"),
}
CLASSIFICATION = ["binary", "multiclass", "multilabel"]
#: Regression losses and the outputs they are checked on.
REGRESSION = {"squared_error": ["regression", "multioutput"], "poisson": ["counts"]}


def _cases():
    """(loss, kind) pairs: every classification loss on every classification output,
    each regression loss on its own outputs."""
    for loss in losses.registry.names():
        if "classification" in losses.registry.resolve(loss).tasks:
            yield from ((loss, kind) for kind in CLASSIFICATION)
    for loss, kinds in REGRESSION.items():
        yield from ((loss, kind) for kind in kinds)


def _targets(kind, n, rng):
    n_out, _ = OUTPUTS[kind]
    if kind == "multiclass":
        return np.eye(n_out)[rng.randint(0, n_out, n)]
    if kind in ("regression", "multioutput"):
        return rng.normal(0.0, 2.0, (n, n_out))
    if kind == "counts":
        return rng.poisson(2.0, (n, n_out)).astype(np.float64)
    return rng.randint(0, 2, (n, n_out)).astype(np.float64)


def _network(loss, activation, kind, rng, alpha):
    n_out, link = OUTPUTS[kind]
    sizes = [5, 7, 6, n_out]
    coefs = [rng.normal(0, 0.8, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.normal(0, 0.3, b) for b in sizes[1:]]
    return Network.dense(
        coefs,
        intercepts,
        activations.registry.resolve(activation),
        losses.registry.resolve(loss),
        link,
        backends.NumpyBackend(),
        alpha=alpha,
    )


@pytest.mark.parametrize(
    "loss, kind, activation, weighted",
    [
        (loss, kind, activation, weighted)
        for (loss, kind), activation, weighted in itertools.product(
            _cases(), activations.registry.names(), [False, True]
        )
    ],
)
def test_gradients_match_finite_differences(loss, kind, activation, weighted):
    """Every gradient of the network (L2 included) against central differences."""
    rng = np.random.RandomState(0)
    n = 9
    X = rng.normal(size=(n, 5))
    Y = _targets(kind, n, rng)
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    sw_sum = float(sw.sum()) if weighted else float(n)
    net = _network(loss, activation, kind, rng, alpha=0.3)

    def loss_at():
        value, _ = net.loss_and_gradients(X, Y, sw, sw_sum)
        return float(value)

    _, grads = net.loss_and_gradients(X, Y, sw, sw_sum)
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
        scale = np.abs(numeric).max()
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * scale)
        assert np.linalg.norm(grad - numeric) <= 1e-6 * np.linalg.norm(numeric) + 1e-12


class _Unfused:
    """A third-party optimizer (no ``folds_l2``): the network adds the penalty itself."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def init(self, params, xp):
        return self.optimizer.init(params, xp)

    def step(self, params, grads, state, xp):
        self.optimizer.step(params, grads, state, xp)


@pytest.mark.parametrize("kernels", [True, False])
@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_l2_folded_into_optimizer_matches_network_penalty(monkeypatch, kernels, name):
    from skdnn import _kernels, optimizers

    monkeypatch.setattr(_kernels, "ENABLED", kernels and _kernels.ENABLED)
    rng = np.random.RandomState(4)
    X = rng.normal(size=(9, 5))
    Y = _targets("multiclass", 9, rng)
    sw = rng.uniform(0.5, 2.0, 9)
    runs = []
    for wrap in (False, True):
        net = _network("cross_entropy", "relu", "multiclass", np.random.RandomState(5), alpha=0.7)
        opt = optimizers.registry.resolve(name, learning_rate_init=0.05)
        opt = optimizers.registry.resolve(_Unfused(opt)) if wrap else opt
        state = opt.init(net.params, np)
        losses_seen = [
            float(net.train_step(X, Y, sw, float(sw.sum()), opt, state)) for _ in range(3)
        ]
        runs.append((losses_seen, [p.copy() for p in net.params]))
    (loss_fused, p_fused), (loss_plain, p_plain) = runs
    np.testing.assert_allclose(loss_fused, loss_plain, rtol=1e-12)
    for a, b in zip(p_fused, p_plain):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_flat_parameter_buffers_train_like_separate_arrays(name):
    from skdnn import optimizers

    rng = np.random.RandomState(6)
    X = rng.normal(size=(9, 5))
    Y = _targets("multiclass", 9, rng)
    runs = []
    for flat in (False, True):
        base = _network("cross_entropy", "tanh", "multiclass", np.random.RandomState(7), 0.5)
        net = Network.dense(
            base.coefs,
            base.intercepts,
            base.activations,
            base.loss,
            "softmax",
            backends.NumpyBackend(),
            alpha=0.5,
            flat=flat,
        )
        assert len(net.params) == (2 if flat else 6)
        opt = optimizers.registry.resolve(name, learning_rate_init=0.05)
        state = opt.init(net.params, np)
        seen = [float(net.train_step(X, Y, None, 9.0, opt, state)) for _ in range(3)]
        runs.append((seen, [w.copy() for w in net.coefs + net.intercepts]))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-12)
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
