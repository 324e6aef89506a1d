"""Journeys: enrolment and every step, each through the journey workflow's updates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from domain.journey.steps import Certify, DeliverClassroomWorkshop, JourneyStep, RecordToTResult
from domain.policy import Action
from service.app.accounts import User
from service.app.idempotency import StoredResponse
from service.http.answers import journey_answer
from service.http.deps import Idempotent, ServicesDep, allowed_to
from service.http.parameters import JourneyId
from service.http.responses import respond
from service.http.schemas import (
    AssessCycle,
    CorrectStep,
    Enrol,
    JourneyAnswer,
    ReassignExpert,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    ReportProgress,
    SelectEnterprise,
    Withdraw,
    refusals,
)

router = APIRouter(prefix="/journeys", tags=["journeys"])

# Each door lets in the roles domain/policy.py grants the step; the domain checks the relation.
Enrollers = Annotated[User, Depends(allowed_to(Action.ENROL))]
Reassigners = Annotated[User, Depends(allowed_to(Action.REASSIGN_EXPERT))]
ToTResultRecorders = Annotated[User, Depends(allowed_to(Action.RECORD_TOT_RESULT))]
Selectors = Annotated[User, Depends(allowed_to(Action.SELECT_ENTERPRISE))]
BaselineRecorders = Annotated[User, Depends(allowed_to(Action.RECORD_BASELINE_ASSESSMENT))]
ClassroomRecorders = Annotated[User, Depends(allowed_to(Action.DELIVER_CLASSROOM_WORKSHOP))]
VisitRecorders = Annotated[User, Depends(allowed_to(Action.RECORD_COACHING_VISIT))]
Reporters = Annotated[User, Depends(allowed_to(Action.REPORT_PROGRESS))]
Assessors = Annotated[User, Depends(allowed_to(Action.ASSESS_CYCLE))]
Certifiers = Annotated[User, Depends(allowed_to(Action.CERTIFY))]
Withdrawers = Annotated[User, Depends(allowed_to(Action.WITHDRAW))]
Correctors = Annotated[User, Depends(allowed_to(Action.AMEND_STEP))]  # voiding: the same roles
REFUSALS = refusals(
    e403="Wrong role, or not the candidate's expert / the candidate",
    e404="No such journey",
    e409="The step is not allowed now; `detail` says why",
    e422="Malformed input",
)
# What comes next, as `GET /journeys/{id}` says it.
AFTER = (
    ", with `next_action` (the sentence) and `next_step` (the same as data: who, the step, "
    "the enterprise, the day it is due)"
)
STEP_ANSWER = {
    **REFUSALS,
    200: {"model": JourneyAnswer, "description": "The journey after it" + AFTER},
}
ENROLLED = {**REFUSALS, 201: {"model": JourneyAnswer, "description": "The new journey" + AFTER}}


@router.post("", status_code=201, responses=ENROLLED)
async def enrol(
    body: Enrol, user: Enrollers, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Enrol a candidate in a ToT workshop: starts the journey workflow with its first step."""

    async def call(command_id: str) -> StoredResponse:
        # A country office's candidate and workshop outside its countries: 404, as unknown.
        await run_in_threadpool(
            services.certification.require_within_reach,
            user.actor,
            trainer_id=body.trainer_id,
            workshop_id=body.workshop_id,
        )
        state = await services.steps.enrol(
            body.trainer_id, body.workshop_id, user.actor, command_id, body.backdated_reason
        )
        return StoredResponse(201, await journey_answer(services, state))

    return respond(await idem.run(call))


