"""Plotting: the training curves of a fitted estimator.

:class:`TrainingCurveDisplay` draws, in scikit-learn's display style, what a minibatch
fit records epoch by epoch: the training loss (``loss_curve_``), and with
``early_stopping=True`` the loss of the held-out rows (``validation_loss_curve_``, on
the same axes) and the validation score (``validation_scores_``, on a twin axis or on
axes of its own). It marks where training ended and the epoch the stopping rule judged
best: the best validation score, whose weights the estimator keeps, or else the lowest
training loss. :func:`plot_training_curves` is the one-call shorthand.

:func:`save_figures` writes the open figures to PNG files and shows them where there is
a display: what the examples in ``examples/`` end with.

matplotlib is imported only when something is drawn; install it with
``pip install "skdnn[plot]"``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["TrainingCurveDisplay", "plot_training_curves", "save_figures"]

# matplotlib's backends that draw to files only: no window to show a figure in.
_FILE_BACKENDS = frozenset({"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"})


def _pyplot(what: str) -> Any:
    """``matplotlib.pyplot``, or an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{what} needs matplotlib, which is not installed. Install it with "
            '`pip install "skdnn[plot]"` (or `pip install matplotlib`).'
        ) from exc
    return plt


def _curve(values: Any) -> np.ndarray | None:
    return None if values is None else np.asarray(values, dtype=float)


