"""A progress bar for long passes over the store (rebuilding every read model, say).

`projections.rebuild` has no progress hook, and a rebuild decodes every notification with
the application's mapper; so the command lends the application a mapper that also tells the
bar where the pass has got to. Only the command's own application is touched, and only for
the duration of the pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification, StoredEvent
from tqdm import tqdm

from projections.stored import ReadsAhead


class TellingMapper(Mapper[UUID]):
    """The application's mapper, which also tells `reached` each notification's position."""

    def __init__(self, mapper: Mapper[UUID], reached: Callable[[int], None]) -> None:
        super().__init__(mapper.transcoder, mapper.compressor, mapper.cipher)
        self._mapper = mapper  # the application's own (it opens personal data)
        self._reached = reached

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        return self._mapper.to_stored_event(domain_event)

    def read_ahead(self, stored_events: Iterable[StoredEvent]) -> None:
        if isinstance(self._mapper, ReadsAhead):  # the application's looks up keys at once
            self._mapper.read_ahead(stored_events)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = self._mapper.to_domain_event(stored_event)
        if isinstance(stored_event, Notification):
            self._reached(stored_event.id)
        return event


@contextmanager
def progress_bar(app: Application[UUID], what: str, last: int) -> Iterator[None]:
    """Show how far a pass over the notification log has got towards position `last`.

    The bar shows only on a terminal (tqdm's own rule), so logs and tests stay clean.
    """
    with tqdm(total=last, desc=what, unit="event", unit_scale=True, disable=None) as bar:

        def reached(position: int) -> None:
            bar.update(max(0, position - bar.n))

        original = app.mapper
        app.mapper = TellingMapper(original, reached)
        try:
            yield
        finally:
            app.mapper = original
