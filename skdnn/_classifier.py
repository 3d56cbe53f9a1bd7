"""DNNClassifier: the scikit-learn face of skdnn.

This module owns parameters, validation, labels and the training loop. It resolves the
plugins once per fit and hands dense backend arrays to :class:`skdnn._network.Network`.
"""

from __future__ import annotations

import copy
import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    _check_y,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from . import activations, backends, initializers, losses, optimizers
from ._network import Network, empty

__all__ = ["DNNClassifier"]

# Rows per chunk at predict time: big enough for efficient matrix products, small
# enough that the activations of a chunk stay in cache-friendly, bounded memory.
_PREDICT_CHUNK = 4096

class DNNClassifier(ClassifierMixin, BaseEstimator):
    """Deep neural network classifier trained by minibatch gradient descent.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier` (solvers ``"sgd"``
    and ``"adam"``): every parameter of ``MLPClassifier`` but ``max_fun`` has the same
    name, default and meaning. The loss, weight initializer, activation, optimizer and
    array backend are plugins chosen by name from registries (or passed as objects).

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : str or activation object, default="relu"
        Hidden-layer activation: ``"identity"``, ``"logistic"``, ``"tanh"``,
        ``"relu"``, any name in :data:`skdnn.activations.registry`, or an object with
        ``forward`` and ``derivative`` methods.
    solver : str or optimizer object, default="adam"
        ``"adam"``, ``"sgd"``, any name in :data:`skdnn.optimizers.registry`, or an
        object with ``init`` and ``step`` methods. A named optimizer receives the
        parameters below that its constructor accepts.
    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the batch's total sample weight.
    batch_size : int or "auto", default="auto"
        Minibatch size; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule of ``solver="sgd"``.
    learning_rate_init : float, default=0.001
        Initial learning rate (``"sgd"`` and ``"adam"``).
    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    random_state : int, RandomState instance or None, default=None
        Controls the initial weights, the validation split and the shuffling. An
        int gives bitwise identical results across calls.
    tol : float, default=1e-4
        Tolerance of the stopping rule (see Notes).
    verbose : bool, default=False
        Print one line per epoch: epoch, loss, validation score, seconds.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of new weights.
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``, in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``solver="sgd"``.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data, stop
        when its accuracy stops improving, and keep the weights of the best epoch.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping=True``.
    beta_1 : float, default=0.9
        Decay of Adam's first moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay of Adam's second moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int, default=10
        Number of consecutive epochs without improvement by more than ``tol`` that
        stops training.
    loss : str or loss object, default="cross_entropy"
        ``"cross_entropy"`` (softmax or logistic log-loss), ``"mse"``, any name in
        :data:`skdnn.losses.registry`, or an object with ``value_and_gradient``.
    init : str or callable, default="xavier"
        Weight initializer: ``"xavier"`` (Glorot normal), ``"xavier_uniform"``,
        ``"gaussian"`` (std 0.01), ``"he"``, any name in
        :data:`skdnn.initializers.registry`, or a callable
        ``(fan_in, fan_out, rng, dtype) -> ndarray``.
    backend : str or backend object, default="numpy"
        Where the arrays live: ``"numpy"`` (CPU), ``"cupy"`` (NVIDIA GPU), any name in
        :data:`skdnn.backends.registry`, or a backend object. For a GPU backend in
        ``GridSearchCV``, keep ``n_jobs=1`` or run the search under
        ``joblib.parallel_config(backend="threading")``: worker processes would each
        open their own CUDA context on the same device.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. ``"balanced"``
        uses ``n_samples / (n_classes * np.bincount(y))``.
    dtype : {"float32", "float64"}, numpy float32/float64 (type or dtype) or None, \
            default=None
        Training precision. None follows the input: float32 data trains in float32
        (fast, and X is not copied), anything else in float64.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_labels)`` for multilabel targets).
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape ``(fan_in, fan_out)``; always NumPy.
    intercepts_ : list of ndarray
        Bias vectors; always NumPy.
    loss_ : float
        Training loss of the last epoch.
    loss_curve_ : list of float
        Training loss of every epoch.
    best_loss_ : float or None
        Lowest training loss reached (None with ``early_stopping=True``).
    validation_scores_ : list of float or None
        Validation accuracy of every epoch with ``early_stopping=True``.
    best_validation_score_ : float or None
        Best validation accuracy with ``early_stopping=True``.
    t_ : int
        Number of training samples seen.
    n_iter_ : int
        Number of epochs run.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output link: ``"softmax"`` (multiclass) or ``"logistic"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X has string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The reference this estimator mirrors.

    Notes
    -----
    Stopping rule: after each epoch, the epoch counts as "no improvement" when its
    training loss is greater than ``best_loss - tol`` (with ``early_stopping=True``:
    when its validation accuracy is less than ``best_score + tol``). Training stops
    after ``n_iter_no_change`` such consecutive epochs (``MLPClassifier`` waits one
    more), unless the optimizer lowers its learning rate instead
    (``learning_rate="adaptive"``). Reaching ``max_iter`` first raises a
    ``ConvergenceWarning``.

    The default ``dtype=None`` keeps float64 for float64 input because scikit-learn's
    checks compare fits to a relative 1e-7, which float32 arithmetic cannot meet;
    pass float32 data (or ``dtype="float32"``) for speed.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdnn import DNNClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DNNClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [str, HasMethods(["forward", "derivative"])],
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
        "loss": [str, HasMethods(["value_and_gradient"])],
        "init": [str, callable],
        "backend": [str, HasMethods(["asarray", "to_numpy", "take_rows", "matmul"])],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "dtype": [
            StrOptions({"float32", "float64"}),
            Options(type, {np.float32, np.float64}),
            Options(np.dtype, {np.dtype(np.float32), np.dtype(np.float64)}),
            None,
        ],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        loss="cross_entropy",
        init="xavier",
        backend="numpy",
        class_weight=None,
        dtype=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.loss = loss
        self.init = init
        self.backend = backend
        self.class_weight = class_weight
        self.dtype = dtype

    # ------------------------------------------------------------------ fit API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse CSR/CSC input needs a backend that supports it
            (``"numpy"``).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights; the loss is their weighted mean.

        Returns
        -------
        self : DNNClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over the given data, continuing from the current state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear. Required on the first call (except for
            multilabel targets); later calls may omit it.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights.

        Returns
        -------
        self : DNNClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ------------------------------------------------------------ predict API

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_`` (for multilabel targets,
            the independent probability of each label).
        """
        return self._map_chunks(X, proba=True)[0]

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``, finite wherever the probability is
            representable.
        """
        raw, backend = self._map_chunks(X, proba=False)
        xp = np if backend is None else backend.xp
        if self.out_activation_ == "softmax":
            return _log_softmax(raw, xp)
        if self._binary:
            # log(1 - sigmoid(z)) = log(sigmoid(-z)): no cancellation near p = 1.
            return xp.concat([_log_sigmoid(-raw, xp), _log_sigmoid(raw, xp)], axis=1)
        return _log_sigmoid(raw, xp)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels (a 0/1 indicator matrix for multilabel targets).
        """
        P, backend = self._map_chunks(X, proba=True)
        if backend is None:
            if self._multilabel:
                return (P > 0.5).astype(int)
            # Multiclass, and binary with its two columns: ties go to the first class.
            return self.classes_[np.argmax(P, axis=1)]
        xp = backend.xp
        if self._multilabel:
            return xp.astype(P > 0.5, xp.int64)
        idx = xp.argmax(P, axis=1)
        if self.classes_.dtype.kind in "biuf":  # numeric labels live on the device too
            return xp.take(backend.asarray(self.classes_, self.classes_.dtype), idx, axis=0)
        return self.classes_[backend.to_numpy(idx)]  # strings stay on the host

    # ------------------------------------------------------------ sklearn glue

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(getattr(self._backend_plugin(), "supports_sparse", False))
        tags.classifier_tags.multi_label = True
        return tags

    def __getstate__(self):
        # Device copies of the weights are a cache; the public attributes are NumPy.
        # A new dict: BaseEstimator may hand back the estimator's own __dict__, and
        # pickling must not change the estimator.
        return {k: v for k, v in super().__getstate__().items() if k != "_cache"}

    def __setstate__(self, state):
        super().__setstate__(state)
        if "coefs_" in state:
            self._cache = _WeightCache()

    # ----------------------------------------------------------------- helpers

    def _backend_plugin(self):
        try:
            return backends.registry.resolve(self.backend)
        except (TypeError, ValueError):
            return None

    def _resolve_plugins(self) -> dict:
        """Resolve every plugin parameter; errors here leave the estimator untouched."""
        backend = backends.registry.resolve(self.backend)
        reason = backend.unavailable_reason() if hasattr(backend, "unavailable_reason") else ""
        if not backend.is_available():
            raise RuntimeError(
                f"backend={self.backend!r} is not available: "
                f"{reason or 'its is_available() returned False.'}"
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
        )
        return {
            "backend": backend,
            "optimizer": optimizer,
            "loss": losses.registry.resolve(self.loss),
            "activation": activations.registry.resolve(self.activation),
            "init": initializers.registry.resolve(self.init),
        }

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        for s in sizes:
            if not isinstance(s, Integral) or isinstance(s, bool) or s < 1:
                raise ValueError(
                    "hidden_layer_sizes must contain positive integers, got "
                    f"{self.hidden_layer_sizes!r}."
                )
        return [int(s) for s in sizes]

    def _validate_targets(self, y, incremental: bool, classes, first: bool):
        """Check y and work out the label encoding; touches no attribute."""
        if sp.issparse(y):
            y = y.toarray()
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.dtype == object:
            # Labels must sort: str next to numbers (or None) cannot be ordered.
            kinds = {"number" if isinstance(v, Real) else type(v).__name__ for v in y.ravel()}
            if len(kinds) > 1:
                raise ValueError(
                    f"y mixes labels of types {sorted(kinds)}; labels must all be numbers "
                    "or all be strings. Convert them to one type, e.g. y.astype(str)."
                )
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass", "multilabel-indicator"):
            check_classification_targets(y)  # scikit-learn's error for regression targets
            raise ValueError(
                f"DNNClassifier supports binary, multiclass and multilabel-indicator "
                f"targets; got {target_type!r}. For several multiclass outputs, wrap it "
                "in sklearn.multioutput.MultiOutputClassifier."
            )
        multilabel = target_type == "multilabel-indicator"
        if first:
            if multilabel:
                classes_ = np.arange(y.shape[1])
            elif incremental:
                if classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit: give "
                        "every label that will ever appear, e.g. classes=np.unique(y_all)."
                    )
                classes_ = _check_classes(classes)
            else:
                classes_ = np.unique(y)
            if not multilabel and len(classes_) < 2:
                found = f"only one class: {classes_[0]!r}" if len(classes_) else "no class"
                raise ValueError(
                    "This solver needs samples of at least 2 classes in the data, but "
                    f"the data contains {found}. Provide data with at least two classes."
                )
        else:
            if multilabel != self._multilabel:
                raise ValueError(
                    f"y is {target_type!r} but the model was fitted on "
                    f"{'multilabel' if self._multilabel else 'single-label'} targets."
                )
            classes_ = self.classes_
            if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), classes_):
                raise ValueError(
                    f"classes={np.asarray(classes)!r} differs from classes_={classes_!r} "
                    "of the earlier calls; partial_fit cannot change the set of classes."
                )
        if multilabel:
            if y.shape[1] != len(classes_):
                raise ValueError(
                    f"y has {y.shape[1]} label columns but the model was fitted with "
                    f"{len(classes_)}."
                )
            values = np.unique(y)
            if not np.isin(values, [0, 1]).all():
                raise ValueError(
                    f"A multilabel indicator y must hold only 0 and 1, got the values "
                    f"{values.tolist()!r}. Pass (y > 0).astype(int) or a 0/1 matrix."
                )
        else:
            unseen = np.setdiff1d(np.unique(y), classes_)
            if unseen.size:
                if incremental:
                    hint = "partial_fit can only learn the classes given on its first call"
                else:
                    hint = (
                        "warm_start can only be used where y has the same classes as "
                        "in the previous call to fit"
                    )
                raise ValueError(
                    f"y contains labels {unseen.tolist()!r} not in classes_ "
                    f"{classes_.tolist()!r}: {hint}."
                )
        return y, classes_, multilabel

    def _encode(self, y, classes_, multilabel: bool, dtype) -> np.ndarray:
        """Targets as an (n, n_outputs) float array."""
        if multilabel:
            return y.astype(dtype)
        if len(classes_) == 2:
            return (y == classes_[1]).astype(dtype)[:, None]
        Y = np.zeros((y.shape[0], len(classes_)), dtype=dtype)
        Y[np.arange(y.shape[0]), np.searchsorted(classes_, y)] = 1
        return Y

    def _fit(self, X, y, sample_weight, incremental: bool, classes=None):
        # validate_data sets n_features_in_ / feature_names_in_ before training can
        # fail; restore the previous attributes so a failed call changes nothing.
        saved = dict(self.__dict__)
        try:
            return self._fit_checked(X, y, sample_weight, incremental, classes)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit_checked(self, X, y, sample_weight, incremental: bool, classes=None):
        fitted = hasattr(self, "coefs_")
        first = not (incremental and fitted)
        reuse = fitted and (incremental or self.warm_start)
        if not first:
            # _fit_context skips the checks for partial_fit once fitted; a parameter
            # set since (say alpha=-1) must still be refused, not trained with.
            self._validate_params()
        plugins = self._resolve_plugins()
        backend = plugins["backend"]
        hidden = self._hidden_sizes()

        native = _owns(backend, X)
        if native:  # the backend's own array: checked where it lives, never copied out
            X = self._check_device_X(X, backend, reset=first)
            y = _check_y(_host(backend, y), multi_output=True)
            sample_weight = _host(backend, sample_weight)
            check_consistent_length(X, y)
        else:
            X, y = validate_data(
                self,
                X,
                y,
                reset=first,
                accept_sparse=["csr", "csc"],
                dtype=[np.float64, np.float32],
                multi_output=True,
            )
        if sp.issparse(X) and not getattr(backend, "supports_sparse", False):
            raise ValueError(
                f"backend={self.backend!r} does not accept sparse input; densify it with "
                "X.toarray() or use backend='numpy'."
            )
        if first and not reuse:
            dtype = (
                np.dtype(self.dtype).type
                if self.dtype is not None
                else (np.float32 if _dtype_name(X) == "float32" else np.float64)
            )
        else:
            dtype = self.coefs_[0].dtype.type
        _check_fits_dtype(X, dtype, "use dtype='float64'", backend.xp if native else np)
        y, classes_, multilabel = self._validate_targets(y, incremental, classes, first)
        if reuse and not incremental and not np.array_equal(classes_, self.classes_):
            raise ValueError(
                f"warm_start can only be used where y has the same classes as in the "
                f"previous call to fit: previously {self.classes_.tolist()!r}, now "
                f"{classes_.tolist()!r}."
            )
        n_samples = X.shape[0]
        sw = self._sample_weight(sample_weight, X, y, classes_, incremental)

        n_outputs = 1 if (len(classes_) == 2 and not multilabel) else len(classes_)
        out_activation = "softmax" if (n_outputs > 1 and not multilabel) else "logistic"
        if reuse and (
            self.coefs_[0].shape[0] != X.shape[1] or self.coefs_[-1].shape[1] != n_outputs
        ):
            raise ValueError(
                f"warm_start/partial_fit needs the fitted shapes: the model maps "
                f"{self.coefs_[0].shape[0]} features to {self.coefs_[-1].shape[1]} outputs, "
                f"the data has {X.shape[1]} features and {n_outputs} outputs. Set "
                "warm_start=False to fit a new model."
            )

        # Random state: continue the stored stream for partial_fit, else start anew.
        if reuse and incremental:
            rng = copy.deepcopy(self._random_state)
        else:
            rng = check_random_state(self.random_state)

        # Parameters: a fresh copy on the device, committed only when training ends well.
        if reuse:
            coefs = [backend.asarray(np.array(W, dtype=dtype), dtype) for W in self.coefs_]
            intercepts = [
                backend.asarray(np.array(b, dtype=dtype), dtype) for b in self.intercepts_
            ]
        else:
            sizes = [X.shape[1], *hidden, n_outputs]
            host = [plugins["init"](a, b, rng, dtype) for a, b in zip(sizes[:-1], sizes[1:])]
            for i, W in enumerate(host):
                if not isinstance(W, np.ndarray) or W.shape != (sizes[i], sizes[i + 1]):
                    raise ValueError(
                        f"init={self.init!r} returned {type(W).__name__} of shape "
                        f"{getattr(W, 'shape', None)}; expected an ndarray of shape "
                        f"{(sizes[i], sizes[i + 1])}."
                    )
            coefs = [backend.asarray(W, dtype) for W in host]
            intercepts = [backend.asarray(np.zeros(b, dtype=dtype), dtype) for b in sizes[1:]]

        # Train / validation split by index: X itself is never copied.
        early_stopping = self.early_stopping and not incremental
        if early_stopping:
            train_idx, val_idx = self._split(y, multilabel, rng, n_samples)
        else:
            train_idx, val_idx = None, None
        n_train = n_samples if train_idx is None else len(train_idx)

        batch_size = self._batch_size(n_train)
        Y = self._encode(y, classes_, multilabel, dtype)
        net = Network(
            coefs,
            intercepts,
            plugins["activation"],
            plugins["loss"],
            out_activation,
            backend,
            alpha=float(self.alpha),
            flat=True,
        )
        xp = backend.xp
        optimizer = plugins["optimizer"]
        opt_kind = f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"
        if (
            incremental
            and fitted
            and getattr(self, "_optimizer_state", None) is not None
            and getattr(self, "_optimizer_kind", None) == opt_kind
        ):
            # Copy: the step updates the state in place, and a failed call must leave
            # the stored state as it was.
            opt_state = _tree_map(
                lambda a: backend.asarray(np.array(a, copy=True), a.dtype), self._optimizer_state
            )
            fresh = optimizer.init(net.params, xp)
            if _shapes(opt_state) != _shapes(fresh):
                # Saved for another parameter layout (another backend): start afresh.
                warnings.warn(
                    "The stored optimizer state does not fit this backend's parameter "
                    "layout; partial_fit restarts the optimizer's moments.",
                    UserWarning,
                    stacklevel=5,
                )
                opt_state = fresh
        else:
            opt_state = optimizer.init(net.params, xp)

        fits = getattr(backend, "fits", None)
        if not native and not sp.issparse(X) and fits is not None and not fits(X):
            Xd = _HostRows(X, backend, dtype)  # too big for the device: moved per batch
        else:
            Xd = backend.asarray(X, dtype)
        Yd = backend.asarray(Y, dtype)
        swd = None if sw is None else backend.asarray(sw, dtype)
        net.allocate(batch_size)

        history = _History.start(self if reuse else None)
        max_epochs = 1 if incremental else self.max_iter
        converged = False
        # A diverging run is reported once, as an error, not as floating-point warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                for _ in range(max_epochs):
                    tic = time.perf_counter()
                    order = train_idx
                    if self.shuffle:
                        order = (
                            rng.permutation(n_train)
                            if train_idx is None
                            else rng.permutation(train_idx)
                        )
                    epoch_loss = self._run_epoch(
                        net, optimizer, opt_state, Xd, Yd, sw, swd, order, n_train, batch_size
                    )
                    history.t += n_train
                    history.n_iter += 1
                    if not np.isfinite(epoch_loss):
                        raise ValueError(
                            f"The training loss or the weights became {epoch_loss} at epoch "
                            f"{history.n_iter}: "
                            "training diverged. Lower learning_rate_init, scale the features "
                            "(e.g. StandardScaler), or check X for huge values. The estimator "
                            "was left as it was before this call."
                        )
                    history.loss_curve.append(epoch_loss)
                    if hasattr(optimizer, "end_epoch"):
                        optimizer.end_epoch(opt_state, history.t)
                    score = None
                    if early_stopping:
                        score = self._validation_score(
                            net, backend, Xd, y, val_idx, sw, classes_, multilabel, out_activation
                        )
                    if self.verbose:
                        msg = f"Iteration {history.n_iter}, loss = {epoch_loss:.8f}"
                        if score is not None:
                            msg += f", validation score = {score:.6f}"
                        print(f"{msg}, time = {time.perf_counter() - tic:.2f}s")
                    if incremental:
                        history.update_best_loss(epoch_loss, self.tol)
                        continue
                    stalled = (
                        history.update(epoch_loss, score, self.tol, net) >= self.n_iter_no_change
                    )
                    if stalled:
                        stop = (
                            optimizer.on_plateau(opt_state, self.verbose)
                            if hasattr(optimizer, "on_plateau")
                            else True
                        )
                        if stop:
                            if self.verbose:
                                what = "Validation score" if early_stopping else "Training loss"
                                print(
                                    f"{what} did not improve more than tol={self.tol} for "
                                    f"{self.n_iter_no_change} consecutive epochs. Stopping."
                                )
                            converged = True
                            break
                        history.no_improvement = 0
            except KeyboardInterrupt:
                warnings.warn("Training interrupted by user.", UserWarning, stacklevel=5)
                if not history.loss_curve or not _all_finite(net.params, xp):
                    raise  # nothing consistent to keep: the previous state stays
                converged = True

        if early_stopping and history.best_params is not None:
            net.coefs, net.intercepts = history.best_params
        if not incremental and not converged:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                "the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=5,
            )

        # Commit: every attribute is set only now, after training succeeded.
        self.classes_ = classes_
        self._multilabel = multilabel
        self.n_outputs_ = n_outputs
        self.out_activation_ = out_activation
        self.n_layers_ = len(net.coefs) + 1
        self.coefs_ = [backend.to_numpy(W) for W in net.coefs]
        self.intercepts_ = [backend.to_numpy(b) for b in net.intercepts]
        self.loss_curve_ = history.loss_curve
        self.loss_ = history.loss_curve[-1]
        self.best_loss_ = None if early_stopping else history.best_loss
        self.validation_scores_ = history.validation_scores if early_stopping else None
        self.best_validation_score_ = history.best_score if early_stopping else None
        self.t_ = history.t
        self.n_iter_ = history.n_iter
        self._no_improvement_count = history.no_improvement
        self._optimizer_state = _tree_map(backend.to_numpy, opt_state)
        self._optimizer_kind = opt_kind
        self._random_state = rng
        self._cache = _WeightCache()
        return self

    def _check_device_X(self, X, backend, reset: bool):
        """Validate a backend array ``X`` where it lives (shape, dtype, finiteness)."""
        xp = backend.xp
        if X.ndim != 2:
            raise ValueError(
                f"Expected 2D array, got {X.ndim}D {type(X).__name__} of shape "
                f"{tuple(X.shape)} instead. Reshape it to (n_samples, n_features)."
            )
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) and {X.shape[1]} feature(s) "
                f"(shape={tuple(X.shape)}) while a minimum of 1 is required."
            )
        if _dtype_name(X) not in ("float32", "float64"):
            X = xp.astype(X, xp.float64)
        if not bool(xp.all(xp.isfinite(X))):
            raise ValueError(
                "Input X contains NaN or infinity. Remove or impute those values first."
            )
        validate_data(self, X, reset=reset, skip_check_array=True)
        return X

    def _sample_weight(self, sample_weight, X, y, classes_, incremental):
        """Validated per-sample weights times class weights, or None (all equal)."""
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if self.class_weight is not None:
            if incremental and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' is not supported for partial_fit: the class "
                    "frequencies of one batch are not those of the data. Pass a dict "
                    "of weights computed on the whole data instead."
                )
            if isinstance(self.class_weight, dict) and y.ndim == 1:
                cw = self._class_weight_dict(classes_)[np.searchsorted(classes_, y)]
            else:
                cw = compute_sample_weight(self.class_weight, y)
            sw = cw if sw is None else sw * cw
        if sw is not None:
            if not np.all(np.isfinite(sw)):
                raise ValueError(
                    "sample_weight holds NaN or infinity; every weight must be a finite, "
                    "non-negative number."
                )
            total = float(np.sum(sw))
            if not total > 0:
                raise ValueError(
                    "The sample weights sum to zero: at least one sample needs a positive weight."
                )
        return sw

    def _class_weight_dict(self, classes_) -> np.ndarray:
        """Weights of ``classes_`` from the dict ``class_weight`` (1 where not listed)."""
        known = set(classes_.tolist())
        unknown = [k for k in self.class_weight if k not in known]
        if unknown:
            raise ValueError(
                f"class_weight has keys {unknown!r} that are not classes "
                f"{classes_.tolist()!r}; give weights only for labels that appear in y."
            )
        weights = np.array([self.class_weight.get(c, 1.0) for c in classes_.tolist()])
        if weights.dtype.kind not in "biuf" or not np.all(np.isfinite(weights) & (weights >= 0)):
            raise ValueError(
                f"class_weight={self.class_weight!r} must map classes to finite, "
                "non-negative numbers."
            )
        return weights.astype(np.float64)

    def _split(self, y, multilabel, rng, n_samples):
        n_val = int(round(self.validation_fraction * n_samples))
        if n_val < 1 or n_val >= n_samples:
            raise ValueError(
                f"early_stopping=True with validation_fraction={self.validation_fraction} "
                f"leaves {n_val} of {n_samples} samples for validation; use more data or "
                "another validation_fraction."
            )
        stratify = None if multilabel else y
        try:
            return train_test_split(
                np.arange(n_samples),
                test_size=self.validation_fraction,
                random_state=rng,
                stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                f"early_stopping=True could not hold out a stratified "
                f"validation_fraction={self.validation_fraction} of {n_samples} samples "
                f"({exc}). Use more data, a larger validation_fraction, or "
                "early_stopping=False."
            ) from exc

    def _batch_size(self, n_train: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_train)
        if self.batch_size > n_train:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the {n_train} training "
                "samples; it is clipped to the sample size.",
                UserWarning,
                stacklevel=6,
            )
        return int(np.clip(self.batch_size, 1, n_train))

    def _run_epoch(self, net, optimizer, opt_state, Xd, Yd, sw, swd, order, n_train, batch_size):
        """One pass over the training rows; returns the epoch's mean loss (host float)."""
        backend = net.backend
        if order is not None:
            order_d = backend.asarray(order, np.int64)
            if sw is not None:
                sw_order = sw[order]
        bufs = [None, None]  # gather buffers, reused by every batch of the epoch
        if order is not None:
            bufs = [
                None
                if isinstance(A, _HostRows)
                else empty(backend, (batch_size, *A.shape[1:]), A.dtype)
                for A in (Xd, Yd)
            ]
        total = 0.0
        weight_total = 0.0
        losses_d = None
        for start in range(0, n_train, batch_size):
            stop = min(start + batch_size, n_train)
            rows = slice(start, stop) if order is None else order[start:stop]
            idx = rows if order is None else order_d[start:stop]
            if sw is None:
                sw_sum = float(stop - start)
                swb = None
            else:
                sw_sum = float(
                    np.sum(sw_order[start:stop] if order is not None else sw[start:stop])
                )
                if sw_sum == 0.0:
                    continue  # nothing to learn from a batch of zero weight
                swb = backend.take_rows(swd, idx)
            Xb = _take(backend, Xd, rows, idx, bufs[0])
            Yb = _take(backend, Yd, rows, idx, bufs[1])
            loss = net.train_step(Xb, Yb, swb, sw_sum, optimizer, opt_state)
            # Accumulate on the device: one synchronisation per epoch, not per batch.
            losses_d = loss * sw_sum if losses_d is None else losses_d + loss * sw_sum
            weight_total += sw_sum
        if losses_d is not None:
            # The one synchronisation of the epoch. 0 * max|p| is NaN exactly when a
            # weight is not finite, so the loss also reports weights that overflowed.
            xp = backend.xp
            total = float(losses_d + 0.0 * sum(xp.max(xp.abs(p)) for p in net.params))
        return total / weight_total if weight_total else float("nan")

    def _validation_score(
        self, net, backend, Xd, y, val_idx, sw, classes_, multilabel, out_activation
    ):
        """Accuracy (sample-weighted) of the current network on the held-out rows."""
        correct = np.empty(len(val_idx), dtype=bool)
        for start in range(0, len(val_idx), _PREDICT_CHUNK):
            rows = val_idx[start : start + _PREDICT_CHUNK]
            Xb = _take(backend, Xd, rows, backend.asarray(rows, np.int64))
            P = backend.to_numpy(net.predict_proba(Xb))
            yb = y[rows]
            if out_activation == "softmax":
                correct[start : start + len(rows)] = classes_[np.argmax(P, axis=1)] == yb
            elif multilabel:
                correct[start : start + len(rows)] = np.all((P > 0.5) == (yb > 0), axis=1)
            else:
                correct[start : start + len(rows)] = classes_[(P[:, 0] > 0.5).astype(int)] == yb
        weights = None if sw is None else sw[val_idx]
        if weights is not None and weights.sum() > 0:
            return float(np.average(correct, weights=weights))
        return float(np.mean(correct))

    def _predict_network(self):
        """A Network over the fitted weights on the fitted backend (NumPy if it is gone).

        On the host the network simply wraps ``coefs_``; on a device the copies are
        kept in ``_cache`` (made at fit, filled on first use, dropped by pickling), so
        that predicting does not change the estimator's ``__dict__``.
        """
        activation = activations.registry.resolve(self.activation)
        backend = self._backend_plugin()
        if (
            backend is None
            or not backend.is_available()
            or isinstance(backend, backends.NumpyBackend)
        ):
            return Network(
                self.coefs_,
                self.intercepts_,
                activation,
                None,
                self.out_activation_,
                backends.NumpyBackend(),
            )
        cache = self._cache  # made by fit and by unpickling
        key = (self.backend, self.activation, self.out_activation_)
        sources = (*self.coefs_, *self.intercepts_)
        if cache.key != key or not _same_objects(cache.sources, sources):
            coefs = [backend.asarray(W, W.dtype) for W in self.coefs_]
            intercepts = [backend.asarray(b, b.dtype) for b in self.intercepts_]
            cache.net = Network(coefs, intercepts, activation, None, self.out_activation_, backend)
            cache.key, cache.sources = key, sources
        return cache.net

    @property
    def _binary(self) -> bool:
        """Two classes predicted through one logistic output."""
        return self.n_outputs_ == 1 and not self._multilabel

    def _map_chunks(self, X, proba: bool):
        """Probabilities (``proba=True``) or logits of the network's outputs, chunk by chunk.

        Returns ``(out, backend)``: ``backend`` is None for host input (``out`` is NumPy),
        or the backend whose own array ``X`` was (``out`` is one of its arrays too).
        """
        check_is_fitted(self)
        net = self._predict_network()
        backend = net.backend
        native = _owns(backend, X)
        if native:
            X = self._check_device_X(X, backend, reset=False)
        else:
            X = validate_data(
                self, X, reset=False, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
            )
        if sp.issparse(X) and not getattr(backend, "supports_sparse", False):
            backend = backends.NumpyBackend()
            net = Network(
                self.coefs_, self.intercepts_, net.activation, None, self.out_activation_, backend
            )
        dtype = self.coefs_[0].dtype
        _check_fits_dtype(
            X,
            dtype,
            "check that X is preprocessed as the training data was",
            backend.xp if native else np,
        )
        xp = backend.xp
        # Host input moves to the backend one chunk at a time (never all of X at once).
        Xd = backend.asarray(X, dtype) if native or sp.issparse(X) else _HostRows(X, backend, dtype)
        n = X.shape[0]
        binary = proba and self._binary
        chunks = []
        for start in range(0, n, _PREDICT_CHUNK):
            rows = slice(start, min(start + _PREDICT_CHUNK, n))
            raw = net.forward(_take(backend, Xd, rows, rows))
            if binary:
                # P(class 0) = sigmoid(-z), not 1 - sigmoid(z): exact where p is tiny.
                part = xp.concat(
                    [
                        losses.apply_link(-raw, "logistic", xp),
                        losses.apply_link(raw, "logistic", xp),
                    ],
                    axis=1,
                )
            elif proba:
                part = losses.apply_link(raw, self.out_activation_, xp)
            else:
                part = raw
            chunks.append(part if native else backend.to_numpy(part))
        if native:
            return xp.concat(chunks, axis=0), backend
        if not chunks:
            return np.empty((0, 2 if binary else self.n_outputs_), dtype=dtype), None
        return np.concatenate(chunks, axis=0), None


