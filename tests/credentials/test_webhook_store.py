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


def test_one_command_sent_twice_makes_one_subscription_and_answers_it_with_its_secret(
    tmp_path: Path,
) -> None:
    engine = create_service_engine(migrated(Settings(data_dir=tmp_path / "data")))
    webhooks = Webhooks(engine)
    url, events = "https://crm.example.org/hooks", ("trainer.delisted",)

    first = webhooks.subscribe(url, events, "office", "office:page:k1")
    again = webhooks.subscribe(url, events, "office", "office:page:k1")  # a double click
    other = webhooks.subscribe(url, events, "office", "office:page:k2")  # a new form

    assert again == first  # the same id and the same secret, shown again
    assert other.subscription_id != first.subscription_id
    assert [s.subscription_id for s in webhooks.subscriptions()] == [
        first.subscription_id,
        other.subscription_id,
    ]
    engine.dispose()


def test_the_same_command_racing_itself_gets_the_subscription_the_first_one_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_service_engine(migrated(Settings(data_dir=tmp_path / "data")))
    webhooks = Webhooks(engine)
    url, events = "https://crm.example.org/hooks", ("trainer.delisted",)
    first = webhooks.subscribe(url, events, "office", "office:page:k1")
    looked_up = Webhooks._made
    # The twin looked before the first one's row was committed: it finds none, inserts, and
    # meets the primary key.
    seen = iter([None])
    monkeypatch.setattr(Webhooks, "_made", lambda self, i: next(seen, looked_up(self, i)))

    twin = webhooks.subscribe(url, events, "office", "office:page:k1")

    assert twin == first
    assert len(webhooks.subscriptions()) == 1
    engine.dispose()
