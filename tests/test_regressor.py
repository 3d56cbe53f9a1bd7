"""DNNRegressor: MLPRegressor's behaviour, its losses, and its errors."""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdnn
from tests._helpers import DNNRegressor, needs_sklearn_1_7

X_REG, Y_REG = make_regression(n_samples=120, n_features=5, noise=0.5, random_state=0)
Y_REG = Y_REG / Y_REG.std()


def _quiet(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


@needs_sklearn_1_7
def test_every_mlpregressor_parameter_with_its_default():
    ours = skdnn.DNNRegressor().get_params()
    theirs = MLPRegressor().get_params()
    assert {k: ours[k] for k in theirs} == theirs
    assert set(ours) - set(theirs) == {
        "init", "backend", "dtype", "dropout", "validation_scoring", "n_threads",
        "lr_schedule", "weight_decay", "n_ensemble", "ensemble", "feature_embedding",
    }


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_diabetes_r2_within_002_of_mlpregressor_over_three_seeds():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    params = dict(
        hidden_layer_sizes=(50,), learning_rate_init=0.01, max_iter=300, early_stopping=True
    )

    def r2(Estimator):
        scores = []
        for seed in range(3):
            model = make_pipeline(StandardScaler(), Estimator(random_state=seed, **params))
            scores.append(model.fit(X_train, y_train).score(X_test, y_test))
        return np.mean(scores)

    ours, theirs = r2(DNNRegressor), r2(MLPRegressor)
    assert abs(ours - theirs) <= 0.02, (ours, theirs)
    assert ours > 0.2


def test_fitted_attributes_match_mlpregressors():
    params = dict(hidden_layer_sizes=(7, 4), max_iter=5, random_state=0)
    ours = _quiet(DNNRegressor(**params), X_REG, Y_REG)
    theirs = _quiet(MLPRegressor(**params), X_REG, Y_REG)
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_iter_", "t_", "n_features_in_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert [W.shape for W in ours.coefs_] == [W.shape for W in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    assert len(ours.loss_curve_) == 5 and ours.best_validation_score_ is None
    assert ours.predict(X_REG).shape == theirs.predict(X_REG).shape == (len(X_REG),)


def test_one_column_y_is_raveled_as_mlpregressor_does():
    with pytest.warns(DataConversionWarning):
        reg = _quiet(DNNRegressor(hidden_layer_sizes=(4,), max_iter=3), X_REG, Y_REG[:, None])
    assert reg.n_outputs_ == 1 and reg.predict(X_REG).shape == (len(X_REG),)


def test_multi_output_regression():
    Y = np.c_[Y_REG, -2 * Y_REG, Y_REG**2 / 4]
    reg = _quiet(
        DNNRegressor(
            hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=400, random_state=0
        ),
        X_REG,
        Y,
    )
    pred = reg.predict(X_REG)
    assert pred.shape == (len(X_REG), 3) and reg.n_outputs_ == 3
    assert reg.score(X_REG, Y) > 0.9


@needs_sklearn_1_7
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_poisson_on_counts_like_mlpregressor():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 3))
    y = rng.poisson(np.exp(0.8 * X[:, 0] - 0.5 * X[:, 1] + 0.5))
    params = dict(
        loss="poisson",
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    )
    ours = DNNRegressor(**params).fit(X, y)
    theirs = MLPRegressor(**params).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    assert np.all(ours.predict(X) > 0)
    ours_dev = mean_poisson_deviance(y, ours.predict(X))
    theirs_dev = mean_poisson_deviance(y, theirs.predict(X))
    null_dev = mean_poisson_deviance(y, np.full(len(y), y.mean()))
    assert ours_dev < 0.8 * null_dev
    assert abs(ours_dev - theirs_dev) <= 0.1 * theirs_dev


def test_sample_weight_zero_rows_are_ignored():
    params = dict(
        hidden_layer_sizes=(6,), max_iter=20, random_state=0, shuffle=False, batch_size=60
    )
    sw = np.r_[np.ones(60), np.zeros(60)]
    weighted = _quiet(DNNRegressor(**params), X_REG, Y_REG, sample_weight=sw)
    halved = _quiet(DNNRegressor(**params), X_REG[:60], Y_REG[:60])
    np.testing.assert_allclose(weighted.predict(X_REG), halved.predict(X_REG), rtol=1e-5, atol=1e-8)


