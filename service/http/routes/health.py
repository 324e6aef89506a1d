"""Liveness and readiness.

* `/health/live`: the process answers (no I/O) — restart it if not.
* `/health/ready` (and `/health`, for clients that used it before): whether it can serve.
  It answers **200 while the event store is reachable**, even when the read models are stale
  or the projector is stuck: writes and public certificate checks still work then, and a
  stuck projector must not take every API replica out of service. `status` says `degraded`
  and `projector` says why. Only when the event store cannot be reached does it answer 503.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from projections.status import Stuck
from service.http.deps import ServicesDep
from service.http.errors import Problem
from service.http.reading import Watch

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"] = Field(description="The process is up; nothing else was checked.")


class ProjectorHealth(BaseModel):
    status: Literal["ok", "behind", "stuck", "unknown"] = Field(
        description="`ok`: the read models hold every event, or are catching up within the "
        "read-your-writes wait; `behind`: they have lacked an event for longer than that "
        "(projector stopped or too slow); `stuck`: the projector cannot project the event at "
        "`stuck_at` and waits for a repair (see `reason`); `unknown`: the read models could not "
        "be read."
    )
    behind_seconds: float | None = Field(
        description="For how long the read models have lacked an event the store held (as "
        "seen by this API process); null when they hold every event."
    )
    stuck_at: int | None = Field(description="Position of the event it cannot project.")
    reason: str | None = Field(description="Why it cannot (the error, first line).")
    since: datetime | None = Field(description="When it first failed at `stuck_at`.")
    checked_at: datetime | None = Field(description="Its latest attempt (it retries).")


class SkippedEvent(BaseModel):
    """An event the read models leave out, by an operator's recorded decision."""

    position: int
    event_type: str = Field(description="The stored event's type (its topic's class name).")
    reason: str
    skipped_at: datetime


class Readiness(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="`degraded`: reads may be stale (see `projector`); writes and public "
        "certificate checks work either way."
    )
    reads: Literal["ok", "degraded"] = Field(description="Whether reads are up to date.")
    events: int = Field(description="The event store's latest position (notification id).")
    read_models_at: int | None = Field(description="The position the read models hold.")
    lag: int | None = Field(description="How many positions the read models lack.")
    projector: ProjectorHealth
    skipped_events: list[SkippedEvent] = Field(
        description="Events the read models leave out (`score projector skip`)."
    )


@router.get("/health/live")
async def live() -> Liveness:
    """The process is up (no database is touched): restart it only if this fails."""
    return Liveness(status="ok")


@router.get(
    "/health/ready",
    response_model=Readiness,
    responses={503: {"model": Problem, "description": "The event store cannot be reached."}},
)
async def ready(services: ServicesDep, watch: Watch) -> Readiness | JSONResponse:
    """Whether it can serve: 200 while the event store answers (reads may be `degraded`)."""
    try:
        written, progress, skipped = await watch.readiness()
    except Exception as error:
        log.warning("health: the event store cannot be reached: %s", error)
        body = Problem(detail="The event store cannot be reached.", error="Unavailable")
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    if isinstance(progress, Exception):
        log.warning("health: the read models cannot be read: %s", progress)
        unknown = ProjectorHealth(
            status="unknown",
            behind_seconds=None,
            stuck_at=None,
            reason="The read models cannot be read.",
            since=None,
            checked_at=None,
        )
        return Readiness(
            status="degraded",
            reads="degraded",
            events=written,
            read_models_at=None,
            lag=None,
            projector=unknown,
            skipped_events=[],
        )
    lag = watch.lag(written, progress.position)
    grace = services.settings.read_your_writes_timeout_seconds
    projector = _projector(progress.stuck, lag.seconds, grace)
    reads: Literal["ok", "degraded"] = "ok" if projector.status == "ok" else "degraded"
    return Readiness(
        status=reads,
        reads=reads,
        events=written,
        read_models_at=progress.position,
        lag=lag.events,
        projector=projector,
        skipped_events=[
            SkippedEvent(
                position=s.position,
                event_type=s.topic.rpartition(":")[2],
                reason=s.reason,
                skipped_at=s.skipped_at,
            )
            for s in skipped.skips
        ],
    )


@router.get(
    "/health",
    response_model=Readiness,
    responses={503: {"model": Problem, "description": "The event store cannot be reached."}},
)
async def health(services: ServicesDep, watch: Watch) -> Readiness | JSONResponse:
    """The same as `/health/ready`, kept for the clients that call it."""
    return await ready(services, watch)


def _projector(stuck: Stuck | None, behind_seconds: float | None, grace: float) -> ProjectorHealth:
    if stuck is not None:
        return ProjectorHealth(
            status="stuck",
            behind_seconds=behind_seconds,
            stuck_at=stuck.position,
            reason=stuck.reason,
            since=stuck.since,
            checked_at=stuck.checked_at,
        )
    # Catching up within the time a read waits for it is how the projector always works.
    behind = behind_seconds is not None and behind_seconds > grace
    return ProjectorHealth(
        status="behind" if behind else "ok",
        behind_seconds=behind_seconds,
        stuck_at=None,
        reason=None,
        since=None,
        checked_at=None,
    )
