"""The programme office's registers: trainers and experts, ToT workshops, enterprises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from domain.enterprise import EnterpriseDetails, EnterpriseEdit, EnterpriseState
from domain.errors import InvalidInput
from domain.policy import Action
from domain.trainer.rules import DetailsEdit
from domain.values import Actor
from domain.workshop import Reschedule, WorkshopState
from service.app.accounts import User
from service.app.certification import Result
from service.app.idempotency import StoredResponse
from service.http.deps import Idempotent, ServicesDep, allowed_to
from service.http.parameters import EnterpriseId, TrainerId, WorkshopId
from service.http.responses import respond
from service.http.schemas import (
    CancelWorkshop,
    EditEnterprise,
    EditTrainer,
    ErasePersonalData,
    MergeTrainers,
    RegisterEnterprise,
    RegisterTrainer,
    RescheduleWorkshop,
    ScheduleWorkshop,
    TrainerAnswer,
    refusals,
    trainer_body,
)

router = APIRouter(tags=["registers"])

TrainerRegistrars = Annotated[User, Depends(allowed_to(Action.REGISTER_TRAINER))]
TrainerEditors = Annotated[User, Depends(allowed_to(Action.EDIT_TRAINER))]
Mergers = Annotated[User, Depends(allowed_to(Action.MERGE_TRAINERS))]
Erasers = Annotated[User, Depends(allowed_to(Action.ERASE_PERSONAL_DATA))]
Schedulers = Annotated[User, Depends(allowed_to(Action.SCHEDULE_WORKSHOP))]
WorkshopChangers = Annotated[User, Depends(allowed_to(Action.CHANGE_WORKSHOP))]
EnterpriseRegistrars = Annotated[User, Depends(allowed_to(Action.REGISTER_ENTERPRISE))]
EnterpriseEditors = Annotated[User, Depends(allowed_to(Action.EDIT_ENTERPRISE))]
REFUSALS = refusals(
    e403="Wrong role",
    e409="Already registered; `detail` says which",
    e422="Malformed input",
)


def now() -> datetime:
    return datetime.now(UTC)


async def recorded(
    idem: Idempotent,
    status: int,
    command: Callable[..., Result[Any]],
    *args: object,
    actor: Actor,
    answer: Callable[[Any], Any] = jsonable_encoder,
    **options: object,
) -> JSONResponse:
    """Run an application command under the request's Idempotency-Key: `args`, then the actor,
    the command id and the time, as every command of the application takes them; the answer
    is the state it left (kept for a retry)."""

    async def call(command_id: str) -> StoredResponse:
        result = await run_in_threadpool(command, *args, actor, command_id, now(), **options)
        return StoredResponse(status, answer(result.state))

    return respond(await idem.run(call))


@router.post(
    "/trainers",
    status_code=201,
    responses={**REFUSALS, 201: {"model": TrainerAnswer, "description": "Registered"}},
)
async def register_trainer(
    body: RegisterTrainer, user: TrainerRegistrars, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Register a trainer candidate, or (is_expert) an expert trainer."""
    return await recorded(
        idem,
        201,
        services.certification.register_trainer,
        body.name,
        str(body.email),
        body.country,
        actor=user.actor,
        answer=trainer_body,
        is_expert=body.is_expert,
    )


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

    return await recorded(
        idem,
        200,
        services.certification.edit_trainer,
        trainer_id,
        edit,
        actor=user.actor,
        answer=trainer_body,
    )


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
    the merged record's id, e-mail, journeys and logins lead to this one."""
    return await recorded(
        idem,
        200,
        services.people_logins.merge_trainers,  # the merged record's logins act as the person
        trainer_id,
        body.merged_id,
        body.reason,
        actor=user.actor,
        answer=trainer_body,
    )


