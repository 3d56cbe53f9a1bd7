"""The early-stopping monitor: ``validation_loss_curve_`` and ``validation_scoring``
(scikit-learn issues 18507 and 24411: a validation loss curve, and a choice of what
early stopping follows)."""

import io
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer, log_loss, mean_squared_error
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skdnn._events import Listener
from tests._helpers import DNNClassifier, DNNRegressor

X3, Y3 = make_classification(
    n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0
)
X2, Y2 = make_classification(n_samples=300, n_features=8, flip_y=0.2, random_state=1)
XR, YR = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
YR = YR / np.std(YR)
SW = np.random.RandomState(0).uniform(0.2, 2.0, 300)


class Recorder(Listener):
    """Keeps each epoch's event, its weights and the held-out rows of the fit."""

    def __init__(self):
        self.epochs, self.weights, self.held_out = [], [], None

    def epoch_end(self, event):
        self.epochs.append(event)
        self.weights.append(event.weights())  # the network's now: it changes after


def recorded(cls):
    """``cls`` whose fits report to ``est.recorder``, held-out row indices included."""

    class Recorded(cls):
        def _split(self, data, rng):
            train_idx, val_idx = super()._split(data, rng)
            self.recorder.held_out = val_idx
            return train_idx, val_idx

        def _listeners(self):
            return [*super()._listeners(), self.recorder]

    return Recorded


def fit(cls, X, y, sample_weight=None, **params):
    """A fitted recorded ``cls`` and its recorder (ConvergenceWarnings ignored)."""
    params = {"hidden_layer_sizes": (8,), "random_state": 0, "early_stopping": True, **params}
    est = recorded(cls)(**params)
    est.recorder = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=sample_weight)
    return est, est.recorder


def raw_outputs(coefs, intercepts, X):
    """The network's raw outputs, computed here (relu hidden layers)."""
    A = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        A = np.maximum(A @ W + b, 0.0)
    return A @ coefs[-1] + intercepts[-1]


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def stop_epoch(scores, tol, n_iter_no_change):
    """The epoch at which MLPClassifier's rule stops on ``scores`` (None: it does not)."""
    best, count = -np.inf, 0
    for epoch, score in enumerate(scores, 1):
        count = count + 1 if score < best + tol else 0
        best = max(best, score)
        if count > n_iter_no_change:
            return epoch
    return None


# ------------------------------------------------------------ the validation loss curve


def test_validation_loss_curve_is_the_held_out_log_loss():
    clf, rec = fit(DNNClassifier, X3, Y3, sample_weight=SW, max_iter=8, alpha=0.1)
    val = rec.held_out
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == 8
    for event, weights, value in zip(rec.epochs, rec.weights, clf.validation_loss_curve_):
        P = softmax(raw_outputs(*weights, X3[val]))
        # Weighted by the held-out sample weights, without the L2 penalty (alpha=0.1).
        expected = log_loss(Y3[val], P, sample_weight=SW[val], labels=clf.classes_)
        assert value == pytest.approx(expected, rel=1e-7)
        assert event.validation_loss == value


def test_binary_validation_loss_is_the_logistic_log_loss():
    clf, rec = fit(DNNClassifier, X2, Y2, max_iter=3)
    val = rec.held_out
    for weights, value in zip(rec.weights, clf.validation_loss_curve_):
        z = raw_outputs(*weights, X2[val])[:, 0]
        expected = log_loss(Y2[val], 1.0 / (1.0 + np.exp(-z)), labels=clf.classes_)
        assert value == pytest.approx(expected, rel=1e-7)


def test_validation_loss_curve_is_the_held_out_squared_error():
    reg, rec = fit(DNNRegressor, XR, YR, sample_weight=SW, max_iter=6, learning_rate_init=0.01)
    val = rec.held_out
    for weights, value in zip(rec.weights, reg.validation_loss_curve_):
        pred = raw_outputs(*weights, XR[val])[:, 0]
        expected = 0.5 * mean_squared_error(YR[val], pred, sample_weight=SW[val])
        assert value == pytest.approx(expected, rel=1e-7)


