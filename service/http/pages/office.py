"""The programme office's pages: people (search, register and give a login), the certification
queue, delisting and reinstating, the messages that went out, and the training materials.

Each page calls the same application services and queries as its JSON endpoint
(service/http/routes/office.py, logins.py, materials.py), behind the same action of
domain/policy.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from domain import policy
from domain.errors import NotFound
from domain.journey.steps import Certify
from domain.policy import Action
from domain.trainer.state import TrainerState
from domain.trainer.steps import Reinstate as ReinstateStep
from domain.trainer.steps import RemoveForCause as RemovalStep
from domain.values import Material, Module
from projections import queries
from projections.queries import office
from service.adapters.mail import Sending
from service.app.idempotency import StoredResponse
from service.app.materials import MAX_MATERIAL_BYTES, MaterialRefused
from service.app.people_logins import Delivery
from service.http.answers import stall_period
from service.http.pages.kit import FORM_KEY_FIELD, Page, PageRefused, SignedIn, form_values
from service.http.pages.refusals import ReadableRefusal
from service.http.parameters import MAX_POSITION
from service.http.reading import FreshReads
from service.http.schemas import RegisterTrainer, Reinstate, RemoveForCause

router = APIRouter(include_in_schema=False)
PER_PAGE = 25


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < MAX_POSITION // PER_PAGE else 1


def _choice(text: str, allowed: type[Any]) -> Any:
    return next((member for member in allowed if member.value == text), None)


@router.get("/office/people")
async def people(
    page: SignedIn,
    read: FreshReads,
    q: str = "",
    country: str = "",
    module: str = "",
    status: str = "",
    at: str = "1",
) -> Response:
    """Search candidates and experts: name or e-mail, country, module, status; paged."""
    user = page.require(Action.SEARCH_PEOPLE)
    number = _page_number(at)
    search = office.PeopleSearch(
        q.strip()[:200] or None,
        None,
        country.strip()[:100] or None,
        _choice(module, Module),
        _choice(status, office.PersonStatus),
        policy.countries_seen(user.actor),  # a country office finds its countries' people only
    )
    found = await run_in_threadpool(
        office.search_people, read, search, (number - 1) * PER_PAGE, PER_PAGE
    )
    return page.render(
        "office_people.html",
        title=page.gettext("People"),
        found=found,
        number=number,
        pages=max(1, -(-found.total // PER_PAGE)),
        query={"q": q, "country": country, "module": module, "status": status},
        modules=list(Module),
        statuses=list(office.PersonStatus),
        may_give_logins=user.role.value == "hq",
        may_edit=policy.may(user.actor, Action.EDIT_TRAINER),
    )


@router.get("/office/register")
async def register_form(page: SignedIn) -> Response:
    page.require(Action.REGISTER_TRAINER)
    return _register_page(page, {}, None)


def _register_page(
    page: Page, values: dict[str, str], refusal: ReadableRefusal | None, status: int = 200
) -> Response:
    return page.render(
        "office_register.html",
        status=status,
        title=page.gettext("Register a person and give a login"),
        values=values,
        refusal=refusal,
    )


@router.post("/office/register")
async def register(page: SignedIn) -> Response:
    """Register a candidate or an expert and give them a login, in one form."""
    user = page.require(Action.REGISTER_TRAINER)
    page.require(Action.MANAGE_LOGINS)
    form = await page.form()
    values = dict(form_values(form))
    try:
        body = RegisterTrainer.model_validate(
            {
                "name": values.get("name", ""),
                "email": values.get("email", ""),
                "country": values.get("country", ""),
                "is_expert": values.get("is_expert") == "yes",
            }
        )
    except ValidationError as invalid:
        return _register_page(page, values, page.wrong_fields(invalid), 422)
    delivery = _choice(values.get("delivery", ""), Delivery) or Delivery.INVITATION
    services = page.services

    async def call(command_id: str) -> StoredResponse:
        now = datetime.now(UTC)
        registered = await run_in_threadpool(
            services.certification.register_trainer,
            body.name,
            str(body.email),
            body.country,
            user.actor,
            command_id,
            now,
            is_expert=body.is_expert,
        )
        given = await run_in_threadpool(
            services.people_logins.give,
            registered.state.trainer_id,
            None,
            delivery,
            command_id,
            now,
        )
        expires = given.invitation.expires_at.isoformat() if given.invitation else None
        answer = {"username": given.login.username, "name": body.name, "expires_at": expires}
        return StoredResponse(201, {**answer, "delivery": delivery.value})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        return _register_page(page, values, page.refusal(outcome), outcome.status_code)
    # The secret is in no stored answer: made again from the form's command id (kit.py's
    # `submitted` runs the call with "<username>:page:<form key>").
    command_id = f"{user.username}:page:{form.get(FORM_KEY_FIELD)}"
    return login_given(page, outcome.body, command_id)


def login_given(page: Page, given: dict[str, Any], command_id: str) -> Response:
    delivery = Delivery(given["delivery"])
    secret = page.services.people_logins.secret_for(given["username"], delivery, command_id)
    link = None
    if delivery is Delivery.INVITATION:
        link = str(page.request.base_url.replace(path="/invitation", query=f"token={secret}"))
    return page.render(
        "office_login_given.html",
        title=page.gettext("Login given"),
        given=given,
        link=link,
        expires_at=datetime.fromisoformat(given["expires_at"]) if given["expires_at"] else None,
        password=secret if delivery is Delivery.ONE_TIME_PASSWORD else None,
    )


@router.get("/office/certification")
async def certification_queue(page: SignedIn, read: FreshReads, certified: str = "") -> Response:
    """Recommended candidates waiting for their certificate; the number once certified."""
    page.require(Action.CERTIFY)
    stall = await run_in_threadpool(stall_period, page.services)
    queue = await run_in_threadpool(queries.office_worklist, read, datetime.now(UTC), stall)
    just = await run_in_threadpool(_certified_trainer, page, certified) if certified else None
    return page.render(
        "office_certification.html",
        title=page.gettext("Certification queue"),
        queue=queue,
        just=just,
        refusal=None,
        refused=None,
    )


def _certified_trainer(page: Page, trainer_id: str) -> TrainerState | None:
    """The trainer as the event store holds them now: the number is there at once."""
    try:
        return page.services.certification.trainer(trainer_id)
    except NotFound:  # an id typed into the address bar: no banner
        return None


@router.post("/office/certification/{journey_id}")
async def certify(journey_id: str, page: SignedIn, read: FreshReads) -> Response:
    user = page.require(Action.CERTIFY)
    form = await page.form()
    steps = page.services.steps

    async def call(command_id: str) -> StoredResponse:
        state = await steps.take_step(journey_id, Certify(), user.actor, command_id)
        return StoredResponse(200, {"trainer_id": state.trainer_id})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        stall = await run_in_threadpool(stall_period, page.services)
        queue = await run_in_threadpool(queries.office_worklist, read, datetime.now(UTC), stall)
        return page.render(
            "office_certification.html",
            status=outcome.status_code,
            title=page.gettext("Certification queue"),
            queue=queue,
            just=None,
            refusal=page.refusal(outcome),
            refused=journey_id,  # its form, sent again as it is
        )
    return page.redirect("/office/certification", certified=outcome.body["trainer_id"])


@router.get("/office/messages")
async def messages(page: SignedIn, status: str = "", at: str = "1") -> Response:
    """The reminders and messages that went out, and those that failed."""
    page.require(Action.READ_MESSAGES)
    number = _page_number(at)
    chosen = _choice(status, Sending)
    found = await run_in_threadpool(
        page.services.outbox.page, chosen, None, (number - 1) * PER_PAGE, PER_PAGE
    )
    return page.render(
        "office_messages.html",
        title=page.gettext("Messages sent"),
        found=found,
        number=number,
        pages=max(1, -(-found.total // PER_PAGE)),
        chosen=status,
        statuses=list(Sending),
    )


@router.get("/office/materials")
async def materials(page: SignedIn, read: FreshReads) -> Response:
    page.require(Action.MANAGE_MATERIALS)
    return await _materials_page(page, read, None)


async def _materials_page(
    page: Page, read: Any, problem: str | None, status: int = 200
) -> Response:
    listed = await run_in_threadpool(page.services.materials.listing)
    downloads = await run_in_threadpool(office.material_downloads, read, None, None, 0, 50)
    return page.render(
        "office_materials.html",
        status=status,
        title=page.gettext("Training materials"),
        listed=listed,
        downloads=downloads,
        modules=list(Module),
        materials=list(Material),
        problem=problem,
        max_mib=MAX_MATERIAL_BYTES // 2**20,
    )


@router.post("/office/materials")
async def upload_material(page: SignedIn, read: FreshReads) -> Response:
    """Upload (or replace) a module's material; a new upload of the same replaces it."""
    user = page.require(Action.MANAGE_MATERIALS)
    form = await page.form()
    module = _choice(str(form.get("module", "")), Module)
    material = _choice(str(form.get("material", "")), Material)
    upload = form.get("file")
    if module is None or material is None or not isinstance(upload, UploadFile):
        problem = page.gettext("Choose a module, a material and a file.")
        return await _materials_page(page, read, problem, 422)
    content = await upload.read()
    try:
        await run_in_threadpool(
            page.services.materials.upload,
            module,
            material,
            upload.filename or "material",
            content,
            user.username,
            datetime.now(UTC),
        )
    except MaterialRefused as refused:
        return await _materials_page(page, read, str(refused), 415)
    return page.redirect("/office/materials")


