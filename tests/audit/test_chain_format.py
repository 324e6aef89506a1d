"""A link's bytes never change between releases: a store chained by an earlier release must
keep verifying (the digests below were computed by the release that wrote links in
`Certification.save`, before the chain moved into the recorder)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import Notification

from service.storage.chain import GENESIS, link_hash

TRAINER = UUID("12345678-1234-5678-1234-567812345678")
REGISTERED = Notification(
    id=7,
    originator_id=TRAINER,
    originator_version=1,
    topic="domain.trainer.aggregate:Trainer.Registered",
    state=b'{"name":"Ana"}',
)
OPENED = Notification(
    id=9,
    originator_id=TRAINER,
    originator_version=2,
    topic="domain.trainer.aggregate:Trainer.JourneyOpened",
    state=b'{"module":"WC"}',
)


def test_the_links_of_an_aggregate_s_events_are_the_ones_earlier_releases_stored() -> None:
    first = link_hash(GENESIS, REGISTERED)
    second = link_hash(first, OPENED)

    assert first.hex() == "e7388fe6aedb729fd0165d636a232893caf78b8d53bce98fd8ebfbdce9da88b1"
    assert second.hex() == "5b56f891a9d7f35ed93293f7f775dcdcbfb7d4b128428743ffd8a575ba82f72d"


def test_an_event_s_aggregate_id_given_as_text_is_linked_as_its_uuid() -> None:
    as_text = Notification(
        id=7,
        originator_id=str(TRAINER),
        originator_version=1,
        topic=REGISTERED.topic,
        state=REGISTERED.state,
    )

    assert link_hash(GENESIS, as_text) == link_hash(GENESIS, REGISTERED)
