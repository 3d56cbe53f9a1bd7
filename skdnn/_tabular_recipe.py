"""The tabular estimators' recipe (as data) and their shared docstring parts.

:data:`RECIPE` holds every setting of the network of ``TabularClassifier`` and
``TabularRegressor``; :func:`recipe` gives a task's settings as a new dict.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["ATTRS_DOC", "PARAMS_DOC", "RECIPE", "recipe"]

#: The recipe: every setting of the inner network, per task. The estimators'
#: parameters of the same names take precedence; the rest is fixed here. Where each
#: value comes from, and how it was chosen, is in the user guide's "Tabular data".
RECIPE: dict = {
    "common": {
        "hidden_layer_sizes": (128, 128),
        "activation": "relu",
        "n_ensemble": 4,
        "ensemble": "packed",
        "feature_embedding": "periodic",
        "periodic": {"n_frequencies": 8, "frequency_scale": 0.1, "d_embedding": 8},
        "piecewise_linear": {"n_bins": 16, "d_embedding": 8},
        "categorical_embedding_dim": 8,
        "max_onehot_categories": 8,
        "solver": "adam",
        "learning_rate_init": 2e-3,
        "beta_2": 0.95,
        "lr_schedule": "cosine",
        "weight_decay": 3e-4,
        "alpha": 0.0,
        "batch_size": 256,
        "min_batches_per_epoch": 8,
        "max_iter": 24,
        "min_steps": 1000,
        "max_epochs": 256,
        "dropout": 0.15,
        "early_stopping": True,
        "validation_fraction": 0.2,
        "dtype": "float32",
    },
    "classification": {"label_smoothing": 0.1},
    "regression": {},
}


def recipe(task: str) -> dict:
    """The recipe's settings for ``task`` ("classification" or "regression").

    Parameters
    ----------
    task : {"classification", "regression"}

    Returns
    -------
    dict
        A new dict: changing it changes nothing else.

    Examples
    --------
    >>> from skdnn._tabular_recipe import recipe
    >>> recipe("classification")["label_smoothing"]
    0.1
    """
    return copy.deepcopy({**RECIPE["common"], **RECIPE[task]})


def _n_train(n_rows: int, held_out: float) -> int:
    """Rows the network trains on once ``held_out`` of ``n_rows`` are held out."""
    return max(1, int(n_rows * (1.0 - held_out)))


def _batch_size(batch_size: int, min_batches: Any, n_rows: int, held_out: float) -> int:
    """``batch_size``, made smaller on small tables so that an epoch has at least
    ``min_batches`` minibatches (never below 32 rows); None leaves it."""
    if not min_batches:
        return batch_size
    return int(min(batch_size, max(32, -(-_n_train(n_rows, held_out) // int(min_batches)))))


def _epochs(
    max_iter: int, min_steps: Any, max_epochs: int, batch_size: int, n_rows: int, held_out: float
) -> int:
    """``max_iter``, raised on small tables so that training takes at least
    ``min_steps`` minibatch steps, up to ``max_epochs`` epochs; None leaves it."""
    if min_steps is None:
        return max_iter
    batches = -(-_n_train(n_rows, held_out) // batch_size)
    needed = -(-int(min_steps) // batches)
    return int(max(max_iter, min(needed, max_epochs)))


PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(128, 128)
        Widths of the hidden layers of every ensemble member.
    n_ensemble : int, default=4
        Members of the ensemble trained in one pass as batched matrix products
        (independent members, ``ensemble="packed"``); predictions are the members'
        mean. 1: a single network.
    max_iter : int, default=24
        Epochs, at least (see ``min_steps``). The learning rate follows a cosine
        schedule to zero over them, and the epoch with the best score on the held-out
        split is kept.
    min_steps : int or None, default=1000
        Minibatch steps of training, at least: where ``max_iter`` epochs take fewer
        steps (at the defaults, tables of fewer than about 10,000 training rows), the
        network trains for more epochs, up to ``max(max_iter, 256)``. None: exactly
        ``max_iter`` epochs (faster, and less accurate on small tables).
    learning_rate_init : float, default=0.002
        Adam's (AdamW's) peak learning rate.
    batch_size : int, default=256
        Rows per minibatch, made smaller on small tables so that an epoch has at least
        8 minibatches (never below 32 rows).
    dropout : float, default=0.15
        Share of every hidden layer's units dropped at each training step (none at
        predict).
    feature_embedding : {"periodic", "piecewise_linear"}, layer object or None, \
            default="periodic"
        The embedding of the numeric columns (after robust scaling): ``"periodic"``
        (learned sines and cosines, :class:`~skdnn.layers.PeriodicEmbedding`),
        ``"piecewise_linear"`` (quantile bins, :class:`~skdnn.layers.PiecewiseLinearEmbedding`),
        a layer object (copied), or None (the scaled numbers as they are). The
        recipe's settings of the named ones are in :data:`skdnn._tabular.RECIPE`.
    categorical_features : "from_dtype", None, or array-like of int, str or bool, \
            default="from_dtype"
        The categorical columns, as ``HistGradientBoostingClassifier`` takes them:
        ``"from_dtype"`` (pandas ``category``, ``object``/string and ``bool`` columns;
        none for an array), None, or indices, names or a boolean mask.
    max_onehot_categories : int, default=8
        A categorical column with at most this many categories is one-hot encoded; a
        wider one gets a learned embedding of 8 numbers per category. Missing and
        unseen categories go to an "unknown" slot, never an error.
    validation_fraction : float, default=0.2
        Share of the training rows held out to pick the best epoch (stratified for
        the classifier).
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights and the minibatch order: a fixed value
        gives the same model on the same data and backend.
    backend : str or backend object, default="numpy"
        Where the network computes (``"numpy"``, ``"torch"``, ``"cupy"``,
        ``"array_api_strict"``; see :mod:`skdnn.backends`).
    n_threads : int or None, default=None
        BLAS threads of the network's fit and predict on the NumPy backend, as
        ``DNNClassifier`` takes them: None lets skdnn choose, an int forces a count
        (-1: all).
    verbose : bool, default=False
        Print the network's progress per epoch."""

ATTRS_DOC = """
    input_ : TabularInput
        The fitted input handling: its ``numeric_features_``, ``onehot_features_``,
        ``embedded_features_``, ``dropped_features_``, ``scaler_``,
        ``onehot_encoder_``, ``ordinal_encoder_`` and ``get_feature_names_out()`` say
        what became of every column.
    network_ : {net}
        The fitted network on ``input_``'s output (``loss_curve_``,
        ``validation_scores_``, ``n_iter_``, ``embedding_``...).
    n_iter_ : int
        Epochs the network trained: ``max_iter``, or more where ``min_steps`` asked
        for more steps.
    n_features_in_ : int
        Columns of ``X`` at fit.
    feature_names_in_ : ndarray of str
        Column names of ``X`` at fit, when it was a DataFrame with string names."""
