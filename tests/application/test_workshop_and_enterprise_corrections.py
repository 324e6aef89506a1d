"""Stories of the office correcting its registers: a workshop rescheduled or cancelled, an
enterprise's details edited. Each correction is an event; the rules are judged again."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from domain.enterprise import EnterpriseEdit
from domain.errors import AlreadyExists, InvalidInput, NotPermitted, WorkshopChangeRefused
from domain.journey.steps import RecordToTResult, SelectEnterprise, Withdraw
from domain.values import Actor, Module, Role
from domain.workshop import Attendance, Reschedule, WorkshopState, check_open_for_enrolment
from service.app import certification
from service.app.certification import Certification
from tests.stories import Story, new_id

INDIA_OFFICE = Actor("office-in", Role.HQ, ("IN",))
SRI_LANKA_OFFICE = Actor("office-lk", Role.HQ, ("LK",))


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def upcoming_workshop(story: Story) -> str:
    """A WC workshop ending three weeks from the story's today."""
    expert = story.register_expert()
    return story.schedule_workshop(Module.WC, expert, ends_on=story.now.date() + timedelta(21))


def written(story: Story) -> int:
    return story.app.recorder.max_notification_id() or 0


def test_the_office_moves_an_empty_workshop_to_new_dates_and_a_new_venue(story: Story) -> None:
    workshop_id = upcoming_workshop(story)
    new_start = story.now.date() + timedelta(40)
    change = Reschedule(
        "Venue flooded", starts_on=new_start, ends_on=new_start + timedelta(4), venue="Pune"
    )

    state = story.app.reschedule_workshop(
        workshop_id, change, story.hq, new_id(), story.later()
    ).state

    assert (state.plan.starts_on, state.plan.ends_on) == (new_start, new_start + timedelta(4))
    assert state.plan.venue == "Pune"
    kinds = [type(e).__name__ for e in story.app.events.get(UUID(workshop_id))]
    assert kinds == ["Scheduled", "Rescheduled"]


def test_a_reschedule_that_changes_nothing_or_ends_before_it_starts_is_refused(
    story: Story,
) -> None:
    workshop_id = upcoming_workshop(story)
    plan = story.app.workshop(workshop_id).plan
    before = written(story)

    with pytest.raises(InvalidInput, match="Nothing to change"):
        story.app.reschedule_workshop(
            workshop_id, Reschedule("Typo", venue=plan.venue), story.hq, new_id(), story.later()
        )
    with pytest.raises(InvalidInput, match="would end"):
        story.app.reschedule_workshop(
            workshop_id,
            Reschedule("Typo", ends_on=plan.starts_on - timedelta(1)),
            story.hq,
            new_id(),
            story.later(),
        )
    with pytest.raises(InvalidInput, match="reason"):
        story.app.reschedule_workshop(
            workshop_id, Reschedule(" ", venue="Pune"), story.hq, new_id(), story.later()
        )
    assert written(story) == before


def test_enrolled_candidates_keep_a_workshop_that_has_not_ended_for_them(story: Story) -> None:
    workshop_id = upcoming_workshop(story)
    candidate = story.register_candidate()
    story.app.enrol(candidate.user_id, workshop_id, story.hq, new_id(), story.later())
    later = story.now.date() + timedelta(30)

    moved = story.app.reschedule_workshop(
        workshop_id, Reschedule("Expert ill", ends_on=later), story.hq, new_id(), story.later()
    ).state
    assert moved.plan.ends_on == later

    with pytest.raises(WorkshopChangeRefused, match="would leave them in a workshop that has"):
        story.app.reschedule_workshop(
            workshop_id,
            Reschedule(
                "Held earlier",
                starts_on=story.now.date() - timedelta(9),
                ends_on=story.now.date() - timedelta(5),
            ),
            story.hq,
            new_id(),
            story.later(),
        )


def test_a_workshop_that_took_place_keeps_its_dates_but_its_venue_can_be_corrected(
    story: Story,
) -> None:
    expert = story.register_expert()
    candidate = story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    workshop_id = journey.workshop_id
    plan = story.app.workshop(workshop_id).plan

    with pytest.raises(WorkshopChangeRefused, match="took place"):
        story.app.reschedule_workshop(
            workshop_id,
            Reschedule("Wrong dates", starts_on=plan.starts_on - timedelta(1)),
            story.hq,
            new_id(),
            story.later(),
        )
    corrected = story.app.reschedule_workshop(
        workshop_id,
        Reschedule("Misspelt", venue="Faridabad Centre"),
        story.hq,
        new_id(),
        story.later(),
    ).state
    assert corrected.plan.venue == "Faridabad Centre"


