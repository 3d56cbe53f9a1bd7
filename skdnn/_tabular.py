"""TabularClassifier and TabularRegressor: a recipe of tabular-MLP tools on raw tables.

Each estimator owns two fitted parts, one after the other:

* ``input_``, a ``TabularInput``: the raw table (a DataFrame of numbers, strings,
  categories, booleans and missing values, or an array) as a numeric matrix, robustly
  scaled and smoothly clipped, with missing indicators, one-hot columns for narrow
  categories and integer codes for wide ones;
* ``network_``, a :class:`~skdnn.DNNClassifier` or :class:`~skdnn.DNNRegressor`
  configured by the recipe (:data:`RECIPE`), whose first layer is a
  :class:`~skdnn.layers.TabularEmbedding`: the numeric embedding on the scaled numbers,
  the 0/1 columns as they are, and learned vectors for the category codes.

The recipe is data: :data:`RECIPE` holds every setting of the network, the estimators'
parameters override the few that are worth changing.
"""

from __future__ import annotations

import copy
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted

from . import layers
from ._classifier import DNNClassifier
from ._regressor import DNNRegressor
from ._tabular_input import TabularInput
from ._tabular_recipe import ATTRS_DOC, PARAMS_DOC, RECIPE, _batch_size, _epochs, recipe

__all__ = ["RECIPE", "TabularClassifier", "TabularRegressor", "recipe"]


def _numeric_embedding(spec: Any, settings: dict) -> Any:
    """The numeric embedding layer for ``feature_embedding=spec`` (a new object)."""
    if spec is None:
        return None
    if isinstance(spec, str):
        layer = layers.registry.resolve(spec)
        for name, value in settings.get(spec, {}).items():
            setattr(layer, name, value)
        return layer
    return copy.deepcopy(spec)


class _TabularBase(BaseEstimator):
    """What both estimators share: the input, the inner network, delegation."""

    _task = "classification"
    _network_class: Any = DNNClassifier

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "min_steps": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "feature_embedding": [
            None,
            StrOptions({"periodic", "piecewise_linear"}),
            HasMethods(["build", "forward", "backward"]),
        ],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "max_onehot_categories": [Interval(Integral, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "backend": [str, object],
        "n_threads": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "verbose": ["verbose"],
    }

    def _settings(self) -> dict:
        """The inner network's parameters: the recipe, then this estimator's."""
        settings = recipe(self._task)
        for name in (
            "hidden_layer_sizes",
            "n_ensemble",
            "max_iter",
            "min_steps",
            "learning_rate_init",
            "batch_size",
            "dropout",
            "validation_fraction",
            "random_state",
            "backend",
            "n_threads",
            "verbose",
        ):
            settings[name] = getattr(self, name)
        return settings

    def _fit_network(self, X: Any, y: Any, sample_weight: Any) -> Any:
        """Fit ``input_`` on ``X``, then ``network_`` on its output; returns the output."""
        if sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__} takes a dense table (a pandas DataFrame or an "
                f"array), got a sparse {type(X).__name__}. Densify it with X.toarray(), "
                "or use DNNClassifier/DNNRegressor, which take sparse input."
            )
        settings = self._settings()
        self.input_ = TabularInput(self.categorical_features, self.max_onehot_categories).fit(X)
        self.n_features_in_ = self.input_.n_features_in_
        if hasattr(self.input_, "feature_names_in_"):
            self.feature_names_in_ = self.input_.feature_names_in_
        Z = self.input_.transform(X)
        numeric = _numeric_embedding(self.feature_embedding, settings)
        n_numeric = len(self.input_.numeric_features_)
        cardinalities = [int(k) for k in self.input_.cardinalities_]
        first = None
        if cardinalities or (numeric is not None and n_numeric):
            first = layers.TabularEmbedding(
                numeric, n_numeric, cardinalities, settings["categorical_embedding_dim"]
            )
        for key in ("periodic", "piecewise_linear", "categorical_embedding_dim"):
            settings.pop(key)
        settings.pop("max_onehot_categories")
        settings["batch_size"] = _batch_size(
            settings["batch_size"],
            settings.pop("min_batches_per_epoch"),
            Z.shape[0],
            settings["validation_fraction"],
        )
        settings["feature_embedding"] = first
        settings["max_iter"] = _epochs(
            settings["max_iter"],
            settings.pop("min_steps"),
            max(settings.pop("max_epochs"), settings["max_iter"]),
            settings["batch_size"],
            Z.shape[0],
            settings["validation_fraction"],
        )
        settings["n_iter_no_change"] = settings["max_iter"]  # best epoch, no early stop
        if self._task == "classification":
            settings["class_weight"] = self.class_weight
        self.network_ = self._network_class(**settings)
        with warnings.catch_warnings():
            # max_iter is the schedule's budget, run in full (the best epoch is kept),
            # not a convergence criterion; a small table gets one batch per epoch.
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            warnings.filterwarnings("ignore", message="Got batch_size=")
            try:
                self.network_.fit(Z, y, sample_weight=sample_weight)
            except ValueError as exc:
                if "could not hold out" not in str(exc):
                    raise
                # Too few rows (or a class too rare) to hold any out: every epoch of
                # the schedule trains, and the last one is kept.
                self.network_.set_params(early_stopping=False).fit(
                    Z, y, sample_weight=sample_weight
                )
        self.n_iter_ = self.network_.n_iter_
        return Z

    def _transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        if sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__} takes a dense table, got a sparse "
                f"{type(X).__name__}; densify it with X.toarray()."
            )
        return self.input_.transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.non_deterministic = False
        return tags


