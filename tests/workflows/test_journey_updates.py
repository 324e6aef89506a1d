"""Journey steps as workflow updates, on the real Temporal dev server.

An accepted step changes the journey's state in the workflow and in the event store alike;
a refused step comes back as the domain's own error with its reason, and leaves no event in
the store and no entry in the workflow's history.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle

from domain.errors import (
    FoundationCertificateRequired,
    InvalidInput,
    JourneyAlreadyOpen,
    JourneyClosed,
    NotFound,
    NotPermitted,
    NotRecommended,
    StepNotAllowed,
    StepOutOfOrder,
    TryAgain,
)
from domain.journey.state import JourneyState, Stage
from domain.journey.steps import (
    AmendStep,
    AssessCycle,
    Certify,
    DeliverClassroomWorkshop,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    SelectEnterprise,
    VoidStep,
    Withdraw,
)
from domain.policies import PolicyTerms
from domain.trainer.state import Listing
from domain.values import Actor, Module, Role
from service.app.certification import Certification, ConcurrentChange
from service.app.policies import record_policy_version
from service.settings import Settings
from tests.stories import BASELINE, new_id
from tests.workflows.scenarios import Journeys, cycle_steps, journeys_with_worker
from workflows import journey_workflow_id, standing_workflow_id
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway, reminder_policy
from workflows.gate import WAITING_STEPS
from workflows.journey import CertificationJourney
from workflows.standing import TrainerStanding
from workflows.worker import running_worker

pytestmark = pytest.mark.temporal


@pytest_asyncio.fixture
async def journeys(
    dev_client: Client,
    task_queue: str,
    activities: CertificationActivities,
    app: Certification,
    settings: Settings,
) -> AsyncIterator[Journeys]:
    start = datetime.now(UTC) - timedelta(days=30)
    async with journeys_with_worker(
        dev_client, task_queue, activities, app, settings, start
    ) as journeys:
        yield journeys


@dataclass(frozen=True)
class ByHand:
    """Journeys with no worker of their own: the test starts one when steps should run."""

    journeys: Journeys
    client: Client
    task_queue: str
    activities: CertificationActivities

    def worker(self) -> AbstractAsyncContextManager[object]:
        return running_worker(self.client, self.task_queue, self.activities)


@pytest.fixture
def by_hand(
    dev_client: Client,
    task_queue: str,
    activities: CertificationActivities,
    app: Certification,
    settings: Settings,
) -> ByHand:
    gateway = JourneyGateway(dev_client, task_queue, reminder_policy(settings))
    journeys = Journeys(app, gateway, start=datetime.now(UTC) - timedelta(days=30))
    return ByHand(journeys, dev_client, task_queue, activities)


def events_written(app: Certification) -> int:
    return app.recorder.max_notification_id() or 0


def journey_handle(
    client: Client, journey_id: str
) -> WorkflowHandle[CertificationJourney, JourneyState | None]:
    workflow_id = journey_workflow_id(journey_id)
    return client.get_workflow_handle_for(CertificationJourney.run, workflow_id)


async def history_length(handle: WorkflowHandle[Any, Any]) -> int:
    return len((await handle.fetch_history()).events)


async def test_a_candidate_is_certified_step_by_step_and_their_standing_begins(
    journeys: Journeys, dev_client: Client
) -> None:
    candidate, expert = journeys.people()

    enrolled = await journeys.enrol(candidate, expert)
    assert enrolled.stage is Stage.ENROLLED
    tot = await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
    assert tot.stage is Stage.TOE_CYCLE and tot.cycles_started == 1
    assert journeys.app.journey(tot.journey_id) == tot

    await journeys.complete_cycle(candidate)
    certified = await journeys.certify_recommended(candidate, expert)

    assert certified.stage is Stage.CERTIFIED
    assert journeys.app.journey(certified.journey_id) == certified
    assert await journey_handle(dev_client, journeys.journey_id(candidate)).result() == certified
    standing = dev_client.get_workflow_handle(standing_workflow_id(candidate.user_id))
    trainer = await standing.query(TrainerStanding.state)
    assert trainer is not None and trainer.standing is not None
    assert trainer.standing.listing is Listing.LISTED
    assert trainer.certificate_number == journeys.app.trainer(candidate.user_id).certificate_number


async def test_a_refused_step_returns_the_domains_reason_and_writes_nothing(
    journeys: Journeys, dev_client: Client
) -> None:
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    handle = journey_handle(dev_client, journeys.journey_id(candidate))
    events, history = events_written(journeys.app), await history_length(handle)
    outsider = Actor("someone-else", Role.EXPERT)

    with pytest.raises(StepOutOfOrder, match="ToT workshop result must be recorded as completed"):
        await journeys.step(candidate, SelectEnterprise(new_id()), candidate)
    with pytest.raises(NotRecommended, match="needs a 'recommended' assessment"):
        await journeys.step(candidate, Certify(), journeys.hq)
    with pytest.raises(NotPermitted, match="Only the candidate's expert trainer"):
        await journeys.step(candidate, RecordToTResult(attended=True, completed=True), outsider)

    assert events_written(journeys.app) == events
    assert await history_length(handle) == history


async def ready_for_the_classroom(journeys: Journeys) -> tuple[Actor, date]:
    """A candidate in their first ToE cycle, one enterprise selected and assessed: the
    candidate, and the day their classroom workshop is held."""
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
    firm, today = journeys.story.register_enterprise(), journeys.story.now.date()
    await journeys.step(candidate, SelectEnterprise(firm), candidate)
    await journeys.step(candidate, RecordBaselineAssessment(firm, today, BASELINE), candidate)
    return candidate, today


async def test_too_many_classroom_participants_are_refused_with_no_event_untraced_over_the_ceiling(
    journeys: Journeys, dev_client: Client
) -> None:
    candidate, today = await ready_for_the_classroom(journeys)
    handle = journey_handle(dev_client, journeys.journey_id(candidate))
    events, history = events_written(journeys.app), await history_length(handle)

    # Above what any policy version may allow: the validator refuses it, untraced.
    absurd = DeliverClassroomWorkshop(today, managers=100_000, workers=1, women=0)
    with pytest.raises(InvalidInput) as above:
        await journeys.step(candidate, absurd, candidate)
    assert above.value.code == "participants_above_ceiling"
    assert above.value.params == {"participants": 100_001, "limit": 100_000}
    assert await history_length(handle) == history

    # Within that ceiling but over the limit in force (1,000, version 0): the validator
    # cannot read the policy, so the activity refuses it; its update stays in the history.
    crowded = DeliverClassroomWorkshop(today, managers=200, workers=1_000, women=300)
    with pytest.raises(InvalidInput) as over:
        await journeys.step(candidate, crowded, candidate)
    assert over.value.code == "too_many_participants"
    assert over.value.params == {"participants": 1_200, "limit": 1_000, "policy_version": 0}
    assert events_written(journeys.app) == events
    assert await history_length(handle) > history


async def test_a_classroom_workshop_within_a_raised_participant_limit_is_recorded(
    journeys: Journeys,
) -> None:
    candidate, today = await ready_for_the_classroom(journeys)
    now = datetime.now(UTC)
    raised = PolicyTerms((9, 11), 60, max_classroom_participants=2_000)
    record_policy_version(journeys.app, raised, now, "larger classes", journeys.hq, new_id(), now)

    larger = DeliverClassroomWorkshop(today, managers=300, workers=1_200, women=500)
    journey = await journeys.step(candidate, larger, candidate)

    assert journey.cycle is not None and journey.cycle.classroom_delivered
    assert journeys.app.journey(journey.journey_id) == journey


async def test_a_step_sent_again_with_the_same_request_id_is_recorded_once(
    journeys: Journeys,
) -> None:
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    tot = RecordToTResult(attended=True, completed=True)

    first = await journeys.step(candidate, tot, expert, request_id="tot-request-1")
    events = events_written(journeys.app)
    again = await journeys.step(candidate, tot, expert, request_id="tot-request-1")

    assert again == first
    assert events_written(journeys.app) == events


async def test_an_enrolment_the_domain_refuses_leaves_no_running_workflow_and_no_event(
    journeys: Journeys, dev_client: Client
) -> None:
    candidate, expert = journeys.people()
    workshop = journeys.workshop(Module.QUALITY, expert)
    events = events_written(journeys.app)

    journey_id = journeys.next_journey_id(candidate, Module.QUALITY)

    with pytest.raises(FoundationCertificateRequired, match="first be certified in Workplace"):
        await journeys.gateway.enrol(
            candidate.user_id, Module.QUALITY, workshop, journeys.hq, new_id(), journey_id
        )

    assert events_written(journeys.app) == events
    handle = journey_handle(dev_client, journey_id)
    assert await handle.result() is None
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED
    assert await journeys.gateway.journey(journey_id) is None


async def test_a_second_enrolment_in_an_open_journey_is_refused(journeys: Journeys) -> None:
    candidate, expert = journeys.people()
    first = await journeys.enrol(candidate, expert)
    workshop = journeys.workshop(Module.WC, expert)
    events = events_written(journeys.app)

    journey_id = journeys.next_journey_id(candidate)

    with pytest.raises(JourneyAlreadyOpen, match=f"open WC journey \\({first.journey_id}\\)"):
        await journeys.gateway.enrol(
            candidate.user_id, Module.WC, workshop, journeys.hq, new_id(), journey_id
        )
    assert events_written(journeys.app) == events


async def test_an_enrolment_told_to_try_again_is_recorded_once_when_sent_again_with_its_id(
    journeys: Journeys, dev_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enrolments into one workshop contend for it; one that ran out of retries is told to
    try again, and its run ends. Temporal keeps a closed run's update outcomes under their
    ids, so each sending is an update of its own: the same request id is heard afresh."""
    candidate, expert = journeys.people()
    workshop = journeys.workshop(Module.WC, expert)
    journey_id = journeys.next_journey_id(candidate)
    contend_once(journeys.app, monkeypatch)
    events = events_written(journeys.app)

    def send() -> Any:
        gateway = journeys.gateway
        return gateway.enrol(candidate.user_id, Module.WC, workshop, journeys.hq, "e-1", journey_id)

    with pytest.raises(TryAgain, match="same moment"):
        await send()
    assert await journey_handle(dev_client, journey_id).result() is None  # that run ended
    assert events_written(journeys.app) == events

    enrolled = await send()
    assert enrolled.journey_id == journey_id and enrolled.stage is Stage.ENROLLED
    written = events_written(journeys.app)
    assert await send() == enrolled  # once more: the running workflow's first answer
    assert events_written(journeys.app) == written
    assert journeys.app.journey(journey_id) == enrolled


