"""skdnn.plot: what the training-curve display draws, and its errors."""

import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier

from skdnn import DNNClassifier, DNNRegressor
from skdnn.plot import TrainingCurveDisplay, plot_training_curves, save_figures


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_tol_rule_draws_loss_and_marks_lowest_loss(plt, iris):
    X, y = iris
    clf = _fit(DNNClassifier(hidden_layer_sizes=(8,), max_iter=40, random_state=0), X, y)
    display = plot_training_curves(clf)

    n = len(clf.loss_curve_)
    line = display.lines_["loss"]
    assert_array_equal(line.get_xdata(), np.arange(1, n + 1))
    assert_allclose(line.get_ydata(), clf.loss_curve_)
    assert set(display.lines_) == {"loss"}
    assert display.score_ax_ is None
    assert display.stop_epoch == n == clf.n_iter_
    assert_array_equal(display.stop_line_.get_xdata(), [n, n])
    best = int(np.argmin(clf.loss_curve_)) + 1
    assert display.best_rule == "loss" and display.best_epoch == best
    assert_array_equal(display.best_marker_.get_xdata(), [best])
    assert_allclose(display.best_marker_.get_ydata(), [clf.best_loss_])
    assert display.best_marker_.axes is display.ax_
    assert display.ax_.get_xlabel() == "epoch" and display.ax_.get_ylabel() == "loss"
    assert display.ax_.get_title() == "DNNClassifier"
    assert display.figure_ is display.ax_.figure
    texts = _legend_texts(display.ax_)
    assert "training loss" in texts
    assert f"last epoch ({n})" in texts
    assert f"lowest loss (epoch {best})" in texts


def test_early_stopping_marks_the_kept_epoch_on_a_twin_axis(plt, iris):
    X, y = iris
    clf = DNNClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        max_iter=200,
        random_state=0,
    )
    clf = _fit(clf, X, y)
    fig, ax = plt.subplots()
    display = TrainingCurveDisplay.from_estimator(clf, ax=ax)

    assert display.ax_ is ax
    assert display.score_ax_ is not ax and display.score_ax_.figure is fig
    assert_allclose(display.lines_["validation_score"].get_ydata(), clf.validation_scores_)
    assert display.lines_["validation_score"].axes is display.score_ax_
    assert_allclose(display.lines_["validation_loss"].get_ydata(), clf.validation_loss_curve_)
    assert display.lines_["validation_loss"].axes is ax
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert display.best_rule == "validation_score" and display.best_epoch == best
    assert display.best_marker_.axes is display.score_ax_
    assert_allclose(display.best_marker_.get_ydata(), [clf.best_validation_score_])
    # The run stopped early, after the best epoch.
    assert display.stop_epoch == clf.n_iter_ < 200
    assert display.best_epoch < display.stop_epoch
    texts = _legend_texts(ax)  # one legend for both axes
    assert {"training loss", "validation loss", "validation score"} <= set(texts)
    assert f"best score, kept (epoch {best})" in texts
    assert display.score_ax_.get_ylabel() == "validation score"


def test_scores_on_a_second_panel(plt, iris):
    X, y = iris
    clf = _fit(
        DNNClassifier(hidden_layer_sizes=(8,), early_stopping=True, max_iter=20, random_state=0),
        X,
        y,
    )
    fig, (top, bottom) = plt.subplots(2, sharex=True)
    display = plot_training_curves(clf, top, score_ax=bottom, name="panels")
    assert len(fig.axes) == 2  # no twin axis was added
    assert display.score_ax_ is bottom
    assert display.lines_["validation_score"].axes is bottom
    assert display.best_marker_.axes is bottom
    assert "validation score" in _legend_texts(bottom)
    assert "validation score" not in _legend_texts(top)
    assert top.get_title() == "panels"