def _take(backend, A, rows, rows_d, buf=None):
    """Minibatch rows of ``A``: by host index ``rows`` when ``A`` is streamed from the
    host, else by device index ``rows_d`` (into the reused buffer ``buf`` if given)."""
    if isinstance(A, _HostRows):
        return A.take(rows)
    n = rows.stop - rows.start if isinstance(rows, slice) else len(rows)
    return backend.take_rows(A, rows_d, out=None if buf is None else buf[:n, ...])


class _WeightCache:
    """Device copies of the fitted weights (a Network), and what they were made from.

    ``key`` holds the backend and the activations, ``sources`` the host weight arrays
    themselves: another backend or other weight arrays make new copies. Arrays are
    compared by identity, not element by element, so a change in place is not seen.
    """

    __slots__ = ("key", "net", "sources")

    def __init__(self):
        self.key = None
        self.net = None
        self.sources = ()


def _same_objects(a, b) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


class _HostRows:
    """Training rows kept on the host and moved to the device one minibatch at a time.

    Used when the backend says X does not fit in its memory (``backend.fits``).
    """

    def __init__(self, X, backend, dtype):
        self.X, self.backend, self.dtype = X, backend, dtype
        self.shape = X.shape

    def take(self, rows):
        """Rows (a host index array or a slice) as a device array."""
        part = self.X[rows] if isinstance(rows, slice) else np.take(self.X, rows, axis=0)
        return self.backend.asarray(part, self.dtype)


