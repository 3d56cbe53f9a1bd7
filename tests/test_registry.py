"""Tests of the plugin registries, including real entry-point discovery."""

import ast
import copy as copy_module
import importlib
import os
import pickle
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import skdnn
from skdnn._registry import PluginAdapter, Registry
from tests._helpers import DNNClassifier

BUILTINS = {
    skdnn.losses.registry: {"cross_entropy", "mse"},
    skdnn.initializers.registry: {"xavier", "xavier_uniform", "gaussian", "he"},
    skdnn.activations.registry: {"identity", "logistic", "tanh", "relu"},
    skdnn.optimizers.registry: {"adam", "sgd"},
    skdnn.backends.registry: {"numpy", "cupy"},
}


@pytest.mark.parametrize("registry", list(BUILTINS), ids=lambda r: r.kind)
def test_names_sorted_with_builtins(registry):
    """names() is sorted and lists every built-in."""
    names = registry.names()
    assert names == sorted(names)
    assert BUILTINS[registry] <= set(names)


@pytest.mark.parametrize("registry", list(BUILTINS), ids=lambda r: r.kind)
def test_builtins_resolve_to_protocol_objects(registry):
    """Every built-in name resolves to an object following the protocol."""
    for name in BUILTINS[registry]:
        assert registry.is_plugin(registry.resolve(name))


@pytest.fixture
def reg():
    """A fresh registry with one plugin registered by the decorator."""
    reg = Registry("widgets", required=["run", "size"], param="widget")

    @reg.register("box")
    class Box:
        size = 1

        def run(self):
            return "ran"

    return reg


def test_register_decorator_returns_factory_unchanged():
    """register() stores the factory and hands it back as is."""
    reg = Registry("widgets", required=["run"], param="widget")

    class Thing:
        def run(self):
            return None

    assert reg.register("thing")(Thing) is Thing
    assert reg.names() == ["thing"]


@pytest.mark.parametrize("bad", ["", None, 3])
def test_register_rejects_bad_names(bad):
    """A registry name must be a non-empty str."""
    reg = Registry("widgets", required=["run"], param="widget")
    with pytest.raises(TypeError, match="non-empty str"):
        reg.register(bad)


def test_resolve_name_gives_fresh_object(reg):
    """Each lookup by name builds a new object, so callers never share state."""
    a, b = reg.resolve("box"), reg.resolve("box")
    assert type(a).__name__ == "Box"
    assert a is not b
    assert a.run() == "ran"


def test_resolve_protocol_object_returned_unchanged(reg):
    """An object with every required attribute is returned itself."""

    class Custom:
        size = 2

        def run(self):
            return None

    obj = Custom()
    assert reg.resolve(obj) is obj


def test_resolve_object_lacking_attributes(reg):
    """A non-plugin object gives a TypeError naming what it lacks and the valid names."""

    class Half:
        def run(self):
            return None

    with pytest.raises(TypeError, match=r"widget=.*lacks size.*'box'"):
        reg.resolve(Half())
    with pytest.raises(TypeError, match="lacks run, size"):
        reg.resolve(42)


def test_resolve_unknown_name_lists_valid_names(reg):
    """An unknown name is named in the error, with the valid names."""
    with pytest.raises(ValueError, match=r"Unknown widget 'nope'\. Valid names are: 'box'"):
        reg.resolve("nope")


def test_unknown_builtin_kind_name_lists_valid_names():
    """The real registries list their names in the error."""
    with pytest.raises(ValueError, match=r"Unknown activation 'sigmoid'.*'logistic'.*'relu'"):
        skdnn.activations.registry.resolve("sigmoid")


def test_protocol_check_does_not_run_properties():
    """Regression: is_plugin used hasattr, so a property importing a missing library
    (CupyBackend.xp) raised ImportError instead of resolving the unavailable plugin."""
    reg = Registry("widgets", required=["lib"], param="widget")

    @reg.register("lazy")
    class Lazy:
        @property
        def lib(self):
            return importlib.import_module("skdnn_no_such_library")

    assert type(reg.resolve("lazy")).__name__ == "Lazy"
    assert reg.is_plugin(Lazy())


def test_named_factory_must_build_a_plugin(reg):
    """A registered factory that builds a non-plugin is reported by name."""
    reg.register("empty")(object)
    with pytest.raises(ValueError, match="'empty' does not follow the protocol.*lacks run, size"):
        reg.resolve("empty")


