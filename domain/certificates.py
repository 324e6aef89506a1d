"""The registry that numbers certificates of competence, so that no number is issued twice."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.errors import AlreadyExists
from domain.ids import CERTIFICATE_REGISTRY_ID
from domain.recorded import RecordedAggregate, created_fields
from domain.values import SYSTEM_ACTOR, Actor


def certificate_number(year: int, sequence: int) -> str:
    """The numbers of release 0.1: the year of issue and a running number, SCORE-2026-00042.

    They still name their certificates; new ones are random (`random_certificate_number`),
    so that nobody can walk the register by counting.
    """
    return f"SCORE-{year}-{sequence:05d}"


# Crockford's base32: no I, L, O or U, so a number read aloud or typed from paper survives.
CERTIFICATE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CERTIFICATE_GROUPS = 3
CERTIFICATE_GROUP_LENGTH = 4  # 3 × 4 characters: 60 random bits
_GROUP = "[0-9A-HJKMNP-TV-Z]{4}"  # four characters of the alphabet
# Either form a certificate may carry: a random number, or one release 0.1 issued.
CERTIFICATE_NUMBER_PATTERN = f"^SCORE-([0-9]{{4}}-[0-9]{{5,}}|({_GROUP}-){{2}}{_GROUP})$"


_RANDOM_NUMBER = re.compile(f"^SCORE-({_GROUP}-){{2}}{_GROUP}$")


def guessable(number: str) -> bool:
    """Whether someone could come to the number without being given it: 0.1's sequential
    numbers (SCORE-2026-00042, counted one by one) and numbers imported from the programme's
    own past records are; the random ones issued since 0.2 (60 bits) are not."""
    return _RANDOM_NUMBER.match(number.strip().upper()) is None


def certificate_number_from(random_digits: str) -> str:
    """SCORE-XXXX-XXXX-XXXX from 12 characters the caller drew at random from the alphabet."""
    size = CERTIFICATE_GROUP_LENGTH
    expected = CERTIFICATE_GROUPS * size
    if len(random_digits) != expected or set(random_digits) - set(CERTIFICATE_ALPHABET):
        raise ValueError(f"a certificate number needs {expected} characters of the alphabet")
    groups = [random_digits[i : i + size] for i in range(0, expected, size)]
    return "SCORE-" + "-".join(groups)


class CertificateRegistry(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        issued: int
        holders: dict[str, str]
        status_entries: int  # status list entries allocated to credentials so far

    class Opened(RecordedAggregate.Created):
        def apply_to(self, aggregate: Any) -> None:
            aggregate.issued = 0
            aggregate.holders = {}
            aggregate.status_entries = 0

    class NumberIssued(RecordedAggregate.Event):
        number: str
        trainer_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.issued += 1
            aggregate.holders[self.number] = self.trainer_id

    class StatusEntryAllocated(RecordedAggregate.Event):
        """A place in the status lists, for the credentials of one certificate epoch."""

        index: int
        trainer_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.status_entries = self.index + 1

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

    def issue(
        self, trainer_id: str, number: str, actor: Actor, command_id: str, at: datetime
    ) -> str:
        """Record `number` (drawn at random by the caller) as the trainer's certificate."""
        if number in self.holders:
            raise AlreadyExists(f"Certificate number {number} is taken; draw another.")
        self.record(self.NumberIssued, actor, command_id, at, number=number, trainer_id=trainer_id)
        return number

    def allocate_status_entry(
        self, trainer_id: str, actor: Actor, command_id: str, at: datetime
    ) -> int:
        index = self.status_entries
        self.record(
            self.StatusEntryAllocated, actor, command_id, at, index=index, trainer_id=trainer_id
        )
        return index

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
