"""The feature embeddings as layers on their own: values, gradients, bins, settings.

Every test runs on the test backend (``SKDNN_TEST_BACKEND``): the layers' math is
written on the backend's namespace, so a call outside the array API fails here.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from skdnn import layers
from skdnn.backends import registry as backends
from skdnn.layers import PeriodicEmbedding, PiecewiseLinearEmbedding, quantile_bins
from skdnn.layers._bins import encoding_tables
from tests._helpers import BACKEND

BK = backends.resolve(BACKEND)


def _bound(layer, X_fit, seed=0, dtype=np.float64, grads=True):
    """``layer`` fitted on ``X_fit``, built and bound on the test backend."""
    layer.fit(X_fit.astype(dtype), np.random.RandomState(seed))
    host = layer.build(X_fit.shape[1], 1, np.random.RandomState(seed), dtype, None)
    params = [BK.asarray(p, dtype) for p in host]
    g = [BK.asarray(np.zeros_like(p), dtype) for p in host] if grads else None
    layer.bind(params, g, BK)
    return host


def _output(layer, host_params, X):
    """The layer's output on the host, for the given host parameters."""
    layer.bind([BK.asarray(p, p.dtype) for p in host_params], None, BK)
    return BK.to_numpy(layer.forward(BK.asarray(X, X.dtype), training=False))


def _check_gradients(layer, X_fit, X, seed=0):
    """Every parameter's gradient and the input gradient against central differences
    of ``sum(G * layer(X))`` for a fixed random ``G``."""
    host = _bound(layer, X_fit, seed)
    G = np.random.RandomState(seed + 1).standard_normal((X.shape[0], layer.n_out))
    layer.forward(BK.asarray(X, np.float64), training=True)
    dX = BK.to_numpy(layer.backward(BK.asarray(G, np.float64), need_input_grad=True))
    analytic = [BK.to_numpy(g).copy() for g in layer.grads]
    assert layer.backward(BK.asarray(G, np.float64), need_input_grad=False) is None
    eps = 1e-6

    def f(params, X_):
        return float(np.sum(G * _output(layer, params, X_)))

    for i, p in enumerate(host):
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus, minus = [q.copy() for q in host], [q.copy() for q in host]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric[idx] = (f(plus, X) - f(minus, X)) / (2 * eps)
        np.testing.assert_allclose(analytic[i], numeric, rtol=1e-5, atol=1e-6, err_msg=f"p{i}")
    numeric = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        plus, minus = X.copy(), X.copy()
        plus[idx] += eps
        minus[idx] -= eps
        numeric[idx] = (f(host, plus) - f(host, minus)) / (2 * eps)
    np.testing.assert_allclose(dX, numeric, rtol=1e-5, atol=1e-6, err_msg="input")


def _data(n=7, n_features=3, seed=0):
    return np.random.RandomState(seed).standard_normal((n, n_features))


# ------------------------------------------------------------------- gradients


@pytest.mark.parametrize("lite", [False, True])
def test_periodic_gradients_match_central_differences(lite):
    # A large frequency scale, so that the sines and cosines are far from linear.
    layer = PeriodicEmbedding(n_frequencies=3, frequency_scale=0.5, d_embedding=4, lite=lite)
    _check_gradients(layer, _data(), _data(seed=1))


@pytest.mark.parametrize(
    "settings",
    [
        dict(n_bins=4, d_embedding=3),
        dict(n_bins=4, d_embedding=3, lite=True),
        dict(n_bins=3, d_embedding=None),
    ],  # fmt: skip
)
def test_piecewise_linear_gradients_match_central_differences(settings):
    X_fit = _data(n=20)
    X_fit[:, 2] = np.round(X_fit[:, 2])  # a tied column: fewer bins, padding slots
    X = 1.5 * _data(seed=1)  # some values beyond the training range: extrapolation
    _check_gradients(PiecewiseLinearEmbedding(**settings), X_fit, X)


# ---------------------------------------------------------------- forward values


def test_periodic_forward_is_the_formula():
    layer = PeriodicEmbedding(n_frequencies=2, d_embedding=3)
    X = _data()
    C, W, b = _bound(layer, X)
    Y = BK.to_numpy(layer.forward(BK.asarray(X, np.float64), training=False))
    for j in range(X.shape[1]):
        v = 2 * np.pi * X[:, j, None] * C[j]
        expected = np.maximum(np.hstack([np.cos(v), np.sin(v)]) @ W[j] + b[j], 0)
        np.testing.assert_allclose(Y[:, 3 * j : 3 * j + 3], expected, rtol=1e-12, atol=1e-12)