def test_resolve_passes_only_accepted_options():
    """Options the factory's signature lacks are dropped; **kwargs takes them all."""
    reg = Registry("widgets", required=["run"], param="widget")

    @reg.register("narrow")
    class Narrow:
        def __init__(self, speed=1):
            self.speed = speed

        def run(self):
            return None

    @reg.register("wide")
    class Wide:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def run(self):
            return None

    @reg.register("bare")
    class Bare:
        def run(self):
            return None

    narrow = reg.resolve("narrow", speed=5, colour="red")
    assert narrow.speed == 5
    assert reg.resolve("wide", speed=5, colour="red").kwargs == {"speed": 5, "colour": "red"}
    assert type(reg.resolve("bare", speed=5)).__name__ == "Bare"


def test_named_optimizer_gets_estimator_settings():
    """The optimizer registry builds each optimizer with the settings it accepts."""
    adam = skdnn.optimizers.registry.resolve("adam", learning_rate_init=0.5, momentum=0.1)
    assert adam.learning_rate_init == 0.5
    assert not hasattr(adam, "momentum")


# --------------------------------------------------------------- entry points

PLUGIN_SOURCE = '''
"""A third-party activation plugin, installed for the tests."""


class Softplus:
    """f(z) = log(1 + exp(z)); f'(z) = 1 - exp(-f(z))."""

    def forward(self, Z, xp):
        return xp.logaddexp(0.0, Z)

    def derivative(self, A, dA, xp):
        return dA * -xp.expm1(-A)
'''

METADATA = "Metadata-Version: 2.1\nName: skdnn-test-plugin\nVersion: 1.0\n"

ENTRY_POINTS = """\
[skdnn.activations]
my_act = skdnn_test_plugin:Softplus
broken = skdnn_test_plugin_missing:Nope
"""


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    """A fake installed distribution declaring two activations, one broken."""
    (tmp_path / "skdnn_test_plugin.py").write_text(textwrap.dedent(PLUGIN_SOURCE))
    info = tmp_path / "skdnn_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(METADATA)
    (info / "entry_points.txt").write_text(ENTRY_POINTS)

    registry = skdnn.activations.registry
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setattr(registry, "_entry_points", None)
    monkeypatch.setattr(registry, "_factories", dict(registry._factories))
    yield tmp_path
    sys.modules.pop("skdnn_test_plugin", None)


def test_entry_point_names_listed(plugin_path):
    """Installed entry points appear in names() without being loaded."""
    names = skdnn.activations.registry.names()
    assert {"my_act", "broken", "relu"} <= set(names)
    assert names == sorted(names)
    assert "skdnn_test_plugin" not in sys.modules


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_entry_point_plugin_fits(plugin_path):
    """A plugin found through its entry point trains and predicts."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = DNNClassifier(
        (8,), activation="my_act", learning_rate_init=0.05, max_iter=50, random_state=0
    ).fit(X, y)
    # Softplus does not subclass Activation: it comes wrapped, forward_with_bias filled in.
    plugin = skdnn.activations.registry.resolve("my_act")
    assert type(plugin.__wrapped__).__name__ == "Softplus"
    assert plugin.forward_with_bias(np.zeros((1, 2)), np.ones(2), np) == pytest.approx(
        np.logaddexp(0.0, 1.0)
    )
    assert clf.predict(X).shape == (60,)
    assert clf.score(X, y) > 0.8


def test_broken_entry_point_names_itself(plugin_path):
    """A plugin that fails to import is reported with its entry point and distribution."""
    with pytest.raises(
        ValueError,
        match=r"plugin 'broken' \(entry point 'skdnn_test_plugin_missing:Nope' of group "
        r"'skdnn\.activations', from 'skdnn-test-plugin'\) failed to load: "
        r"ModuleNotFoundError",
    ):
        skdnn.activations.registry.resolve("broken")
    with pytest.raises(ValueError, match="'broken'"):
        DNNClassifier(activation="broken").fit([[0.0], [1.0]], [0, 1])


def test_broken_plugin_does_not_break_import(plugin_path):
    """In a fresh interpreter, import skdnn works and lists both plugin names."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(plugin_path), env.get("PYTHONPATH", "")] if p
    )
    code = "import skdnn; print(skdnn.activations.registry.names())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    names = ast.literal_eval(out)
    assert {"my_act", "broken", "relu"} <= set(names)


@pytest.fixture
def fresh_activations(monkeypatch):
    """The activation registry with its entry-point state isolated from other tests."""
    registry = skdnn.activations.registry
    monkeypatch.setattr(registry, "_entry_points", None)
    monkeypatch.setattr(registry, "_factories", dict(registry._factories))
    monkeypatch.setattr(registry, "_from_entry_points", set())
    yield registry
    sys.modules.pop("skdnn_test_plugin", None)
    importlib.invalidate_caches()


