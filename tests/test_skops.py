"""Safe persistence with skops: round trips, and the types a loader is asked to trust."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

import skdnn
from skdnn import activations, initializers, layers, losses, optimizers, schedules
from tests._helpers import BACKEND

sio = pytest.importorskip("skops.io", reason="the skops extra is not installed")

X, Y = make_classification(n_samples=90, n_features=5, n_classes=3, n_informative=3, random_state=0)
XR, YR = make_regression(n_samples=80, n_features=5, n_targets=2, random_state=0)
#: What loading a model built from skdnn's own parts asks to trust.
SKDNN_PUBLIC = {
    "skdnn.DNNClassifier",
    "skdnn.DNNRegressor",
    *(
        f"{m.__name__}.{name}"
        for m in (activations, initializers, layers, losses, optimizers, schedules)
        for name in m.__all__
    ),
}


def _models():
    small = dict(hidden_layer_sizes=(6, 4), max_iter=3, random_state=0, backend=BACKEND)
    yield "adam", skdnn.DNNClassifier(**small), (X, Y)
    yield "strings", skdnn.DNNClassifier(**small), (X, np.array(["a", "b", "c"])[Y])
    yield "multilabel", skdnn.DNNClassifier(**small), (X, np.eye(3, dtype=int)[Y])
    yield (
        "sgd_early",
        skdnn.DNNClassifier(solver="sgd", early_stopping=True, validation_scoring="loss", **small),
        (X, Y),
    )
    yield "dropout", skdnn.DNNClassifier(dropout=0.2, activation="gelu", **small), (X, Y)
    yield "lbfgs", skdnn.DNNRegressor(solver="lbfgs", **small), (XR, YR)
    yield "ensemble_batch", skdnn.DNNClassifier(n_ensemble=3, **small), (X, Y)
    yield "ensemble_packed", skdnn.DNNRegressor(n_ensemble=2, ensemble="packed", **small), (XR, YR)
    yield "poisson", skdnn.DNNRegressor(loss="poisson", **small), (XR, np.abs(YR[:, 0]))
    yield "periodic", skdnn.DNNClassifier(feature_embedding="periodic", **small), (X, Y)
    yield (
        "piecewise_linear",
        skdnn.DNNRegressor(feature_embedding=layers.PiecewiseLinearEmbedding(n_bins=8), **small),
        (XR, YR),
    )
    yield (
        "training_tools",
        skdnn.DNNClassifier(
            lr_schedule=schedules.WarmupCosine(warmup=0.2),
            weight_decay=0.01,
            label_smoothing=0.1,
            **small,
        ),
        (X, Y),
    )
    yield "coslog4", skdnn.DNNRegressor(lr_schedule=schedules.CosLog(), **small), (XR, YR)
    yield (
        "plugin_objects",
        skdnn.DNNClassifier(
            loss=losses.CrossEntropy(),
            activation=[activations.SELU(), activations.Tanh()],
            init=initializers.XavierUniform(),
            solver=optimizers.SGD(),
            **small,
        ),
        (X, Y),
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", [kind for kind, _, _ in _models()])
def test_round_trip_trusts_only_skdnn_public_types(kind):
    _, model, (Xk, yk) = next(m for m in _models() if m[0] == kind)
    model.fit(Xk, yk)
    data = sio.dumps(model)
    untrusted = set(sio.get_untrusted_types(data=data))
    assert untrusted <= SKDNN_PUBLIC, untrusted - SKDNN_PUBLIC
    assert {f"skdnn.{type(model).__name__}"} <= untrusted
    assert not any(t.startswith("skdnn._") for t in untrusted)
    loaded = sio.loads(data, trusted=sorted(untrusted))
    np.testing.assert_array_equal(loaded.predict(Xk), model.predict(Xk))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(Xk), model.predict_proba(Xk))
    # The loaded model trains on as the original does.
    if model.lr_schedule is not None:  # partial_fit refuses a schedule: a warm start
        for est in (model, loaded):
            est.set_params(warm_start=True).fit(Xk, yk)
        np.testing.assert_allclose(loaded.coefs_[0], model.coefs_[0])
    elif model.solver != "lbfgs" and not model.early_stopping:
        model.partial_fit(Xk, yk)
        loaded.partial_fit(Xk, yk)
        np.testing.assert_allclose(loaded.coefs_[0], model.coefs_[0])


class Halving:
    """A user's activation, not one of skdnn's: a loader must be asked to trust it."""

    def forward(self, Z, xp):
        return Z / 2

    def derivative(self, A, dA, xp):
        return dA / 2


def test_a_users_plugin_is_untrusted_until_trusted():
    model = skdnn.DNNClassifier(
        hidden_layer_sizes=(4,),
        activation=Halving(),
        max_iter=2,
        random_state=0,
        backend=BACKEND,
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y)
    data = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=data)
    assert f"{__name__}.Halving" in untrusted
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(data, trusted=["skdnn.DNNClassifier"])
    loaded = sio.loads(data, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
