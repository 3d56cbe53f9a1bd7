"""The estimators' ``feature_embedding``: fit, predict, continue, persist, refuse.

The layers themselves (values, gradients, bins) are tested in test_embeddings.py; the
ONNX export in test_onnx.py; scikit-learn's checks with embeddings in test_common.py.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skdnn.layers import Layer, PeriodicEmbedding, PiecewiseLinearEmbedding
from tests._helpers import DNNClassifier, DNNRegressor

NAMES = ["periodic", "piecewise_linear"]


def wave(n=400, seed=0):
    """A target that is a fast wave in one feature: hard for ReLUs on the raw value."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, (n, 3))
    return X, np.sin(4 * X[:, 0]) + 0.3 * X[:, 1]


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_an_embedding_learns_a_wave_the_raw_features_do_not(name):
    X, y = wave()
    X_test, y_test = wave(seed=1)
    params = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=150, random_state=0)
    embedding = PeriodicEmbedding(frequency_scale=0.3) if name == "periodic" else name
    plain = quiet(DNNRegressor(**params).fit, X, y)
    embedded = quiet(DNNRegressor(feature_embedding=embedding, **params).fit, X, y)
    assert embedded.score(X_test, y_test) > 0.9
    assert embedded.score(X_test, y_test) > plain.score(X_test, y_test) + 0.1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("make", [DNNClassifier, DNNRegressor])
def test_fitted_attributes(make, name):
    X, y = wave(n=60)
    if make is DNNClassifier:
        y = (y > 0).astype(int)
    model = quiet(make(hidden_layer_sizes=(5,), max_iter=5, feature_embedding=name).fit, X, y)
    emb = model.embedding_
    assert isinstance(emb, PeriodicEmbedding if name == "periodic" else PiecewiseLinearEmbedding)
    assert model.coefs_[0].shape == (3 * emb.d_embedding, 5)
    assert all(type(p) is np.ndarray for p in emb.params_)
    assert model.predict(X).shape == y.shape
    if name == "piecewise_linear":
        assert len(emb.bins_) == 3


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_fit(name):
    X, y = wave(n=80)
    fits = [
        quiet(DNNRegressor(max_iter=3, feature_embedding=name, random_state=s).fit, X, y)
        for s in (0, 0, 1)
    ]
    for a, b in zip(fits[0].embedding_.params_, fits[1].embedding_.params_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])
    assert not np.array_equal(fits[0].coefs_[0], fits[2].coefs_[0])


def test_the_users_object_is_copied_not_fitted():
    layer = PiecewiseLinearEmbedding(n_bins=4, d_embedding=3)
    X, y = wave(n=50)
    model = quiet(DNNRegressor(max_iter=2, feature_embedding=layer).fit, X, y)
    assert model.embedding_ is not layer
    assert not hasattr(layer, "bins_")
    assert model.embedding_.get_params() == layer.get_params()


@pytest.mark.parametrize("name", NAMES)
def test_warm_start_continues_from_the_fitted_embedding(name):
    X, y = wave(n=120)
    model = DNNRegressor(max_iter=5, warm_start=True, feature_embedding=name, random_state=0)
    quiet(model.fit, X, y)
    first = model.embedding_
    quiet(model.fit, X, y)
    curve = model.loss_curve_
    assert len(curve) == 10
    # The sixth epoch goes on from the fifth, not from a new start.
    assert abs(curve[5] - curve[4]) < 0.2 * abs(curve[0] - curve[4])
    assert not any(np.array_equal(a, b) for a, b in zip(first.params_, model.embedding_.params_))
    quiet(model.fit, 3 * X, y)  # other rows: the bins stay those of the first fit
    if name == "piecewise_linear":
        for a, b in zip(first.bins_, model.embedding_.bins_):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_partial_fit_keeps_the_first_calls_bins_and_trains_on(name):
    X, y = wave(n=90)
    model = DNNRegressor(feature_embedding=name, random_state=0)
    model.partial_fit(X[:30], y[:30])
    first = model.embedding_
    model.partial_fit(X[30:], y[30:])
    if name == "piecewise_linear":
        for a, b in zip(first.bins_, model.embedding_.bins_):
            np.testing.assert_array_equal(a, b)
    assert not any(np.array_equal(a, b) for a, b in zip(first.params_, model.embedding_.params_))


def test_switching_the_embedding_on_a_fitted_model_needs_a_new_fit():
    X, y = wave(n=40)
    model = quiet(DNNRegressor(max_iter=2, warm_start=True).fit, X, y)
    model.set_params(feature_embedding="periodic")
    with pytest.raises(ValueError, match="warm_start/partial_fit continues the fitted model"):
        model.fit(X, y)


def test_lbfgs_trains_the_embedding():
    X, y = wave(n=200)
    model = quiet(
        DNNRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=200,
                     feature_embedding="periodic", random_state=0).fit, X, y  # fmt: skip
    )
    assert model.score(X, y) > 0.9


def test_sparse_input_is_refused_naming_the_parameter():
    X, y = wave(n=20)
    with pytest.raises(TypeError, match="feature_embedding=.periodic. needs dense input.*sparse"):
        DNNRegressor(feature_embedding="periodic").fit(sp.csr_matrix(X), y)


def test_nan_is_refused_as_without_an_embedding():
    X, y = wave(n=20)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DNNRegressor(feature_embedding="piecewise_linear").fit(X, y)


def test_unknown_embedding_lists_the_names():
    X, y = wave(n=20)
    with pytest.raises(ValueError, match="Unknown feature_embedding 'fourier'.*'periodic'"):
        DNNRegressor(feature_embedding="fourier").fit(X, y)


def test_a_layer_object_of_ones_own():
    class Doubled(Layer):
        """x -> 2x, no parameters."""

        def build(self, n_in, n_members, rng, dtype, init):
            self.n_out = n_in
            return []

        def forward(self, X, training):
            return 2 * X

        def backward(self, dY, need_input_grad):
            return 2 * dY if need_input_grad else None

    X, y = wave(n=50)
    params = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    doubled = quiet(DNNRegressor(feature_embedding=Doubled(), **params).fit, X, y)
    scaled = quiet(DNNRegressor(**params).fit, 2 * X, y)
    np.testing.assert_allclose(doubled.predict(X), scaled.predict(2 * X), rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip_predicts_the_same(name):
    X, y = wave(n=60)
    model = quiet(DNNRegressor(max_iter=3, feature_embedding=name).fit, X, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_nested_settings_are_parameters():
    model = DNNRegressor(feature_embedding=PeriodicEmbedding())
    model.set_params(feature_embedding__d_embedding=4)
    assert model.get_params()["feature_embedding__d_embedding"] == 4
    assert clone(model).feature_embedding.d_embedding == 4


@pytest.mark.parametrize("ensemble", ["batch", "packed"])
def test_an_embedding_is_shared_by_the_members_of_an_ensemble(ensemble):
    X, y = wave(n=80)
    params = dict(max_iter=5, random_state=0, n_ensemble=3, ensemble=ensemble)
    model = quiet(DNNRegressor(feature_embedding="periodic", **params).fit, X, y)
    d = model.embedding_.d_embedding
    assert model.coefs_[0].shape == (3, 3 * d, 100)
    assert model.predict(X).shape == y.shape
    quiet(model.set_params(warm_start=True).fit, X, y)  # continues, embedding included
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
