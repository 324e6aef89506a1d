"""The programme's policy versions (domain/policies.py): the reminder months, the stall
period, the inactivity period, the SME range and the classroom participant limit, as the
programme office changed them, and the version in force at any moment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from domain.enterprise import MAX_EMPLOYEES
from domain.policies import (
    MAX_INACTIVE_AFTER_MONTHS,
    MAX_PARTICIPANT_LIMIT,
    MAX_STALL_AFTER_DAYS,
    PolicyVersion,
)
from domain.policy import Action
from domain.values import Actor
from service.app.accounts import User
from service.app.audit.moments import parse_moment
from service.app.idempotency import StoredResponse
from service.app.policies import (
    TermsKept,
    configured_terms,
    policy_at,
    policy_versions,
    record_policy_version,
    terms_of_change,
)
from service.http.deps import Idempotent, Services, ServicesDep, allowed_to
from service.http.parameters import moment
from service.http.responses import respond
from service.http.schemas import refusals

router = APIRouter(prefix="/policies", tags=["policies"])

READERS = [Depends(allowed_to(Action.READ_AUDIT))]
Changers = Annotated[User, Depends(allowed_to(Action.CHANGE_POLICY))]
At = Annotated[str | None, moment("a date (its end, UTC) or a time with its zone; default now")]


class PolicyChange(BaseModel):
    reminder_months: list[int] = Field(min_length=0, max_length=11, examples=[[9, 11]])
    stall_after_days: int = Field(ge=1, le=MAX_STALL_AFTER_DAYS)
    inactive_after_months: int | None = Field(
        default=None,
        ge=2,
        le=MAX_INACTIVE_AFTER_MONTHS,
        description="a certified trainer without a training record for this long is delisted; "
        "left out: the period in force at applies_from stays",
    )
    sme_min_employees: int | None = Field(
        default=None,
        ge=1,
        le=MAX_EMPLOYEES,
        description="an enterprise with fewer employees is selected with a size warning; "
        "left out: the one in force at applies_from stays",
    )
    sme_max_employees: int | None = Field(
        default=None,
        ge=1,
        le=MAX_EMPLOYEES,
        description="an enterprise with more employees is selected with a size warning (above "
        "sme_min_employees); left out: the one in force at applies_from stays",
    )
    max_classroom_participants: int | None = Field(
        default=None,
        ge=1,
        le=MAX_PARTICIPANT_LIMIT,
        description="a classroom workshop with more participants (managers + workers) is "
        "refused; left out: the one in force at applies_from stays",
    )
    applies_from: datetime = Field(description="from when it applies: now or later, with a zone")
    reason: str = Field(max_length=10_000)


class PolicyInForce(BaseModel):
    version: int  # 0: the configuration, before any recorded version applied
    reminder_months: list[int]
    stall_after_days: int
    inactive_after_months: int
    sme_min_employees: int
    sme_max_employees: int
    max_classroom_participants: int


@router.get(
    "", dependencies=READERS, responses=refusals(e403="Only the programme office and auditors")
)
def read_policy_versions(services: ServicesDep) -> list[PolicyVersion]:
    """Every recorded version: who changed what, when, and from when it applies."""
    return list(policy_versions(services.certification))


@router.get(
    "/in-force",
    dependencies=READERS,
    responses=refusals(e403="Only the programme office and auditors", e422="Malformed moment"),
)
def read_policy_in_force(services: ServicesDep, at: At = None) -> PolicyInForce:
    """The version that applied at a moment (default now), and its terms."""
    moment_ = datetime.now(UTC) if at is None else parse_moment(at, end_of_day=True)
    configured = configured_terms(services.settings)
    number, terms = policy_at(services.certification, moment_, configured)
    return PolicyInForce(
        version=number,
        reminder_months=list(terms.reminder_months),
        stall_after_days=terms.stall_after_days,
        inactive_after_months=terms.inactive_after_months,
        sme_min_employees=terms.sme_min_employees,
        sme_max_employees=terms.sme_max_employees,
        max_classroom_participants=terms.max_classroom_participants,
    )


@router.post(
    "",
    status_code=201,
    responses={
        **refusals(
            e403="Only the programme office", e409="applies_from has passed", e422="Malformed"
        ),
        201: {"model": PolicyVersion, "description": "Recorded"},
    },
)
async def change_policy(
    body: PolicyChange, user: Changers, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Record a new policy version; it applies from `applies_from`, never to the past."""

    async def call(command_id: str) -> StoredResponse:
        version = await run_in_threadpool(record_change, services, body, user.actor, command_id)
        return StoredResponse(201, jsonable_encoder(version))

    return respond(await idem.run(call))


def record_change(
    services: Services, body: PolicyChange, actor: Actor, command_id: str
) -> PolicyVersion:
    """The change recorded as a new version (this endpoint's and the office's page's)."""
    # A term left out is resolved within the command (a retry answers with the version
    # the first try recorded, whatever is in force by then).
    kept = TermsKept(
        body.inactive_after_months,
        body.sme_min_employees,
        body.sme_max_employees,
        body.max_classroom_participants,
    )
    terms = terms_of_change(
        services.certification,
        tuple(body.reminder_months),
        body.stall_after_days,
        kept,
        body.applies_from,
    )
    return record_policy_version(
        services.certification,
        terms,
        body.applies_from,
        body.reason,
        actor,
        command_id,
        datetime.now(UTC),
    )
