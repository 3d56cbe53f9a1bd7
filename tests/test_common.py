"""scikit-learn's estimator checks, with no expected failures."""

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from tests._helpers import BACKEND, DNNClassifier, DNNRegressor


@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(
    [
        DNNClassifier(max_iter=100),
        DNNClassifier(
            max_iter=100, solver="sgd", learning_rate_init=0.01, loss="mse", activation="logistic"
        ),
        DNNClassifier(solver="lbfgs", max_iter=100),
        DNNClassifier(validation_scoring="loss", max_iter=100),
        DNNRegressor(max_iter=100),
        DNNRegressor(max_iter=100, solver="sgd", activation="tanh"),
        DNNRegressor(solver="lbfgs", max_iter=100),
        DNNRegressor(validation_scoring="neg_mean_absolute_error", max_iter=100),
    ]
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
        DNNClassifier(
            early_stopping=True, validation_scoring="loss", validation_fraction=0.5, max_iter=100
        ),
        DNNClassifier(
            early_stopping=True,
            validation_scoring="neg_log_loss",
            validation_fraction=0.5,
            max_iter=100,
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
