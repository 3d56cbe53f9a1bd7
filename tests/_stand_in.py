"""Loading the CPU stand-in for CuPy (``tests/emulated/cupy``) in a test."""

import importlib.util
from pathlib import Path

STAND_IN = Path(__file__).parent / "emulated" / "cupy" / "__init__.py"


def load_cupy_stand_in():
    """A fresh copy of the CPU stand-in for CuPy, named ``cupy`` (not in ``sys.modules``).

    Returns
    -------
    module
    """
    spec = importlib.util.spec_from_file_location("cupy", STAND_IN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
