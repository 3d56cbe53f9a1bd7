"""DNNClassifier: the scikit-learn face of skdnn for classification.

Labels, class weights, probabilities and the public methods live here; training and
the shared estimator machinery are in :mod:`skdnn._base`.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _lbfgs, _links
from ._base import BaseDNN, Start
from ._inference import labels
from ._shared_docs import fill
from ._training_tools import smooth_labels
from ._validation import check_classes, check_labels, check_targets, class_weights, encode_labels

__all__ = ["DNNClassifier"]


class DNNClassifier(ClassifierMixin, BaseDNN):
    """Deep neural network classifier trained by minibatch gradient descent or L-BFGS.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier` (solvers ``"sgd"``,
    ``"adam"`` and ``"lbfgs"``): every parameter of ``MLPClassifier`` has the same
    name, default and meaning. The loss, weight initializer, activation, optimizer and
    array backend are plugins chosen by name from registries (or passed as objects).

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
        ``"adam"``, ``"sgd"``, ``"lbfgs"`` (full-batch L-BFGS-B through
        ``scipy.optimize.minimize``, as ``MLPClassifier``'s: no minibatches, no
        ``partial_fit``; ``early_stopping``, ``batch_size`` and the learning-rate
        parameters are ignored), any name in :data:`skdnn.optimizers.registry`, or an
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
        when its score (``validation_scoring``: accuracy by default) stops
        improving, and keep the weights of the best epoch.
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
        Only used when ``solver="lbfgs"``. Maximum number of loss function calls
        (checked by L-BFGS-B at the end of each iteration, as in ``MLPClassifier``).
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
        ``early_stopping=True``; ignored otherwise). None: the accuracy. ``"loss"``:
        the validation loss (the ``loss`` plugin's weighted mean over the held-out
        rows, without the L2 penalty). Lower is better, so the score is *minus* the
        loss, as in scikit-learn's ``"neg_..."`` scorers: ``validation_scores_`` and
        ``best_validation_score_`` then hold the negated loss, and higher is better
        everywhere. A scikit-learn scorer name (any of
        ``sklearn.metrics.get_scorer_names()``, e.g. ``"neg_log_loss"``, ``"roc_auc"``,
        ``"f1_macro"``) or a callable
        ``scorer(estimator, X, y) -> float`` (higher is better) is called with a
        frozen view of the network being trained, which answers ``predict``, ``predict_proba`` and
        ``predict_log_proba`` for the
        held-out rows from the outputs already computed (nothing is refitted), and
        with the held-out ``X`` and ``y``; a named scorer also gets the held-out
        sample weights. The stopping rule, ``best_validation_score_`` and the
        weights kept at the end all follow this score.
    {training parameters}
    label_smoothing : float, default=0.0
        Train on smoothed targets, in [0, 1): a softmax output (multiclass) learns
        ``y * (1 - label_smoothing) + label_smoothing / n_classes``, a logistic output
        (binary, multilabel) ``y * (1 - label_smoothing) + label_smoothing / 2``. The
        training loss (``loss_``, ``loss_curve_``, ``best_loss_``) is the loss against
        these smoothed targets, so it does not reach 0; early stopping's validation
        score and ``validation_loss_curve_`` use the true labels. 0 (the default)
        trains exactly as without it.
    {ensemble parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_labels)`` for multilabel targets). A ``y`` with a
        single class is fitted too: that class is then always predicted.
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
        Training loss of every epoch. Not set by ``"lbfgs"`` (as ``MLPClassifier``),
        nor are ``best_loss_``, ``validation_scores_`` and ``best_validation_score_``.
    best_loss_ : float or None
        Lowest training loss reached (None with ``early_stopping=True``).
    validation_scores_ : list of float or None
        Validation score of every epoch with ``early_stopping=True`` (the
        accuracy by default; see ``validation_scoring``), else None.
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
        Number of epochs run by the last call to ``fit`` (with ``warm_start``, by that
        call alone) or ``partial_fit`` (1); L-BFGS iterations with ``"lbfgs"``.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output link: ``"softmax"`` (multiclass) or ``"logistic"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The reference this estimator mirrors.

    Notes
    -----
    Stopping rule (``MLPClassifier``'s): after each epoch, the epoch counts as "no
    improvement" when its training loss is greater than ``best_loss - tol`` (with
    ``early_stopping=True``: when its validation accuracy is less than
    ``best_score + tol``). Training stops once more than ``n_iter_no_change`` such
    epochs follow one another, unless the optimizer lowers its learning rate instead
    (``learning_rate="adaptive"``). Reaching ``max_iter`` first raises a
    ``ConvergenceWarning``. With ``warm_start=True`` each ``fit`` runs at most
    ``max_iter`` epochs, continuing ``loss_curve_``, ``validation_scores_`` and the
    stopping counters of the calls before.

    The default ``dtype=None`` keeps float64 for float64 input because scikit-learn's
    checks compare fits to a relative 1e-7, which float32 arithmetic cannot meet;
    pass float32 data (or ``dtype="float32"``) for speed.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdnn import DNNClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DNNClassifier(
    ...     hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0
    ... )
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseDNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
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
        max_fun=15000,
        loss="cross_entropy",
        init="xavier",
        backend="numpy",
        class_weight=None,
        dtype=None,
        dropout=0.0,
        feature_embedding=None,
        validation_scoring=None,
        n_threads=None,
        lr_schedule=None,
        weight_decay=0.0,
        label_smoothing=0.0,
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
        self.class_weight = class_weight
        self.dtype = dtype
        self.dropout = dropout
        self.feature_embedding = feature_embedding
        self.validation_scoring = validation_scoring
        self.n_threads = n_threads
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.label_smoothing = label_smoothing
        self.n_ensemble = n_ensemble
        self.ensemble = ensemble

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

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skdnn import DNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DNNClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=300,
        ...                     random_state=0).fit(X, y)
        >>> [W.shape for W in clf.coefs_]
        [(4, 8), (8, 3)]
        >>> clf.n_iter_ == len(clf.loss_curve_)
        True
        """
        return self._fit(X, y, sample_weight)

    @available_if(_lbfgs.check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch over the given data, continuing from the current state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear. Required on the first call (except for
            multilabel targets); later calls may omit it.

        Returns
        -------
        self : DNNClassifier
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from skdnn import DNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DNNClassifier(hidden_layer_sizes=(8,), random_state=0)
        >>> for X_part, y_part in zip(np.array_split(X, 3), np.array_split(y, 3)):
        ...     clf = clf.partial_fit(X_part, y_part, classes=[0, 1, 2])
        >>> clf.n_iter_, len(clf.loss_curve_), clf.t_
        (1, 3, 150)
        """
        return self._partial_fit(X, y, sample_weight, classes)

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

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skdnn import DNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DNNClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=300,
        ...                     random_state=0).fit(X, y)
        >>> P = clf.predict_proba(X[:2])
        >>> P.shape, P.sum(axis=1).round(6)
        ((2, 3), array([1., 1.]))
        """
        return self._probabilities(X)[0]

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))`` (so the two agree, where probabilities
            saturate at 1.0 too), and finite where a probability underflows to 0:
            there it is computed from the logits.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from skdnn import DNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DNNClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=300,
        ...                     random_state=0).fit(X, y)
        >>> bool(np.allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X)))
        True
        """
        return self._probabilities(X, log=True)[0]

    def predict_proba_members(self, X):
        """Every ensemble member's probability estimates.

        ``predict_proba`` is their mean over members.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_ensemble, n_samples, n_classes)
            Member ``j``'s class probabilities in ``proba[j]`` (one member without an
            ensemble).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from skdnn import DNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DNNClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=300,
        ...                     n_ensemble=4, random_state=0).fit(X, y)
        >>> P = clf.predict_proba_members(X[:2])
        >>> P.shape
        (4, 2, 3)
        >>> bool(np.allclose(P.mean(axis=0), clf.predict_proba(X[:2])))
        True
        """
        check_is_fitted(self)
        binary = not self._multilabel and len(self.classes_) == 2
        width = 2 if binary else self.n_outputs_
        transform = self._transform(self._fitted_targets())
        return self._outputs(X, transform, width, members=True)[0]

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

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skdnn import DNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DNNClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=300,
        ...                     random_state=0).fit(X, y)
        >>> clf.predict(X[[0, 50, 100]])
        array([0, 1, 2])
        """
        P, backend = self._probabilities(X)
        xp = np if backend is None else backend.xp
        return labels(P, self.classes_, self._multilabel, xp, backend)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------ outputs

    def _transform(self, fitted: dict, log: bool = False):
        """``transform(raw, xp)``: (log-)probabilities, one column per class, for a
        model whose target attributes are ``fitted``."""
        classes, multilabel = fitted["classes_"], fitted["_multilabel"]
        link = fitted["out_activation_"]

        def transform(raw, xp):
            if not multilabel and len(classes) == 1:
                return xp.zeros_like(raw) if log else xp.ones_like(raw)
            if not multilabel and len(classes) == 2:
                return _links.two_columns(raw, xp, log=log)
            return _links.log_apply(raw, link, xp) if log else _links.apply(raw, link, xp)

        return transform

    def _fitted_targets(self) -> dict:
        return {
            "classes_": self.classes_,
            "_multilabel": self._multilabel,
            "out_activation_": self.out_activation_,
        }

    def _probabilities(self, X, log: bool = False):
        """``(P, backend)``: (log-)probabilities of ``X``, see ``BaseDNN._outputs``."""
        check_is_fitted(self)
        binary = not self._multilabel and len(self.classes_) == 2
        width = 2 if binary else self.n_outputs_
        if log and self.coefs_[0].ndim == 3:  # an ensemble: the log of the members' mean
            P, backend = self._outputs(X, self._transform(self._fitted_targets()), width)
            return _log(P, np if backend is None else backend.xp), backend
        return self._outputs(X, self._transform(self._fitted_targets(), log=log), width)

    def _score_outputs(self, P, y, sample_weight, fitted: dict) -> float:
        """Accuracy (sample-weighted) of the probabilities ``P`` against labels ``y``."""
        pred = labels(P, fitted["classes_"], fitted["_multilabel"], np)
        correct = np.all(pred == y, axis=1) if y.ndim == 2 else pred == y
        if sample_weight is not None and sample_weight.sum() > 0:
            return float(np.average(correct, weights=sample_weight))
        return float(np.mean(correct))

    def _held_out_responses(self, P, raw, fitted: dict) -> dict:
        """What a scorer's view of the held-out rows answers (see ``skdnn._scoring``),
        from their probabilities ``P`` and host raw outputs ``raw``."""
        classes, multilabel = fitted["classes_"], fitted["_multilabel"]
        return {
            "predict": lambda: labels(P, classes, multilabel, np),
            "predict_proba": lambda: P,
            "predict_log_proba": lambda: (
                _log(P, np) if raw is None else self._transform(fitted, log=True)(raw, np)
            ),
        }

    # ------------------------------------------------------------ targets

    def _targets(self, y, start: Start, classes, dtype, sw, loss):
        """Check ``y``, fix the classes and encode the targets; touches no attribute.

        Returns ``(y, Y, fitted, stratify, sw)``: the checked labels, the encoded
        float targets, the target attributes to commit, the labels to stratify the
        validation split by, and the sample weights times the class weights.
        """
        y, multilabel, target_type = check_targets(y)
        if start.fitted_weights:
            classes_ = self._known_classes(y, multilabel, target_type, start, classes)
        elif multilabel:
            classes_ = np.arange(y.shape[1])
        elif start.incremental:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: give "
                    "every label that will ever appear, e.g. classes=np.unique(y_all)."
                )
            classes_ = check_classes(classes)
            if not len(classes_):
                raise ValueError(
                    "classes=[] contains no class: give every label that will ever "
                    "appear, e.g. classes=np.unique(y_all)."
                )
        else:
            classes_ = np.unique(y)
        check_labels(y, classes_, multilabel)
        n_outputs = len(classes_) if multilabel or len(classes_) > 2 else 1
        fitted = {
            "classes_": classes_,
            "_multilabel": multilabel,
            "n_outputs_": n_outputs,
            "out_activation_": "logistic" if multilabel or n_outputs == 1 else "softmax",
        }
        if self.class_weight is not None:
            cw = class_weights(self.class_weight, y, classes_, start.incremental)
            sw = cw if sw is None else sw * cw
        Y = encode_labels(y, classes_, multilabel, dtype)
        return y, Y, fitted, (None if multilabel else y), sw

    def _training_targets(self, data):
        """The encoded targets, smoothed by ``label_smoothing`` (training rows only)."""
        return smooth_labels(data.Y, self.label_smoothing, data.fitted["out_activation_"])

    def _known_classes(self, y, multilabel, target_type, start: Start, classes):
        """The fitted classes, checked against this call's targets."""
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
        if not start.incremental and not multilabel and not np.array_equal(np.unique(y), classes_):
            # MLPClassifier's words, so code matching them keeps working.
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {classes_}, `y` has {np.unique(y)}"
            )
        return classes_


def _log(P, xp):
    """``log(P)`` without a warning at 0 (it is ``-inf`` there)."""
    with np.errstate(divide="ignore"):
        return xp.log(P)


# The parameters both estimators describe alike, written once.
DNNClassifier.__doc__ = fill(DNNClassifier.__doc__)
