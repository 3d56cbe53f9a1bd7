"""The CuPy backend's kernels and code path, checked without a GPU.

* The CUDA elementwise kernels (``skdnn._kernels.CUDA_KERNELS``) are turned into CUDA
  source by CuPy's own code generator and compiled with ``nvcc`` for an H100
  (``sm_90``): needs CuPy importable (no device) and ``nvcc`` on PATH.
* The names the CPU stand-in for CuPy (``tests/emulated/cupy``) allows, and their
  keyword arguments, exist in the installed CuPy: needs CuPy.
* Through the stand-in, which runs the kernel bodies compiled by g++ (needs g++), and
  again on a real GPU where one answers: every fused kernel against the plain array
  operations it replaces; ``backend="cupy"`` fits against ``backend="numpy"``; the
  device copies of the weights follow the backend and the weights.
* On the stand-in only, which counts copies between host and device: a fit copies
  once per epoch each way, never per minibatch.
"""

import importlib.util
import inspect
import pickle
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

import skdnn
from skdnn import _kernels, activations, losses
from skdnn.backends import CupyBackend
from tests._helpers import OPTIMIZERS, DNNClassifier, cross_entropy_inputs, load_cupy_stand_in

# How skdnn calls each kernel, argument by argument: an int is an array of that ndim,
# "s" a scalar. The cross-entropy kernels take ``scale`` as a scalar (no sample
# weights) or as a column.
LAYOUTS = {
    "skdnn_adam": [(1, "s", "s", "s", "s", "s", 1, 1, 1)],
    "skdnn_sgd": [(1, "s", "s", "s", "s", 1, 1)],
    "skdnn_bias_relu": [(2, 2)],
    "skdnn_relu_backward": [(2, 2)],
    "skdnn_bias_relu_dropout": [(2, "s", "s", 2, 2, 2)],
    "skdnn_relu_mask_backward": [(2, 2, 2)],
    "skdnn_ce_logistic": [(2, "s", "s", 2, 2), (2, 2, "s", 2, 2)],
    "skdnn_softmax_exp": [(2, 2, "s", 2)],
    "skdnn_softmax_grad": [(2, 2, 2, 2, "s", 2, 2), (2, 2, 2, 2, 2, 2, 2)],
}


@pytest.fixture(scope="module")
def stand_in():
    """The CPU stand-in for CuPy (not installed as ``cupy``)."""
    if shutil.which("g++") is None:
        pytest.skip("g++ is not on PATH: the emulated kernels cannot be compiled")
    return load_cupy_stand_in()


@pytest.fixture(params=["stand-in", "gpu"])
def cp(request, monkeypatch):
    """``cupy`` for the test: the stand-in (as ``import cupy``), or CuPy on a real GPU."""
    if request.param == "gpu":
        cupy = _real_cupy()
        reason = CupyBackend().unavailable_reason()
        if reason:
            pytest.skip(reason)
        return cupy
    module = request.getfixturevalue("stand_in")
    monkeypatch.setitem(sys.modules, "cupy", module)
    return module


def _real_cupy():
    """The installed CuPy (importable without a device), or skip."""
    if importlib.util.find_spec("cupy") is None:
        pytest.skip("CuPy is not installed (pip install cupy-cuda12x)")
    import cupy

    if getattr(cupy, "EMULATED", False):
        pytest.skip("`cupy` is the CPU stand-in here; this check needs the real CuPy")
    return cupy


# ------------------------------------------------- CUDA source, compiled with nvcc


def test_layouts_cover_every_kernel():
    assert set(LAYOUTS) == set(_kernels.CUDA_KERNELS)
    for name, (ins, outs, _) in _kernels.CUDA_KERNELS.items():
        n_params = len(ins.split(",")) + len(outs.split(","))
        assert all(len(layout) == n_params for layout in LAYOUTS[name]), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(_kernels.CUDA_KERNELS))
