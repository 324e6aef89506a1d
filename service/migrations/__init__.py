"""The database schema, made and upgraded by Alembic revisions (`score migrate`).

Every table lives here, the event store's own included: no process creates a table when it
starts. `score migrate` (run by `score run` and by the deploy before the services) brings a
database to the newest revision; the services only check that it is there (`require_schema`).
"""

from service.migrations.runner import (
    SchemaAhead,
    SchemaBehind,
    head_revision,
    migrate,
    require_schema,
    stored_revision,
)

__all__ = [
    "SchemaAhead",
    "SchemaBehind",
    "head_revision",
    "migrate",
    "require_schema",
    "stored_revision",
]
