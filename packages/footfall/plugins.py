"""Plugin manager: loads the ``footfall`` entry points and the extra plugin modules."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import Distribution, EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy
from pluggy import HookImpl, Result

from footfall import hookspecs
from footfall.config import Settings

__all__ = [
    "DEFAULT_DISTRIBUTION",
    "ENTRY_POINT_GROUP",
    "FootfallPluginManager",
    "PluginInfo",
    "PluginLoadError",
    "create_plugin_manager",
    "list_plugins",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "footfall"

#: The distribution whose entry points are the default plugins. They are registered before
#: every other plugin, and pluggy calls later registrations first, so a third-party plugin's
#: auth scheme, sink or analytic of the same name takes precedence over a default one.
DEFAULT_DISTRIBUTION = "footfall"


class FootfallPluginManager(pluggy.PluginManager):
    """A pluggy manager that also remembers which distribution installed each plugin."""

    def __init__(self) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self.add_hookspecs(hookspecs)
        self.distributions: dict[str, Distribution | None] = {}


class PluginLoadError(RuntimeError):
    """Raised when a plugin cannot be imported or a plugin setting names no installed plugin."""


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """An installed plugin as ``litestar footfall plugins`` and ``/api/v1/plugins`` list it."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]


def create_plugin_manager(settings: Settings) -> FootfallPluginManager:
    """Create a plugin manager with every allowed plugin registered."""
    manager = FootfallPluginManager()

    available = _entry_points()
    unknown = [name for name in settings.plugins if name not in {ep.name for ep in available}]
    if unknown:
        installed = ", ".join(sorted(ep.name for ep in available)) or "none"
        raise PluginLoadError(
            f"FOOTFALL_PLUGINS names plugins that are not installed: {', '.join(unknown)}; "
            f"installed plugins are: {installed}"
        )

    for entry_point in available:
        if settings.plugins and entry_point.name not in settings.plugins:
            logger.debug("Plugin %s is not in FOOTFALL_PLUGINS; not loaded", entry_point.name)
            continue
        module = _load_entry_point(entry_point)
        manager.register(module, name=entry_point.name)
        manager.distributions[entry_point.name] = entry_point.dist

    for module_name in settings.extra_plugins:
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise PluginLoadError(
                f"FOOTFALL_EXTRA_PLUGINS names module {module_name!r}, which cannot be "
                f"imported: {error}"
            ) from error
        if manager.is_registered(module):
            continue
        manager.register(module, name=module_name)

    if settings.trace_plugins:
        _enable_tracing(manager)
    return manager


def list_plugins(manager: FootfallPluginManager) -> list[PluginInfo]:
    """Describe every registered plugin: name, distribution, version and implemented hooks."""
    dists = manager.distributions
    plugins = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:
            continue
        callers = manager.get_hookcallers(plugin) or []
        dist = dists.get(name)
        plugins.append(
            PluginInfo(
                name=name,
                module=getattr(plugin, "__name__", type(plugin).__name__),
                distribution=dist.metadata["Name"] if dist is not None else None,
                version=dist.version if dist is not None else None,
                hooks=tuple(sorted(caller.name for caller in callers)),
            )
        )
    return sorted(plugins, key=lambda info: info.name)


def _entry_points() -> list[EntryPoint]:
    found = list(entry_points(group=ENTRY_POINT_GROUP))

    def is_default(entry_point: EntryPoint) -> bool:
        dist = entry_point.dist
        return dist is not None and dist.metadata["Name"] == DEFAULT_DISTRIBUTION

    # Defaults first, then third parties in a stable order: see DEFAULT_DISTRIBUTION.
    return sorted(found, key=lambda ep: (not is_default(ep), ep.name))


def _load_entry_point(entry_point: EntryPoint) -> ModuleType:
    try:
        loaded = entry_point.load()
    except ImportError as error:
        raise PluginLoadError(
            f"plugin {entry_point.name!r} ({entry_point.value}) failed to import: {error}. "
            "Install what it needs, or leave it out with FOOTFALL_PLUGINS"
        ) from error
    if not isinstance(loaded, ModuleType):
        raise PluginLoadError(
            f"plugin {entry_point.name!r} points at {entry_point.value}, which is not a module"
        )
    return loaded


def _enable_tracing(manager: pluggy.PluginManager) -> None:
    trace_logger = logging.getLogger("footfall.plugins.trace")

    def before(
        hook_name: str, hook_impls: Sequence[HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        plugins = ", ".join(impl.plugin_name for impl in hook_impls)
        trace_logger.info("hook %s called on [%s] with %s", hook_name, plugins, sorted(kwargs))

    def after(
        outcome: Result[Any],
        hook_name: str,
        hook_impls: Sequence[HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        exception = outcome.exception
        if exception is not None:
            trace_logger.info("hook %s raised %r", hook_name, exception)
        else:
            trace_logger.info("hook %s returned %r", hook_name, outcome.get_result())

    manager.add_hookcall_monitoring(before, after)
