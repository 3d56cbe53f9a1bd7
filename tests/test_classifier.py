"""DNNClassifier behaviour users rely on."""

import inspect
import io
import warnings
from contextlib import redirect_stdout

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdnn
from tests._helpers import (
    BACKEND,
    DNNClassifier,
    NoOutBackend,
    SmallDeviceBackend,
    for_test_backend,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(
        n_samples=240, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return X, y


def test_digits_accuracy_over_three_seeds(digits):
    X_train, X_test, y_train, y_test = digits
    scores = [
        DNNClassifier(random_state=seed).fit(X_train, y_train).score(X_test, y_test)
        for seed in range(3)
    ]
    assert np.mean(scores) >= 0.97, scores


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_random_state_gives_bitwise_identical_weights(blobs):
    X, y = blobs
    a = DNNClassifier(hidden_layer_sizes=(16, 8), max_iter=20, random_state=3).fit(X, y)
    b = DNNClassifier(hidden_layer_sizes=(16, 8), max_iter=20, random_state=3).fit(X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert np.array_equal(wa, wb)
    c = DNNClassifier(hidden_layer_sizes=(16, 8), max_iter=20, random_state=4).fit(X, y)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fitted_attributes_match_mlp(blobs):
    X, y = blobs
    params = dict(hidden_layer_sizes=(12, 7), max_iter=15, random_state=0)
    ours = DNNClassifier(**params).fit(X, y)
    ref = MLPClassifier(**params).fit(X, y)
    for name in ["n_layers_", "n_outputs_", "out_activation_", "n_iter_", "t_"]:
        assert getattr(ours, name) == getattr(ref, name), name
    assert [w.shape for w in ours.coefs_] == [w.shape for w in ref.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in ref.intercepts_]
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert len(ours.loss_curve_) == 15 and ours.loss_ == ours.loss_curve_[-1]
    assert ours.best_loss_ == min(ours.loss_curve_)
    assert ours.validation_scores_ is None and ours.best_validation_score_ is None
    assert all(isinstance(w, np.ndarray) for w in ours.coefs_ + ours.intercepts_)


def test_every_mlp_parameter_is_accepted():
    mlp_params = MLPClassifier(
        hidden_layer_sizes=(5,), solver="sgd", learning_rate="adaptive", momentum=0.5
    ).get_params()
    clf = DNNClassifier(**mlp_params)
    ours = clf.get_params()
    for name, value in mlp_params.items():
        assert ours[name] == value
    defaults = skdnn.DNNClassifier().get_params()  # skdnn's own defaults, on every suite
    for name, value in MLPClassifier().get_params().items():
        assert defaults[name] == value, name


def test_suite_backend_default_leaves_skdnn_defaults_alone():
    """The suite's DNNClassifier defaults to the test backend through a subclass:
    skdnn's own class keeps backend="numpy" and its __init__ is not touched."""
    kwdefaults = dict(skdnn.DNNClassifier.__init__.__kwdefaults__)
    other = for_test_backend(skdnn.DNNClassifier, backend="elsewhere")
    assert other.__name__ == "DNNClassifier" and issubclass(other, skdnn.DNNClassifier)
    assert inspect.signature(other).parameters["backend"].default == "elsewhere"
    assert other(max_iter=3).get_params()["backend"] == "elsewhere"
    assert clone(other(max_iter=3)).backend == "elsewhere"
    assert skdnn.DNNClassifier.__init__.__kwdefaults__ == kwdefaults
    assert skdnn.DNNClassifier().backend == "numpy"
    assert DNNClassifier().backend == BACKEND
    assert (DNNClassifier is skdnn.DNNClassifier) == (BACKEND == "numpy")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_string_labels_binary_and_predict_outputs(blobs):
    X, y = blobs
    labels = np.array(["cat", "dog"])[(y > 0).astype(int)]
    clf = DNNClassifier(hidden_layer_sizes=(10,), max_iter=50, random_state=0).fit(X, labels)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    assert set(clf.predict(X)) <= {"cat", "dog"}
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 2)
    np.testing.assert_allclose(P.sum(1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), P, rtol=1e-10)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(1)])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multiclass_probabilities(blobs):
    X, y = blobs
    clf = DNNClassifier(hidden_layer_sizes=(10,), max_iter=50, random_state=0).fit(X, y)
    P = clf.predict_proba(X)
    assert clf.out_activation_ == "softmax" and P.shape == (len(X), 3)
    np.testing.assert_allclose(P.sum(1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P), rtol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multilabel_indicator_targets():
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    clf = DNNClassifier(hidden_layer_sizes=(30,), max_iter=200, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    assert clf.score(X, Y) > 0.5  # subset accuracy, well above chance (1/16)
    assert clf.predict_proba(X).shape == Y.shape


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.numpy_only
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_matches_dense(blobs, fmt):
    X, y = blobs
    params = dict(hidden_layer_sizes=(10,), max_iter=10, random_state=0)
    dense = DNNClassifier(**params).fit(X, y)
    sparse = DNNClassifier(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    for a, b in zip(dense.coefs_, sparse.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        dense.predict_proba(X), sparse.predict_proba(sp.csr_matrix(X).asformat(fmt)), rtol=1e-10
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_float32_input_trains_in_float32(blobs):
    X, y = blobs
    clf = DNNClassifier(hidden_layer_sizes=(10,), max_iter=5, random_state=0)
    clf.fit(X.astype(np.float32), y)
    assert all(w.dtype == np.float32 for w in clf.coefs_)
    assert clf.predict_proba(X).dtype == np.float32
    clf64 = DNNClassifier(hidden_layer_sizes=(10,), max_iter=5, dtype="float64", random_state=0)
    assert clf64.fit(X.astype(np.float32), y).coefs_[0].dtype == np.float64
    clf32 = DNNClassifier(hidden_layer_sizes=(10,), max_iter=5, dtype="float32", random_state=0)
    assert clf32.fit(X, y).coefs_[0].dtype == np.float32
    # Every spelling of the two dtypes: strings, scalar types, dtype objects.
    for spelling in ("float32", np.float32, np.dtype("float32"), "float64", np.float64,
                     np.dtype(np.float64)):  # fmt: skip
        clf = DNNClassifier(hidden_layer_sizes=(4,), max_iter=1, dtype=spelling).fit(X, y)
        assert clf.coefs_[0].dtype == np.dtype(spelling)


def test_sample_weight_zero_equals_dropping_samples(blobs):
    X, y = blobs
    params = dict(hidden_layer_sizes=(10,), max_iter=20, batch_size=500, random_state=0)
    keep = np.arange(len(y)) % 3 != 0
    sw = keep.astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = DNNClassifier(**params, shuffle=False).fit(X, y, sample_weight=sw)
        dropped = DNNClassifier(**params, shuffle=False).fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.predict_proba(X), dropped.predict_proba(X), rtol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_class_weight_balanced_and_dict(blobs):
    X, y = blobs
    imbalanced = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:20]]
    Xi, yi = X[imbalanced], y[imbalanced]
    plain = DNNClassifier(hidden_layer_sizes=(10,), max_iter=100, random_state=0).fit(Xi, yi)
    balanced = DNNClassifier(
        hidden_layer_sizes=(10,), max_iter=100, random_state=0, class_weight="balanced"
    ).fit(Xi, yi)
    # Balancing the 20 minority samples against the 80 others predicts the minority more.
    assert (balanced.predict(Xi) == 1).sum() > (plain.predict(Xi) == 1).sum()
    heavy = DNNClassifier(
        hidden_layer_sizes=(10,), max_iter=100, random_state=0, class_weight={0: 1e-4, 1: 100}
    ).fit(Xi, yi)
    p_plain = plain.predict_proba(Xi)[yi == 0, 1].mean()
    assert heavy.predict_proba(Xi)[yi == 0, 1].mean() > p_plain


def test_convergence_stops_early_and_warns_otherwise(blobs):
    X, y = blobs
    clf = DNNClassifier(hidden_layer_sizes=(10,), max_iter=500, tol=1e-2, n_iter_no_change=3)
    clf.set_params(random_state=0).fit(X, y)
    assert clf.n_iter_ < 500
    # The documented rule (MLPClassifier's): more than n_iter_no_change epochs in a row
    # did not beat best - tol.
    best, count, stop_at = np.inf, 0, None
    for epoch, loss in enumerate(clf.loss_curve_, start=1):
        count = count + 1 if loss > best - clf.tol else 0
        best = min(best, loss)
        if count > clf.n_iter_no_change:
            stop_at = epoch
            break
    assert stop_at == clf.n_iter_ and clf.best_loss_ == best
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\) reached"):
        DNNClassifier(hidden_layer_sizes=(10,), max_iter=3, random_state=0).fit(X, y)


def test_early_stopping_keeps_best_validation_weights(blobs):
    X, y = blobs
    params = dict(
        hidden_layer_sizes=(20,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        random_state=0,
    )
    clf = DNNClassifier(max_iter=300, **params).fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    best_epoch = int(np.argmax(clf.validation_scores_)) + 1
    # Stopped n_iter_no_change + 1 epochs after the last improvement by more than tol.
    assert clf.n_iter_ - best_epoch <= clf.n_iter_no_change + 1
    # The same run cut at the best epoch ends with the weights that were restored.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cut = DNNClassifier(max_iter=best_epoch, **params).fit(X, y)
    for a, b in zip(clf.coefs_ + clf.intercepts_, cut.coefs_ + cut.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_verbose_prints_one_line_per_epoch(blobs):
    X, y = blobs
    out = io.StringIO()
    with redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DNNClassifier(hidden_layer_sizes=(5,), max_iter=4, verbose=True, random_state=0).fit(X, y)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("Iteration")]
    assert len(lines) == 4
    assert "loss = " in lines[0] and "time = " in lines[0]
    out = io.StringIO()
    with redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DNNClassifier(
            hidden_layer_sizes=(5,), max_iter=2, verbose=True, early_stopping=True, random_state=0
        ).fit(X, y)
    assert "validation score = " in out.getvalue()


def test_pipeline_gridsearch_persistence_and_partial_fit(digits, tmp_path):
    X_train, X_test, y_train, y_test = digits
    X_train, y_train = X_train[:600], y_train[:600]
    pipe = make_pipeline(
        StandardScaler(), DNNClassifier(hidden_layer_sizes=(32,), max_iter=30, random_state=0)
    )
    grid = GridSearchCV(
        pipe,
        {"dnnclassifier__loss": ["cross_entropy", "mse"], "dnnclassifier__init": ["xavier", "he"]},
        cv=2,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X_train, y_train)
    assert len(grid.cv_results_["params"]) == 4
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    best = grid.best_estimator_
    path = tmp_path / "model.joblib"
    joblib.dump(best, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), best.predict_proba(X_test))
    # partial_fit continues from the loaded state exactly as from the original
    clf_loaded, clf_orig = loaded[-1], best[-1]
    Xs = best[0].transform(X_train)
    clf_loaded.partial_fit(Xs, y_train)
    clf_orig.partial_fit(Xs, y_train)
    assert clf_loaded.n_iter_ == clf_orig.n_iter_
    for a, b in zip(clf_loaded.coefs_, clf_orig.coefs_):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_runs_one_epoch_each_call(blobs):
    X, y = blobs
    clf = DNNClassifier(hidden_layer_sizes=(10,), random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y))
    assert clf.n_iter_ == 1 and clf.t_ == len(X)
    first = clf.coefs_[0].copy()
    clf.partial_fit(X[:50], y[:50])
    # n_iter_ counts the epochs of this call (MLPClassifier's); t_ counts them all.
    assert clf.n_iter_ == 1 and clf.t_ == len(X) + 50
    assert not np.array_equal(first, clf.coefs_[0])
    assert len(clf.loss_curve_) == 2


