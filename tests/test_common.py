"""scikit-learn's estimator checks, with no expected failures but these: dropout's, early
stopping's and a learning-rate schedule's (partial_fit refuses both; each list says why).

Dropout draws an independent mask for every row it trains on, so a row repeated three
times and the same row with ``sample_weight=3`` see different masks: their fits agree in
expectation only, never to ``assert_allclose``'s tolerance. The two sample-weight
equivalence checks are therefore expected to fail for the ``dropout > 0`` variants
(and only for them: the same estimators with ``dropout=0`` pass every check).
"""

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdnn.layers import PeriodicEmbedding
from skdnn.preprocessing import RobustScaleSmoothClip
from tests._helpers import BACKEND, DNNClassifier, DNNRegressor, TabularClassifier, TabularRegressor

_DROPOUT_REASON = (
    "dropout masks each repeated row independently: weighting a row is equivalent to "
    "repeating it in expectation only"
)


def _expected_failures(estimator):
    rates = estimator.dropout if isinstance(estimator.dropout, tuple) else (estimator.dropout,)
    if not any(rates):
        return {}
    return {
        "check_sample_weight_equivalence_on_dense_data": _DROPOUT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": _DROPOUT_REASON,
    }


def _numpy_only(*estimators):
    """More variants of a kind already checked: on the NumPy run only. The other
    backends' runs check fewer variants, some of them combined (``_other_backends``),
    while their own test modules cover every variant's maths there; this keeps each
    backend's run of the suite to minutes."""
    return estimators if BACKEND == "numpy" else ()


def _other_backends(*estimators):
    """Variants combining several of the NumPy run's into one, on the other backends."""
    return estimators if BACKEND != "numpy" else ()


