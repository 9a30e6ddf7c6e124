"""The running service's state: settings, database, plugins and what they provide."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select

from footfall.access_cache import AccessCache
from footfall.access_generation import tracker_for
from footfall.analytics.dwell_warmup import DwellWarmup
from footfall.auth import Authenticator
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import schema_status, upgrade
from footfall.db.models import Device, Store
from footfall.ingest import SinkSet
from footfall.outbox_worker import OutboxWorker
from footfall.plugin_types import Analytic, AuthScheme, DeviceRef, EventSink
from footfall.plugins import FootfallPluginManager, create_plugin_manager

__all__ = [
    "SchemaOutOfDate",
    "Service",
    "call_each_plugin",
    "collect_analytics",
    "collect_sinks",
]

logger = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    """Raised at start-up when the schema is old and automatic migration is off."""


def collect_sinks(manager: FootfallPluginManager, settings: Settings) -> SinkSet:
    """Return the event sinks of every plugin, split by when they run."""
    sinks: list[EventSink] = []
    for plugin_sinks in manager.hook.footfall_event_sinks(settings=settings):
        sinks.extend(plugin_sinks)
    return SinkSet.from_sinks(sinks)


def collect_analytics(manager: FootfallPluginManager, settings: Settings) -> dict[str, Analytic]:
    """Return the analytics of every plugin by name; the plugin registered last wins a name."""
    analytics: dict[str, Analytic] = {}
    for plugin_analytics in manager.hook.footfall_analytics(settings=settings):
        for analytic in plugin_analytics:
            # pluggy returns the latest-registered plugin's results first.
            analytics.setdefault(analytic.name, analytic)
    return dict(sorted(analytics.items()))


# Built once, as footfall.keys builds its key look-up: building it cost more than running it.
_DEVICE_REF = (
    select(Device.id, Device.name, Store.id, Store.name)
    .join(Store, Store.id == Device.store_id)
    .where(Device.id == bindparam("device_id"))
)


class Service:
    """Everything a request handler needs, built once per process."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        manager: FootfallPluginManager,
        authenticator: Authenticator,
        sinks: SinkSet,
        analytics: dict[str, Analytic],
    ) -> None:
        self.settings = settings
        self.db = db
        self.manager = manager
        self.authenticator = authenticator
        self.sinks = sinks
        self.analytics = analytics
        self.outbox = OutboxWorker(db, sinks.after_commit, settings, sinks.outbox_written)
        self.dwell_warmup = DwellWarmup(db)
        self._devices: AccessCache[int, DeviceRef] = AccessCache(
            tracker_for(db), settings.key_cache_s
        )
        self._plugins_started = False

    @classmethod
    def create(cls, settings: Settings) -> Service:
        """Load the plugins and set up the database engine, without connecting to it yet.

        The Litestar command line builds the application for every command, ``litestar
        footfall db upgrade`` included, so the schema is checked in :meth:`prepare` at
        server start-up and not here.
        """
        manager = create_plugin_manager(settings)
        db = Database(settings)

        schemes: list[AuthScheme] = []
        for plugin_schemes in manager.hook.footfall_auth_schemes(settings=settings):
            schemes.extend(plugin_schemes)
        return cls(
            settings=settings,
            db=db,
            manager=manager,
            authenticator=Authenticator(schemes, db),
            sinks=collect_sinks(manager, settings),
            analytics=collect_analytics(manager, settings),
        )

    def prepare(self) -> None:
        """Upgrade the schema, or fail on an old one when automatic migration is off."""
        ensure_schema(self.db, self.manager, self.settings.auto_migrate)

    def start_plugins(self) -> None:
        """Call every plugin's ``footfall_startup`` hook, once per service.

        The server calls this after :meth:`prepare`, and the ``litestar footfall`` commands
        never do. A plugin whose hook raises is logged and skipped, and the others start.
        """
        if self._plugins_started:
            return
        self._plugins_started = True
        call_each_plugin(self.manager, "footfall_startup", self)

    def device_ref(self, device_id: int) -> DeviceRef:
        """Return the device and its store, cached until a device or store changes.

        Raises :class:`sqlalchemy.exc.NoResultFound` when no device has the id.
        """
        version = self._devices.current_version() if self._devices.enabled else 0
        cached = self._devices.get(device_id)
        if cached is not None:
            return cached

        with self.db.read() as connection:
            row = connection.execute(_DEVICE_REF, {"device_id": device_id}).one()
        ref = DeviceRef(id=row[0], name=row[1], store_id=row[2], store_name=row[3])
        self._devices.put(device_id, ref, version)
        return ref

    def close(self) -> None:
        """Stop plugins, background threads and sinks, then release the database connections."""
        if self._plugins_started:
            # Last started, first stopped, while the database is still open for them.
            self._plugins_started = False
            call_each_plugin(self.manager, "footfall_shutdown", self, reverse=True)
        self.dwell_warmup.stop()
        self.outbox.stop()
        for sink in self.sinks.after_commit:
            # A sink with a connection of its own (an MQTT client, say) may offer stop().
            stop = getattr(sink, "stop", None)
            if callable(stop):
                try:
                    stop()
                except Exception:
                    logger.exception("Event sink %s failed to stop", sink.name)
        self.db.dispose()


def call_each_plugin(
    manager: FootfallPluginManager, hook_name: str, service: Service, reverse: bool = False
) -> None:
    """Call a ``service`` hook on each plugin in turn, in pluggy's order or its ``reverse``.

    A plain hook call stops at the first plugin that raises, so each plugin gets a call of
    its own, through a subset caller that keeps FOOTFALL_TRACE_PLUGINS tracing. An exception
    is logged with the plugin's name and the next plugin is called.
    """
    implementations = getattr(manager.hook, hook_name).get_hookimpls()
    # pluggy calls the last registered implementation first.
    ordered = implementations if reverse else list(reversed(implementations))
    for implementation in ordered:
        others = [other.plugin for other in implementations if other is not implementation]
        caller = manager.subset_hook_caller(hook_name, remove_plugins=others)
        try:
            caller(service=service)
        except Exception:
            logger.exception(
                "Plugin %s failed in %s, so the service goes on without it: fix the plugin "
                "or leave it out with FOOTFALL_PLUGINS",
                implementation.plugin_name,
                hook_name,
            )


def ensure_schema(db: Database, manager: FootfallPluginManager, auto_migrate: bool) -> None:
    """Upgrade the schema, or refuse to go on with an old one when migration is off."""
    if auto_migrate:
        upgrade(db, manager)
        return
    status = schema_status(db, manager)
    if not status.up_to_date:
        current = ", ".join(sorted(status.current)) or "empty"
        heads = ", ".join(sorted(status.heads))
        raise SchemaOutOfDate(
            f"the database schema is out of date (at {current}, the code needs {heads}) and "
            "FOOTFALL_AUTO_MIGRATE=0: run `litestar footfall db upgrade`, then start again"
        )
