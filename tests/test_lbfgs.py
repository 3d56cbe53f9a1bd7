"""``solver="lbfgs"``: each test names the ``MLPClassifier(solver="lbfgs")`` behaviour it
mirrors (scikit-learn 1.9, sklearn/neural_network/_multilayer_perceptron.py and
tests/test_mlp.py)."""

import re
import shutil
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skdnn import _lbfgs, optimizers
from tests._helpers import BACKEND, DNNClassifier, load_cupy_stand_in, needs_sklearn_1_7


@pytest.fixture
def three_classes():
    X, y = make_classification(
        150, 6, n_informative=4, n_classes=3, random_state=0, class_sep=1.5
    )
    return X, y


def capture_objective(monkeypatch):
    """Record the objective (and x0) every full-batch minimization is handed."""
    seen = []
    minimize = optimizers.LBFGS.minimize

    def capture(self, objective, x0, callback=None):
        seen.append((objective, x0.copy()))
        return minimize(self, objective, x0, callback)

    monkeypatch.setattr(optimizers.LBFGS, "minimize", capture)
    return seen


def count_evaluations(monkeypatch):
    """A dict whose "n" counts calls of the full-batch objective."""
    counter = {"n": 0}
    call = _lbfgs.FullBatchObjective.__call__

    def counting(self, x):
        counter["n"] += 1
        return call(self, x)

    monkeypatch.setattr(_lbfgs.FullBatchObjective, "__call__", counting)
    return counter


