"""Concurrency: one fitted model predicts from many threads; clones fit side by side."""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skdnn import activations, backends, initializers, losses, optimizers
from tests._helpers import DNNClassifier

N_THREADS = 8


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(600, 10)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    return X, y


def _run_together(fn, args):
    """Run ``fn(arg)`` for every arg on its own thread, all released at once."""
    barrier = threading.Barrier(len(args))

    def task(arg):
        barrier.wait()
        return fn(arg)

    with ThreadPoolExecutor(max_workers=len(args)) as pool:
        return list(pool.map(task, args))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_predict_from_eight_threads_matches_single_thread(data, dtype):
    """predict / predict_proba / predict_log_proba are bitwise those of a lone call."""
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier(hidden_layer_sizes=(32, 16), max_iter=5, dtype=dtype, random_state=0)
        clf.fit(X, y)
    # More rows than one predict chunk, so every call walks several chunks.
    X_big = np.random.RandomState(1).randn(9000, 10)
    methods = ["predict", "predict_proba", "predict_log_proba"]
    expected = {m: getattr(clf, m)(X_big) for m in methods}
    for method in methods:
        outs = _run_together(lambda _, m=method: getattr(clf, m)(X_big), range(N_THREADS))
        for out in outs:
            np.testing.assert_array_equal(out, expected[method])
    # Mixed methods and different inputs at once do not mix their rows either. (Each is
    # compared with a lone call on the same input: shifting the rows changes the chunks
    # and so the last bit of the BLAS sums; with older NumPy/OpenBLAS builds, calls of
    # different shapes at once also differ in the last bit now and then, so this part
    # compares to a few units in the last place, far below what a mixed row would move.)
    jobs = [(m, i) for i in range(3) for m in methods][:N_THREADS]
    outs = _run_together(lambda job: getattr(clf, job[0])(X_big[job[1] :]), jobs)
    for (method, i), out in zip(jobs, outs):
        lone = getattr(clf, method)(X_big[i:])
        if method == "predict":
            np.testing.assert_array_equal(out, lone)
        else:
            np.testing.assert_allclose(out, lone, rtol=8 * np.finfo(dtype).eps, atol=0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_fitting_clones_in_threads_does_not_interfere(data, solver):
    """Clones fitted on 8 threads at once equal the same clones fitted one by one."""
    X, y = data
    base = DNNClassifier(
        hidden_layer_sizes=(16,), solver=solver, max_iter=8, learning_rate="invscaling"
    )
    settings = [
        dict(random_state=i, activation=act, loss=loss, init=init)
        for i, (act, loss, init) in enumerate(
            [
                ("relu", "cross_entropy", "xavier"),
                ("tanh", "mse", "he"),
                ("logistic", "cross_entropy", "gaussian"),
                ("identity", "mse", "xavier_uniform"),
            ]
            * 2
        )
    ]

    def fit(params):
        # (catch_warnings is process-wide, not per thread: the mark filters instead.)
        return clone(base).set_params(**params).fit(X, y)

    together = _run_together(fit, settings)
    alone = [fit(params) for params in settings]
    for a, b in zip(together, alone):
        assert a.n_iter_ == b.n_iter_ and a.loss_curve_ == b.loss_curve_
        for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            np.testing.assert_array_equal(wa, wb)
        assert a._optimizer_state.keys() == b._optimizer_state.keys()


def test_partial_fit_of_separate_models_in_threads(data):
    """Separate models fed by partial_fit on parallel threads match serial training."""
    X, y = data

    def train(seed):
        clf = DNNClassifier(hidden_layer_sizes=(8,), random_state=seed)
        for start in range(0, len(X), 100):
            clf.partial_fit(X[start : start + 100], y[start : start + 100], classes=[0, 1, 2])
        return clf

    together = _run_together(train, list(range(N_THREADS)))
    for seed, clf in enumerate(together):
        ref = train(seed)
        for wa, wb in zip(clf.coefs_, ref.coefs_):
            np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize(
    "registry, name",
    [
        (optimizers.registry, "adam"),
        (optimizers.registry, "sgd"),
        (losses.registry, "cross_entropy"),
        (activations.registry, "relu"),
        (backends.registry, "numpy"),
    ],
)
def test_registry_lookups_from_threads_give_fresh_objects(registry, name):
    """Concurrent lookups return distinct plugin objects: no state is shared."""
    objs = _run_together(lambda _: registry.resolve(name), range(N_THREADS))
    assert len({id(o) for o in objs}) == N_THREADS
    assert registry.names() == sorted(registry.names())


def test_initializer_lookups_from_threads_use_only_their_own_rng():
    """An initializer draws from the rng it is given, so threads give seeded weights."""
    init = initializers.registry.resolve("xavier")

    def draw(seed):
        return init(20, 10, np.random.RandomState(seed), np.float64)

    outs = _run_together(draw, [0] * N_THREADS)
    for out in outs:
        np.testing.assert_array_equal(out, outs[0])
