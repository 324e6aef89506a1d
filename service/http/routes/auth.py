"""Logging in: OAuth2 password flow, answered with a bearer token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from pydantic import AfterValidator, BaseModel, Field

from service.app.accounts import PASSWORD_MAX, USERNAME_MAX, control_character
from service.app.login import LoginBusy, LoginRefused, LoginThrottled
from service.http.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/auth", tags=["auth"])

# What the form's text may not contain, for clients that read the schema (as \x escapes,
# which JSON Schema's ECMA-262 patterns and Python's re both read).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"


def without_control_characters(value: str) -> str:
    if reason := control_character(value):
        raise ValueError(f"{reason}; type it again without it")
    return value


PlainText = Annotated[str, AfterValidator(without_control_characters)]
PATTERN: dict[str, Any] = {"pattern": NO_CONTROL_CHARACTERS}


class LoginForm(BaseModel):
    """The OAuth2 password grant's form; a NUL or other control character is refused (422).

    Refused rather than answered 401: no account can hold such a name or password (creating
    one refuses them too), the answer depends on the input alone and says nothing about any
    account, and the byte never reaches the database (PostgreSQL raises on NUL).
    """

    grant_type: str | None = Field(default=None, pattern="^password$")
    username: PlainText = Field(min_length=1, max_length=USERNAME_MAX, json_schema_extra=PATTERN)
    password: PlainText = Field(min_length=1, max_length=PASSWORD_MAX, json_schema_extra=PATTERN)
    scope: str = ""
    client_id: str | None = None
    client_secret: str | None = None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


class Me(BaseModel):
    username: str
    role: str
    trainer_id: str | None
    countries: list[str] = Field(
        default_factory=list,
        description="A country office's countries (ISO 3166-1 alpha-2); empty: every country",
    )


def waiting(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    }


@router.post(
    "/token",
    responses={
        401: {"description": "Unknown username, wrong password or deactivated user"},
        429: waiting("Too many failed logins for this username or from this address"),
        503: waiting("Too many logins being checked at this moment"),
    },
)
async def log_in(
    form: Annotated[LoginForm, Form()], request: Request, services: ServicesDep
) -> Token:
    """Exchange a username and password for a bearer token.

    Failed logins are limited per username and per client address: beyond the limit the
    answer is 429 with Retry-After (even for the right password), and the wait grows with
    further failures. Every refusal costs the same work, whether the username exists or not.
    """
    client = request.client.host if request.client else "unknown"
    try:
        user = await services.logins.log_in(form.username, form.password, client)
    except LoginRefused:
        raise HTTPException(
            401, "Unknown username or wrong password.", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    except LoginThrottled as throttled:
        raise HTTPException(
            429, str(throttled), headers={"Retry-After": str(throttled.retry_after)}
        ) from None
    except LoginBusy as busy:
        raise HTTPException(
            503,
            f"Too many logins are being checked at this moment; try again in {busy.retry_after} s.",
            headers={"Retry-After": str(busy.retry_after)},
        ) from None
    return Token(access_token=services.accounts.issue_token(user), role=user.role.value)


@router.get("/me")
async def who_am_i(user: CurrentUser) -> Me:
    """The logged-in user, their role, (experts, trainers) their trainer id, and (a country
    office) its countries."""
    return Me(
        username=user.username,
        role=user.role.value,
        trainer_id=user.trainer_id,
        countries=list(user.countries),
    )