async def _take(
    journey_id: str, step: JourneyStep, user: User, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    async def call(command_id: str) -> StoredResponse:
        state = await services.steps.take_step(journey_id, step, user.actor, command_id)
        return StoredResponse(200, await journey_answer(services, state))

    return respond(await idem.run(call))


@router.post("/{journey_id}/tot-result", responses=STEP_ANSWER)
async def record_tot_result(
    journey_id: JourneyId,
    step: RecordToTResult,
    user: ToTResultRecorders,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """The expert records attendance and the ToT result (not completed ends the journey)."""
    return await _take(journey_id, step, user, services, idem)


@router.post("/{journey_id}/enterprises", responses=STEP_ANSWER)
async def select_enterprise(
    journey_id: JourneyId,
    step: SelectEnterprise,
    user: Selectors,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Select an enterprise (SME) for the current ToE cycle."""
    return await _take(journey_id, step.step(), user, services, idem)


@router.post("/{journey_id}/baseline-assessments", responses=STEP_ANSWER)
async def record_baseline_assessment(
    journey_id: JourneyId,
    step: RecordBaselineAssessment,
    user: BaselineRecorders,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Record the baseline assessment visit of a selected enterprise, with its indicators."""
    return await _take(journey_id, step.step(), user, services, idem)


@router.post("/{journey_id}/classroom-workshop", responses=STEP_ANSWER)
async def deliver_classroom_workshop(
    journey_id: JourneyId,
    step: DeliverClassroomWorkshop,
    user: ClassroomRecorders,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Record the ToE classroom workshop: date, managers, workers and how many are women."""
    return await _take(journey_id, step, user, services, idem)


@router.post("/{journey_id}/coaching-visits", responses=STEP_ANSWER)
async def record_coaching_visit(
    journey_id: JourneyId,
    step: RecordCoachingVisit,
    user: VisitRecorders,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Record an on-site coaching visit to a selected, assessed enterprise."""
    return await _take(journey_id, step.step(), user, services, idem)


@router.post("/{journey_id}/progress-reports", responses=STEP_ANSWER)
async def report_progress(
    journey_id: JourneyId,
    step: ReportProgress,
    user: Reporters,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Report an enterprise's progress (current indicator values) to the expert."""
    return await _take(journey_id, step.step(), user, services, idem)


@router.post("/{journey_id}/assessment", responses=STEP_ANSWER)
async def assess_cycle(
    journey_id: JourneyId,
    step: AssessCycle,
    user: Assessors,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """The expert assesses the complete ToE cycle: recommended, provisional or not_recommended."""
    return await _take(journey_id, step.step(), user, services, idem)


@router.post("/{journey_id}/certification", responses=STEP_ANSWER)
async def certify(
    journey_id: JourneyId, user: Certifiers, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """The programme office certifies a recommended candidate."""
    return await _take(journey_id, Certify(), user, services, idem)


@router.post("/{journey_id}/withdrawal", responses=STEP_ANSWER)
async def withdraw(
    journey_id: JourneyId,
    step: Withdraw,
    user: Withdrawers,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Withdraw the journey before certification; the reason is kept on record."""
    return await _take(journey_id, step.step(), user, services, idem)


@router.post("/{journey_id}/expert", responses=STEP_ANSWER)
async def reassign_expert(
    journey_id: JourneyId,
    step: ReassignExpert,
    user: Reassigners,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Move the candidate to another expert trainer, with the reason; from then on only the
    new expert acts on the journey."""
    return await _take(journey_id, step.step(), user, services, idem)


@router.post("/{journey_id}/corrections", responses=STEP_ANSWER)
async def correct_step(
    journey_id: JourneyId,
    body: CorrectStep,
    user: Correctors,
    services: ServicesDep,
    idem: Idempotent,
) -> JSONResponse:
    """Amend a recorded ToE step (a wrong date, indicator, count or note) or void it, with
    the reason: by whoever recorded it, the candidate's expert or the programme office, while
    the journey is open. Once it has ended (certified, withdrawn…) nobody corrects it: 409
    `correction_after_close` (its certificate and the trainer's record rest on it). The rules
    are judged again on the corrected record: 409 with the rule's reason when the correction
    would break one. The journey's `recorded` steps give each step's `version`."""
    return await _take(journey_id, body.step(), user, services, idem)