def test_regressor_and_partial_fit(plt):
    X, y = make_regression(n_samples=120, n_features=4, noise=1.0, random_state=0)
    reg = DNNRegressor(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(6):
        reg.partial_fit(X, y / 100)
    display = plot_training_curves(reg)
    assert_allclose(display.lines_["loss"].get_ydata(), reg.loss_curve_)
    assert display.stop_epoch == 6
    assert display.ax_.get_title() == "DNNRegressor"

    reg = _fit(
        DNNRegressor(hidden_layer_sizes=(8,), early_stopping=True, max_iter=15, random_state=0),
        X,
        y / 100,
    )
    display = plot_training_curves(reg)
    assert_allclose(display.lines_["validation_score"].get_ydata(), reg.validation_scores_)
    assert display.best_epoch == int(np.argmax(reg.validation_scores_)) + 1


def test_sklearn_mlp_without_validation_loss(plt, iris):
    X, y = iris
    mlp = _fit(MLPClassifier((8,), early_stopping=True, max_iter=15, random_state=0), X, y)
    display = plot_training_curves(mlp)
    assert set(display.lines_) == {"loss", "validation_score"}
    assert_allclose(display.lines_["validation_score"].get_ydata(), mlp.validation_scores_)


def test_kwargs_reach_the_lines(plt):
    display = TrainingCurveDisplay(
        loss_curve=[1.0, 0.5, 0.7], validation_loss_curve=[1.1, 0.9, 0.8]
    ).plot(loss_kwargs={"color": "black"}, validation_kwargs={"linewidth": 3})
    assert display.lines_["loss"].get_color() == "black"
    assert display.lines_["validation_loss"].get_linewidth() == 3
    # Without scores the best epoch is the lowest training loss, not validation loss.
    assert display.best_epoch == 2


def test_lbfgs_model_is_refused_clearly(plt, iris):
    X, y = iris
    clf = _fit(DNNClassifier((4,), solver="lbfgs", max_iter=10, random_state=0), X, y)
    with pytest.raises(ValueError, match="solver='lbfgs'.*no per-epoch losses"):
        plot_training_curves(clf)


def test_unfitted_model_is_refused(plt):
    with pytest.raises(NotFittedError):
        plot_training_curves(DNNClassifier())


def test_curves_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="2 values for 3 epochs"):
        TrainingCurveDisplay(loss_curve=[1.0, 0.5, 0.4], validation_scores=[0.5, 0.6])
    with pytest.raises(ValueError, match="non-empty"):
        TrainingCurveDisplay(loss_curve=[])


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    display = TrainingCurveDisplay(loss_curve=[1.0, 0.5])
    with pytest.raises(
        ImportError, match=r"TrainingCurveDisplay.plot needs matplotlib.*skdnn\[plot\]"
    ):
        display.plot()


def test_the_kept_epoch_follows_best_validation_score_after_a_restart():
    """After a warm start under another validation_scoring the best score starts anew:
    the kept weights are those of the first epoch reaching best_validation_score_,
    not of the highest score in the whole history."""
    from skdnn.plot import TrainingCurveDisplay

    curves = dict(loss_curve=[0.9, 0.5, 0.4, 0.45], validation_scores=[0.9, 0.5, 0.6, 0.55])
    assert TrainingCurveDisplay(**curves, best_validation_score=0.6).best_epoch == 3
    assert TrainingCurveDisplay(**curves).best_epoch == 1


def test_save_figures_writes_one_png_per_figure_and_prints_paths(
    plt, tmp_path, monkeypatch, capsys
):
    monkeypatch.delitem(sys.modules, "sphinx_gallery", raising=False)
    monkeypatch.chdir(tmp_path)
    one = plt.figure()
    one.gca().plot([0, 1], [1, 0])
    two = plt.figure()
    two.gca().plot([0, 1], [0, 1])
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(True))

    paths = save_figures("demo")  # every open figure, in the working directory

    assert paths == [tmp_path / "demo_1.png", tmp_path / "demo_2.png"]
    assert capsys.readouterr().out.splitlines() == [f"saved the figure to {p}" for p in paths]
    for path in paths:
        assert path.read_bytes().startswith(b"\x89PNG")
    assert shown == []  # Agg draws to files only: nothing to show, no warning
    assert save_figures("single", two, folder=tmp_path / ".", show=True) == [
        tmp_path / "single.png"
    ]
    assert shown == [True]


def test_save_figures_writes_nothing_in_a_gallery_build(plt, tmp_path, monkeypatch, capsys):
    # sphinx-gallery runs an example in its own folder and collects its figures itself.
    monkeypatch.setitem(sys.modules, "sphinx_gallery", type(sys)("sphinx_gallery"))
    monkeypatch.chdir(tmp_path)
    plt.figure().gca().plot([0, 1])
    assert save_figures("demo") == []
    assert list(tmp_path.iterdir()) == [] and capsys.readouterr().out == ""