def test_cuda_kernel_compiles_with_nvcc(name, dtype, tmp_path):
    cupy = _real_cupy()
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not on PATH")
    try:
        from cupy._core import _carray, _scalar, core
        from cupy._core import _kernel as K

        generate = K._get_elementwise_kernel_code
        options = core.assemble_cupy_compiler_options(())
    except (ImportError, AttributeError) as exc:  # private API of CuPy 14
        pytest.skip(f"this CuPy has no code generator API as CuPy 14: {exc}")
    kernel = cupy.ElementwiseKernel(*_kernels.CUDA_KERNELS[name], name)
    dt = np.dtype(dtype)
    for layout in LAYOUTS[name]:
        infos, in_dtypes, out_dtypes = [], [], []
        for k, (param, kind) in enumerate(zip(kernel.in_params + kernel.out_params, layout)):
            param_dtype = param.dtype if param.dtype is not None else dt
            if kind == "s":
                infos.append(K._ArgInfo(3, _scalar.CScalar, param_dtype, 0, True, True))
            else:
                infos.append(K._ArgInfo(1, cupy.ndarray, param_dtype, kind, True, True))
            is_array = kind != "s"
            (in_dtypes if k < kernel.nin else out_dtypes).append(dt if is_array else None)
        ndim = max(kind for kind in layout if kind != "s")
        infos.append(K._ArgInfo(2, _carray.Indexer, None, ndim, True, True))
        # Type variables resolved from the array arguments, as a call would.
        _, _, type_map = kernel._decide_params_type(tuple(in_dtypes), tuple(out_dtypes))
        code = generate(
            tuple(infos), type_map, kernel.params, kernel.operation, name, kernel.preamble
        )
        source = tmp_path / f"{name}.cu"
        source.write_text("#include <cupy/carray.cuh>\n" + code)
        proc = subprocess.run(
            [nvcc, "-arch=sm_90", "--ptx", "-o", str(tmp_path / "k.ptx"), str(source), *options],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, f"{name} {layout}:\n{code}\n{proc.stderr}"
        assert f".entry {name}" in (tmp_path / "k.ptx").read_text()


def test_emulated_names_exist_in_cupy():
    cupy = _real_cupy()
    stand_in = load_cupy_stand_in()
    names = [*stand_in.FUNCTIONS, *stand_in.HOST_INPUT, *stand_in._UFUNCS, *stand_in.OTHER]
    missing = [n for n in names if not hasattr(cupy, n)]
    assert not missing, f"the stand-in allows names CuPy lacks: {missing}"
    for name, allowed in {**stand_in.FUNCTIONS, **stand_in.HOST_INPUT}.items():
        try:
            params = inspect.signature(getattr(cupy, name)).parameters
        except (TypeError, ValueError):  # a compiled function without a signature
            continue
        assert set(allowed) <= set(params), (name, set(allowed) - set(params))


# ----------------------------------------------------------- the stand-in itself


def test_stand_in_refuses_what_cupy_refuses(stand_in):
    xd = stand_in.asarray(np.ones((2, 3), np.float32))
    host = np.ones((3, 2), np.float32)
    with pytest.raises(TypeError, match="host array"):
        stand_in.matmul(xd, host)
    with pytest.raises(TypeError, match="host array"):
        xd + host.T
    with pytest.raises(TypeError, match="unexpected keyword"):
        stand_in.take(xd, stand_in.asarray(np.array([0])), axis=0, mode="clip")
    with pytest.raises(AttributeError):
        stand_in.vecdot  # noqa: B018 - CuPy 14 has no vecdot
    kernel = stand_in.ElementwiseKernel("T x", "T y", "y = x + 1;", "k")
    with pytest.raises(TypeError, match="Type is mismatched"):
        kernel(stand_in.asarray(np.ones(3, np.float64)), stand_in.empty(3, np.float32))
    with pytest.raises(ValueError, match="Out shape"):
        kernel(xd, stand_in.empty((3,), np.float32))
    y = kernel(xd)
    assert type(y) is stand_in.ndarray and y.dtype == np.float32
    assert_allclose(stand_in.asnumpy(y), 2.0)
    assert type(stand_in.asnumpy(y)) is np.ndarray


def test_stand_in_writes_strided_outputs(stand_in):
    kernel = stand_in.ElementwiseKernel("T x, T s", "T y", "y = y * s + x;", "k2")
    x = stand_in.asarray(np.arange(6, dtype=np.float64).reshape(2, 3))
    y = stand_in.asarray(np.ones((3, 2)))
    assert kernel(x, 2.0, y.T) is not None
    assert_allclose(stand_in.asnumpy(y), np.arange(6).reshape(2, 3).T + 2.0)


# ------------------------------------------------ kernels against plain operations


@pytest.fixture
def plain(monkeypatch):
    """NumPy without the Numba kernels: the plain array operations."""
    monkeypatch.setattr(_kernels, "ENABLED", False)


def _to(xp, arrays):
    # A copy on either side: the updates happen in place.
    return [xp.asarray(a.copy()) for a in arrays]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-6), (np.float64, 1e-13)])
