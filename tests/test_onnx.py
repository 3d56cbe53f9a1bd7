"""Tests of the ONNX export (skdnn.onnx): onnxruntime agrees with predict and predict_proba."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

from skl2onnx import to_onnx  # noqa: E402
from skl2onnx._supported_operators import sklearn_operator_name_map  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skdnn.onnx  # noqa: E402
from skdnn import DNNClassifier, DNNRegressor, activations, losses  # noqa: E402

ACTIVATIONS = activations.registry.names()
KINDS = ["binary", "multiclass", "strings", "multilabel", "regression", "multioutput", "poisson"]
NO_ZIPMAP = {"zipmap": False}


def data(kind, dtype=np.float32):
    """``(estimator class, extra parameters, X, y)`` of one model kind."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 4)).astype(dtype)
    if kind == "binary":
        return DNNClassifier, {}, X, (X[:, 0] + X[:, 1] > 0).astype(int)
    if kind == "multiclass":
        return DNNClassifier, {}, X, np.argmax(X[:, :3], axis=1) + 10
    if kind == "strings":
        return DNNClassifier, {}, X, np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3], axis=1)]
    if kind == "multilabel":
        return DNNClassifier, {}, X, (X[:, :3] > 0).astype(int)
    if kind == "regression":
        return DNNRegressor, {}, X, X[:, 0] - 2 * X[:, 1]
    if kind == "multioutput":
        return DNNRegressor, {}, X, X[:, :3] * [1, -2, 3]
    counts = rng.poisson(np.exp(X[:, 0] / 2)).astype(dtype)
    return DNNRegressor, {"loss": "poisson"}, X, counts


