"""A trainer's journeys and an expert's worklist, as the projector builds them from events."""

from __future__ import annotations

from datetime import timedelta

from domain.journey import rules
from domain.journey.state import Stage
from domain.journey.steps import Certify, RecordToTResult, SelectEnterprise, Withdraw
from domain.values import Module, Role
from projections.projector import Projector
from projections.queries import expert_worklist, journey, journeys_of_trainer, office_worklist
from projections.store import ReadModels
from service.app.certification import Certification
from tests.stories import Story

STALL = timedelta(days=60)


def test_a_trainer_sees_each_journey_with_its_stage_and_next_action(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate("Asha Rao")
    enrolled = story.enrol(candidate, Module.WC, expert)
    projector.catch_up()

    (wc,) = journeys_of_trainer(read_models, candidate.user_id)
    assert (wc.module, wc.stage, wc.cycle_number) == (Module.WC, Stage.ENROLLED, 0)
    assert (wc.next_action_by, wc.next_action) == (Role.EXPERT, "record the ToT workshop result")
    assert (wc.trainer_name, wc.expert_name) == ("Asha Rao", "Esther Expert")
    assert wc.workshop_code is not None and wc.workshop_code.startswith("IND-WC-")

    journey_state = story.step(enrolled, RecordToTResult(attended=True, completed=True), expert)
    journey_state = story.run_cycle(journey_state, candidate)
    story.assess(journey_state, expert, "recommended")
    projector.catch_up()
    recommended = journey(read_models, enrolled.journey_id)
    assert recommended is not None
    assert (recommended.stage, recommended.next_action_by) == (Stage.RECOMMENDED, Role.HQ)
    assert recommended.next_action == "certify" and recommended.ended_at is None

    certified_at = story.later()
    story.app.take_step(enrolled.journey_id, Certify(), story.hq, "certify-1", certified_at)
    projector.catch_up()
    (done,) = journeys_of_trainer(read_models, candidate.user_id)
    assert done.stage is Stage.CERTIFIED and not done.is_open
    assert done.next_action_by is None and done.ended_at == certified_at


def test_a_withdrawn_journey_keeps_its_reason_and_a_new_one_follows_it(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    first = story.enrol(candidate, Module.WC, expert)
    story.step(first, Withdraw("moved abroad for a year"), candidate)
    second = story.enrol(candidate, Module.WC, expert)
    projector.catch_up()

    withdrawn, current = journeys_of_trainer(read_models, candidate.user_id)
    assert withdrawn.journey_id == first.journey_id and current.journey_id == second.journey_id
    assert withdrawn.stage is Stage.WITHDRAWN
    assert withdrawn.withdrawal_reason == "moved abroad for a year"
    assert current.is_open and current.stage is Stage.ENROLLED


def test_the_expert_worklist_shows_each_candidate_what_comes_next_and_what_is_overdue(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, colleague = story.register_expert(), story.register_expert("Omar Other")
    waiting = story.register_candidate("Wendy Waiting")
    busy = story.register_candidate("Bala Busy")
    finished = story.register_candidate("Fatima Finished")
    elsewhere = story.register_candidate("Eli Elsewhere")

    stalled = story.enrol(waiting, Module.WC, expert)
    story.certified_in(Module.WC, finished, expert)
    story.enrol(elsewhere, Module.WC, colleague)
    story.later(70)  # Wendy's ToT result waits, and waits
    active = story.enrol(busy, Module.WC, expert)
    active = story.step(active, RecordToTResult(attended=True, completed=True), expert)
    story.step(active, SelectEnterprise(story.register_enterprise()), busy)
    projector.catch_up()

    worklist = expert_worklist(read_models, expert.user_id, story.now, STALL)

    assert [item.journey.trainer_name for item in worklist] == ["Wendy Waiting", "Bala Busy"]
    wendy, bala = worklist
    assert wendy.overdue and wendy.expert_must_act
    assert wendy.days_waiting == (story.now - stalled.last_step_at).days > 70
    assert wendy.journey.next_action == "record the ToT workshop result"
    assert wendy.journey.last_step_at == stalled.last_step_at
    assert not bala.overdue and not bala.expert_must_act
    assert bala.journey.next_action_by is Role.TRAINER
    assert bala.journey.next_action.startswith("baseline assessment of ")


def test_a_stall_reminder_shows_on_the_worklist_until_the_next_step(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    enrolled = story.enrol(candidate, Module.WC, expert)
    reminded_at = story.later(61)
    story.app.remind_stalled_journey(
        enrolled.journey_id, ["expert@example.org"], "stall-1", reminded_at, STALL
    )
    projector.catch_up()
    (item,) = expert_worklist(read_models, expert.user_id, story.now, STALL)
    assert item.overdue and item.reminded_at == reminded_at

    story.step(enrolled, RecordToTResult(attended=True, completed=True), expert)
    projector.catch_up()
    (item,) = expert_worklist(read_models, expert.user_id, story.now, STALL)
    assert not item.overdue and item.reminded_at is None


def test_stage_and_next_action_agree_with_the_journey_aggregate(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    journeys = [story.ready_to_assess(story.register_candidate(), expert) for _ in range(2)]
    journeys.append(story.assess(journeys[0], expert, "provisional"))
    journeys.append(story.enrol(story.register_candidate(), Module.BASICS, expert))
    projector.catch_up()

    for state in journeys:
        aggregate = story.app.journey(state.journey_id)
        view = journey(read_models, state.journey_id)
        assert view is not None
        expected = rules.next_action(aggregate)
        assert (view.stage, view.cycle_number) == (aggregate.stage, aggregate.cycles_started)
        assert (view.next_action_by, view.next_action) == (expected.who, expected.what)
        assert view.last_step_at == aggregate.last_step_at


def test_the_office_worklist_shows_every_recommended_candidate_waiting_for_certification(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, colleague = story.register_expert(), story.register_expert("Omar Other")
    first, second = story.register_candidate("Rita Ready"), story.register_candidate("Sam Soon")
    not_yet = story.register_candidate("Nadia Notyet")
    for candidate, supervisor in ((first, expert), (second, colleague)):
        journey = story.enrol(candidate, Module.WC, supervisor)
        journey = story.step(journey, RecordToTResult(attended=True, completed=True), supervisor)
        story.assess(story.run_cycle(journey, candidate), supervisor, "recommended")
        story.later(30)
    story.enrol(not_yet, Module.WC, expert)
    projector.catch_up()

    worklist = office_worklist(read_models, story.now, STALL)

    assert [item.journey.trainer_name for item in worklist] == ["Rita Ready", "Sam Soon"]
    assert all(item.journey.next_action == "certify" for item in worklist)
    assert worklist[0].days_waiting > worklist[1].days_waiting


def test_the_next_action_names_the_enterprises_even_after_a_restart(
    story: Story, app: Certification, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    firm = story.register_enterprise()
    name = story.app.enterprise(firm).details.name
    Projector(app, read_models).catch_up()  # the registration is projected, then forgotten
    story.step(journey, SelectEnterprise(firm), candidate)
    restarted = Projector(app, read_models)
    restarted.catch_up()

    (seen,) = journeys_of_trainer(read_models, candidate.user_id)
    assert seen.next_action == f"baseline assessment of {name}"
