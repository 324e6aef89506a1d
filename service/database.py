"""The SQLAlchemy engine for the service's own tables (accounts, idempotency, audit log)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import DeclarativeBase

from projections.store import read_model_engine
from service.settings import Settings


class ServiceTables(DeclarativeBase):
    """Tables that belong to the service, not to the event store or the read models."""


def create_service_engine(settings: Settings) -> Engine:
    """The same database as the event store; on SQLite with the same WAL and busy timeout."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = read_model_engine(settings.sqlalchemy_url)
    ServiceTables.metadata.create_all(engine)
    return engine