def _install_fake_plugin(path):
    (path / "skdnn_test_plugin.py").write_text(textwrap.dedent(PLUGIN_SOURCE))
    info = path / "skdnn_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(METADATA)
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return info


def test_refresh_finds_a_package_installed_after_the_first_lookup(
    fresh_activations, tmp_path, monkeypatch
):
    """Entry points are scanned once; a package installed later is seen after refresh()."""
    registry = fresh_activations
    assert "my_act" not in registry.names()  # the first lookup scans
    monkeypatch.syspath_prepend(str(tmp_path))
    _install_fake_plugin(tmp_path)
    assert "my_act" not in registry.names()  # kept from the first scan
    registry.refresh()
    assert {"my_act", "broken", "relu"} <= set(registry.names())
    assert type(registry.resolve("my_act").__wrapped__).__name__ == "Softplus"


def test_refresh_forgets_a_removed_package_and_keeps_registered_names(
    fresh_activations, tmp_path, monkeypatch
):
    """After an uninstall and refresh(), the name is unknown; registered names stay."""
    registry = fresh_activations
    monkeypatch.syspath_prepend(str(tmp_path))
    info = _install_fake_plugin(tmp_path)
    registry.refresh()
    registry.register("own_act")(LooseActivation)
    loaded = registry.resolve("my_act")  # loaded from the entry point, then kept
    shutil.rmtree(info)
    assert type(registry.resolve("my_act")) is type(loaded)  # still kept
    registry.refresh()
    assert "my_act" not in registry.names()
    with pytest.raises(ValueError, match="Unknown activation 'my_act'"):
        registry.resolve("my_act")
    assert type(registry.resolve("own_act")).__name__ == "PluginAdapter"
    assert {"own_act", "relu"} <= set(registry.names())


# ------------------------------------------------- base classes and their defaults


class LooseOptimizer:
    """An optimizer that follows the protocol without subclassing Optimizer."""

    def __init__(self):
        self.steps = 0

    def init(self, params, xp):
        return {}

    def step(self, params, grads, state, xp):
        self.steps += 1

    def __repr__(self):
        return "LooseOptimizer()"


class LooseActivation:
    """An activation with forward and derivative only."""

    def forward(self, Z, xp):
        return xp.maximum(Z, 0)

    def derivative(self, A, dA, xp):
        return dA * (A > 0)


class LooseBackend:
    """A backend with only the required attributes."""

    name = "loose"
    xp = np

    def is_available(self):
        return True

    def asarray(self, x, dtype):
        return np.asarray(x, dtype=dtype)

    def to_numpy(self, x):
        return np.asarray(x)

    def take_rows(self, X, idx, out=None):
        return X[idx]

    def matmul(self, a, b, out=None):
        return a @ b


BASES = {
    skdnn.losses.registry: skdnn.losses.Loss,
    skdnn.initializers.registry: skdnn.initializers.Initializer,
    skdnn.activations.registry: skdnn.activations.Activation,
    skdnn.optimizers.registry: skdnn.optimizers.Optimizer,
    skdnn.backends.registry: skdnn.backends.Backend,
}


@pytest.mark.parametrize("registry", list(BASES), ids=lambda r: r.kind)
def test_builtins_subclass_their_base_and_come_unwrapped(registry):
    """Every built-in subclasses its kind's base (exported), so it is never wrapped."""
    base = BASES[registry]
    module = sys.modules[base.__module__]
    assert base.__name__ in module.__all__
    assert registry.base is base
    assert registry.required == base.required
    for name in BUILTINS[registry]:
        plugin = registry.resolve(name)
        assert isinstance(plugin, base)
        assert registry.resolve(plugin) is plugin


def test_optimizer_defaults_filled_in():
    """An optimizer without end_epoch, on_plateau or folds_l2 gets the base's defaults."""
    loose = LooseOptimizer()
    opt = skdnn.optimizers.registry.resolve(loose)
    assert isinstance(opt, PluginAdapter)
    assert opt.__wrapped__ is loose
    assert opt.end_epoch({}, 10) is None
    assert opt.on_plateau({}, verbose=False) is True
    assert opt.folds_l2 is False
    opt.step([], [], {}, np)  # its own methods, reached through the adapter
    assert loose.steps == 1
    assert repr(opt) == "LooseOptimizer()"


