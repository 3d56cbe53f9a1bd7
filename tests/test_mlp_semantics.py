"""MLPClassifier's semantics, to the letter: each test names the scikit-learn behaviour
it mirrors, and where it can, runs MLPClassifier beside skdnn on the same data."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from tests._helpers import DNNClassifier

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_BIN, Y_BIN = make_classification(n_samples=100, n_features=8, random_state=0)


@pytest.mark.parametrize("Estimator", [MLPClassifier, DNNClassifier])
def test_warm_start_runs_max_iter_epochs_per_call(Estimator):
    # sklearn issues 16812 and 24764: n_iter_ counts the epochs of the current call,
    # and a warm-started fit runs max_iter more epochs.
    model = Estimator(
        hidden_layer_sizes=(4,),
        solver="sgd",
        warm_start=True,
        max_iter=3,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 3
    model.set_params(max_iter=5)
    with pytest.warns(ConvergenceWarning):
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 5
    assert len(model.loss_curve_) == 8  # the curve goes on across calls
    assert model.t_ == 8 * len(X_IRIS)  # and so does the sample count


@pytest.mark.parametrize("Estimator", [MLPClassifier, DNNClassifier])
def test_partial_fit_n_iter_is_one_epoch(Estimator):
    # MLPClassifier resets n_iter_ at every call: partial_fit runs one epoch.
    model = Estimator(hidden_layer_sizes=(4,), random_state=0)
    for _ in range(3):
        model.partial_fit(X_BIN, Y_BIN, classes=[0, 1])
    assert model.n_iter_ == 1
    assert model.t_ == 3 * len(X_BIN)
    assert len(model.loss_curve_) == 3


@pytest.mark.parametrize("n_iter_no_change", [1, 2, 5])
def test_stops_when_no_improvement_count_exceeds_n_iter_no_change(n_iter_no_change):
    # MLPClassifier stops when the count *exceeds* n_iter_no_change (its
    # test_n_iter_no_change): with a huge tol every epoch after the first counts.
    params = dict(hidden_layer_sizes=(4,), solver="sgd", tol=1e9, max_iter=100, random_state=0)
    ours = DNNClassifier(n_iter_no_change=n_iter_no_change, **params).fit(X_BIN, Y_BIN)
    theirs = MLPClassifier(n_iter_no_change=n_iter_no_change, **params).fit(X_BIN, Y_BIN)
    assert ours.n_iter_ == theirs.n_iter_ == n_iter_no_change + 2
    assert ours._no_improvement_count == theirs._no_improvement_count == n_iter_no_change + 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_n_iter_no_change_inf_runs_to_max_iter():
    # MLPClassifier's test_n_iter_no_change_inf: the count runs on, nothing stops.
    clf = DNNClassifier(
        hidden_layer_sizes=(4,), solver="sgd", tol=1e9, max_iter=20, n_iter_no_change=np.inf
    ).fit(X_BIN, Y_BIN)
    assert clf.n_iter_ == 20
    assert clf._no_improvement_count == clf.n_iter_ - 1


@pytest.mark.parametrize("fitted", [False, True])
def test_partial_fit_refuses_early_stopping(fitted):
    # MLPClassifier raises this error, before fitting and after (sklearn gh-25693).
    clf = DNNClassifier(early_stopping=True, max_iter=5, random_state=0)
    if fitted:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        clf.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])


def test_partial_fit_signature_is_mlpclassifiers():
    # partial_fit(X, y, sample_weight=None, classes=None), scikit-learn 1.9's (1.7 added
    # sample_weight before classes), positional order included.
    params = inspect.signature(DNNClassifier.partial_fit).parameters
    assert list(params) == ["self", "X", "y", "sample_weight", "classes"]
    assert params["sample_weight"].default is None and params["classes"].default is None
    sw = np.ones(len(X_BIN))
    clf = DNNClassifier(hidden_layer_sizes=(4,), random_state=0)
    clf.partial_fit(X_BIN, Y_BIN, sw, [0, 1])
    np.testing.assert_array_equal(clf.classes_, [0, 1])


@pytest.mark.parametrize("label", [3, "spam"])
def test_single_class_is_fitted_and_predicted(label):
    # MLPClassifier fits a y with one class and predicts that class; so must skdnn,
    # so that a pipeline that ran with MLPClassifier runs with it.
    y = np.array([label] * len(X_BIN), dtype=object if isinstance(label, str) else int)
    theirs = MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X_BIN, y)
        ours = DNNClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X_BIN, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.predict(X_BIN), theirs.predict(X_BIN))
    # One column per class, as classes_ says (MLPClassifier returns two here).
    np.testing.assert_array_equal(ours.predict_proba(X_BIN[:3]), np.ones((3, 1)))
    np.testing.assert_array_equal(ours.predict_log_proba(X_BIN[:3]), np.zeros((3, 1)))
    assert ours.score(X_BIN, y) == 1.0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator", [MLPClassifier, DNNClassifier])
def test_warm_start_with_early_stopping_continues_both_curves(Estimator):
    # MLPClassifier's test_mlp_warm_start_with_early_stopping: the validation scores go
    # on across warm-started calls, beside the loss curve.
    model = Estimator(max_iter=10, random_state=0, warm_start=True, early_stopping=True)
    model.fit(X_IRIS, Y_IRIS)
    first = list(model.validation_scores_)
    model.set_params(max_iter=20)
    model.fit(X_IRIS, Y_IRIS)
    assert len(model.validation_scores_) > len(first)
    assert model.validation_scores_[: len(first)] == first
    assert len(model.validation_scores_) == len(model.loss_curve_)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_loss_ is None


def test_warm_start_with_early_stopping_keeps_the_best_weights_of_earlier_calls():
    # The best epoch of the first call stays the best unless a later epoch beats it:
    # the weights restored at the end are those of the best epoch over both calls.
    clf = DNNClassifier(
        hidden_layer_sizes=(8,),
        max_iter=30,
        random_state=0,
        warm_start=True,
        early_stopping=True,
        learning_rate_init=0.05,
        n_iter_no_change=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_IRIS, Y_IRIS)
        best_first = [W.copy() for W in clf.coefs_]
        clf.set_params(learning_rate_init=1e-9)  # the second call cannot improve
        clf.fit(X_IRIS, Y_IRIS)
    assert max(clf.validation_scores_[-clf.n_iter_ :]) <= clf.best_validation_score_
    for W, W0 in zip(clf.coefs_, best_first):
        np.testing.assert_allclose(W, W0, rtol=1e-6, atol=1e-9)


def test_warm_start_with_other_classes_raises_mlpclassifiers_error():
    # MLPClassifier's test_warm_start, with its message.
    clf = DNNClassifier(hidden_layer_sizes=(2,), warm_start=True, max_iter=5, random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_IRIS, Y_IRIS)
    y_other = np.array([0] * 50 + [1] * 50 + [3] * 50)
    message = (
        "warm_start can only be used where `y` has the same classes as in the previous "
        "call to fit. Previously got [0 1 2], `y` has [0 1 3]"
    )
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        clf.fit(X_IRIS, y_other)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_validation_rows_counted_as_train_test_split_counts():
    # train_test_split holds out ceil(fraction * n) rows; MLPClassifier needs 2 of them.
    # 12 rows at 0.1 hold out ceil(1.2) = 2 (rounding would give 1 and refuse).
    X, y = X_BIN[:12], np.array([0, 1] * 6)
    clf = DNNClassifier(hidden_layer_sizes=(3,), early_stopping=True, max_iter=3)
    clf.fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    # MLPClassifier's test_minimum_input_sample_size: 2 rows leave 1 for validation.
    with pytest.raises(ValueError, match="The validation set is too small"):
        DNNClassifier(early_stopping=True).fit(X_BIN[:2], [0, 1])


def test_convergence_warning_points_at_the_callers_line():
    with pytest.warns(ConvergenceWarning) as record:
        DNNClassifier(hidden_layer_sizes=(3,), max_iter=1).fit(X_BIN, Y_BIN)
    assert [w.filename for w in record] == [__file__]


def test_batch_size_warning_points_at_the_callers_line():
    with pytest.warns(UserWarning) as record:
        DNNClassifier(hidden_layer_sizes=(3,), batch_size=500, max_iter=1).fit(X_BIN, Y_BIN)
    assert any("batch_size=500" in str(w.message) for w in record)
    assert all(w.filename == __file__ for w in record)
