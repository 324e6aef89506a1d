"""Installs the pages into the FastAPI app: routers, static files, the session's signing."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from service.http.pages import (
    account,
    auditor,
    auth,
    expert,
    journey,
    office,
    office_logins,
    office_person,
    office_policies,
    office_records,
    office_webhooks,
    office_workshops,
    public,
    statistics,
    trainer,
    trainer_materials,
)
from service.http.pages.kit import LoginRequired, PageRefused, any_page, login_path
from service.http.pages.rendering import STATIC
from service.http.pages.session import SessionCookies, served_on_loopback
from service.settings import Settings

ROUTERS = (
    public.router,
    statistics.router,
    auth.router,
    expert.router,
    journey.router,
    trainer.router,
    trainer_materials.router,
    account.router,
    office.router,
    office_logins.router,
    office_person.router,
    office_workshops.router,
    office_records.router,
    office_policies.router,
    office_webhooks.router,
    auditor.router,
)


def install_pages(app: FastAPI, settings: Settings, secret: str) -> None:
    """`secret` signs the session cookie (with a salt of its own: it is the token key too)."""
    secure = settings.secure_cookies
    app.state.session_cookies = SessionCookies(
        secret,
        max_age_seconds=settings.token_minutes * 60,
        secure=(not served_on_loopback(settings.api_host)) if secure is None else secure,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(PageRefused, _refused_page)  # type: ignore[arg-type]


async def _to_login(_: Request, needed: LoginRequired) -> Response:
    return RedirectResponse(login_path(needed.back_to), status_code=303)


async def _refused_page(request: Request, refused: PageRefused) -> Response:
    page = await any_page(request, request.app.state.services)
    title = page.gettext("This page cannot be shown")
    return page.render("error.html", status=refused.status, title=title, message=refused.message)
