"""Logins for registered people: the office gives, resets, deactivates and activates them.

The answer to giving or resetting a login holds its secret (the invitation token, or the
one-time password) once. The idempotency store keeps the answer without it; a retry with the
same Idempotency-Key gets the same secret, derived again from the server's secret and the
request (service/app/invitations.py), so no copy of a secret is ever stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from domain.policy import Action
from domain.text import TextRule
from domain.values import Role
from service.app.accounts import NEW_PASSWORD_MIN, PASSWORD_MAX, USERNAME_MAX, Login
from service.app.idempotency import IdempotentRequest, StoredResponse
from service.app.invitations import TOKEN_MAX
from service.app.login import LoginBusy, LoginRefused, LoginThrottled
from service.app.people_logins import Delivery, LoginGiven, LoginNotAccepted, PeopleLogins
from service.http.deps import CurrentUser, Idempotent, ServicesDep, allowed_to
from service.http.parameters import TrainerId
from service.http.responses import respond
from service.http.routes.auth import PATTERN, PlainText, Token, waiting
from service.http.schemas import judged, refusals

router = APIRouter(tags=["logins"])

OFFICE_ONLY = [Depends(allowed_to(Action.MANAGE_LOGINS))]
Username = Annotated[
    str, Path(max_length=USERNAME_MAX, description="the login's username (often the e-mail)")
]
REFUSALS = refusals(
    e403="Wrong role",
    e404="No such trainer, or no such login of a trainer",
    e409="The person or the username has a login already; `detail` says which",
    e422="Malformed input",
)
USERNAME = TextRule(USERNAME_MAX)


class GiveLogin(BaseModel):
    trainer_id: str = Field(description="the registered trainer or expert (a UUID)")
    username: (
        Annotated[str, Field(min_length=1, max_length=USERNAME_MAX), judged(USERNAME)] | None
    ) = Field(default=None, description="the name to log in with; without it, the person's e-mail")
    delivery: Delivery = Field(
        default=Delivery.INVITATION,
        description="an invitation link that expires, or a one-time password shown once",
    )


class ResetLogin(BaseModel):
    delivery: Delivery = Delivery.INVITATION


class LoginView(BaseModel):
    username: str
    role: Role
    trainer_id: str | None
    active: bool


class LoginAnswer(LoginView):
    """A login given or reset, with its secret: shown this once (and to a retry)."""

    delivery: Delivery
    invitation_token: str | None = Field(
        default=None, description="accepted at POST /auth/invitation with a chosen password"
    )
    invitation_expires_at: datetime | None = None
    one_time_password: str | None = None


def _view(login: Login) -> LoginView:
    return LoginView(
        username=login.username, role=login.role, trainer_id=login.trainer_id, active=login.active
    )


def _kept(given: LoginGiven) -> dict[str, Any]:
    """The answer as the idempotency store keeps it: everything but the secret."""
    expires = given.invitation.expires_at if given.invitation else None
    answer = LoginAnswer(
        **_view(given.login).model_dump(), delivery=given.delivery, invitation_expires_at=expires
    )
    body: dict[str, Any] = answer.model_dump(mode="json")
    return body


def _with_secret(
    outcome: StoredResponse, logins: PeopleLogins, idem: IdempotentRequest
) -> JSONResponse:
    body: dict[str, Any] = outcome.body
    if outcome.status_code < 300:
        delivery = Delivery(body["delivery"])
        secret = logins.secret_for(body["username"], delivery, idem.command_id)
        field = "invitation_token" if delivery is Delivery.INVITATION else "one_time_password"
        body = {**body, field: secret}
    return respond(StoredResponse(outcome.status_code, body))


ANSWER = {**REFUSALS, 200: {"model": LoginAnswer, "description": "The login and its secret"}}


@router.post(
    "/logins",
    status_code=201,
    dependencies=OFFICE_ONLY,
    responses={**REFUSALS, 201: {"model": LoginAnswer, "description": "The login and its secret"}},
)
async def give_login(body: GiveLogin, services: ServicesDep, idem: Idempotent) -> JSONResponse:
    """Give a registered candidate or expert trainer a login: an invitation link that expires
    (they choose their password), or a one-time password to hand over. The secret is in
    this answer only."""
    logins = services.people_logins

    async def call(command_id: str) -> StoredResponse:
        given = await run_in_threadpool(
            logins.give, body.trainer_id, body.username, body.delivery, command_id, _now()
        )
        return StoredResponse(201, _kept(given))

    return _with_secret(await idem.run(call), logins, idem)


@router.post("/logins/{username}/reset", dependencies=OFFICE_ONLY, responses=ANSWER)
async def reset_login(
    username: Username, body: ResetLogin, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """A new invitation or one-time password for a trainer's login: the old password,
    earlier invitations and every token issued so far stop working."""
    logins = services.people_logins

    async def call(command_id: str) -> StoredResponse:
        given = await run_in_threadpool(logins.reset, username, body.delivery, command_id, _now())
        return StoredResponse(200, _kept(given))

    return _with_secret(await idem.run(call), logins, idem)


VIEW = {**REFUSALS, 200: {"model": LoginView, "description": "The login after it"}}


@router.post("/logins/{username}/deactivation", dependencies=OFFICE_ONLY, responses=VIEW)
async def deactivate_login(
    username: Username, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Stop a trainer's login: no more logging in, every token and invitation refused."""

    async def call(_: str) -> StoredResponse:
        login = await run_in_threadpool(services.people_logins.deactivate, username, _now())
        return StoredResponse(200, _view(login).model_dump(mode="json"))

    return respond(await idem.run(call))