def test_periodic_lite_shares_the_linear_map():
    layer = PeriodicEmbedding(n_frequencies=2, d_embedding=3, lite=True)
    X = _data()
    C, W, b = _bound(layer, X)
    assert W.shape == (4, 3) and b.shape == (3,)
    Y = BK.to_numpy(layer.forward(BK.asarray(X, np.float64), training=False))
    v = 2 * np.pi * X[:, 1, None] * C[1]
    expected = np.maximum(np.hstack([np.cos(v), np.sin(v)]) @ W + b, 0)
    np.testing.assert_allclose(Y[:, 3:6], expected, rtol=1e-12, atol=1e-12)


def _encode(x, edges):
    """The piecewise-linear encoding of one value, written from its definition."""
    n = len(edges) - 1
    if n == 0:
        return np.zeros(0)
    out = (x - edges[:-1]) / np.diff(edges)
    if n == 1:
        return out
    out[:-1] = np.minimum(out[:-1], 1)
    out[1:] = np.maximum(out[1:], 0)
    return out


def test_piecewise_linear_encoding_is_the_definition():
    X_fit = _data(n=30)
    X = 2 * _data(n=9, seed=1)
    layer = PiecewiseLinearEmbedding(n_bins=5, d_embedding=None)
    _bound(layer, X_fit)
    E = BK.to_numpy(layer.forward(BK.asarray(X, np.float64), training=False))
    assert E.shape == (9, 3 * 5)
    for j, edges in enumerate(layer.bins_):
        n = len(edges) - 1
        for i in range(len(X)):
            block = E[i, 5 * j : 5 * j + 5]
            expected = _encode(X[i, j], edges)
            np.testing.assert_allclose(block[: n - 1], expected[:-1], rtol=1e-12)
            np.testing.assert_allclose(block[-1], expected[-1], rtol=1e-12)
            assert np.all(block[n - 1 : -1] == 0)  # padding


def test_piecewise_linear_embedding_maps_each_encoding():
    X_fit = _data(n=30)
    layer = PiecewiseLinearEmbedding(n_bins=4, d_embedding=2)
    W, b = _bound(layer, X_fit)
    plain = PiecewiseLinearEmbedding(n_bins=4, d_embedding=None)
    _bound(plain, X_fit)
    X = BK.asarray(_data(seed=3), np.float64)
    E = BK.to_numpy(plain.forward(X, training=False)).reshape(7, 3, 4)
    Y = BK.to_numpy(layer.forward(X, training=False)).reshape(7, 3, 2)
    expected = np.maximum(np.einsum("njs,jsd->njd", E, W) + b, 0)
    np.testing.assert_allclose(Y, expected, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------- bins


def test_bins_are_the_quantiles_when_values_are_distinct():
    x = np.arange(101.0)
    (edges,) = quantile_bins(x[:, None], n_bins=4)
    np.testing.assert_array_equal(edges, [0, 25, 50, 75, 100])


def test_constant_column_gets_no_bin_and_a_zero_encoding():
    X = np.column_stack([np.full(50, 3.0), np.linspace(0, 1, 50)])
    bins = quantile_bins(X, n_bins=8)
    assert bins[0].tolist() == [3.0]
    layer = PiecewiseLinearEmbedding(n_bins=8, d_embedding=None)
    _bound(layer, X)
    E = BK.to_numpy(layer.forward(BK.asarray(np.array([[3.0, 0.5], [-9.0, 0.5]]),
                                             np.float64), training=False))  # fmt: skip
    assert np.all(E[:, :8] == 0)  # even a value never seen in training


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tied_and_near_constant_columns_give_distinct_finite_bins(dtype):
    rng = np.random.RandomState(0)
    tied = np.where(rng.uniform(size=500) < 0.9, 0.0, rng.standard_normal(500))
    two_values = rng.randint(0, 2, 500).astype(float)
    near_constant = 1.0 + 1e-12 * rng.standard_normal(500)
    tiny = 1e-30 * rng.standard_normal(500)
    X = np.column_stack([tied, two_values, near_constant, tiny]).astype(dtype)
    bins = quantile_bins(X, n_bins=48)
    for edges in bins:
        assert edges.dtype == dtype
        assert np.all(np.diff(edges) > 0)
    assert bins[1].tolist() == [0.0, 1.0]  # two values: one bin, a min-max scaling
    assert len(bins[0]) < 10  # 90 % zeros: the repeated quantiles merged
    if dtype == np.float32:
        assert len(bins[2]) == 1  # 1e-12 apart is below float32's resolution at 1.0
    left, inv_width, lo, hi = encoding_tables(bins, dtype)
    assert np.all(np.isfinite(inv_width))
    layer = PiecewiseLinearEmbedding(n_bins=48, d_embedding=4)
    _bound(layer, X, dtype=dtype)
    Y = BK.to_numpy(layer.forward(BK.asarray(X, dtype), training=False))
    assert np.all(np.isfinite(Y))


def test_weighted_bins_are_the_bins_of_repeated_rows():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((30, 3))
    X[:, 2] = np.round(X[:, 2])
    weights = rng.randint(0, 4, 30)  # zeros included: those rows do not count
    repeated = quantile_bins(np.repeat(X, weights, axis=0), n_bins=7)
    weighted = quantile_bins(X, n_bins=7, sample_weight=weights)
    for a, b in zip(repeated, weighted):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="at least one of them positive"):
        quantile_bins(X, sample_weight=np.zeros(30))


