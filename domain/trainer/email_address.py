"""The e-mail register: one index aggregate per address, naming the trainer who holds it.

Its id comes from the address (`domain.ids.email_address_id`), so two registrations of one
address create the same aggregate and the event store refuses the second (IntegrityError)
whatever process wrote the first: e-mails stay unique without a lock. An address a trainer
gives up is released and may be claimed again, by anyone, on the same aggregate (its version
then guards the claim the same way).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.errors import AlreadyExists
from domain.ids import email_address_id
from domain.recorded import RecordedAggregate, created_fields
from domain.values import Actor


class EmailAddress(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        email: str
        holder: str | None
        claims: dict[str, str]  # command id -> the trainer it claimed the address for

    class Claimed(RecordedAggregate.Created):
        """A trainer took the address, first of anyone."""

        personal_fields = ("email",)  # encrypted with the key of the trainer who claimed it
        person_field = "trainer_id"
        email: str
        trainer_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.email = self.email
            aggregate.holder = self.trainer_id
            aggregate.claims = {self.command_id: self.trainer_id}

    class Released(RecordedAggregate.Event):
        """The holder changed their e-mail: the address is free again."""

        trainer_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.holder = None

    class ClaimedAgain(RecordedAggregate.Event):
        """A released address taken again (by its old holder or by someone else)."""

        trainer_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.holder = self.trainer_id
            aggregate.claims[self.command_id] = self.trainer_id

    @classmethod
    def claim(
        cls, email: str, trainer_id: UUID, actor: Actor, command_id: str, at: datetime
    ) -> EmailAddress:
        return cls._create(
            cls.Claimed,
            id=email_address_id(email),
            email=email,
            trainer_id=str(trainer_id),
            **created_fields(actor, command_id, at),
        )

    def claim_again(self, trainer_id: UUID, actor: Actor, command_id: str, at: datetime) -> None:
        if self.holder is not None:
            raise AlreadyExists(f"The e-mail {self.email} belongs to another trainer.")
        self.record(self.ClaimedAgain, actor, command_id, at, trainer_id=str(trainer_id))

    def release(self, trainer_id: UUID, actor: Actor, command_id: str, at: datetime) -> bool:
        """The address given up by the trainer who holds it; an address someone else holds
        stays theirs. Whether it was released."""
        if self.holder != str(trainer_id):
            return False
        self.record(self.Released, actor, command_id, at, trainer_id=self.holder)
        return True

    def claimed_by(self, command_id: str) -> str | None:
        """The trainer the command claimed the address for, if this command claimed it."""
        return self.claims.get(command_id)
