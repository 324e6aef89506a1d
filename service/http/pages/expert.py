"""An expert trainer's pages: the worklist of their candidates, and registering an enterprise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Response
from fastapi.encoders import jsonable_encoder
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from domain import policy
from domain.enterprise import EnterpriseDetails
from domain.errors import DomainError
from domain.journey.state import Stage
from domain.policy import About, Action
from domain.size_warnings import SizeWarning
from domain.values import Actor, Module
from projections import queries
from service.app.idempotency import StoredResponse
from service.http.answers import next_step, stall_period
from service.http.pages.kit import SignedIn, form_values, safe_next
from service.http.pages.refusals import ReadableRefusal
from service.http.reading import FreshReads
from service.http.schemas import NextStep, RegisterEnterprise

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Row:
    """One candidate's journey on the worklist, with the step it waits for."""

    item: queries.WorklistItem
    waiting: NextStep


@router.get("/expert")
async def worklist(page: SignedIn, read: FreshReads, module: str = "", stage: str = "") -> Response:
    """My candidates, overdue first, each with its next step; filtered by module and stage."""
    user = page.require(Action.READ_WORKLIST)
    if user.trainer_id is None:  # the office and auditors read worklists on their own pages
        return page.redirect("/")
    stall = await run_in_threadpool(stall_period, page.services)
    items = await run_in_threadpool(
        queries.expert_worklist, read, user.trainer_id, datetime.now(UTC), stall
    )
    chosen_module = module if module in {m.value for m in Module} else ""
    chosen_stage = stage if stage in {s.value for s in Stage} else ""
    shown = [
        item
        for item in items
        if (not chosen_module or item.journey.module.value == chosen_module)
        and (not chosen_stage or item.journey.stage.value == chosen_stage)
    ]
    rows = [await run_in_threadpool(_row, page, item, stall) for item in shown]
    return page.render(
        "worklist.html",
        title=page.gettext("My worklist"),
        rows=rows,
        total=len(items),
        modules=list(Module),
        stages=[Stage.ENROLLED, Stage.TOE_CYCLE, Stage.RECOMMENDED],
        module=chosen_module,
        stage=chosen_stage,
    )


def _row(page: SignedIn, item: queries.WorklistItem, stall: timedelta) -> Row:
    state = page.services.certification.journey(item.journey.journey_id)
    return Row(item, next_step(page.services, state, stall))


@router.get("/register-enterprise")
async def enterprise_form(page: SignedIn, back: str = "", enterprise: str = "") -> Response:
    """The form; after a registration (`enterprise`: its id), the size warning it was
    registered with, if any."""
    user = page.require(Action.REGISTER_ENTERPRISE)
    warning = None
    if enterprise:
        warning = await run_in_threadpool(_registered_warning, page, user.actor, enterprise)
    return await _render_form(page, safe_next(back, ""), {}, warning=warning)


def _registered_warning(page: SignedIn, actor: Actor, enterprise_id: str) -> SizeWarning | None:
    """The size warning of an enterprise the reader may register (of their countries)."""
    try:
        state = page.services.certification.enterprise(enterprise_id)
    except DomainError:  # not an enterprise's id: no warning to show
        return None
    where = About(countries=frozenset({state.details.country}))
    return state.size_warning if policy.may(actor, Action.REGISTER_ENTERPRISE, where) else None


async def _render_form(
    page: SignedIn,
    back: str,
    values: dict[str, str],
    refusal: ReadableRefusal | None = None,
    status: int = 200,
    warning: SizeWarning | None = None,
) -> Response:
    # The range in force, read from the event store in a thread, not on the event loop.
    sme = await run_in_threadpool(page.services.certification.sme_size_at, datetime.now(UTC))
    return page.render(
        "register_enterprise.html",
        status=status,
        title=page.gettext("Register an enterprise"),
        back=back,
        values=values,
        refusal=refusal,
        sme=sme,
        warning=warning,
    )


@router.post("/register-enterprise")
async def register_enterprise(page: SignedIn) -> Response:
    """Register an enterprise (SME) by form; back to the journey it was needed for."""
    user = page.require(Action.REGISTER_ENTERPRISE)
    form = await page.form()
    values = dict(form_values(form))
    back = safe_next(values.get("back"), "")
    try:
        body = RegisterEnterprise.model_validate(
            {k: values.get(k, "") for k in RegisterEnterprise.model_fields}
        )
    except ValidationError as invalid:
        return await _render_form(page, back, values, page.wrong_fields(invalid), 422)
    details = EnterpriseDetails(
        body.name, body.country, body.sector, body.employees, body.women_employees
    )

    async def call(command_id: str) -> StoredResponse:
        result = await run_in_threadpool(
            page.services.certification.register_enterprise,
            details,
            user.actor,
            command_id,
            datetime.now(UTC),
        )
        return StoredResponse(201, jsonable_encoder(result.state))

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 400:
        return await _render_form(page, back, values, page.refusal(outcome), outcome.status_code)
    registered = outcome.body["details"]["name"]
    if back:
        return page.redirect(back, registered=registered)
    enterprise = outcome.body["enterprise_id"]
    return page.redirect("/register-enterprise", registered=registered, enterprise=enterprise)
