"""Long runs: 2,000 epochs of a small model keep memory flat (only the loss curve grows)."""

import gc
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdnn.optimizers import Adam
from tests._helpers import DNNClassifier

N_EPOCHS = 2000
FIRST = 200
# Each epoch adds one float to loss_curve_ (a float object plus a list slot, with the
# list's over-allocation); the rest may wobble by a small constant.
PER_EPOCH = 64
SLACK = 64 * 1024

RNG = np.random.RandomState(0)
X = RNG.randn(24, 3)
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


class MeasuringAdam(Adam):
    """Adam that records the traced memory at the end of chosen epochs."""

    def __init__(self, at, **kwargs):
        super().__init__(**kwargs)
        self.at = at
        self.epoch = 0
        self.memory = {}

    def end_epoch(self, state, n_seen):
        """Count epochs; measure traced memory at the chosen ones."""
        self.epoch += 1
        if self.epoch in self.at:
            gc.collect()
            self.memory[self.epoch] = tracemalloc.get_traced_memory()[0]


def _bound(n_epochs):
    return PER_EPOCH * n_epochs + SLACK


@pytest.fixture
def traced():
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_fit_for_2000_epochs_keeps_memory_flat(traced):
    """One fit of 2,000 epochs: growth from epoch 200 to 2,000 ~ the loss curve."""
    solver = MeasuringAdam(at={FIRST, N_EPOCHS})
    clf = DNNClassifier(
        hidden_layer_sizes=(4,), solver=solver, max_iter=N_EPOCHS, tol=0.0,
        n_iter_no_change=np.inf, batch_size=8, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    assert clf.n_iter_ == N_EPOCHS == len(clf.loss_curve_)
    growth = solver.memory[N_EPOCHS] - solver.memory[FIRST]
    assert growth <= _bound(N_EPOCHS - FIRST), growth
    assert np.all(np.isfinite(clf.loss_curve_))


def test_partial_fit_calls_keep_memory_flat(traced):
    """500 partial_fit calls: no per-call leak beyond the loss curve.

    Fewer epochs than the fit test: each call's validation runs Python code that
    tracemalloc slows down about tenfold, and 400 traced calls expose any per-call leak.
    """
    n_calls, first = 500, 100
    clf = DNNClassifier(hidden_layer_sizes=(4,), batch_size=24, random_state=0)
    clf.partial_fit(X, Y, classes=[0, 1])
    memory = {}
    for epoch in range(2, n_calls + 1):
        clf.partial_fit(X, Y)
        if epoch in (first, n_calls):
            gc.collect()
            memory[epoch] = tracemalloc.get_traced_memory()[0]
    assert len(clf.loss_curve_) == n_calls and clf._optimizer_state["t"] == n_calls
    growth = memory[n_calls] - memory[first]
    assert growth <= _bound(n_calls - first), growth
