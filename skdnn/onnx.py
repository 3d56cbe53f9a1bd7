"""ONNX export of fitted :class:`~skdnn.DNNClassifier` and :class:`~skdnn.DNNRegressor`
models, through skl2onnx.

Importing this module registers a shape calculator and a converter for each estimator
with skl2onnx (:func:`register`); importing it again, or calling :func:`register` again,
changes nothing. Then ``skl2onnx.to_onnx(model, X[:1])`` converts a fitted model::

    import skdnn.onnx  # registers the converters
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False})

``import skdnn`` never imports this module, so skdnn itself does not need skl2onnx (the
``onnx`` extra installs it). Without skl2onnx, importing this module still works and
:func:`register` raises ImportError naming the extra.

The graph computes what ``predict``, ``predict_proba`` and the regressor's ``predict``
compute: each layer's ``X @ W + b``, every built-in hidden activation written as ONNX
operators (the formulas of :mod:`skdnn.activations`, clipping included), and the output
link. A classifier has two outputs, the labels and the probabilities (skl2onnx's
``zipmap``, ``nocl`` and ``output_class_labels`` options apply, as for
``MLPClassifier``); multilabel models give a 0/1 int64 matrix of labels. A regressor
has one output of shape ``(n_samples, n_outputs)``. The graph computes in the input's
float type: float64 input (``DoubleTensorType``) gives a float64 graph, anything else
float32. Dropout acts in training only and leaves no trace in the graph.

A hidden activation that is not one of the built-in classes (a user-defined object, a
third-party plugin, a subclass of a built-in one) is Python code ONNX cannot express:
:func:`check_exportable`, which the converters call, refuses it with an error naming
the activation. The loss, initializer, optimizer and backend take no part in
predictions (the prediction is the output link of the raw outputs, whatever loss
trained the network), so any of them, user-defined or not, exports.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._classifier import DNNClassifier
from ._per_layer import hidden_activations
from ._regressor import DNNRegressor
from ._tabular import TabularClassifier, TabularRegressor
from .activations import (
    GELU,
    SELU,
    Identity,
    LeakyReLU,
    Logistic,
    Mish,
    ReLU,
    SiLU,
    Softplus,
    Tanh,
    registry,
)
from .activations._more import _CLIP
from .layers import PeriodicEmbedding, PiecewiseLinearEmbedding
from .layers._bins import encoding_tables

__all__ = [
    "CLASSIFIER_ALIAS",
    "CLASSIFIER_OPTIONS",
    "REGRESSOR_ALIAS",
    "check_exportable",
    "register",
]

#: The name under which skl2onnx knows :class:`~skdnn.DNNClassifier`.
CLASSIFIER_ALIAS = "SkdnnDNNClassifier"
#: The name under which skl2onnx knows :class:`~skdnn.DNNRegressor`.
REGRESSOR_ALIAS = "SkdnnDNNRegressor"
#: The classifier converter's options, those of skl2onnx's ``MLPClassifier`` converter.
CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "output_class_labels": [False, True],
    "nocl": [True, False],
}


# ------------------------------------------------------------------ the graph


class _Graph:
    """Nodes and constants added to one skl2onnx conversion, in one float type."""

    def __init__(self, scope: Any, container: Any, dtype: Any) -> None:
        from onnx import TensorProto

        self.scope, self.container = scope, container
        self.dtype = np.dtype(dtype)
        self.proto = TensorProto.DOUBLE if self.dtype == np.float64 else TensorProto.FLOAT

    def const(self, value: Any, seed: str = "c") -> str:
        """A constant of the graph's float type; returns its name."""
        array = np.asarray(value, dtype=self.dtype)
        name = self.scope.get_unique_variable_name(seed)
        self.container.add_initializer(name, self.proto, list(array.shape), array.ravel())
        return name

    def op(self, op_type: str, *inputs: str, output: str | None = None, **attrs: Any) -> str:
        """One node with one output; returns the output's name."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        name = self.scope.get_unique_operator_name(op_type)
        self.container.add_node(op_type, list(inputs), [output], name=name, **attrs)
        return output


# The hidden activations, each the formula its class computes (see skdnn.activations):
# same clipping, same branches, so the graph agrees with predict to rounding. ONNX has
# no log1p or expm1; log(1 + e) and exp(z) - 1 differ from them by less than the
# float's resolution of 1 in absolute terms.


def _softplus(g: _Graph, z: str) -> str:
    # max(z, 0) + log(1 + exp(-|z|)): nothing overflows.
    e = g.op("Exp", g.op("Neg", g.op("Abs", z)))
    return g.op("Add", g.op("Relu", z), g.op("Log", g.op("Add", g.const(1.0), e)))


def _gelu(g: _Graph, z: str, act: GELU) -> str:
    # z / 2 * (1 + tanh(C * (zc + K zc**3))), zc = z clipped to +-_CLIP.
    zc = g.op("Max", g.op("Min", z, g.const(_CLIP)), g.const(-_CLIP))
    cube = g.op("Mul", g.op("Mul", zc, zc), zc)
    u = g.op("Mul", g.const(act._C), g.op("Add", zc, g.op("Mul", g.const(act._K), cube)))
    t = g.op("Tanh", u)
    return g.op("Mul", g.op("Mul", g.const(0.5), z), g.op("Add", g.const(1.0), t))


def _selu(g: _Graph, z: str, act: SELU) -> str:
    # scale * z where z > 0, else scale * alpha * (exp(min(z, 0)) - 1).
    negative = g.op("Sub", g.op("Exp", g.op("Min", z, g.const(0.0))), g.const(1.0))
    return g.op(
        "Where",
        g.op("Greater", z, g.const(0.0)),
        g.op("Mul", g.const(act.scale), z),
        g.op("Mul", g.const(act.scale * act.alpha), negative),
    )


def _leaky_relu(g: _Graph, z: str, act: LeakyReLU) -> str:
    slope = g.op("Mul", g.const(act.negative_slope), z)
    return g.op("Where", g.op("Greater", z, g.const(0.0)), z, slope)


#: Built-in activation class -> ``(graph, z, activation) -> f(z)``. Exact classes only:
#: a subclass may compute something else.
_ACTIVATIONS = {
    Identity: lambda g, z, act: z,
    Logistic: lambda g, z, act: g.op("Sigmoid", z),
    Tanh: lambda g, z, act: g.op("Tanh", z),
    ReLU: lambda g, z, act: g.op("Relu", z),
    LeakyReLU: _leaky_relu,
    GELU: _gelu,
    SiLU: lambda g, z, act: g.op("Mul", z, g.op("Sigmoid", z)),
    SELU: _selu,
    Mish: lambda g, z, act: g.op("Mul", z, g.op("Tanh", _softplus(g, z))),
    Softplus: lambda g, z, act: _softplus(g, z),
}

# The feature embeddings (skdnn.layers), as their forward computes them: the input
# (N, F) becomes (N, F, 1), each feature's expansion (N, F, w), then the per-feature
# linear map as one batched MatMul over the feature axis, the bias, the ReLU, and the
# flattening to (N, F * d), feature-major.


def _ints(g: _Graph, values: list, seed: str = "axes") -> str:
    """An int64 constant (axes, shapes)."""
    from onnx import TensorProto

    name = g.scope.get_unique_variable_name(seed)
    g.container.add_initializer(name, TensorProto.INT64, [len(values)], list(values))
    return name


def _per_feature(g: _Graph, x: str) -> str:
    """``(N, F) -> (N, F, 1)``."""
    return g.op("Unsqueeze", x, _ints(g, [2]))


def _feature_linear_relu(g: _Graph, layer: Any, E: str, W: Any, b: Any) -> str:
    """``relu(E_j @ W_j + b_j)`` for every feature of ``E`` (N, F, w), flattened."""
    if layer.lite:  # one (w, d) map broadcast over the batch and feature axes
        Z = g.op("MatMul", E, g.const(W, "embedding_weight"))
    else:  # (F, N, w) @ (F, w, d): one batched product over the feature axis
        Et = g.op("Transpose", E, perm=[1, 0, 2])
        Z = g.op("Transpose", g.op("MatMul", Et, g.const(W, "embedding_weight")), perm=[1, 0, 2])
    Z = g.op("Add", Z, g.const(np.reshape(b, (1, -1, np.shape(b)[-1])), "embedding_bias"))
    return g.op("Flatten", g.op("Relu", Z), axis=1)


def _periodic(g: _Graph, layer: Any, params: list, x: str) -> str:
    C, W, b = params
    V = g.op("Mul", _per_feature(g, x), g.const(2 * np.pi * np.asarray(C)[None], "frequency"))
    P = g.op("Concat", g.op("Cos", V), g.op("Sin", V), axis=2)
    return _feature_linear_relu(g, layer, P, W, b)


def _piecewise_linear(g: _Graph, layer: Any, params: list, x: str) -> str:
    left, inv_width, lo, hi = (np.asarray(t)[None] for t in encoding_tables(layer.bins_, g.dtype))
    R = g.op("Mul", g.op("Sub", _per_feature(g, x), g.const(left, "left")), g.const(inv_width))
    E = g.op("Min", g.op("Max", R, g.const(lo, "low")), g.const(hi, "high"))
    if layer.d_embedding is None:
        return g.op("Flatten", E, axis=1)
    return _feature_linear_relu(g, layer, E, *params)


#: Embedding class -> ``(graph, layer, host params, x) -> embedding``.
_EMBEDDINGS = {PeriodicEmbedding: _periodic, PiecewiseLinearEmbedding: _piecewise_linear}


def _embedding(g: _Graph, layer: Any, params: list, x: str) -> str:
    """The graph of a fitted feature embedding; refuses any other layer."""
    _check_embedding(layer)
    return _EMBEDDINGS[type(layer)](g, layer, params, x)


def _check_embedding(layer: Any) -> None:
    """Raise unless ``layer`` is a built-in feature embedding (one ONNX can express)."""
    if type(layer) not in _EMBEDDINGS:
        cls = type(getattr(layer, "__wrapped__", layer))
        raise ValueError(
            f"The feature embedding {layer!r} (a {cls.__module__}.{cls.__qualname__}) "
            "cannot be exported to ONNX: the export covers "
            f"{', '.join(c.__name__ for c in _EMBEDDINGS)}, and a user-defined layer is "
            "Python code ONNX cannot express. Register a converter of your own with "
            "skl2onnx.update_registered_converter."
        )


#: Output link -> ``(graph, raw) -> predictions`` (see skdnn._links); the last axis
#: holds the outputs (an ensemble's raw outputs have a leading member axis).
_LINKS = {
    "softmax": lambda g, raw: g.op("Softmax", raw, axis=-1),
    "logistic": lambda g, raw: g.op("Sigmoid", raw),
    "identity": lambda g, raw: raw,
    "exp": lambda g, raw: g.op("Exp", raw),
}


def _builtin_names() -> list[str]:
    """The registered activation names the export covers."""
    covered = []
    for name in registry.names():
        try:
            if type(registry.resolve(name)) in _ACTIVATIONS:
                covered.append(name)
        except (TypeError, ValueError):  # a broken third-party plugin
            pass
    return covered


def _layer_activations(model: Any) -> list:
    """The activation plugin of every hidden layer, each one the export can write."""
    n_hidden = len(model.coefs_) - 1
    plugins = hidden_activations(model.activation, n_hidden)
    specs = model.activation if isinstance(model.activation, (tuple, list)) else None
    for layer, plugin in enumerate(plugins):
        if type(plugin) in _ACTIVATIONS:
            continue
        spec = model.activation if specs is None else specs[layer]
        cls = type(getattr(plugin, "__wrapped__", plugin))
        raise ValueError(
            f"{type(model).__name__} cannot be exported to ONNX: the activation {spec!r} "
            f"of hidden layer {layer + 1} (a {cls.__module__}.{cls.__qualname__}) is not "
            "a built-in activation, and ONNX cannot express a user-defined activation "
            "plugin (its forward is Python code). The export covers the built-in "
            f"activations {', '.join(map(repr, _builtin_names()))}. Fit the model with "
            "one of them, or register a converter of your own for it with "
            "skl2onnx.update_registered_converter."
        )
    return plugins


def _forward(g: _Graph, model: Any, x: str) -> str:
    """The raw outputs: the feature embedding if any, then ``X @ W + b`` for every
    layer, the hidden activations between; ``(k, N, n_outputs)`` for an ensemble of
    ``k`` members (the embedding is shared by all)."""
    activations = _layer_activations(model)
    embedding = getattr(model, "embedding_", None)
    h = x if embedding is None else _embedding(g, embedding, embedding.params_, x)
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        # An ensemble's (k, fan_in, fan_out): MatMul broadcasts X to every member.
        h = g.op("MatMul", h, g.const(W, "coefficient"))
        h = g.op("Add", h, g.const(np.reshape(b, (*b.shape[:-1], 1, -1)), "intercepts"))
        if i < len(activations):
            h = _ACTIVATIONS[type(activations[i])](g, h, activations[i])
    return h


def _member_mean(g: _Graph, model: Any, out: str) -> str:
    """The mean over an ensemble's members (its leading axis); ``out`` itself otherwise.
    ``ReduceMean`` takes its axes as an input from opset 18, as an attribute before."""
    if model.coefs_[0].ndim == 2:
        return out
    from onnx import TensorProto

    if g.container.target_opset >= 18:
        axes = g.scope.get_unique_variable_name("axes")
        g.container.add_initializer(axes, TensorProto.INT64, [1], [0])
        return g.op("ReduceMean", out, axes, keepdims=0)
    return g.op("ReduceMean", out, axes=[0], keepdims=0)


def _input(g: _Graph, operator: Any) -> str:
    return g.op("Cast", operator.inputs[0].full_name, to=g.proto)


def _float_type(operator: Any) -> tuple[Any, Any]:
    """``(numpy dtype, skl2onnx tensor type)`` the graph computes in: the input's."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    if isinstance(operator.inputs[0].type, DoubleTensorType):
        return np.float64, DoubleTensorType
    return np.float32, FloatTensorType


