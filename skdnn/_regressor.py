"""DNNRegressor: the scikit-learn face of skdnn for regression.

Targets, the regression links and the R² score live here; training and the shared
estimator machinery are in :mod:`skdnn._base`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils import column_or_1d
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import check_is_fitted

from . import _lbfgs, _links, losses
from ._base import BaseDNN, Start
from ._shared_docs import fill

__all__ = ["DNNRegressor"]


class DNNRegressor(RegressorMixin, BaseDNN):
    """Deep neural network regressor trained by minibatch gradient descent.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor` (solvers ``"adam"``,
    ``"sgd"`` and ``"lbfgs"``): its parameters have the same names, defaults and
    meanings. The
    loss, weight initializer, activation, optimizer and array backend are plugins
    chosen by name from registries (or passed as objects), as for
    :class:`~skdnn.DNNClassifier`.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : str, activation object, or tuple of them, default="relu"
        Hidden-layer activation: ``"identity"``, ``"logistic"``, ``"tanh"``,
        ``"relu"``, ``"leaky_relu"``, ``"gelu"``, ``"silu"`` (``"swish"``), ``"selu"``,
        ``"mish"``, ``"softplus"``, any name in :data:`skdnn.activations.registry`, or
        an object with ``forward`` and ``derivative`` methods (such as
        ``skdnn.activations.LeakyReLU(negative_slope=0.1)``). A tuple (or list) gives
        one per hidden layer; its length must match ``hidden_layer_sizes``.
    solver : str or optimizer object, default="adam"
        ``"adam"``, ``"sgd"``, ``"lbfgs"`` (full-batch L-BFGS-B from SciPy, good on
        small data sets), any name in :data:`skdnn.optimizers.registry`, or an object
        with ``init`` and ``step`` methods.
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
        Controls the initial weights, the validation split and the shuffling.
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
        Hold out ``validation_fraction`` of the training data, stop when its score
        (``validation_scoring``: R² by default) stops improving, and keep the weights
        of the best epoch.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping=True``.
    beta_1 : float, default=0.9
        Decay of Adam's first moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay of Adam's second moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int, default=10
        Training stops once more than this many consecutive epochs brought no
        improvement by more than ``tol``.
    max_fun : int, default=15000
        Maximum number of loss function calls of ``solver="lbfgs"``.
    loss : str or loss object, default="squared_error"
        ``"squared_error"`` (identity output), ``"poisson"`` (half the Poisson
        deviance, exponential output, non-negative targets), any regression loss in
        :data:`skdnn.losses.registry`, or a loss object whose ``tasks`` include
        ``"regression"``.
    init : str or callable, default="xavier"
        Weight initializer: ``"xavier"`` (Glorot normal), ``"xavier_uniform"``,
        ``"gaussian"`` (std 0.01), ``"he"``, any name in
        :data:`skdnn.initializers.registry`, or a callable
        ``(fan_in, fan_out, rng, dtype) -> ndarray``.
    backend : str or backend object, default="numpy"
        Where the arrays live: ``"numpy"`` (CPU), ``"cupy"`` (NVIDIA GPU),
        ``"torch"``, ``"array_api_strict"``, any name in
        :data:`skdnn.backends.registry`, or a backend object.
    dtype : {"float32", "float64"}, numpy float32/float64 (type or dtype) or None, \
            default=None
        Training precision. None follows the input: float32 data trains in float32,
        anything else in float64.
    dropout : float or tuple of float, default=0.0
        Inverted dropout on the hidden layers while training: each hidden unit is
        dropped with this probability (in [0, 1)) and the kept ones scaled by
        ``1 / (1 - dropout)``; a tuple gives one rate per hidden layer. Never applied
        at prediction nor in the early-stopping validation pass. The masks come from
        ``random_state``. 0 (the default) trains exactly as without it. Not with
        ``solver="lbfgs"``.
    feature_embedding : None, {"periodic", "piecewise_linear"} or layer object, \
            default=None
        An embedding of every numerical feature before the first dense layer, which
        then sees ``n_features * d_embedding`` inputs. None (the default) feeds the
        raw features, exactly as without the parameter. ``"periodic"``
        (:class:`~skdnn.layers.PeriodicEmbedding`): learned frequencies, their cosines
        and sines, a linear map and a ReLU per feature; expects standardized features.
        ``"piecewise_linear"`` (:class:`~skdnn.layers.PiecewiseLinearEmbedding`): bins
        at the quantiles of the rows given to ``fit`` (weighted by ``sample_weight``;
        no targets used), the piecewise-linear encoding, a linear map and a ReLU per
        feature. A layer object (those classes with other settings, or any object
        following :class:`~skdnn.layers.Layer`) is copied, never changed; its settings
        are nested parameters (``feature_embedding__d_embedding``). Dense ``X`` only.
        See the user guide's "Feature embeddings".
    validation_scoring : None, "loss", str or callable, default=None
        What early stopping follows on the held-out rows (with
        ``early_stopping=True``; ignored otherwise). None: R². ``"loss"``:
        the validation loss (the ``loss`` plugin's weighted mean over the held-out
        rows, without the L2 penalty). Lower is better, so the score is *minus* the
        loss, as in scikit-learn's ``"neg_..."`` scorers: ``validation_scores_`` and
        ``best_validation_score_`` then hold the negated loss, and higher is better
        everywhere. A scikit-learn scorer name (any of
        ``sklearn.metrics.get_scorer_names()``, e.g. ``"neg_mean_absolute_error"``,
        ``"neg_mean_squared_error"``) or a callable
        ``scorer(estimator, X, y) -> float`` (higher is better) is called with a
        frozen view of the network being trained, which answers ``predict`` for the
        held-out rows from the outputs already computed (nothing is refitted), and
        with the held-out ``X`` and ``y``; a named scorer also gets the held-out
        sample weights. The stopping rule, ``best_validation_score_`` and the
        weights kept at the end all follow this score.
    {training parameters}
    {ensemble parameters}

    Attributes
    ----------
    embedding_ : Layer or None
        The fitted feature embedding (a copy of the ``feature_embedding`` object, or a
        new one for a name), its parameters in ``embedding_.params_`` as NumPy arrays
        (for the built-ins, in the order their Notes give), its bins in
        ``embedding_.bins_`` for ``"piecewise_linear"``; None without an embedding.
        ``warm_start`` and ``partial_fit`` continue from it (the bins stay those of the
        first fit).
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape ``(fan_in, fan_out)``; always NumPy.
        With a feature embedding, ``coefs_[0]`` has ``n_features * d_embedding`` rows.
        With ``n_ensemble=k > 1``: ``(k, fan_in, fan_out)``, each member's effective
        weights (for ``ensemble="batch"``, ``r_j[:, None] * W * s_j``); predictions
        are computed from them.
    intercepts_ : list of ndarray
        Bias vectors; always NumPy. ``(k, fan_out)`` with ``n_ensemble=k > 1``.
    ensemble_params_ : list of list of ndarray
        Only with ``n_ensemble > 1`` and ``ensemble="batch"``: the factorised
        parameters of each layer (hidden layers ``[W, r, s, b]`` of shapes
        ``(fan_in, fan_out)``, ``(k, fan_in)``, ``(k, fan_out)``, ``(k, fan_out)``;
        the output layer ``[W, b]`` as in ``coefs_``), from which ``coefs_`` and
        ``intercepts_`` are computed and ``warm_start``/``partial_fit`` continue.
    loss_ : float
        Training loss of the last epoch (``"lbfgs"``: at the solution).
    loss_curve_ : list of float
        Training loss of every epoch. Not set by ``"lbfgs"`` (as ``MLPRegressor``),
        nor are ``best_loss_``, ``validation_scores_`` and ``best_validation_score_``.
    best_loss_ : float or None
        Lowest training loss reached (None with ``early_stopping=True``).
    validation_scores_ : list of float or None
        Validation score of every epoch with ``early_stopping=True`` (R² by
        default; see ``validation_scoring``), else None.
    best_validation_score_ : float or None
        Best validation score with ``early_stopping=True``, else None.
    validation_loss_curve_ : list of float or None
        With ``early_stopping=True``, the loss of the held-out rows at every epoch
        (the ``loss`` plugin, weighted by their sample weights, without the L2
        penalty that ``loss_curve_`` includes), as long as ``validation_scores_``
        and continued with it across warm starts; else None.
    t_ : int
        Number of training samples seen, over every call (``"lbfgs"`` adds none).
    n_iter_ : int
        Number of epochs run by the last call to ``fit`` or ``partial_fit``; L-BFGS
        iterations with ``"lbfgs"``.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output link: ``"identity"`` or ``"exp"`` (``loss="poisson"``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The reference this estimator mirrors.
    DNNClassifier : The classifier on the same training core.

    Notes
    -----
    Training, the stopping rule and warm starts work as for
    :class:`~skdnn.DNNClassifier` (``MLPRegressor``'s rules). With several outputs,
    ``loss="squared_error"`` sums the per-output losses where ``MLPRegressor``
    reports their mean: the gradient both follow is the sum's.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skdnn import DNNRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = DNNRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.1, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.9
    True
    """

    _task = "regression"

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
        max_fun=15000,
        loss="squared_error",
        init="xavier",
        backend="numpy",
        dtype=None,
        dropout=0.0,
        feature_embedding=None,
        validation_scoring=None,
        n_threads=None,
        lr_schedule=None,
        weight_decay=0.0,
        n_ensemble=1,
        ensemble="batch",
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
        self.max_fun = max_fun
        self.loss = loss
        self.init = init
        self.backend = backend
        self.dtype = dtype
        self.dropout = dropout
        self.feature_embedding = feature_embedding
        self.validation_scoring = validation_scoring
        self.n_threads = n_threads
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.n_ensemble = n_ensemble
        self.ensemble = ensemble

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse CSR/CSC input needs a backend that supports it
            (``"numpy"``).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights; the loss is their weighted mean.

        Returns
        -------
        self : DNNRegressor
            The fitted estimator.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from skdnn import DNNRegressor
        >>> X, y = make_regression(n_samples=50, n_features=3, noise=10, random_state=0)
        >>> reg = DNNRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.1,
        ...                    random_state=0).fit(X, y / y.std())
        >>> [W.shape for W in reg.coefs_], reg.out_activation_
        ([(3, 8), (8, 1)], 'identity')
        """
        return self._fit(X, y, sample_weight)

    @available_if(_lbfgs.check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over the given data, continuing from the current state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights.

        Returns
        -------
        self : DNNRegressor
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_regression
        >>> from skdnn import DNNRegressor
        >>> X, y = make_regression(n_samples=60, n_features=3, random_state=0)
        >>> reg = DNNRegressor(hidden_layer_sizes=(8,), random_state=0)
        >>> for X_part, y_part in zip(np.array_split(X, 3), np.array_split(y, 3)):
        ...     reg = reg.partial_fit(X_part, y_part)
        >>> reg.n_iter_, len(reg.loss_curve_), reg.t_
        (1, 3, 60)
        """
        return self._partial_fit(X, y, sample_weight)

    def predict(self, X):
        """Predict with the network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values (one dimension for a single output, as ``MLPRegressor``).

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from skdnn import DNNRegressor
        >>> X, y = make_regression(n_samples=50, n_features=3, n_targets=2, noise=10,
        ...                        random_state=0)
        >>> y = y / y.std(axis=0)
        >>> reg = DNNRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.1,
        ...                    random_state=0).fit(X, y)
        >>> reg.predict(X[:4]).shape  # one column per output
        (4, 2)
        >>> reg.predict(X[:4]).dtype
        dtype('float64')
        """
        check_is_fitted(self)
        transform = self._transform({"out_activation_": self.out_activation_})
        out, _ = self._outputs(X, transform, self.n_outputs_)
        return out[:, 0] if self.n_outputs_ == 1 else out

    def predict_members(self, X):
        """Every ensemble member's predictions.

        ``predict`` is their mean over members.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_ensemble, n_samples) or (n_ensemble, n_samples, n_outputs)
            Member ``j``'s predictions in ``y[j]`` (one member without an ensemble).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_regression
        >>> from skdnn import DNNRegressor
        >>> X, y = make_regression(200, 4, noise=1.0, random_state=0)
        >>> reg = DNNRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.1, n_ensemble=3,
        ...                    ensemble="packed", random_state=0).fit(X, y / y.std())
        >>> reg.predict_members(X[:5]).shape
        (3, 5)
        >>> bool(np.allclose(reg.predict_members(X).mean(axis=0), reg.predict(X)))
        True
        """
        transform = self._transform({"out_activation_": self.out_activation_})
        out, _ = self._outputs(X, transform, self.n_outputs_, members=True)
        return out[..., 0] if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        try:  # the exponential link predicts means of non-negative targets
            tags.target_tags.positive_only = (
                losses.registry.resolve(self.loss).regression_link == "exp"
            )
        except (TypeError, ValueError):
            pass
        return tags

    # ------------------------------------------------------------ outputs

    def _transform(self, fitted: dict, log: bool = False):
        """``transform(raw, xp)``: the regression link applied to raw outputs."""
        link = fitted["out_activation_"]

        def transform(raw, xp):
            return _links.apply(raw, link, xp)

        return transform

    def _score_outputs(self, P, y, sample_weight, fitted: dict) -> float:
        """R² (sample-weighted) of the predictions ``P`` against ``y``, as
        ``MLPRegressor`` scores its validation rows."""
        pred = P[:, 0] if y.ndim == 1 else P
        if not np.all(np.isfinite(pred)):
            return float("nan")
        if sample_weight is not None and not sample_weight.sum() > 0:
            sample_weight = None
        return float(r2_score(y, pred, sample_weight=sample_weight))

    def _held_out_responses(self, P, raw, fitted: dict) -> dict:
        """What a scorer's view of the held-out rows answers (see ``skdnn._scoring``),
        from their predictions ``P``."""
        return {"predict": lambda: P[:, 0] if fitted["n_outputs_"] == 1 else P}

    # ------------------------------------------------------------ targets

    def _targets(self, y, start: Start, classes, dtype, sw, loss):
        """Check ``y`` for the loss and encode it as a float matrix; touches no attribute.

        Returns ``(y, Y, fitted, stratify, sw)`` as ``BaseDNN`` expects them.
        """
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # as MLPRegressor: one output, 1-D
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D (one column per output), got shape {y.shape}.")
        Y = (y[:, None] if y.ndim == 1 else y).astype(dtype)
        if loss.regression_link == "exp" and np.any(y < 0):
            raise ValueError(
                f"loss={self.loss!r} needs non-negative targets, but y holds "
                f"{np.sum(y < 0)} negative value(s) (the smallest is {y.min():g}). Use "
                "loss='squared_error', or shift the targets."
            )
        fitted = {"n_outputs_": Y.shape[1], "out_activation_": loss.regression_link}
        if start.fitted_weights and self.out_activation_ != loss.regression_link:
            raise ValueError(
                f"warm_start/partial_fit with loss={self.loss!r} needs the "
                f"{loss.regression_link!r} output, but the model was fitted with "
                f"{self.out_activation_!r}. Set warm_start=False to fit a new model."
            )
        return y, Y, fitted, None, sw


# The parameters both estimators describe alike, written once.
DNNRegressor.__doc__ = fill(DNNRegressor.__doc__)
