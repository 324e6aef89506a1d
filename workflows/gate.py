"""Steps applied one at a time per workflow, and when to continue-as-new.

Temporal allows 10 updates in flight and 2,000 per run. A journey admits up to
`WAITING_STEPS` steps at once: they wait for the lock and are applied one after another in
the order admitted (asyncio's lock wakes its waiters first in, first out), each judged
against the state the one before left. A validator can judge a step before admitting it
only when nothing waits ahead of it, and a refusal then leaves no trace in the history; a
step that waited is judged by the domain in its activity.
The standing workflow still lets one step in at a time (`check_free`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from cachetools import FIFOCache
from temporalio import workflow
from temporalio.exceptions import FailureError

from domain.errors import TryAgain
from workflows.refusals import refusal

# Well under Temporal's 2,000 updates per run, and before update latency grows (bench notes).
MAX_UPDATES_PER_RUN = 500

# Guards the reading again after a failed step (workflow.patched), for runs already in flight.
READ_AGAIN_AFTER_A_FAILED_STEP = "read-again-after-a-failed-step"

# Guards the enrolment's own check in its handler (one that waited behind another finds the
# journey opened), for runs already in flight.
QUEUED_STEPS = "queued-steps"

# Steps one journey admits at once, the one being applied included: under Temporal's 10
# updates in flight per workflow, so a burst is answered 503 by us, with a reason.
WAITING_STEPS = 8

# A step sent again within this many later steps is answered from memory.
REMEMBERED_ANSWERS = 50

T = TypeVar("T")

RENEWING = "This record is being carried over to a new run; send your step again in a moment."
BUSY = "Another step on this record is being saved right now; send yours again in a moment."
FULL = (
    f"{WAITING_STEPS} steps on this record are already waiting to be saved; "
    "send yours again in a moment."
)


class StepGate:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # also taken by timers, so a reminder never races a step
        self.admitted = 0  # steps accepted and not yet answered, the one being applied included
        self.updates = 0
        # The state may be behind the event store: a step failed and reading it again failed
        # too. Validators then let steps through and the activity's domain judges them
        # against the store itself; the next step's outcome brings the state up to date.
        self.state_unsure = False
        # Set while the run prepares to continue as new: a step accepted then would be cut
        # off by continue-as-new, so it is refused at once and the caller sends it again.
        self.renewing = False

    def check_free(self) -> None:
        """For validators of one-at-a-time workflows: refuse a step while another one is in
        flight, or while the run prepares to continue as new."""
        if self.admitted:
            raise refusal(TryAgain(BUSY))
        if self.renewing:
            raise refusal(TryAgain(RENEWING))

    def check_room(self) -> None:
        """For validators of queueing workflows: refuse a step (for now) when the queue is
        full, or while the run prepares to continue as new."""
        if self.renewing:
            raise refusal(TryAgain(RENEWING))
        if self.admitted >= WAITING_STEPS:
            raise refusal(TryAgain(FULL))

    @property
    def nothing_ahead(self) -> bool:
        """Whether a step admitted now meets the state as it is: none waits before it."""
        return self.admitted == 0

    @asynccontextmanager
    async def step(self) -> AsyncIterator[None]:
        self.admitted += 1
        self.updates += 1
        try:
            async with self.lock:
                yield
        finally:
            self.admitted -= 1

    async def close_for_renewal(self) -> None:
        """Refuse new steps, then wait for the ones in flight to finish."""
        self.renewing = True
        await workflow.wait_condition(workflow.all_handlers_finished)

    async def read_again(self, read: Callable[[], Awaitable[T]], what: str) -> T | None:
        """After a failed step the event store may hold more than this run's state: the step
        may have been saved before its activity failed, or the store disagreed. What `read`
        returns, so that the next step is judged against what it will meet; None when runs
        in flight from before this change skip it (patched in), or when the read fails too,
        which leaves the state unsure."""
        if not workflow.patched(READ_AGAIN_AFTER_A_FAILED_STEP):
            return None
        try:
            found = await read()
        except FailureError as error:
            workflow.logger.warning("%s not read again: %s", what, error)
            self.state_unsure = True
            return None
        self.state_unsure = False
        return found

    def continue_as_new_due(self) -> bool:
        return self.updates >= MAX_UPDATES_PER_RUN or workflow.info().is_continue_as_new_suggested()


class Answers(Generic[T]):
    """The answers to this run's latest steps, by command id: a step sent again (a new update
    with the same command id) gets its first answer, without a second activity."""

    def __init__(self) -> None:
        # The oldest answer goes first, however often it was asked for.
        self._by_command: FIFOCache[str, T] = FIFOCache(REMEMBERED_ANSWERS)

    def get(self, command_id: str | None) -> T | None:
        return None if command_id is None else self._by_command.get(command_id)

    def keep(self, command_id: str, answer: T) -> None:
        self._by_command[command_id] = answer


def command_id(requested: str | None) -> str:
    """The caller's request id, or (from callers that send none) the update's id."""
    return requested or update_id()


def update_id() -> str:
    info = workflow.current_update_info()
    assert info is not None, "called outside an update handler"
    return info.id