def fitted(kind, activation="relu", dtype=np.float32, **params):
    """A small network of ``kind`` trained a few epochs, and its X."""
    cls, extra, X, y = data(kind, dtype)
    params = {
        "hidden_layer_sizes": (6, 5),
        "learning_rate_init": 0.05,
        "max_iter": 5,
        "random_state": 0,
        **extra,
        **params,
    }
    model = cls(activation=activation, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: five epochs on purpose
        return model.fit(X, y), X


def run(onx, X):
    """The outputs of an ONNX model for ``X``, by onnxruntime."""
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


def check_outputs(model, X, onx, atol):
    """onnxruntime's labels equal predict's; its probabilities or values match within
    ``atol``. Returns the largest absolute difference."""
    outputs = run(onx, X)
    if isinstance(model, DNNRegressor):
        (values,) = outputs
        expected = model.predict(X).reshape(len(X), -1)
        assert values.shape == expected.shape
        assert values.dtype == expected.dtype
        assert_allclose(values, expected, rtol=0, atol=atol)
        return float(np.max(np.abs(values - expected)))
    labels, proba = outputs
    assert_array_equal(labels, model.predict(X))
    expected = model.predict_proba(X)
    assert proba.shape == expected.shape
    assert proba.dtype == expected.dtype
    assert_allclose(proba, expected, rtol=0, atol=atol)
    return float(np.max(np.abs(proba - expected)))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_float32_matches_predict(kind, activation):
    """Every model kind with every built-in activation: onnxruntime's outputs equal
    predict/predict_proba within 1e-5 in float32, labels exactly."""
    model, X = fitted(kind, activation)
    options = NO_ZIPMAP if isinstance(model, DNNClassifier) else None
    onx = to_onnx(model, X[:1], options=options)
    check_outputs(model, X, onx, atol=1e-5)


@pytest.mark.parametrize(
    "kind, activation",
    list(zip(KINDS, ["tanh", "gelu", "selu", "mish", "softplus", "silu", "leaky_relu"])),
)
def test_float64_model_gives_a_float64_graph(kind, activation):
    """A float64 model converted from float64 data (DoubleTensorType) computes in float64."""
    model, X = fitted(kind, activation, dtype=np.float64)
    options = NO_ZIPMAP if isinstance(model, DNNClassifier) else None
    onx = to_onnx(model, X[:1], options=options)
    assert check_outputs(model, X, onx, atol=1e-12) < 1e-12


@pytest.mark.parametrize("ensemble", ["batch", "packed"])
@pytest.mark.parametrize("kind", KINDS)
def test_ensembles_export(kind, ensemble):
    """An ensemble's graph: MatMul on each member's (k, fan_in, fan_out) weights, the
    link per member, ReduceMean over members; float32 within 1e-5, float64 1e-12."""
    for dtype, atol in [(np.float32, 1e-5), (np.float64, 1e-12)]:
        model, X = fitted(kind, "tanh", dtype=dtype, n_ensemble=3, ensemble=ensemble)
        options = NO_ZIPMAP if isinstance(model, DNNClassifier) else None
        onx = to_onnx(model, X[:1], options=options)
        ops = {node.op_type for node in onx.graph.node}
        assert {"MatMul", "ReduceMean"} <= ops
        check_outputs(model, X, onx, atol=atol)


def test_per_layer_activations_and_activation_objects():
    """A tuple of activations, one per layer, and built-in objects with parameters."""
    slope = activations.LeakyReLU(negative_slope=0.3)
    for kind in ("multiclass", "regression"):
        model, X = fitted(kind, ("gelu", slope, "selu"), hidden_layer_sizes=(6, 5, 4))
        options = NO_ZIPMAP if kind == "multiclass" else None
        check_outputs(model, X, to_onnx(model, X[:1], options=options), atol=1e-5)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_formulas_hold_at_extreme_inputs(activation):
    """With identity weights the network is the activation itself: the ONNX formulas
    agree with skdnn's from -1e4 to 1e4 (saturation, clipping, tiny values)."""
    Z = np.array([-1e4, -60.0, -5.0, -1e-3, 0.0, 1e-6, 0.7, 5.0, 60.0, 1e4], np.float32)
    X = np.stack([Z, -Z, Z / 7, Z * 3, Z[::-1]], axis=1)
    model = DNNRegressor((5,), activation=activation, solver="lbfgs", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X / 1e4, X / 1e4)  # five inputs, five hidden units, five outputs
    model.coefs_ = [np.eye(5, dtype=np.float32), np.eye(5, dtype=np.float32)]
    model.intercepts_ = [np.zeros(5, np.float32), np.zeros(5, np.float32)]
    (values,) = run(to_onnx(model, X[:1]), X)
    expected = model.predict(X)
    assert np.all(np.isfinite(values))
    assert_allclose(values, expected, rtol=1e-5, atol=1e-6)


def test_dropout_leaves_no_trace():
    """Dropout is training-only: the exported model matches predict."""
    for kind in ("binary", "regression"):
        model, X = fitted(kind, "relu", dropout=0.5)
        options = NO_ZIPMAP if kind == "binary" else None
        check_outputs(model, X, to_onnx(model, X[:1], options=options), atol=1e-5)


def test_mse_loss_and_lbfgs():
    """The classification loss and the solver do not change the graph: MSE and L-BFGS."""
    model, X = fitted("multiclass", "tanh", loss="mse", solver="lbfgs")
    check_outputs(model, X, to_onnx(model, X[:1], options=NO_ZIPMAP), atol=1e-5)


def test_single_class():
    """A classifier fitted on one class predicts it with probability 1."""
    _, _, X, _ = data("binary")
    model = DNNClassifier((3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, np.full(len(X), 7))
    labels, proba = run(to_onnx(model, X[:1], options=NO_ZIPMAP), X)
    assert_array_equal(labels, np.full(len(X), 7))
    assert_array_equal(proba, np.ones((len(X), 1), np.float32))


def test_zipmap_default_gives_one_dict_per_row():
    """With skl2onnx's default zipmap=True the probabilities come as label -> probability."""
    model, X = fitted("strings", "gelu")
    labels, proba = run(to_onnx(model, X[:1]), X)
    assert_array_equal(labels, model.predict(X))
    expected = model.predict_proba(X)
    assert [sorted(row) for row in proba] == [list(model.classes_)] * len(X)
    got = np.array([[row[c] for c in model.classes_] for row in proba])
    assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_zipmap_with_float64_input_is_refused():
    """ONNX's ZipMap takes float32 only: a float64 graph asks for zipmap=False."""
    model, X = fitted("multiclass", dtype=np.float64)
    with pytest.raises(ValueError, match=r"ZipMap takes float32 only.*'zipmap': False"):
        to_onnx(model, X[:1])


def test_nocl_gives_class_indices():
    """skl2onnx's nocl option: labels are class indices instead of the labels."""
    model, X = fitted("strings", "relu")
    labels, _ = run(to_onnx(model, X[:1], options={"zipmap": False, "nocl": True}), X)
    assert_array_equal(model.classes_[labels], model.predict(X))


def test_in_a_pipeline():
    """The converter is found inside a scikit-learn pipeline."""
    _, _, X, y = data("multiclass")
    pipe = make_pipeline(
        StandardScaler(), DNNClassifier((5,), max_iter=5, learning_rate_init=0.05, random_state=0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    labels, proba = run(to_onnx(pipe, X[:1], options={DNNClassifier: NO_ZIPMAP}), X)
    assert_array_equal(labels, pipe.predict(X))
    assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=1e-5)


class Doubling:
    """A user-defined activation: ``f(z) = 2 z``."""

    def forward(self, Z, xp):
        return 2 * Z

    def derivative(self, A, dA, xp):
        return 2 * dA


class MyReLU(activations.ReLU):
    """A subclass of a built-in activation: the export cannot know what it changed."""


@pytest.mark.parametrize(
    "activation, layer, name",
    [
        (Doubling(), 1, "Doubling"),
        (("relu", Doubling()), 2, "Doubling"),
        (MyReLU(), 1, "MyReLU"),
    ],
)
@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_user_defined_activation_is_refused(kind, activation, layer, name):
    """to_onnx names the user-defined activation and its layer, and says why."""
    model, X = fitted(kind, activation)
    with pytest.raises(
        ValueError, match=rf"hidden layer {layer} \(a .*{name}\).*ONNX cannot express"
    ):
        to_onnx(model, X[:1], options=NO_ZIPMAP if kind == "multiclass" else None)


class WeightedCrossEntropy(losses.CrossEntropy):
    """A user-defined loss: cross-entropy counted twice."""

    def value_and_gradient(self, raw, Y, sample_weight, out_activation, xp):
        loss, grad = super().value_and_gradient(raw, Y, sample_weight, out_activation, xp)
        return 2 * loss, 2 * grad


def test_user_defined_loss_exports():
    """The loss only trains the network; predictions are the output link of the raw
    outputs, which the graph computes, so a user-defined loss exports."""
    model, X = fitted("multiclass", "tanh", loss=WeightedCrossEntropy())
    check_outputs(model, X, to_onnx(model, X[:1], options=NO_ZIPMAP), atol=1e-5)


def test_unknown_output_link_is_refused():
    """An output link outside the built-in ones names itself and the loss."""
    model, X = fitted("regression")
    model.out_activation_ = "softsign"
    with pytest.raises(ValueError, match=r"out_activation_='softsign' \(from loss="):
        to_onnx(model, X[:1])


def test_check_exportable_needs_a_fitted_skdnn_model():
    """check_exportable refuses other estimators and unfitted models."""
    from sklearn.exceptions import NotFittedError

    with pytest.raises(TypeError, match="DNNClassifier or DNNRegressor"):
        skdnn.onnx.check_exportable(StandardScaler())
    with pytest.raises(NotFittedError):
        skdnn.onnx.check_exportable(DNNRegressor())


def test_register_is_idempotent():
    """Registering again keeps one registration, under the documented aliases."""
    skdnn.onnx.register()
    skdnn.onnx.register()
    assert sklearn_operator_name_map[DNNClassifier] == skdnn.onnx.CLASSIFIER_ALIAS
    assert sklearn_operator_name_map[DNNRegressor] == skdnn.onnx.REGRESSOR_ALIAS
    model, X = fitted("binary")
    check_outputs(model, X, to_onnx(model, X[:1], options=NO_ZIPMAP), atol=1e-5)


def test_import_skdnn_does_not_import_skl2onnx():
    """skdnn itself never needs skl2onnx: only importing skdnn.onnx loads it."""
    code = (
        "import sys, skdnn; assert 'skl2onnx' not in sys.modules; "
        "import skdnn.onnx; assert 'skl2onnx' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_skl2onnx_import_works_and_register_says_what_to_install():
    """With skl2onnx unimportable, ``import skdnn.onnx`` works (check_exportable needs no
    skl2onnx) and register() names the extra to install."""
    code = (
        "import sys; sys.modules['skl2onnx'] = None\n"
        "import skdnn.onnx\n"
        "try:\n"
        "    skdnn.onnx.register()\n"
        "except ImportError as exc:\n"
        "    assert 'skdnn[onnx]' in str(exc), exc\n"
        "else:\n"
        "    raise SystemExit('register() did not raise')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
