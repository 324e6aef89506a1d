"""The registry that numbers certificates of competence, so that no number is issued twice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.errors import AlreadyExists
from domain.ids import CERTIFICATE_REGISTRY_ID
from domain.recorded import RecordedAggregate, created_fields
from domain.values import SYSTEM_ACTOR, Actor


def certificate_number(year: int, sequence: int) -> str:
    """Human-readable and unique: the year of issue and a running number, e.g. SCORE-2026-00042."""
    return f"SCORE-{year}-{sequence:05d}"


class CertificateRegistry(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        issued: int
        holders: dict[str, str]

    class Opened(RecordedAggregate.Created):
        def apply_to(self, aggregate: Any) -> None:
            aggregate.issued = 0
            aggregate.holders = {}

    class NumberIssued(RecordedAggregate.Event):
        number: str
        trainer_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.issued += 1
            aggregate.holders[self.number] = self.trainer_id

    class PastNumberRegistered(RecordedAggregate.Event):
        """A certificate number issued before the service, brought in by an import."""

        number: str
        trainer_id: str
        issued_at: datetime  # when it was issued, long before `timestamp`, when it was recorded

        def apply_to(self, aggregate: Any) -> None:
            aggregate.holders[self.number] = self.trainer_id

    @classmethod
    def open(cls, at: datetime) -> CertificateRegistry:
        return cls._create(
            cls.Opened,
            id=CERTIFICATE_REGISTRY_ID,
            **created_fields(SYSTEM_ACTOR, "open-certificate-registry", at),
        )

    def issue(self, trainer_id: str, actor: Actor, command_id: str, at: datetime) -> str:
        sequence = self.issued + 1
        while certificate_number(at.year, sequence) in self.holders:  # an imported number
            sequence += 1
        number = certificate_number(at.year, sequence)
        self.record(self.NumberIssued, actor, command_id, at, number=number, trainer_id=trainer_id)
        return number

    def register_past(
        self,
        number: str,
        trainer_id: str,
        issued_at: datetime,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> None:
        """Keep a past certificate's number, so that it is never issued again."""
        holder = self.holders.get(number)
        if holder is not None and holder != trainer_id:
            raise AlreadyExists(f"Certificate {number} is held by another trainer.")
        if holder is None:
            self.record(
                self.PastNumberRegistered,
                actor,
                command_id,
                at,
                number=number,
                trainer_id=trainer_id,
                issued_at=issued_at,
            )
