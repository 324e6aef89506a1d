"""Reads come from the read models, after they caught up with every write already answered.

A write's response is sent after its event is committed; a read first notes the event store's
latest position and waits (briefly) for the projector to reach it. So an expert who advances a
step sees it on the very next read, without carrying positions around.

The wait holds no thread: it sleeps on the event loop between looks at the read models'
position, and one look at a time serves every waiting request of the process. It is bounded
(`read_your_writes_timeout_seconds`), and skipped altogether when waiting cannot help: the
projector is stuck, or the read models have not reached a position seen that long ago. The
answer then says how many events the read models lack (`X-Read-Models-Behind`). Anonymous
readers (`/public/…`) wrote nothing to wait for: they get the read models as they are, with
the same header.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from domain import policy
from domain.policy import About, Action, Relation
from projections.queries import JourneyView, journeys_of_trainer
from projections.skips import SkipList, Skipped
from projections.status import Progress, read_progress
from projections.store import ReadModels
from service.app.accounts import User
from service.http.deps import Services, ServicesDep

BEHIND_HEADER = "X-Read-Models-Behind"
LOOK_INTERVAL_SECONDS = 0.005  # between two looks at the read models' position
PROBE_THREADS = 2


@dataclass(frozen=True)
class Lag:
    """How far the read models are behind the event store, as this process last saw it."""

    events: int  # how many notification ids the read models lack
    seconds: float | None  # since when they lack one (seen by this process); None: caught up


class ReadModelsWatch:
    """One per API process: looks at the read models for every request that waits.

    A look (the tracking position and the projector's status, one small query) is shared by
    every request waiting at that moment and reused for `LOOK_INTERVAL_SECONDS`, so a
    hundred waiting readers cost one query per interval, and no thread while they wait.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.read_models: ReadModels = services.read_models
        self._look: asyncio.Future[Progress] | None = None
        self._seen: tuple[float, Progress] | None = None
        self._missing_since: tuple[int, float] | None = None  # (store position, when seen)
        self._skip_list: SkipList | None = None
        self._probe = ThreadPoolExecutor(PROBE_THREADS, thread_name_prefix="health-probe")

    async def progress(self) -> Progress:
        """The read models' position and the projector's status, at most one look old."""
        now = asyncio.get_running_loop().time()
        if self._seen is not None and now - self._seen[0] < LOOK_INTERVAL_SECONDS:
            return self._seen[1]
        if self._look is None:
            self._look = asyncio.ensure_future(self._look_now())
        return await asyncio.shield(self._look)

    async def wait_for(self, position: int, timeout: float) -> Progress:
        """Wait until the read models hold `position`, at most `timeout` s; then say where
        they are. Returns at once when the projector is stuck."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            progress = await self.progress()
            if progress.position >= position or progress.stuck or loop.time() >= deadline:
                return progress
            await asyncio.sleep(LOOK_INTERVAL_SECONDS)

    async def store_position(self) -> int:
        written = await run_in_threadpool(self.services.certification.recorder.max_notification_id)
        return written or 0

    async def readiness(self) -> tuple[int, Progress | Exception, Skipped]:
        """For `/health/ready`: the store's position (raises if unreachable), then the read
        models' progress (or why it could not be read) and the skips.

        On threads of its own: a probe must not queue behind the requests it reports on.
        """
        loop = asyncio.get_running_loop()
        written = await loop.run_in_executor(self._probe, self._store_position_now)
        try:
            progress = await loop.run_in_executor(self._probe, read_progress, self.read_models)
            skipped = await loop.run_in_executor(self._probe, self._load_skips)
        except Exception as error:
            return written, error, Skipped()
        self._seen = (loop.time(), progress)
        return written, progress, skipped

    def _store_position_now(self) -> int:
        return self.services.certification.recorder.max_notification_id() or 0

    def lag(self, written: int, reached: int) -> Lag:
        """Note what a request saw; the lag, and for how long the read models have lacked an
        event that the store held when this process looked."""
        now = asyncio.get_running_loop().time()
        if reached >= written:
            self._missing_since = None
            return Lag(0, None)
        if self._missing_since is None or reached >= self._missing_since[0]:
            self._missing_since = (written, now)  # the earlier gap was filled: a new one
        return Lag(written - reached, now - self._missing_since[1])

    def stalled(self, longer_than: float) -> bool:
        """Have the read models lacked, for longer than that, an event seen in the store?"""
        if self._missing_since is None:
            return False
        return asyncio.get_running_loop().time() - self._missing_since[1] > longer_than

    async def _look_now(self) -> Progress:
        try:
            progress = await run_in_threadpool(read_progress, self.read_models)
            self._seen = (asyncio.get_running_loop().time(), progress)
            return progress
        finally:
            self._look = None

    def _load_skips(self) -> Skipped:
        if self._skip_list is None:  # created on first use: it may create its table
            self._skip_list = SkipList.of(self.services.certification)
        return self._skip_list.load()


def read_models_watch(request: Request, services: ServicesDep) -> ReadModelsWatch:
    """The process's watch, made on first use (the app and its services are built before)."""
    state = request.app.state
    watch: ReadModelsWatch | None = getattr(state, "read_models_watch", None)
    if watch is None or watch.services is not services:
        watch = state.read_models_watch = ReadModelsWatch(services)
    return watch


Watch = Annotated[ReadModelsWatch, Depends(read_models_watch)]


async def fresh_read_models(services: ServicesDep, watch: Watch, response: Response) -> ReadModels:
    """The read models once they hold every event already written (read-your-writes)."""
    written = await watch.store_position()
    timeout = services.settings.read_your_writes_timeout_seconds
    progress = await watch.progress()
    watch.lag(written, progress.position)  # noted now: how long a lag lasts tells a stall
    if progress.position < written and not progress.stuck and not watch.stalled(timeout):
        progress = await watch.wait_for(written, timeout)
    _say_how_far_behind(watch, written, progress, response)
    return watch.read_models


async def current_read_models(watch: Watch, response: Response) -> ReadModels:
    """The read models as they are: for anonymous readers, who wrote nothing to wait for."""
    written = await watch.store_position()
    _say_how_far_behind(watch, written, await watch.progress(), response)
    return watch.read_models


def _say_how_far_behind(
    watch: ReadModelsWatch, written: int, progress: Progress, response: Response
) -> None:
    lag = watch.lag(written, progress.position)
    if lag.events > 0:
        # Better a slightly stale answer, said plainly, than no answer.
        response.headers[BEHIND_HEADER] = str(lag.events)


FreshReads = Annotated[ReadModels, Depends(fresh_read_models)]
CurrentReads = Annotated[ReadModels, Depends(current_read_models)]


def may_read_journey(user: User, journey: JourneyView) -> bool:
    return policy.may(
        user.actor, Action.READ_RECORD, About.journey(journey.trainer_id, journey.expert_id)
    )


def require_trainer_reader(user: User, read: ReadModels, trainer_id: str) -> None:
    """hq and auditors read anyone; a trainer themselves; an expert their candidates
    (domain/policy.py). NotPermitted otherwise."""
    about = About(trainer_id=trainer_id)
    supervising = Relation.SUPERVISING_EXPERT
    # Who supervises the trainer is looked up only when that could let the user in.
    if not policy.may(user.actor, Action.READ_RECORD, about) and supervising in (
        policy.relations_granting(user.role, Action.READ_RECORD)
    ):
        experts = frozenset(j.expert_id for j in journeys_of_trainer(read, trainer_id))
        about = About(trainer_id, supervisors=experts)
    policy.require(user.actor, Action.READ_RECORD, about)
