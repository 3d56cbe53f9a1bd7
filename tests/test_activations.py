"""Tests of the built-in activations against reference formulas and finite differences."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit

from skdnn.activations import GELU, Activation, LeakyReLU, SiLU, registry

SELU_A, SELU_L = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _softplus(z):
    return np.logaddexp(0.0, z)


REFERENCE = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
    "silu": lambda z: z * expit(z),
    "swish": lambda z: z * expit(z),
    "selu": lambda z: SELU_L * np.where(z > 0, z, SELU_A * np.expm1(np.minimum(z, 0))),
    "mish": lambda z: z * np.tanh(_softplus(z)),
    "softplus": _softplus,
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
    with np.errstate(over="ignore", invalid="ignore"):
        expected = REFERENCE[name](Z)
    finite = np.isfinite(expected)  # the textbook gelu overflows in z**3 at 1e4
    assert_allclose(A[finite], expected[finite], rtol=1e-12, atol=1e-15)
    dA = np.ones_like(Z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(_gradient(registry.resolve(name), Z, dA)))


def test_saturation_values():
    """logistic and tanh reach their limits exactly at +/-1e4."""
    Z = np.array([[-1e4, 1e4]])
    assert_allclose(forward("logistic", Z), [[0.0, 1.0]], atol=0)
    assert_allclose(forward("tanh", Z), [[-1.0, 1.0]], atol=0)


def _gradient(act, Z, dA):
    """The network's call: backward(Z or None, A, dA), Z kept only when needed."""
    A = act.forward(Z.copy(), np)
    return act.backward(Z.copy() if act.needs_input else None, A.copy(), dA.copy(), np)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences(name):
    """backward(Z, A, dA) equals dA * (f(z + h) - f(z - h)) / 2h."""
    rng = np.random.RandomState(1)
    Z = rng.uniform(-3, 3, (6, 4))
    Z[np.abs(Z) < 0.1] += 0.5  # keep away from relu's kink
    dA = rng.standard_normal(Z.shape)
    act = registry.resolve(name)
    grad = _gradient(act, Z, dA)
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
    assert _gradient(act, Z, np.ones_like(Z)).dtype == dtype


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


@pytest.mark.parametrize(
    "name, needs_input",
    [("relu", False), ("leaky_relu", False), ("selu", False), ("tanh", False),
     ("gelu", True), ("silu", True), ("mish", True), ("softplus", True)],
)  # fmt: skip
def test_needs_input_declared(name, needs_input):
    """Activations whose derivative is not written from the output declare it."""
    act = registry.resolve(name)
    assert act.needs_input is needs_input
    if needs_input:
        with pytest.raises(TypeError, match="needs the pre-activation Z"):
            act.derivative(np.ones((1, 1)), np.ones((1, 1)), np)


def test_swish_is_silu_and_leaky_slope_is_a_parameter():
    assert type(registry.resolve("swish")) is SiLU is type(registry.resolve("silu"))
    assert registry.resolve("leaky_relu").negative_slope == 0.01
    act = LeakyReLU(negative_slope=0.2)
    Z = np.array([[-2.0, 3.0]])
    assert_allclose(act.forward(Z.copy(), np), [[-0.4, 3.0]])
    assert_allclose(act.backward(None, act.forward(Z.copy(), np), np.ones_like(Z), np), [[0.2, 1]])
    with pytest.raises(ValueError, match="negative_slope"):
        LeakyReLU(negative_slope=-1.0)


def test_gelu_is_the_tanh_approximation():
    """Within 1e-3 of the exact z * Phi(z), and not equal to it."""
    from scipy.special import ndtr

    Z = np.linspace(-5, 5, 101)[None, :]
    A = GELU().forward(Z.copy(), np)
    exact = Z * ndtr(Z)
    assert np.max(np.abs(A - exact)) < 1e-3
    assert np.max(np.abs(A - exact)) > 1e-5


class OldStyle:
    """A third-party activation written to the protocol before backward existed."""

    def forward(self, Z, xp):
        return Z * Z

    def derivative(self, A, dA, xp):
        return dA * 2 * xp.sqrt(A)


def test_old_protocol_activation_gets_backward_and_dropout_hooks():
    act = registry.resolve(OldStyle())
    assert act.needs_input is False
    Z = np.array([[1.0, 2.0]])
    A = act.forward(Z.copy(), np)
    assert_allclose(act.backward(None, A, np.ones_like(Z), np), 2 * Z)
    U = np.array([[0.1, 0.9]])
    A2, M, D = act.forward_dropout(Z.copy(), np.zeros(2), U.copy(), 0.5, np.empty_like(Z), np)
    assert_allclose(M, [[0.0, 2.0]])
    assert_allclose(D, A * M)
    assert_allclose(act.backward_dropout(None, A2, np.ones_like(Z), M, np), 2 * Z * M)


@pytest.mark.parametrize("fused", [True, False])
def test_relu_dropout_hooks_match_the_default(fused, monkeypatch):
    """ReLU's fused dropout kernels (Numba) against the base class's array operations."""
    from skdnn import _kernels
    from skdnn.activations import ReLU

    monkeypatch.setattr(_kernels, "ENABLED", fused)
    rng = np.random.RandomState(3)
    Z, dA, U = rng.standard_normal((5, 4)), rng.standard_normal((5, 4)), rng.uniform(size=(5, 4))
    b = rng.standard_normal(4)
    relu = ReLU()
    A, M, D = relu.forward_dropout(Z.copy(), b, U.copy(), 0.3, np.empty_like(Z), np)
    A_ref = np.maximum(Z + b, 0)
    M_ref = (U >= 0.3) / 0.7
    assert_allclose(A, A_ref)
    assert_allclose(M, M_ref)
    assert_allclose(D, A_ref * M_ref)
    assert_allclose(relu.backward_dropout(None, A, dA.copy(), M, np), dA * M_ref * (A_ref > 0))