def test_warm_start_continues(blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(10,), max_iter=5, warm_start=True, random_state=0)
        clf.fit(X, y)
        start = clf.loss_
        clf.fit(X, y)
    # n_iter_ counts this call's epochs (MLPClassifier's); the curve goes on.
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 10
    assert clf.loss_ < start


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        DNNClassifier().predict(np.zeros((2, 3)))


def test_non_finite_loss_raises_and_leaves_no_nan_weights(blobs):
    X, y = blobs
    clf = DNNClassifier(
        hidden_layer_sizes=(10,),
        solver="sgd",
        learning_rate_init=1e12,
        momentum=0.0,
        activation="identity",
        max_iter=50,
        random_state=0,
    )
    with pytest.raises(ValueError, match="training diverged"):
        clf.fit(X * 1e6, y)
    assert not hasattr(clf, "coefs_")
    good = DNNClassifier(hidden_layer_sizes=(10,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        good.fit(X, y)
    before = [w.copy() for w in good.coefs_]
    good.set_params(solver="sgd", learning_rate_init=1e12, momentum=0.0, activation="identity")
    with pytest.raises(ValueError, match="training diverged"):
        good.partial_fit(X * 1e200, y)
    for a, b in zip(before, good.coefs_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.array([[np.nan, 1.0], [1.0, 2.0]]), [0, 1], "NaN"),
        (np.array([[np.inf, 1.0], [1.0, 2.0]]), [0, 1], "infinity"),
        (np.zeros((3, 2)), [0, 1], "inconsistent numbers of samples"),
        (np.zeros(4), [0, 1, 0, 1], "Expected 2D array, got 1D array"),
        (np.zeros((4, 2)), [0.1, 0.5, 1.5, 2.5], "Unknown label type"),
    ],
)
def test_bad_fit_input_is_a_clear_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        DNNClassifier(max_iter=2).fit(X, np.asarray(y))