@pytest.mark.parametrize("first_told_to_try_again", [False, True])
async def test_an_enrolment_sent_again_while_the_first_waits_is_recorded_once(
    by_hand: ByHand, monkeypatch: pytest.MonkeyPatch, first_told_to_try_again: bool
) -> None:
    """Both sendings reach the workflow together (no worker polls until both wait): the
    second waits its turn and gets the first's answer, or, if the first was told to try
    again, records the enrolment itself, once."""
    journeys = by_hand.journeys
    candidate, expert = journeys.people()
    workshop = journeys.workshop(Module.WC, expert)
    journey_id = journeys.next_journey_id(candidate)
    if first_told_to_try_again:
        contend_once(journeys.app, monkeypatch)
    events = events_written(journeys.app)

    def send() -> Any:
        gateway = journeys.gateway
        return gateway.enrol(candidate.user_id, Module.WC, workshop, journeys.hq, "e-1", journey_id)

    both = asyncio.gather(send(), send(), return_exceptions=True)
    await asyncio.sleep(1)
    async with by_hand.worker():
        outcomes = await both
        enrolled = [o for o in outcomes if isinstance(o, JourneyState)]
        told_to_resend = [o for o in outcomes if isinstance(o, TryAgain)]
        assert len(enrolled) == 2 - first_told_to_try_again, outcomes
        assert len(told_to_resend) == first_told_to_try_again, outcomes
        assert all(e == journeys.app.journey(journey_id) for e in enrolled)
        assert (await journeys.gateway.journey(journey_id)) == enrolled[0]
    assert events_written(journeys.app) == events + 3  # trainer, journey and workshop, once


