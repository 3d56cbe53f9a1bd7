"""The thread policy (skdnn._threads): how many BLAS threads a fit or predict uses.

The choices are checked with a fake clock (the timings are injected, nothing is timed
for real) and fake BLAS libraries; the estimator tests read the real BLAS thread
counts with ``threadpoolctl.threadpool_info()`` from inside training.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_info, threadpool_limits

import skdnn
from skdnn import _network, _threads
from skdnn.backends import NumpyBackend
from tests._helpers import BACKEND
from tests._helpers import DNNClassifier as BackendClassifier


@pytest.fixture(autouse=True)
def _fresh_choices():
    _threads.forget()
    yield
    _threads.forget()


def blas_counts():
    """The BLAS libraries' thread counts, as threadpoolctl reports them."""
    return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]


def needs_two_threads():
    if min(blas_counts(), default=1) < 2:
        pytest.skip("the BLAS allows one thread here: there is no thread count to choose")


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 12)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    return X, y


def fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


# ------------------------------------------------------------------ fakes


class FakeLibraries:
    """Stands for the BLAS libraries: a ceiling, and every count set."""

    def __init__(self, ceiling=4):
        self.outside = ceiling
        self.current = ceiling
        self.history = []

    def libs(self):
        return ["blas"]

    def ceiling(self):
        return self.outside

    def enter(self):
        return [self.current]

    def set(self, n):
        self.current = n
        self.history.append(n)

    def exit(self, before):
        self.current = self.outside


class FakeClock:
    """Advances, per reading, by the seconds a unit takes at the current thread count."""

    def __init__(self, threads_now, seconds):
        self.threads_now, self.seconds, self.now = threads_now, seconds, 0.0

    def __call__(self):
        self.now += self.seconds(self.threads_now())
        return self.now


@pytest.fixture
def fake(monkeypatch):
    """Fake libraries with 4 threads allowed; ``fake.timing(f)`` makes a unit last
    ``f(threads)`` seconds."""
    libs = FakeLibraries(ceiling=4)
    monkeypatch.setattr(_threads, "LIBRARIES", libs)

    def timing(seconds):
        monkeypatch.setattr(_threads, "clock", FakeClock(lambda: libs.current, seconds))

    libs.timing = timing
    return libs


def coefs(*widths, dtype=np.float64):
    return [np.zeros((a, b), dtype=dtype) for a, b in zip(widths[:-1], widths[1:])]


QUICKSTART = coefs(64, 256, 128, 10)  # the README's digits network
WIDE = coefs(784, 512, 256, 10)


def run(pacer, n_units):
    with pacer:
        for _ in pacer.units(range(n_units)):
            pass
    return pacer


# ------------------------------------------------------------------ the choice


def test_small_products_take_one_thread_without_measuring(fake):
    pacer = _threads.pacer(None, NumpyBackend(), QUICKSTART, 200, "fit")
    assert pacer.fixed == 1
    fake.timing(lambda n: 1.0)
    run(pacer, 20)
    assert fake.history == [1] and pacer.decisions == []


def test_huge_products_take_every_allowed_thread(fake):
    pacer = _threads.pacer(None, NumpyBackend(), WIDE, 4096, "predict")
    assert pacer.fixed == 4


def test_mid_sized_products_are_measured(fake):
    assert _threads.SMALL_GEMM <= _threads.gemm_size(256, (784, 512, 256, 10), True)
    assert _threads.pacer(None, NumpyBackend(), WIDE, 256, "fit").fixed is None


def test_gemm_size_counts_forward_and_backward_products():
    # forward 2*m*k*n per layer; backward: the weight gradients of both layers and the
    # input gradient of the second, each as large as its forward product.
    forward = [2 * 10 * 3 * 4, 2 * 10 * 4 * 5]
    assert _threads.gemm_size(10, (3, 4, 5), backward=False) == sum(forward) / 2
    assert _threads.gemm_size(10, (3, 4, 5), backward=True) == (2 * sum(forward) + forward[1]) / 5


