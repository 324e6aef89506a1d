"""Every event the application stores is chained to its aggregate's previous one, by the
store's recorder — in memory, in SQLite and in PostgreSQL alike (docs/audit.md)."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Notification, StoredEvent

from domain.values import Module
from service.app.certification import Certification
from service.storage.chain import GENESIS, Link, link_hash, links_of
from tests.stories import Story


def stored_since(app: Certification, start: int) -> list[Notification]:
    return list(app.recorder.select_notifications(start, limit=10_000))


def test_each_stored_event_is_linked_to_its_aggregate_s_previous_event(story: Story) -> None:
    app = story.app
    start = (app.recorder.max_notification_id() or 0) + 1
    expert, candidate = story.register_expert(), story.register_candidate()
    story.certified_in(Module.WC, candidate, expert)  # saves journey, trainer and registry at once

    events = stored_since(app, start)
    chain = links_of(app)
    previous: dict[UUID, bytes] = {}
    for event in events:
        aggregate = UUID(str(event.originator_id))
        expected = link_hash(previous.get(aggregate) or before(app, event), event)
        link = chain.link_of(aggregate, event.originator_version)
        assert link == Link(aggregate, event.originator_version, event.id, expected.hex())
        previous[aggregate] = expected
    assert len(previous) >= 4  # expert, candidate, workshop, journey (and the registry)


def before(app: Certification, event: Notification) -> bytes:
    """The link of an aggregate's event stored before the story (the certificate registry,
    which every test on a shared database adds to)."""
    if event.originator_version == 1:
        return GENESIS
    aggregate = UUID(str(event.originator_id))
    link = links_of(app).link_of(aggregate, event.originator_version - 1)
    assert link is not None
    return bytes.fromhex(link.hash)


def test_events_the_store_refuses_leave_no_link(story: Story) -> None:
    app = story.app
    candidate = story.register_candidate()
    existing = UUID(candidate.user_id)
    (first,) = app.recorder.select_events(existing, limit=1)
    newcomer = StoredEvent(uuid4(), 1, first.topic, first.state)
    stored = app.recorder.max_notification_id()

    with pytest.raises(IntegrityError):  # the candidate's version 1 exists: the save fails whole
        app.recorder.insert_events([newcomer, first])

    assert app.recorder.max_notification_id() == stored
    assert links_of(app).link_of(UUID(str(newcomer.originator_id)), 1) is None
    original = links_of(app).link_of(existing, 1)
    assert original is not None and original.position <= (stored or 0)


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)
