"""Faults during training: divergence, Ctrl-C, and failed calls on a fitted estimator."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdnn.optimizers import Adam
from tests._helpers import DNNClassifier, assert_same

RNG = np.random.RandomState(0)
X = RNG.randn(30, 4)
Y = np.arange(30) % 3


class InterruptingAdam(Adam):
    """Adam whose ``n``-th step raises KeyboardInterrupt before touching anything."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.calls = 0

    def step(self, params, grads, state, xp, l2=None):
        """Count the call; raise on the n-th, else take an Adam step."""
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return super().step(params, grads, state, xp, l2=l2)


def _weights_finite(clf):
    return all(np.isfinite(w).all() for w in clf.coefs_ + clf.intercepts_)


def _snapshot(clf):
    """Deep copy of the fitted state a failed call must leave intact."""
    names = [
        "coefs_", "intercepts_", "classes_", "n_features_in_", "loss_curve_", "n_iter_",
        "t_", "best_loss_", "_optimizer_state", "_no_improvement_count",
    ]
    snap = {name: copy.deepcopy(getattr(clf, name)) for name in names}
    snap["_random_state"] = clf._random_state.get_state()[1].copy()
    return snap


# ------------------------------------------------------------------- divergence


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("activation", ["relu", "identity", "tanh", "logistic"])
@pytest.mark.parametrize("scale", [1.0, 1e10])
def test_huge_learning_rate_errors_or_stays_finite(solver, activation, scale):
    """A huge learning rate ends in 'training diverged' or finite weights, never NaN/inf."""
    clf = DNNClassifier(
        hidden_layer_sizes=(3,), solver=solver, activation=activation, momentum=0.0,
        learning_rate_init=1e300, max_iter=3, batch_size=30, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            clf.fit(X * scale, Y)
        except ValueError as exc:
            assert "training diverged" in str(exc)
            assert not hasattr(clf, "coefs_")
            return
    assert _weights_finite(clf) and np.isfinite(clf.loss_curve_).all()


def test_overflowed_weights_with_finite_loss_are_a_divergence():
    """Regression: one step overflowed the weights while the epoch's loss was finite.

    The loss is measured before the step, so the run used to end "successfully" with
    infinite coefs_; the epoch's weights are now checked too.
    """
    params = dict(
        hidden_layer_sizes=(3,), solver="sgd", momentum=0.0, learning_rate_init=1e300,
        max_iter=1, batch_size=30, random_state=0,
    )
    with pytest.raises(ValueError, match="weights became (inf|nan) at epoch 1: training diverged"):
        DNNClassifier(**params).fit(X * 1e10, Y)
    with pytest.raises(ValueError, match="training diverged"):
        DNNClassifier(**params).partial_fit(X * 1e10, Y, classes=[0, 1, 2])


# ----------------------------------------------------------------- Ctrl-C


def test_keyboard_interrupt_during_fit_keeps_a_usable_model():
    """Ctrl-C in epoch 3 warns, returns, and leaves the state of the finished epochs."""
    solver = InterruptingAdam(n=8)  # 3 steps per epoch: step 8 is in epoch 3
    clf = DNNClassifier(hidden_layer_sizes=(5,), solver=solver, batch_size=10, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert clf.fit(X, Y) is clf
    messages = [str(w.message) for w in caught]
    assert messages == ["Training interrupted by user."], messages
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2 and clf.t_ == 60
    assert clf.loss_ == clf.loss_curve_[-1]
    assert _weights_finite(clf)
    # The optimizer state and the weights agree: 7 steps were taken, none half-way.
    assert clf._optimizer_state["t"] == 7
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(1), 1.0)
    # The model goes on training from there.
    solver.n = -1
    clf.partial_fit(X, Y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 3
    assert clf._optimizer_state["t"] == 10


def test_keyboard_interrupt_in_first_epoch_propagates_and_keeps_previous_fit():
    """With no finished epoch there is nothing to keep: Ctrl-C goes on up, state intact."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, Y)
    before = _snapshot(clf)
    clf.set_params(solver=InterruptingAdam(n=2), batch_size=10)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, Y)
    assert_same(_snapshot(clf), before)
    fresh = DNNClassifier(hidden_layer_sizes=(5,), solver=InterruptingAdam(n=1), batch_size=10)
    with pytest.warns(UserWarning, match="interrupted"), pytest.raises(KeyboardInterrupt):
        fresh.fit(X, Y)
    assert not hasattr(fresh, "coefs_") and not hasattr(fresh, "n_features_in_")


def test_keyboard_interrupt_during_partial_fit_keeps_a_usable_model():
    """Ctrl-C inside partial_fit keeps the finished epochs' counters and finite weights."""
    solver = InterruptingAdam(n=5)
    clf = DNNClassifier(hidden_layer_sizes=(5,), solver=solver, batch_size=10, random_state=0)
    clf.partial_fit(X, Y, classes=[0, 1, 2])
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf.partial_fit(X, Y)
    # No epoch of the interrupted call finished: n_iter_ (this call's epochs) is 0.
    assert clf.n_iter_ == 0 and clf.t_ == 30 and len(clf.loss_curve_) == 1
    assert clf._optimizer_state["t"] == 4 and _weights_finite(clf)
    assert clf.predict(X).shape == (30,)


# ---------------------------------------------- failed calls leave state intact


def _fitted_by_partial_fit():
    clf = DNNClassifier(hidden_layer_sizes=(5,), batch_size=10, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, Y, classes=[0, 1, 2])
    return clf


FAILING_CALLS = {
    "bad_X": lambda c: c.partial_fit(np.full((3, 4), np.nan), [0, 1, 2]),
    "feature_count": lambda c: c.partial_fit(X[:, :2], Y),
    "unseen_label": lambda c: c.partial_fit(X, Y + 5),
    "bad_sample_weight": lambda c: c.partial_fit(X, Y, sample_weight=-np.ones(30)),
    "bad_param": lambda c: c.set_params(alpha=-1.0).partial_fit(X, Y),
    "diverging_partial_fit": lambda c: c.set_params(learning_rate_init=1e300).partial_fit(
        X * 1e10, Y
    ),
    "diverging_fit": lambda c: c.set_params(solver="sgd", learning_rate_init=1e300).fit(
        X * 1e10, Y
    ),
    "fit_bad_y": lambda c: c.fit(X, np.full(30, np.nan)),
    "fit_nan_X": lambda c: c.fit(np.full((3, 4), np.nan), [0, 1, 2]),
    "warm_start_other_classes": lambda c: c.set_params(warm_start=True).fit(X, Y % 2),
}


@pytest.mark.parametrize("name", list(FAILING_CALLS))
def test_failed_call_keeps_previous_fitted_state(name):
    """coefs_, classes_, counters, loss curve, RNG and optimizer state are all unchanged.

    Regression (``diverging_partial_fit``): the stored Adam moments were updated in
    place by the failed call, because the optimizer state was reused without a copy.
    """
    clf = _fitted_by_partial_fit()
    before = _snapshot(clf)
    params = clf.get_params()
    proba = clf.predict_proba(X)
    with pytest.raises((ValueError, TypeError)):
        FAILING_CALLS[name](clf)
    assert_same(_snapshot(clf), before)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    # And it continues exactly as a model that never saw the failed call.
    clf.set_params(**params).partial_fit(X, Y)
    twin = _fitted_by_partial_fit().partial_fit(X, Y)
    assert_same(_snapshot(clf), _snapshot(twin))
