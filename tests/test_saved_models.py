"""Models saved by earlier versions keep loading: ``tests/data`` holds a classifier and a
regressor saved by skdnn 0.1.0 with joblib and with skops (written by
``tests/data/make_fixtures.py``), and the outputs they gave then."""

from pathlib import Path

import joblib
import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "data"
VERSIONS = ["0.1.0"]


def _check(model, name, expected):
    # Parameters added since the file was saved take their defaults: get_params, repr,
    # clone and set_params work as on a new model.
    fresh = type(model)()
    params = model.get_params()
    for added in ("n_threads", "lr_schedule", "weight_decay", "n_ensemble", "ensemble",
                  "feature_embedding"):
        assert params[added] == fresh.get_params()[added]
    assert repr(model).startswith(type(model).__name__)
    if name == "classifier":
        np.testing.assert_allclose(model.predict_proba(expected["X"]), expected[name])
    else:
        np.testing.assert_allclose(model.predict(expected["X"]), expected[name])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["classifier", "regressor"])
def test_joblib_files_keep_loading(version, name):
    if np.lib.NumpyVersion(np.__version__) < "2.0.0":
        pytest.skip("the files were pickled under NumPy 2, whose pickles NumPy 1 can't read")
    expected = np.load(FIXTURES / f"expected_{version}.npz")
    _check(joblib.load(FIXTURES / f"{name}_{version}.joblib"), name, expected)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["classifier", "regressor"])
def test_skops_files_keep_loading(version, name):
    sio = pytest.importorskip("skops.io", reason="the skops extra is not installed")
    expected = np.load(FIXTURES / f"expected_{version}.npz")
    model = sio.load(FIXTURES / f"{name}_{version}.skops", trusted=[f"skdnn.DNN{name.title()}"])
    _check(model, name, expected)
