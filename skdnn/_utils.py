"""Small helpers shared by the estimator modules: warnings, dtypes, nested state."""

from __future__ import annotations

import inspect
import sys
import warnings
from typing import Any

# Frames of these modules are skdnn's own call path (and scikit-learn's fit wrapper):
# a warning skips them all, so it points at the user's line whatever the call depth.
_INTERNAL = ("skdnn.", "sklearn.base")


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointed at the first frame outside skdnn.

    Parameters
    ----------
    message : str
    category : Warning subclass, default=UserWarning
    """
    frame, level = sys._getframe(1), 2  # level 1 would be this function
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def dtype_name(X: Any) -> str:
    """The dtype name of a NumPy, CuPy, torch or array-API array (``"float32"``...)."""
    return str(X.dtype).rsplit(".", 1)[-1]


def concat(arrays: list, xp: Any, axis: int = 0) -> Any:
    """``xp.concat(arrays, axis=axis)``; NumPy before 2.0 has only ``concatenate``."""
    join = xp.concat if hasattr(xp, "concat") else xp.concatenate
    return join(arrays, axis=axis)


def has_out(xp: Any) -> bool:
    """Whether ``xp`` ufuncs take ``out=`` (NumPy and CuPy), for in-place work."""
    return getattr(xp, "__name__", "") in ("numpy", "cupy")


def copy_array(a: Any, xp: Any) -> Any:
    """A copy of the backend array ``a`` (any namespace: no ``copy=`` keyword needed)."""
    out = xp.empty_like(a)
    out[...] = a
    return out


def all_finite(arrays: list, xp: Any) -> bool:
    """Whether every array holds only finite numbers (one host sync per array)."""
    return all(bool(xp.all(xp.isfinite(a))) for a in arrays)


def tree_map(fn: Any, tree: Any) -> Any:
    """Apply ``fn`` to every array leaf of nested dicts/lists; scalars pass through."""
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(tree_map(fn, v) for v in tree)
    if hasattr(tree, "shape") and hasattr(tree, "dtype"):
        return fn(tree)
    return tree


def shapes(tree: Any) -> Any:
    """The nested structure of ``tree``: arrays become their shapes, scalars None."""
    return tree_map(lambda a: tuple(a.shape), _scalars_to_none(tree))


def _scalars_to_none(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _scalars_to_none(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_scalars_to_none(v) for v in tree]
    return tree if hasattr(tree, "shape") and hasattr(tree, "dtype") else None


def publish(module: str, classes: Any) -> dict:
    """Make ``module`` the public home of ``classes``; return their methods' examples.

    Pickles, skops (its trusted type names) and reprs name ``cls.__module__``, so a
    class defined in a private module of a plugin package names the package instead.
    Doctest then finds the class's own docstring in the package, but not its methods'
    (it takes a method only from the module that defines it): the returned
    ``{"Class.method": function}`` is for the package's ``__test__``, so that their
    examples still run.

    Parameters
    ----------
    module : str
        The public module's ``__name__``.
    classes : iterable of type

    Returns
    -------
    dict
    """
    examples = {}
    for cls in classes:
        cls.__module__ = module
        for name, member in vars(cls).items():
            # Properties are not listed: doctest finds them in the class wherever it is.
            member = getattr(member, "__func__", member)  # staticmethod, classmethod
            if inspect.isfunction(member) and ">>>" in (member.__doc__ or ""):
                examples[f"{cls.__name__}.{name}"] = member
    return examples
