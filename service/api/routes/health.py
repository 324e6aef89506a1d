"""Liveness, and how far the read models are behind the event store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from service.api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(services: ServicesDep) -> dict[str, Any]:
    """Up, with the event store's position and the read models' position."""
    written = await run_in_threadpool(services.certification.recorder.max_notification_id)
    projected = await run_in_threadpool(services.read_models.position)
    return {"status": "ok", "events": written or 0, "read_models_at": projected}
