"""What the estimators share: parameters, the three ways into training, committing
the fitted attributes, and the forward pass at predict time.

``fit``, ``fit`` with ``warm_start`` and ``partial_fit`` are three rows of one table
(:data:`FRESH`, :data:`WARM`, :data:`RESUME`): each says what a call keeps from the
fitted model, and all of them then run the same loop (:mod:`skdnn._training`). A
subclass supplies the target handling (:meth:`BaseDNN._targets`), the output
transform and the validation score (the early-stopping monitor is
:mod:`skdnn._scoring`).
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer_names
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _embedding, _lbfgs, _threads, backends, initializers, losses, optimizers
from ._batching import TrainingRows, to_backend, validation_split
from ._callbacks import CallbackSupport, SklearnCallbacks, open_fit_task
from ._dropout import Dropout
from ._events import Announcer, Listener, VerbosePrinter
from ._inference import CHUNK, WeightCache, fitted_network, forward_chunks
from ._network import Network
from ._per_layer import dropout_rates, hidden_activations
from ._scoring import ValidationMonitor, same_monitor
from ._stack import build_layers, fitted_params, fresh_params, training_network
from ._training import FitState, History, Settings, Trainer
from ._training_tools import scheduled
from ._utils import shapes, tree_map, warn
from ._validation import (
    check_fits_dtype,
    check_sample_weight,
    check_weight_total,
    check_X,
    check_y,
    hidden_sizes,
    training_dtype,
)
from .layers import BatchDense, Dense, PackedDense


@dataclass(frozen=True)
class Start:
    """What one way into training keeps from the fitted model."""

    name: str  # "fit", "warm_start" or "partial_fit": the FitBegin event's label
    fitted_weights: bool  # start from coefs_ (else fresh weights from the initializer)
    optimizer_state: bool  # resume the optimizer's moments (else fresh ones)
    history: bool  # continue loss_curve_, t_, the stopping counters, validation scores
    random_stream: bool  # continue the stored random stream (else random_state anew)
    incremental: bool  # one epoch, no early stopping, no convergence warning


FRESH = Start("fit", False, False, False, False, incremental=False)
WARM = Start("warm_start", True, False, True, False, incremental=False)
FIRST_PARTIAL = Start("partial_fit", False, False, False, False, incremental=True)
RESUME = Start("partial_fit", True, True, True, True, incremental=True)


@dataclass
class TrainingData:
    """Checked inputs of one call, ready for the backend."""

    X: Any  # validated host array, sparse matrix, or the backend's own array
    native: bool
    y: np.ndarray  # targets as given (labels), for the validation score
    Y: np.ndarray  # encoded float targets, (n_samples, n_outputs)
    sw: np.ndarray | None
    dtype: type
    fitted: dict  # target attributes to commit (classes_, n_outputs_, out_activation_...)
    stratify: np.ndarray | None

    def reconstruction(self, coefs: list, intercepts: list) -> dict:
        """The fitted attributes with which the estimator predicts with these weights."""
        return {
            **self.fitted,
            "n_layers_": len(coefs) + 1,
            "coefs_": coefs,
            "intercepts_": intercepts,
            "_cache": WeightCache(),
        }


@dataclass(frozen=True)
class Plugins:
    """The plugins of one fit, resolved once."""

    backend: Any
    optimizer: Any
    loss: Any
    activation: list  # one per hidden layer
    init: Any
    dropout: tuple  # one rate per hidden layer
    embedding: Any = None  # a new feature-embedding layer, or None


class BaseDNN(CallbackSupport, BaseEstimator):
    """Shared part of :class:`~skdnn.DNNClassifier` and :class:`~skdnn.DNNRegressor`.

    Not meant to be used directly. A subclass sets ``_task`` (``"classification"`` or
    ``"regression"``: the losses it accepts) and supplies ``_targets`` (check and
    encode ``y``), ``_transform`` (raw outputs to predictions), ``_score_outputs``
    (the default early-stopping score) and ``_held_out_responses`` (what a
    scikit-learn scorer gets from the held-out outputs, see :mod:`skdnn._scoring`).
    """

    _task = "classification"

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [str, HasMethods(["forward", "derivative"]), tuple, list],
        "solver": [str, HasMethods(["init", "step"])],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "loss": [str, HasMethods(["value_and_gradient"])],
        "init": [str, callable],
        "backend": [str, HasMethods(["asarray", "to_numpy", "take_rows", "matmul"])],
        "dtype": [
            StrOptions({"float32", "float64"}),
            Options(type, {np.float32, np.float64}),
            Options(np.dtype, {np.dtype(np.float32), np.dtype(np.float64)}),
            None,
        ],
        "dropout": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "feature_embedding": [None, str, HasMethods(["build", "forward", "backward"])],
        "validation_scoring": [None, StrOptions({"loss", *get_scorer_names()}), callable],
        "n_threads": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "lr_schedule": [None, str, HasMethods(["multiplier"])],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
        "ensemble": [StrOptions({"packed", "batch"})],
    }

    # ------------------------------------------------------------ three ways in

    def _fit(self, X, y, sample_weight):
        start = WARM if self.warm_start and hasattr(self, "coefs_") else FRESH
        return self._train(X, y, sample_weight, start)

    def _partial_fit(self, X, y, sample_weight, classes=None):
        if hasattr(self, "coefs_"):
            # _fit_context skips the checks once fitted; a parameter set since (say
            # alpha=-1) must still be refused, not trained with.
            self._validate_params()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        start = RESUME if hasattr(self, "coefs_") else FIRST_PARTIAL
        return self._train(X, y, sample_weight, start, classes)

    def _train(self, X, y, sample_weight, start: Start, classes=None):
        """Check, train and commit; a call that fails leaves the estimator as it was."""
        # scikit-learn's callbacks: the fit task's context lives until _fit_context
        # tears it down, so it is opened before the state a failure restores.
        context = open_fit_task(self, 1 if start.incremental else self.max_iter)
        # validate_data sets n_features_in_ / feature_names_in_ before training can fail.
        saved = dict(self.__dict__)
        callbacks = None
        try:
            plugins = self._plugins()
            data = self._training_data(
                X, y, sample_weight, plugins.backend, start, classes, plugins.loss
            )
            state = self._start_state(start, data, plugins)
            # MLPClassifier's lbfgs ignores early_stopping and batch_size.
            full_batch = plugins.optimizer.full_batch
            early_stopping = self.early_stopping and not start.incremental and not full_batch
            train_idx, val_idx = self._split(data, state.rng) if early_stopping else (None, None)
            Xd = to_backend(data.X, plugins.backend, data.dtype, data.native)
            Yd = plugins.backend.asarray(self._training_targets(data), data.dtype)
            rows = TrainingRows(Xd, Yd, data.sw, train_idx, plugins.backend)
            batch_size = rows.n_train if full_batch else self._batch_size(rows.n_train)
            state.net.allocate(batch_size)
            state.optimizer = scheduled(self, state, start.incremental, rows.n_train, batch_size)
            monitor = (
                ValidationMonitor(self, Xd, data, val_idx, plugins.backend)
                if early_stopping
                else None
            )
            listeners = self._listeners()
            if context is not None:
                callbacks = SklearnCallbacks(
                    self, context, X, y, _metadata(sample_weight), data.reconstruction
                )
                callbacks.begin()
                listeners.append(callbacks)
            threads = _threads.pacer(
                self.n_threads, plugins.backend, state.net.coefs, batch_size, "fit"
            )
            trainer = Trainer(
                state, rows, self._settings(batch_size), monitor, Announcer(listeners), threads
            )
            n_val = 0 if val_idx is None else len(val_idx)
            with threads:  # the BLAS thread count of this fit, restored after it
                end = trainer.run(1 if start.incremental else self.max_iter, start.name, n_val)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        self._commit(data, state, trainer.n_iter, early_stopping)
        if callbacks is not None:
            callbacks.end()
        if full_batch:  # MLPClassifier's lbfgs: no loss curve, and its own warning
            _lbfgs.drop_epoch_attributes(self)
            _lbfgs.check_result(end, trainer.result, self.max_iter)
        elif end.reason == "max_iter":  # after the commit: the warning may be an error
            warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                "the optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        return self

    # ------------------------------------------------------------ the pieces

    def _plugins(self) -> Plugins:
        """Resolve every plugin parameter; errors here leave the estimator untouched."""
        backend = backends.registry.resolve(self.backend)
        if not backend.is_available():
            raise RuntimeError(
                f"backend={self.backend!r} is not available: "
                f"{backend.unavailable_reason() or 'its is_available() returned False.'}"
            )
        optimizer = optimizers.registry.resolve(
            self.solver,
            learning_rate_init=self.learning_rate_init,
            learning_rate=self.learning_rate,
            momentum=self.momentum,
            nesterovs_momentum=self.nesterovs_momentum,
            power_t=self.power_t,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
        )
        loss = losses.registry.resolve(self.loss)
        if self._task not in loss.tasks:
            suitable = [name for name in losses.registry.names() if self._suits(name)]
            raise ValueError(
                f"loss={self.loss!r} is a loss for {' and '.join(loss.tasks)}, not for "
                f"{self._task}: {type(self).__name__} takes one of "
                f"{', '.join(map(repr, suitable))}, or a loss object whose `tasks` "
                f"include {self._task!r}."
            )
        n_hidden = len(hidden_sizes(self.hidden_layer_sizes))
        rates = dropout_rates(self.dropout, n_hidden, self.hidden_layer_sizes)
        if optimizer.full_batch and any(rates):
            raise ValueError(
                f"dropout={self.dropout!r} needs a minibatch solver: solver={self.solver!r} "
                "is full-batch. Use solver='adam' or 'sgd', or dropout=0."
            )
        return Plugins(
            backend=backend,
            optimizer=optimizer,
            loss=loss,
            activation=hidden_activations(self.activation, n_hidden, self.hidden_layer_sizes),
            init=initializers.registry.resolve(self.init),
            dropout=rates,
            embedding=_embedding.resolve(self.feature_embedding),
        )

    def _suits(self, name: str) -> bool:
        """Whether the registered loss ``name`` suits this estimator's task."""
        try:
            return self._task in losses.registry.resolve(name).tasks
        except (TypeError, ValueError):  # a broken third-party plugin: not offered
            return False

    def _training_data(self, X, y, sample_weight, backend, start: Start, classes, loss):
        """X, y and weights checked, and the targets encoded."""
        X, native = check_X(self, X, backend, reset=not start.fitted_weights)
        _embedding.check_dense(self, X)
        if sp.issparse(X) and not backend.supports_sparse:
            raise ValueError(
                f"backend={self.backend!r} does not accept sparse input; densify it with "
                "X.toarray() or use backend='numpy'."
            )
        y = check_y(y, X, backend, type(self).__name__, numeric=self._task == "regression")
        if start.fitted_weights:
            dtype = self.coefs_[0].dtype.type
        else:
            dtype = training_dtype(self.dtype, X)
        check_fits_dtype(X, dtype, "use dtype='float64'", backend.xp if native else np)
        sw = check_sample_weight(sample_weight, X, backend)
        y, Y, fitted, stratify, sw = self._targets(y, start, classes, dtype, sw, loss)
        check_weight_total(sw)
        n_in = self.n_features_in_ if start.fitted_weights else X.shape[1]
        if start.fitted_weights and (n_in != X.shape[1] or self.coefs_[-1].shape[-1] != Y.shape[1]):
            raise ValueError(
                f"warm_start/partial_fit needs the fitted shapes: the model maps "
                f"{n_in} features to {self.coefs_[-1].shape[-1]} outputs, "
                f"the data has {X.shape[1]} features and {Y.shape[1]} outputs. Set "
                "warm_start=False to fit a new model."
            )
        if start.fitted_weights and self._ensemble_layout() != self._fitted_layout:
            raise ValueError(
                f"warm_start/partial_fit needs the fitted ensemble: the model was fitted "
                f"with n_ensemble, ensemble = {self._fitted_layout}, the parameters now "
                f"say {self._ensemble_layout()}. Set them back, or set warm_start=False "
                "to fit a new model."
            )
        return TrainingData(X, native, y, Y, sw, dtype, fitted, stratify)

    def _training_targets(self, data: TrainingData) -> np.ndarray:
        """The training rows' targets (smoothed by the classifier); the held-out keep Y."""
        return data.Y

    def _ensemble_layout(self) -> tuple:
        """``(k, kind)``: the members and their kind (``(1, None)``: a plain network)."""
        k = int(getattr(self, "n_ensemble", 1))
        return (k, self.ensemble) if k > 1 else (1, None)

    @property
    def _fitted_layout(self) -> tuple:
        """The ``(k, kind)`` of the fitted weights."""
        if self.coefs_[0].ndim == 2:
            return (1, None)
        batch = getattr(self, "ensemble_params_", None) is not None
        return (self.coefs_[0].shape[0], "batch" if batch else "packed")

    def _start_state(self, start: Start, data: TrainingData, plugins: Plugins) -> FitState:
        """Parameters, optimizer state, history and random stream, as ``start`` says."""
        backend, dtype = plugins.backend, data.dtype
        rng = (
            copy.deepcopy(self._random_state)
            if start.random_stream
            else (check_random_state(self.random_state))
        )
        n_in, n_out = data.X.shape[1], data.Y.shape[1]
        embedding = _embedding.for_fit(
            self, plugins.embedding, start.fitted_weights, data, backend, rng
        )
        k, kind = self._ensemble_layout()
        sizes = hidden_sizes(self.hidden_layer_sizes)
        layers = build_layers(sizes, n_out, plugins.activation, k, kind, embedding)
        if start.fitted_weights:
            host = fitted_params(self, dtype)
        else:
            host = fresh_params(layers, n_in, rng, dtype, plugins.init, k)
        dropout = Dropout.from_stream(plugins.dropout, backend, rng)
        link, alpha = data.fitted["out_activation_"], float(self.alpha)
        net = training_network(layers, host, plugins, link, alpha, dropout, dtype, k, kind)
        early_stopping = self.early_stopping and not start.incremental
        if start.history:
            history = History.continued(self, early_stopping)
            monitor = getattr(self, "_validation_monitor", None)
            if not same_monitor(monitor, self.validation_scoring):
                history.forget_best()  # the earlier best was another measure
            if early_stopping and np.isfinite(history.best_score):
                # The fitted weights are the best of the earlier calls (restored then).
                history.best_params = net.copy_params()
        else:
            history = History(early_stopping)
        opt_state = plugins.optimizer.init(net.params, backend.xp)
        if start.optimizer_state:
            opt_state = self._stored_optimizer_state(plugins, opt_state)
        return FitState(net, plugins.optimizer, opt_state, history, rng)

    def _stored_optimizer_state(self, plugins: Plugins, fresh: dict) -> dict:
        """The optimizer state saved by the last call, on the backend; ``fresh`` when it
        was saved for another optimizer or parameter layout."""
        if getattr(self, "_optimizer_kind", None) != _kind(plugins.optimizer):
            return fresh
        backend = plugins.backend
        # A copy: the step updates the state in place, and a failed call must leave the
        # stored state as it was.
        state = tree_map(
            lambda a: backend.asarray(np.array(a, copy=True), a.dtype), self._optimizer_state
        )
        if shapes(state) != shapes(fresh):
            warn(
                "The stored optimizer state does not fit this backend's parameter layout; "
                "partial_fit restarts the optimizer's moments."
            )
            return fresh
        return state

    def _split(self, data: TrainingData, rng) -> tuple[np.ndarray, np.ndarray]:
        """Training and validation row indices for early stopping (X is not copied)."""
        return validation_split(
            data.X.shape[0], self.validation_fraction, rng, data.stratify, data.sw
        )

    def _batch_size(self, n_train: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_train)
        if self.batch_size > n_train:
            warn(
                f"Got batch_size={self.batch_size} larger than the {n_train} training "
                "samples; it is clipped to the sample size."
            )
        return int(np.clip(self.batch_size, 1, n_train))

    def _settings(self, batch_size: int) -> Settings:
        return Settings(
            batch_size=batch_size,
            shuffle=bool(self.shuffle),
            tol=float(self.tol),
            n_iter_no_change=self.n_iter_no_change,
            verbose=bool(self.verbose),
        )

    def _listeners(self) -> list[Listener]:
        """Who hears the training loop's events."""
        return [VerbosePrinter()] if self.verbose else []

    def _commit(self, data: TrainingData, state: FitState, n_iter: int, early_stopping: bool):
        """Set every fitted attribute, now that training succeeded."""
        net, history, to_numpy = state.net, state.history, state.net.backend.to_numpy
        coefs, intercepts = tree_map(to_numpy, (net.coefs, net.intercepts))
        for name, value in data.reconstruction(coefs, intercepts).items():
            setattr(self, name, value)
        self.__dict__.pop("ensemble_params_", None)
        if self._ensemble_layout()[1] == "batch":
            self.ensemble_params_ = tree_map(to_numpy, net.layer_params)
        self.loss_curve_ = history.loss_curve
        self.loss_ = history.loss_curve[-1]
        self.best_loss_ = None if early_stopping else history.best_loss
        self.validation_scores_ = history.validation_scores if early_stopping else None
        self.best_validation_score_ = history.best_score if early_stopping else None
        self.validation_loss_curve_ = history.validation_losses if early_stopping else None
        self._validation_monitor = self.validation_scoring
        self.t_ = history.t
        self.n_iter_ = n_iter
        self._no_improvement_count = history.no_improvement
        self._optimizer_state = tree_map(to_numpy, state.opt_state)
        self._optimizer_kind = _kind(state.optimizer)
        self._random_state = state.rng
        first = net.layers[0]  # the feature embedding, when there is one
        self.embedding_ = (
            None
            if isinstance(first, (Dense, PackedDense, BatchDense))
            else _embedding.committed(first, net.layer_params[0], to_numpy)
        )

    # ------------------------------------------------------------ predict

    def _outputs(self, X, transform, width: int, members: bool = False):
        """``transform`` of the raw outputs for ``X``; returns ``(out, backend)``, where
        ``backend`` is None for host input (``out`` is NumPy) or the backend whose own
        array ``X`` was (``out`` is one too). An ensemble's outputs are its members'
        mean, or every member's (``members``: a leading member axis)."""
        check_is_fitted(self)
        activation = hidden_activations(self.activation, len(self.coefs_) - 1)
        net = fitted_network(self, self._backend_plugin(), activation)
        X, native = check_X(self, X, net.backend, reset=False)
        _embedding.check_dense(self, X)
        if sp.issparse(X) and not net.backend.supports_sparse:
            net = Network.dense(
                self.coefs_,
                self.intercepts_,
                activation,
                None,
                self.out_activation_,
                backends.NumpyBackend(),
            )
        check_fits_dtype(
            X,
            self.coefs_[0].dtype,
            "check that X is preprocessed as the training data was",
            net.xp if native else np,
        )
        # A model saved before n_threads existed has no such attribute: the policy.
        n_threads = getattr(self, "n_threads", None)
        rows = min(X.shape[0], CHUNK)
        with _threads.pacer(n_threads, net.backend, net.coefs, rows, "predict") as threads:
            out = forward_chunks(net, X, native, transform, width, threads.units, members)
        return out, (net.backend if native else None)

    # ------------------------------------------------------------ sklearn glue

    def _backend_plugin(self):
        try:
            return backends.registry.resolve(self.backend)
        except (TypeError, ValueError):
            return None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        backend = self._backend_plugin()
        tags.input_tags.sparse = bool(
            backend is not None and backend.supports_sparse and self.feature_embedding is None
        )
        return tags

    def __getstate__(self):
        # Device copies of the weights are a cache; the public attributes are NumPy.
        # A new dict: BaseEstimator may hand back the estimator's own __dict__, and
        # pickling must not change the estimator.
        return {k: v for k, v in super().__getstate__().items() if k != "_cache"}

    def __setstate__(self, state):
        super().__setstate__(state)
        # A model saved by an earlier version lacks the parameters added since: each
        # takes its default, which trains and predicts as that version did.
        for name, param in inspect.signature(type(self).__init__).parameters.items():
            if param.default is not inspect.Parameter.empty:
                self.__dict__.setdefault(name, param.default)
        if "coefs_" in state:
            self._cache = WeightCache()


def _metadata(sample_weight) -> dict | None:
    """What scikit-learn callbacks get as ``metadata``: the weights, when given."""
    return None if sample_weight is None else {"sample_weight": sample_weight}


def _kind(optimizer: Any) -> str:
    """The optimizer's class, by which a stored state is matched to it."""
    cls = type(getattr(optimizer, "__wrapped__", optimizer))
    return f"{cls.__module__}.{cls.__qualname__}"
