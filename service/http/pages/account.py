"""Everyone's own login: accepting an invitation (choosing a password), changing it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError
from service.app.accounts import PASSWORD_MAX
from service.app.idempotency import StoredResponse
from service.app.login import LoginBusy, LoginRefused, LoginThrottled
from service.app.refusals import refusal_body
from service.http.pages.auth import START_PAGES
from service.http.pages.kit import AnyPage, Page, SignedIn

router = APIRouter(include_in_schema=False)


def _said(page: Page, refused: DomainError) -> str:
    """The refusal in the reader's language (the refusals catalogs, by its code)."""
    return page.refusal(StoredResponse(422, refusal_body(refused))).text


@router.get("/invitation")
async def invitation_form(page: AnyPage, token: str = "") -> Response:
    return _invitation_page(page, token[:200], "")


def _invitation_page(page: Page, token: str, problem: str, status: int = 200) -> Response:
    return page.render(
        "invitation.html",
        status=status,
        title=page.gettext("Choose your password"),
        token=token,
        problem=problem,
    )


@router.post("/invitation")
async def accept_invitation(page: AnyPage) -> Response:
    """Choose a password with the office's invitation, and be logged in."""
    form = await page.form()
    token = str(form.get("token", ""))[:200]
    password, again = str(form.get("password", "")), str(form.get("again", ""))
    if password != again:
        problem = page.gettext("The two passwords differ; type the same one twice.")
        return _invitation_page(page, token, problem, 422)
    try:
        user = await run_in_threadpool(
            page.services.people_logins.accept_invitation,
            token,
            password[: PASSWORD_MAX + 1],
            datetime.now(UTC),
        )
    except DomainError as refused:
        return _invitation_page(page, token, _said(page, refused), 422)
    page.session.signed_in(page.services.accounts.issue_token(user))
    return page.redirect(START_PAGES.get(user.role, "/"))


@router.get("/password")
async def password_form(page: SignedIn) -> Response:
    return _password_page(page, "", "")


def _password_page(page: Page, problem: str, done: str, status: int = 200) -> Response:
    return page.render(
        "password.html",
        status=status,
        title=page.gettext("Change my password"),
        problem=problem,
        done=done,
    )


@router.post("/password")
async def change_password(page: SignedIn) -> Response:
    """Change my own password: the current one is checked as a login is (throttled)."""
    user = page.signed_in_user()
    form = await page.form()
    current, new = str(form.get("current", ""))[:PASSWORD_MAX], str(form.get("new", ""))
    client = page.request.client.host if page.request.client else "unknown"
    try:
        await page.services.logins.log_in(user.username, current, client)
    except LoginRefused:
        return _password_page(page, page.gettext("This is not your current password."), "", 422)
    except (LoginThrottled, LoginBusy) as waiting:
        problem = page.gettext(
            "Too many attempts; wait %(seconds)s s and try again.", seconds=waiting.retry_after
        )
        return _password_page(page, problem, "", 429)
    try:
        await run_in_threadpool(page.services.people_logins.change_password, user, new)
    except DomainError as refused:
        return _password_page(page, _said(page, refused), "", 422)
    return _password_page(page, "", page.gettext("Your password is changed."))
