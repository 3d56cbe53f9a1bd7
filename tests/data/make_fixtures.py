"""Write the model files ``tests/test_saved_models.py`` loads: run once per release, with
that release installed, and commit what it writes (``python tests/data/make_fixtures.py``)."""

from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import make_classification, make_regression

import skdnn

HERE = Path(__file__).parent


def main():
    """Fit, save and record the fixture models of this version."""
    import skops.io as sio

    version = skdnn.__version__
    X, y = make_classification(
        n_samples=60, n_features=4, n_classes=3, n_informative=3, n_redundant=0, random_state=0
    )
    Xr, yr = make_regression(n_samples=60, n_features=4, random_state=0)
    models = {
        "classifier": skdnn.DNNClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(
            X, np.array(["ant", "bee", "cat"])[y]
        ),
        "regressor": skdnn.DNNRegressor(
            hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20, random_state=0
        ).fit(Xr, yr),
    }
    expected = {
        "X": X,
        "classifier": models["classifier"].predict_proba(X),
        "regressor": models["regressor"].predict(X),
    }
    for name, model in models.items():
        joblib.dump(model, HERE / f"{name}_{version}.joblib")
        sio.dump(model, HERE / f"{name}_{version}.skops")
    np.savez(HERE / f"expected_{version}.npz", **expected)
    print("wrote", sorted(p.name for p in HERE.glob(f"*{version}*")))


if __name__ == "__main__":
    main()
