"""What the revisions share: table names, and what a store from before migrations holds.

Stores written before the service had migrations (release v0.1.0 and the builds after it)
already hold the tables their processes created at start-up, each as its code declared it
then. The revisions up to the one that introduced Alembic therefore create a table or add a
column only where it is missing; later revisions are plain.
"""

from __future__ import annotations

from typing import Any

from alembic import context, op
from sqlalchemy import inspect

DEFAULT_READ_MODEL_PREFIX = "rm_"
EVENTS = "certification_events"  # eventsourcing-sqlalchemy: "<application name>_events"


def read_model(name: str) -> str:
    """A read-model table's name, under the configured prefix (Settings.read_model_prefix)."""
    prefix: str = context.config.attributes.get("read_model_prefix", DEFAULT_READ_MODEL_PREFIX)
    return f"{prefix}{name}"


def has_table(name: str) -> bool:
    return bool(inspect(op.get_bind()).has_table(name))


def has_column(table: str, column: str) -> bool:
    return any(found["name"] == column for found in inspect(op.get_bind()).get_columns(table))


def create_table_unless_present(name: str, *elements: Any) -> None:
    """The table with its indexes (columns with index=True, Index elements), unless present."""
    if not has_table(name):
        op.create_table(name, *elements)