class _History:
    """Loss curve, validation scores and the stopping counters of a training run."""

    def __init__(self):
        self.loss_curve: list[float] = []
        self.validation_scores: list[float] = []
        self.best_loss = np.inf
        self.best_score = -np.inf
        self.best_params = None
        self.no_improvement = 0
        self.t = 0
        self.n_iter = 0

    @classmethod
    def start(cls, previous: DNNClassifier | None) -> _History:
        """A fresh history, or one continuing ``previous``'s (warm start, partial_fit)."""
        h = cls()
        if previous is not None:
            h.loss_curve = list(previous.loss_curve_)
            h.best_loss = previous.best_loss_ if previous.best_loss_ is not None else np.inf
            h.no_improvement = getattr(previous, "_no_improvement_count", 0)
            h.t = previous.t_
            h.n_iter = previous.n_iter_
        return h

    def update_best_loss(self, loss: float, tol: float) -> int:
        """Count an epoch against the training-loss rule; returns the counter."""
        if loss > self.best_loss - tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        self.best_loss = min(self.best_loss, loss)
        return self.no_improvement

    def update(self, loss: float, score: float | None, tol: float, net: Network) -> int:
        """Count an epoch against the stopping rule; returns the counter."""
        if score is None:
            return self.update_best_loss(loss, tol)
        self.validation_scores.append(score)
        if score < self.best_score + tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        if score > self.best_score:
            self.best_score = score
            xp = net.xp
            self.best_params = (
                [_copy(W, xp) for W in net.coefs],
                [_copy(b, xp) for b in net.intercepts],
            )
        return self.no_improvement