def test_validation_loss_curve_goes_on_across_warm_starts():
    clf, _ = fit(DNNClassifier, X3, Y3, max_iter=4, warm_start=True)
    first = list(clf.validation_loss_curve_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X3, Y3)
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == 8
    assert clf.validation_loss_curve_[:4] == first


def test_no_validation_loss_curve_without_early_stopping():
    clf, rec = fit(DNNClassifier, X3, Y3, max_iter=2, early_stopping=False)
    assert clf.validation_loss_curve_ is None and clf.validation_scores_ is None
    assert all(e.validation_loss is None for e in rec.epochs)
    clf = DNNClassifier(hidden_layer_sizes=(4,), random_state=0, validation_scoring="loss")
    clf.partial_fit(X3, Y3, classes=[0, 1, 2])
    assert clf.validation_loss_curve_ is None
    clf = DNNClassifier(solver="lbfgs", early_stopping=True, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X3, Y3)
    assert not hasattr(clf, "validation_loss_curve_")  # as validation_scores_


def test_verbose_line_shows_the_validation_score_and_loss():
    out = io.StringIO()
    with redirect_stdout(out):
        fit(DNNClassifier, X3, Y3, max_iter=2, verbose=True, validation_scoring="loss")
    lines = [line for line in out.getvalue().splitlines() if line.startswith("Iteration")]
    assert len(lines) == 2
    assert "validation score = -" in lines[0] and "validation loss = " in lines[0]


# ------------------------------------------------------------ validation_scoring="loss"


@pytest.mark.parametrize("cls, X, y", [(DNNClassifier, X3, Y3), (DNNRegressor, XR, YR)])
def test_loss_monitor_stops_on_the_loss_and_keeps_its_best_weights(cls, X, y):
    est, rec = fit(
        cls, X, y, validation_scoring="loss", max_iter=300, learning_rate_init=0.05,
        n_iter_no_change=3, tol=0.0, hidden_layer_sizes=(32,),
    )
    curve = est.validation_loss_curve_
    assert est.validation_scores_ == [-loss for loss in curve]  # the negated loss
    assert est.best_validation_score_ == -min(curve)
    assert est.n_iter_ == stop_epoch(est.validation_scores_, 0.0, 3) < 300
    # The weights kept are those of the lowest validation loss.
    best = rec.weights[int(np.argmin(curve))]
    for W, W_best in zip(est.coefs_ + est.intercepts_, best[0] + best[1]):
        np.testing.assert_array_equal(W, W_best)


def test_changing_the_monitor_between_warm_starts_starts_the_best_anew():
    clf, _ = fit(DNNClassifier, X3, Y3, max_iter=4, warm_start=True)
    assert clf.best_validation_score_ > 0  # an accuracy
    clf.set_params(validation_scoring="loss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X3, Y3)
    assert len(clf.validation_scores_) == 8
    assert clf.best_validation_score_ == max(clf.validation_scores_[4:]) < 0


# ------------------------------------------------------------ scikit-learn scorers


@pytest.mark.parametrize("name", ["neg_log_loss", "roc_auc", "f1_macro"])
def test_named_scorer_matches_sklearn_on_the_held_out_rows(name):
    clf, rec = fit(DNNClassifier, X2, Y2, validation_scoring=name, max_iter=40, n_iter_no_change=3)
    val = rec.held_out
    # At the restored weights, the scorer on the estimator itself gives the best score.
    expected = get_scorer(name)(clf, X2[val], Y2[val])
    assert clf.best_validation_score_ == pytest.approx(expected, rel=1e-9)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_)


def test_named_scorer_gets_the_held_out_sample_weights():
    clf, rec = fit(DNNClassifier, X3, Y3, sample_weight=SW, validation_scoring="neg_log_loss",
                   max_iter=5, n_iter_no_change=50)
    val = rec.held_out
    expected = get_scorer("neg_log_loss")(clf, X3[val], Y3[val], sample_weight=SW[val])
    assert clf.best_validation_score_ == pytest.approx(expected, rel=1e-9)


