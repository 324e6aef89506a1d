"""The reminder months and the stall period as recorded policy versions: who changed what,
when, from when it applies; a change never reaches back, and decisions name their version."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.calendar import add_months
from domain.errors import InvalidInput, NotPermitted, StepOutOfOrder
from domain.policies import PolicyTerms
from domain.trainer.aggregate import Trainer
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from service.app.policies import policy_at, policy_versions, record_policy_version
from service.settings import Settings
from tests.application.stores import settings_for
from tests.stories import Story, new_id

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Stores of each test's own: the programme has one policy, which a PostgreSQL database
    shared by the whole run would carry from test to test."""
    return settings_for(request.param, request, tmp_path)


OFFICE = Actor("office-ana", Role.HQ)
CONFIGURED = PolicyTerms((9, 11), 60)
EARLIER = PolicyTerms((6, 10), 45)


def test_a_version_applies_from_its_own_date_and_the_history_says_who_and_why(
    app: Certification,
) -> None:
    applies_from = NOW + timedelta(days=30)
    version = record_policy_version(
        app, EARLIER, applies_from, "more notice for trainers", OFFICE, "change-1", NOW
    )

    assert (version.number, version.recorded_by, version.recorded_at) == (1, "office-ana", NOW)
    assert policy_at(app, NOW, CONFIGURED) == (0, CONFIGURED)  # not yet
    assert policy_at(app, applies_from, CONFIGURED) == (1, EARLIER)
    (kept,) = policy_versions(app)
    assert kept.reason == "more notice for trainers" and kept.applies_from == applies_from


def test_a_version_cannot_reach_back_and_the_same_command_records_it_once(
    app: Certification,
) -> None:
    with pytest.raises(StepOutOfOrder, match="has passed"):
        record_policy_version(app, EARLIER, NOW - timedelta(days=1), "oops", OFFICE, "c0", NOW)
    with pytest.raises(InvalidInput, match="reminder_months"):
        record_policy_version(app, PolicyTerms((12,), 60), NOW, "late", OFFICE, "c1", NOW)
    with pytest.raises(NotPermitted):
        record_policy_version(app, EARLIER, NOW, "mine", Actor("t", Role.TRAINER), "c2", NOW)
    assert policy_versions(app) == ()

    first = record_policy_version(app, EARLIER, NOW, "from today", OFFICE, "c3", NOW)
    again = record_policy_version(app, EARLIER, NOW, "from today", OFFICE, "c3", NOW)
    assert first == again and len(policy_versions(app)) == 1


def test_a_reminder_and_a_delisting_name_the_version_they_applied(app: Certification) -> None:
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    story.certified_in(Module.WC, candidate, expert)
    standing = app.trainer(candidate.user_id).standing
    assert standing is not None
    clock = standing.clock_started_at
    app.remind_inactive_trainer(candidate.user_id, 9, new_id(), add_months(clock, 9), 2)
    app.delist_inactive_trainer(candidate.user_id, new_id(), add_months(clock, 12), 2)

    stored = list(app.recorder.select_events(UUID(candidate.user_id)))
    events = [app.mapper.to_domain_event(e) for e in stored]
    reminder = next(e for e in events if isinstance(e, Trainer.ActivityReminderSent))
    delisting = next(e for e in events if isinstance(e, Trainer.DelistedForInactivity))
    assert reminder.policy_version == 2 and delisting.policy_version == 2

    # A reminder as the previous release stored it names no version, and reads as such.
    raw = next(e for e in stored if e.topic.endswith("ActivityReminderSent"))
    state = json.loads(raw.state)
    del state["policy_version"], state["class_version"]
    old = StoredEvent(
        raw.originator_id, raw.originator_version, raw.topic, json.dumps(state).encode()
    )
    upcast = app.mapper.to_domain_event(old)
    assert isinstance(upcast, Trainer.ActivityReminderSent) and upcast.policy_version is None
