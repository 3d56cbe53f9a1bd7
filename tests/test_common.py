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
        DNNRegressor(max_iter=100),
        DNNRegressor(max_iter=100, solver="sgd", activation="tanh"),
        DNNRegressor(solver="lbfgs", max_iter=100),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    assert estimator.backend == BACKEND  # the checks run on the test backend
    check(estimator)
