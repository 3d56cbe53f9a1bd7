"""Test configuration: run the estimator suite on another array backend.

``SKDNN_TEST_BACKEND=array_api_strict pytest`` (or ``torch``) makes that backend the
default of every ``DNNClassifier`` the tests build, so the whole suite exercises the
array API code path; a call outside the standard fails there just as it would on a GPU.
Tests of NumPy-only features (sparse input, the fused kernels, the flat parameter
layout) carry the ``numpy_only`` mark and are skipped on other backends.
"""

import os

import pytest

from skdnn import DNNClassifier

BACKEND = os.environ.get("SKDNN_TEST_BACKEND", "numpy")


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
        DNNClassifier.__init__.__kwdefaults__["backend"] = BACKEND


def pytest_report_header(config):
    return f"skdnn test backend: {BACKEND}"


def pytest_collection_modifyitems(config, items):
    if BACKEND == "numpy":
        return
    skip = pytest.mark.skip(reason=f"NumPy backend only (SKDNN_TEST_BACKEND={BACKEND})")
    for item in items:
        if "numpy_only" in item.keywords:
            item.add_marker(skip)