def test_all_threads_chosen_when_measured_faster(fake):
    fake.timing(lambda n: 0.010 if n == 1 else 0.004)
    pacer = run(_threads.Pacer(("k",), 4, None), 20)
    assert pacer.decisions == [(4, pytest.approx(0.004))]
    # One thread for the first three units, all four for the next three, then kept.
    assert fake.history == [1, 4, 4]
    assert pacer.threads == 4


def test_one_thread_kept_when_all_threads_are_slower(fake):
    # Beside a busy process: every product waits for a core.
    fake.timing(lambda n: 0.010 if n == 1 else 0.050)
    pacer = run(_threads.Pacer(("k",), 4, None), 20)
    assert pacer.decisions == [(1, pytest.approx(0.010))]
    # The probe stops after the first all-thread unit: 3 units on one thread, 1 on four.
    assert fake.history == [1, 4, 1]


def test_one_thread_kept_when_all_threads_gain_too_little(fake):
    fake.timing(lambda n: 0.010 if n == 1 else 0.0095)
    pacer = run(_threads.Pacer(("k",), 4, None), 10)
    assert pacer.decisions == [(1, pytest.approx(0.010))]


def test_drift_in_batch_time_makes_it_measure_again(fake):
    load = {"busy": False}

    def seconds(n):
        if n == 1:
            return 0.010
        return 0.050 if load["busy"] else 0.004

    fake.timing(seconds)
    pacer = _threads.Pacer(("k",), 4, None)
    with pacer:
        for i in pacer.units(range(100)):
            if i == 30:
                load["busy"] = True  # another process starts
    assert [d[0] for d in pacer.decisions] == [4, 1]


def test_choice_is_checked_again_after_recheck_seconds(fake, monkeypatch):
    monkeypatch.setattr(_threads, "RECHECK_SECONDS", 0.5)
    monkeypatch.setattr(_threads, "RECHECK_FACTOR", 1)
    fake.timing(lambda n: 0.010 if n == 1 else 0.004)
    pacer = run(_threads.Pacer(("k",), 4, None), 300)
    # 0.5 s of 4 ms units between checks: about every 125 units.
    assert len(pacer.decisions) == 3
    assert all(d == (4, pytest.approx(0.004)) for d in pacer.decisions)


def test_choice_is_remembered_by_the_next_fit_of_the_same_shape(fake):
    fake.timing(lambda n: 0.010 if n == 1 else 0.004)
    run(_threads.Pacer(("k",), 4, None), 10)
    fake.history.clear()
    again = run(_threads.Pacer(("k",), 4, None), 10)
    assert again.decisions == [] and fake.history == [4]
    other = run(_threads.Pacer(("other",), 4, None), 10)
    assert other.decisions == [(4, pytest.approx(0.004))]


def test_fixed_counts_are_never_measured(fake):
    fake.timing(lambda n: 1.0)
    pacer = run(_threads.pacer(2, NumpyBackend(), WIDE, 256, "fit"), 50)
    assert fake.history == [2] and pacer.decisions == []


@pytest.mark.parametrize(
    "n_threads, ceiling, expected", [(1, 4, 1), (3, 4, 3), (8, 4, 4), (-1, 1, 1), (2, 1, 1)]
)
def test_resolve_never_exceeds_the_ceiling(n_threads, ceiling, expected):
    assert _threads.resolve(n_threads, ceiling) == expected


def test_minus_one_is_every_allowed_thread():
    assert _threads.resolve(-1, 10**6) >= 1
    assert _threads.resolve(-1, 2) == min(2, _threads.os.cpu_count() or 1)


def test_other_backends_are_untouched():
    from skdnn.backends import registry

    backend = registry.resolve("array_api_strict")
    assert _threads.pacer(1, backend, WIDE, 256, "fit") is _threads.UNTOUCHED


# ------------------------------------------------------------------ the estimators