# ------------------------------------------------------------------ the classifier


def _label_values(scope: Any, model: Any) -> tuple[np.ndarray, bool]:
    """The class labels as the graph holds them (int64 or UTF-8 bytes); and whether
    they are strings. Follows skl2onnx's ``nocl`` option."""
    from skl2onnx.common.utils_classifier import get_label_classes

    classes = np.asarray(get_label_classes(scope, model))
    if classes.dtype.kind in "OUS" and all(isinstance(c, (str, bytes)) for c in classes):
        return np.array([c if isinstance(c, bytes) else c.encode("utf-8") for c in classes]), True
    try:
        as_int = classes.astype(np.int64)
        exact = np.array_equal(as_int, classes)
    except (TypeError, ValueError):
        exact = False
    if not exact:
        raise ValueError(
            f"DNNClassifier cannot be exported to ONNX with classes_={model.classes_!r}: "
            "ONNX labels are integers or strings. Encode the labels as integers or "
            "strings before fitting, or pass options={'nocl': True} to use class indices."
        )
    return as_int, False


def _classifier_shapes(operator: Any) -> None:
    """skl2onnx shape calculator: labels ``[N]`` (``[N, n_labels]`` for multilabel
    targets), int64 or string; probabilities ``[N, n_classes]`` in the input's type."""
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType
    from skl2onnx.common.utils import check_input_and_output_numbers

    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    model = operator.raw_operator
    check_exportable(model)
    dtype, float_type = _float_type(operator)
    zipmap = operator.scope_inst.get_options(model, dict(zipmap=True))["zipmap"]
    if zipmap is not False and dtype == np.float64:
        raise ValueError(
            "A float64 input makes float64 probabilities, and ONNX's ZipMap takes float32 "
            "only: pass options={'zipmap': False} (probabilities as a matrix), or float32 "
            "input."
        )
    N = operator.inputs[0].get_first_dimension()
    _, strings = _label_values(operator.scope_inst, model)
    label_shape = [N, len(model.classes_)] if model._multilabel else [N]
    operator.outputs[0].set_type((StringTensorType if strings else Int64TensorType)(label_shape))
    binary = not model._multilabel and len(model.classes_) == 2
    operator.outputs[1].set_type(float_type([N, 2 if binary else model.n_outputs_]))


