"""A journey's answer as people read it: enterprises by name, and when the next step is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from domain.errors import NotFound
from domain.journey.next_steps import awaited
from domain.journey.state import JourneyState
from service.app.certification import Certification
from service.app.policies import configured_terms, policy_at
from service.http.deps import Services
from service.http.schemas import NextStep, journey_body


def enterprise_names(certification: Certification, state: JourneyState) -> dict[str, str]:
    """The names of the enterprises of the journey's current ToE cycle (by id)."""
    names: dict[str, str] = {}
    for progress in state.cycle.enterprises if state.cycle else ():
        try:
            names[progress.enterprise_id] = certification.enterprise(
                progress.enterprise_id
            ).details.name
        except NotFound:  # a selection the rules let through names a registered enterprise
            continue
    return names


def stall_period(services: Services) -> timedelta:
    """How long a journey waits for a step before it is overdue (its stall reminder): the
    period of the policy version in force now, else the configured one (reads the event
    store: call it from a thread)."""
    configured = configured_terms(services.settings)
    _, terms = policy_at(services.certification, datetime.now(UTC), configured)
    return timedelta(days=terms.stall_after_days)


def next_step(services: Services, state: JourneyState, stall: timedelta) -> NextStep:
    """What the journey waits for, the enterprise named, overdue after `stall` (the stall
    period read once per request: `stall_period`) (reads the event store: a thread)."""
    names = enterprise_names(services.certification, state)
    return NextStep.of(awaited(state, stall, names), names)


async def journey_answer(services: Services, state: JourneyState) -> dict[str, Any]:
    def read() -> tuple[timedelta, dict[str, str]]:  # one trip to a thread for both reads
        return stall_period(services), enterprise_names(services.certification, state)

    stall, names = await run_in_threadpool(read)
    return journey_body(state, stall, names)
