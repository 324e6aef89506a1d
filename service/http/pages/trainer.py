"""A trainer's own pages (a candidate, or a certified trainer; experts are trainers too):
my journeys with what I must do next and by when, and my standing with the training-record
form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from domain.calendar import add_months
from domain.policy import About, Action
from domain.trainer.rules import inactive_from
from domain.trainer.state import Listing, TrainerState
from projections import queries
from projections.queries import ReadModels, registers
from service.app.idempotency import StoredResponse
from service.app.policies import configured_terms, policy_at
from service.http.answers import next_step, stall_period
from service.http.pages.kit import Page, PageRefused, SignedIn, form_values
from service.http.pages.refusals import ReadableRefusal
from service.http.reading import FreshReads
from service.http.schemas import NextStep, SubmitTrainingRecord, trainer_body

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class MyJourney:
    view: queries.JourneyView
    waiting: NextStep


@dataclass(frozen=True)
class Clock:
    """A certified trainer's yearly activity clock, as the standing's rules run it."""

    started_at: datetime
    next_reminder: datetime | None
    delisted_on: datetime


def _own_trainer_id(page: Page) -> str:
    user = page.signed_in_user()
    if user.trainer_id is None:
        raise PageRefused(403, page.gettext("These pages are for trainers and expert trainers."))
    page.require(Action.READ_RECORD, About(trainer_id=user.trainer_id))
    return user.trainer_id


@router.get("/me")
async def my_journeys(page: SignedIn, read: FreshReads) -> Response:
    trainer_id = _own_trainer_id(page)
    views = await run_in_threadpool(queries.journeys_of_trainer, read, trainer_id)
    profile = await run_in_threadpool(registers.trainer_profile, read, trainer_id)
    stall = await run_in_threadpool(stall_period, page.services)  # once for every journey
    journeys = [await run_in_threadpool(_mine, page, view, stall) for view in views]
    return page.render(
        "my_journeys.html", title=page.gettext("My journeys"), journeys=journeys, profile=profile
    )


def _mine(page: Page, view: queries.JourneyView, stall: timedelta) -> MyJourney:
    state = page.services.certification.journey(view.journey_id)
    return MyJourney(view, next_step(page.services, state, stall))


@router.get("/me/standing")
async def my_standing(page: SignedIn, read: FreshReads, done: str = "") -> Response:
    return await _render_standing(page, read, done=bool(done))


async def _render_standing(
    page: Page,
    read: ReadModels,
    values: dict[str, str] | None = None,
    refusal: ReadableRefusal | None = None,
    status: int = 200,
    done: bool = False,
) -> Response:
    trainer_id = _own_trainer_id(page)
    state = await run_in_threadpool(page.services.certification.trainer, trainer_id)
    standing = await run_in_threadpool(queries.standing, read, trainer_id)
    clock = await run_in_threadpool(_clock, page, state)  # reads the policy: not on the loop
    return page.render(
        "my_standing.html",
        status=status,
        title=page.gettext("My standing"),
        trainer=state,
        standing=standing,
        clock=clock,
        values=values or {},
        refusal=refusal,
        done=done,
    )


def _clock(page: Page, state: TrainerState) -> Clock | None:
    """The trainer's clock by the policy in force now (a version may change it later)."""
    standing = state.standing
    if standing is None or standing.listing is not Listing.LISTED:
        return None
    services = page.services
    now = datetime.now(UTC)
    _, terms = policy_at(services.certification, now, configured_terms(services.settings))
    due = [
        add_months(standing.clock_started_at, months)
        for months in sorted(terms.reminder_months)
        if months not in standing.reminders_sent
    ]
    delisted_on = inactive_from(standing, terms.inactive_after_months)
    return Clock(standing.clock_started_at, due[0] if due else None, delisted_on)


@router.post("/me/standing/training-records")
async def submit_training_record(page: SignedIn, read: FreshReads) -> Response:
    """A training record by form: restarts the yearly activity clock."""
    trainer_id = _own_trainer_id(page)
    user = page.require(Action.SUBMIT_TRAINING_RECORD, About(trainer_id=trainer_id))
    form = await page.form()
    values = dict(form_values(form))
    try:
        body = SubmitTrainingRecord.model_validate(
            {k: values.get(k, "") for k in SubmitTrainingRecord.model_fields}
        )
    except ValidationError as invalid:
        problems = tuple(f"{e['loc'][0]}: {e['msg']}" for e in invalid.errors())
        said = ReadableRefusal(page.gettext("Check the fields below."), problems)
        return await _render_standing(page, read, values, said, 422)

    async def call(command_id: str) -> StoredResponse:
        trainer = await run_in_threadpool(page.services.certification.trainer, trainer_id)
        state = await page.services.steps.take_standing_step(
            trainer, body.step(), user.actor, command_id
        )
        return StoredResponse(200, trainer_body(state))

    outcome = await page.submitted(form, call)  # 503: send it again
    if outcome.status_code >= 400:
        return await _render_standing(
            page, read, values, page.refusal(outcome), outcome.status_code
        )
    return page.redirect("/me/standing", done="training_record")
