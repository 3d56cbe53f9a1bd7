"""Persistence integrity: save after partial_fit, reload, train on == never saved."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from tests._helpers import DNNClassifier, assert_same

RNG = np.random.RandomState(0)
X = RNG.randn(120, 6)
Y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.3)]
BATCHES = [slice(i, i + 40) for i in range(0, 120, 40)]


def _state(clf):
    names = [
        "coefs_", "intercepts_", "classes_", "loss_curve_", "n_iter_", "t_", "best_loss_",
        "_optimizer_state", "_no_improvement_count", "n_features_in_",
    ]
    return {name: getattr(clf, name) for name in names}


def _roundtrip(clf, how, tmp_path):
    if how == "pickle":
        return pickle.loads(pickle.dumps(clf))
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    return joblib.load(path)


SOLVERS = [
    dict(solver="adam"),
    dict(solver="sgd", learning_rate="invscaling", momentum=0.9),
    dict(solver="sgd", learning_rate="adaptive", nesterovs_momentum=False),
]


@pytest.mark.parametrize("how", ["pickle", "joblib"])
@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_after_partial_fit_then_continue_equals_never_saved(tmp_path, how, solver, dtype):
    """Bitwise: weights, loss curve, counters, RNG stream and optimizer state."""
    params = dict(hidden_layer_sizes=(7, 5), batch_size=16, random_state=0, dtype=dtype, **solver)
    saved = DNNClassifier(**params)
    unsaved = DNNClassifier(**params)
    for clf in (saved, unsaved):
        clf.partial_fit(X[BATCHES[0]], Y[BATCHES[0]], classes=["a", "b", "c"])
        clf.partial_fit(X[BATCHES[1]], Y[BATCHES[1]])
    loaded = _roundtrip(saved, how, tmp_path)
    assert_same(_state(loaded), _state(unsaved))
    np.testing.assert_array_equal(loaded.predict_proba(X), unsaved.predict_proba(X))
    for _ in range(3):  # shuffle=True: the RNG stream must carry on identically
        for batch in BATCHES:
            loaded.partial_fit(X[batch], Y[batch])
            unsaved.partial_fit(X[batch], Y[batch])
    assert_same(_state(loaded), _state(unsaved))
    np.testing.assert_array_equal(loaded.predict(X), unsaved.predict(X))


def test_adam_state_survives_the_save():
    """Adam's step count and moment estimates come back and keep counting."""
    clf = DNNClassifier(hidden_layer_sizes=(5,), batch_size=20, random_state=0)
    clf.partial_fit(X, Y, classes=["a", "b", "c"])  # 6 steps
    state = clf._optimizer_state
    assert state["t"] == 6
    assert any(np.any(m != 0) for m in state["ms"]) and any(np.any(v > 0) for v in state["vs"])
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded._optimizer_state["t"] == 6
    assert_same(loaded._optimizer_state, state)
    assert loaded._optimizer_state["ms"][0] is not state["ms"][0]
    loaded.partial_fit(X, Y)
    assert loaded._optimizer_state["t"] == 12
    # The original is untouched by the copy's training.
    assert clf._optimizer_state["t"] == 6


def test_sgd_schedule_state_survives_the_save():
    """The invscaling learning rate reached so far is restored, not reset."""
    clf = DNNClassifier(
        hidden_layer_sizes=(5,), solver="sgd", learning_rate="invscaling", random_state=0
    )
    clf.partial_fit(X, Y, classes=["a", "b", "c"])
    clf.partial_fit(X, Y)
    lr = clf._optimizer_state["learning_rate"]
    assert lr < clf.learning_rate_init
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded._optimizer_state["learning_rate"] == lr
    assert all(np.any(v != 0) for v in loaded._optimizer_state["velocities"])


def test_reload_after_fit_then_partial_fit_equals_never_saved(tmp_path):
    """A model saved after fit continues with partial_fit exactly like the original."""
    params = dict(hidden_layer_sizes=(6,), max_iter=4, random_state=0, n_iter_no_change=100)
    a = DNNClassifier(**params)
    b = DNNClassifier(**params)
    with pytest.warns(ConvergenceWarning):
        a.fit(X, Y)
    with pytest.warns(ConvergenceWarning):
        b.fit(X, Y)
    loaded = _roundtrip(a, "joblib", tmp_path)
    for _ in range(2):
        loaded.partial_fit(X, Y)
        b.partial_fit(X, Y)
    assert_same(_state(loaded), _state(b))


@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_training_tools_survive_the_save(tmp_path, how):
    """A schedule plugin, weight decay and label smoothing: the loaded model predicts
    the same, and a warm-started fit from it equals one from the original."""
    from skdnn.schedules import WarmupCosine

    params = dict(
        hidden_layer_sizes=(6,),
        max_iter=3,
        random_state=0,
        lr_schedule=WarmupCosine(0.2),
        weight_decay=0.05,
        label_smoothing=0.1,
    )
    a = DNNClassifier(**params)
    with pytest.warns(ConvergenceWarning):
        a.fit(X, Y)
    loaded = _roundtrip(a, how, tmp_path)
    assert loaded.lr_schedule == WarmupCosine(0.2)
    np.testing.assert_array_equal(loaded.predict_proba(X), a.predict_proba(X))
    for est in (a, loaded):
        est.set_params(warm_start=True)
        with pytest.warns(ConvergenceWarning):
            est.fit(X, Y)
    assert_same(_state(loaded), _state(a))
