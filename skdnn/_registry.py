"""The generic plugin registry shared by every plugin kind.

One :class:`Registry` instance exists per kind (losses, initializers, activations,
optimizers, backends); each plugin module creates its own. A registry maps a name to a
factory (usually a class). Third-party packages add names through the entry-point group
``skdnn.<kind>``; those are discovered lazily on the first lookup and stay unloaded until
one is asked for by name, so a broken plugin never breaks ``import skdnn``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any

__all__ = ["Registry"]


class Registry:
    """A name -> plugin-factory mapping for one kind of plugin.

    Parameters
    ----------
    kind : str
        Plural name of the plugin kind, e.g. ``"losses"``. The entry-point group is
        ``"skdnn." + kind``.
    required : iterable of str
        Attribute names every plugin object of this kind must have. An object passed
        in place of a name is accepted when it has all of them.
    param : str
        Name of the :class:`~skdnn.DNNClassifier` parameter that selects this kind,
        used in error messages.

    Examples
    --------
    >>> from skdnn._registry import Registry
    >>> reg = Registry("widgets", required=["run"], param="widget")
    >>> @reg.register("noop")
    ... class Noop:
    ...     def run(self):
    ...         return None
    >>> reg.names()
    ['noop']
    >>> type(reg.resolve("noop")).__name__
    'Noop'
    """

    def __init__(self, kind: str, required: Iterable[str], param: str) -> None:
        self.kind = kind
        self.group = f"skdnn.{kind}"
        self.required = tuple(required)
        self.param = param
        self._factories: dict[str, Callable[..., Any]] = {}
        self._entry_points: dict[str, Any] | None = None

    def register(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Return a decorator that registers a plugin factory under ``name``.

        Parameters
        ----------
        name : str
            The name users pass to select the plugin.

        Returns
        -------
        decorator : callable
            Registers its argument (a class or a zero-argument factory) and returns it
            unchanged.
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"A {self.kind} registry name must be a non-empty str, got {name!r}.")

        def decorator(factory: Callable[..., Any]) -> Callable[..., Any]:
            self._factories[name] = factory
            return factory

        return decorator

    def _discovered(self) -> dict[str, Any]:
        """Entry points of this kind's group, found once and kept unloaded."""
        if self._entry_points is None:
            found = {}
            for ep in entry_points(group=self.group):
                found.setdefault(ep.name, ep)
            self._entry_points = found
        return self._entry_points

    def names(self) -> list[str]:
        """Sorted names of every available plugin, built-in and installed.

        Returns
        -------
        names : list of str
        """
        return sorted(set(self._factories) | set(self._discovered()))

    def is_plugin(self, obj: Any) -> bool:
        """Whether ``obj`` follows this kind's protocol (has every required attribute).

        Parameters
        ----------
        obj : object

        Returns
        -------
        bool
        """
        return all(_has(obj, attr) for attr in self.required)

    def _load(self, name: str) -> Callable[..., Any]:
        if name in self._factories:
            return self._factories[name]
        ep = self._discovered().get(name)
        if ep is None:
            raise ValueError(
                f"Unknown {self.param} {name!r}. Valid names are: "
                f"{', '.join(map(repr, self.names()))}. Pass one of them, or an object "
                f"with the attributes {', '.join(self.required)}."
            )
        dist = getattr(getattr(ep, "dist", None), "name", None) or "unknown distribution"
        try:
            factory = ep.load()
        except Exception as exc:
            raise ValueError(
                f"The {self.param} plugin {name!r} (entry point {ep.value!r} of group "
                f"{self.group!r}, from {dist!r}) failed to load: "
                f"{type(exc).__name__}: {exc}. Fix or uninstall that package."
            ) from exc
        # Cache, so the entry point is imported once per process.
        self._factories[name] = factory
        return factory

    def resolve(self, spec: Any, **options: Any) -> Any:
        """Turn a registered name or a protocol-following object into a plugin object.

        Parameters
        ----------
        spec : str or object
            A registered name, or an object following this kind's protocol (returned
            unchanged).
        **options
            Settings offered to a named plugin's factory. Only those its signature
            accepts are passed, so a third-party plugin may take a subset.

        Returns
        -------
        plugin : object
            A fresh object for a name (callers never share state), ``spec`` itself for
            an object.

        Raises
        ------
        ValueError
            If the name is unknown (the message lists the valid names) or its plugin
            fails to load or does not follow the protocol.
        TypeError
            If ``spec`` is neither a str nor an object following the protocol.
        """
        if isinstance(spec, str):
            factory = self._load(spec)
            plugin = factory(**_accepted(factory, options)) if callable(factory) else factory
            if not self.is_plugin(plugin):
                missing = [a for a in self.required if not _has(plugin, a)]
                raise ValueError(
                    f"The {self.param} plugin {spec!r} does not follow the protocol: it "
                    f"lacks {', '.join(missing)}."
                )
            return plugin
        if self.is_plugin(spec):
            return spec
        missing = [a for a in self.required if not _has(spec, a)]
        raise TypeError(
            f"{self.param}={spec!r} is neither a registered name nor a {self.kind} plugin "
            f"(it lacks {', '.join(missing)}). Valid names are: "
            f"{', '.join(map(repr, self.names()))}."
        )


def _has(obj: Any, attr: str) -> bool:
    """Whether ``obj`` has ``attr``, found without running a property.

    A property may import an optional library (``CupyBackend.xp`` imports CuPy), so
    plain ``hasattr`` would raise ImportError for a backend that is merely unavailable.
    Objects with a dynamic ``__getattr__`` still get the ordinary lookup.
    """
    try:
        inspect.getattr_static(obj, attr)
    except AttributeError:
        return hasattr(obj, attr)
    return True


def _accepted(factory: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``options`` that ``factory``'s signature accepts."""
    if not options:
        return {}
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(options)
    return {k: v for k, v in options.items() if k in params}
