"""The status lists, kept from the events: each entry's status as its last change left it.

One fold per process over the event store's `Trainer.CredentialStatusChanged` events, read
by topic from the position it last reached, so a status list answered "within seconds" is
the store's own answer, with no read model (and no projector lag) in between.
"""

from __future__ import annotations

import threading

from eventsourcing.utils import get_topic

from domain.trainer.aggregate import Trainer
from domain.trainer.state import CredentialStatus
from service.app.certification import Certification
from service.app.credentials.documents import StatusPurpose

BATCH = 1000
TOPICS = (get_topic(Trainer.CredentialStatusChanged),)


class StatusBoard:
    def __init__(self, app: Certification) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._position = 0
        self._statuses: dict[int, CredentialStatus] = {}

    def status(self, index: int) -> CredentialStatus:
        """An entry nobody changed is active (entries start with their bits unset)."""
        self._catch_up()
        return self._statuses.get(index, CredentialStatus.ACTIVE)

    def set_bits(self, purpose: StatusPurpose) -> frozenset[int]:
        """The entries whose bit is set in the `purpose` list. A revoked credential is
        suspended too, so a verifier that reads only its credential's entry (suspension)
        never takes a revoked credential for a valid one."""
        self._catch_up()
        wanted = (
            {CredentialStatus.REVOKED}
            if purpose == "revocation"
            else {CredentialStatus.SUSPENDED, CredentialStatus.REVOKED}
        )
        return frozenset(i for i, s in self._statuses.items() if s in wanted)

    def _catch_up(self) -> None:
        with self._lock:
            while True:
                found = self._app.recorder.select_notifications(
                    start=self._position + 1, limit=BATCH, topics=TOPICS
                )
                for notification in found:
                    event = self._app.mapper.to_domain_event(notification)
                    assert isinstance(event, Trainer.CredentialStatusChanged)
                    self._statuses[event.status_index] = CredentialStatus(event.status)
                    self._position = notification.id
                if len(found) < BATCH:
                    return
