"""`Page`: what every page route takes: the session, the language, the user, and rendering.

A page route declares `page: AnyPage` (anyone) or `page: SignedIn` (a logged-in user; others
are sent to the login page and back). See the package's docstring for how to add a page.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain import policy
from domain.errors import DomainError, NotPermitted
from domain.policy import About, Action
from service.app.accounts import InvalidToken, User
from service.app.idempotency import (
    IdempotentRequest,
    KeyReusedForAnotherRequest,
    StoredResponse,
    fingerprint_of_the_bytes,
)
from service.app.refusals import RETRY_AFTER_SECONDS, TRY_AGAIN_STATUS, refusal_body
from service.http.deps import Services, ServicesDep
from service.http.field_errors import field_problems
from service.http.pages.refusals import ReadableRefusal, readable, worded_warning
from service.http.pages.rendering import environment
from service.http.pages.session import COOKIE, Session, SessionCookies
from service.i18n import LANGUAGES, choose_language, translations
from workflows.client import StepNotRecorded

# Pages may load nothing from elsewhere, run no script and be framed by no one.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CSRF_FIELD = "csrf"
# The workflow service did not answer: the step may or may not be recorded yet (it can be saved
# and its answer lost). The same form sent again, under the same key (so the same command id),
# records it once either way.
NOT_RECORDED = {
    "detail": (
        "The workflow service did not answer, so this may or may not be recorded yet; "
        "send the form again as it is: it will be recorded once."
    ),
    "error": "StepNotRecorded",
    "code": "step_not_recorded",
    "params": {},
}
FORM_KEY_FIELD = "form_key"


class LoginRequired(Exception):
    """A page for logged-in users was asked for without a session: to the login page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class PageRefused(Exception):
    """A page that cannot be shown, or a form that cannot be taken: said on a page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Page:
    request: Request
    services: Services
    session: Session
    language: str
    user: User | None
    cookies: SessionCookies
    # The key of a form answered "send it again" (503) in this request: the form's page
    # renders the refused form with it again (`again_key`, `_form_keys.html`), so that the
    # form sent again runs under the same command id and writes at most once.
    again_key: str | None = None

    def gettext(self, message: str, **params: Any) -> str:
        text = translations(self.language).gettext(message)
        return text % params if params else text

    # -- answers

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = (
            environment(self.language)
            .get_template(template)
            .render(
                page=self,
                user=self.user,
                language=self.language,
                languages=LANGUAGES,
                csrf=self.session.csrf,
                new_form_key=lambda: uuid.uuid4().hex,
                again_key=self.again_key,
                here=self.here,
                # a size warning in the reader's words (the catalogs, by its code)
                worded_warning=lambda warning: worded_warning(warning, self.language),
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status)
        self.finish(response)
        return response

    def redirect(self, path: str, **query: str) -> RedirectResponse:
        target = f"{path}?{urlencode(query)}" if query else path
        response = RedirectResponse(target, status_code=303)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        """The session cookie (when it changed) and the headers every page carries; a page
        answering "send it again" (503) says when."""
        self.cookies.write(self.session, response)
        response.headers.update(SECURITY_HEADERS)
        response.headers["Content-Language"] = self.language
        if response.status_code == TRY_AGAIN_STATUS:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)

    @property
    def here(self) -> str:
        """This page's path and query, to come back to (after a login, a language switch);
        for a page answering a form, the page the form was on."""
        if self.request.method != "GET":
            return self._form_page()
        query = self.request.url.query
        return self.request.url.path + (f"?{query}" if query else "")

    # -- who may

    def require(self, action: Action, about: About | None = None) -> User:
        """The user, if domain/policy.py lets them take `action` on `about`; else a 403 page."""
        user = self.signed_in_user()
        try:
            policy.require(user.actor, action, about)
        except NotPermitted as refused:
            raise PageRefused(403, refused.reason) from None
        return user

    def may(self, action: str) -> bool:
        """Whether the user may take `action` (by its value), for a link to its page (which
        checks again)."""
        return self.user is not None and policy.may(self.user.actor, Action(action))

    def at_the_door(self, action: Action) -> User:
        """The user, if their role may take `action` on some record (as the JSON API's
        `allowed_to`); the domain then judges their relation to the record itself."""
        user = self.signed_in_user()
        if not policy.may_pass_door(user.actor, action):
            raise PageRefused(403, policy.RULES[action].refusal)
        return user

    def signed_in_user(self) -> User:
        if self.user is None:
            # A form sent after the session ended comes back to the page it was on (`here`).
            raise LoginRequired(self.here)
        return self.user

    def _form_page(self) -> str:
        referer = urlsplit(self.request.headers.get("referer", ""))
        same_site = referer.netloc == self.request.url.netloc
        return safe_next(referer.path if same_site else None)

    # -- forms

    async def form(self) -> FormData:
        """The posted form, once its CSRF token is the session's (else a 403 page)."""
        form = await self.request.form()
        sent = form.get(CSRF_FIELD)
        if not isinstance(sent, str) or not secrets.compare_digest(sent, self.session.csrf):
            raise PageRefused(
                403,
                self.gettext(
                    "This form has expired or did not come from this site. "
                    "Reload the page and send it again."
                ),
            )
        return form

    async def submitted(
        self, form: FormData, call: Callable[[str], Awaitable[StoredResponse]]
    ) -> StoredResponse:
        """Run `call` once per rendered form: the form's key is its Idempotency-Key, so a
        form sent twice (a double click, a reload, a retry) writes once and is answered
        the same way.

        "Send it again" (a transient refusal, such as another change to the same record in
        flight, or the workflow service not answering, when the step may already be saved)
        comes back as a 503 outcome, not kept under the form's key. The key is remembered
        (`again_key`): the page shows the refusal beside the form, rendered with the values
        sent and this same key, so the reader sends it again as it is, under the same command
        id, and it is written once whether or not the first sending was."""
        user = self.signed_in_user()
        key = form.get(FORM_KEY_FIELD)
        if not isinstance(key, str) or not 1 <= len(key) <= 64:
            raise PageRefused(400, self.gettext("This form has no key. Reload the page."))
        print_ = fingerprint_of_the_bytes("POST", self.request.url.path, _meaning(form))
        request = IdempotentRequest(
            self.services.idempotency, user.username, f"page:{key}", print_, uuid.uuid4().hex
        )
        try:
            return await request.run(call)
        except DomainError as busy:  # only a transient refusal leaves `run`
            self.again_key = key
            return StoredResponse(TRY_AGAIN_STATUS, refusal_body(busy))
        except StepNotRecorded:
            self.again_key = key
            return StoredResponse(TRY_AGAIN_STATUS, NOT_RECORDED)
        except KeyReusedForAnotherRequest:
            raise PageRefused(
                409,
                self.gettext(
                    "This form was already sent with other values. Reload the page to start "
                    "a new one."
                ),
            ) from None

    def wrong_fields(self, invalid: ValidationError) -> ReadableRefusal:
        """A form's fields the request models refused, each said in the reader's language."""
        problems = field_problems(invalid.errors(), self.language)
        return ReadableRefusal(self.gettext("Check the fields below."), problems)

    def refusal(
        self, outcome: StoredResponse, names: Mapping[str, str] | None = None
    ) -> ReadableRefusal:
        """A refused outcome in the reader's language; `names` names the ids it holds."""
        return readable(outcome.body, self.language, names)


