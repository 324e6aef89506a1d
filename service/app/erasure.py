"""A person's personal data erased on request, in the events and in the service's own tables.

In this order, so that an erasure cut short anywhere is completed by running it again (with
any command id): every name and e-mail the person's records ever held is read (the keys are
still there); `Certification.record_erasure` records `Trainer.PersonalDataErased`; the
service's tables forget the person; last, the keys are destroyed
(service/storage/personal.py). The service's tables hold what the events do not seal, and
lose it here: the person's logins (whose username is often their
e-mail), the invitations and kept answers of those logins, kept answers that name them, and
the mail sent to them or naming them. docs/personal-data.md says what stays.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, Engine, delete, or_, select
from sqlalchemy.orm import Session

from domain import policy
from domain.personal import ERASED
from domain.policy import Action
from domain.trainer.state import TrainerState
from domain.values import Actor
from service.app.accounts import UserRow
from service.app.certification import Certification, Result
from service.app.idempotency import IdempotencyRow
from service.app.invitations import InvitationRow
from service.app.webhooks.store import DeliveryRow
from service.storage.outbox import OUTBOX


class Erasure:
    """Erasure of a person's personal data: in the events, then in the service's tables."""

    def __init__(self, certification: Certification, engine: Engine) -> None:
        self.certification = certification
        self.engine = engine

    def erase(
        self, trainer_id: str, reason: str, actor: Actor, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        """Erase the person the record names (every record of theirs), then forget them in
        the service's tables. Headquarters only, refused before anything is read."""
        policy.require(actor, Action.ERASE_PERSONAL_DATA)
        certification = self.certification
        person = certification.trainer(trainer_id)
        people = [UUID(person.trainer_id), *map(UUID, person.merged_records)]
        words = certification.names_and_emails(people)  # while the keys are there to read
        result, records = certification.record_erasure(trainer_id, reason, actor, command_id, at)
        forget_in_service_tables(self.engine, [str(p) for p in people], words)
        certification.destroy_personal_keys(records, at)
        return result


def forget_in_service_tables(
    engine: Engine, trainer_ids: Sequence[str], words: Sequence[str]
) -> None:
    """Delete the logins of these trainers with what hangs on them, and kept answers and
    mail that hold any of `words` (every name and e-mail they held)."""
    words = [w for w in words if w and w != ERASED]
    with Session(engine) as session, session.begin():
        usernames = list(
            session.scalars(select(UserRow.username).where(UserRow.trainer_id.in_(trainer_ids)))
        )
        session.execute(delete(InvitationRow).where(InvitationRow.username.in_(usernames)))
        answers: list[ColumnElement[bool]] = [IdempotencyRow.username.in_(usernames)]
        answers += [IdempotencyRow.body.contains(w, autoescape=True) for w in words]
        session.execute(delete(IdempotencyRow).where(or_(*answers)))
        session.execute(delete(UserRow).where(UserRow.trainer_id.in_(trainer_ids)))
        _scrub_webhook_payloads(session, words)
        if words:
            mail: list[ColumnElement[bool]] = [OUTBOX.c.recipient.in_(words)]
            mail += [OUTBOX.c.body.contains(w, autoescape=True) for w in words]
            mail += [OUTBOX.c.subject.contains(w, autoescape=True) for w in words]
            session.execute(delete(OUTBOX).where(or_(*mail)))


def _scrub_webhook_payloads(session: Session, words: Sequence[str]) -> None:
    """Webhook messages (sent or waiting) name the person: they keep being sent, erased."""
    for word in words:
        naming = select(DeliveryRow).where(DeliveryRow.payload.contains(word, autoescape=True))
        for delivery in session.scalars(naming):
            body = json.loads(delivery.payload)
            data = body.get("data", {})
            data.update({k: ERASED for k, v in data.items() if v == word})
            delivery.payload = json.dumps(body, sort_keys=True)
