"""The office's webhook subscriptions as stored, read back with their zones (on SQLite too)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from domain.errors import NotFound
from service.app.webhooks.store import Webhooks
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated


def test_a_subscription_reads_back_with_its_time_in_utc_and_can_be_stopped(
    tmp_path: Path,
) -> None:
    engine = create_service_engine(migrated(Settings(data_dir=tmp_path / "data")))
    webhooks = Webhooks(engine)
    made = webhooks.subscribe("https://crm.example.org/hooks", ("trainer.delisted",), "office")

    (listed,) = webhooks.subscriptions()
    stopped = webhooks.deactivate(made.subscription_id)

    assert made.secret.startswith("whsec_") and listed.created_at.tzinfo is UTC
    assert listed.events == ("trainer.delisted",) and not stopped.active
    assert webhooks.deliveries(made.subscription_id) == []
    with pytest.raises(NotFound):
        webhooks.deliveries("00000000-0000-0000-0000-000000000000")
    engine.dispose()