def test_activation_default_calls_the_objects_own_forward():
    """The default forward_with_bias adds the bias, then runs the object's forward."""
    act = skdnn.activations.registry.resolve(LooseActivation())
    Z = np.array([[-3.0, 1.0]])
    out = act.forward_with_bias(Z.copy(), np.array([1.0, -2.0]), np)
    np.testing.assert_array_equal(out, [[0.0, 0.0]])
    out = act.forward_with_bias(Z.copy(), np.array([5.0, 5.0]), np)
    np.testing.assert_array_equal(out, [[2.0, 6.0]])


def test_backend_defaults_filled_in():
    """A backend without owns, fits, empty, supports_* or unavailable_reason gets them."""
    backend = skdnn.backends.registry.resolve(LooseBackend())
    assert backend.supports_sparse is False and backend.supports_out is False
    assert backend.owns(np.zeros(2)) is False
    assert backend.fits(np.zeros(2)) is True
    assert backend.unavailable_reason() == ""
    buffer = backend.empty((2, 3), np.float32)
    assert buffer.shape == (2, 3) and buffer.dtype == np.float32
    assert backend.name == "loose"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_loose_plugins_fit():
    """Non-subclassing plugins of every kind train a classifier together."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = DNNClassifier(
        (4,),
        activation=LooseActivation(),
        solver=LooseOptimizer(),
        backend=LooseBackend(),
        max_iter=3,
        random_state=0,
    ).fit(X, y)
    assert clf.predict(X).shape == (40,)


def test_objects_own_hook_wins_over_the_default():
    """A hook the object has is never replaced by the base's default."""

    class Patient(LooseOptimizer):
        folds_l2 = True

        def on_plateau(self, state, verbose):
            state["lowered"] = True
            return False

    class Fused(LooseActivation):
        def forward_with_bias(self, Z, b, xp):
            return "fused"

    opt = skdnn.optimizers.registry.resolve(Patient())
    state = {}
    assert opt.on_plateau(state, verbose=False) is False and state == {"lowered": True}
    assert opt.folds_l2 is True
    act = skdnn.activations.registry.resolve(Fused())
    assert act.forward_with_bias(np.zeros((1, 1)), np.zeros(1), np) == "fused"


def test_complete_object_is_not_wrapped():
    """An object that has every optional hook already is returned itself."""

    class Complete(LooseActivation):
        needs_input = False

        def forward_with_bias(self, Z, b, xp):
            return self.forward(Z + b, xp)

        def backward(self, Z, A, dA, xp):
            return self.derivative(A, dA, xp)

        def forward_dropout(self, Z, b, U, p, D, xp):
            A = self.forward_with_bias(Z, b, xp)
            M = (U >= p) / (1 - p)
            return A, M, A * M

        def backward_dropout(self, Z, A, dA, M, xp):
            return self.backward(Z, A, dA * M, xp)

    act = Complete()
    assert skdnn.activations.registry.resolve(act) is act


def test_wrapped_plugin_pickles_and_forwards_attribute_setting():
    """The adapter pickles (joblib workers) as an adapter of the unpickled object."""
    opt = skdnn.optimizers.registry.resolve(LooseOptimizer())
    opt.steps = 5  # set on the wrapped object
    assert opt.__wrapped__.steps == 5
    for copy in (pickle.loads(pickle.dumps(opt)), copy_module.deepcopy(opt)):
        assert isinstance(copy, PluginAdapter)
        assert type(copy.__wrapped__) is LooseOptimizer and copy.__wrapped__ is not opt.__wrapped__
        assert copy.steps == 5
        assert copy.on_plateau({}, verbose=False) is True
    assert skdnn.optimizers.registry.resolve(opt) is opt  # resolving again: no double wrap


def test_optimizer_taking_l2_without_declaring_folds_l2_gets_no_l2():
    """Regression guard: no optional feature is read off a signature. A step that
    accepts ``l2`` but whose optimizer does not set ``folds_l2`` is called without it,
    and the network adds the penalty to the gradients itself."""
    seen = []

    class Accepting(LooseOptimizer):
        def step(self, params, grads, state, xp, l2=None):
            seen.append(l2)
            for p, g in zip(params, grads):
                p -= 0.01 * g

    rng = np.random.RandomState(0)
    X = rng.standard_normal((30, 3))
    y = np.arange(30) % 2
    with pytest.warns(ConvergenceWarning):
        DNNClassifier((4,), solver=Accepting(), alpha=0.5, max_iter=2, random_state=0).fit(X, y)
    assert seen and all(l2 is None for l2 in seen)


def test_legacy_required_registry_still_works():
    """Registry(kind, required=..., param=...) without a base: objects are not wrapped."""
    reg = Registry("widgets", required=["run"], param="widget")
    obj = LooseActivation()
    obj.run = lambda: None
    assert reg.base is None and reg.resolve(obj) is obj
