"""Looking back: what was true of a trainer, the public list and a certificate at a moment."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.errors import NotFound
from domain.journey.state import Stage
from domain.values import Actor, Module
from projections.queries import public_list, verify_certificate
from projections.rebuild import as_of
from service.app.audit.as_of import PastReadModels, trainer_as_of
from service.app.certification import Certification
from tests.audit.script import JOURNEY_STEPS, Script
from tests.stories import Story


def test_before_enrolment_the_trainer_was_registered_and_nothing_more(script: Script) -> None:
    then = trainer_as_of(script.app, script.candidate.user_id, script.before_enrolment)

    assert then.state is not None and then.state.name == "Asha Verma"
    assert then.listing == "not_certified"
    assert then.why == "no certificate of competence issued yet"
    assert then.journeys == () and then.certifications == ()


def test_after_the_provisional_assessment_a_second_cycle_was_due(script: Script) -> None:
    then = trainer_as_of(script.app, script.candidate.user_id, script.after_provisional)

    assert then.listing == "not_certified"
    (journey,) = then.journeys
    assert journey.state.stage is Stage.TOE_CYCLE and journey.state.provisional_given
    assert [(s.type, s.actor_role) for s in journey.steps] == JOURNEY_STEPS[:8]
    assert then.state is not None and then.state.open_journeys == {"WC": script.journey_id}


def test_after_certification_the_trainer_was_listed_because_of_the_certificate(
    script: Script,
) -> None:
    then = trainer_as_of(script.app, script.candidate.user_id, script.after_certification)

    assert then.state is not None
    assert then.state.certified_modules == (Module.WC,)
    assert then.listing == "listed"
    assert then.decided_by is not None and then.decided_by.type == "Trainer.CertificateIssued"
    assert script.certificate_number in then.why and "by hq-office (hq)" in then.why
    assert [c.payload["module"] for c in then.certifications] == ["WC"]
    (journey,) = then.journeys
    assert journey.state.stage is Stage.CERTIFIED
    assert [(s.type, s.actor_role) for s in journey.steps] == JOURNEY_STEPS


def test_after_delisting_the_trainer_was_inactive_and_says_why(script: Script) -> None:
    then = trainer_as_of(script.app, script.candidate.user_id, script.after_delisting)

    assert then.listing == "inactive"
    assert then.decided_by is not None
    assert (then.decided_by.type, then.decided_by.actor_role) == (
        "Trainer.DelistedForInactivity",
        "system",
    )
    assert "no training record for 12 months" in then.why
    assert then.state is not None and then.state.certified_modules == (Module.WC,)


def test_a_date_means_the_end_of_that_day(script: Script) -> None:
    certified_on = (script.after_certification - timedelta(hours=1)).date()
    assert trainer_as_of(script.app, script.candidate.user_id, certified_on).listing == "listed"
    day_before = certified_on - timedelta(days=1)
    assert trainer_as_of(script.app, script.candidate.user_id, day_before).listing != "listed"


def test_before_registration_there_was_no_such_trainer_yet(script: Script) -> None:
    long_ago = script.before_enrolment - timedelta(days=30)
    then = trainer_as_of(script.app, script.candidate.user_id, long_ago)
    assert (then.state, then.listing, then.journeys) == (None, "not_registered", ())
    with pytest.raises(NotFound):
        trainer_as_of(script.app, script.journey_id, long_ago)


def test_the_public_list_and_a_certificate_as_they_stood_on_each_date(script: Script) -> None:
    past = PastReadModels(script.app)

    def listed_on(moment: datetime) -> list[str]:
        with past.at(moment) as read:
            return [t.certificate_number for t in public_list(read)]

    def certificate_on(moment: datetime) -> tuple[bool, tuple[Module, ...]] | None:
        with past.at(moment) as read:
            found = verify_certificate(read, script.certificate_number)
        return None if found is None else (found.listed, found.modules)

    assert listed_on(script.after_provisional) == []
    assert listed_on(script.after_certification) == [script.certificate_number]
    assert listed_on(script.after_delisting) == []
    assert certificate_on(script.after_provisional) is None
    assert certificate_on(script.after_certification) == (True, (Module.WC,))
    assert certificate_on(script.after_delisting) == (False, (Module.WC,))


def test_a_kept_past_moment_takes_in_steps_recorded_later(script: Script) -> None:
    """A moment's read models are kept, and catch up with the store when read again; they
    stay what a fresh look back (projections.rebuild.as_of) would show."""
    past = PastReadModels(script.app)
    moment = script.after_delisting + timedelta(days=400)
    with past.at(moment) as read:
        assert len(public_list(read)) == 0

    story = Story(script.app, start=script.after_delisting + timedelta(days=10))
    newcomer = story.register_candidate("Bola Ade")
    story.certified_in(Module.BASICS, newcomer, script.expert)

    with past.at(moment) as read:
        kept = public_list(read)
    assert [t.name for t in kept] == ["Bola Ade"]
    assert kept == public_list(as_of(script.app, moment))


def test_a_merge_joins_the_records_journeys_from_its_moment_on(app: Certification) -> None:
    story = Story(app)
    person, twin = story.register_candidate(), story.register_candidate("Carla (twice)")
    journey = story.enrol(twin, Module.WC, story.register_expert()).journey_id
    before_the_merge = story.later()
    app.merge_trainers(person.user_id, twin.user_id, "one person", story.hq, "m", story.later())
    after_the_merge = story.later()

    def as_of(record: Actor, moment: datetime) -> tuple[str, list[str]]:
        then = trainer_as_of(app, record.user_id, moment)
        return then.trainer_id, [j.state.journey_id for j in then.journeys]

    assert as_of(person, before_the_merge) == (person.user_id, [])
    assert as_of(twin, before_the_merge) == (twin.user_id, [journey])
    assert as_of(person, after_the_merge) == (person.user_id, [journey])
    assert as_of(twin, after_the_merge) == (person.user_id, [journey])
