"""A journey's page: where it stands, its timeline by ToE cycle, and its next steps as forms.

Each form has exactly the fields of its step and is sent to the same `Steps` port as the JSON
API's step endpoints (so through the journey's workflow and its rules); a refusal is shown
beside the form that was sent, in the reader's language, with what was typed kept.

Each recorded ToE step that whoever reads may correct (its recorder, the candidate's expert,
the office) has a form to amend or void it, with the reason, sent by the same port as the
JSON API's `POST /journeys/{id}/corrections`; a refusal is shown beside that step's form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain import policy
from domain.errors import DomainError, InvalidInput
from domain.indicators import Indicator
from domain.journey.next_steps import StepOpen, open_steps
from domain.journey.state import JourneyState
from domain.journey.steps import CORRECTABLE, JourneyStep
from domain.policy import About, Action
from projections import queries
from service.app.idempotency import StoredResponse
from service.app.refusals import refusal_body
from service.http.answers import enterprise_names, journey_answer, next_step, stall_period
from service.http.pages.kit import Page, PageRefused, SignedIn, form_values
from service.http.pages.refusals import ReadableRefusal
from service.http.pages.step_forms import (
    INDICATOR_FIELD,
    STEP_KINDS,
    FormProblems,
    correction_from_form,
    step_from_form,
)
from service.http.pages.timeline import timeline
from service.http.reading import fresh_read_models, read_models_watch

router = APIRouter(include_in_schema=False)
CORRECTION = "correction"  # a SentForm's kind for a correction; its step's version in values


@dataclass(frozen=True)
class SentForm:
    """The form a refusal answers: which step, about which enterprise, and what was typed."""

    kind: str
    enterprise_id: str | None
    values: dict[str, str]
    refusal: ReadableRefusal

    def answers(self, step: StepOpen) -> bool:
        if self.kind == CORRECTION:
            return False
        return step.kind == self.kind and (
            step.enterprise_id is None or step.enterprise_id == self.enterprise_id
        )


@router.get("/journey/{journey_id}")
async def journey_page(journey_id: str, page: SignedIn, done: str = "") -> Response:
    state = await _readable_journey(page, journey_id)
    return await _render(page, state, done=done if done in {*STEP_KINDS, CORRECTION} else "")


@router.post("/journey/{journey_id}/steps/{kind}")
async def take_step(journey_id: str, kind: str, page: SignedIn) -> Response:
    """A step by form: checked, sent once per rendered form, answered by the journey page."""
    form = await page.form()
    values = dict(form_values(form))
    state = await _readable_journey(page, journey_id)
    if kind not in STEP_KINDS:
        raise PageRefused(404, page.gettext("There is no such step."))
    page.require(Action(kind), About.journey(state.trainer_id, state.expert_id))
    try:
        step = step_from_form(kind, values, page.language)
    except FormProblems as wrong:
        said = ReadableRefusal(
            page.gettext("Check the fields below."),
            tuple(f"{field}: {problem}" for field, problem in wrong.problems.items()),
        )
        sent = SentForm(kind, values.get("enterprise_id"), values, said)
        return await _render(page, state, sent=sent, status=422)

    return await _send(page, form, journey_id, step, kind, values)


@router.post("/journey/{journey_id}/corrections")
async def correct_step(journey_id: str, page: SignedIn) -> Response:
    """A recorded step amended or voided by form, with the reason; the journey's rules judge
    who may (its recorder among them) and whether the corrected record still holds."""
    form = await page.form()
    values = dict(form_values(form))
    state = await _readable_journey(page, journey_id)
    page.at_the_door(Action.AMEND_STEP)  # as the API: the journey's rules judge the rest
    try:
        correction = correction_from_form(values, page.language)
    except FormProblems as wrong:
        said = ReadableRefusal(
            page.gettext("Check the fields below."),
            tuple(f"{field}: {problem}" for field, problem in wrong.problems.items()),
        )
        return await _render(page, state, sent=SentForm(CORRECTION, None, values, said), status=422)
    except InvalidInput as invalid:
        said = page.refusal(StoredResponse(422, refusal_body(invalid)))
        return await _render(page, state, sent=SentForm(CORRECTION, None, values, said), status=422)
    return await _send(page, form, journey_id, correction, CORRECTION, values)


async def _send(
    page: Page,
    form: FormData,
    journey_id: str,
    step: JourneyStep,
    kind: str,
    values: dict[str, str],
) -> Response:
    """The step sent once per rendered form; the journey page again, with a refusal beside
    the form sent."""
    user = page.signed_in_user()

    async def call(command_id: str) -> StoredResponse:
        taken = await page.services.steps.take_step(journey_id, step, user.actor, command_id)
        return StoredResponse(200, await journey_answer(page.services, taken))

    outcome = await page.submitted(form, call)  # 503: send it again
    if outcome.status_code < 400:
        return page.redirect(f"/journey/{journey_id}", done=kind)
    fresh = await _readable_journey(page, journey_id)
    names = await run_in_threadpool(enterprise_names, page.services.certification, fresh)
    sent = SentForm(kind, values.get("enterprise_id"), values, page.refusal(outcome, names))
    return await _render(page, fresh, sent=sent, status=outcome.status_code)


async def _readable_journey(page: Page, journey_id: str) -> JourneyState:
    """The journey from the event store, if this user may read it (else a 403/404 page)."""
    user = page.signed_in_user()
    certification = page.services.certification
    try:
        state = await run_in_threadpool(certification.journey, journey_id)
        # A country office reads journeys of its countries only, as the JSON API's door.
        await run_in_threadpool(
            certification.require_within_reach, user.actor, journey_id=journey_id
        )
    except DomainError:
        raise PageRefused(404, page.gettext("There is no such journey.")) from None
    page.require(Action.READ_RECORD, About.journey(state.trainer_id, state.expert_id))
    return state


async def _render(
    page: Page, state: JourneyState, done: str = "", sent: SentForm | None = None, status: int = 200
) -> Response:
    services = page.services
    user = page.signed_in_user()
    history = await run_in_threadpool(timeline, services.certification, state.journey_id)
    stall = await run_in_threadpool(stall_period, services)
    waiting = await run_in_threadpool(next_step, services, state, stall)
    names = await run_in_threadpool(enterprise_names, services.certification, state)
    trainer = await run_in_threadpool(services.certification.trainer, state.trainer_id)
    about = About.journey(state.trainer_id, state.expert_id)
    steps = [s for s in open_steps(state) if policy.may(user.actor, Action(s.kind), about)]
    selectable = await _selectable_enterprises(page, state) if _selects(steps) else []
    correctable = [
        r
        for r in state.recorded
        if state.is_open
        and isinstance(r.step, CORRECTABLE)
        and not r.voided
        and policy.may(user.actor, Action.AMEND_STEP, replace(about, recorded_by=r.recorded_by))
    ]
    return page.render(
        "journey.html",
        status=status,
        title=page.gettext("Journey of %(name)s", name=trainer.name),
        journey=state,
        trainer_name=trainer.name,
        certificate_number=trainer.certificate_number,
        history=history,
        names=names,
        waiting=waiting,
        today=date.today(),
        steps=steps,
        selectable=selectable,
        indicators=[i.value for i in Indicator],
        indicator_field=INDICATOR_FIELD,
        done=done,
        sent=sent,
        correctable=correctable,
    )


def _selects(steps: list[StepOpen]) -> bool:
    return any(step.kind == "select_enterprise" for step in steps)


async def _selectable_enterprises(page: Page, state: JourneyState) -> list[Any]:
    """Registered enterprises not yet selected in the cycle, as the read models know them
    (after they caught up with every write, such as the enterprise just registered)."""
    watch = read_models_watch(page.request, page.services)
    read = await fresh_read_models(page.services, watch, Response())
    chosen = {e.enterprise_id for e in state.cycle.enterprises} if state.cycle else set()
    every = await run_in_threadpool(queries.enterprises, read)
    return sorted((e for e in every if e.enterprise_id not in chosen), key=lambda e: e.name)
