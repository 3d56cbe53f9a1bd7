"""The generic plugin registry shared by every plugin kind.

One :class:`Registry` instance exists per kind (losses, initializers, activations,
optimizers, backends); each plugin module creates its own, with the kind's base class.
A registry maps a name to a factory (usually a class). Third-party packages add names
through the entry-point group ``skdnn.<kind>``; those are discovered lazily on the first
lookup and stay unloaded until one is asked for by name, so a broken plugin never breaks
``import skdnn``. What was found is kept for the life of the process;
:meth:`Registry.refresh` scans again after a package is installed or removed in a
running interpreter.

A plugin that subclasses its kind's base class inherits a default for every optional
hook. One that only follows the protocol (has the required attributes) is wrapped in a
:class:`PluginAdapter` that supplies the missing defaults, so callers call every hook
unconditionally and never probe with ``hasattr``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any

__all__ = ["PluginAdapter", "Registry"]


class Registry:
    """A name -> plugin-factory mapping for one kind of plugin.

    Parameters
    ----------
    kind : str
        Plural name of the plugin kind, e.g. ``"losses"``. The entry-point group is
        ``"skdnn." + kind``.
    required : iterable of str, optional
        Attribute names every plugin object of this kind must have. An object passed
        in place of a name is accepted when it has all of them. Defaults to
        ``base.required`` (none without a base).
    param : str
        Name of the :class:`~skdnn.DNNClassifier` parameter that selects this kind,
        used in error messages.
    base : type, optional
        The kind's base class: the protocol, with a default for every optional hook.
        Its public attributes other than the required ones are the optional hooks;
        an object lacking some of them is resolved to a :class:`PluginAdapter`.

    Examples
    --------
    >>> from skdnn._registry import Registry
    >>> class Widget:
    ...     required = ("run",)
    ...     def run(self):
    ...         raise NotImplementedError
    ...     def size(self):
    ...         return 1
    >>> reg = Registry("widgets", param="widget", base=Widget)
    >>> @reg.register("noop")
    ... class Noop(Widget):
    ...     def run(self):
    ...         return None
    >>> reg.names()
    ['noop']
    >>> type(reg.resolve("noop")).__name__
    'Noop'
    >>> class Loose:  # follows the protocol without subclassing Widget
    ...     def run(self):
    ...         return "ran"
    >>> plugin = reg.resolve(Loose())
    >>> type(plugin).__name__, plugin.run(), plugin.size()
    ('PluginAdapter', 'ran', 1)
    """

    def __init__(
        self,
        kind: str,
        required: Iterable[str] | None = None,
        *,
        param: str,
        base: type | None = None,
    ) -> None:
        self.kind = kind
        self.group = f"skdnn.{kind}"
        if required is None:
            required = base.required if base is not None else ()
        self.required = tuple(required)
        self.param = param
        self.base = base
        self._factories: dict[str, Callable[..., Any]] = {}
        self._entry_points: dict[str, Any] | None = None
        # Names whose factory in _factories was loaded from an entry point.
        self._from_entry_points: set[str] = set()

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
            self._from_entry_points.discard(name)
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

    def refresh(self) -> None:
        """Forget the installed plugins found so far; the next lookup scans again.

        Entry points are scanned once per process, on the first lookup, and a plugin
        loaded from one is kept. A package installed or uninstalled while the process
        runs (a notebook, a test session) is therefore seen only after this call.
        Registered names are kept. Modules already imported stay imported: a removed
        package's plugin is no longer offered by name, but objects built from it still
        work. Worker processes started before the install have their own registries;
        start new ones (joblib/loky reuses its workers) rather than refreshing there.

        Examples
        --------
        >>> import skdnn
        >>> registry = skdnn.losses.registry
        >>> registry.refresh()  # e.g. after `pip install` of a plugin package
        >>> "cross_entropy" in registry.names()
        True
        """
        # importlib's finders cache directory listings; a new dist-info must be seen.
        importlib.invalidate_caches()
        for name in self._from_entry_points:
            self._factories.pop(name, None)
        self._from_entry_points.clear()
        self._entry_points = None

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
        if self.base is not None and isinstance(obj, self.base):
            return True
        return all(_has(obj, attr) for attr in self.required)

    def _adapt(self, plugin: Any) -> Any:
        """``plugin`` itself when it has every hook, else wrapped to supply defaults."""
        if self.base is None or isinstance(plugin, self.base):
            return plugin
        if isinstance(plugin, PluginAdapter) and plugin._base is self.base:
            return plugin
        if all(_has(plugin, name) for name in _optional(self.base)):
            return plugin
        return PluginAdapter(plugin, self.base)

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
        # Cache, so the entry point is imported once per process (until refresh()).
        self._factories[name] = factory
        self._from_entry_points.add(name)
        return factory

    def resolve(self, spec: Any, **options: Any) -> Any:
        """Turn a registered name or a protocol-following object into a plugin object.

        Parameters
        ----------
        spec : str or object
            A registered name, or an object following this kind's protocol.
        **options
            Settings offered to a named plugin's factory. Only those its signature
            accepts are passed, so a third-party plugin may take a subset.

        Returns
        -------
        plugin : object
            A fresh object for a name (callers never share state), ``spec`` itself for
            an object. An object that neither subclasses the kind's base class nor has
            every optional hook comes wrapped in a :class:`PluginAdapter`.

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
            return self._adapt(plugin)
        if self.is_plugin(spec):
            return self._adapt(spec)
        missing = [a for a in self.required if not _has(spec, a)]
        raise TypeError(
            f"{self.param}={spec!r} is neither a registered name nor a {self.kind} plugin "
            f"(it lacks {', '.join(missing)}). Valid names are: "
            f"{', '.join(map(repr, self.names()))}."
        )


