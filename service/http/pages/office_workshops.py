"""The office's ToT workshop pages: the list, scheduling one, and on a workshop's page
rescheduling, cancelling and enrolling a candidate.

Each form calls what its JSON endpoint calls (service/http/routes/registry.py: POST
/workshops, PATCH /workshops/{id}, POST /workshops/{id}/cancellation; routes/journeys.py:
POST /journeys), behind the same action and, for a country office, the same reach check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from domain import policy
from domain.errors import NotFound
from domain.policy import Action
from domain.values import Module
from domain.workshop import Reschedule, WorkshopState
from projections.queries import office, registers
from service.app.idempotency import StoredResponse
from service.http.pages.kit import Page, PageRefused, SignedIn, form_values
from service.http.pages.refusals import ReadableRefusal
from service.http.reading import FreshReads
from service.http.schemas import CancelWorkshop, Enrol, RescheduleWorkshop, ScheduleWorkshop

router = APIRouter(include_in_schema=False)
CHOICES = 200  # the experts or candidates a form offers


def people_of(page: Page, read: Any, status: office.PersonStatus) -> list[office.PersonRow]:
    """The experts or candidates the user may act on (a country office: its countries')."""
    user = page.signed_in_user()
    search = office.PeopleSearch(status=status, within=policy.countries_seen(user.actor))
    return office.search_people(read, search, 0, CHOICES).items


def within_reach(page: Page, **named: str) -> None:
    """As the JSON API's door: a record outside a country office's countries is not found."""
    user = page.signed_in_user()
    try:
        page.services.certification.require_within_reach(user.actor, **named)
    except NotFound:
        raise PageRefused(404, page.gettext("There is no such record.")) from None


def blank_to_none(values: dict[str, str]) -> dict[str, str | None]:
    """A field left empty leaves that detail as it is."""
    return {k: (v.strip() or None) for k, v in values.items()}


@router.get("/office/workshops")
async def workshops(page: SignedIn, read: FreshReads) -> Response:
    page.require(Action.SCHEDULE_WORKSHOP)
    return await _workshops_page(page, read, {}, None)


async def _workshops_page(
    page: Page,
    read: Any,
    values: dict[str, str],
    refusal: ReadableRefusal | None,
    status: int = 200,
) -> Response:
    user = page.signed_in_user()
    seen = policy.countries_seen(user.actor)
    listed = await run_in_threadpool(registers.workshops, read)
    experts = await run_in_threadpool(people_of, page, read, office.PersonStatus.EXPERT)
    return page.render(
        "office_workshops.html",
        status=status,
        title=page.gettext("ToT workshops"),
        workshops=[w for w in listed if seen is None or w.country in seen],
        experts=experts,
        modules=list(Module),
        values=values,
        refusal=refusal,
    )


@router.post("/office/workshops")
async def schedule(page: SignedIn) -> Response:
    """Schedule a ToT workshop for a module, run by an expert trainer."""
    read = page.services.read_models  # for the form again: its lists, as they are
    user = page.require(Action.SCHEDULE_WORKSHOP)
    form = await page.form()
    values = dict(form_values(form))
    try:
        body = ScheduleWorkshop.model_validate(values)
    except ValidationError as invalid:
        return await _workshops_page(page, read, values, page.wrong_fields(invalid), 422)
    plan = body.plan()
    scheduling = page.services.certification.schedule_workshop

    async def call(command_id: str) -> StoredResponse:
        now = datetime.now(UTC)
        done = await run_in_threadpool(scheduling, plan, user.actor, command_id, now)
        return StoredResponse(201, {"workshop_id": done.state.workshop_id})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        refusal = page.refusal(outcome)
        return await _workshops_page(page, read, values, refusal, outcome.status_code)
    return page.redirect(f"/office/workshops/{outcome.body['workshop_id']}")


@router.get("/office/workshops/{workshop_id}")
async def workshop_page(workshop_id: str, page: SignedIn, read: FreshReads) -> Response:
    page.require(Action.CHANGE_WORKSHOP)
    return await _workshop(page, read, workshop_id, None, None)


async def _workshop(
    page: Page,
    read: Any,
    workshop_id: str,
    refused: str | None,
    refusal: ReadableRefusal | None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    """The workshop as the event store holds it now, with its forms; `refused` names the
    form the refusal is shown beside, shown again with the `values` sent."""
    await run_in_threadpool(within_reach, page, workshop_id=workshop_id)
    workshop = await run_in_threadpool(_workshop_state, page, workshop_id)
    candidates = await run_in_threadpool(people_of, page, read, office.PersonStatus.CANDIDATE)
    return page.render(
        "office_workshop.html",
        status=status,
        title=page.gettext("ToT workshop %(code)s", code=workshop.plan.code),
        workshop=workshop,
        candidates=candidates,
        refused=refused,
        refusal=refusal,
        values=values or {},
    )


def _workshop_state(page: Page, workshop_id: str) -> WorkshopState:
    try:
        return page.services.certification.workshop(workshop_id)
    except NotFound:
        raise PageRefused(404, page.gettext("There is no such record.")) from None


@router.post("/office/workshops/{workshop_id}/{change}")
async def change_workshop(workshop_id: str, change: str, page: SignedIn) -> Response:
    """Reschedule (new dates or venue, with the reason) or cancel (with the reason) a
    workshop, or enrol a candidate in it."""
    read = page.services.read_models  # for the form again: its lists, as they are
    if change not in ("reschedule", "cancellation", "enrolment"):
        raise PageRefused(404, page.gettext("There is no such record."))
    user = page.require(Action.ENROL if change == "enrolment" else Action.CHANGE_WORKSHOP)
    await run_in_threadpool(within_reach, page, workshop_id=workshop_id)
    form = await page.form()
    values = dict(form_values(form))
    services = page.services
    certification = services.certification
    try:
        if change == "reschedule":
            moved = RescheduleWorkshop.model_validate(blank_to_none(values))
            plan = Reschedule(moved.reason, moved.starts_on, moved.ends_on, moved.venue)
        elif change == "cancellation":
            reason = CancelWorkshop.model_validate(values).reason
        else:
            enrolment = Enrol.model_validate({**blank_to_none(values), "workshop_id": workshop_id})
    except ValidationError as invalid:
        refusal = page.wrong_fields(invalid)
        return await _workshop(page, read, workshop_id, change, refusal, 422, values)

    async def call(command_id: str) -> StoredResponse:
        now = datetime.now(UTC)
        if change == "reschedule":
            await run_in_threadpool(
                certification.reschedule_workshop, workshop_id, plan, user.actor, command_id, now
            )
        elif change == "cancellation":
            await run_in_threadpool(
                certification.cancel_workshop, workshop_id, reason, user.actor, command_id, now
            )
        else:
            await run_in_threadpool(
                certification.require_within_reach, user.actor, trainer_id=enrolment.trainer_id
            )
            await services.steps.enrol(
                enrolment.trainer_id,
                workshop_id,
                user.actor,
                command_id,
                enrolment.backdated_reason,
            )
        return StoredResponse(200, {"workshop_id": workshop_id})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        refusal = page.refusal(outcome)
        status = outcome.status_code
        return await _workshop(page, read, workshop_id, change, refusal, status, values)
    return page.redirect(f"/office/workshops/{workshop_id}", done=change)
