"""The event store's persistence, chosen by PERSISTENCE_MODULE (see Settings.eventsourcing_env).

* `ChainedSQLAlchemyFactory` — production: eventsourcing-sqlalchemy, with connections checked
  before use, whose application recorder writes the audit's hash chain in the events' own
  transaction (service/storage/chain.py);
* `ChainedPOPOFactory` — eventsourcing's in-memory store, chained the same way (the
  application's tests run on it beside SQLite and PostgreSQL).

eventsourcing-sqlalchemy builds its own engine from the environment and has no setting for
pre-ping; without it, the first request after PostgreSQL dropped its connections (a restart,
a failover, an administrator's pg_terminate_backend) meets a dead one and fails with a 500.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.popo import POPOFactory
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import Factory
from sqlalchemy import Engine

from service.storage.chain import (
    ChainedPOPOApplicationRecorder,
    ChainedSQLAlchemyApplicationRecorder,
)


class PrePingingDatastore(SQLAlchemyDatastore):
    """A pool that tries each connection (`SELECT 1`) before lending it, and replaces a dead
    one; on SQLite a file has no connection to lose, and the library's own pooling stays."""

    def __init__(self, *, url: str | None = None, **kwargs: Any) -> None:
        if url and not url.startswith("sqlite"):
            kwargs.setdefault("pool_pre_ping", True)
        super().__init__(url=url, **kwargs)


class PrePingingFactory(Factory):
    datastore_class = PrePingingDatastore

    def close(self) -> None:
        """Let go of the database connections too: eventsourcing-sqlalchemy keeps its engine's
        pool open otherwise, which exhausts PostgreSQL's connections in long runs."""
        super().close()
        if isinstance(self.datastore.engine, Engine):
            self.datastore.engine.dispose()


class ChainedSQLAlchemyFactory(PrePingingFactory):
    application_recorder_class = ChainedSQLAlchemyApplicationRecorder


class ChainedPOPOFactory(POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return ChainedPOPOApplicationRecorder()
