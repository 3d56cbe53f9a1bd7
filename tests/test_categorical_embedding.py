"""CategoricalEmbedding: the lookup, the unknown slot, and the scatter-add backward
against central finite differences, on every backend (NumPy, torch, array_api_strict
and CuPy or its CPU stand-in)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdnn import backends
from skdnn.layers import CategoricalEmbedding, Layer
from tests._helpers import BACKEND

CARDINALITIES = [3, 1, 5]
N_PASS = 2


def _backend(name, request):
    if name == "cupy":
        request.getfixturevalue("cupy_or_stand_in")
    backend = backends.registry.resolve(name)
    if not backend.is_available():
        pytest.skip(f"{name}: {backend.unavailable_reason()}")
    return backend


def _batch(rng, n=11):
    """Passthrough numbers, then codes in 0..K_j (each column's unknown 0 included)."""
    codes = np.column_stack([rng.randint(0, k + 1, size=n) for k in CARDINALITIES])
    codes[0] = 0
    return np.hstack([rng.randn(n, N_PASS), codes.astype(np.float64)])


def _built(backend, dtype=np.float64, seed=0):
    layer = CategoricalEmbedding(CARDINALITIES, embedding_dim=4, n_passthrough=N_PASS)
    n_in = N_PASS + len(CARDINALITIES)
    [table] = layer.build(n_in, 1, np.random.RandomState(seed), dtype, None)
    table = table + 0.1  # no zero rows: every row's read shows in the output
    params = [backend.asarray(table, dtype)]
    grads = [backend.asarray(np.zeros_like(table), dtype)]
    layer.bind(params, grads, backend)
    return layer, table.copy()  # NumPy's params may be the same array


def test_follows_the_layer_protocol():
    layer = CategoricalEmbedding([4])
    assert isinstance(layer, Layer)
    assert all(callable(getattr(layer, hook)) for hook in Layer.required)
    assert layer.penalized == (True,)
    assert layer.member_axis is False


def test_build_shapes_unknown_rows_and_determinism():
    layer = CategoricalEmbedding([3, 2], embedding_dim=5, n_passthrough=1)
    [T] = layer.build(3, 4, np.random.RandomState(0), np.float32, None)
    assert T.shape == (4 + 3, 5) and T.dtype == np.float32
    assert layer.n_out == 1 + 2 * 5
    assert_array_equal(layer.offsets, [0, 4])
    assert_array_equal(T[[0, 4]], 0.0)  # the unknown slots start at zero
    assert np.abs(T).max() <= 1 / np.sqrt(5)
    [again] = layer.build(3, 4, np.random.RandomState(0), np.float32, None)
    assert_array_equal(T, again)


def test_wrong_input_width_and_bad_settings_are_named():
    with pytest.raises(ValueError, match="input has 4 columns.*n_passthrough=1"):
        CategoricalEmbedding([3, 2], n_passthrough=1).build(4, 1, np.random, np.float64, None)
    with pytest.raises(ValueError, match="cardinalities"):
        CategoricalEmbedding([3, 0])
    with pytest.raises(ValueError, match="embedding_dim=0"):
        CategoricalEmbedding([3], embedding_dim=0)


BACKENDS = ["numpy", "array_api_strict", "torch", "cupy"]


@pytest.mark.parametrize("name", sorted({*BACKENDS, BACKEND}))
def test_forward_is_the_lookup(name, request):
    backend = _backend(name, request)
    layer, table = _built(backend)
    X = _batch(np.random.RandomState(1))
    out = backend.to_numpy(layer.forward(backend.asarray(X, np.float64), training=False))
    assert out.shape == (len(X), N_PASS + 4 * len(CARDINALITIES))
    assert_array_equal(out[:, :N_PASS], X[:, :N_PASS])
    for j, (start, k) in enumerate(zip(layer.offsets, CARDINALITIES)):
        codes = X[:, N_PASS + j].astype(int)
        assert codes.max() <= k
        assert_array_equal(out[:, N_PASS + 4 * j : N_PASS + 4 * (j + 1)], table[start + codes])


@pytest.mark.parametrize("name", sorted({*BACKENDS, BACKEND}))
def test_codes_out_of_range_read_the_unknown_slot(name, request):
    backend = _backend(name, request)
    layer, table = _built(backend)
    X = _batch(np.random.RandomState(2), n=3)
    X[0, N_PASS:] = [4, 2, -1]  # above K for the first two columns, negative for the third
    out = backend.to_numpy(layer.forward(backend.asarray(X, np.float64), training=False))
    unknown = np.concatenate([table[start] for start in layer.offsets])
    assert_array_equal(out[0, N_PASS:], unknown)


def test_integer_codes_give_the_float_codes_lookup():
    backend = backends.registry.resolve("numpy")
    layer = CategoricalEmbedding(CARDINALITIES, embedding_dim=4)
    [table] = layer.build(3, 1, np.random.RandomState(0), np.float64, None)
    layer.bind([table], [np.empty_like(table)], backend)
    codes = _batch(np.random.RandomState(3))[:, N_PASS:]
    from_floats = layer.forward(codes, training=False)
    assert_array_equal(layer.forward(codes.astype(np.int64), training=False), from_floats)


@pytest.mark.parametrize("name", sorted({*BACKENDS, BACKEND}))
def test_backward_matches_central_differences(name, request):
    """The scatter-add of dY into the rows read, against central differences of a
    nonlinear loss, repeated codes in the batch included."""
    backend = _backend(name, request)
    layer, table = _built(backend)
    rng = np.random.RandomState(4)
    X = _batch(rng, n=13)
    W = rng.randn(layer.n_out)

    def loss(T):
        layer.params[0][...] = backend.asarray(T, np.float64)
        out = backend.to_numpy(layer.forward(backend.asarray(X, np.float64), training=False))
        return float(np.sum(np.tanh(out @ W)))

    out = backend.to_numpy(layer.forward(backend.asarray(X, np.float64), training=True))
    dY = (1 - np.tanh(out @ W) ** 2)[:, None] * W[None, :]
    dX = backend.to_numpy(layer.backward(backend.asarray(dY, np.float64), need_input_grad=True))
    analytic = backend.to_numpy(layer.grads[0])
    eps = 1e-6
    numeric = np.zeros_like(table)
    for idx in np.ndindex(table.shape):
        plus, minus = table.copy(), table.copy()
        plus[idx] += eps
        minus[idx] -= eps
        numeric[idx] = (loss(plus) - loss(minus)) / (2 * eps)
    assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
    assert np.abs(analytic).sum() > 0
    # Rows never read by the batch get exactly zero.
    read = {start + c for j, start in enumerate(layer.offsets) for c in X[:, N_PASS + j]}
    unread = [r for r in range(len(table)) if r not in read]
    assert_array_equal(analytic[unread], 0.0)
    assert_array_equal(dX[:, :N_PASS], dY[:, :N_PASS])
    assert_array_equal(dX[:, N_PASS:], 0.0)


@pytest.mark.parametrize("name", sorted({*BACKENDS, BACKEND}))
def test_backward_overwrites_the_gradient_and_may_skip_the_input(name, request):
    backend = _backend(name, request)
    layer, _ = _built(backend)
    X = _batch(np.random.RandomState(5))
    layer.grads[0][...] = backend.asarray(np.full(layer.grads[0].shape, 7.0), np.float64)
    out = layer.forward(backend.asarray(X, np.float64), training=True)
    dY = backend.asarray(np.ones(tuple(out.shape)), np.float64)
    assert layer.backward(dY, need_input_grad=False) is None
    grad = backend.to_numpy(layer.grads[0])
    # Each code read adds a row of ones: a row's sum over dims is 4 * its read count.
    counts = np.zeros(len(grad))
    for j, start in enumerate(layer.offsets):
        np.add.at(counts, start + X[:, N_PASS + j].astype(int), 1)
    assert_array_equal(grad, np.repeat(counts[:, None], 4, axis=1))


def test_float32_tables_stay_float32():
    backend = backends.registry.resolve("numpy")
    layer, _ = _built(backend, dtype=np.float32)
    X = _batch(np.random.RandomState(6)).astype(np.float32)
    out = layer.forward(X, training=True)
    assert out.dtype == np.float32
    layer.backward(np.ones_like(out), need_input_grad=False)
    assert layer.grads[0].dtype == np.float32
