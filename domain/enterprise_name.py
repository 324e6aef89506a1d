"""The register of enterprise names: one index aggregate per name in a country, naming the
enterprise that holds it.

An enterprise's id is random (a firm may be renamed); what keeps two registrations of one
firm apart is this index, named by the country and the name (`domain.ids.enterprise_name_id`),
claimed in the same atomic write as the registration or the rename: a second claim collides
in the event store (IntegrityError) whatever process wrote the first. A name given up by a
rename is released and may be claimed again on the same aggregate (its version then guards
the claim). Enterprises registered before the register were named by their name
(`domain.ids.enterprise_id`); `score backfill-registers` claims their present names here
(until it has run, they hold a name only while that id is still found from it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.errors import AlreadyExists
from domain.ids import enterprise_name_id
from domain.recorded import RecordedAggregate, created_fields
from domain.values import Actor


class EnterpriseName(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        name: str
        country: str
        holder: str | None
        claims: dict[str, str]  # command id -> the enterprise it claimed the name for

    class Claimed(RecordedAggregate.Created):
        """An enterprise took the name in its country, first of any."""

        name: str
        country: str
        enterprise_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.name, aggregate.country = self.name, self.country
            aggregate.holder = self.enterprise_id
            aggregate.claims = {self.command_id: self.enterprise_id}

    class Released(RecordedAggregate.Event):
        """The holder was renamed: the name is free again."""

        enterprise_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.holder = None

    class ClaimedAgain(RecordedAggregate.Event):
        """A released name taken again (by its old holder or by another enterprise)."""

        enterprise_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.holder = self.enterprise_id
            aggregate.claims[self.command_id] = self.enterprise_id

    @classmethod
    def claim(
        cls,
        found: EnterpriseName | None,
        country: str,
        name: str,
        enterprise_id: UUID,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> EnterpriseName:
        """The name's index, claimed for the enterprise: `found` if it exists (released), else
        a new one."""
        if found is not None:
            if found.holder is not None:
                raise AlreadyExists(f"Enterprise {name} ({country}) is already registered.")
            found.record(cls.ClaimedAgain, actor, command_id, at, enterprise_id=str(enterprise_id))
            return found
        return cls._create(
            cls.Claimed,
            id=enterprise_name_id(country, name),
            name=name,
            country=country,
            enterprise_id=str(enterprise_id),
            **created_fields(actor, command_id, at),
        )

    def release(self, enterprise_id: UUID, actor: Actor, command_id: str, at: datetime) -> bool:
        """The name given up by the enterprise that holds it; a name someone else holds (an
        enterprise stored before the register may carry a name another firm has claimed
        since) stays theirs. Whether it was released."""
        if self.holder != str(enterprise_id):
            return False
        self.record(self.Released, actor, command_id, at, enterprise_id=self.holder)
        return True

    def claimed_by(self, command_id: str) -> str | None:
        """The enterprise the command claimed the name for, if this command claimed it."""
        return self.claims.get(command_id)
