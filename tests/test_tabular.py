"""TabularClassifier and TabularRegressor: raw tables in, the recipe's network inside.

The input handling itself (TabularInput) is tested in test_tabular_input.py, the
estimator checks in test_common.py; here: what the composition adds (the first layer
and its gradients, target standardisation, delegation, persistence, refusals)."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import skdnn
from skdnn import backends
from skdnn._tabular import RECIPE, _epochs, recipe
from skdnn.layers import PeriodicEmbedding, PiecewiseLinearEmbedding, TabularEmbedding
from tests._helpers import BACKEND, TabularClassifier, TabularRegressor

SMALL = {
    "n_ensemble": 2,
    "hidden_layer_sizes": (16,),
    "max_iter": 5,
    "min_steps": None,
    "random_state": 0,
}


def _frame(n=160, seed=0):
    """Numbers with gaps, a narrow string column, a wide category, a boolean."""
    rng = np.random.RandomState(seed)
    x = rng.normal(size=n)
    x[::7] = np.nan
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    colour[::11] = None
    city = pd.Categorical(rng.choice([f"c{i}" for i in range(12)], size=n))
    flag = rng.rand(n) > 0.5
    X = pd.DataFrame({"x": x, "z": rng.normal(size=n), "colour": colour, "city": city,
                      "flag": flag})
    y = (np.nan_to_num(x) + (colour == "red") + 0.5 * flag > 0.5).astype(int)
    return X, y


# ---------------------------------------------------------------- the first layer


def _bound(layer, n_in, backend, dtype=np.float64, seed=0):
    params = layer.build(n_in, 1, np.random.RandomState(seed), dtype, None)
    params = [p + 0.05 for p in params]  # no zero rows: every read shows
    host = [np.array(p) for p in params]
    dev = [backend.asarray(p, dtype) for p in params]
    grads = [backend.asarray(np.zeros_like(p), dtype) for p in params]
    layer.bind(dev, grads, backend)
    return host, dev, grads


def _layer_input(rng, n=9):
    """Two numbers, one 0/1 column, codes of two columns (K = 3 and 5)."""
    codes = np.column_stack([rng.randint(0, 4, size=n), rng.randint(0, 6, size=n)])
    return np.hstack([rng.randn(n, 2), rng.rand(n, 1) > 0.5, codes]).astype(np.float64)


def _numeric(kind):
    if kind == "periodic":
        return PeriodicEmbedding(n_frequencies=3, d_embedding=4)
    if kind == "piecewise_linear":
        return PiecewiseLinearEmbedding(n_bins=4, d_embedding=3)
    return None


@pytest.mark.parametrize("kind", ["periodic", "piecewise_linear", None])
def test_first_layer_blocks_are_each_parts_output(kind):
    rng = np.random.RandomState(0)
    X = _layer_input(rng)
    layer = TabularEmbedding(_numeric(kind), n_numeric=2, cardinalities=[3, 5], embedding_dim=2)
    layer.fit(X, np.random.RandomState(0))
    backend = backends.NumpyBackend()
    host, _, _ = _bound(layer, X.shape[1], backend)
    out = layer.forward(X, training=False)
    num = layer._numeric_layer()
    width = 2 if num is None else num.n_out
    assert out.shape == (9, width + 1 + 2 * 2) == (9, layer.n_out)
    if num is None:
        assert_array_equal(out[:, :2], X[:, :2])
    else:
        assert_allclose(out[:, :width], num.forward(X[:, :2], training=False))
    assert_array_equal(out[:, width], X[:, 2])  # the 0/1 column passes through
    table = host[-1]
    assert_allclose(out[:, width + 1 : width + 3], table[X[:, 3].astype(int)])
    assert_allclose(out[:, width + 3 :], table[4 + X[:, 4].astype(int)])


@pytest.mark.parametrize("kind", ["periodic", "piecewise_linear", None])
@pytest.mark.parametrize("name", sorted({"numpy", "array_api_strict", "torch", BACKEND}))
def test_first_layer_gradients_match_central_differences(kind, name, request):
    if name == "cupy":
        request.getfixturevalue("cupy_or_stand_in")
    backend = backends.registry.resolve(name)
    if not backend.is_available():
        pytest.skip(f"{name}: {backend.unavailable_reason()}")
    rng = np.random.RandomState(1)
    X = _layer_input(rng)
    layer = TabularEmbedding(_numeric(kind), n_numeric=2, cardinalities=[3, 5], embedding_dim=2)
    layer.fit(X, np.random.RandomState(0))
    host, dev, grads = _bound(layer, X.shape[1], backend)
    G = rng.randn(X.shape[0], layer.n_out)  # loss = sum(G * out)
    Xd = backend.asarray(X, np.float64)
    layer.allocate(X.shape[0])
    layer.forward(Xd, training=True)
    dX = backend.to_numpy(layer.backward(backend.asarray(G, np.float64), True))
    analytic = [backend.to_numpy(g).copy() for g in grads]

    def loss(params, Xh):
        probe = TabularEmbedding(
            _numeric(kind), n_numeric=2, cardinalities=[3, 5], embedding_dim=2
        )
        probe.fit(X, np.random.RandomState(0))
        probe.build(X.shape[1], 1, np.random.RandomState(0), np.float64, None)
        probe.bind([np.array(p) for p in params], None, backends.NumpyBackend())
        return float(np.sum(G * probe.forward(Xh, training=False)))

    eps = 1e-6
    for i, p in enumerate(host):
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus = [q.copy() for q in host]
            minus = [q.copy() for q in host]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric[idx] = (loss(plus, X) - loss(minus, X)) / (2 * eps)
        assert_allclose(analytic[i], numeric, atol=1e-6, err_msg=f"parameter {i}")
    # The input gradient: the numbers and the 0/1 column by differences, codes zero.
    for j in range(3):
        plus, minus = X.copy(), X.copy()
        plus[:, j] += eps
        minus[:, j] -= eps
        if kind == "piecewise_linear" and j < 2:
            continue  # piecewise linear: kinks at the bin edges; its own tests cover it
        per_row = []
        for r in range(X.shape[0]):
            pr, mr = X.copy(), X.copy()
            pr[r, j] += eps
            mr[r, j] -= eps
            per_row.append((loss(host, pr) - loss(host, mr)) / (2 * eps))
        assert_allclose(dX[:, j], per_row, atol=1e-6, err_msg=f"input column {j}")
    assert_array_equal(dX[:, 3:], 0.0)


def test_first_layer_pickles_without_backend_arrays():
    layer = TabularEmbedding(PeriodicEmbedding(2, d_embedding=2), 2, [3, 5], 2)
    _bound(layer, 5, backends.NumpyBackend())
    state = pickle.loads(pickle.dumps(layer)).__dict__
    assert not {"params", "grads", "backend", "_cat"} & set(state)


def test_first_layer_refuses_too_narrow_input():
    with pytest.raises(ValueError, match="fewer than n_numeric=3 plus 2 coded"):
        TabularEmbedding(None, 3, [2, 2]).build(4, 1, np.random.RandomState(0), np.float64, None)


# ---------------------------------------------------------------- the estimators


def test_raw_frame_fits_and_the_parts_are_inspectable():
    X, y = _frame()
    clf = TabularClassifier(**{**SMALL, "max_iter": 20}).fit(X, y)
    assert_array_equal(clf.feature_names_in_, X.columns)
    assert clf.n_features_in_ == 5
    assert clf.input_.numeric_features_ == ["x", "z"]
    assert clf.input_.onehot_features_ == ["colour", "flag"]
    assert clf.input_.embedded_features_ == ["city"]
    first = clf.network_.embedding_
    assert isinstance(first, TabularEmbedding)
    assert isinstance(first.numeric, PeriodicEmbedding) and first.n_numeric == 2
    assert list(first.cardinalities) == [12]
    assert first.embedding_dim == RECIPE["common"]["categorical_embedding_dim"]
    assert clf.network_.n_ensemble == 2 and clf.network_.label_smoothing == 0.1
    assert clf.network_.early_stopping and clf.network_.lr_schedule == "cosine"
    # 128 training rows, at least 8 minibatches an epoch, never under 32 rows each.
    assert clf.network_.batch_size == 32
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 2) and np.all(np.isfinite(P))
    assert_allclose(clf.predict_proba_members(X).mean(axis=0), P, rtol=1e-5)
    assert_array_equal(clf.classes_, [0, 1])
    assert clf.score(X, y) > 0.6


def test_unseen_and_missing_categories_at_predict_are_no_error():
    X, y = _frame()
    clf = TabularClassifier(**SMALL).fit(X, y)
    X_new = X.head(4).copy()
    X_new["colour"] = ["purple", None, "red", "blue"]
    X_new["city"] = pd.Categorical(["nowhere", None, "c1", "c2"])
    X_new["x"] = np.nan
    P = clf.predict_proba(X_new)
    assert np.all(np.isfinite(P))


def test_recipe_is_data_and_the_parameters_override_it():
    settings = recipe("classification")
    assert settings["label_smoothing"] == 0.1 and "label_smoothing" not in recipe("regression")
    settings["n_ensemble"] = 99  # a copy: the recipe is unchanged
    assert RECIPE["common"]["n_ensemble"] != 99
    assert skdnn.TabularClassifier().n_ensemble == RECIPE["common"]["n_ensemble"]
    X, y = _frame()
    clf = TabularClassifier(**{**SMALL, "feature_embedding": None}).fit(X, y)
    assert clf.network_.embedding_.numeric is None
    clf = TabularClassifier(**{**SMALL, "feature_embedding": "piecewise_linear"}).fit(X, y)
    assert isinstance(clf.network_.embedding_.numeric, PiecewiseLinearEmbedding)
    assert clf.network_.embedding_.numeric.n_bins == RECIPE["common"]["piecewise_linear"]["n_bins"]


def test_min_steps_trains_small_tables_longer_within_the_cap():
    X, y = _frame(n=160)
    # 160 rows, 20% held out: 128 training rows in batches of 32 = 4 steps an epoch.
    clf = TabularClassifier(**{**SMALL, "batch_size": 32, "min_steps": 60}).fit(X, y)
    assert clf.n_iter_ == clf.network_.max_iter == 15  # 60 steps / 4 an epoch
    assert len(clf.network_.loss_curve_) == 15
    # Enough steps in max_iter epochs already: max_iter stands.
    clf = TabularClassifier(**{**SMALL, "batch_size": 32, "min_steps": 8}).fit(X, y)
    assert clf.n_iter_ == 5
    # The cap: max(max_iter, max_epochs) epochs at most.
    assert _epochs(5, 10**6, max(RECIPE["common"]["max_epochs"], 5), 32, 160, 0.2) == 256
    assert _epochs(300, 10**6, max(RECIPE["common"]["max_epochs"], 300), 32, 160, 0.2) == 300
    assert _epochs(5, None, 256, 32, 160, 0.2) == 5
    # The recipe's defaults ask for the budget.
    assert skdnn.TabularClassifier().min_steps == RECIPE["common"]["min_steps"] == 1000


def test_numeric_array_without_categories_has_no_embedding_layer_when_asked():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3))
    reg = TabularRegressor(**{**SMALL, "feature_embedding": None}).fit(X, X[:, 0])
    assert reg.network_.embedding_ is None
    assert not hasattr(reg, "feature_names_in_")


def test_same_random_state_same_model():
    X, y = _frame()
    a = TabularClassifier(**SMALL).fit(X, y).predict_proba(X)
    b = TabularClassifier(**SMALL).fit(X, y).predict_proba(X)
    assert_array_equal(a, b)
    c = TabularClassifier(**{**SMALL, "random_state": 1}).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("multi", [False, True])
def test_regression_targets_are_standardised_inside(multi):
    """An affine change of the targets changes the predictions by the same map: the
    network sees the same standardised targets (the same weights)."""
    X, _ = _frame()
    base = np.column_stack([np.nan_to_num(X["x"]) + X["flag"], X["z"]])
    y = base if multi else base[:, 0]
    reg = TabularRegressor(**SMALL).fit(X, y)
    big = TabularRegressor(**SMALL).fit(X, 1e6 * y - 3e7)
    assert_allclose(big.predict(X), 1e6 * reg.predict(X) - 3e7, rtol=1e-6)
    assert reg.predict(X).shape == y.shape
    assert_allclose(reg.y_mean_, np.atleast_2d(y.T).mean(axis=1))
    assert reg.predict_members(X).shape == (2, *y.shape)
    assert_allclose(reg.predict_members(X).mean(axis=0), reg.predict(X), rtol=1e-5, atol=1e-8)


def test_regressor_learns_on_the_original_scale():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["u", "v"], size=300)})
    y = 5000.0 + 800.0 * X["a"] + 600.0 * (X["b"] == "u")
    reg = TabularRegressor(n_ensemble=2, max_iter=20, min_steps=None, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.9


def test_sample_weight_and_class_weight_reach_the_network():
    X, y = _frame()
    w = np.where(y == 1, 5.0, 1.0)
    plain = TabularClassifier(**SMALL).fit(X, y)
    weighted = TabularClassifier(**SMALL).fit(X, y, sample_weight=w)
    balanced = TabularClassifier(**{**SMALL, "class_weight": {0: 1.0, 1: 5.0}}).fit(X, y)
    assert balanced.network_.class_weight == {0: 1.0, 1: 5.0}
    threads = TabularClassifier(**{**SMALL, "n_threads": 1}).fit(X, y)
    assert threads.network_.n_threads == 1
    assert_array_equal(threads.predict_proba(X), plain.predict_proba(X))
    assert not np.allclose(plain.predict_proba(X), weighted.predict_proba(X))
    # Weighting class 1 up raises its mean probability.
    for model in (weighted, balanced):
        assert model.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()


def test_sparse_input_is_refused_naming_the_estimator():
    X = sp.random(20, 3, density=0.5, format="csr", random_state=0)
    with pytest.raises(TypeError, match="TabularRegressor takes a dense table.*toarray"):
        TabularRegressor(**SMALL).fit(X, np.arange(20.0))
    reg = TabularRegressor(**SMALL).fit(X.toarray(), np.arange(20.0))
    with pytest.raises(TypeError, match="TabularRegressor takes a dense table"):
        reg.predict(X)


def test_pipeline_and_grid_search_in_two_processes():
    X, y = _frame()
    pipe = make_pipeline(FunctionTransformer(lambda df: df), TabularClassifier(**SMALL))
    assert pipe.fit(X, y).score(X, y) > 0.5
    grid = GridSearchCV(
        TabularClassifier(**SMALL), {"max_onehot_categories": [0, 8]}, cv=2, n_jobs=2
    )
    grid.fit(X, y)
    assert grid.best_params_["max_onehot_categories"] in (0, 8)
    assert grid.best_estimator_.input_.max_onehot_categories == grid.best_params_[
        "max_onehot_categories"
    ]


def test_joblib_round_trip(tmp_path):
    X, y = _frame()
    clf = TabularClassifier(**SMALL).fit(X, y)
    joblib.dump(clf, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(clone(clf).get_params()["n_ensemble"], 2)


@pytest.mark.parametrize("cls", [skdnn.TabularClassifier, skdnn.TabularRegressor])
def test_skops_round_trip_trusts_only_public_types(cls):
    sio = pytest.importorskip("skops.io")
    X, y = _frame()
    model = cls(**SMALL, backend=BACKEND).fit(X, y)
    data = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=data)
    skdnn_types = [t for t in untrusted if t.startswith("skdnn")]
    assert f"skdnn.{cls.__name__}" in skdnn_types
    assert not [t for t in skdnn_types if "._" in t], skdnn_types
    loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.predict(X), model.predict(X))


def test_onnx_export_is_refused_with_a_reason():
    from skdnn.onnx import check_exportable

    X, y = _frame()
    clf = skdnn.TabularClassifier(**SMALL, backend=BACKEND).fit(X, y)
    with pytest.raises(ValueError, match="TabularClassifier cannot be exported to ONNX"):
        check_exportable(clf)
    skl2onnx = pytest.importorskip("skl2onnx")
    from skl2onnx.common.data_types import FloatTensorType

    with pytest.raises(ValueError, match="TabularClassifier cannot be exported to ONNX"):
        skl2onnx.convert_sklearn(clf, initial_types=[("X", FloatTensorType([None, 5]))])


def test_dropped_columns_are_warned_and_named():
    X, y = _frame()
    X["const"] = 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = TabularClassifier(**SMALL).fit(X, y)
    assert any("const" in str(w.message) for w in caught)
    assert clf.input_.dropped_features_ == ["const"]
    assert clf.n_features_in_ == 6