def _all_finite(arrays, xp) -> bool:
    """Whether every array holds only finite numbers (one host sync per array)."""
    return all(bool(xp.all(xp.isfinite(a))) for a in arrays)


def _check_fits_dtype(X, dtype, remedy: str, xp=np) -> None:
    """Raise if casting the validated ``X`` to ``dtype`` would overflow to infinity."""
    dtype = np.dtype(dtype)
    if np.dtype(_dtype_name(X)).itemsize <= dtype.itemsize:
        return
    data = X.data if sp.issparse(X) else X
    if data.shape[0] == 0 or (sp.issparse(X) and data.size == 0):
        return
    big = float(np.finfo(dtype).max)
    peak = max(float(xp.max(data)), -float(xp.min(data)))  # no |X| temporary
    if peak > big:
        raise ValueError(
            f"X holds a value of magnitude {peak:.3g}, beyond the {dtype.name} range "
            f"(+/-{big:.3g}) the model computes in: it would become infinity. Scale the "
            f"features (e.g. StandardScaler) or {remedy}."
        )


def _check_classes(classes) -> np.ndarray:
    """The sorted unique labels of partial_fit's ``classes``, checked."""
    arr = np.asarray(classes)
    if arr.ndim != 1:
        raise ValueError(
            f"classes must be a 1-D array-like of labels, got shape {arr.shape}: "
            f"{classes!r}. Pass e.g. classes=np.unique(y_all)."
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(
            f"classes={arr.tolist()!r} holds NaN or infinity, which no y may contain. "
            "Pass only the labels that can appear in y."
        )
    return np.unique(arr)


def _copy(a, xp):
    """A copy of the backend array ``a`` (any namespace: no ``copy=`` keyword needed)."""
    out = xp.empty_like(a)
    out[...] = a
    return out


def _shapes(tree):
    """The nested structure of ``tree``: arrays become their shapes, scalars None."""
    if isinstance(tree, dict):
        return {k: _shapes(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_shapes(v) for v in tree]
    return tuple(tree.shape) if hasattr(tree, "shape") and hasattr(tree, "dtype") else None


def _tree_map(fn, tree):
    """Apply ``fn`` to every array leaf of nested dicts/lists; scalars pass through."""
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_tree_map(fn, v) for v in tree)
    if hasattr(tree, "shape") and hasattr(tree, "dtype"):
        return fn(tree)
    return tree


def _log_softmax(raw, xp=np):
    shifted = raw - xp.max(raw, axis=1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))


def _log_sigmoid(raw, xp=np):
    # log(sigmoid(z)) = -softplus(-z) = -(max(-z, 0) + log1p(exp(-|z|)))
    return -(xp.maximum(-raw, 0.0) + xp.log1p(xp.exp(-xp.abs(raw))))


def _dtype_name(X) -> str:
    """The dtype name of a NumPy, CuPy, torch or array-API array (``"float32"``...)."""
    return str(X.dtype).rsplit(".", 1)[-1]


def _owns(backend, X) -> bool:
    """Whether ``X`` is the backend's own array (device input), not host data."""
    owns = getattr(backend, "owns", None)
    return bool(owns is not None and owns(X))


def _host(backend, a):
    """``a`` on the host: a backend array is copied back, anything else is left as is."""
    return backend.to_numpy(a) if a is not None and _owns(backend, a) else a
