"""The aggregate cache hands each command a copy of the cached aggregate; whatever the command
does to its copy (a command refused halfway is never saved) leaves the cached one as it was."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime

from domain.trainer.email_address import EmailAddress
from domain.values import Actor, Role

OFFICE = Actor("office", Role.HQ)
AT = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_command_on_a_copy_leaves_the_cached_aggregate_as_it_was() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    cached = EmailAddress.claim("ana@example.org", first, OFFICE, "claim-1", AT)
    cached.release(first, OFFICE, "release-1", AT)
    cached.collect_events()  # as saved: nothing pending
    before = (cached.version, dict(cached.applied), dict(cached.claims), cached.holder)

    command_copy = copy.deepcopy(cached)
    command_copy.claim_again(second, OFFICE, "claim-2", AT)

    assert command_copy.holder == str(second) and command_copy.claims["claim-2"] == str(second)
    assert command_copy.applied["claim-2"] == command_copy.version == cached.version + 1
    assert (cached.version, cached.applied, cached.claims, cached.holder) == before
    assert cached.collect_events() == []
    assert len(command_copy.collect_events()) == 1
