"""Tests of the weight initializers and of custom initializer callables."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdnn.initializers import registry
from tests._helpers import DNNClassifier

NAMES = ["gaussian", "he", "xavier", "xavier_uniform"]

FAN_IN, FAN_OUT = 400, 600

EXPECTED_STD = {
    "xavier": np.sqrt(2.0 / (FAN_IN + FAN_OUT)),
    "xavier_uniform": np.sqrt(6.0 / (FAN_IN + FAN_OUT)) / np.sqrt(3.0),
    "gaussian": 0.01,
    "he": np.sqrt(2.0 / FAN_IN),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype(name, dtype):
    """A (fan_in, fan_out) host array of the requested dtype."""
    W = registry.resolve(name)(3, 5, np.random.RandomState(0), dtype)
    assert isinstance(W, np.ndarray)
    assert W.shape == (3, 5)
    assert W.dtype == dtype


@pytest.mark.parametrize("name", NAMES)
def test_reproducible(name):
    """The same seed gives the same weights; another seed does not."""
    init = registry.resolve(name)
    a = init(20, 10, np.random.RandomState(7), np.float64)
    b = init(20, 10, np.random.RandomState(7), np.float64)
    c = init(20, 10, np.random.RandomState(8), np.float64)
    assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", NAMES)
def test_empirical_std(name):
    """The sample std over 240,000 draws is within 1% of the documented formula."""
    W = registry.resolve(name)(FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    assert abs(W.mean()) < 0.01 * EXPECTED_STD[name]
    assert_allclose(W.std(), EXPECTED_STD[name], rtol=0.01)


def test_xavier_uniform_bound():
    """xavier_uniform draws stay inside +/-sqrt(6 / (fan_in + fan_out)) and nearly reach it."""
    bound = np.sqrt(6.0 / (FAN_IN + FAN_OUT))
    W = registry.resolve("xavier_uniform")(FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.999 * bound


def test_gaussian_std_option():
    """Gaussian takes its std as an option."""
    W = registry.resolve("gaussian", std=0.5)(FAN_IN, FAN_OUT, np.random.RandomState(0), float)
    assert_allclose(W.std(), 0.5, rtol=0.01)


@pytest.fixture
def data():
    """A small two-class problem."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((40, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_custom_init_callable_is_used(data):
    """A plain function initializer sets the starting weights."""
    X, y = data
    calls = []

    def constant(fan_in, fan_out, rng, dtype):
        calls.append((fan_in, fan_out, np.dtype(dtype)))
        return np.full((fan_in, fan_out), 0.25, dtype=dtype)

    clf = DNNClassifier(
        (4,), init=constant, max_iter=1, learning_rate_init=1e-12, random_state=0
    ).fit(X, y)
    assert calls == [(3, 4, np.dtype(np.float64)), (4, 1, np.dtype(np.float64))]
    for W in clf.coefs_:
        assert_allclose(W, 0.25, atol=1e-6)


def test_custom_init_wrong_shape(data):
    """An initializer returning the wrong shape is named with the expected shape."""
    X, y = data

    def transposed(fan_in, fan_out, rng, dtype):
        return np.zeros((fan_out, fan_in), dtype=dtype)

    with pytest.raises(ValueError, match=r"returned ndarray of shape \(4, 3\).*\(3, 4\)"):
        DNNClassifier((4,), init=transposed).fit(X, y)
