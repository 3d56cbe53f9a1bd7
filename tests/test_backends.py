"""Tests of the array backends."""

import importlib.util
import pickle

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skdnn.backends import CupyBackend, NumpyBackend, registry
from tests._helpers import DNNClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def X():
    """A small float32 C-contiguous matrix."""
    return np.arange(20, dtype=np.float32).reshape(5, 4)


@pytest.fixture
def data():
    """A small separable three-class problem."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((90, 4)).astype(np.float32)
    y = np.argmax(X[:, :3], axis=1)
    return X, y


def test_numpy_backend_is_registered():
    """The "numpy" name resolves to an available NumpyBackend."""
    be = registry.resolve("numpy")
    assert isinstance(be, NumpyBackend)
    assert be.name == "numpy" and be.xp is np and be.supports_sparse
    assert be.is_available() and be.unavailable_reason() == ""


def test_asarray_no_copy_for_matching_input(X):
    """float32 C-contiguous input is used as is."""
    out = NumpyBackend().asarray(X, np.float32)
    assert np.shares_memory(out, X)
    assert out.dtype == np.float32


def test_asarray_copies_fortran_order(X):
    """F-ordered input is copied to C order."""
    F = np.asfortranarray(X)
    out = NumpyBackend().asarray(F, np.float32)
    assert out.flags.c_contiguous
    assert not np.shares_memory(out, F)
    assert_array_equal(out, X)


def test_asarray_converts_dtype(X):
    """Another dtype (or a list) is converted."""
    be = NumpyBackend()
    out = be.asarray(X.astype(np.float64), np.float32)
    assert out.dtype == np.float32
    assert_array_equal(out, X)
    lst = be.asarray(X.tolist(), np.float64)
    assert lst.dtype == np.float64 and lst.flags.c_contiguous
    assert_array_equal(lst, X)


def test_asarray_csr_no_copy(X):
    """CSR input of the right dtype keeps its data."""
    S = sp.csr_matrix(X)
    out = NumpyBackend().asarray(S, np.float32)
    assert sp.issparse(out) and out.format == "csr"
    assert np.shares_memory(out.data, S.data)


def test_asarray_csc_and_dtype_become_csr(X):
    """CSC input and other dtypes become CSR of the requested dtype."""
    be = NumpyBackend()
    out = be.asarray(sp.csc_matrix(X), np.float32)
    assert out.format == "csr" and out.dtype == np.float32
    assert_array_equal(out.toarray(), X)
    out64 = be.asarray(sp.csr_matrix(X), np.float64)
    assert out64.format == "csr" and out64.dtype == np.float64
    assert_array_equal(out64.toarray(), X)


def test_take_rows_index_array(X):
    """Rows gathered by an index array, in order, with repeats."""
    idx = np.array([3, 0, 3])
    assert_array_equal(NumpyBackend().take_rows(X, idx), X[idx])


def test_take_rows_into_out(X):
    """take_rows writes into out and returns it."""
    idx = np.array([4, 1])
    out = np.full((2, 4), -1, dtype=np.float32)
    res = NumpyBackend().take_rows(X, idx, out=out)
    assert res is out
    assert_array_equal(out, X[idx])


def test_take_rows_slice_is_view(X):
    """A slice of a dense array is a view, not a copy."""
    res = NumpyBackend().take_rows(X, slice(1, 3))
    assert np.shares_memory(res, X)
    assert_array_equal(res, X[1:3])


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_take_rows_sparse_gives_dense(X, fmt):
    """Sparse rows come back dense, by index, into out, or by slice."""
    be = NumpyBackend()
    S = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    idx = np.array([2, 0])
    rows = be.take_rows(S, idx)
    assert isinstance(rows, np.ndarray)
    assert_array_equal(rows, X[idx])
    out = np.empty((2, 4), dtype=np.float32)
    assert be.take_rows(S, idx, out=out) is out
    assert_array_equal(out, X[idx])
    sliced = be.take_rows(S, slice(3, 5))
    assert isinstance(sliced, np.ndarray)
    assert_array_equal(sliced, X[3:5])


def test_to_numpy(X):
    """to_numpy returns a NumPy array without copying NumPy input."""
    be = NumpyBackend()
    assert np.shares_memory(be.to_numpy(X), X)
    lst = be.to_numpy([[1.0, 2.0]])
    assert isinstance(lst, np.ndarray)
    assert_array_equal(lst, [[1.0, 2.0]])


def test_matmul_with_out(X):
    """matmul writes into out and returns it."""
    W = np.ones((4, 3), dtype=np.float32)
    out = np.empty((5, 3), dtype=np.float32)
    res = NumpyBackend().matmul(X, W, out=out)
    assert res is out
    assert_allclose(out, X @ W)
    assert_allclose(NumpyBackend().matmul(X, W), X @ W)


# ---------------------------------------------------------- cupy, not installed

no_cupy = pytest.mark.skipif(
    importlib.util.find_spec("cupy") is not None, reason="CuPy is installed"
)


@no_cupy
def test_cupy_unavailable_says_what_to_install():
    """Without CuPy the backend resolves, reports itself unavailable and names the fix."""
    be = registry.resolve("cupy")
    assert isinstance(be, CupyBackend)
    assert not be.is_available()
    assert "pip install cupy" in be.unavailable_reason()


@no_cupy
def test_cupy_fit_raises_runtime_error(data):
    """Regression: fit raised ModuleNotFoundError (resolve ran the xp property);
    it must raise RuntimeError carrying the install hint."""
    X, y = data
    reason = CupyBackend().unavailable_reason()
    clf = DNNClassifier(backend="cupy")
    with pytest.raises(RuntimeError, match=r"backend='cupy' is not available: CuPy cannot"):
        clf.fit(X, y)
    with pytest.raises(RuntimeError) as info:
        clf.fit(X, y)
    assert reason in str(info.value)
    assert not hasattr(clf, "coefs_")


@no_cupy
def test_cupy_model_predicts_on_host(data):
    """A model whose backend is "cupy" loads and predicts where CuPy is missing."""
    X, y = data
    clf = DNNClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    clf.backend = "cupy"
    loaded = pickle.loads(pickle.dumps(clf))
    assert_allclose(loaded.predict_proba(X), expected, rtol=1e-5)  # other backend: rounding


# ------------------------------------------------------------- cupy, on a GPU


class TestCupyGPU:
    """The CuPy backend on a real device (skipped without CuPy or a GPU)."""

    @pytest.fixture(autouse=True)
    def _device(self):
        pytest.importorskip("cupy")
        reason = CupyBackend().unavailable_reason()
        if reason:
            pytest.skip(reason)

    def test_backend_ops(self, X):
        """asarray, take_rows, matmul and to_numpy agree with NumPy."""
        be = CupyBackend()
        Xd = be.asarray(np.asfortranarray(X), np.float32)
        assert Xd.flags.c_contiguous
        idx = be.asarray(np.array([3, 1]), np.int64)
        out = be.xp.empty((2, 4), dtype=np.float32)
        assert be.take_rows(Xd, idx, out=out) is out
        assert_array_equal(be.to_numpy(out), X[[3, 1]])
        assert_array_equal(be.to_numpy(be.take_rows(Xd, slice(0, 2))), X[:2])
        W = be.asarray(np.ones((4, 3)), np.float32)
        res = be.matmul(Xd, W, out=be.xp.empty((5, 3), dtype=np.float32))
        assert isinstance(be.to_numpy(res), np.ndarray)
        assert_allclose(be.to_numpy(res), X @ np.ones((4, 3)), rtol=1e-6)

    def test_fit_matches_numpy(self, data, tmp_path):
        """Same weights and predictions as NumPy in float32; host attributes; joblib."""
        X, y = data
        params = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
        cpu = DNNClassifier(**params).fit(X, y)
        gpu = DNNClassifier(backend="cupy", **params).fit(X, y)
        assert all(type(W) is np.ndarray for W in gpu.coefs_ + gpu.intercepts_)
        assert gpu.coefs_[0].dtype == np.float32
        expected = cpu.predict_proba(X)
        proba = gpu.predict_proba(X)
        assert isinstance(proba, np.ndarray)
        assert_allclose(proba, expected, atol=1e-4)

        path = tmp_path / "model.joblib"
        joblib.dump(gpu, path)
        loaded = joblib.load(path)
        assert loaded._cache.net is None  # device copies are not pickled
        assert all(type(W) is np.ndarray for W in loaded.coefs_)
        assert_allclose(loaded.predict_proba(X), proba, rtol=1e-6, atol=1e-7)


def test_read_only_input_is_used_quietly_and_left_as_it_was(tmp_path):
    """A read-only memmap (or joblib's inputs in workers) trains and predicts on every
    backend without warnings, and is never written to."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.RandomState(0)
    path = tmp_path / "X.npy"
    np.save(path, rng.randn(60, 4))
    X = np.load(path, mmap_mode="r")
    y = (X[:, 0] > 0).astype(int)
    clf = DNNClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        clf.partial_fit(X, y)
        clf.predict_proba(X)
    assert_array_equal(np.asarray(X), np.load(path))
