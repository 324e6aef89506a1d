"""Dependencies as Annotated aliases, so that route signatures read like prose."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer

from domain import policy
from domain.policy import Action
from service.adapters.mail import Outbox
from service.app.accounts import Accounts, InvalidToken, User, UserNotActive
from service.app.audit.services import Audit
from service.app.certification import Certification
from service.app.credentials.service import Credentials
from service.app.erasure import Erasure
from service.app.idempotency import (
    IdempotencyStore,
    IdempotentRequest,
    fingerprint,
    fingerprint_of_the_bytes,
)
from service.app.login import Logins
from service.app.materials import Materials
from service.app.people_logins import PeopleLogins
from service.app.ports import Steps
from service.app.webhooks.store import Webhooks
from service.settings import Settings


@dataclass
class Services:
    """Everything a request may need; built once by the composition root."""

    settings: Settings
    certification: Certification
    accounts: Accounts
    logins: Logins
    idempotency: IdempotencyStore
    steps: Steps
    read_models: Any  # projections.queries.ReadModels (typed there)
    audit: Audit
    credentials: Credentials
    webhooks: Webhooks
    people_logins: PeopleLogins
    outbox: Outbox  # the messages that went out, and those that failed
    materials: Materials
    erasure: Erasure  # personal data erased on request


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def current_user(services: ServicesDep, token: Annotated[str | None, Depends(bearer)]) -> User:
    """The token's user as their record says now (a def: FastAPI runs its lookup in a thread)."""
    unauthenticated = HTTPException(
        401,
        "Log in first: send 'Authorization: Bearer <token>' from POST /auth/token.",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if token is None:
        raise unauthenticated
    try:
        return services.accounts.user_from_token(token)
    except UserNotActive:
        unauthenticated.detail = (
            "This user is deactivated, or the token is from before a deactivation; log in "
            "again, or ask the programme office if your account was deactivated."
        )
        raise unauthenticated from None
    except InvalidToken:
        unauthenticated.detail = "The bearer token is invalid or has expired; log in again."
        raise unauthenticated from None


CurrentUser = Annotated[User, Depends(current_user)]

# The path parameters that name a record with a country (a journey's is its trainer's).
NAMED_RECORDS = ("trainer_id", "journey_id", "workshop_id", "enterprise_id")


def require_within_reach(request: Request, user: User, services: Services) -> None:
    """A country office reaches only its countries' records (domain/policy.py): one the path
    names outside them is answered 404, as an unknown id is, so the office cannot tell it
    from one that does not exist. A malformed id is left to the parameter's own 422."""
    if policy.countries_seen(user.actor) is None:
        return
    named = {
        name: value
        for name, value in request.path_params.items()
        if name in NAMED_RECORDS and _is_uuid(value)
    }
    services.certification.require_within_reach(user.actor, **named)


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def reachable_user(request: Request, user: CurrentUser, services: ServicesDep) -> User:
    """The caller, once the records the path names are within their reach."""
    require_within_reach(request, user, services)
    return user


# A logged-in caller reading a record the path names: a country office only its own.
ReachingUser = Annotated[User, Depends(reachable_user)]


def allowed_to(action: Action) -> Callable[[Request, User, Services], User]:
    """The door of an operation: the roles that some grant of `action` names
    (domain/policy.py), and what the caller holds without the record (a country office is
    no headquarters); the domain, or the read, then checks the caller's relation."""
    roles = policy.roles_for(action)
    names = ", ".join(sorted(r.value for r in roles))

    def check(request: Request, user: CurrentUser, services: ServicesDep) -> User:
        if user.role not in roles:
            raise HTTPException(403, f"This needs one of the roles: {names}; you are {user.role}.")
        if not policy.may_pass_door(user.actor, action):
            raise HTTPException(403, policy.RULES[action].refusal)
        require_within_reach(request, user, services)
        return user

    return check


async def idempotency(
    request: Request,
    user: CurrentUser,
    services: ServicesDep,
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> IdempotentRequest:
    """Every POST accepts an Idempotency-Key: a retry with it returns the first response."""
    body = await request.body()
    method, path = request.method, request.url.path
    return IdempotentRequest(
        services.idempotency,
        user.username,
        key,
        fingerprint(method, path, body),
        uuid.uuid4().hex,
        fingerprint_of_the_bytes(method, path, body),
    )


Idempotent = Annotated[IdempotentRequest, Depends(idempotency)]
