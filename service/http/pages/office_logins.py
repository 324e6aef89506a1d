"""The office's page of a person's login: reset it (a new invitation or one-time password) and
deactivate or activate it, by `service/app/people_logins.py` as the JSON API
(`POST /logins/{username}/reset|deactivation|activation`), behind the same action."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from domain import policy
from domain.errors import NotFound
from domain.policy import Action
from domain.trainer.state import TrainerState
from service.app.accounts import Login
from service.app.idempotency import StoredResponse
from service.app.people_logins import Delivery
from service.http.pages.kit import FORM_KEY_FIELD, Page, PageRefused, SignedIn, form_values
from service.http.pages.office import login_given
from service.http.pages.refusals import ReadableRefusal

router = APIRouter(include_in_schema=False)


@router.get("/office/people/{trainer_id}/login")
async def person_login(trainer_id: str, page: SignedIn) -> Response:
    page.require(Action.MANAGE_LOGINS)
    return await _login_page(page, trainer_id, None)


async def _login_page(
    page: Page,
    trainer_id: str,
    refusal: ReadableRefusal | None,
    status: int = 200,
    refused: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    """A person's logins with their forms; `refused` ("<username>/<change>") names the form
    a refusal is about, shown again with the `values` sent."""
    trainer = await run_in_threadpool(trainer_record, page, trainer_id)
    logins = await run_in_threadpool(page.services.accounts.logins_of, trainer.trainer_id)
    actor = page.signed_in_user().actor
    return page.render(
        "office_person_login.html",
        status=status,
        title=page.gettext("Login of %(name)s", name=trainer.name),
        trainer=trainer,
        logins=logins,
        refusal=refusal,
        refused=refused,
        values=values or {},
        may_erase=policy.may_pass_door(actor, Action.ERASE_PERSONAL_DATA) and not trainer.erased,
    )


def trainer_record(page: Page, trainer_id: str) -> TrainerState:
    """The person's record, else the 404 page."""
    try:
        return page.services.certification.trainer(trainer_id)
    except NotFound:
        raise PageRefused(404, page.gettext("There is no such record.")) from None


@router.post("/office/logins/{username}/reset")
async def reset_login(username: str, page: SignedIn) -> Response:
    """A new invitation or one-time password: the old password and tokens stop working."""
    user = page.require(Action.MANAGE_LOGINS)
    login = await run_in_threadpool(_login, page, username)
    form = await page.form()
    delivery = Delivery.ONE_TIME_PASSWORD
    if form.get("delivery") == Delivery.INVITATION.value:
        delivery = Delivery.INVITATION
    logins = page.services.people_logins

    async def call(command_id: str) -> StoredResponse:
        now = datetime.now(UTC)
        given = await run_in_threadpool(logins.reset, username, delivery, command_id, now)
        expires = given.invitation.expires_at.isoformat() if given.invitation else None
        trainer = await run_in_threadpool(trainer_record, page, str(login.trainer_id))
        answer = {"username": username, "name": trainer.name, "expires_at": expires}
        return StoredResponse(200, {**answer, "delivery": delivery.value})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        trainer_id, status = str(login.trainer_id), outcome.status_code
        refusal, values = page.refusal(outcome), dict(form_values(form))
        return await _login_page(page, trainer_id, refusal, status, f"{username}/reset", values)
    # As on registering: the secret is made again from the form's command id.
    return login_given(page, outcome.body, f"{user.username}:page:{form.get(FORM_KEY_FIELD)}")


@router.post("/office/logins/{username}/{change}")
async def switch_login(username: str, change: str, page: SignedIn) -> Response:
    """Deactivate a login (no more logging in, its tokens and invitations refused) or let it
    log in again."""
    page.require(Action.MANAGE_LOGINS)
    if change not in ("deactivation", "activation"):
        raise PageRefused(404, page.gettext("There is no such record."))
    login = await run_in_threadpool(_login, page, username)
    form = await page.form()
    logins = page.services.people_logins

    async def call(_: str) -> StoredResponse:
        if change == "deactivation":
            changed = await run_in_threadpool(logins.deactivate, username, datetime.now(UTC))
        else:
            changed = await run_in_threadpool(logins.activate, username)
        return StoredResponse(200, {"username": changed.username, "active": changed.active})

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        refusal = page.refusal(outcome)
        trainer_id, status = str(login.trainer_id), outcome.status_code
        return await _login_page(page, trainer_id, refusal, status, f"{username}/{change}")
    return page.redirect(f"/office/people/{login.trainer_id}/login")


def _login(page: Page, username: str) -> Login:
    """A trainer's or expert's login (staff logins are kept with `score users` only)."""
    found = page.services.accounts.login(username)
    if found is None or found.trainer_id is None:
        raise PageRefused(404, page.gettext("There is no such record."))
    return found