@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(
    [
        DNNClassifier(max_iter=100),
        DNNClassifier(solver="lbfgs", max_iter=100),
        DNNRegressor(max_iter=100),
        DNNRegressor(n_ensemble=2, ensemble="packed", solver="lbfgs", max_iter=100),
        *_numpy_only(
            DNNClassifier(
                max_iter=100,
                solver="sgd",
                learning_rate_init=0.01,
                loss="mse",
                activation="logistic",
            ),
            DNNClassifier(dropout=0.2, max_iter=100),
            DNNClassifier(
                hidden_layer_sizes=(8, 8), activation=("leaky_relu", "silu"), max_iter=100
            ),
            DNNClassifier(validation_scoring="loss", max_iter=100),
            DNNRegressor(max_iter=100, solver="sgd", activation="tanh"),
            DNNRegressor(solver="lbfgs", max_iter=100),
            DNNRegressor(activation=("gelu",), max_iter=100),
            DNNRegressor(activation=("gelu",), dropout=(0.1,), max_iter=100),
            DNNRegressor(validation_scoring="neg_mean_absolute_error", max_iter=100),
            DNNClassifier(feature_embedding="periodic", max_iter=100),
            DNNRegressor(feature_embedding="piecewise_linear", max_iter=100),
            DNNClassifier(n_ensemble=3, max_iter=100),
            DNNClassifier(feature_embedding="piecewise_linear", max_iter=100),
            # Small, so that scipy's L-BFGS-B (whose step costs grow with the
            # parameters) runs the checks in seconds.
            DNNRegressor(
                hidden_layer_sizes=(16,),
                feature_embedding=PeriodicEmbedding(d_embedding=4),
                solver="lbfgs",
                max_iter=100,
            ),
            DNNClassifier(n_ensemble=3, ensemble="packed", dropout=0.1, max_iter=100),
            DNNRegressor(n_ensemble=3, max_iter=100),
        ),
        *_other_backends(
            DNNClassifier(
                hidden_layer_sizes=(8, 8),
                activation=("leaky_relu", "silu"),
                dropout=0.2,
                max_iter=100,
            ),
            DNNClassifier(n_ensemble=3, feature_embedding="periodic", max_iter=100),
            DNNRegressor(
                activation=("gelu",),
                feature_embedding="piecewise_linear",
                validation_scoring="neg_mean_absolute_error",
                max_iter=100,
            ),
        ),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    assert estimator.backend == BACKEND  # the checks run on the test backend
    check(estimator)


def _early_stopping_failures(estimator):
    """What early stopping itself cannot pass (MLPClassifier's early stopping neither):
    none of it is the monitor's."""
    refused = "partial_fit raises with early_stopping=True, as MLPClassifier's does"
    split = "duplicated rows and doubled weights are split differently into held-out rows"
    return {
        "check_estimators_partial_fit_n_features": refused,
        "check_fit_score_takes_y": refused,
        "check_n_features_in_after_fitting": refused,
        "check_sample_weight_equivalence_on_dense_data": split,
        "check_sample_weight_equivalence_on_sparse_data": split,
    }


@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(
    [
        # validation_fraction=0.5: the checks' smallest data sets (10 rows, 3 classes in
        # 15) leave too few held-out rows at the default 0.1.
        *_numpy_only(
            DNNClassifier(
                early_stopping=True,
                validation_scoring="loss",
                validation_fraction=0.5,
                max_iter=100,
            ),
        ),
        *_numpy_only(
            DNNClassifier(
                early_stopping=True,
                validation_scoring="neg_log_loss",
                validation_fraction=0.5,
                max_iter=100,
            ),
        ),
        DNNRegressor(
            early_stopping=True,
            validation_scoring="neg_mean_absolute_error",
            validation_fraction=0.5,
            max_iter=100,
        ),
    ],
    expected_failed_checks=_early_stopping_failures,
)
def test_sklearn_compatible_with_a_validation_monitor(estimator, check):
    assert estimator.backend == BACKEND
    check(estimator)


@parametrize_with_checks(
    [
        RobustScaleSmoothClip(),
        RobustScaleSmoothClip(quantile_range=(10.0, 90.0), clip=None),
    ]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def _schedule_failures(estimator):
    """What a schedule cannot pass: partial_fit refuses it (a schedule spans the
    max_iter epochs of one fit; partial_fit has no budget of steps)."""
    if estimator.lr_schedule is None:
        return {}
    refused = "partial_fit raises with an lr_schedule (a schedule needs fit's budget of steps)"
    return {
        "check_estimators_partial_fit_n_features": refused,
        "check_fit_score_takes_y": refused,
        "check_n_features_in_after_fitting": refused,
    }


@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(
    [
        DNNRegressor(lr_schedule="coslog4", weight_decay=0.01, max_iter=100),
        *_numpy_only(
            DNNClassifier(
                lr_schedule="cosine", weight_decay=0.01, label_smoothing=0.1, max_iter=100
            ),
            DNNClassifier(solver="sgd", lr_schedule="warmup_cosine", max_iter=100),
            DNNClassifier(weight_decay=0.1, label_smoothing=0.2, max_iter=100),
            DNNRegressor(solver="sgd", weight_decay=0.1, max_iter=100),
        ),
    ],
    expected_failed_checks=_schedule_failures,
)
def test_sklearn_compatible_with_training_tools(estimator, check):
    assert estimator.backend == BACKEND
    check(estimator)


def _tabular_failures(estimator):
    """What the tabular estimators cannot pass, and why."""
    failures = {
        "check_sample_weight_equivalence_on_dense_data": (
            "best-epoch selection holds out a random share of the rows: repeating a row "
            "and doubling its weight change which rows are held out"
        ),
    }
    return failures


@pytest.mark.filterwarnings("ignore::UserWarning")
@parametrize_with_checks(
    [
        TabularClassifier(n_ensemble=2, hidden_layer_sizes=(32,), max_iter=40, min_steps=None),
        *_numpy_only(
            TabularRegressor(n_ensemble=2, hidden_layer_sizes=(32,), max_iter=40, min_steps=None)
        ),
    ],
    expected_failed_checks=_tabular_failures,
)
def test_sklearn_compatible_tabular(estimator, check):
    assert estimator.backend == BACKEND
    check(estimator)