def test_lbfgs_matches_mlpclassifier(three_classes):
    """test_lbfgs_classification: lbfgs fits the problem; loss and accuracy comparable
    with MLPClassifier(solver="lbfgs") under the same parameters."""
    X, y = three_classes
    params = dict(hidden_layer_sizes=(20,), solver="lbfgs", max_iter=150, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = MLPClassifier(**params).fit(X, y)
        ours = DNNClassifier(init="xavier_uniform", **params).fit(X, y)
    assert ours.score(X, y) > 0.95
    assert abs(ours.score(X, y) - ref.score(X, y)) <= 0.03
    assert ours.loss_ < 0.2 and ref.loss_ < 0.2
    assert ours.coefs_[0].shape == ref.coefs_[0].shape


def test_lbfgs_digits_accuracy_matches_mlpclassifier():
    """MLPClassifier(solver="lbfgs") on the digits: the same held-out accuracy (within
    0.01) with the same parameters."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    params = dict(hidden_layer_sizes=(64,), solver="lbfgs", max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = MLPClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
        ours = DNNClassifier(init="xavier_uniform", **params).fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - ref) <= 0.01


@needs_sklearn_1_7  # MLPClassifier.fit takes sample_weight from 1.7
def test_objective_equals_mlpclassifier_loss_grad_lbfgs(three_classes, monkeypatch):
    """MLPClassifier._loss_grad_lbfgs: the same loss and gradient at the same parameters,
    L2 term alpha / 2 * sum ||W||^2 / sum(sample_weight) and sample weights included."""
    X, y = three_classes
    sw = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    seen = capture_objective(monkeypatch)
    params = dict(hidden_layer_sizes=(7, 5), activation="tanh", alpha=0.7, solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DNNClassifier(max_iter=1, random_state=0, **params).fit(X, y, sample_weight=sw)
        mlp = MLPClassifier(max_iter=1, random_state=0, **params).fit(X, y, sample_weight=sw)
    objective, x0 = seen[0]
    sizes = [6, 7, 5, 3]
    Y = mlp._label_binarizer.transform(y).astype(np.float64)
    ref_loss, ref_grad = mlp._loss_grad_lbfgs(
        x0,
        X,
        Y,
        sw,
        [X] + [None] * 3,
        [None] * 3,
        [np.empty((a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
        [np.empty(b) for b in sizes[1:]],
    )
    loss, grad = objective(x0)
    assert isinstance(loss, float) and grad.dtype == np.float64 and grad.shape == x0.shape
    assert_allclose(loss, ref_loss, rtol=1e-10)
    assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-12)


def test_objective_gradient_by_central_differences(three_classes, monkeypatch):
    """MLPClassifier's test_gradient (lbfgs' _loss_grad_lbfgs against finite
    differences): float64, sample weights and L2, relative 1e-6."""
    X, y = three_classes
    sw = np.random.RandomState(1).uniform(0.0, 2.0, len(y))
    seen = capture_objective(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DNNClassifier(
            (6, 4), activation="tanh", alpha=0.3, solver="lbfgs", max_iter=1, random_state=0
        ).fit(X, y, sample_weight=sw)
    objective, x0 = seen[0]
    _, grad = objective(x0)
    eps = 1e-6
    numeric = np.empty_like(x0)
    for i in range(x0.size):
        step = np.zeros_like(x0)
        step[i] = eps
        numeric[i] = (objective(x0 + step)[0] - objective(x0 - step)[0]) / (2 * eps)
    assert np.linalg.norm(grad - numeric) <= 1e-6 * np.linalg.norm(numeric)


def test_lbfgs_fitted_attributes_are_mlpclassifiers(three_classes):
    """MLPClassifier._fit_lbfgs sets n_iter_ = min(nit, max_iter) and loss_ = fun, leaves
    t_ at 0, and never sets loss_curve_, best_loss_, validation_scores_ or
    best_validation_score_ (its _initialize makes those for stochastic solvers only)."""
    X, y = three_classes
    params = dict(hidden_layer_sizes=(10,), solver="lbfgs", max_iter=300, random_state=0)
    ours = DNNClassifier(**params).fit(X, y)
    ref = MLPClassifier(**params).fit(X, y)
    for est in (ours, ref):
        for name in _lbfgs.EPOCH_ATTRIBUTES:
            assert not hasattr(est, name), (type(est).__name__, name)
        assert est.t_ == 0 and 0 < est.n_iter_ <= 300
        assert isinstance(est.loss_, float)
    assert all(isinstance(W, np.ndarray) for W in ours.coefs_ + ours.intercepts_)


def test_lbfgs_ignores_early_stopping(three_classes):
    """MLPClassifier's lbfgs ignores early_stopping (and batch_size, shuffle): no
    held-out rows, the same model as without it."""
    X, y = three_classes
    params = dict(hidden_layer_sizes=(10,), solver="lbfgs", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = DNNClassifier(**params).fit(X, y)
        other = DNNClassifier(
            early_stopping=True, batch_size=7, shuffle=False, validation_fraction=0.5, **params
        ).fit(X, y)
    assert not hasattr(other, "validation_scores_")
    assert other.n_iter_ == plain.n_iter_ and other.loss_ == plain.loss_
    for a, b in zip(plain.coefs_, other.coefs_):
        assert_allclose(a, b, rtol=1e-12)


def _without_count(message):
    return re.sub(r"after \d+ iteration\(s\) ", "", message)


def _warning_text(est, X, y):
    with pytest.warns(ConvergenceWarning) as record:
        est.fit(X, y)
    return [str(w.message) for w in record if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize(
    "limit, match",
    [({"max_iter": 5}, "ITERATIONS REACHED LIMIT"), ({"max_fun": 10}, "EVALUATIONS EXCEEDS LIMIT")],
)
def test_lbfgs_convergence_warning_is_mlpclassifiers(three_classes, limit, match):
    """sklearn.utils.optimize._check_optimize_result: the same ConvergenceWarning, in
    the same words, when max_iter or max_fun (test_lbfgs_classification_maxfun) stops
    L-BFGS before it converged."""
    X, y = three_classes
    params = dict(hidden_layer_sizes=(20,), solver="lbfgs", random_state=0, **limit)
    ours = _warning_text(DNNClassifier(**params), X, y)
    ref = _warning_text(MLPClassifier(**params), X, y)
    assert len(ours) == 1 and re.search(match, ours[0], flags=re.IGNORECASE)
    # Word for word, but for the iteration count scikit-learn >= 1.7 puts in it.
    assert _without_count(ours[0]) == _without_count(ref[0])


def test_lbfgs_converged_fit_warns_nothing(three_classes):
    """MLPClassifier warns only when scipy reports status != 0."""
    X, y = three_classes
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DNNClassifier((10,), solver="lbfgs", max_iter=500, tol=1e-3, random_state=0).fit(X, y)


@pytest.mark.parametrize("max_fun", [1, 4, 10])
def test_max_fun_is_honoured(three_classes, monkeypatch, max_fun):
    """test_lbfgs_classification_maxfun: max_fun bounds the work. L-BFGS-B checks it at
    the end of each iteration (``nfev > maxfun``), so, for MLPClassifier too, a run
    stopped by it evaluates the objective max_fun + 1 times at most: ours exactly as
    often as MLPClassifier's, and n_iter_ <= max_fun."""
    X, y = three_classes
    counter = count_evaluations(monkeypatch)
    ref_calls = {"n": 0}
    loss_grad = MLPClassifier._loss_grad_lbfgs

    def counting(self, *args):
        ref_calls["n"] += 1
        return loss_grad(self, *args)

    monkeypatch.setattr(MLPClassifier, "_loss_grad_lbfgs", counting)
    params = dict(hidden_layer_sizes=(20,), solver="lbfgs", max_fun=max_fun, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = DNNClassifier(init="xavier_uniform", **params).fit(X, y)
        MLPClassifier(**params).fit(X, y)
    assert counter["n"] <= max_fun + 1 and ours.n_iter_ <= max_fun
    assert counter["n"] == ref_calls["n"]


def test_no_partial_fit_for_lbfgs():
    """MLPClassifier._check_solver through available_if: lbfgs has no partial_fit."""
    assert not hasattr(DNNClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError) as ours:
        DNNClassifier(solver="lbfgs").partial_fit  # noqa: B018
    with pytest.raises(AttributeError) as ref:
        MLPClassifier(solver="lbfgs").partial_fit  # noqa: B018
    # available_if words the error for the class and chains the check's own message.
    assert str(ours.value) == str(ref.value).replace("MLPClassifier", "DNNClassifier")
    assert str(ours.value.__cause__) == str(ref.value.__cause__)
    assert "partial_fit is only available for stochastic optimizers" in str(ours.value.__cause__)
    assert hasattr(DNNClassifier(solver="sgd"), "partial_fit")
    assert hasattr(DNNClassifier(solver="no-such-solver"), "partial_fit")  # fit reports it
    assert not hasattr(DNNClassifier(solver=optimizers.LBFGS()), "partial_fit")


def test_lbfgs_warm_start_starts_from_coefs(three_classes, monkeypatch):
    """MLPClassifier's warm_start with lbfgs: _fit_lbfgs packs coefs_ as x0; t_ carries
    over and n_iter_ counts the last call."""
    X, y = three_classes
    seen = capture_objective(monkeypatch)
    clf = DNNClassifier((10,), solver="lbfgs", max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        first = clf.loss_
        packed = np.concatenate([np.ravel(a) for a in clf.coefs_ + clf.intercepts_])
        clf.fit(X, y)
    assert_allclose(seen[1][1], packed, rtol=1e-15)
    assert clf.loss_ < first and clf.n_iter_ == 5 and clf.t_ == 0


def test_stochastic_warm_start_after_lbfgs(three_classes):
    """A model fitted by lbfgs has no loss_curve_; a warm-started adam fit (or
    partial_fit) after it starts a new curve instead of failing."""
    X, y = three_classes
    clf = DNNClassifier((10,), solver="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        clf.set_params(solver="adam", warm_start=True, max_iter=3).fit(X, y)
    assert len(clf.loss_curve_) == 3
    clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 4


def test_lbfgs_verbose_prints_each_iteration(three_classes, capsys):
    """verbose: one line per L-BFGS iteration through the epoch-end event."""
    X, y = three_classes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DNNClassifier((5,), solver="lbfgs", max_iter=3, verbose=True, random_state=0).fit(X, y)
    assert capsys.readouterr().out.count("loss") >= 3


@pytest.fixture(scope="module")
def stand_in():
    """The CPU stand-in for CuPy (not installed as ``cupy``)."""
    if shutil.which("g++") is None:
        pytest.skip("g++ is not on PATH: the emulated kernels cannot be compiled")
    return load_cupy_stand_in()


def test_cupy_lbfgs_copies_once_per_evaluation(stand_in, monkeypatch):
    """On a device: per objective evaluation the parameter vector crosses to the device
    once and the gradient (the loss in its last slot) to the host once; nothing else."""
    monkeypatch.setitem(sys.modules, "cupy", stand_in)
    X, y = make_classification(300, 8, random_state=0)
    X = X.astype(np.float32)
    counter = count_evaluations(monkeypatch)
    counts = {}
    for max_iter in (3, 8):
        stand_in.transfers.update(to_host=0, syncs=0, to_device=0)
        counter["n"] = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            DNNClassifier(
                (16,), backend="cupy", solver="lbfgs", max_iter=max_iter, random_state=0
            ).fit(X, y)
        counts[max_iter] = (counter["n"], dict(stand_in.transfers))
    (n3, t3), (n8, t8) = counts[3], counts[8]
    assert n8 > n3
    per_evaluation = {k: (t8[k] - t3[k]) / (n8 - n3) for k in t3}
    assert per_evaluation == {"to_host": 1, "syncs": 0, "to_device": 1}


def test_suite_backend_runs_lbfgs(three_classes):
    """The suite's backend trains with lbfgs and reports host NumPy attributes."""
    X, y = three_classes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier((8,), solver="lbfgs", max_iter=50, random_state=0).fit(X, y)
    assert clf.backend == BACKEND and clf.score(X, y) > 0.9
    assert all(type(W) is np.ndarray for W in clf.coefs_)
