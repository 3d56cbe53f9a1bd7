"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9) on skdnn.

The API is experimental. ``test_the_callback_api_skdnn_relies_on`` pins each piece skdnn
uses; when scikit-learn changes one, it fails first and names the piece.
"""

import importlib.util
import inspect
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdnn
from tests._helpers import DNNClassifier, DNNRegressor

X, Y = make_classification(
    n_samples=120, n_features=6, n_classes=3, n_informative=4, random_state=0
)
XR, YR = make_regression(n_samples=100, n_features=5, random_state=0)


def test_set_callbacks_says_which_scikit_learn_it_needs(monkeypatch):
    # skdnn._callbacks as it loads where sklearn.callback cannot be imported (< 1.9).
    monkeypatch.setitem(sys.modules, "sklearn.callback", None)
    path = Path(skdnn.__file__).with_name("_callbacks.py")
    spec = importlib.util.spec_from_file_location("skdnn._callbacks_without_api", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not module.SUPPORTED
    assert module.open_fit_task(object(), 10) is None

    class Estimator(module.CallbackSupport):
        pass

    with pytest.raises(ImportError, match=rf"scikit-learn 1\.9.*{sklearn.__version__}"):
        Estimator().set_callbacks(object())


# Everything below needs the callback API.
callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")


def test_the_callback_api_skdnn_relies_on():
    from sklearn.base import _fit_context
    from sklearn.callback import CallbackContext, CallbackSupportMixin, FitCallback

    for name in ("CallbackSupportMixin", "FitCallback", "ProgressBar", "ScoringMonitor"):
        assert hasattr(callback, name), f"sklearn.callback.{name} is gone"
    init = inspect.signature(CallbackSupportMixin._init_callback_context)
    assert "max_subtasks" in init.parameters, "_init_callback_context(max_subtasks=)"
    assert "task_name" in inspect.signature(CallbackContext.subcontext).parameters
    for hook in ("call_on_fit_task_begin", "call_on_fit_task_end"):
        params = inspect.signature(getattr(CallbackContext, hook)).parameters
        for kw in ("estimator", "X", "y", "metadata", "reconstruction_attributes"):
            assert kw in params, f"CallbackContext.{hook}({kw}=) is gone"
    assert "callback_management_context" in inspect.getsource(_fit_context), (
        "_fit_context no longer tears the callbacks down"
    )
    assert isinstance(Recorder(), FitCallback)
    assert issubclass(skdnn.DNNClassifier, CallbackSupportMixin)
    assert issubclass(skdnn.DNNRegressor, CallbackSupportMixin)


class Recorder:
    """A FitCallback keeping every hook call; stops after epoch ``stop_at``."""

    def __init__(self, stop_at=None):
        self.calls, self.stop_at = [], stop_at

    def setup(self, estimator, context):
        self.calls.append(("setup", None, None))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", None, None))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None):
        self.calls.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None, fitted_estimator=None
    ):
        self.calls.append(("end", context.task_name, context.task_id))
        if context.task_name == "epoch":
            self.last = (X, y, metadata, fitted_estimator)
            return self.stop_at is not None and context.task_id + 1 >= self.stop_at
        return False

    def epochs(self, hook):
        return [i for h, name, i in self.calls if h == hook and name == "epoch"]


def test_one_subtask_per_epoch_with_the_fitted_model_of_that_epoch():
    rec = Recorder()
    sw = np.linspace(0.5, 1.5, len(X))
    clf = DNNClassifier(hidden_layer_sizes=(8,), max_iter=6, random_state=0)
    clf.set_callbacks(rec)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, Y, sample_weight=sw)
    assert rec.calls[0] == ("setup", None, None)
    assert rec.calls[1] == ("begin", "fit", 0)
    assert rec.calls[-2] == ("end", "fit", 0)
    assert rec.calls[-1] == ("teardown", None, None)
    # Begin and end alternate, one epoch task each, numbered from 0.
    epochs = [c for c in rec.calls if c[1] == "epoch"]
    assert epochs == [(h, "epoch", i) for i in range(clf.n_iter_) for h in ("begin", "end")]
    X_seen, y_seen, metadata, fitted = rec.last
    assert X_seen is X and y_seen is Y
    np.testing.assert_array_equal(metadata["sample_weight"], sw)
    # The last epoch's model is the fitted one; it is a copy, not the estimator.
    assert fitted is not clf
    np.testing.assert_allclose(fitted.predict_proba(X), clf.predict_proba(X))
    assert not hasattr(clf, "_callback_fit_ctx")  # torn down by _fit_context


def test_a_callback_stops_training():
    rec = Recorder(stop_at=3)
    clf = DNNClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0)
    clf.set_callbacks(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopped, not out of epochs
        clf.fit(X, Y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert rec.epochs("end") == [0, 1, 2]


def test_lbfgs_iterations_and_partial_fit_calls_are_the_subtasks():
    rec = Recorder()
    reg = DNNRegressor(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=7, random_state=0)
    reg.set_callbacks(rec)
    with pytest.warns(ConvergenceWarning):
        reg.fit(XR, YR)
    assert rec.epochs("end") == list(range(reg.n_iter_)) and reg.n_iter_ == 7
    # The last iteration's weights are the solution.
    np.testing.assert_allclose(rec.last[3].predict(XR), reg.predict(XR), rtol=1e-6)

    rec = Recorder()
    clf = DNNClassifier(hidden_layer_sizes=(6,), random_state=0).set_callbacks(rec)
    for _ in range(3):
        clf.partial_fit(X, Y, classes=np.unique(Y))
    assert [c[0] for c in rec.calls].count("setup") == 3
    assert rec.epochs("begin") == [0, 0, 0] and rec.epochs("end") == [0, 0, 0]


def test_scoring_monitor_scores_every_epoch():
    from sklearn.callback import ScoringMonitor
    from sklearn.metrics import accuracy_score

    monitor = ScoringMonitor(scoring="accuracy")
    clf = DNNClassifier(
        hidden_layer_sizes=(8,), max_iter=5, learning_rate_init=0.05, random_state=0
    )
    clf.set_callbacks(monitor)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, Y)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert [r["task_id"] for r in epochs] == list(range(5))
    final = [r for r in rows if r["task_name"] == "fit"][0]
    assert final["accuracy"] == pytest.approx(accuracy_score(Y, clf.predict(X)))
    assert epochs[-1]["accuracy"] == pytest.approx(final["accuracy"])
    assert len({r["accuracy"] for r in epochs}) > 1  # each epoch scored its own weights


def test_progress_bar_alone_in_a_pipeline_and_in_a_search(capsys):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    clf = DNNClassifier(hidden_layer_sizes=(4,), max_iter=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_callbacks(ProgressBar()).fit(X, Y)
        out = capsys.readouterr().out
        assert "DNNClassifier - fit" in out and "100%" in out

        pipe = make_pipeline(StandardScaler(), clf.set_callbacks())
        pipe.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, Y)
        out = capsys.readouterr().out
        assert "Pipeline - fit" in out and "DNNClassifier - fit" in out

        search = GridSearchCV(clf, {"alpha": [1e-4, 1e-2]}, cv=2, n_jobs=2)
        search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, Y)
        out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out and "DNNClassifier - fit" in out
    assert "100%" in out


def test_a_failed_fit_still_tears_the_callbacks_down():
    rec = Recorder()
    clf = DNNClassifier(hidden_layer_sizes=(4,), random_state=0).set_callbacks(rec)
    with pytest.raises(ValueError):
        clf.fit(X, Y[:-1])
    assert [c[0] for c in rec.calls] == ["setup", "teardown"]
    assert not hasattr(clf, "_callback_fit_ctx") and not hasattr(clf, "coefs_")