@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_optimizer_kernels(cp, plain, make, dtype, rtol):
    rng = np.random.RandomState(0)
    shapes = [(7, 5), (5,)]
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(3)]
    results = {}
    for xp in (np, cp):
        opt = make()
        params = _to(xp, start)
        state = opt.init(params, xp)
        sums = [opt.step(params, _to(xp, g), state, xp, l2=(0.3, 1)) for g in grads]
        results[xp.__name__] = ([np.asarray(xp.asnumpy(p)) if xp is cp else p
                                 for p in params], [float(s) for s in sums])  # fmt: skip
    (ref, ref_sums), (got, got_sums) = results["numpy"], results["cupy"]
    assert got_sums == pytest.approx(ref_sums, rel=rtol)
    for a, b in zip(got, ref):
        assert a.dtype == dtype
        assert_allclose(a, b, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernels(cp, plain, dtype):
    rng = np.random.RandomState(0)
    Z, dA = (rng.standard_normal((6, 4)).astype(dtype) for _ in range(2))
    b = rng.standard_normal(4).astype(dtype)
    relu = activations.ReLU()
    A_ref = relu.forward_with_bias(Z.copy(), b, np)
    dZ_ref = relu.derivative(A_ref, dA.copy(), np)
    A = relu.forward_with_bias(cp.asarray(Z), cp.asarray(b), cp)
    dZ = relu.derivative(A, cp.asarray(dA), cp)
    assert type(A) is cp.ndarray
    assert_allclose(cp.asnumpy(A), A_ref, rtol=0, atol=0)
    assert_allclose(cp.asnumpy(dZ), dZ_ref, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_dropout_kernels(cp, plain, dtype):
    rng = np.random.RandomState(0)
    Z, dA = (rng.standard_normal((6, 4)).astype(dtype) for _ in range(2))
    U = rng.uniform(size=(6, 4)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    relu = activations.ReLU()
    A_ref, M_ref, D_ref = relu.forward_dropout(Z.copy(), b, U.copy(), 0.25, np.empty_like(Z), np)
    dZ_ref = relu.backward_dropout(None, A_ref, dA.copy(), M_ref, np)
    A, M, D = relu.forward_dropout(
        cp.asarray(Z), cp.asarray(b), cp.asarray(U), 0.25, cp.empty(Z.shape, dtype), cp
    )
    dZ = relu.backward_dropout(None, A, cp.asarray(dA), M, cp)
    assert type(D) is cp.ndarray and D.dtype == dtype
    for got, ref in [(A, A_ref), (M, M_ref), (D, D_ref), (dZ, dZ_ref)]:
        assert_allclose(cp.asnumpy(got), ref, rtol=1e-6, atol=0)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_cupy_dropout_fit_is_deterministic_and_unmasked_at_predict(cp, activation):
    X, y = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    params = dict(
        hidden_layer_sizes=(8, 8), max_iter=4, batch_size=32, random_state=0, dropout=0.3,
        activation=activation, backend="cupy",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = DNNClassifier(**params).fit(X, y), DNNClassifier(**params).fit(X, y)
        off = DNNClassifier(**{**params, "dropout": 0.0}).fit(X, y)
    for u, v in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.coefs_[0], off.coefs_[0])
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("link, n_out", [("softmax", 4), ("logistic", 1), ("logistic", 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_kernels(cp, plain, dtype, rtol, link, n_out, weighted):
    raw, Y, sw = cross_entropy_inputs(dtype, link, n_out, weighted)
    loss = losses.CrossEntropy()
    ref_value, ref_grad = loss.value_and_gradient(raw.copy(), Y, sw, link, np)
    value, grad = loss.value_and_gradient(
        *_to(cp, [raw, Y]), None if sw is None else cp.asarray(sw), link, cp
    )
    assert type(grad) is cp.ndarray and grad.dtype == dtype
    assert float(value) == pytest.approx(float(ref_value), rel=rtol)
    assert_allclose(cp.asnumpy(grad), ref_grad, rtol=rtol, atol=1e-7)


# -------------------------------------------- backend="cupy" against backend="numpy"


class _PlainMomentum:
    """A third-party optimizer: no fused kernel, so the L2 penalty takes the array path."""

    def init(self, params, xp):
        return {"v": [xp.zeros_like(p) for p in params]}

    def step(self, params, grads, state, xp):
        for p, g, v in zip(params, grads, state["v"]):
            v *= 0.9
            v -= 0.05 * g
            p += v


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam", alpha=1e-3),
        dict(solver="sgd", nesterovs_momentum=True, alpha=1e-2, learning_rate_init=0.05),
        dict(solver="sgd", nesterovs_momentum=False, alpha=1e-2, learning_rate_init=0.05),
        dict(solver=_PlainMomentum(), alpha=1e-2, activation="tanh"),
        dict(activation="logistic", loss="mse"),
        dict(early_stopping=True, validation_fraction=0.2),
    ],
    ids=["adam", "sgd-nesterov", "sgd", "third-party-solver", "logistic-mse", "early-stop"],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_cupy_backend_fits_like_numpy(cp, params, n_classes):
    X, y = make_classification(120, 6, n_informative=4, n_classes=n_classes, random_state=0)
    X = X.astype(np.float32)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    common = dict(hidden_layer_sizes=(8, 8), max_iter=6, batch_size=32, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cpu = DNNClassifier(**common, **params).fit(X, y, sample_weight=sw)
        gpu = DNNClassifier(backend="cupy", **common, **params).fit(X, y, sample_weight=sw)
    for a, b in zip(gpu.coefs_ + gpu.intercepts_, cpu.coefs_ + cpu.intercepts_):
        assert type(a) is np.ndarray and a.dtype == np.float32
        assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert gpu.loss_curve_ == pytest.approx(cpu.loss_curve_, rel=1e-4)
    assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-5)
    # Device input answers on the device.
    Xd = cp.asarray(X)
    assert type(gpu.predict_proba(Xd)) is cp.ndarray
    assert_allclose(cp.asnumpy(gpu.predict_proba(Xd)), gpu.predict_proba(X), atol=1e-6)


def test_cupy_backend_streams_rows_when_device_is_small(cp, monkeypatch):
    X, y = make_classification(200, 5, random_state=0)
    X = X.astype(np.float32)
    common = dict(hidden_layer_sizes=(6,), max_iter=4, batch_size=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole = DNNClassifier(backend="cupy", **common).fit(X, y)
        if getattr(cp, "EMULATED", False):
            monkeypatch.setattr(cp.cuda.runtime, "free_bytes", X.nbytes // 4)
        else:
            monkeypatch.setattr(CupyBackend, "fits", lambda self, X: False)
        assert not CupyBackend().fits(X)
        streamed = DNNClassifier(backend="cupy", **common).fit(X, y)
    for a, b in zip(streamed.coefs_, whole.coefs_):
        assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_device_weight_cache_follows_backend_and_weights(cp):
    X, y = make_classification(60, 4, random_state=0)
    X = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DNNClassifier((5,), backend="cupy", max_iter=3, random_state=0).fit(X, y)
    before = dict(clf.__dict__)
    proba = clf.predict_proba(X)
    assert clf.__dict__ == before  # the cache is filled, not added
    assert clf._cache.net.xp is cp
    # New weight arrays: new device copies, not the stale ones.
    clf.coefs_ = [W * 2 for W in clf.coefs_]
    doubled = clf.predict_proba(X)
    assert not np.allclose(doubled, proba)
    clf.set_params(backend="numpy")
    assert_allclose(clf.predict_proba(X), doubled, atol=1e-6)
    clf.set_params(backend="cupy")
    assert_allclose(clf.predict_proba(X), doubled, atol=1e-6)
    assert clf._cache.net.xp is cp
    # Pickling drops the copies and gives the loaded model an empty cache; the pickled
    # model keeps its own.
    cache = clf._cache
    loaded = pickle.loads(pickle.dumps(clf))
    assert clf._cache is cache and cache.net is not None
    assert loaded._cache.net is None
    assert_allclose(loaded.predict_proba(X), doubled, atol=1e-6)


def test_stand_in_arrays_do_not_become_numpy_implicitly(stand_in):
    xd = stand_in.asarray(np.arange(4.0))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        np.asarray(xd)
    assert_allclose(np.sum(xd).get(), 6.0)  # dispatched to the device, as CuPy does
    with pytest.raises(TypeError):
        np.unique(xd)  # no cupy.unique in the stand-in: NumPy finds no implementation
    assert type(xd.reshape(2, 2).T) is stand_in.ndarray
    assert type(xd[1:]) is stand_in.ndarray and float(xd[1:].sum()) == 6.0


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_cupy_fit_copies_once_per_epoch_not_per_batch(stand_in, monkeypatch, solver):
    """Per epoch: the loss is read on the host and the epoch's shuffled order goes to
    the device (drawn on the host, so every backend shuffles alike); nothing per batch."""
    monkeypatch.setitem(sys.modules, "cupy", stand_in)
    X, y = make_classification(1200, 8, random_state=0)
    X = X.astype(np.float32)
    counts = {}
    for batch_size, epochs in [(50, 2), (200, 2), (200, 4)]:
        stand_in.transfers.update(to_host=0, syncs=0, to_device=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            DNNClassifier(
                (16,), backend="cupy", solver=solver, batch_size=batch_size, max_iter=epochs,
                tol=0, random_state=0,
            ).fit(X, y)  # fmt: skip
        counts[batch_size, epochs] = dict(stand_in.transfers)
    assert counts[50, 2] == counts[200, 2]  # 24 or 6 batches per epoch: the same traffic
    per_epoch = {k: (counts[200, 4][k] - counts[200, 2][k]) / 2 for k in counts[200, 2]}
    assert per_epoch == {"to_host": 0, "syncs": 1, "to_device": 1}


def test_cupy_device_input_never_leaves_the_device(stand_in, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", stand_in)
    X, y = make_classification(300, 8, random_state=0)
    X = X.astype(np.float32)
    Xd = stand_in.asarray(X)
    counts = {}
    for name, data in [("host", X), ("device", Xd)]:
        stand_in.transfers.update(to_host=0, syncs=0, to_device=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = DNNClassifier((16,), backend="cupy", max_iter=2, random_state=0).fit(data, y)
        counts[name] = dict(stand_in.transfers)
    # X itself is the one array not copied in; nothing more is copied out (the fitted
    # weights and optimizer state are, in both cases). The extra sync is the
    # finiteness check of X, one boolean.
    assert counts["device"]["to_device"] == counts["host"]["to_device"] - 1
    assert counts["device"]["to_host"] == counts["host"]["to_host"]
    assert counts["device"]["syncs"] == counts["host"]["syncs"] + 1
    clf.predict_proba(Xd)  # fills the device copies of the weights
    stand_in.transfers.update(to_host=0, syncs=0, to_device=0)
    P = clf.predict_proba(Xd)
    assert type(P) is stand_in.ndarray
    assert stand_in.transfers == {"to_host": 0, "syncs": 1, "to_device": 0}


def test_cupy_fitted_model_loads_where_cupy_cannot_be_imported(stand_in, monkeypatch, tmp_path):
    """Fitted through the CuPy path, dumped with joblib, then loaded and used in a fresh
    process where ``import cupy`` fails: a device array left in the estimator's state
    would not even unpickle there."""
    import joblib

    monkeypatch.setitem(sys.modules, "cupy", stand_in)
    X, y = make_classification(200, 6, n_classes=3, n_informative=4, random_state=0)
    X = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # skdnn's own class: the fresh process need not import this test package.
        clf = skdnn.DNNClassifier((8,), backend="cupy", max_iter=3, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    joblib.dump(clf, tmp_path / "model.joblib")
    np.save(tmp_path / "X.npy", X)
    script = (
        "import sys; sys.modules['cupy'] = None\n"  # import cupy raises ImportError
        "import joblib, numpy as np\n"
        f"clf = joblib.load({str(tmp_path / 'model.joblib')!r})\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        f"np.save({str(tmp_path / 'P.npy')!r}, clf.predict_proba(X))\n"
        "assert clf.backend == 'cupy'\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert_allclose(np.load(tmp_path / "P.npy"), expected, rtol=1e-5, atol=1e-6)


def test_cupy_grid_search_in_threads(cp):
    """The README's safe choice for a GPU estimator in GridSearchCV: threads, one
    process (one CUDA context)."""
    import joblib
    from sklearn.model_selection import GridSearchCV

    X, y = make_classification(150, 5, random_state=0)
    X = X.astype(np.float32)
    search = GridSearchCV(
        DNNClassifier((6,), backend="cupy", max_iter=3, random_state=0),
        {"alpha": [1e-4, 1e-2], "solver": ["adam", "sgd"]},
        cv=2,
        n_jobs=2,
    )
    with warnings.catch_warnings(), joblib.parallel_config(backend="threading"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_estimator_.backend == "cupy"
    assert len(search.cv_results_["mean_test_score"]) == 4
    sequential = DNNClassifier((6,), backend="cupy", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sequential.set_params(**search.best_params_).fit(X, y)
    assert_allclose(search.best_estimator_.predict_proba(X), sequential.predict_proba(X))
