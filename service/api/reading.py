"""Reads come from the read models, after they caught up with every write already answered.

A write's response is sent after its event is committed; a read first notes the event store's
latest position and waits (briefly) for the projector to reach it. So an expert who advances a
step sees it on the very next read, without carrying positions around.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from domain.values import Role
from projections.queries import JourneyView, journeys_of_trainer
from projections.store import ReadModels, ReadModelsBehind
from service.accounts import User
from service.api.deps import ServicesDep


async def fresh_read_models(services: ServicesDep, response: Response) -> ReadModels:
    read: ReadModels = services.read_models
    written = await run_in_threadpool(services.certification.recorder.max_notification_id)
    try:
        timeout = services.settings.read_your_writes_timeout_seconds
        await run_in_threadpool(read.wait_for_position, written or 0, timeout)
    except ReadModelsBehind as behind:
        # Better a slightly stale answer, said plainly, than no answer.
        response.headers["X-Read-Models-Behind"] = str(behind.wanted - behind.reached)
    return read


FreshReads = Annotated[ReadModels, Depends(fresh_read_models)]


def may_read_journey(user: User, journey: JourneyView) -> bool:
    if user.role in {Role.HQ, Role.AUDITOR}:
        return True
    if user.role is Role.EXPERT:
        return user.trainer_id == journey.expert_id
    return user.role is Role.TRAINER and user.trainer_id == journey.trainer_id


def require_trainer_reader(user: User, read: ReadModels, trainer_id: str) -> None:
    """hq and auditors read anyone; a trainer themselves; an expert their candidates."""
    if user.role in {Role.HQ, Role.AUDITOR} or user.trainer_id == trainer_id:
        return
    if user.role is Role.EXPERT and any(
        j.expert_id == user.trainer_id for j in journeys_of_trainer(read, trainer_id)
    ):
        return
    raise HTTPException(403, "You may read only your own record, or your candidates' records.")