def _meaning(form: FormData) -> bytes:
    """What the form asks, without its CSRF token (the session's, not the request's)."""
    items = sorted((k, str(v)) for k, v in form.multi_items() if k != CSRF_FIELD)
    return urlencode(items).encode()


def session_cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.session_cookies
    return cookies


async def any_page(request: Request, services: ServicesDep) -> Page:
    cookies = session_cookies(request)
    session = cookies.read(request.cookies.get(COOKIE))
    user = await _user_of(services, session)
    # A logged-in person's own choice (kept on their login), else this session's, else the
    # browser's.
    chosen = (user.language if user else None) or session.language
    language = choose_language(chosen, request.headers.get("accept-language"))
    return Page(request, services, session, language, user, cookies)


async def _user_of(services: Services, session: Session) -> User | None:
    if session.token is None:
        return None
    try:
        return await run_in_threadpool(services.accounts.user_from_token, session.token)
    except InvalidToken:  # expired, or the user was deactivated since: log in again
        session.signed_out()
        return None


async def signed_in(page: Annotated[Page, Depends(any_page)]) -> Page:
    page.signed_in_user()
    return page


AnyPage = Annotated[Page, Depends(any_page)]
SignedIn = Annotated[Page, Depends(signed_in)]


def login_path(back_to: str) -> str:
    return f"/login?next={quote(back_to, safe='')}"


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path of this site: a login link must not send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def form_values(form: FormData) -> Mapping[str, str]:
    return {k: str(v) for k, v in form.items() if k not in (CSRF_FIELD, FORM_KEY_FIELD)}
