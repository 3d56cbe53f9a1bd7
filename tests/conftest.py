"""Test configuration: run the estimator suite on another array backend.

``SKDNN_TEST_BACKEND=array_api_strict pytest`` (or ``torch``) makes that backend the
default of every ``DNNClassifier`` the tests build (``tests._helpers.DNNClassifier``,
a subclass; skdnn's own class keeps its defaults), so the whole suite exercises the
array API code path; a call outside the standard fails there just as it would on a GPU.
Tests of NumPy-only features (sparse input, the fused kernels, the flat parameter
layout) carry the ``numpy_only`` mark and are skipped on other backends; modules that
never import ``tests._helpers`` (whose results do not depend on the test backend) are
collected by the NumPy run only.

``SKDNN_TEST_BACKEND=emulated_cupy`` runs the suite on ``backend="cupy"`` with the CPU
stand-in for CuPy in ``tests/emulated`` (see its docstring): the CuPy code path, its
kernels included, on a machine without a GPU. The stand-in is put first on ``sys.path``
and ``PYTHONPATH``, so worker processes import it too.
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests._helpers import BACKEND, EMULATED_CUPY, TEST_BACKEND, load_cupy_stand_in

# The stand-in is a package named ``cupy``: collecting it would import it as CuPy.
# tests/data holds saved models and the script that writes them, which is not a test.
collect_ignore = ["emulated", "data"]


def _reads_test_backend(path):
    """Whether a test module can see the test backend: only through tests._helpers."""
    return "tests._helpers" in path.read_text(encoding="utf-8")


# A module that never imports tests._helpers builds everything on skdnn's own defaults
# (or names its backends itself): under another SKDNN_TEST_BACKEND it would repeat the
# NumPy run exactly, so only the NumPy run collects it.
if BACKEND != "numpy":
    modules = sorted(Path(__file__).parent.glob("test_*.py"))
    collect_ignore += [p.name for p in modules if not _reads_test_backend(p)]

if TEST_BACKEND == "emulated_cupy":
    sys.modules.pop("cupy", None)
    sys.path.insert(0, str(EMULATED_CUPY))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(EMULATED_CUPY), os.environ.get("PYTHONPATH")])
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "numpy_only: needs the NumPy backend (skipped under SKDNN_TEST_BACKEND)"
    )
    if BACKEND != "numpy":
        from skdnn.backends import registry

        backend = registry.resolve(BACKEND)
        if not backend.is_available():
            raise pytest.UsageError(
                f"SKDNN_TEST_BACKEND={BACKEND!r}: {backend.unavailable_reason()}"
            )


def pytest_report_header(config):
    return f"skdnn test backend: {BACKEND}"


def pytest_collection_modifyitems(config, items):
    if BACKEND == "numpy":
        return
    skip = pytest.mark.skip(reason=f"NumPy backend only (SKDNN_TEST_BACKEND={BACKEND})")
    for item in items:
        if "numpy_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def cupy_or_stand_in(monkeypatch):
    """CuPy where a GPU answers, else the CPU stand-in, importable as ``cupy``."""
    from skdnn.backends import CupyBackend

    if importlib.util.find_spec("cupy") is not None and not CupyBackend().unavailable_reason():
        import cupy

        return cupy
    if shutil.which("g++") is None:
        pytest.skip("no GPU, and no g++ for the CPU stand-in for CuPy")
    module = load_cupy_stand_in()
    monkeypatch.setitem(sys.modules, "cupy", module)
    return module
