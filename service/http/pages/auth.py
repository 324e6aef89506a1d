"""Logging in and out of the pages, and choosing their language."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.values import Role
from service.app.accounts import PASSWORD_MAX, USERNAME_MAX, control_character
from service.app.login import LoginBusy, LoginRefused, LoginThrottled
from service.http.pages.kit import AnyPage, safe_next
from service.i18n import LANGUAGES

router = APIRouter(include_in_schema=False)

# Where each role's work starts, when the login was not asked for by another page.
START_PAGES: dict[Role, str] = {
    Role.EXPERT: "/expert",
    Role.TRAINER: "/me",
    Role.HQ: "/office/certification",
    Role.AUDITOR: "/office/people",
}


@router.get("/login")
async def login_page(page: AnyPage, next: str | None = None) -> Response:
    return _login_form(page, safe_next(next))


def _login_form(page: AnyPage, back_to: str, problem: str = "", status: int = 200) -> Response:
    return page.render(
        "login.html", status=status, title=page.gettext("Log in"), next=back_to, problem=problem
    )


@router.post("/login")
async def log_in(page: AnyPage) -> Response:
    form = await page.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    back_to = safe_next(str(form.get("next", "")))
    if not username or not password:
        return _login_form(page, back_to, page.gettext("Type your username and password."), 422)
    if (
        len(username) > USERNAME_MAX
        or len(password) > PASSWORD_MAX
        or (control_character(username) or control_character(password))
    ):
        return _login_form(page, back_to, page.gettext("Unknown username or wrong password."), 401)
    client = page.request.client.host if page.request.client else "unknown"
    try:
        user = await page.services.logins.log_in(username, password, client)
    except LoginRefused:
        return _login_form(page, back_to, page.gettext("Unknown username or wrong password."), 401)
    except (LoginThrottled, LoginBusy) as waiting:
        problem = page.gettext(
            "Too many attempts; wait %(seconds)s s and try again.", seconds=waiting.retry_after
        )
        return _login_form(page, back_to, problem, 429)
    page.session.signed_in(page.services.accounts.issue_token(user))
    return page.redirect(START_PAGES.get(user.role, "/") if back_to == "/" else back_to)


@router.post("/logout")
async def log_out(page: AnyPage) -> Response:
    await page.form()
    page.session.signed_out()
    return page.redirect("/")


@router.post("/language")
async def choose_language(page: AnyPage) -> Response:
    """The person's choice of language, kept in their session (and so for every page) and,
    when they are logged in, on their login: their next sessions and their e-mails use it."""
    form = await page.form()
    chosen = str(form.get("language", ""))
    if chosen in LANGUAGES:
        page.session.choose_language(chosen)
        page.language = chosen
        if page.user is not None:
            page.user = await run_in_threadpool(
                page.services.accounts.choose_language, page.user.username, chosen
            )
    return page.redirect(safe_next(str(form.get("next", ""))))
