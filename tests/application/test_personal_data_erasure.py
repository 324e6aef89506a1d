"""Stories of personal data erased on request: the key goes, the facts and the chain stay."""

from __future__ import annotations

import base64
import logging
import os
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper

from domain import ids
from domain.errors import AlreadyExists, NotPermitted, StandingRuleViolated
from domain.journey.steps import Withdraw
from domain.personal import ERASED
from domain.recorded import created_fields
from domain.trainer.aggregate import Trainer
from domain.trainer.rules import DetailsEdit
from domain.trainer.state import CredentialStatus, Listing
from domain.trainer.steps import SubmitTrainingRecord
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from service.storage.chain import GENESIS, as_notifications, link_hash, links_of
from service.storage.personal import Erased
from tests.stories import Story, new_id

NAME = "Zainab Qureshi-Okonkwo"


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def certified_person(story: Story) -> tuple[Actor, str]:
    """A certified trainer with a name and an e-mail of this story's own."""
    email = f"zainab.{story.tag}@example.org"
    state = story.app.register_trainer(NAME, email, "IN", story.hq, new_id(), story.later()).state
    person = Actor(state.trainer_id, Role.TRAINER)
    story.certified_in(Module.WC, person, story.register_expert())
    return person, email


def stored_bytes(app: Certification, *aggregate_ids: UUID) -> bytes:
    return b"".join(e.state for a in aggregate_ids for e in app.recorder.select_events(a))


def chain_intact(app: Certification, aggregate_ids: list[UUID]) -> bool:
    """Every link of these aggregates still matches the bytes stored (as verify checks)."""
    chain = links_of(app)
    for aggregate_id in aggregate_ids:
        previous = GENESIS
        for event in app.recorder.select_events(aggregate_id):
            link = chain.link_of(aggregate_id, event.originator_version)
            if link is None:
                return False
            (notification,) = as_notifications([event], [link.position])
            previous = link_hash(previous, notification)
            if link.hash != previous.hex():
                return False
    return True


def readers(app: Certification) -> list[Certification]:
    """The application, and another process's on the same database (none in memory)."""
    in_memory = app.env.get("PERSISTENCE_MODULE", "").endswith("POPOFactory")
    return [app] if in_memory else [app, Certification(env=dict(app.env))]


def submit_a_training_record(story: Story, person: Actor) -> None:
    record = SubmitTrainingRecord(story.now.date(), "WC", enterprises=2, participants=20)
    story.app.take_standing_step(person.user_id, record, person, new_id(), story.later())


def test_a_persons_name_and_e_mail_are_stored_only_sealed(story: Story) -> None:
    person, email = certified_person(story)
    submit_a_training_record(story, person)

    stored = stored_bytes(story.app, UUID(person.user_id), ids.email_address_id(email))

    assert NAME.encode() not in stored and email.encode() not in stored
    assert b"personal:v1:" in stored
    journey = stored_bytes(story.app, ids.journey_id(person.user_id, Module.WC, 1))
    assert b"observed in class" not in journey and b"personal:v1:" in journey  # the comments
    assert (story.app.trainer(person.user_id).name, story.app.trainer(person.user_id).email) == (
        NAME,
        email,
    )


