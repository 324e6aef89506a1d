"""The event store's persistence: eventsourcing-sqlalchemy, with connections checked before use.

eventsourcing-sqlalchemy builds its own engine from the environment and has no setting for
pre-ping; without it, the first request after PostgreSQL dropped its connections (a restart,
a failover, an administrator's pg_terminate_backend) meets a dead one and fails with a 500.
The factory is named by PERSISTENCE_MODULE (see Settings.eventsourcing_env).
"""

from __future__ import annotations

from typing import Any

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import Factory


class PrePingingDatastore(SQLAlchemyDatastore):
    """A pool that tries each connection (`SELECT 1`) before lending it, and replaces a dead
    one; on SQLite a file has no connection to lose, and the library's own pooling stays."""

    def __init__(self, *, url: str | None = None, **kwargs: Any) -> None:
        if url and not url.startswith("sqlite"):
            kwargs.setdefault("pool_pre_ping", True)
        super().__init__(url=url, **kwargs)


class PrePingingFactory(Factory):
    datastore_class = PrePingingDatastore