def test_a_workshop_with_candidates_is_cancelled_only_once_they_are_withdrawn(
    story: Story,
) -> None:
    workshop_id = upcoming_workshop(story)
    candidate = story.register_candidate()
    journey = story.app.enrol(
        candidate.user_id, workshop_id, story.hq, new_id(), story.later()
    ).state
    before = written(story)

    with pytest.raises(WorkshopChangeRefused, match="1 candidate"):
        story.app.cancel_workshop(workshop_id, "No expert", story.hq, new_id(), story.later())
    assert written(story) == before

    story.step(journey, Withdraw(reason="The workshop is cancelled"), story.hq)
    cancelled = story.app.cancel_workshop(
        workshop_id, "No expert", story.hq, new_id(), story.later()
    ).state
    assert cancelled.cancelled_reason == "No expert"


def test_no_one_enrols_in_a_cancelled_workshop_and_it_is_not_changed_again(
    story: Story,
) -> None:
    workshop_id = upcoming_workshop(story)
    story.app.cancel_workshop(workshop_id, "Too few candidates", story.hq, new_id(), story.later())
    candidate = story.register_candidate()
    before = written(story)

    with pytest.raises(WorkshopChangeRefused, match="was cancelled"):
        story.app.enrol(candidate.user_id, workshop_id, story.hq, new_id(), story.later())
    with pytest.raises(WorkshopChangeRefused, match="cannot be rescheduled"):
        story.app.reschedule_workshop(
            workshop_id, Reschedule("Back on", venue="Pune"), story.hq, new_id(), story.later()
        )
    with pytest.raises(WorkshopChangeRefused, match="cannot be cancelled"):
        story.app.cancel_workshop(workshop_id, "Again", story.hq, new_id(), story.later())
    assert written(story) == before


