"""The base of every aggregate: events say who did what, when, and by which command."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput
from domain.values import Actor


def require_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput("Times must carry a time zone (UTC).")
    return at


class RecordedAggregate(Aggregate):
    """An aggregate whose events carry their actor and the command that caused them.

    The event's `timestamp` is the moment the step happened, given by the caller (the
    workflow's deterministic clock), so that history and "as of" answers tell the truth.
    `applied` maps each command id to the version it produced, which makes commands idempotent.
    """

    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        applied: dict[str, int]

    class Event(Aggregate.Event):
        # Personal data (docs/personal-data.md): the fields stored encrypted with the key of
        # the person the event is about — its aggregate, or the person named by
        # `person_field` — and read as `domain.personal.ERASED` once that key is destroyed.
        personal_fields: ClassVar[tuple[str, ...]] = ()
        person_field: ClassVar[str | None] = None
        erases_personal_data: ClassVar[bool] = False  # the event that destroys the key

        actor_id: str
        actor_role: str
        command_id: str

        def apply(self, aggregate: Any) -> None:
            self.apply_to(aggregate)
            aggregate.applied[self.command_id] = self.originator_version

        def apply_to(self, aggregate: Any) -> None:
            """Change the aggregate's state; overridden by each event."""

    class Created(Event, Aggregate.Created):
        def apply(self, aggregate: Any) -> None:
            aggregate.applied = {}
            super().apply(aggregate)

    def record(
        self, event_class: type[Event], actor: Actor, command_id: str, at: datetime, **fields: Any
    ) -> None:
        self.trigger_event(
            event_class,
            timestamp=require_aware(at),
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            command_id=command_id,
            **fields,
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """The copy the aggregate cache hands each command, so that a command refused halfway
        leaves the cached aggregate as it was. Only the containers an event changes in place
        (`applied`, a register's `claims` or `holders`, the pending events) are copied: the
        states are frozen and evolved by replacement (their dicts too: never changed in
        place), so sharing them is safe, and a deep copy of a long journey's state cost a
        step time that grew with every event (70 ms at 2,000)."""
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        copied.__dict__.update({name: _own(value) for name, value in self.__dict__.items()})
        return copied

    def version_after(self, command_id: str) -> int | None:
        """The version the command produced, if it was applied already."""
        return self.applied.get(command_id)


def _own(value: Any) -> Any:
    """A container of the aggregate's own, one level deep (its items are immutable)."""
    if isinstance(value, dict | list | set):
        return value.copy()
    return value


def created_fields(actor: Actor, command_id: str, at: datetime) -> dict[str, Any]:
    return {
        "timestamp": require_aware(at),
        "actor_id": actor.user_id,
        "actor_role": actor.role.value,
        "command_id": command_id,
    }