@pytest.fixture
def seen(monkeypatch):
    """The BLAS thread counts threadpool_info() reports at every training step."""
    counts = []
    step = _network.Network.train_step

    def recording(self, *args, **kwargs):
        counts.append(tuple(blas_counts()))
        return step(self, *args, **kwargs)

    monkeypatch.setattr(_network.Network, "train_step", recording)
    return counts


@pytest.mark.parametrize("n_threads", [1, 2])
def test_n_threads_is_honoured_inside_training(data, seen, n_threads):
    needs_two_threads()
    before = blas_counts()
    fit_quietly(skdnn.DNNClassifier((16,), max_iter=2, n_threads=n_threads), *data)
    assert seen and all(c == (n_threads,) * len(c) for c in seen)
    assert blas_counts() == before


def test_regressor_honours_n_threads(data, seen):
    needs_two_threads()
    X, y = data
    fit_quietly(skdnn.DNNRegressor((16,), max_iter=2, n_threads=1), X, y.astype(float))
    assert seen and all(set(c) == {1} for c in seen)


def test_policy_uses_more_threads_when_measured_faster(data, seen, monkeypatch):
    needs_two_threads()
    ceiling = min(blas_counts())
    monkeypatch.setattr(_threads, "SMALL_GEMM", 0.0)  # measure even this small network
    monkeypatch.setattr(
        _threads, "clock", FakeClock(lambda: min(_threads.LIBRARIES.counts()), lambda n: 1 / n)
    )
    est = fit_quietly(skdnn.DNNClassifier((16,), batch_size=20, max_iter=2), *data)
    # Probe: 3 steps on one thread, 3 on all; then all threads, as measured faster.
    assert [min(c) for c in seen[:6]] == [1] * 3 + [ceiling] * 3
    assert all(min(c) == ceiling for c in seen[6:])
    assert est.n_iter_ == 2


def test_policy_keeps_one_thread_when_measured_slower(data, seen, monkeypatch):
    needs_two_threads()
    monkeypatch.setattr(_threads, "SMALL_GEMM", 0.0)
    monkeypatch.setattr(
        _threads, "clock", FakeClock(lambda: min(_threads.LIBRARIES.counts()), lambda n: n)
    )
    fit_quietly(skdnn.DNNClassifier((16,), batch_size=20, max_iter=2), *data)
    assert [min(c) for c in seen[:4]] == [1, 1, 1, min(blas_counts())]
    assert all(min(c) == 1 for c in seen[4:])


def test_global_limits_unchanged_after_fit_predict_and_a_failing_fit(data, monkeypatch):
    X, y = data
    before = blas_counts()
    monkeypatch.setattr(_threads, "SMALL_GEMM", 0.0)  # switch counts inside the fit
    clf = fit_quietly(skdnn.DNNClassifier((16,), batch_size=20, max_iter=2), X, y)
    assert blas_counts() == before
    clf.predict_proba(X)
    assert blas_counts() == before
    diverging = skdnn.DNNClassifier(
        (16,),
        solver="sgd",
        learning_rate_init=1e12,
        momentum=0.0,
        activation="identity",
        batch_size=20,
        max_iter=50,
        random_state=0,
    )
    with pytest.raises(ValueError, match="training diverged"):
        diverging.fit(X * 1e6, y)
    assert blas_counts() == before


def test_a_limit_set_by_the_user_is_never_exceeded(data, seen, monkeypatch):
    monkeypatch.setattr(_threads, "SMALL_GEMM", 0.0)
    before = blas_counts()
    with threadpool_limits(1):
        fit_quietly(skdnn.DNNClassifier((16,), batch_size=20, max_iter=2, n_threads=2), *data)
        fit_quietly(skdnn.DNNClassifier((16,), batch_size=20, max_iter=2), *data)
        fit_quietly(skdnn.DNNClassifier((16,), batch_size=20, max_iter=2, n_threads=-1), *data)
        assert blas_counts() == [1] * len(before)
    assert seen and all(set(c) == {1} for c in seen)
    assert blas_counts() == before