def test_bins_refuse_non_finite_values_and_bad_n_bins():
    with pytest.raises(ValueError, match="NaN or infinity"):
        quantile_bins(np.array([[0.0], [np.nan]]))
    with pytest.raises(ValueError, match="n_bins must be a positive integer, got 0"):
        quantile_bins(np.zeros((3, 1)), n_bins=0)


def test_piecewise_linear_needs_fit_before_build():
    with pytest.raises(ValueError, match="call fit"):
        PiecewiseLinearEmbedding().build(3, 1, np.random.RandomState(0), np.float64, None)
    layer = PiecewiseLinearEmbedding()
    layer.fit(np.zeros((4, 2)), np.random.RandomState(0))
    with pytest.raises(ValueError, match="fitted on 2 features, not 3"):
        layer.build(3, 1, np.random.RandomState(0), np.float64, None)


# ----------------------------------------------------- determinism and settings


@pytest.mark.parametrize("make", [PeriodicEmbedding, PiecewiseLinearEmbedding])
def test_parameters_are_determined_by_the_random_stream(make):
    X = _data(n=30)
    first, again, other = (
        _bound(make(), X, seed=s, grads=False) for s in (0, 0, 1)
    )  # fmt: skip
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_bad_settings_name_themselves():
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match="n_frequencies must be an integer >= 1, got 0"):
        PeriodicEmbedding(n_frequencies=0).build(2, 1, rng, np.float64, None)
    with pytest.raises(ValueError, match="frequency_scale must be a positive number"):
        PeriodicEmbedding(frequency_scale=-1.0).build(2, 1, rng, np.float64, None)


def test_registry_names_and_fresh_objects():
    assert layers.registry.names() == ["periodic", "piecewise_linear"]
    a, b = layers.registry.resolve("periodic"), layers.registry.resolve("periodic")
    assert isinstance(a, PeriodicEmbedding) and a is not b
    with pytest.raises(ValueError, match="Unknown feature_embedding 'fourier'.*'periodic'"):
        layers.registry.resolve("fourier")


def test_settings_clone_and_pickle_like_parameters():
    layer = PeriodicEmbedding(d_embedding=8, lite=True)
    assert repr(layer) == "PeriodicEmbedding(d_embedding=8, lite=True)"
    copy = clone(layer)
    assert copy is not layer and copy.get_params() == layer.get_params()
    assert layer.set_params(n_frequencies=4).n_frequencies == 4
    with pytest.raises(ValueError, match="Invalid parameter 'sigma'"):
        layer.set_params(sigma=1.0)
    fitted = PiecewiseLinearEmbedding(n_bins=4)
    _bound(fitted, _data(n=30))
    state = pickle.loads(pickle.dumps(fitted))
    assert not hasattr(state, "params") and not hasattr(state, "backend")
    for a, b in zip(state.bins_, fitted.bins_):
        np.testing.assert_array_equal(a, b)
    assert type(layer).__module__ == "skdnn.layers"