@router.post("/logins/{username}/activation", dependencies=OFFICE_ONLY, responses=VIEW)
async def activate_login(
    username: Username, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Let a deactivated trainer log in again (tokens from before stay refused)."""

    async def call(_: str) -> StoredResponse:
        login = await run_in_threadpool(services.people_logins.activate, username)
        return StoredResponse(200, _view(login).model_dump(mode="json"))

    return respond(await idem.run(call))


@router.get("/trainers/{trainer_id}/logins", dependencies=OFFICE_ONLY)
def read_logins(trainer_id: TrainerId, services: ServicesDep) -> list[LoginView]:
    """The logins a registered trainer acts through (none until the office gives one)."""
    return [_view(login) for login in services.accounts.logins_of(trainer_id)]


def _now() -> datetime:
    return datetime.now(UTC)


# Everyone's own password ---------------------------------------------------------------------


class AcceptInvitation(BaseModel):
    token: str = Field(min_length=1, max_length=TOKEN_MAX, json_schema_extra=PATTERN)
    password: PlainText = Field(
        min_length=NEW_PASSWORD_MIN, max_length=PASSWORD_MAX, json_schema_extra=PATTERN
    )


class ChangePassword(BaseModel):
    current_password: PlainText = Field(
        min_length=1, max_length=PASSWORD_MAX, json_schema_extra=PATTERN
    )
    new_password: PlainText = Field(
        min_length=NEW_PASSWORD_MIN, max_length=PASSWORD_MAX, json_schema_extra=PATTERN
    )


class PasswordChanged(BaseModel):
    username: str
    changed: bool = True


@router.post(
    "/auth/invitation",
    tags=["auth"],
    responses={
        422: {"description": "The token is unknown, used, withdrawn or expired; or the password"}
    },
)
async def accept_invitation(body: AcceptInvitation, services: ServicesDep) -> Token:
    """Accept an invitation: choose your password, and be logged in. The invitation works
    once, until it expires (the office can send a new one)."""
    user = await run_in_threadpool(
        services.people_logins.accept_invitation, body.token, body.password, _now()
    )
    return Token(access_token=services.accounts.issue_token(user), role=user.role.value)


@router.post(
    "/auth/password",
    tags=["auth"],
    responses={
        429: waiting("Too many wrong passwords for this username or from this address"),
        503: waiting("Too many passwords being checked at this moment"),
    },
)
async def change_password(
    body: ChangePassword, request: Request, user: CurrentUser, services: ServicesDep
) -> PasswordChanged:
    """Change your own password. The current one is checked as a login is (throttled)."""
    client = request.client.host if request.client else "unknown"
    try:
        await services.logins.log_in(user.username, body.current_password, client)
    except LoginRefused:
        raise LoginNotAccepted("current_password: this is not your current password.") from None
    except LoginThrottled as throttled:
        raise HTTPException(
            429, str(throttled), headers={"Retry-After": str(throttled.retry_after)}
        ) from None
    except LoginBusy as busy:
        raise HTTPException(
            503,
            f"Too many passwords are being checked at this moment; try again in "
            f"{busy.retry_after} s.",
            headers={"Retry-After": str(busy.retry_after)},
        ) from None
    await run_in_threadpool(services.people_logins.change_password, user, body.new_password)
    return PasswordChanged(username=user.username)
