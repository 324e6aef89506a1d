"""Refusals. Each carries a reason a person can act on, and a kind that callers map to a status.

A refusal also has a stable `code` (by default its class's name in snake case, e.g.
`step_out_of_order`; a rule that has several reasons for one class names each) and the
`params` its reason was written from, so that people read it in their own language from the
`refusals` catalog (the pages), while `reason` stays the English sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import ClassVar, Literal

RefusalKind = Literal["conflict", "invalid", "forbidden", "not_found"]
Param = str | int | float


class DomainError(Exception):
    """A rule of the programme refused a command; nothing was recorded."""

    kind: ClassVar[RefusalKind] = "conflict"
    # A transient refusal says "not now, send it again": it must not be remembered as the
    # answer to an Idempotency-Key, or the retry it asks for would get it forever.
    transient: ClassVar[bool] = False

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        params: Mapping[str, Param | date] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code or default_code(type(self))
        # Dates travel as ISO text (JSON, Temporal); the reader's locale formats them again.
        self.params: dict[str, Param] = {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in (params or {}).items()
        }


def default_code(error_class: type[DomainError]) -> str:
    """`StepOutOfOrder` → `step_out_of_order`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", error_class.__name__).lower()


class StepNotAllowed(DomainError):
    """The step is valid in itself but not allowed in the journey's current state."""


class TryAgain(StepNotAllowed):
    """Another change to the same record is in flight; the same request may be sent again."""

    transient: ClassVar[bool] = True


class StepOutOfOrder(StepNotAllowed):
    """A ToE step came before the step it depends on."""


class FoundationCertificateRequired(StepNotAllowed):
    """A non-foundation module was requested before a WC or BASICS certificate."""


class JourneyAlreadyOpen(StepNotAllowed):
    """The trainer already has an open journey in this module."""


class SecondProvisionalRefused(StepNotAllowed):
    """Only one provisional outcome, and so one extra ToE cycle, is allowed per journey."""


class NotRecommended(StepNotAllowed):
    """Certification needs a `recommended` assessment first."""


class AlreadyCertified(StepNotAllowed):
    """The journey ended in a certificate; it can no longer be changed or withdrawn."""


class JourneyClosed(StepNotAllowed):
    """The journey has ended; no further step can be taken on it."""


class StandingRuleViolated(StepNotAllowed):
    """A standing action (reminder, delisting, reinstatement…) does not fit the trainer's status."""


class MaterialsAccessDenied(StepNotAllowed):
    """Only listed trainers may open the materials, and only for modules they hold."""

    kind: ClassVar[RefusalKind] = "forbidden"


class AlreadyExists(StepNotAllowed):
    """Something with the same natural key is already registered."""


class MergeRefused(StepNotAllowed):
    """Two records cannot be merged as they stand; the reason says what to settle first."""


class WorkshopChangeRefused(StepNotAllowed):
    """A workshop cannot be rescheduled, cancelled or enrolled in as it stands (cancelled,
    taken place, candidates enrolled); the reason says why."""


class InvalidInput(DomainError):
    """The command's own data is malformed or inconsistent."""

    kind: ClassVar[RefusalKind] = "invalid"


class NotPermitted(DomainError):
    """The actor's role, or their relation to the candidate, does not allow this action."""

    kind: ClassVar[RefusalKind] = "forbidden"


class NotFound(DomainError):
    """The command names a trainer, journey, workshop or enterprise that does not exist."""

    kind: ClassVar[RefusalKind] = "not_found"


ERROR_TYPES: dict[str, type[DomainError]] = {
    cls.__name__: cls
    for cls in [
        DomainError,
        StepNotAllowed,
        TryAgain,
        StepOutOfOrder,
        FoundationCertificateRequired,
        JourneyAlreadyOpen,
        SecondProvisionalRefused,
        NotRecommended,
        AlreadyCertified,
        JourneyClosed,
        StandingRuleViolated,
        MaterialsAccessDenied,
        AlreadyExists,
        MergeRefused,
        WorkshopChangeRefused,
        InvalidInput,
        NotPermitted,
        NotFound,
    ]
}
"""By name, so a refusal that crossed a process boundary (Temporal) can be raised again."""
