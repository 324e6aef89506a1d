"""The programme office's registers: trainers and experts, ToT workshops, enterprises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from domain.enterprise import EnterpriseDetails, EnterpriseState
from domain.policy import Action
from domain.trainer.rules import DetailsEdit
from domain.workshop import WorkshopPlan, WorkshopState
from service.app.accounts import User
from service.app.idempotency import StoredResponse
from service.http.deps import Idempotent, ServicesDep, allowed_to
from service.http.parameters import TrainerId
from service.http.responses import respond
from service.http.schemas import (
    EditTrainer,
    MergeTrainers,
    RegisterEnterprise,
    RegisterTrainer,
    ScheduleWorkshop,
    TrainerAnswer,
    refusals,
    trainer_body,
)

router = APIRouter(tags=["registers"])

TrainerRegistrars = Annotated[User, Depends(allowed_to(Action.REGISTER_TRAINER))]
TrainerEditors = Annotated[User, Depends(allowed_to(Action.EDIT_TRAINER))]
Mergers = Annotated[User, Depends(allowed_to(Action.MERGE_TRAINERS))]
Schedulers = Annotated[User, Depends(allowed_to(Action.SCHEDULE_WORKSHOP))]
EnterpriseRegistrars = Annotated[User, Depends(allowed_to(Action.REGISTER_ENTERPRISE))]
REFUSALS = refusals(
    e403="Wrong role",
    e409="Already registered; `detail` says which",
    e422="Malformed input",
)


def now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "/trainers",
    status_code=201,
    responses={**REFUSALS, 201: {"model": TrainerAnswer, "description": "Registered"}},
)
async def register_trainer(
    body: RegisterTrainer, user: TrainerRegistrars, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Register a trainer candidate, or (is_expert) an expert trainer."""

    async def call(command_id: str) -> StoredResponse:
        result = await run_in_threadpool(
            services.certification.register_trainer,
            body.name,
            str(body.email),
            body.country,
            user.actor,
            command_id,
            now(),
            is_expert=body.is_expert,
        )
        return StoredResponse(201, trainer_body(result.state))

    return respond(await idem.run(call))


@router.patch(
    "/trainers/{trainer_id}",
    responses={
        **refusals(
            e403="Wrong role",
            e404="No such trainer",
            e409="The new e-mail belongs to another trainer",
            e422="Malformed input, or nothing to change",
        ),
        200: {"model": TrainerAnswer, "description": "The trainer with their new details"},
    },
)
async def edit_trainer(
    trainer_id: TrainerId,
    body: EditTrainer,
    user: TrainerEditors,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Correct a trainer's name or change their e-mail; their id and history stay theirs."""
    edit = DetailsEdit(body.name, None if body.email is None else str(body.email))

    async def call(command_id: str) -> StoredResponse:
        result = await run_in_threadpool(
            services.certification.edit_trainer, trainer_id, edit, user.actor, command_id, now()
        )
        return StoredResponse(200, trainer_body(result.state))

    return respond(await idem.run(call))


@router.post(
    "/trainers/{trainer_id}/merge",
    responses={
        **refusals(
            e403="Wrong role",
            e404="No such trainer (either record)",
            e409="The merge would break a rule; `detail` says what to settle first",
            e422="Malformed input",
        ),
        200: {"model": TrainerAnswer, "description": "The person, with the merged record"},
    },
)
async def merge_trainers(
    trainer_id: TrainerId,
    body: MergeTrainers,
    user: Mergers,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Merge another record of the same person into this one; both histories are kept, and
    the merged record's id, e-mail and journeys lead to this one."""

    async def call(command_id: str) -> StoredResponse:
        result = await run_in_threadpool(
            services.certification.merge_trainers,
            trainer_id,
            body.merged_id,
            body.reason,
            user.actor,
            command_id,
            now(),
        )
        return StoredResponse(200, trainer_body(result.state))

    return respond(await idem.run(call))


@router.post(
    "/workshops",
    status_code=201,
    responses={**REFUSALS, 201: {"model": WorkshopState, "description": "Scheduled"}},
)
async def schedule_workshop(
    body: ScheduleWorkshop, user: Schedulers, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Schedule a ToT workshop for a module, run by an expert trainer."""
    plan = WorkshopPlan(
        body.module,
        body.code,
        body.starts_on,
        body.ends_on,
        body.venue,
        body.country,
        body.expert_id,
    )

    async def call(command_id: str) -> StoredResponse:
        result = await run_in_threadpool(
            services.certification.schedule_workshop, plan, user.actor, command_id, now()
        )
        return StoredResponse(201, jsonable_encoder(result.state))

    return respond(await idem.run(call))


@router.post(
    "/enterprises",
    status_code=201,
    responses={**REFUSALS, 201: {"model": EnterpriseState, "description": "Registered"}},
)
async def register_enterprise(
    body: RegisterEnterprise, user: EnterpriseRegistrars, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Register an enterprise; one outside 50–250 employees is accepted with a warning."""
    details = EnterpriseDetails(
        body.name, body.country, body.sector, body.employees, body.women_employees
    )

    async def call(command_id: str) -> StoredResponse:
        result = await run_in_threadpool(
            services.certification.register_enterprise, details, user.actor, command_id, now()
        )
        return StoredResponse(201, jsonable_encoder(result.state))

    return respond(await idem.run(call))