@router.post(
    "/trainers/{trainer_id}/erasure",
    responses={
        **refusals(
            e403="Not headquarters",
            e404="No such trainer",
            e409="Erased already",
            e422="Malformed input",
        ),
        200: {"model": TrainerAnswer, "description": "The person, erased"},
    },
)
async def erase_personal_data(
    trainer_id: TrainerId,
    body: ErasePersonalData,
    user: Erasers,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Erase the person's personal data on their request (docs/personal-data.md): their name
    and e-mail read "[erased]" everywhere from now on, they leave the public list, their
    credential is revoked and their login is deleted; the history keeps its facts and its
    hash chain still verifies."""
    if body.trainer_id != trainer_id:
        raise InvalidInput(
            f"trainer_id: the body names {body.trainer_id}, the path {trainer_id}; an erasure "
            "cannot be undone, so both must name the person erased."
        )
    return await recorded(
        idem,
        200,
        services.erasure.erase,
        trainer_id,
        body.reason,
        actor=user.actor,
        answer=trainer_body,
    )


@router.post(
    "/workshops",
    status_code=201,
    responses={**REFUSALS, 201: {"model": WorkshopState, "description": "Scheduled"}},
)
async def schedule_workshop(
    body: ScheduleWorkshop, user: Schedulers, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Schedule a ToT workshop for a module, run by an expert trainer."""
    return await recorded(
        idem, 201, services.certification.schedule_workshop, body.plan(), actor=user.actor
    )


@router.post(
    "/enterprises",
    status_code=201,
    responses={**REFUSALS, 201: {"model": EnterpriseState, "description": "Registered"}},
)
async def register_enterprise(
    body: RegisterEnterprise, user: EnterpriseRegistrars, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Register an enterprise; one outside the SME range in force (50–250 employees unless a
    policy version says otherwise) is accepted with a warning."""
    details = EnterpriseDetails(
        body.name, body.country, body.sector, body.employees, body.women_employees
    )

    return await recorded(
        idem, 201, services.certification.register_enterprise, details, actor=user.actor
    )


@router.patch(
    "/workshops/{workshop_id}",
    responses={
        **refusals(
            e403="Wrong role",
            e404="No such ToT workshop",
            e409="Cancelled, taken place, or new dates that would end it for its enrolled "
            "candidates; `detail` says which",
            e422="Malformed input, no reason, or nothing to change",
        ),
        200: {"model": WorkshopState, "description": "The workshop as rescheduled"},
    },
)
async def reschedule_workshop(
    workshop_id: WorkshopId,
    body: RescheduleWorkshop,
    user: WorkshopChangers,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Move a ToT workshop to new dates or another venue, with the reason. New dates keep it
    not yet ended while candidates are enrolled, and cannot change once a result is recorded."""
    change = Reschedule(body.reason, body.starts_on, body.ends_on, body.venue)

    return await recorded(
        idem, 200, services.certification.reschedule_workshop, workshop_id, change, actor=user.actor
    )


@router.post(
    "/workshops/{workshop_id}/cancellation",
    responses={
        **refusals(
            e403="Wrong role",
            e404="No such ToT workshop",
            e409="Candidates are enrolled in it (withdraw them first), or it was cancelled",
            e422="Malformed input, or no reason",
        ),
        200: {"model": WorkshopState, "description": "The workshop, cancelled"},
    },
)
async def cancel_workshop(
    workshop_id: WorkshopId,
    body: CancelWorkshop,
    user: WorkshopChangers,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Cancel a ToT workshop no candidate is enrolled in, with the reason; no one enrols in
    it after."""
    return await recorded(
        idem,
        200,
        services.certification.cancel_workshop,
        workshop_id,
        body.reason,
        actor=user.actor,
    )


@router.patch(
    "/enterprises/{enterprise_id}",
    responses={
        **refusals(
            e403="Wrong role",
            e404="No such enterprise",
            e409="Another enterprise of its country is registered under the new name",
            e422="Malformed input, counts that do not add up, or nothing to change",
        ),
        200: {"model": EnterpriseState, "description": "The enterprise with its new details"},
    },
)
async def edit_enterprise(
    enterprise_id: EnterpriseId,
    body: EditEnterprise,
    user: EnterpriseEditors,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Correct an enterprise's name, sector or employee counts (not its country); its id and
    history stay, and its size warning follows the new count."""
    edit = EnterpriseEdit(body.name, body.sector, body.employees, body.women_employees)

    return await recorded(
        idem, 200, services.certification.edit_enterprise, enterprise_id, edit, actor=user.actor
    )