def test_a_cancellation_judged_before_an_enrolment_was_saved_is_judged_again(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    workshop_id = upcoming_workshop(story)
    candidate = story.register_candidate()
    count = story.app._attendance

    def enrolment_lands_meanwhile(workshop: UUID) -> Attendance:
        seen = count(workshop)
        if seen == Attendance():  # the first look: the candidate enrols before it is saved
            story.app.enrol(candidate.user_id, workshop_id, story.hq, new_id(), story.later())
        return seen

    monkeypatch.setattr(story.app, "_attendance", enrolment_lands_meanwhile)

    with pytest.raises(WorkshopChangeRefused, match="1 candidate"):
        story.app.cancel_workshop(workshop_id, "No expert", story.hq, new_id(), story.later())
    assert story.app.workshop(workshop_id).cancelled_reason is None


def test_an_enrolment_judged_before_a_cancellation_was_saved_is_judged_again(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    workshop_id = upcoming_workshop(story)
    candidate = story.register_candidate()

    def cancellation_lands_meanwhile(workshop: WorkshopState) -> None:
        check_open_for_enrolment(workshop)
        if workshop.cancelled_reason is None:  # the first look: cancelled before it is saved
            story.app.cancel_workshop(workshop_id, "Strike", story.hq, new_id(), story.later())

    monkeypatch.setattr(certification, "check_open_for_enrolment", cancellation_lands_meanwhile)

    with pytest.raises(WorkshopChangeRefused, match="was cancelled"):
        story.app.enrol(candidate.user_id, workshop_id, story.hq, new_id(), story.later())
    assert story.app.trainer(candidate.user_id).open_journeys == {}


def test_a_retried_cancellation_is_recorded_once(story: Story) -> None:
    workshop_id = upcoming_workshop(story)
    command_id = new_id()

    first = story.app.cancel_workshop(workshop_id, "Strike", story.hq, command_id, story.later())
    again = story.app.cancel_workshop(workshop_id, "Strike", story.hq, command_id, story.later())

    assert again.duplicate and again.state == first.state
    assert len(list(story.app.events.get(UUID(workshop_id)))) == 2


def test_only_the_office_of_the_workshops_country_changes_it(story: Story) -> None:
    workshop_id = upcoming_workshop(story)
    expert = Actor(story.app.workshop(workshop_id).plan.expert_id, Role.EXPERT)

    for outsider in (expert, SRI_LANKA_OFFICE):
        with pytest.raises(NotPermitted):
            story.app.cancel_workshop(workshop_id, "Mine", outsider, new_id(), story.later())
    moved = story.app.reschedule_workshop(
        workshop_id, Reschedule("Closer", venue="Delhi"), INDIA_OFFICE, new_id(), story.later()
    )
    assert moved.state.plan.venue == "Delhi"


def test_the_office_edits_an_enterprise_and_the_size_warning_follows_the_count(
    story: Story,
) -> None:
    enterprise_id = story.register_enterprise(employees=120)
    assert story.app.enterprise(enterprise_id).size_warning is None

    edit = EnterpriseEdit(name="Auto Parts Renamed", employees=300, women_employees=90)
    state = story.app.edit_enterprise(enterprise_id, edit, story.hq, new_id(), story.later()).state

    assert state.enterprise_id == enterprise_id and state.details.country == "IN"
    assert (state.details.name, state.details.employees) == ("Auto Parts Renamed", 300)
    assert state.size_warning is not None and "300 employees" in state.size_warning.detail

    back = EnterpriseEdit(employees=200)
    state = story.app.edit_enterprise(enterprise_id, back, story.hq, new_id(), story.later()).state
    assert state.size_warning is None


def test_a_candidate_choosing_an_enterprise_sees_the_warning_of_its_edited_count(
    story: Story,
) -> None:
    expert = story.register_expert()
    candidate = story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    enterprise_id = story.register_enterprise(employees=120)
    story.app.edit_enterprise(
        enterprise_id, EnterpriseEdit(employees=400), story.hq, new_id(), story.later()
    )

    story.step(journey, SelectEnterprise(enterprise_id), candidate)

    (event,) = [
        e
        for e in story.app.events.get(UUID(journey.journey_id))
        if type(e).__name__ == "EnterpriseSelected"
    ]
    assert event.size_warning["params"]["employees"] == 400  # type: ignore[attr-defined]


def test_an_enterprise_edit_is_checked_as_a_registration_is(story: Story) -> None:
    enterprise_id = story.register_enterprise(employees=120)
    before = written(story)

    with pytest.raises(InvalidInput, match="women employees between 0"):
        story.app.edit_enterprise(
            enterprise_id, EnterpriseEdit(women_employees=121), story.hq, new_id(), story.later()
        )
    with pytest.raises(InvalidInput, match="Nothing to change"):
        story.app.edit_enterprise(
            enterprise_id, EnterpriseEdit(employees=120), story.hq, new_id(), story.later()
        )
    trainer = Actor("a-trainer", Role.TRAINER)
    with pytest.raises(NotPermitted):
        story.app.edit_enterprise(
            enterprise_id, EnterpriseEdit(sector="textiles"), trainer, new_id(), story.later()
        )
    assert written(story) == before
    assert story.app.enterprise(enterprise_id).details.sector == "auto components"


def test_a_workshop_plan_of_a_date_stays_readable(story: Story) -> None:
    """A workshop's history reads at each version: as scheduled, then as rescheduled."""
    workshop_id = upcoming_workshop(story)
    first = story.app.workshop(workshop_id).plan
    story.app.reschedule_workshop(
        workshop_id, Reschedule("Moved", venue="Pune"), story.hq, new_id(), story.later()
    )

    assert story.app.workshop(workshop_id, version=1).plan == first
    assert story.app.workshop(workshop_id).plan.venue == "Pune"
    assert isinstance(first.starts_on, date)


def test_an_enterprise_is_not_renamed_to_another_registered_firms_name(story: Story) -> None:
    first = story.register_enterprise()
    second = story.register_enterprise()
    taken = story.app.enterprise(first).details.name
    before = written(story)

    with pytest.raises(AlreadyExists, match="already registered"):
        story.app.edit_enterprise(
            second, EnterpriseEdit(name=taken), story.hq, new_id(), story.later()
        )
    assert written(story) == before