def test_nested_scopes_restore_the_outer_count(monkeypatch):
    needs_two_threads()
    before = blas_counts()
    with _threads.Pacer(("outer",), 2, 1):
        assert set(blas_counts()) == {1}
        with _threads.Pacer(("inner",), 2, 2):
            assert set(blas_counts()) == {2}
        assert set(blas_counts()) == {1}
    assert blas_counts() == before


def test_n_threads_zero_is_refused(data):
    msg = "The 'n_threads' parameter of DNNClassifier must be"
    with pytest.raises(InvalidParameterError, match=msg):
        skdnn.DNNClassifier(n_threads=0).fit(*data)
    with pytest.raises(InvalidParameterError, match="'n_threads' parameter of DNNRegressor"):
        skdnn.DNNRegressor(n_threads=1.5).fit(data[0], data[1].astype(float))


def test_n_threads_does_not_change_the_model_beyond_rounding(data):
    X, y = data
    fits = [
        fit_quietly(skdnn.DNNClassifier((64, 32), max_iter=5, random_state=0, n_threads=n), X, y)
        for n in (1, 2, None)
    ]
    for other in fits[1:]:
        for a, b in zip(fits[0].coefs_, other.coefs_):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_backend_threads_follow_their_own_setting(data):
    """On the suite's backend: NumPy's BLAS is set inside fit, any other is left alone."""
    before = blas_counts()
    counts = []

    class Spy(skdnn.losses.CrossEntropy):
        def value_and_gradient(self, *args, **kwargs):
            counts.append(tuple(blas_counts()))
            return super().value_and_gradient(*args, **kwargs)

    fit_quietly(BackendClassifier((8,), max_iter=1, n_threads=1, loss=Spy()), *data)
    expected = (1,) * len(before) if BACKEND == "numpy" else tuple(before)
    assert counts and all(c == expected for c in counts)


def test_grid_search_with_two_jobs(data):
    X, y = data
    grid = {"alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(8,), (16,)]}
    est = skdnn.DNNClassifier(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        two = GridSearchCV(est, grid, cv=2, n_jobs=2).fit(X, y)
        one = GridSearchCV(est, grid, cv=2, n_jobs=1).fit(X, y)
    np.testing.assert_allclose(
        two.cv_results_["mean_test_score"], one.cv_results_["mean_test_score"]
    )
    assert two.best_params_ == one.best_params_


def test_work_until_the_next_check_is_counted_across_fits(fake, monkeypatch):
    monkeypatch.setattr(_threads, "RECHECK_SECONDS", 0.5)
    monkeypatch.setattr(_threads, "RECHECK_FACTOR", 1)
    fake.timing(lambda n: 0.010 if n == 1 else 0.004)
    run(_threads.Pacer(("k",), 4, None), 6 + 50)  # probe, then 0.2 s held
    fake.history.clear()
    again = _threads.Pacer(("k",), 4, None)
    with again:
        for i in again.units(range(100)):
            if i < 75:  # 0.3 s of work left: held without measuring
                assert fake.history == [4] and again.decisions == []
    assert len(again.decisions) == 1 and fake.history[:3] == [4, 1, 4]


def test_one_thread_is_not_measured_again_on_noise_before_its_budget(fake):
    # Held on one thread, batch times that swing 3x either way trigger no new probe
    # (it would cost a batch on every thread) until the work budget is spent.
    swings = iter([0.010] * 4 + [0.030, 0.003] * 200)
    fake.timing(lambda n: 0.010 if n == 1 else 0.050)
    pacer = _threads.Pacer(("k",), 4, None)
    with pacer:
        for _ in pacer.units(range(4)):
            pass
        fake.timing(lambda n: next(swings) if n == 1 else 0.050)
        for _ in pacer.units(range(200)):  # 3.3 s of work, the budget is 5 s
            pass
    assert len(pacer.decisions) == 1 and fake.history == [1, 4, 1]