class PluginAdapter:
    """A protocol-following object that does not subclass its kind's base class.

    Every attribute is looked up on the wrapped object first, so its own hooks always
    win; an optional hook it lacks comes from the base class, bound to the adapter, so
    that a default calling another hook (``forward_with_bias`` calling
    ``self.forward``) reaches the object's own. Setting or deleting an attribute acts
    on the wrapped object. The adapter pickles (joblib workers) as a new adapter of
    the unpickled object, and its ``repr`` is the object's.

    Parameters
    ----------
    plugin : object
        The object, having every required attribute of ``base``.
    base : type
        The kind's base class, supplying the defaults.

    Attributes
    ----------
    __wrapped__ : object
        The wrapped object (``inspect.unwrap`` follows it).
    """

    __slots__ = ("_plugin", "_base")

    def __init__(self, plugin: Any, base: type) -> None:
        object.__setattr__(self, "_plugin", plugin)
        object.__setattr__(self, "_base", base)

    @property
    def __wrapped__(self) -> Any:
        return self._plugin

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the adapter itself lacks. Special names are never
        # forwarded: the object's own __deepcopy__ or __reduce_ex__ would copy the
        # object, not the adapter.
        if name.startswith("__") and name.endswith("__") or name in PluginAdapter.__slots__:
            raise AttributeError(name)
        plugin, base = self._plugin, self._base
        if name in _optional(base) and not _has(plugin, name):
            default = inspect.getattr_static(base, name)
            return default.__get__(self, type(self)) if hasattr(default, "__get__") else default
        return getattr(plugin, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._plugin, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._plugin, name)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._plugin)) | set(_optional(self._base)))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._plugin(*args, **kwargs)

    def __repr__(self) -> str:
        return repr(self._plugin)

    def __reduce__(self) -> tuple:
        return PluginAdapter, (self._plugin, self._base)


@functools.lru_cache(maxsize=32)
def _optional(base: type) -> frozenset[str]:
    """The optional hooks of ``base``: its public attributes that are not required."""
    required = set(getattr(base, "required", ()))
    return frozenset(
        name
        for name in dir(base)
        if not name.startswith("_") and name != "required" and name not in required
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
