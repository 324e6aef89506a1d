"""A certified trainer's standing: training records, removal, reinstatement; and materials."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from domain.policy import Action
from domain.trainer.steps import StandingStep
from domain.values import Material, Module
from service.app.accounts import User
from service.app.idempotency import StoredResponse
from service.http.deps import Idempotent, ServicesDep, allowed_to
from service.http.parameters import TrainerId
from service.http.responses import respond
from service.http.schemas import (
    MaterialOpened,
    Reinstate,
    RemoveForCause,
    SubmitTrainingRecord,
    TrainerAnswer,
    refusals,
    trainer_body,
)

router = APIRouter(prefix="/trainers/{trainer_id}", tags=["standing"])

Recorders = Annotated[User, Depends(allowed_to(Action.SUBMIT_TRAINING_RECORD))]
Removers = Annotated[User, Depends(allowed_to(Action.REMOVE_FOR_CAUSE))]
Reinstaters = Annotated[User, Depends(allowed_to(Action.REINSTATE))]
MaterialReaders = Annotated[User, Depends(allowed_to(Action.OPEN_MATERIALS))]
REFUSALS = refusals(
    e403="Wrong role, or not the trainer themselves",
    e404="No such trainer",
    e409="Not allowed for the trainer's standing now; `detail` says why",
    e422="Malformed input",
)
TRAINER_ANSWER = {**REFUSALS, 200: {"model": TrainerAnswer, "description": "The trainer after it"}}


async def _standing_step(
    trainer_id: str, step: StandingStep, user: User, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    async def call(command_id: str) -> StoredResponse:
        trainer = await run_in_threadpool(services.certification.trainer, trainer_id)
        state = await services.steps.take_standing_step(trainer, step, user.actor, command_id)
        return StoredResponse(200, trainer_body(state))

    return respond(await idem.run(call))


@router.post("/training-records", responses=TRAINER_ANSWER)
async def submit_training_record(
    trainer_id: TrainerId,
    step: SubmitTrainingRecord,
    user: Recorders,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Submit the record of a training of enterprises; restarts the activity clock
    (the inactivity period in force: 12 months unless a policy version says otherwise)."""
    return await _standing_step(trainer_id, step.step(), user, services, idem)


@router.post("/removal", responses=TRAINER_ANSWER)
async def remove_for_cause(
    trainer_id: TrainerId,
    step: RemoveForCause,
    user: Removers,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Remove a trainer from the list for cause (copyright or conduct), with the reason."""
    return await _standing_step(trainer_id, step.step(), user, services, idem)


@router.post("/reinstatement", responses=TRAINER_ANSWER)
async def reinstate(
    trainer_id: TrainerId,
    step: Reinstate,
    user: Reinstaters,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Put a delisted trainer back on the list; the activity clock restarts."""
    return await _standing_step(trainer_id, step.step(), user, services, idem)


@router.post(
    "/materials/{module}/{material}",
    responses={**REFUSALS, 200: {"model": MaterialOpened, "description": "Access granted"}},
)
async def open_materials(
    trainer_id: TrainerId,
    module: Module,
    material: Material,
    user: MaterialReaders,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Open a training material; only listed trainers, only for modules they hold."""

    async def call(command_id: str) -> StoredResponse:
        await run_in_threadpool(
            services.certification.open_materials,
            trainer_id,
            module,
            material,
            user.actor,
            command_id,
            datetime.now(UTC),
        )
        # The documents live on the ILO knowledge-sharing platform; this service decides who
        # may open them and keeps each opening on record.
        opened = MaterialOpened(
            module=module, module_name=module.full_name, material=material.value, granted=True
        )
        return StoredResponse(200, opened.model_dump(mode="json"))

    return respond(await idem.run(call))
