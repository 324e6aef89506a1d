"""Journeys told through the workflows: people are registered in the application directly
(registration is not a workflow), and every journey step travels as a Temporal update."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.journey.state import JourneyState
from domain.journey.steps import (
    AssessCycle,
    Certify,
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
)
from domain.recorded import RecordedAggregate
from domain.trainer import rules as trainer_rules
from domain.values import Actor, Module
from service.app.certification import Certification
from service.settings import Settings
from tests.stories import BASELINE, PROGRESS, Story, new_id
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway, reminder_policy
from workflows.worker import running_worker


class Journeys:
    def __init__(self, app: Certification, gateway: JourneyGateway, start: datetime) -> None:
        self.app = app
        self.story = Story(app, start)
        self.gateway = gateway
        self.hq = self.story.hq
        # The latest journey enrolled through the workflows, by candidate and module.
        self._journey_ids: dict[tuple[str, Module], str] = {}

    def people(self) -> tuple[Actor, Actor]:
        """A candidate and the expert trainer who supervises them."""
        return self.story.register_candidate(), self.story.register_expert()

    async def enrol(
        self,
        candidate: Actor,
        expert: Actor,
        module: Module = Module.WC,
        workshop_ends_on: date | None = None,
    ) -> JourneyState:
        workshop = self.workshop(module, expert, workshop_ends_on)
        key = new_id()
        to_open = self.app.journey_to_open(candidate.user_id, module, key)
        journey = await self.gateway.enrol(
            to_open.trainer_id, module, workshop, self.hq, key, to_open.journey_id
        )
        self._journey_ids[(candidate.user_id, module)] = journey.journey_id
        return journey

    def next_journey_id(self, candidate: Actor, module: Module = Module.WC) -> str:
        """The id the candidate's next journey will have, asked of no rule: for enrolments
        sent straight to a workflow, to be refused there."""
        return trainer_rules.next_journey_id(self.app.trainer(candidate.user_id), module)

    def journey_id(self, candidate: Actor, module: Module = Module.WC) -> str:
        """The candidate's latest journey in the module (enrolled here, or in the store)."""
        known = self._journey_ids.get((candidate.user_id, module))
        return known or self.app.trainer(candidate.user_id).open_journeys[module.value]

    def workshop(self, module: Module, expert: Actor, ends_on: date | None = None) -> str:
        """The workflow enrols on its own clock (today's date here, unless the test skipped
        time: then `ends_on`, its date): a workshop ending that day takes the enrolment, and
        the ToT result afterwards."""
        last_day = ends_on or datetime.now(UTC).date()
        return self.story.schedule_workshop(module, expert, ends_on=last_day)

    async def step(
        self,
        candidate: Actor,
        step: JourneyStep,
        actor: Actor,
        module: Module = Module.WC,
        request_id: str | None = None,
    ) -> JourneyState:
        return await self.gateway.take_step(
            self.journey_id(candidate, module), step, actor, request_id or new_id()
        )

    async def complete_cycle(self, candidate: Actor, module: Module = Module.WC) -> JourneyState:
        enterprise = self.story.register_enterprise()
        for step in cycle_steps(enterprise, self.story.now.date()):
            journey = await self.step(candidate, step, candidate, module)
        return journey

    async def certify_recommended(
        self, candidate: Actor, expert: Actor, module: Module = Module.WC
    ) -> JourneyState:
        """The expert recommends the complete cycle, and the programme office certifies."""
        await self.step(candidate, AssessCycle("recommended"), expert, module)
        return await self.step(candidate, Certify(), self.hq, module)

    async def certify(
        self, candidate: Actor, expert: Actor, module: Module = Module.WC
    ) -> JourneyState:
        """The whole happy journey, every step through the journey's workflow."""
        await self.enrol(candidate, expert, module)
        await self.step(candidate, RecordToTResult(attended=True, completed=True), expert, module)
        await self.complete_cycle(candidate, module)
        return await self.certify_recommended(candidate, expert, module)


def cycle_steps(enterprise: str, on: date) -> list[JourneyStep]:
    """A ToE cycle with one enterprise, in the order the rules ask for."""
    return [
        SelectEnterprise(enterprise),
        RecordBaselineAssessment(enterprise, on, BASELINE),
        DeliverClassroomWorkshop(on, managers=6, workers=14, women=9),
        RecordCoachingVisit(enterprise, on),
        ReportProgress(enterprise, PROGRESS),
    ]


E = TypeVar("E")


def recorded(app: Certification, aggregate_id: str, event_class: type[E]) -> list[E]:
    """The events of one class in an aggregate's history, oldest first."""
    return [e for e in app.events.get(UUID(aggregate_id)) if isinstance(e, event_class)]


def recorded_by(app: Certification, aggregate_id: str, command_id: str) -> list[str]:
    """The names of the events that one command recorded on one aggregate."""
    events = recorded(app, aggregate_id, RecordedAggregate.Event)
    return [type(e).__name__ for e in events if e.command_id == command_id]


@asynccontextmanager
async def journeys_with_worker(
    client: Client,
    task_queue: str,
    activities: CertificationActivities,
    app: Certification,
    settings: Settings,
    start: datetime,
) -> AsyncIterator[Journeys]:
    """Journeys told through `client` from `start`, with a worker running `activities`."""
    gateway = JourneyGateway(client, task_queue, reminder_policy(settings))
    async with running_worker(client, task_queue, activities, threads=4):
        yield Journeys(app, gateway, start)


@asynccontextmanager
async def journeys_in_skipped_time(
    env: WorkflowEnvironment,
    task_queue: str,
    activities: CertificationActivities,
    app: Certification,
    settings: Settings,
) -> AsyncIterator[Journeys]:
    """Journeys on the time-skipping server; the story begins a month before its clock."""
    start = await env.get_current_time() - timedelta(days=30)
    async with journeys_with_worker(
        env.client, task_queue, activities, app, settings, start
    ) as journeys:
        yield journeys