def test_regressor_named_scorer_matches_sklearn():
    reg, rec = fit(DNNRegressor, XR, YR, validation_scoring="neg_mean_absolute_error",
                   max_iter=40, learning_rate_init=0.01, n_iter_no_change=3)
    val = rec.held_out
    expected = get_scorer("neg_mean_absolute_error")(reg, XR[val], YR[val])
    assert reg.best_validation_score_ == pytest.approx(expected, rel=1e-9)


def test_callable_scorer_gets_an_estimator_like_view():
    calls = []

    def scorer(est, X, y):
        calls.append((est, X, y))
        assert is_classifier(est) and list(est.classes_) == [0, 1, 2]
        P = est.predict_proba(X)
        assert np.allclose(np.log(P), est.predict_log_proba(X))
        assert np.array_equal(est.predict(X), est.classes_[np.argmax(P, axis=1)])
        assert est.score(X, y) == np.mean(est.predict(X) == y)
        with pytest.raises(ValueError, match="held-out rows only"):
            est.predict(X[:3])
        return float(P[np.arange(len(y)), y].mean())

    clf, rec = fit(DNNClassifier, X3, Y3, validation_scoring=scorer, max_iter=3)
    val = rec.held_out
    assert len(calls) == 3
    est, X, y = calls[-1]
    np.testing.assert_array_equal(X, X3[val])
    np.testing.assert_array_equal(y, Y3[val])
    assert not hasattr(est, "decision_function")  # only what the estimator has
    P_last = softmax(raw_outputs(*rec.weights[-1], X3[val]))
    expected = P_last[np.arange(len(val)), Y3[val]].mean()
    assert clf.validation_scores_[-1] == pytest.approx(expected, rel=1e-9)


def test_a_scorer_that_cannot_score_names_the_parameter():
    reg = DNNRegressor(early_stopping=True, validation_scoring="roc_auc", max_iter=3)
    with pytest.raises(ValueError, match="validation_scoring='roc_auc' could not score"):
        reg.fit(XR, YR)
    assert not hasattr(reg, "coefs_")  # left as it was


# ------------------------------------------------------------ the parameter


@pytest.mark.parametrize("value", ["acuracy", 5, ["loss"], "neg_loss"])
@pytest.mark.parametrize("cls", [DNNClassifier, DNNRegressor])
def test_bad_validation_scoring_is_refused(cls, value):
    with pytest.raises(InvalidParameterError, match="'validation_scoring' parameter"):
        cls(early_stopping=True, validation_scoring=value).fit(X3, Y3)


def test_validation_scoring_is_a_parameter_like_any_other():
    clf = DNNClassifier(validation_scoring="loss")
    assert clf.get_params()["validation_scoring"] == "loss"
    assert clone(clf).validation_scoring == "loss"
    assert clf.set_params(validation_scoring="roc_auc").validation_scoring == "roc_auc"
    assert DNNRegressor().validation_scoring is None


def test_grid_search_over_validation_scoring():
    search = GridSearchCV(
        DNNClassifier(hidden_layer_sizes=(8,), early_stopping=True, max_iter=20, random_state=0),
        {"validation_scoring": [None, "loss", "neg_log_loss"]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X3, Y3)
    assert len(search.cv_results_["params"]) == 3
    assert search.best_estimator_.validation_scoring in (None, "loss", "neg_log_loss")


@pytest.mark.parametrize("name", ["array_api_strict", "torch"])
def test_device_input_reaches_a_scorer_as_the_backends_own_rows(name):
    lib = pytest.importorskip(name)
    seen = []

    def scorer(est, X, y):
        seen.append(X)
        return float(np.mean(est.predict(X) == y))

    params = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0, backend=name,
                  early_stopping=True, validation_scoring=scorer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        host = DNNClassifier(**params).fit(X3, Y3)
        device = DNNClassifier(**params).fit(lib.asarray(X3), Y3)
    assert type(seen[-1]) is type(lib.asarray(X3)) and tuple(seen[-1].shape) == (30, 8)
    assert isinstance(seen[0], np.ndarray)
    np.testing.assert_allclose(device.validation_scores_, host.validation_scores_)
    np.testing.assert_allclose(device.validation_loss_curve_, host.validation_loss_curve_)
