"""ONNX graphs of the feature embeddings (skdnn.onnx): onnxruntime agrees with forward.

The embeddings' graphs are built here on their own, outside any estimator, with the
converters' graph helper on a minimal scope and container; the estimator-level export
(the embedding followed by the network) is tested in test_onnx.py.
"""

import numpy as np
import pytest

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402

from skdnn import onnx as skdnn_onnx  # noqa: E402
from skdnn.backends import NumpyBackend  # noqa: E402
from skdnn.layers import PeriodicEmbedding, PiecewiseLinearEmbedding  # noqa: E402


class _Scope:
    def __init__(self):
        self.count = 0

    def get_unique_variable_name(self, seed):
        self.count += 1
        return f"{seed}_{self.count}"

    get_unique_operator_name = get_unique_variable_name


class _Container:
    def __init__(self):
        self.nodes, self.initializers = [], []

    def add_initializer(self, name, kind, shape, values):
        self.initializers.append(helper.make_tensor(name, kind, shape, values))

    def add_node(self, op_type, inputs, outputs, name=None, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=name, **attrs))


def run_graph(layer, params, X):
    """The embedding of ``X`` computed by onnxruntime from the layer's graph."""
    g = skdnn_onnx._Graph(_Scope(), _Container(), X.dtype)
    y = skdnn_onnx._embedding(g, layer, params, "x")
    kind = TensorProto.DOUBLE if X.dtype == np.float64 else TensorProto.FLOAT
    graph = helper.make_graph(
        g.container.nodes,
        "embedding",
        [helper.make_tensor_value_info("x", kind, [None, X.shape[1]])],
        [helper.make_tensor_value_info(y, kind, [None, None])],
        g.container.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": X})[0]


def fitted_layer(layer, X_fit, dtype):
    layer.fit(X_fit.astype(dtype), np.random.RandomState(0))
    params = layer.build(X_fit.shape[1], 1, np.random.RandomState(0), dtype, None)
    layer.bind(params, None, NumpyBackend())
    return params


LAYERS = {
    "periodic": lambda: PeriodicEmbedding(n_frequencies=5, frequency_scale=0.5, d_embedding=4),
    "periodic_lite": lambda: PeriodicEmbedding(n_frequencies=5, d_embedding=4, lite=True),
    "piecewise_linear": lambda: PiecewiseLinearEmbedding(n_bins=6, d_embedding=4),
    "piecewise_linear_lite": lambda: PiecewiseLinearEmbedding(n_bins=6, d_embedding=4, lite=True),
    "piecewise_linear_encoding": lambda: PiecewiseLinearEmbedding(n_bins=6, d_embedding=None),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_graph_matches_forward(name, dtype):
    rng = np.random.RandomState(0)
    X_fit = rng.standard_normal((40, 3))
    X_fit[:, 1] = np.round(X_fit[:, 1])  # tied: fewer bins than the others
    X_fit[:, 2] = 4.0  # constant: no bin
    layer = LAYERS[name]()
    params = fitted_layer(layer, X_fit, dtype)
    X = (2 * rng.standard_normal((25, 3))).astype(dtype)  # beyond the training range too
    expected = layer.forward(X, training=False)
    got = run_graph(layer, params, X)
    assert got.shape == expected.shape and got.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def test_other_layers_are_refused_with_their_name():
    class Doubling:
        def build(self, n_in, n_members, rng, dtype, init):
            return []

        def forward(self, X, training):
            return 2 * X

        def backward(self, dY, need_input_grad):
            return 2 * dY

    g = skdnn_onnx._Graph(_Scope(), _Container(), np.float32)
    with pytest.raises(ValueError, match="Doubling.*cannot be exported to ONNX"):
        skdnn_onnx._embedding(g, Doubling(), [], "x")


# ------------------------------------------------------------ in the estimators

EMBEDDINGS = {
    "periodic": "periodic",
    "piecewise_linear": "piecewise_linear",
    "periodic_lite": PeriodicEmbedding(d_embedding=4, lite=True),
    "encoding": PiecewiseLinearEmbedding(n_bins=8, d_embedding=None),
}


@pytest.mark.parametrize("embedding", sorted(EMBEDDINGS))
@pytest.mark.parametrize(
    "kind", ["binary", "multiclass", "multilabel", "regression", "multioutput"]
)
def test_estimators_with_an_embedding_match_predict(kind, embedding):
    """The whole model, embedding first: float32 within 1e-5, float64 within 1e-12."""
    from skl2onnx import to_onnx

    from tests.test_onnx import NO_ZIPMAP, check_outputs, fitted

    for dtype, atol in [(np.float32, 1e-5), (np.float64, 1e-12)]:
        model, X = fitted(kind, dtype=dtype, feature_embedding=EMBEDDINGS[embedding])
        assert model.embedding_ is not None
        options = NO_ZIPMAP if kind in ("binary", "multiclass", "multilabel") else None
        onx = to_onnx(model, X[:1], options=options)
        check_outputs(model, X, onx, atol=atol)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_user_defined_embedding_is_not_exported():
    from skdnn import DNNRegressor
    from skdnn.layers import Layer
    from skdnn.onnx import check_exportable

    class Doubled(Layer):
        def build(self, n_in, n_members, rng, dtype, init):
            self.n_out = n_in
            return []

        def forward(self, X, training):
            return 2 * X

        def backward(self, dY, need_input_grad):
            return 2 * dY

    X = np.random.RandomState(0).standard_normal((20, 2))
    model = DNNRegressor((3,), max_iter=5, feature_embedding=Doubled()).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="Doubled.*cannot be exported to ONNX"):
        check_exportable(model)


@pytest.mark.parametrize("ensemble", ["batch", "packed"])
def test_an_ensemble_with_an_embedding_matches_predict(ensemble):
    from skl2onnx import to_onnx

    from tests.test_onnx import NO_ZIPMAP, check_outputs, fitted

    model, X = fitted("multiclass", feature_embedding="periodic", n_ensemble=3, ensemble=ensemble)
    check_outputs(model, X, to_onnx(model, X[:1], options=NO_ZIPMAP), atol=1e-5)
