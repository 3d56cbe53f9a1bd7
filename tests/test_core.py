"""The training core's seams: the events the loop announces, and what a fit probes."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skdnn._events import Listener
from tests._helpers import DNNClassifier

X, Y = make_classification(n_samples=120, n_features=6, random_state=0)


class Recorder(Listener):
    """Keeps every event; asks to stop after epoch ``stop_at``."""

    def __init__(self, stop_at=None):
        self.events, self.stop_at = [], stop_at

    def fit_begin(self, event):
        self.events.append(("begin", event))

    def epoch_end(self, event):
        self.events.append(("epoch", event))
        return event.epoch == self.stop_at

    def fit_end(self, event):
        self.events.append(("end", event))


class Listened(DNNClassifier):
    """A DNNClassifier whose loop also reports to ``recorder`` (set after construction)."""

    def _listeners(self):
        return [*super()._listeners(), self.recorder]


def _fit(recorder, method="fit", **params):
    clf = Listened(hidden_layer_sizes=(5,), random_state=0, **params)
    clf.recorder = recorder
    if method == "fit":
        clf.fit(X, Y)
    else:
        clf.partial_fit(X, Y, classes=[0, 1])
    return clf


def test_events_carry_what_the_fitted_attributes_say():
    rec = Recorder()
    with pytest.warns(ConvergenceWarning):
        clf = _fit(rec, max_iter=4, early_stopping=True, n_iter_no_change=50)
    kinds = [k for k, _ in rec.events]
    assert kinds == ["begin"] + ["epoch"] * 4 + ["end"]
    begin, end = rec.events[0][1], rec.events[-1][1]
    assert (begin.start, begin.max_epochs) == ("fit", 4)
    assert begin.n_train + begin.n_validation == len(X) and begin.n_validation == 12
    epochs = [e for k, e in rec.events if k == "epoch"]
    assert [e.epoch for e in epochs] == [1, 2, 3, 4]
    assert [e.loss for e in epochs] == clf.loss_curve_
    assert [e.validation_score for e in epochs] == clf.validation_scores_
    assert [e.n_samples_seen for e in epochs] == [108 * k for k in (1, 2, 3, 4)]
    assert all(e.seconds >= 0 for e in epochs)
    assert (end.reason, end.n_epochs, end.loss) == ("max_iter", 4, clf.loss_)
    coefs, intercepts = epochs[-1].weights()
    assert [W.shape for W in coefs] == [W.shape for W in clf.coefs_]
    assert [b.shape for b in intercepts] == [b.shape for b in clf.intercepts_]


def test_a_listener_can_stop_training():
    rec = Recorder(stop_at=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopped on request: no warning
        clf = _fit(rec, max_iter=50)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert rec.events[-1][1].reason == "listener"


def test_the_stopping_rule_ends_with_converged_and_says_why():
    rec = Recorder()
    clf = _fit(rec, max_iter=200, tol=1e9, n_iter_no_change=2)
    end = rec.events[-1][1]
    assert end.reason == "converged" and clf.n_iter_ == 4
    assert end.message == (
        "Training loss did not improve more than tol=1000000000.000000 for 2 "
        "consecutive epochs. Stopping."
    )


def test_partial_fit_announces_one_epoch():
    rec = Recorder()
    _fit(rec, method="partial_fit")
    begin, end = rec.events[0][1], rec.events[-1][1]
    assert (begin.start, begin.max_epochs, end.reason) == ("partial_fit", 1, "partial_fit")


def test_warm_start_is_announced_as_such():
    rec = Recorder()
    clf = Listened(hidden_layer_sizes=(5,), max_iter=2, warm_start=True, random_state=0)
    clf.recorder = rec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
        clf.fit(X, Y)
    starts = [e.start for k, e in rec.events if k == "begin"]
    assert starts == ["fit", "warm_start"]


def test_backend_availability_is_probed_once_per_fit(cupy_or_stand_in, monkeypatch):
    from skdnn.backends import CupyBackend

    calls = []
    probe = CupyBackend.unavailable_reason

    def counting(self):
        calls.append(1)
        return probe(self)

    monkeypatch.setattr(CupyBackend, "unavailable_reason", counting)
    DNNClassifier(
        hidden_layer_sizes=(3,), backend="cupy", max_iter=5, tol=1e9, n_iter_no_change=1
    ).fit(X, Y)
    assert len(calls) == 1


def test_verbose_is_a_listener(capsys):
    clf = DNNClassifier(
        hidden_layer_sizes=(3,),
        max_iter=200,
        tol=1e9,
        n_iter_no_change=1,
        verbose=True,
        random_state=0,
    ).fit(X, Y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == clf.n_iter_ + 1
    assert lines[0].startswith("Iteration 1, loss = ")
    assert lines[-1].startswith("Training loss did not improve more than tol=")
    np.testing.assert_allclose(
        float(lines[0].split("loss = ")[1].split(",")[0]), clf.loss_curve_[0], rtol=1e-7
    )