def test_partial_fit_and_warm_start_continue():
    reg = DNNRegressor(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        reg.partial_fit(X_REG, Y_REG)
    assert reg.n_iter_ == 1 and reg.t_ == 3 * len(X_REG) and len(reg.loss_curve_) == 3
    warm = DNNRegressor(hidden_layer_sizes=(8,), max_iter=4, warm_start=True, random_state=0)
    _quiet(warm, X_REG, Y_REG)
    _quiet(warm, X_REG, Y_REG)
    assert warm.n_iter_ == 4 and len(warm.loss_curve_) == 8


def test_early_stopping_scores_r2_on_held_out_rows():
    reg = _quiet(
        DNNRegressor(
            hidden_layer_sizes=(16,),
            early_stopping=True,
            learning_rate_init=0.01,
            max_iter=300,
            random_state=0,
        ),
        X_REG,
        Y_REG,
    )
    assert len(reg.validation_scores_) == reg.n_iter_
    assert reg.best_validation_score_ == max(reg.validation_scores_) > 0.8
    assert reg.best_loss_ is None
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        reg.partial_fit(X_REG, Y_REG)


def test_pipeline_grid_search_over_solver_and_loss_and_joblib_round_trip(tmp_path):
    y = np.abs(Y_REG)  # non-negative, so the poisson loss is a candidate too
    search = GridSearchCV(
        make_pipeline(
            StandardScaler(), DNNRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
        ),
        {
            "dnnregressor__solver": ["adam", "sgd"],
            "dnnregressor__loss": ["squared_error", "poisson"],
        },
        cv=2,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_REG, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    path = tmp_path / "reg.joblib"
    joblib.dump(search.best_estimator_, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X_REG), search.best_estimator_.predict(X_REG))


BAD_INPUT = [
    (
        "nan_in_X",
        lambda: (np.where(np.eye(120, 5) > 0, np.nan, X_REG), Y_REG, {}),
        "Input X contains NaN",
    ),
    (
        "inf_in_X",
        lambda: (np.where(np.eye(120, 5) > 0, np.inf, X_REG), Y_REG, {}),
        "Input X contains infinity",
    ),
    ("nan_in_y", lambda: (X_REG, np.r_[np.nan, Y_REG[1:]], {}), "Input y contains NaN"),
    ("inf_in_y", lambda: (X_REG, np.r_[np.inf, Y_REG[1:]], {}), "Input y contains infinity"),
    ("short_y", lambda: (X_REG, Y_REG[:-1], {}), "inconsistent numbers of samples"),
    ("X_1d", lambda: (X_REG[:, 0], Y_REG, {}), "Expected 2D array, got 1D array"),
    ("y_3d", lambda: (X_REG, Y_REG.reshape(-1, 1, 1), {}), "y"),
    (
        "classification_loss",
        lambda: (X_REG, Y_REG, {"loss": "cross_entropy"}),
        r"loss='cross_entropy' is a loss for classification, not for regression.*'squared_error'",
    ),
    (
        "negative_poisson",
        lambda: (X_REG, Y_REG, {"loss": "poisson"}),
        r"loss='poisson' needs non-negative targets, but y holds \d+ negative value",
    ),
    ("string_y", lambda: (X_REG, np.array(["a"] * 120), {}), "could not convert"),
]


@pytest.mark.parametrize("case", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_a_clear_value_error(case):
    _, make, match = case
    X, y, params = make()
    with pytest.raises(ValueError, match=match):
        DNNRegressor(max_iter=2, **params).fit(X, y)


def test_a_regression_loss_on_the_classifier_is_refused():
    from tests._helpers import DNNClassifier

    with pytest.raises(
        ValueError,
        match="loss='squared_error' is a loss for regression, not "
        "for classification.*'cross_entropy', 'mse'",
    ):
        DNNClassifier(loss="squared_error").fit(X_REG, Y_REG > 0)


def test_lbfgs_like_mlpregressors():
    params = dict(solver="lbfgs", hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    ours = _quiet(DNNRegressor(**params), X_REG, Y_REG)
    theirs = _quiet(MLPRegressor(**params), X_REG, Y_REG)
    assert ours.score(X_REG, Y_REG) > 0.99 and theirs.score(X_REG, Y_REG) > 0.99
    assert not hasattr(ours, "loss_curve_") and not hasattr(theirs, "loss_curve_")
    assert ours.t_ == theirs.t_ == 0 and 0 < ours.n_iter_ <= 300
    # As MLPClassifier: no partial_fit for lbfgs. (MLPRegressor 1.9 shows one, whose
    # availability check is always true, and which runs a whole lbfgs fit.)
    assert not hasattr(DNNRegressor(solver="lbfgs"), "partial_fit")


def test_poisson_without_hidden_nonlinearity_is_the_poisson_glm():
    # scikit-learn's test_mlp_vs_poisson_glm_equivalent: one identity hidden unit,
    # lbfgs, no penalty: the predictions are PoissonRegressor's.
    from sklearn.linear_model import PoissonRegressor

    rng = np.random.default_rng(0)
    X = np.linspace(0, 1, 100)[:, None]
    y = rng.poisson(np.exp(X[:, 0] + 1))
    glm = PoissonRegressor(alpha=0, tol=1e-7).fit(X, y)
    reg = DNNRegressor(
        loss="poisson",
        hidden_layer_sizes=(1,),
        activation="identity",
        alpha=0,
        solver="lbfgs",
        tol=1e-7,
        random_state=1,
    ).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), glm.predict(X), rtol=1e-4)
