"""Hyper-parameter search on a Dask cluster through joblib's ``"dask"`` backend.

A ``LocalCluster`` of two worker processes (one thread each) runs ``GridSearchCV``;
the results must be those of the same search run sequentially in this process.

What is deterministic: every fit has a fixed ``random_state`` and the folds are fixed
(no shuffling), so each candidate's scores depend on the data, the parameters and the
arithmetic only. The workers run their BLAS on one thread (Dask's nanny sets
``OPENBLAS_NUM_THREADS=1`` and the like), and the sequential search runs under
``threadpool_limits(1)`` too, so both sides sum in the same order and the scores agree
bitwise. Only the timings (``mean_fit_time``...) differ.
"""

import sys
import warnings

import joblib
import numpy as np
import pytest
import threadpoolctl
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from tests._helpers import DNNClassifier, DNNRegressor

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """A Dask client on a two-process local cluster, closed after the module."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="1GiB",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
    assert cluster.status.name == "closed"


def _search(est, grid, X, y, backend):
    search = GridSearchCV(est, grid, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if backend == "sequential":
            with threadpoolctl.threadpool_limits(1):
                return search.fit(X, y)
        with joblib.parallel_config(backend="dask"):
            return search.fit(X, y)


def _assert_same_results(sequential, on_cluster):
    for key in ("params", "mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(
            np.asarray(sequential.cv_results_[key]), np.asarray(on_cluster.cv_results_[key])
        )
    assert sequential.best_params_ == on_cluster.best_params_
    # The refit happens here in both cases; the same best parameters give the same model.
    for Wa, Wb in zip(sequential.best_estimator_.coefs_, on_cluster.best_estimator_.coefs_):
        np.testing.assert_array_equal(Wa, Wb)


def _assert_ran_on_workers(client, stream):
    workers = set(client.scheduler_info()["workers"])
    ran_on = {task["worker"] for task in stream.data}
    assert stream.data, "the scheduler saw no task"
    assert ran_on <= workers
    # The workers started without skdnn: they imported it to unpickle the estimators.
    imported = client.run(lambda: "skdnn" in sys.modules)
    assert all(imported[w] for w in ran_on)


CASES = {
    "classifier": (
        DNNClassifier(max_iter=30, learning_rate_init=0.01, random_state=0),
        {"hidden_layer_sizes": [(4,), (16,)], "alpha": [1e-4, 1.0]},
        make_classification(n_samples=150, n_features=6, n_informative=4, random_state=0),
    ),
    "regressor": (
        DNNRegressor(max_iter=30, learning_rate_init=0.01, random_state=0),
        {"hidden_layer_sizes": [(4,), (16,)], "alpha": [1e-4, 1.0]},
        make_regression(n_samples=150, n_features=6, noise=1.0, random_state=0),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_grid_search_on_a_dask_cluster_equals_sequential(client, case):
    est, grid, (X, y) = CASES[case]
    if case == "regressor":
        y = y / y.std()
    sequential = _search(est, grid, X, y, "sequential")
    with distributed.get_task_stream(client) as stream:
        on_cluster = _search(est, grid, X, y, "dask")
    _assert_ran_on_workers(client, stream)
    _assert_same_results(sequential, on_cluster)
    # The grid matters: not every candidate scores the same.
    assert len(set(sequential.cv_results_["mean_test_score"])) > 1