@router.get("/office/trainers/{trainer_id}/standing")
async def standing_page(trainer_id: str, page: SignedIn) -> Response:
    """A certified trainer's listing, with the forms to delist for cause or reinstate."""
    page.require(Action.REMOVE_FOR_CAUSE)
    return await _standing(page, trainer_id, None)


async def _standing(
    page: Page,
    trainer_id: str,
    refusal: ReadableRefusal | None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    """The listing and its form; a refused form shown again with the `values` sent."""
    trainer = await run_in_threadpool(_certified_trainer, page, trainer_id)
    if trainer is None:
        raise PageRefused(404, page.gettext("There is no such record."))
    return page.render(
        "office_standing.html",
        status=status,
        title=page.gettext("Listing of %(name)s", name=trainer.name),
        trainer=trainer,
        refusal=refusal,
        values=values or {},
    )


@router.post("/office/trainers/{trainer_id}/standing")
async def change_standing(trainer_id: str, page: SignedIn) -> Response:
    """Delist for cause (copyright or conduct) or reinstate, with the reason."""
    user = page.require(Action.REMOVE_FOR_CAUSE)
    form = await page.form()
    values = dict(form_values(form))
    try:
        step: RemovalStep | ReinstateStep = (
            RemoveForCause.model_validate(values).step()
            if values.get("change") == "removal"
            else Reinstate.model_validate(values).step()
        )
    except ValidationError as invalid:
        return await _standing(page, trainer_id, page.wrong_fields(invalid), 422, values)
    services = page.services

    async def call(command_id: str) -> StoredResponse:
        trainer = await run_in_threadpool(services.certification.trainer, trainer_id)
        await services.steps.take_standing_step(trainer, step, user.actor, command_id)
        return StoredResponse(200, {"trainer_id": trainer_id})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        refusal = page.refusal(outcome)
        return await _standing(page, trainer_id, refusal, outcome.status_code, values)
    return page.redirect(f"/office/trainers/{trainer_id}/standing")
