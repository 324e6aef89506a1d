"""A person's page for the office: edit their name or e-mail, merge another record of the
same person into theirs, and move a candidate's open journey to another expert trainer.

Each form calls what its JSON endpoint calls (service/http/routes/registry.py: PATCH
/trainers/{id}, POST /trainers/{id}/merge; routes/journeys.py: POST /journeys/{id}/expert),
behind the same action and, for a country office, the same reach check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from domain.errors import NotFound
from domain.journey.state import JourneyState
from domain.policy import Action
from domain.trainer.rules import DetailsEdit
from domain.trainer.state import TrainerState
from projections.queries import office
from service.app.idempotency import StoredResponse
from service.http.pages.kit import Page, PageRefused, SignedIn, form_values
from service.http.pages.office_workshops import blank_to_none, people_of, within_reach
from service.http.pages.refusals import ReadableRefusal
from service.http.reading import FreshReads
from service.http.schemas import EditTrainer, MergeTrainers, ReassignExpert

router = APIRouter(include_in_schema=False)


@router.get("/office/people/{trainer_id}")
async def person(trainer_id: str, page: SignedIn, read: FreshReads) -> Response:
    page.require(Action.EDIT_TRAINER)
    return await _person(page, read, trainer_id, None, None)


async def _person(
    page: Page,
    read: Any,
    trainer_id: str,
    refused: str | None,
    refusal: ReadableRefusal | None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    """The person as the event store holds them now, with their open journeys and the forms;
    `refused` names the form the refusal is shown beside, shown again with the `values`
    sent."""
    await run_in_threadpool(within_reach, page, trainer_id=trainer_id)
    trainer, journeys = await run_in_threadpool(_trainer_and_journeys, page, trainer_id)
    experts = await run_in_threadpool(people_of, page, read, office.PersonStatus.EXPERT)
    return page.render(
        "office_person.html",
        status=status,
        title=trainer.name,
        trainer=trainer,
        journeys=journeys,
        experts={e.trainer_id: e.name for e in experts},
        refused=refused,
        refusal=refusal,
        values=values or {},
    )


def _trainer_and_journeys(page: Page, trainer_id: str) -> tuple[TrainerState, list[JourneyState]]:
    certification = page.services.certification
    try:
        trainer = certification.trainer(trainer_id)
    except NotFound:
        raise PageRefused(404, page.gettext("There is no such record.")) from None
    journeys = [certification.journey(j) for j in sorted(trainer.open_journeys.values())]
    return trainer, journeys


@router.post("/office/people/{trainer_id}/details")
async def edit_details(trainer_id: str, page: SignedIn) -> Response:
    """Edit the person's name or e-mail."""
    return await change_person(trainer_id, "details", page)


@router.post("/office/people/{trainer_id}/merge")
async def merge_record(trainer_id: str, page: SignedIn) -> Response:
    """Merge another record of the person into this one."""
    return await change_person(trainer_id, "merge", page)


# Named routes, not /office/people/{trainer_id}/{change}: that would also catch the person's
# other pages' forms (the erasure, the login) wherever its router is included first.
async def change_person(trainer_id: str, change: str, page: SignedIn) -> Response:
    """Edit the person's details, or merge another record of theirs into this one."""
    read = page.services.read_models  # for the form again: its lists, as they are
    user = page.require(Action.EDIT_TRAINER if change == "details" else Action.MERGE_TRAINERS)
    await run_in_threadpool(within_reach, page, trainer_id=trainer_id)
    form = await page.form()
    values = dict(form_values(form))
    services = page.services
    try:
        if change == "details":
            body = EditTrainer.model_validate(blank_to_none(values))
            edit = DetailsEdit(body.name, None if body.email is None else str(body.email))
        else:
            merge = MergeTrainers.model_validate(values)
    except ValidationError as invalid:
        refusal = page.wrong_fields(invalid)
        return await _person(page, read, trainer_id, change, refusal, 422, values)

    async def call(command_id: str) -> StoredResponse:
        now = datetime.now(UTC)
        if change == "details":
            await run_in_threadpool(
                services.certification.edit_trainer, trainer_id, edit, user.actor, command_id, now
            )
        else:
            await run_in_threadpool(
                services.people_logins.merge_trainers,  # the merged record's logins follow
                trainer_id,
                merge.merged_id,
                merge.reason,
                user.actor,
                command_id,
                now,
            )
        return StoredResponse(200, {"trainer_id": trainer_id})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        refusal = page.refusal(outcome)
        status = outcome.status_code
        return await _person(page, read, trainer_id, change, refusal, status, values)
    return page.redirect(f"/office/people/{trainer_id}", done=change)


@router.post("/office/journeys/{journey_id}/expert")
async def reassign_expert(journey_id: str, page: SignedIn) -> Response:
    """Move a candidate's journey to another expert trainer, with the reason."""
    read = page.services.read_models  # for the form again: its lists, as they are
    user = page.require(Action.REASSIGN_EXPERT)
    await run_in_threadpool(within_reach, page, journey_id=journey_id)
    journey = await run_in_threadpool(_journey, page, journey_id)
    form = await page.form()
    values = dict(form_values(form))
    services = page.services
    try:
        step = ReassignExpert.model_validate(values).step()
    except ValidationError as invalid:
        refusal = page.wrong_fields(invalid)
        return await _person(page, read, journey.trainer_id, journey_id, refusal, 422, values)

    async def call(command_id: str) -> StoredResponse:
        await services.steps.take_step(journey_id, step, user.actor, command_id)
        return StoredResponse(200, {"journey_id": journey_id})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        names = await run_in_threadpool(_names, page, (step.expert_id, journey.expert_id))
        refusal = page.refusal(outcome, names)
        status = outcome.status_code
        return await _person(page, read, journey.trainer_id, journey_id, refusal, status, values)
    return page.redirect(f"/office/people/{journey.trainer_id}", done="expert")


def _names(page: Page, trainer_ids: tuple[str, ...]) -> dict[str, str]:
    """The experts a refusal may name by their id, by their name."""
    names = {}
    for trainer_id in trainer_ids:
        try:
            names[trainer_id] = page.services.certification.trainer(trainer_id).name
        except NotFound:
            continue
    return names


def _journey(page: Page, journey_id: str) -> JourneyState:
    try:
        return page.services.certification.journey(journey_id)
    except NotFound:
        raise PageRefused(404, page.gettext("There is no such record.")) from None