def _probabilities(g: _Graph, model: Any, raw: str) -> str:
    """``predict_proba``: one column per class (skdnn._classifier's transform)."""
    if model._multilabel or len(model.classes_) > 2:
        return _LINKS[model.out_activation_](g, raw)
    if len(model.classes_) == 2:
        # [sigmoid(-z), sigmoid(z)], never 1 - sigmoid(z): exact where tiny.
        negative = g.op("Sigmoid", g.op("Neg", raw))
        return g.op("Concat", negative, g.op("Sigmoid", raw), axis=-1)
    from onnx.helper import make_tensor

    one = make_tensor("value", g.proto, [1], [1.0])
    return g.op("ConstantOfShape", g.op("Shape", raw), value=one)  # a single class


def _convert_classifier(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx converter: labels and probabilities, as ``predict`` and
    ``predict_proba`` give them."""
    from onnx import TensorProto

    model = operator.raw_operator
    dtype, _ = _float_type(operator)
    g = _Graph(scope, container, dtype)
    raw = _forward(g, model, _input(g, operator))
    P = _member_mean(g, model, _probabilities(g, model, raw))
    g.op("Identity", P, output=operator.outputs[1].full_name)
    label = operator.outputs[0].full_name
    if model._multilabel:  # each label whose probability exceeds 0.5
        g.op("Cast", g.op("Greater", P, g.const(0.5)), to=TensorProto.INT64, output=label)
        return
    values, strings = _label_values(scope, model)
    classes = scope.get_unique_variable_name("classes")
    kind = TensorProto.STRING if strings else TensorProto.INT64
    container.add_initializer(classes, kind, [len(values)], list(values))
    # ArgMax keeps the first of tied columns, as predict does.
    index = g.op("ArgMax", P, axis=1, keepdims=0)
    g.op("Gather", classes, index, axis=0, output=label)


# ------------------------------------------------------------------ the regressor


def _regressor_shapes(operator: Any) -> None:
    """skl2onnx shape calculator: predictions ``[N, n_outputs]`` in the input's type."""
    from skl2onnx.common.utils import check_input_and_output_numbers

    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    model = operator.raw_operator
    check_exportable(model)
    _, float_type = _float_type(operator)
    N = operator.inputs[0].get_first_dimension()
    operator.outputs[0].set_type(float_type([N, model.n_outputs_]))


def _convert_regressor(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx converter: ``predict`` as an ``(n_samples, n_outputs)`` matrix."""
    model = operator.raw_operator
    dtype, _ = _float_type(operator)
    g = _Graph(scope, container, dtype)
    raw = _forward(g, model, _input(g, operator))
    y = _member_mean(g, model, _LINKS[model.out_activation_](g, raw))
    g.op("Identity", y, output=operator.outputs[0].full_name)


# ------------------------------------------------------------------ public


def check_exportable(model: Any) -> None:
    """Raise unless ONNX can express the predictions of ``model``.

    The converters call this; it needs no skl2onnx. A model exports when it is fitted,
    every hidden activation is a built-in one (:mod:`skdnn.activations`, per-layer lists
    and built-in objects such as ``LeakyReLU(negative_slope=0.1)`` included), and its
    output link is one of ``"softmax"``, ``"logistic"``, ``"identity"``, ``"exp"``.
    A feature embedding must be a built-in one (:mod:`skdnn.layers`). The loss,
    initializer, optimizer and backend do not enter predictions and are not checked.

    Parameters
    ----------
    model : DNNClassifier or DNNRegressor
        A fitted model.

    Raises
    ------
    TypeError
        If ``model`` is not a DNNClassifier or DNNRegressor.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    ValueError
        If a hidden activation is user-defined (the message names it and its layer),
        the feature embedding is not a built-in one, or the output link is not a
        built-in one.

    Examples
    --------
    >>> import numpy as np
    >>> from skdnn import DNNRegressor
    >>> from skdnn.onnx import check_exportable
    >>> class Doubling:  # a user-defined activation: f(z) = 2 z
    ...     def forward(self, Z, xp):
    ...         return 2 * Z
    ...     def derivative(self, A, dA, xp):
    ...         return 2 * dA
    >>> X = np.linspace(-1, 1, 20).reshape(10, 2)
    >>> model = DNNRegressor((3,), activation=Doubling(), solver="lbfgs").fit(X, X[:, 0])
    >>> check_exportable(model)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: DNNRegressor cannot be exported to ONNX: the activation <...Doubling ...> \
of hidden layer 1 (a ...Doubling) is not a built-in activation, and ONNX cannot express \
a user-defined activation plugin ...
    >>> check_exportable(DNNRegressor((3,), activation="gelu", solver="lbfgs").fit(X, X[:, 0]))
    """
    if isinstance(model, (TabularClassifier, TabularRegressor)):
        raise ValueError(
            f"{type(model).__name__} cannot be exported to ONNX: its input handling "
            "(input_, a TabularInput: pandas columns, string categories, missing "
            "values, codes for learned category embeddings) is not an ONNX graph, and "
            "its network's first layer (a TabularEmbedding) has no converter. Keep the "
            "model in Python (joblib, skops), or export a DNNClassifier/DNNRegressor "
            "fitted behind an ONNX-convertible preprocessing pipeline."
        )
    if not isinstance(model, (DNNClassifier, DNNRegressor)):
        raise TypeError(
            f"check_exportable expects a DNNClassifier or DNNRegressor, got {type(model).__name__}."
        )
    check_is_fitted(model)
    _layer_activations(model)
    if getattr(model, "embedding_", None) is not None:
        _check_embedding(model.embedding_)
    if model.out_activation_ not in _LINKS:
        raise ValueError(
            f"{type(model).__name__} cannot be exported to ONNX: its output link "
            f"out_activation_={model.out_activation_!r} (from loss={model.loss!r}) is not "
            f"one of {tuple(_LINKS)}, and ONNX cannot express another."
        )


def register() -> None:
    """Register the converters of both estimators with skl2onnx; idempotent.

    Importing :mod:`skdnn.onnx` calls this when skl2onnx is installed. Afterwards
    ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn`` convert fitted
    :class:`~skdnn.DNNClassifier` (alias :data:`CLASSIFIER_ALIAS`, options
    :data:`CLASSIFIER_OPTIONS`) and :class:`~skdnn.DNNRegressor` (alias
    :data:`REGRESSOR_ALIAS`) models, alone or inside a pipeline. Calling it again
    replaces the registration by an identical one.

    Raises
    ------
    ImportError
        If skl2onnx is not installed (``pip install "skdnn[onnx]"``).
    """
    try:
        from skl2onnx import update_registered_converter
    except ImportError as exc:
        raise ImportError(
            'ONNX export needs skl2onnx, onnx and onnxruntime: pip install "skdnn[onnx]".'
        ) from exc
    update_registered_converter(
        DNNClassifier,
        CLASSIFIER_ALIAS,
        _classifier_shapes,
        _convert_classifier,
        options=CLASSIFIER_OPTIONS,
    )
    update_registered_converter(
        DNNRegressor, REGRESSOR_ALIAS, _regressor_shapes, _convert_regressor
    )
    for cls in (TabularClassifier, TabularRegressor):  # refused, with the reason
        update_registered_converter(
            cls, f"Skdnn{cls.__name__}", _refuse_shapes, _refuse_conversion
        )


def _refuse_shapes(operator: Any) -> None:
    """The tabular estimators' shape calculator: :func:`check_exportable`'s refusal."""
    check_exportable(operator.raw_operator)


def _refuse_conversion(scope: Any, operator: Any, container: Any) -> None:
    """The tabular estimators' converter: :func:`check_exportable`'s refusal."""
    check_exportable(operator.raw_operator)


if importlib.util.find_spec("skl2onnx") is not None:
    register()
