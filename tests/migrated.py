"""Test stores are made as production makes them: by the migrations (`score migrate`)."""

from __future__ import annotations

from service.migrations import migrate
from service.settings import Settings


def migrated(settings: Settings) -> Settings:
    """`settings`, with its database brought to the newest revision; for chaining."""
    migrate(settings)
    return settings