def test_bad_sample_weights(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        DNNClassifier(max_iter=2).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="at least one non-zero"):
        DNNClassifier(max_iter=2).fit(X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize(
    "param, value, match",
    [
        ("loss", "hinge", "Unknown loss 'hinge'.*'cross_entropy', 'mse'"),
        ("init", "orthogonal", "Unknown init 'orthogonal'.*'gaussian', 'he', 'xavier'"),
        (
            "activation",
            "swoosh",
            "Unknown activation 'swoosh'.*'identity', 'leaky_relu', 'logistic'",
        ),
        ("solver", "newton", "Unknown solver 'newton'.*'adam', 'lbfgs', 'sgd'"),
        ("backend", "jax", "Unknown backend 'jax'.*'cupy', 'numpy'"),
        ("hidden_layer_sizes", (10, 0), "hidden_layer_sizes must contain positive integers"),
    ],
)
def test_unknown_plugin_names_list_the_valid_ones(blobs, param, value, match):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        DNNClassifier(**{param: value}).fit(X, y)


def test_partial_fit_errors(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        DNNClassifier().partial_fit(X, y)
    clf = DNNClassifier(hidden_layer_sizes=(5,)).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"y contains labels \[7\] not in classes_"):
        clf.partial_fit(X[:3], np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="X has 3 features, but DNNClassifier is expecting 8"):
        clf.partial_fit(X[:, :3], y)
    assert clf.n_features_in_ == 8 and clf.n_iter_ == 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_wrong_feature_count_at_predict(blobs):
    X, y = blobs
    clf = DNNClassifier(hidden_layer_sizes=(5,), max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but DNNClassifier is expecting 8"):
        clf.predict(X[:, :5])


def test_failed_fit_keeps_previous_model(blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError):
        clf.fit(X[:, :4], np.full(len(y), np.nan))
    assert clf.n_features_in_ == 8
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_cupy_backend_without_cupy_says_what_to_install(blobs):
    pytest.importorskip("numpy")
    from skdnn.backends import CupyBackend

    if CupyBackend().is_available():
        pytest.skip("a CUDA device is available here")
    X, y = blobs
    with pytest.raises(RuntimeError, match="backend='cupy' is not available.*(cupy|CUDA)"):
        DNNClassifier(backend="cupy").fit(X, y)


@pytest.mark.numpy_only
def test_partial_fit_on_a_backend_with_another_state_layout_restarts_moments(blobs):
    X, y = blobs
    clf = DNNClassifier(hidden_layer_sizes=(6,), random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y))
    assert [m.shape for m in clf._optimizer_state["ms"]] == [(8 * 6 + 6 * 3,), (6 + 3,)]
    clf.set_params(backend=NoOutBackend())
    with pytest.warns(UserWarning, match="restarts the optimizer's moments"):
        clf.partial_fit(X, y)
    assert clf._optimizer_state["t"] == 2  # one batch of 240 (auto: 200) + 40 rows
    assert [m.shape for m in clf._optimizer_state["ms"]] == [(8, 6), (6, 3), (6,), (3,)]


@pytest.mark.numpy_only
@pytest.mark.parametrize("early_stopping", [False, True])
def test_x_too_big_for_the_device_is_streamed_per_batch(blobs, early_stopping):
    X, y = blobs
    params = dict(
        hidden_layer_sizes=(10,),
        max_iter=8,
        batch_size=32,
        random_state=0,
        early_stopping=early_stopping,
        n_iter_no_change=100,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole = DNNClassifier(**params).fit(X, y)
        streamed = DNNClassifier(**params, backend=SmallDeviceBackend()).fit(X, y)
    for a, b in zip(whole.coefs_ + whole.intercepts_, streamed.coefs_ + streamed.intercepts_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(whole.predict_proba(X), streamed.predict_proba(X))


def test_predict_proba_multilabel_as_mlpclassifier():
    """scikit-learn's test_predict_proba_multilabel: lbfgs saturates some labels'
    probabilities at 1.0, and predict_log_proba must still be log(predict_proba)."""
    X, Y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    clf = DNNClassifier(solver="lbfgs", hidden_layer_sizes=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    P = clf.predict_proba(X)
    np.testing.assert_array_equal(P > 0.5, Y)
    log_P = clf.predict_log_proba(X)
    assert (P.sum(1) - 1).dot(P.sum(1) - 1) > 1e-10
    np.testing.assert_array_equal(log_P.argmax(axis=1), P.argmax(axis=1))
    np.testing.assert_allclose(log_P, np.log(P))


@pytest.mark.parametrize("dtype, big", [(np.float64, 40.0), (np.float32, 20.0)])
def test_log_proba_agrees_with_proba_where_labels_saturate(dtype, big):
    """Regression: where several labels' probabilities rounded to 1.0, predict_log_proba
    (log-sigmoid of the logits) still told them apart, so its argmax differed from
    predict_proba's and it was not log(predict_proba). It is now log(p) wherever p is a
    normal number, and still the logits' finite value where p underflows to 0."""
    X = np.random.RandomState(0).randn(30, 3)
    Y = np.eye(3, dtype=int)[np.arange(30) % 3]
    Y[:3] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(), max_iter=1, dtype=dtype, random_state=0)
        clf.fit(X, Y)
    clf.coefs_ = [np.eye(3, dtype=dtype)]  # the logits are the input
    clf.intercepts_ = [np.zeros(3, dtype=dtype)]
    logits = np.array([[big, 1.5 * big, -3.0], [-3.0, big, 2 * big], [-800.0, -900.0, 0.0]])
    P = clf.predict_proba(logits)
    log_P = clf.predict_log_proba(logits)
    assert np.count_nonzero(P[:2] == 1.0) == 4  # two labels tie at 1.0 in each row
    np.testing.assert_array_equal(log_P.argmax(axis=1), P.argmax(axis=1))
    np.testing.assert_array_equal(log_P[P == 1.0], 0.0)
    normal = P >= np.finfo(dtype).smallest_normal
    np.testing.assert_allclose(log_P[normal], np.log(P[normal]), rtol=1e-6, atol=0)
    # Underflowed to 0: the log stays finite, from the logits.
    assert P[2, 0] == P[2, 1] == 0.0
    np.testing.assert_allclose(log_P[2, :2], [-800.0, -900.0], rtol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_log_proba_is_zero_where_the_class_probability_is_one(n_classes):
    """The same agreement for one-of-n targets: a class whose probability rounds to 1.0
    has log-probability 0, not the logits' -4e-18."""
    width = 1 if n_classes == 2 else n_classes
    X = np.random.RandomState(0).randn(30, width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(), max_iter=1, random_state=0)
        clf.fit(X, np.arange(30) % n_classes)
    clf.coefs_ = [np.eye(width)]
    clf.intercepts_ = [np.zeros(width)]
    logits = np.zeros((1, width))
    logits[0, -1] = 40.0
    P, log_P = clf.predict_proba(logits), clf.predict_log_proba(logits)
    assert P[0, -1] == 1.0
    assert log_P[0, -1] == 0.0
    np.testing.assert_allclose(log_P[0, :-1], -40.0, rtol=1e-12)
