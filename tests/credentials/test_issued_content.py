"""A credential says what it said when it was issued: correcting the holder's record later does
not change it; the office reissues one explicitly, and the one it replaces is revoked."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.errors import DomainError, NotFound, NotPermitted
from domain.trainer.aggregate import Trainer
from domain.trainer.credentials import CredentialNotActive, NothingToReissue
from domain.trainer.rules import DetailsEdit
from domain.values import Actor, Module, Role
from service.app.credentials.documents import open_badge_credential
from service.app.credentials.service import Credentials
from service.app.webhooks.outbox import collect
from service.app.webhooks.store import DeliveryRow, Webhooks
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated
from tests.stories import Story, new_id


def certified(story: Story) -> tuple[Actor, str]:
    """Asha, certified in WC; her certificate number."""
    candidate = story.register_candidate("Asha Rao")
    state = story.certified_in(Module.WC, candidate, story.register_expert())
    assert state.certificate_number is not None
    return candidate, state.certificate_number


def rename(story: Story, trainer: Actor, name: str) -> None:
    story.app.edit_trainer(
        trainer.user_id, DetailsEdit(name=name), story.hq, new_id(), story.later()
    )


def test_renaming_the_holder_leaves_the_issued_credential_as_it_was_signed(
    story: Story, credentials: Credentials
) -> None:
    trainer, _ = certified(story)
    issued = credentials.current(trainer.user_id)

    rename(story, trainer, "Asha Rao-Menon")
    story.app.edit_trainer(
        trainer.user_id,
        DetailsEdit(email=f"asha-{story.tag}@example.org"),
        story.hq,
        new_id(),
        story.later(),
    )
    again = credentials.current(trainer.user_id)

    assert again.credential.credential_id == issued.credential.credential_id
    assert again.document == issued.document, "same id, same content: name and e-mail hash"
    assert again.document["credentialSubject"]["name"] == "Asha Rao"
    assert credentials.verify(issued.jwt).status == "valid"


def test_the_office_reissues_after_a_rename_and_the_old_credential_is_revoked(
    story: Story, credentials: Credentials
) -> None:
    trainer, number = certified(story)
    old = credentials.current(trainer.user_id)
    rename(story, trainer, "Asha Rao-Menon")

    state = story.app.reissue_credential(number, story.hq, new_id(), story.later()).state
    new = credentials.current(trainer.user_id)

    assert (
        state.credential is not None
        and state.credential.status_index != old.credential.status_index
    )
    assert new.document["credentialSubject"]["name"] == "Asha Rao-Menon"
    assert new.document["credentialSubject"]["licenseNumber"] == number
    assert credentials.verify(new.jwt).verified
    assert credentials.verify(old.jwt).status == "revoked"
    assert state.listed, "the holder stays listed: only the credential was replaced"


def test_a_reissue_sent_twice_with_one_command_id_reissues_once(
    story: Story, credentials: Credentials
) -> None:
    trainer, number = certified(story)
    rename(story, trainer, "Asha Rao-Menon")
    command = new_id()

    first = story.app.reissue_credential(number, story.hq, command, story.later())
    before = story.app.recorder.max_notification_id()
    second = story.app.reissue_credential(number, story.hq, command, story.later())

    assert second.duplicate and story.app.recorder.max_notification_id() == before
    assert second.state.credential == first.state.credential


def test_nothing_to_reissue_when_the_credential_says_what_the_record_says(
    story: Story,
) -> None:
    _, number = certified(story)
    before = story.app.recorder.max_notification_id()

    with pytest.raises(NothingToReissue, match="nothing to reissue"):
        story.app.reissue_credential(number, story.hq, new_id(), story.later())

    assert story.app.recorder.max_notification_id() == before, "a refusal writes nothing"


def test_a_suspended_credential_is_not_reissued_until_the_standing_lifts_it(
    story: Story,
) -> None:
    trainer, number = certified(story)
    story.app.delist_inactive_trainer(trainer.user_id, new_id(), story.later(370))
    rename(story, trainer, "Asha Rao-Menon")

    with pytest.raises(CredentialNotActive, match="suspended"):
        story.app.reissue_credential(number, story.hq, new_id(), story.later())


def test_only_the_office_reissues_and_an_unknown_number_is_not_found(story: Story) -> None:
    trainer, number = certified(story)
    rename(story, trainer, "Asha Rao-Menon")

    with pytest.raises(NotPermitted):
        story.app.reissue_credential(number, trainer, new_id(), story.later())
    with pytest.raises(NotFound):
        story.app.reissue_credential("SCORE-ZZZZ-ZZZZ-ZZZZ", story.hq, new_id(), story.later())
    other_country = Actor("lk-office", Role.HQ, countries=("LK",))
    with pytest.raises(NotFound):
        story.app.reissue_credential(number, other_country, new_id(), story.later())


def test_a_credential_issued_before_content_was_recorded_follows_the_record(
    story: Story, credentials: Credentials
) -> None:
    """CredentialIssued v1 (0.2) recorded no subject: upcast with none, its document is built
    from the record as it is now, as 0.2 did."""
    trainer, number = certified(story)
    stored = story.app.recorder.select_events(UUID(trainer.user_id))
    raw = next(e for e in stored if e.topic.endswith("CredentialIssued"))
    state = json.loads(raw.state)
    for field in ("name", "certificate_number", "identity_hash", "class_version"):
        del state[field]
    old = StoredEvent(
        raw.originator_id, raw.originator_version, raw.topic, json.dumps(state).encode()
    )

    upcast = story.app.mapper.to_domain_event(old)

    assert isinstance(upcast, Trainer.CredentialIssued) and upcast.name is None
    rename(story, trainer, "Asha Rao-Menon")
    holder = story.app.trainer(trainer.user_id)
    assert holder.credential is not None
    as_in_0_2 = replace(holder.credential, subject=None)
    document = open_badge_credential(credentials.issuer, holder, as_in_0_2)
    assert document["credentialSubject"]["name"] == "Asha Rao-Menon"
    assert document["credentialSubject"]["licenseNumber"] == number
    issued = credentials.current(trainer.user_id).document
    assert document["credentialSubject"]["identifier"] == issued["credentialSubject"]["identifier"]


def test_a_refusal_to_reissue_reads_as_a_domain_refusal(story: Story) -> None:
    _, number = certified(story)
    with pytest.raises(DomainError) as refused:
        story.app.reissue_credential(number, story.hq, new_id(), story.later())
    assert refused.value.code == "nothing_to_reissue"


def test_a_reissue_tells_webhook_subscribers_the_old_credential_was_revoked_as_reissued(
    story: Story, tmp_path: Path
) -> None:
    engine = create_service_engine(migrated(Settings(data_dir=tmp_path / "hooks")))
    webhooks = Webhooks(engine)
    collect(story.app, webhooks)  # a subscription hears of events after it was made
    webhooks.subscribe("https://crm.example.org/hooks", ("credential.revoked",), "office")
    trainer, number = certified(story)
    old = story.app.trainer(trainer.user_id).credential
    rename(story, trainer, "Asha Rao-Menon")
    story.app.reissue_credential(number, story.hq, new_id(), story.later())

    assert collect(story.app, webhooks) == 1
    with Session(engine) as session:
        (delivery,) = session.scalars(select(DeliveryRow))
    data = json.loads(delivery.payload)["data"]
    assert old is not None and data["credential_id"] == old.credential_id
    assert data["reason_category"] == "reissued" and data["listed"] is True
    engine.dispose()
