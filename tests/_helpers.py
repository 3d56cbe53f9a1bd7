"""What the test modules share: the estimator on the test backend, fake backends, inputs
and assertions.

Import from here as a package module (``from tests._helpers import DNNClassifier``).
Worker processes (joblib/loky) import this module too, to unpickle the estimators the
tests build, so importing it must stay free of side effects.
"""

import importlib.util
import inspect
import os
import types
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.utils.fixes import parse_version

import skdnn
from skdnn import optimizers
from skdnn.backends import NumpyBackend

# ------------------------------------------------------------------ test backend

#: ``SKDNN_TEST_BACKEND`` as given: "numpy" (the default), "array_api_strict", "torch",
#: or "emulated_cupy" (backend="cupy" on the CPU stand-in for CuPy).
TEST_BACKEND = os.environ.get("SKDNN_TEST_BACKEND", "numpy")
#: The ``backend`` parameter the suite's estimators take by default.
BACKEND = "cupy" if TEST_BACKEND == "emulated_cupy" else TEST_BACKEND
#: For tests that compare with MLPRegressor's ``loss`` and MLP's ``sample_weight``,
#: which scikit-learn 1.7 added (the package runs on 1.6 too).
needs_sklearn_1_7 = pytest.mark.skipif(
    parse_version(sklearn.__version__) < parse_version("1.7"),
    reason="compares with MLPRegressor's loss parameter, new in scikit-learn 1.7",
)
#: The folder holding the CPU stand-in for CuPy, a package named ``cupy``.
EMULATED_CUPY = Path(__file__).parent / "emulated"


def for_test_backend(cls, backend=BACKEND):
    """``cls`` itself, or a subclass of the same name whose ``backend`` defaults to ``backend``.

    The subclass's ``__init__`` is a new function object built from the code of
    ``cls.__init__`` with its own keyword defaults, so ``inspect.signature`` (and with it
    scikit-learn's ``get_params``, ``clone`` and ``check_estimator``) reports the new
    default while ``cls.__init__`` is left untouched.

    Bind the result to ``cls.__name__`` in this module: that is where pickle looks the
    subclass up (worker processes included).

    Parameters
    ----------
    cls : type
        An estimator class whose ``__init__`` takes a keyword-only ``backend``.
    backend : str, default=BACKEND
        The default ``backend`` of the returned class.

    Returns
    -------
    type
    """
    if inspect.signature(cls).parameters["backend"].default == backend:
        return cls
    init = cls.__init__
    if "backend" not in (init.__kwdefaults__ or {}):
        raise TypeError(f"{cls.__name__}.__init__ has no keyword-only 'backend' parameter")
    new_init = types.FunctionType(
        init.__code__, init.__globals__, init.__name__, init.__defaults__, init.__closure__
    )
    new_init.__kwdefaults__ = {**init.__kwdefaults__, "backend": backend}
    # Not functools.update_wrapper: its __wrapped__ would lead inspect.signature back to
    # the original defaults.
    for attr in ("__module__", "__qualname__", "__doc__", "__annotations__"):
        setattr(new_init, attr, getattr(init, attr))
    namespace = {
        "__init__": new_init,
        "__module__": __name__,
        "__qualname__": cls.__name__,
        # Not cls.__doc__: --doctest-modules would run its examples a second time here.
        "__doc__": f"{cls.__name__} whose backend defaults to {backend!r}.",
    }
    return type(cls)(cls.__name__, (cls,), namespace)


#: ``skdnn.DNNClassifier``, its ``backend`` defaulting to the test backend.
DNNClassifier = for_test_backend(skdnn.DNNClassifier)
DNNRegressor = for_test_backend(skdnn.DNNRegressor)
TabularClassifier = for_test_backend(skdnn.TabularClassifier)
TabularRegressor = for_test_backend(skdnn.TabularRegressor)

# ---------------------------------------------------------------- fake backends


class FakeGPUBackend(NumpyBackend):
    """A device-like backend (no sparse support) that runs anywhere."""

    name = "fakegpu"
    supports_sparse = False


class NoOutBackend(NumpyBackend):
    """NumPy without flat parameter buffers: another optimizer-state layout."""

    supports_out = False


class SmallDeviceBackend(NumpyBackend):
    """A backend whose memory X never fits in: the rows are streamed per minibatch."""

    def fits(self, X):
        return False


# ------------------------------------------------------- the CPU stand-in for CuPy

STAND_IN = EMULATED_CUPY / "cupy" / "__init__.py"


def load_cupy_stand_in():
    """A fresh copy of the CPU stand-in for CuPy, named ``cupy`` (not in ``sys.modules``).

    Returns
    -------
    module
    """
    spec = importlib.util.spec_from_file_location("cupy", STAND_IN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------- inputs of the fused-kernel tests

#: Optimizer factories, each a fresh instance (the state lives in the step's dict).
#: Shared by the fused-kernel tests (Numba in test_kernels, CuPy in test_cuda_kernels).
OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(learning_rate_init=0.01),
    "sgd-nesterov": lambda: optimizers.SGD(learning_rate_init=0.1, nesterovs_momentum=True),
    "sgd": lambda: optimizers.SGD(learning_rate_init=0.1, nesterovs_momentum=False),
}


def cross_entropy_inputs(dtype, link, n_out, weighted):
    """Logits, targets and sample weights (or None) for 7 rows.

    Two logits are +/-300, so confident rows take the bounded path of ``exp``.

    Returns
    -------
    raw, Y : ndarray of shape (7, n_out)
    sw : ndarray of shape (7,) or None
    """
    rng = np.random.RandomState(0)
    raw = (rng.standard_normal((7, n_out)) * 3).astype(dtype)
    raw[0, 0], raw[1, -1] = 300.0, -300.0
    if link == "softmax":
        Y = np.eye(n_out, dtype=dtype)[rng.randint(0, n_out, 7)]
    else:
        Y = rng.randint(0, 2, (7, n_out)).astype(dtype)
    sw = rng.uniform(0.1, 2.0, 7).astype(dtype) if weighted else None
    return raw, Y, sw


# -------------------------------------------------------------------- assertions


def assert_same(a, b, path="state"):
    """Bitwise equality of nested dicts / lists / arrays / scalars."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    else:
        assert a == b, path