class TrainingCurveDisplay:
    """Training curves of a minibatch fit, with its stopping point marked.

    Build it with :meth:`from_estimator` (or :func:`plot_training_curves`), or from the
    curves themselves and then call :meth:`plot`. Epochs are numbered from 1.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss of every epoch (``loss_curve_``).
    validation_scores : array-like of shape (n_epochs,), default=None
        Validation score of every epoch (``validation_scores_``; higher is better).
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Loss of the held-out rows at every epoch (``validation_loss_curve_``).
    estimator_name : str, default=None
        Name used in the title.
    best_validation_score : float, default=None
        The estimator's ``best_validation_score_``: the best epoch is the first that
        reached it (the weights early stopping kept). None: the highest score.

    Attributes
    ----------
    stop_epoch : int
        The last epoch run.
    best_epoch : int
        With validation scores, the first epoch of ``best_validation_score`` (the
        weights an early-stopped estimator keeps), or of the highest score; else the
        first epoch of the lowest training loss (the ``tol`` rule's ``best_loss_``).
    best_rule : {"validation_score", "loss"}
        Which of the two ``best_epoch`` is.
    ax_ : matplotlib Axes
        Axes with the training and validation losses.
    score_ax_ : matplotlib Axes or None
        Axes with the validation scores (a twin of ``ax_`` unless given); None
        without validation scores.
    figure_ : matplotlib Figure
        Figure holding ``ax_``.
    lines_ : dict of str to matplotlib Line2D
        The curves drawn: ``"loss"``, and where present ``"validation_loss"`` and
        ``"validation_score"``.
    stop_line_ : matplotlib Line2D
        Vertical line at ``stop_epoch``.
    best_marker_ : matplotlib Line2D
        Marker at ``best_epoch`` on the curve that chose it.

    See Also
    --------
    plot_training_curves : Draw a fitted estimator's curves in one call.
    sklearn.model_selection.LearningCurveDisplay : The display style followed here.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skdnn.plot import TrainingCurveDisplay
    >>> display = TrainingCurveDisplay(
    ...     loss_curve=[0.9, 0.5, 0.4, 0.45],
    ...     validation_scores=[0.6, 0.8, 0.85, 0.82],
    ... ).plot()
    >>> display.best_epoch, display.best_rule, display.stop_epoch
    (3, 'validation_score', 4)
    >>> sorted(display.lines_)
    ['loss', 'validation_score']
    """

    def __init__(
        self,
        *,
        loss_curve: Any,
        validation_scores: Any = None,
        validation_loss_curve: Any = None,
        estimator_name: str | None = None,
        best_validation_score: float | None = None,
    ) -> None:
        self.loss_curve = _curve(loss_curve)
        self.validation_scores = _curve(validation_scores)
        self.validation_loss_curve = _curve(validation_loss_curve)
        self.estimator_name = estimator_name
        if self.loss_curve.ndim != 1 or self.loss_curve.size == 0:
            raise ValueError(
                f"loss_curve must be a non-empty 1-d sequence; got shape {self.loss_curve.shape}."
            )
        for name in ("validation_scores", "validation_loss_curve"):
            values = getattr(self, name)
            if values is not None and values.shape != self.loss_curve.shape:
                raise ValueError(
                    f"{name} has {values.size} values for {self.loss_curve.size} epochs of "
                    "loss_curve; they must be equally long."
                )
        self.stop_epoch = int(self.loss_curve.size)
        if self.validation_scores is not None:
            self.best_rule = "validation_score"
            # The kept weights are those of the first epoch reaching the estimator's
            # best score: after a warm start under another validation_scoring the best
            # starts anew, and may be below an earlier epoch's score.
            hits = np.flatnonzero(self.validation_scores == best_validation_score)
            best = hits[0] if hits.size else np.argmax(self.validation_scores)
            self.best_epoch = int(best) + 1
        else:
            self.best_rule = "loss"
            self.best_epoch = int(np.argmin(self.loss_curve)) + 1

    def plot(
        self,
        ax: Any = None,
        *,
        score_ax: Any = None,
        name: str | None = None,
        loss_kwargs: dict | None = None,
        validation_kwargs: dict | None = None,
    ) -> TrainingCurveDisplay:
        """Draw the curves and mark the stopping point.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes for the losses; a new figure when None.
        score_ax : matplotlib Axes, default=None
            Axes for the validation scores (for instance a second panel); a twin of
            ``ax`` sharing its epochs when None.
        name : str, default=None
            Title; ``estimator_name`` when None.
        loss_kwargs : dict, default=None
            Keyword arguments for the training-loss line (``ax.plot``).
        validation_kwargs : dict, default=None
            Keyword arguments for both validation lines.

        Returns
        -------
        display : TrainingCurveDisplay
            This object, with ``ax_``, ``figure_``, ``lines_`` and the markers set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from skdnn.plot import TrainingCurveDisplay
        >>> fig, (top, bottom) = plt.subplots(2, sharex=True)
        >>> display = TrainingCurveDisplay(
        ...     loss_curve=[0.9, 0.5, 0.4], validation_scores=[0.6, 0.8, 0.7]
        ... ).plot(top, score_ax=bottom)
        >>> display.score_ax_ is bottom, display.best_epoch
        (True, 2)
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            _, ax = plt.subplots()
        epochs = np.arange(1, self.stop_epoch + 1)
        val_kw = validation_kwargs or {}
        self.lines_ = {}
        (self.lines_["loss"],) = ax.plot(
            epochs,
            self.loss_curve,
            **{"color": "tab:blue", "label": "training loss", **(loss_kwargs or {})},
        )
        if self.validation_loss_curve is not None:
            (self.lines_["validation_loss"],) = ax.plot(
                epochs,
                self.validation_loss_curve,
                **{"color": "tab:orange", "linestyle": "--", "label": "validation loss", **val_kw},
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        self.score_ax_ = None
        if self.validation_scores is not None:
            self.score_ax_ = ax.twinx() if score_ax is None else score_ax
            (self.lines_["validation_score"],) = self.score_ax_.plot(
                epochs,
                self.validation_scores,
                **{"color": "tab:green", "label": "validation score", **val_kw},
            )
            self.score_ax_.set_ylabel("validation score")
            self.score_ax_.set_xlabel("epoch")
        self._mark(ax, epochs)
        self._legend(ax, twin=score_ax is None)
        title = self.estimator_name if name is None else name
        if title:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    def _mark(self, ax: Any, epochs: np.ndarray) -> None:
        """The stopping epoch (vertical line) and the best epoch (a marker)."""
        self.stop_line_ = ax.axvline(
            self.stop_epoch,
            color="0.3",
            linestyle=":",
            label=f"last epoch ({self.stop_epoch})",
        )
        k = self.best_epoch
        if self.best_rule == "validation_score":
            target, y, label = self.score_ax_, self.validation_scores[k - 1], "best score, kept"
        else:
            target, y, label = ax, self.loss_curve[k - 1], "lowest loss"
        (self.best_marker_,) = target.plot(
            [k],
            [y],
            marker="*",
            markersize=14,
            color="tab:red",
            linestyle="none",
            label=f"{label} (epoch {k})",
        )

    def _legend(self, ax: Any, twin: bool) -> None:
        """One legend for both axes when the scores share the figure area."""
        handles, labels = ax.get_legend_handles_labels()
        if self.score_ax_ is not None:
            more, more_labels = self.score_ax_.get_legend_handles_labels()
            if twin:
                handles, labels = handles + more, labels + more_labels
            else:
                self.score_ax_.legend(more, more_labels, loc="best")
        # matplotlib's "best" sees only the artists of ``ax``, not of its twin.
        ax.legend(handles, labels, loc="center right" if twin else "best")

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        *,
        ax: Any = None,
        score_ax: Any = None,
        name: str | None = None,
        loss_kwargs: dict | None = None,
        validation_kwargs: dict | None = None,
    ) -> TrainingCurveDisplay:
        """Draw the training curves a fitted estimator recorded.

        Parameters
        ----------
        estimator : DNNClassifier or DNNRegressor
            Fitted by a minibatch solver (``fit``, ``warm_start`` or ``partial_fit``).
            scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` work too (they
            record no validation loss).
        ax : matplotlib Axes, default=None
            Axes for the losses; a new figure when None.
        score_ax : matplotlib Axes, default=None
            Axes for the validation scores; a twin of ``ax`` when None.
        name : str, default=None
            Title; the estimator's class name when None.
        loss_kwargs : dict, default=None
            Keyword arguments for the training-loss line.
        validation_kwargs : dict, default=None
            Keyword arguments for both validation lines.

        Returns
        -------
        display : TrainingCurveDisplay

        Raises
        ------
        ValueError
            When the estimator recorded no loss curve (``solver="lbfgs"``).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_iris
        >>> from skdnn import DNNClassifier
        >>> from skdnn.plot import TrainingCurveDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DNNClassifier(
        ...     hidden_layer_sizes=(8,), early_stopping=True, max_iter=50, random_state=0
        ... ).fit(X, y)
        >>> display = TrainingCurveDisplay.from_estimator(clf)
        >>> display.stop_epoch == clf.n_iter_, display.best_rule
        (True, 'validation_score')
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        curve = getattr(estimator, "loss_curve_", None)
        if curve is None:
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_: it was fitted with "
                f"solver={getattr(estimator, 'solver', None)!r}, a full-batch solver that "
                "records no per-epoch losses (as in MLPClassifier). Fit with solver='adam' "
                "or 'sgd' to plot training curves."
            )
        display = cls(
            loss_curve=curve,
            validation_scores=getattr(estimator, "validation_scores_", None),
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            estimator_name=type(estimator).__name__ if name is None else name,
            best_validation_score=getattr(estimator, "best_validation_score_", None),
        )
        return display.plot(
            ax, score_ax=score_ax, loss_kwargs=loss_kwargs, validation_kwargs=validation_kwargs
        )


def plot_training_curves(estimator: Any, ax: Any = None, **kwargs: Any) -> TrainingCurveDisplay:
    """Draw a fitted estimator's training curves, its stopping point marked.

    The training loss per epoch; with ``early_stopping=True`` also the validation
    loss and, on a twin axis (or ``score_ax``), the validation score. A dotted line
    marks the last epoch and a star the best epoch: the best validation score, whose
    weights were kept, or else the lowest training loss (the ``tol`` rule).

    Parameters
    ----------
    estimator : DNNClassifier or DNNRegressor
        Fitted by a minibatch solver.
    ax : matplotlib Axes, default=None
        Axes for the losses; a new figure when None.
    **kwargs
        Passed to :meth:`TrainingCurveDisplay.from_estimator` (``score_ax``,
        ``name``, ``loss_kwargs``, ``validation_kwargs``).

    Returns
    -------
    display : TrainingCurveDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_regression
    >>> from skdnn import DNNRegressor
    >>> from skdnn.plot import plot_training_curves
    >>> X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    >>> reg = DNNRegressor(max_iter=30, tol=1e-2, random_state=0).fit(X, y / 100)
    >>> display = plot_training_curves(reg)
    >>> display.best_rule, len(display.lines_["loss"].get_xdata()) == reg.n_iter_
    ('loss', True)
    """
    return TrainingCurveDisplay.from_estimator(estimator, ax=ax, **kwargs)


def save_figures(
    name: str, figures: Any = None, *, folder: Any = None, show: bool | None = None
) -> list[Path]:
    """Save figures to PNG files, print their paths, and show them where there is a display.

    The way to end a script that draws: run without a display (``MPLBACKEND=agg``, a
    server, a CI job) it still leaves its pictures behind; with a display it also opens
    them. One figure is saved as ``{name}.png``, several as ``{name}_1.png``,
    ``{name}_2.png``... (existing files of those names are replaced). Inside a
    sphinx-gallery build, which collects the figures itself, nothing is written and
    nothing is printed.

    Parameters
    ----------
    name : str
        Stem of the file names, e.g. the script's name.
    figures : matplotlib Figure or list of Figure, default=None
        The figures to save; None: every open pyplot figure, in the order of their
        numbers.
    folder : str or path-like, default=None
        Where to write the files; None: the working directory.
    show : bool, default=None
        Whether to call ``matplotlib.pyplot.show()`` after saving; None: when the
        backend can show figures (not ``agg``, ``pdf``, ``svg``... which only write
        files, and where ``show`` would only warn).

    Returns
    -------
    paths : list of pathlib.Path
        The files written (absolute paths); empty in a sphinx-gallery build.

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from skdnn.plot import save_figures
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2, 3])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = save_figures("demo", fig, folder=folder)  # doctest: +ELLIPSIS
    ...     print([path.name for path in paths], paths[0].is_file())
    saved the figure to ...demo.png
    ['demo.png'] True
    >>> plt.close(fig)
    """
    plt = _pyplot("save_figures")
    if figures is None:
        figures = [plt.figure(number) for number in plt.get_fignums()]
    elif not isinstance(figures, (list, tuple)):
        figures = [figures]
    if show is None:
        show = plt.get_backend().lower() not in _FILE_BACKENDS
    folder = "." if folder is None else folder
    paths = []
    if "sphinx_gallery" not in sys.modules:
        for i, figure in enumerate(figures, start=1):
            suffix = f"_{i}" if len(figures) > 1 else ""
            path = Path.cwd() / folder / f"{name}{suffix}.png"
            figure.savefig(path)
            print(f"saved the figure to {path}")
            paths.append(path)
    if show:
        plt.show()
    return paths