def test_an_erased_person_reads_erased_while_the_facts_and_the_chain_stay(story: Story) -> None:
    person, email = certified_person(story)
    trainer_id = UUID(person.user_id)
    before = stored_bytes(story.app, trainer_id, ids.email_address_id(email))

    erased = story.app.erase_personal_data(
        person.user_id, "the person's request of 2 March", story.hq, new_id(), story.later()
    ).state

    assert (erased.name, erased.email, erased.erased) == (ERASED, ERASED, True)
    assert erased.certified_modules == (Module.WC,) and erased.certificate_number is not None
    assert erased.standing is not None and erased.standing.listing is Listing.REMOVED
    assert erased.credential is not None and erased.credential.status is CredentialStatus.REVOKED
    # The events stored before are byte for byte the same; only new ones were appended.
    after = stored_bytes(story.app, trainer_id, ids.email_address_id(email))
    assert after.startswith(before[: len(before) // 2])
    assert chain_intact(story.app, [trainer_id, ids.email_address_id(email)])
    # Every read of the history, in this process or a fresh one, reads the marker.
    for app in readers(story.app):
        registered = next(iter(app.events.get(trainer_id)))
        assert isinstance(registered, Trainer.Registered)
        assert (registered.name, registered.email) == (ERASED, ERASED)
        assert registered.country == "IN"
        assert app.trainer(person.user_id).name == ERASED
    assert story.app.trainer_id_for_email(email) is None


def test_an_erased_persons_e_mail_is_free_for_a_new_registration(story: Story) -> None:
    person, email = certified_person(story)
    story.app.erase_personal_data(person.user_id, "request", story.hq, new_id(), story.later())

    again = story.app.register_trainer("Z. Q.", email, "IN", story.hq, new_id(), story.later())

    assert again.state.trainer_id != person.user_id
    assert story.app.trainer_id_for_email(email) == UUID(again.state.trainer_id)


def test_nothing_more_is_recorded_for_an_erased_person(story: Story) -> None:
    person, _ = certified_person(story)
    story.app.erase_personal_data(person.user_id, "request", story.hq, new_id(), story.later())
    written = story.app.recorder.max_notification_id()

    with pytest.raises(AlreadyExists, match="erased already"):
        story.app.erase_personal_data(person.user_id, "again", story.hq, new_id(), story.later())
    with pytest.raises(StandingRuleViolated, match="erased on request"):
        submit_a_training_record(story, person)
    assert story.app.recorder.max_notification_id() == written


def test_a_retried_erasure_appends_nothing(story: Story) -> None:
    person, _ = certified_person(story)
    command = new_id()
    story.app.erase_personal_data(person.user_id, "request", story.hq, command, story.later())
    written = story.app.recorder.max_notification_id()

    again = story.app.erase_personal_data(person.user_id, "request", story.hq, command, story.now)

    assert again.duplicate and again.state.name == ERASED
    assert story.app.recorder.max_notification_id() == written


def test_only_headquarters_erases_and_a_refusal_writes_nothing(story: Story) -> None:
    person, _ = certified_person(story)
    written = story.app.recorder.max_notification_id()
    country_office = Actor("in-office", Role.HQ, ("IN",))

    for actor in (country_office, person, Actor("auditor", Role.AUDITOR)):
        with pytest.raises(NotPermitted, match="Only headquarters"):
            story.app.erase_personal_data(person.user_id, "request", actor, new_id(), story.later())
    assert story.app.recorder.max_notification_id() == written
    assert story.app.trainer(person.user_id).name == NAME


def stored_before_keys(story: Story, name: str) -> UUID:
    """A registration stored as the release before keys stored it: the fields as given."""
    email = f"stray.{new_id()[:8]}@example.org"
    trainer_id = ids.legacy_trainer_id(email)
    trainer = Trainer._create(
        Trainer.Registered,
        id=trainer_id,
        name=name,
        email=email,
        country="IN",
        is_expert=False,
        country_as_recorded=None,
        **created_fields(story.hq, new_id(), story.later()),
    )
    (registered,) = trainer.collect_events()
    story.app.recorder.insert_events([Mapper.to_stored_event(story.app.mapper, registered)])
    return trainer_id


def test_a_person_recorded_before_keys_existed_reads_erased_too(story: Story) -> None:
    """Their events hold the name in plain text (the chain protects them): it stays in the
    stored bytes, and no read shows it once they are erased (docs/personal-data.md)."""
    trainer_id = stored_before_keys(story, NAME)
    assert NAME.encode() in stored_bytes(story.app, trainer_id)

    story.app.erase_personal_data(str(trainer_id), "request", story.hq, new_id(), story.later())

    assert NAME.encode() in stored_bytes(story.app, trainer_id)  # the bytes stay
    for app in readers(story.app):
        assert app.trainer(str(trainer_id)).name == ERASED
        event = next(iter(app.events.get(trainer_id)))
        assert isinstance(event, Trainer.Registered) and event.name == ERASED


def erasure_cut_short(story: Story, trainer_id: UUID, monkeypatch: pytest.MonkeyPatch) -> None:
    """The erasure recorded, and the first key's destruction failing (the database gone)."""
    keys = story.app.personal_data.keys
    destroy = keys.erase

    def failing_once(person_id: str, at: object) -> None:
        monkeypatch.setattr(keys, "erase", destroy)
        raise OSError("the database went away")

    monkeypatch.setattr(keys, "erase", failing_once)
    with pytest.raises(OSError, match="went away"):
        story.app.erase_personal_data(str(trainer_id), "request", story.hq, new_id(), story.now)


def test_an_erasure_cut_short_before_the_keys_went_is_completed_by_another_request(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    person, _ = certified_person(story)
    trainer_id = UUID(person.user_id)
    keys = story.app.personal_data.keys
    erasure_cut_short(story, trainer_id, monkeypatch)
    assert isinstance(keys.key_of(str(trainer_id)), bytes)  # recorded, but the key stayed
    written = story.app.recorder.max_notification_id()

    again = story.app.erase_personal_data(
        person.user_id, "request", story.hq, new_id(), story.later()
    )

    assert again.state.erased and again.state.name == ERASED
    assert not isinstance(keys.key_of(str(trainer_id)), bytes)
    assert story.app.recorder.max_notification_id() == written  # nothing recorded twice
    for app in readers(story.app):
        registered = next(iter(app.events.get(trainer_id)))
        assert isinstance(registered, Trainer.Registered) and registered.name == ERASED
    with pytest.raises(AlreadyExists, match="erased already"):  # complete now: refused
        story.app.erase_personal_data(person.user_id, "again", story.hq, new_id(), story.later())


def test_a_withdrawn_journeys_reason_reads_erased_at_once_in_the_erasing_process(
    story: Story,
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    story.step(journey, Withdraw("moved abroad with her husband"), candidate)
    assert story.app.journey(journey.journey_id).withdrawal_reason == (
        "moved abroad with her husband"
    )  # the journey is in the process's cache, its reason in plain text

    story.app.erase_personal_data(candidate.user_id, "request", story.hq, new_id(), story.later())

    for app in readers(story.app):
        assert app.journey(journey.journey_id).withdrawal_reason == ERASED


def test_every_name_and_e_mail_a_person_ever_had_is_known_before_erasure(story: Story) -> None:
    """What the service's tables are scrubbed of (service/app/erasure.py): the earlier names
    and e-mails too, read while the keys are there, even by a process that read the erasure."""
    person, email = certified_person(story)
    moved = f"zq.{story.tag}@example.net"
    edit = DetailsEdit(name="Zainab Okonkwo", email=moved)
    story.app.edit_trainer(person.user_id, edit, story.hq, new_id(), story.later())
    trainer_id = UUID(person.user_id)
    keys = story.app.personal_data.keys
    destroy = keys.erase
    keys.erase = lambda person_id, at: None  # type: ignore[method-assign]  # cut short
    story.app.erase_personal_data(person.user_id, "request", story.hq, new_id(), story.later())
    keys.erase = destroy  # type: ignore[method-assign]

    words = story.app.names_and_emails([trainer_id])

    assert sorted(words) == sorted([NAME, email, "Zainab Okonkwo", moved])


def test_a_malformed_or_keyless_sealed_field_reads_erased_with_a_warning(
    story: Story, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="service.storage.personal")
    malformed = stored_before_keys(story, "personal:v1:this is no base64!")
    story.app.personal_data.keys.create(str(malformed))
    keyless = stored_before_keys(
        story, "personal:v1:" + base64.b64encode(os.urandom(40)).decode("ascii")
    )

    assert story.app.trainer(str(malformed)).name == ERASED
    assert "malformed" in caplog.text and str(malformed) in caplog.text
    assert story.app.trainer(str(keyless)).name == ERASED
    assert "has no key" in caplog.text and str(keyless) in caplog.text


def test_an_erasure_cut_short_of_a_person_recorded_before_keys_is_completed_too(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key to destroy, but the key store must mark them erased, or their plain fields
    would read again once a process forgets that it read the erasure."""
    trainer_id = stored_before_keys(story, NAME)
    erasure_cut_short(story, trainer_id, monkeypatch)

    story.app.erase_personal_data(str(trainer_id), "again", story.hq, new_id(), story.later())

    assert isinstance(story.app.personal_data.keys.key_of(str(trainer_id)), Erased)
    for app in readers(story.app):
        assert app.trainer(str(trainer_id)).name == ERASED


def another_process(story: Story) -> Certification:
    """A reader on the same database that holds no key yet."""
    return readers(story.app)[-1]


def counting_look_ups(app: Certification, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each look-up of the key store, by kind (`key_of`: one person, `keys_of`: many)."""
    keys, asked = app.personal_data.keys, []
    one, many = keys.key_of, keys.keys_of

    def key_of(person_id: str) -> object:
        asked.append("key_of")
        return one(person_id)

    def keys_of(person_ids: object) -> object:
        asked.append("keys_of")
        return many(person_ids)  # type: ignore[arg-type]

    monkeypatch.setattr(keys, "key_of", key_of)
    monkeypatch.setattr(keys, "keys_of", keys_of)
    return asked


def test_a_batch_read_ahead_opens_every_person_after_one_look_up_of_their_keys(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = story.app.recorder.max_notification_id() or 0
    names = [f"Person {n} {story.tag}" for n in range(3)]
    for n, name in enumerate(names):
        email = f"p{n}.{story.tag}@example.org"
        story.app.register_trainer(name, email, "IN", story.hq, new_id(), story.later())
    reader = another_process(story)
    registered = [
        n
        for n in reader.recorder.select_notifications(start=start + 1, limit=100)
        if n.topic.endswith("Trainer.Registered")
    ]
    asked = counting_look_ups(reader, monkeypatch)

    reader.personal_data.read_ahead(registered)
    opened = [reader.mapper.to_domain_event(n) for n in registered]

    assert [getattr(e, "name", None) for e in opened] == names
    in_memory = reader is story.app  # one process: the writer holds the keys it made
    assert asked == ([] if in_memory else ["keys_of"])  # and never one by one


def test_a_person_forgotten_while_a_batch_is_read_ahead_stays_erased(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure is read (by another thread) between the look-up and its keeping: the
    key looked up before is not kept, and the name reads erased."""
    start = story.app.recorder.max_notification_id() or 0
    state = story.app.register_trainer(
        NAME, f"z.{story.tag}@example.org", "IN", story.hq, new_id(), story.later()
    ).state
    reader = another_process(story)
    mapper = reader.personal_data
    mapper.recall(state.trainer_id)  # whatever this process held: looked up afresh
    (registered,) = [
        n
        for n in reader.recorder.select_notifications(start=start + 1, limit=100)
        if n.topic.endswith("Trainer.Registered")
    ]
    look_up = mapper.keys.keys_of

    def erased_meanwhile(person_ids: list[str]) -> object:
        found = look_up(person_ids)
        mapper.forget(state.trainer_id)
        return found

    monkeypatch.setattr(mapper.keys, "keys_of", erased_meanwhile)
    mapper.read_ahead([registered])

    event = mapper.to_domain_event(registered)
    assert isinstance(event, Trainer.Registered) and event.name == ERASED


def test_a_person_forgotten_while_their_key_is_looked_up_stays_erased(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure is read (by another thread) between one event's look-up of the key and
    its keeping: the key looked up before is not kept, and the name reads erased, then and
    at every later opening while this process remembers the erasure."""
    start = story.app.recorder.max_notification_id() or 0
    state = story.app.register_trainer(
        NAME, f"y.{story.tag}@example.org", "IN", story.hq, new_id(), story.later()
    ).state
    reader = another_process(story)
    mapper = reader.personal_data
    mapper.recall(state.trainer_id)  # whatever this process held: looked up afresh
    (registered,) = [
        n
        for n in reader.recorder.select_notifications(start=start + 1, limit=100)
        if n.topic.endswith("Trainer.Registered")
    ]
    look_up = mapper.keys.key_of

    def erased_meanwhile(person_id: str) -> object:
        found = look_up(person_id)
        mapper.forget(state.trainer_id)
        return found

    monkeypatch.setattr(mapper.keys, "key_of", erased_meanwhile)
    first = mapper.to_domain_event(registered)
    monkeypatch.undo()  # the key is still in the store: only the process's memory erases it
    again = mapper.to_domain_event(registered)

    assert isinstance(first, Trainer.Registered) and first.name == ERASED
    assert isinstance(again, Trainer.Registered) and again.name == ERASED