class TabularClassifier(ClassifierMixin, _TabularBase):
    __doc__ = (
        """A classifier for raw tables: a tabular-MLP recipe, input handling built in.

    It takes a DataFrame as it comes (numbers, strings, categories, booleans, missing
    values) or an array, and fits the recipe of :data:`skdnn._tabular.RECIPE`: robust
    scaling with smooth clipping, periodic embeddings of the numeric columns, learned
    embeddings of wide categories, an ensemble of MLPs trained at once with dropout, AdamW
    with a cosine schedule over at least 1000 minibatch steps, label smoothing, and the
    best epoch on a held-out split. See :doc:`/user_guide/tabular`.
"""
        + PARAMS_DOC
        + """
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as ``DNNClassifier`` takes them.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels."""
        + ATTRS_DOC.format(net="DNNClassifier")
        + """

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skdnn import TabularClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=200),
    ...                   "colour": rng.choice(["red", "blue", None], size=200)})
    >>> y = (X["x"] > 0) ^ (X["colour"] == "red")
    >>> clf = TabularClassifier(n_ensemble=2, max_iter=10, min_steps=None,
    ...                         random_state=0).fit(X, y)
    >>> clf.predict(X.head(3)).shape
    (3,)
    >>> clf.input_.onehot_features_
    ['colour']
    """
    )

    _task = "classification"
    _network_class = DNNClassifier
    _parameter_constraints: dict = {
        **_TabularBase._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=RECIPE["common"]["hidden_layer_sizes"],
        n_ensemble=RECIPE["common"]["n_ensemble"],
        max_iter=RECIPE["common"]["max_iter"],
        min_steps=RECIPE["common"]["min_steps"],
        learning_rate_init=RECIPE["common"]["learning_rate_init"],
        batch_size=RECIPE["common"]["batch_size"],
        dropout=RECIPE["common"]["dropout"],
        feature_embedding=RECIPE["common"]["feature_embedding"],
        categorical_features="from_dtype",
        max_onehot_categories=RECIPE["common"]["max_onehot_categories"],
        validation_fraction=RECIPE["common"]["validation_fraction"],
        class_weight=None,
        random_state=None,
        backend="numpy",
        n_threads=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_ensemble = n_ensemble
        self.max_iter = max_iter
        self.min_steps = min_steps
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.dropout = dropout
        self.feature_embedding = feature_embedding
        self.categorical_features = categorical_features
        self.max_onehot_categories = max_onehot_categories
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.random_state = random_state
        self.backend = backend
        self.n_threads = n_threads
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the input handling, then the network.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (a 0/1 indicator matrix for multilabel).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : TabularClassifier
        """
        self._fit_network(X, y, sample_weight)
        self.classes_ = self.network_.classes_
        return self

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        Z = self._transform(X)
        return self.network_.predict(Z)

    def predict_proba(self, X):
        """Class probabilities (the ensemble members' mean).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        Z = self._transform(X)
        return self.network_.predict_proba(Z)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        Z = self._transform(X)
        return self.network_.predict_log_proba(Z)

    def predict_proba_members(self, X):
        """Every ensemble member's class probabilities.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_ensemble, n_samples, n_classes)
        """
        Z = self._transform(X)
        return self.network_.predict_proba_members(Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class TabularRegressor(RegressorMixin, _TabularBase):
    __doc__ = (
        """A regressor for raw tables: a tabular-MLP recipe, input handling built in.

    As :class:`TabularClassifier`, for real-valued targets (one or several): the
    targets are standardised inside (weighted mean and standard deviation of the
    training targets) and :meth:`predict` returns the original scale. See
    :doc:`/user_guide/tabular`.
"""
        + PARAMS_DOC
        + """

    Attributes
    ----------
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        The targets' standardisation."""
        + ATTRS_DOC.format(net="DNNRegressor")
        + """

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn import TabularRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = 1000.0 + 50.0 * X[:, 0]
    >>> reg = TabularRegressor(n_ensemble=2, max_iter=10, min_steps=None,
    ...                        random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.8)
    True
    """
    )

    _task = "regression"
    _network_class = DNNRegressor

    def __init__(
        self,
        *,
        hidden_layer_sizes=RECIPE["common"]["hidden_layer_sizes"],
        n_ensemble=RECIPE["common"]["n_ensemble"],
        max_iter=RECIPE["common"]["max_iter"],
        min_steps=RECIPE["common"]["min_steps"],
        learning_rate_init=RECIPE["common"]["learning_rate_init"],
        batch_size=RECIPE["common"]["batch_size"],
        dropout=RECIPE["common"]["dropout"],
        feature_embedding=RECIPE["common"]["feature_embedding"],
        categorical_features="from_dtype",
        max_onehot_categories=RECIPE["common"]["max_onehot_categories"],
        validation_fraction=RECIPE["common"]["validation_fraction"],
        random_state=None,
        backend="numpy",
        n_threads=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_ensemble = n_ensemble
        self.max_iter = max_iter
        self.min_steps = min_steps
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.dropout = dropout
        self.feature_embedding = feature_embedding
        self.categorical_features = categorical_features
        self.max_onehot_categories = max_onehot_categories
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.backend = backend
        self.n_threads = n_threads
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the input handling, then the network on standardised targets.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : TabularRegressor
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        sw = _check_sample_weight(sample_weight, np.empty((y.shape[0], 0)), dtype=np.float64)
        column = y.reshape(y.shape[0], -1)
        total = sw.sum()
        if not total > 0:
            raise ValueError("TabularRegressor: sample_weight must have a positive sum.")
        self.y_mean_ = sw @ column / total
        scale = np.sqrt(sw @ (column - self.y_mean_) ** 2 / total)
        self.y_scale_ = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(self.y_mean_)), scale, 1.0)
        self._fit_network(
            X, (y - self._shape(self.y_mean_, y)) / self._shape(self.y_scale_, y), sample_weight
        )
        return self

    @staticmethod
    def _shape(stat: np.ndarray, y: np.ndarray) -> Any:
        return stat[0] if y.ndim == 1 else stat

    def predict(self, X):
        """Predicted targets, on their original scale (the ensemble members' mean).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        Z = self._transform(X)
        out = np.asarray(self.network_.predict(Z), dtype=np.float64)
        return out * self._shape(self.y_scale_, out) + self._shape(self.y_mean_, out)

    def predict_members(self, X):
        """Every ensemble member's predictions, on the targets' scale.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_ensemble, n_samples) or (n_ensemble, n_samples, n_outputs)
        """
        Z = self._transform(X)
        out = np.asarray(self.network_.predict_members(Z), dtype=np.float64)
        if out.ndim == 2:
            return out * self.y_scale_[0] + self.y_mean_[0]
        return out * self.y_scale_ + self.y_mean_
