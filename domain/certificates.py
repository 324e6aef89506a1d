"""The registry that numbers certificates of competence, so that no number is issued twice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

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

    @classmethod
    def open(cls, at: datetime) -> CertificateRegistry:
        return cls._create(
            cls.Opened,
            id=CERTIFICATE_REGISTRY_ID,
            **created_fields(SYSTEM_ACTOR, "open-certificate-registry", at),
        )

    def issue(self, trainer_id: str, actor: Actor, command_id: str, at: datetime) -> str:
        number = certificate_number(at.year, self.issued + 1)
        self.record(self.NumberIssued, actor, command_id, at, number=number, trainer_id=trainer_id)
        return number
