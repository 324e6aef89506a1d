"""Concurrent writers to one journey, with real threads and separate application instances."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import TypeVar
from uuid import UUID

import pytest

from domain.errors import StepNotAllowed
from domain.journey.steps import RecordToTResult, SelectEnterprise
from domain.values import Module
from service.app.certification import Certification, ConcurrentChange
from service.bootstrap.parts import build_certification
from service.settings import Settings
from tests.stories import Story, new_id

T = TypeVar("T")
WRITERS = 6


@pytest.fixture
def writers(settings: Settings) -> Iterator[list[Certification]]:
    """One application per writer, as if each ran in its own worker process."""
    apps = [build_certification(settings) for _ in range(WRITERS)]
    yield apps
    for app in apps:
        app.close()


def all_at_once(calls: list[Callable[[], T]]) -> list[T | Exception]:
    """Run the calls in threads released together by a barrier; collect results or errors."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[T | Exception] = [ValueError("not run")] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = calls[index]()
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_compatible_steps_all_land_after_retries(
    app: Certification, writers: list[Certification]
) -> None:
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    enterprises = [story.register_enterprise() for _ in writers]
    at = story.later()

    outcomes = all_at_once(
        [
            partial(w.take_step, journey.journey_id, SelectEnterprise(e), candidate, new_id(), at)
            for w, e in zip(writers, enterprises, strict=True)
        ]
    )

    landed = {e for e, o in zip(enterprises, outcomes, strict=True) if not isinstance(o, Exception)}
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(e, ConcurrentChange) for e in refused), refused
    final = app.journey(journey.journey_id)
    assert final.cycle is not None
    assert {e.enterprise_id for e in final.cycle.enterprises} == landed
    assert len(landed) >= WRITERS // 2, "optimistic retries should let most writers through"


def test_concurrent_exclusive_steps_have_exactly_one_winner(
    app: Certification, writers: list[Certification]
) -> None:
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    at = story.later()

    tot_result = RecordToTResult(attended=True, completed=True)
    outcomes = all_at_once(
        [
            partial(w.take_step, journey.journey_id, tot_result, expert, new_id(), at)
            for w in writers
        ]
    )

    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1
    assert all(isinstance(e, StepNotAllowed) for e in losers), losers
    events = list(app.events.get(UUID(journey.journey_id)))
    assert [type(e).__name__ for e in events] == ["Enrolled", "ToTResultRecorded"]
