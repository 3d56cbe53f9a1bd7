"""A plugin package installed with pip: ``examples/plugin`` (distribution ``skdnn-focal``).

The distribution is installed into the running environment for this module and removed
afterwards, so the suite can run again in the same environment (once per backend). Its
names reach skdnn only through its entry points (importing ``skdnn_focal`` registers
nothing): in this process after ``Registry.refresh()``, and in joblib's worker processes
because fresh ones are started after the install. Before installing, the same grid
search is run in fresh workers and must fail on the unknown name: without that control,
a passing search would not show that the workers found the plugin themselves.
"""

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pytest
from joblib.externals.loky import get_reusable_executor
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score

from skdnn import initializers, losses
from tests._helpers import DNNClassifier

PLUGIN = Path(__file__).resolve().parents[1] / "examples" / "plugin"
DIST = "skdnn-focal"
REGISTRIES = (losses.registry, initializers.registry)
GRID = {"loss": ["focal", "cross_entropy"], "init": ["lecun_normal", "orthogonal"]}
# pip's words when the index (or a build dependency on it) cannot be reached.
OFFLINE = (
    "No matching distribution found",
    "Could not find a version",
    "NewConnectionError",
    "Network is unreachable",
    "Temporary failure in name resolution",
    "Failed to establish a new connection",
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n_classes):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((72, 4))
    score = X[:, 0] + 0.5 * X[:, 1]
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, y


def _installed():
    try:
        importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _refresh():
    for registry in REGISTRIES:
        registry.refresh()


def _fresh_workers():
    """Stop loky's reusable workers: the next parallel call starts new processes, whose
    registries scan the entry points as they are now."""
    get_reusable_executor().shutdown(wait=True)


def _pip(*args):
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
    )


def _builds_offline():
    """Whether this environment can build the plugin's wheel itself: setuptools with
    ``bdist_wheel`` (built in from 70.1, else the ``wheel`` package)."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    version = importlib.metadata.version("setuptools").split(".")
    if tuple(int(v) for v in version[:2] if v.isdigit()) >= (70, 1):
        return True
    return importlib.util.find_spec("wheel") is not None


def _search(X, y):
    """The grid over the plugin's names and built-ins, scored by log-loss, fitted by two
    loky worker processes."""
    estimator = DNNClassifier((5,), max_iter=15, learning_rate_init=0.05, random_state=0)
    search = GridSearchCV(
        estimator, GRID, cv=2, n_jobs=2, scoring="neg_log_loss", error_score="raise"
    )
    with joblib.parallel_config(backend="loky"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return search.fit(X, y)


@dataclass
class Installed:
    """What the fixture did: ``control`` is the error the fresh workers raised before the
    install (None when the package was there already, and then left alone)."""

    control: BaseException | None
    installed_here: bool


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """``skdnn-focal`` installed for this module, uninstalled after it."""
    if _installed():
        # Someone else's install: use it, and leave it as it is.
        _refresh()
        yield Installed(control=None, installed_here=False)
        return
    _refresh()
    _fresh_workers()
    control = None
    try:
        _search(*_data(3))
    except ValueError as exc:
        control = exc
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = tmp_path_factory.mktemp("plugin") / "skdnn-focal"
    shutil.copytree(
        PLUGIN,
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"),
    )
    isolation = ["--no-build-isolation"] if _builds_offline() else []
    result = _pip("install", "--no-deps", *isolation, str(source))
    if result.returncode != 0:
        output = result.stdout + result.stderr
        offline = [line.strip() for line in output.splitlines() if any(s in line for s in OFFLINE)]
        if isolation or not offline:
            pytest.fail(f"pip could not install {PLUGIN}:\n{output}")
        pytest.skip(f"pip cannot fetch the build requirements of {DIST}: {offline[0]}")
    try:
        _refresh()
        yield Installed(control=control, installed_here=True)
    finally:
        result = _pip("uninstall", "-y", DIST)
        for name in [m for m in sys.modules if m.partition(".")[0] == "skdnn_focal"]:
            del sys.modules[name]
        _refresh()
        _fresh_workers()
        if result.returncode != 0:
            raise RuntimeError(f"pip could not uninstall {DIST}:\n{result.stderr}")


def test_names_come_from_the_entry_points(plugin):
    """The registries list the plugin's names and build its classes from them."""
    assert "focal" in losses.registry.names()
    assert {"lecun_normal", "orthogonal"} <= set(initializers.registry.names())
    loss = losses.registry.resolve("focal")
    assert type(loss).__module__ == "skdnn_focal.losses"
    assert loss.gamma == 2.0
    assert type(initializers.registry.resolve("orthogonal")).__name__ == "Orthogonal"


@pytest.mark.parametrize("n_classes", [2, 3])
def test_fit_by_name(plugin, n_classes):
    """loss="focal" and init="orthogonal" train exactly as the plugin's objects do, and
    differently from the built-ins."""
    import skdnn_focal

    X, y = _data(n_classes)
    params = dict(max_iter=30, learning_rate_init=0.05, random_state=0)
    by_name = DNNClassifier((6,), loss="focal", init="orthogonal", **params).fit(X, y)
    by_object = DNNClassifier(
        (6,), loss=skdnn_focal.FocalLoss(), init=skdnn_focal.Orthogonal(), **params
    ).fit(X, y)
    builtin = DNNClassifier((6,), loss="cross_entropy", init="orthogonal", **params).fit(X, y)
    np.testing.assert_array_equal(by_name.loss_curve_, by_object.loss_curve_)
    for a, b in zip(by_name.coefs_, by_object.coefs_):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(by_name.loss_curve_, builtin.loss_curve_)
    assert by_name.loss_curve_[-1] < by_name.loss_curve_[0]
    assert by_name.score(X, y) > 0.8


def test_without_the_package_workers_do_not_know_the_names(plugin):
    """The control: before the install, the search below failed in fresh workers."""
    if not plugin.installed_here:
        pytest.skip(f"{DIST} was installed before the tests ran: no run without it")
    assert plugin.control is not None, "the search succeeded before the install"
    assert "Unknown loss 'focal'" in str(plugin.control)


def test_grid_search_workers_find_the_plugin(plugin):
    """GridSearchCV(n_jobs=2) resolves the names in fresh worker processes, through the
    entry points alone."""
    X, y = _data(3)
    _fresh_workers()
    search = _search(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # The workers' scores are this process's, where the names give the plugin's classes.
    for params, score in zip(search.cv_results_["params"], scores):
        if params["loss"] == "focal":
            estimator = clone(search.estimator).set_params(**params)
            local = cross_val_score(estimator, X, y, cv=2, scoring="neg_log_loss").mean()
            assert score == pytest.approx(local, rel=1e-6)
    by_params = {(p["init"], p["loss"]): s for p, s in zip(search.cv_results_["params"], scores)}
    for init in GRID["init"]:
        assert by_params[init, "focal"] != pytest.approx(by_params[init, "cross_entropy"])
