"""Tests of the built-in activations against reference formulas and finite differences."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit

from skdnn.activations import Activation, registry

REFERENCE = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
}

NAMES = sorted(REFERENCE)


def forward(name, Z):
    """Forward pass on a copy, since forward may overwrite its input."""
    return registry.resolve(name).forward(Z.copy(), np)


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_reference(name):
    """forward equals the textbook formula in float64."""
    Z = np.random.RandomState(0).standard_normal((7, 5)) * 4
    assert_allclose(forward(name, Z), REFERENCE[name](Z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_forward_large_magnitudes(name):
    """Huge inputs give finite, saturated outputs with no RuntimeWarning."""
    Z = np.array([[-1e4, -700.0, -50.0, 0.0, 50.0, 700.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = forward(name, Z)
    assert np.all(np.isfinite(A))
    # (1 + tanh(z / 2)) / 2 is exact to absolute, not relative, precision near 0.
    assert_allclose(A, REFERENCE[name](Z), rtol=1e-12, atol=1e-15)


def test_saturation_values():
    """logistic and tanh reach their limits exactly at +/-1e4."""
    Z = np.array([[-1e4, 1e4]])
    assert_allclose(forward("logistic", Z), [[0.0, 1.0]], atol=0)
    assert_allclose(forward("tanh", Z), [[-1.0, 1.0]], atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences(name):
    """derivative(A, dA) equals dA * (f(z + h) - f(z - h)) / 2h."""
    rng = np.random.RandomState(1)
    Z = rng.uniform(-3, 3, (6, 4))
    Z[np.abs(Z) < 0.1] += 0.5  # keep away from relu's kink
    dA = rng.standard_normal(Z.shape)
    act = registry.resolve(name)
    A = act.forward(Z.copy(), np)
    grad = act.derivative(A.copy(), dA.copy(), np)
    h = 1e-5
    numeric = dA * (forward(name, Z + h) - forward(name, Z - h)) / (2 * h)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(name, dtype):
    """float32 stays float32 through forward and derivative."""
    Z = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    act = registry.resolve(name)
    A = act.forward(Z.copy(), np)
    assert A.dtype == dtype
    assert act.derivative(A.copy(), np.ones_like(Z), np).dtype == dtype


@pytest.mark.parametrize("name", NAMES)
def test_forward_with_bias_is_forward_of_z_plus_b(name):
    """Every built-in has forward_with_bias (the base's default or a fused one)."""
    rng = np.random.RandomState(2)
    Z = rng.standard_normal((5, 4))
    b = rng.standard_normal(4)
    act = registry.resolve(name)
    assert isinstance(act, Activation)
    assert_allclose(act.forward_with_bias(Z.copy(), b, np), forward(name, Z + b), rtol=1e-15)


def test_activation_base_requires_forward_and_derivative():
    """A subclass missing a required method cannot be made; the registry says what."""

    class Half(Activation):
        def forward(self, Z, xp):
            return Z

    with pytest.raises(TypeError, match="derivative"):
        Half()
    assert registry.required == ("forward", "derivative")
