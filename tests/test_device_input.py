"""Input that is already the backend's own array stays there, and so do the answers.

Torch CPU tensors and array-api-strict arrays stand in for CUDA tensors, and the CPU
stand-in for CuPy (which refuses implicit conversion to NumPy, as CuPy does) for CuPy
arrays where no GPU answers.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from tests._helpers import DNNClassifier

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)


def _torch():
    return pytest.importorskip("torch")


def _strict():
    return pytest.importorskip("array_api_strict")


BACKENDS = {
    "torch": lambda a: _torch().asarray(a),
    "array_api_strict": lambda a: _strict().asarray(a),
    "cupy": None,  # the fixture below
}


@pytest.fixture
def to_device(name, request):
    """Copy a host array into the library of backend ``name``."""
    if name == "cupy":
        return request.getfixturevalue("cupy_or_stand_in").asarray
    return BACKENDS[name]


def _host(a):
    """A device array's values on the host (CuPy's ``.get()``, else DLPack)."""
    return a.get() if hasattr(a, "get") else np.from_dlpack(a)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y


@pytest.mark.parametrize("name", list(BACKENDS))
def test_device_input_trains_like_host_input_and_answers_on_device(name, data, to_device):
    X, y = data
    Xd = to_device(X)  # skips here when the library is missing
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, backend=name)
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    host = DNNClassifier(**params).fit(X, y, sample_weight=sw)
    device = DNNClassifier(**params).fit(to_device(X), to_device(y), sample_weight=to_device(sw))
    for a, b in zip(host.coefs_, device.coefs_):
        assert isinstance(b, np.ndarray)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    P = device.predict_proba(Xd)
    assert type(P) is type(Xd)
    np.testing.assert_allclose(_host(P), host.predict_proba(X), rtol=1e-12)
    labels = device.predict(Xd)
    assert type(labels) is type(Xd)
    np.testing.assert_array_equal(_host(labels), host.predict(X))
    log_p = device.predict_log_proba(Xd)
    assert type(log_p) is type(Xd)
    np.testing.assert_allclose(_host(log_p), np.log(host.predict_proba(X)), rtol=1e-9)
    # Host input still gets host answers.
    assert isinstance(device.predict_proba(X), np.ndarray)


@pytest.mark.parametrize("name", list(BACKENDS))
def test_device_input_binary_and_string_labels(name, data, to_device):
    X, y = data
    labels = np.array(["no", "yes"])[(y > 0).astype(int)]
    clf = DNNClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0, backend=name)
    clf.fit(to_device(X), labels)
    P = clf.predict_proba(to_device(X))
    assert tuple(P.shape) == (len(X), 2)
    np.testing.assert_allclose(_host(P).sum(axis=1), 1.0, rtol=1e-12)
    pred = clf.predict(to_device(X))  # strings cannot live on a device: NumPy
    assert isinstance(pred, np.ndarray) and set(pred) <= {"no", "yes"}


@pytest.mark.parametrize("name", list(BACKENDS))
def test_bad_device_input_is_a_clear_error(name, data, to_device):
    X, y = data
    clf = DNNClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0, backend=name)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        clf.fit(to_device(bad), y)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D"):
        clf.fit(to_device(X[:, 0]), y)
    clf.fit(to_device(X), y)
    with pytest.raises(ValueError, match="X has 4 features, but DNNClassifier is expecting 6"):
        clf.predict(to_device(X[:, :4]))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(to_device(X), y[:-1])