def contend_once(app: Certification, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next enrolment runs out of retries on a contended record (nothing written)."""
    enrol, contended = app.enrol, [1]

    def contended_once(*args: Any, **kwargs: Any) -> Any:
        if contended:
            contended.pop()
            raise ConcurrentChange("Someone else changed this record at the same moment.")
        return enrol(*args, **kwargs)

    monkeypatch.setattr(app, "enrol", contended_once)


async def test_a_closed_journey_refuses_steps_and_its_id_serves_the_next_attempt(
    journeys: Journeys, dev_client: Client
) -> None:
    candidate, expert = journeys.people()
    first = await journeys.enrol(candidate, expert)
    withdrawn = await journeys.step(candidate, Withdraw("moved abroad for a year"), candidate)
    assert withdrawn.stage is Stage.WITHDRAWN
    assert await journey_handle(dev_client, first.journey_id).result() == withdrawn

    with pytest.raises(JourneyClosed, match="enrol in a new ToT workshop"):
        await journeys.step(
            candidate, RecordCoachingVisit(new_id(), journeys.story.now.date()), candidate
        )

    second = await journeys.enrol(candidate, expert)
    assert second.journey_id != first.journey_id and second.stage is Stage.ENROLLED
    assert await journeys.gateway.journey(second.journey_id) == second


async def test_steps_that_arrive_together_wait_their_turn_and_those_beyond_eight_are_told_to_resend(
    by_hand: ByHand,
) -> None:
    journeys, app = by_hand.journeys, by_hand.journeys.app
    candidate, expert = journeys.people()
    enterprise = journeys.story.register_enterprise()
    today = journeys.story.now.date()
    async with by_hand.worker():
        await journeys.enrol(candidate, expert)
        await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
        for step in cycle_steps(enterprise, today)[:3]:  # up to the classroom workshop
            await journeys.step(candidate, step, candidate)
    events = events_written(app)

    # With no worker polling, the visits wait at the server and reach the workflow together.
    visit = RecordCoachingVisit(enterprise, today)
    together = asyncio.gather(
        *(journeys.step(candidate, visit, candidate) for _ in range(WAITING_STEPS + 2)),
        return_exceptions=True,
    )
    await asyncio.sleep(1)
    async with by_hand.worker():
        outcomes = await together

    taken = [o for o in outcomes if isinstance(o, JourneyState)]
    told_to_resend = [o for o in outcomes if isinstance(o, TryAgain)]
    assert len(taken) == WAITING_STEPS and len(told_to_resend) == 2, outcomes
    assert all("already waiting" in str(o) for o in told_to_resend)
    # Each visit was applied to the state the one before it left: one more visit each time.
    assert sorted(visits(o) for o in taken) == list(range(1, WAITING_STEPS + 1))
    assert events_written(app) == events + WAITING_STEPS


async def test_a_step_that_waited_behind_the_one_closing_the_journey_gets_the_rules_reason(
    by_hand: ByHand,
) -> None:
    journeys = by_hand.journeys
    candidate, expert = journeys.people()
    async with by_hand.worker():
        await journeys.enrol(candidate, expert)

    # With no worker polling, both wait at the server and reach the workflow together;
    # whichever is applied first, the other meets a withdrawn journey.
    both = asyncio.gather(
        journeys.step(candidate, Withdraw("second thoughts"), candidate),
        journeys.step(candidate, Withdraw("moved abroad"), candidate),
        return_exceptions=True,
    )
    await asyncio.sleep(1)
    async with by_hand.worker():
        outcomes = await both

    (withdrawn,) = [o for o in outcomes if isinstance(o, JourneyState)]
    (refused,) = [o for o in outcomes if not isinstance(o, JourneyState)]
    assert withdrawn.stage is Stage.WITHDRAWN
    assert isinstance(refused, JourneyClosed), refused  # the rules' answer, not "busy"


def visits(journey: JourneyState) -> int:
    assert journey.cycle is not None
    return sum(e.coaching_visits for e in journey.cycle.enterprises)


async def test_a_step_on_a_journey_that_was_never_opened_is_not_found(
    journeys: Journeys,
) -> None:
    candidate, _ = journeys.people()
    with pytest.raises(NotFound, match="enrol the candidate first"):
        await journeys.gateway.take_step(
            str(uuid.uuid4()), RecordToTResult(attended=True, completed=True), candidate, new_id()
        )


async def test_a_correction_is_a_step_of_the_journey_workflow_refused_untraced_if_it_breaks_a_rule(
    journeys: Journeys, dev_client: Client
) -> None:
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
    journey = await journeys.complete_cycle(candidate)
    baseline, visit = (
        next(r.version for r in journey.recorded if r.step.kind == kind)
        for kind in ("baseline_assessment", "coaching_visit")
    )
    handle = journey_handle(dev_client, journey.journey_id)
    events, history = events_written(journeys.app), await history_length(handle)

    with pytest.raises(StepOutOfOrder, match="would leave the record breaking a rule"):
        await journeys.step(candidate, VoidStep(baseline, "recorded twice"), expert)
    assert events_written(journeys.app) == events
    assert await history_length(handle) == history

    amended = await journeys.step(candidate, AmendStep(visit, "typo", notes="5S"), candidate)
    assert amended == journeys.app.journey(journey.journey_id)
    corrected = amended.recorded_step(visit)
    assert corrected is not None and corrected.amended
    recorded = journey.recorded_step(visit)
    assert recorded is not None and isinstance(recorded.step, RecordCoachingVisit)
    assert corrected.step == replace(recorded.step, notes="5S")
    assert await handle.query(CertificationJourney.state) == amended


async def test_a_correction_that_waited_behind_the_certification_is_refused_and_certifies_once(
    by_hand: ByHand,
) -> None:
    journeys, app = by_hand.journeys, by_hand.journeys.app
    candidate, expert = journeys.people()
    async with by_hand.worker():
        await journeys.enrol(candidate, expert)
        await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
        journey = await journeys.complete_cycle(candidate)
        await journeys.step(candidate, AssessCycle("recommended"), expert)
    visit = next(r.version for r in journey.recorded if r.step.kind == "coaching_visit")

    # With no worker polling, both wait at the server; the correction, sent second, passes
    # the validator (a step waits ahead of it) and meets the certified journey in the store.
    certify = asyncio.ensure_future(journeys.step(candidate, Certify(), journeys.hq))
    await asyncio.sleep(0.5)
    fix = asyncio.ensure_future(
        journeys.step(candidate, AmendStep(visit, "late fix", notes="5S"), journeys.hq)
    )
    await asyncio.sleep(1)
    async with by_hand.worker():
        certified, refused = await asyncio.gather(certify, fix, return_exceptions=True)

    assert isinstance(certified, JourneyState) and certified.stage is Stage.CERTIFIED, certified
    assert isinstance(refused, StepNotAllowed), refused
    assert refused.code == "correction_after_close"
    trainer_events = [type(e).__name__ for e in app.events.get(uuid.UUID(certified.trainer_id))]
    assert trainer_events.count("CertificateIssued") == 1
    assert trainer_events.count("JourneyEnded") == 1
    assert app.journey(certified.journey_id).recorded_step(visit) == journey.recorded_step(visit)
