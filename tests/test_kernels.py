"""The fused kernels agree with the plain array operations they replace."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdnn import _kernels, activations, losses
from tests._helpers import OPTIMIZERS, DNNClassifier, cross_entropy_inputs

pytestmark = pytest.mark.skipif(not _kernels.ENABLED, reason="Numba is not importable")


@pytest.fixture
def plain(monkeypatch):
    """Run the body with the fused kernels switched off."""

    def switch(enabled):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)

    return switch


def test_lookup_only_for_numpy():
    assert _kernels.lookup(np, "adam") is not None
    assert _kernels.lookup(object(), "adam") is None
    assert _kernels.lookup(np, "no_such_kernel") is None


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-6), (np.float64, 1e-13)])
@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_optimizer_kernels_match_array_ops(plain, make, dtype, rtol):
    opt = make()
    rng = np.random.RandomState(0)
    shapes = [(7, 5), (5,)]
    results = {}
    for enabled in (True, False):
        plain(enabled)
        params = [rng.standard_normal(s).astype(dtype) for s in shapes]
        state = opt.init(params, np)
        grad_rng = np.random.RandomState(1)
        for _ in range(3):
            grads = [grad_rng.standard_normal(s).astype(dtype) for s in shapes]
            opt.step(params, grads, state, np)
        results[enabled] = params
        rng = np.random.RandomState(0)
    for fused, ref in zip(results[True], results[False]):
        assert fused.dtype == dtype
        np.testing.assert_allclose(fused, ref, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernels_match_array_ops(plain, dtype):
    rng = np.random.RandomState(0)
    Z = rng.standard_normal((6, 4)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    dA = rng.standard_normal((6, 4)).astype(dtype)
    relu = activations.ReLU()
    plain(True)
    fused_A = relu.forward_with_bias(Z.copy(), b, np)
    fused_dZ = relu.derivative(fused_A, dA.copy(), np)
    plain(False)
    ref_A = relu.forward_with_bias(Z.copy(), b, np)
    ref_dZ = relu.derivative(ref_A, dA.copy(), np)
    np.testing.assert_array_equal(fused_A, ref_A)
    np.testing.assert_array_equal(fused_dZ, ref_dZ)
    np.testing.assert_array_equal(ref_A, np.maximum(Z + b, 0))


def test_fit_agrees_with_and_without_kernels(plain):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((120, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = dict(hidden_layer_sizes=(8, 8), max_iter=5, alpha=0.01, random_state=0)
    models = {}
    for enabled in (True, False):
        plain(enabled)
        with pytest.warns(ConvergenceWarning):
            models[enabled] = DNNClassifier(**params).fit(X, y)
    for a, b in zip(models[True].coefs_, models[False].coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("link, n_out", [("softmax", 4), ("logistic", 1), ("logistic", 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_kernels_match_array_ops(plain, dtype, rtol, link, n_out, weighted):
    raw, Y, sw = cross_entropy_inputs(dtype, link, n_out, weighted)
    results = {}
    for enabled in (True, False):
        plain(enabled)
        value, grad = losses.CrossEntropy().value_and_gradient(raw.copy(), Y, sw, link, np)
        results[enabled] = (float(value), np.array(grad))
    assert results[True][0] == pytest.approx(results[False][0], rel=rtol)
    np.testing.assert_allclose(results[True][1], results[False][1], rtol=rtol, atol=1e-7)
