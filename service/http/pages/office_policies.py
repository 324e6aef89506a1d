"""The programme's policy versions on a page: the terms in force now, every version recorded
(who, when, from when, why), and for headquarters a form to record a new one.

The form calls what `POST /policies` calls (`record_change` in
service/http/routes/policies.py), behind the same actions: reading as `GET /policies`
(READ_AUDIT: headquarters and auditors), recording as `POST /policies` (CHANGE_POLICY).

Each term of the policy is one `Term` in `TERMS`: its field (in `PolicyTerms` and in the JSON
request `PolicyChange`), its label, and how the form writes it. The form's fields and the terms
shown for every version come from there, so a new term is one more entry (and its label and
hint in the catalogs); a term without an entry is still shown, under its field's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.encoders import jsonable_encoder
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain import policy
from domain.policies import PolicyTerms, PolicyVersion
from domain.policy import Action
from service.app.idempotency import StoredResponse
from service.app.policies import configured_terms, policy_at, policy_versions
from service.http.pages.kit import Page, SignedIn, form_values
from service.http.pages.refusals import ReadableRefusal
from service.http.routes.policies import PolicyChange, record_change

router = APIRouter(include_in_schema=False)
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _(message: str) -> str:
    """A label for the catalogs (the pages' texts are extracted from `_("...")`); the page
    translates it when it shows it."""
    return message


@dataclass(frozen=True)
class Term:
    name: str  # the field of PolicyTerms and of PolicyChange
    label: str
    hint: str
    kind: Literal["numbers", "number"]  # "numbers": a list, written "9, 11"
    optional: bool = False  # left empty: the value in force when the version applies stays


TERMS: tuple[Term, ...] = (
    Term(
        "reminder_months",
        _("Reminder months"),
        _("The months of a certified trainer's clock at which a reminder goes out, e.g. 9, 11."),
        "numbers",
    ),
    Term(
        "stall_after_days",
        _("Stall period (days)"),
        _("A journey without a step for this many days is reminded."),
        "number",
    ),
    Term(
        "inactive_after_months",
        _("Inactivity period (months)"),
        _("A certified trainer without a training record for this long is delisted."),
        "number",
        optional=True,
    ),
    Term(
        "sme_min_employees",
        _("Smallest enterprise (employees)"),
        _("An enterprise with fewer employees is selected with a size warning."),
        "number",
        optional=True,
    ),
    Term(
        "sme_max_employees",
        _("Largest enterprise (employees)"),
        _("An enterprise with more employees is selected with a size warning."),
        "number",
        optional=True,
    ),
    Term(
        "max_classroom_participants",
        _("Classroom participant limit"),
        _("A classroom workshop with more participants (managers and workers) is refused."),
        "number",
        optional=True,
    ),
)


@dataclass(frozen=True)
class ShownTerm:
    name: str
    label: str
    value: str


def shown_terms(terms: PolicyTerms) -> list[ShownTerm]:
    """Every term of a version, labelled (a term `TERMS` does not know by its field's name)."""
    labels = {term.name: term.label for term in TERMS}
    return [
        ShownTerm(
            field.name, labels.get(field.name, field.name), _written(getattr(terms, field.name))
        )
        for field in fields(terms)
    ]


def _written(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    return str(value)


def change_of(values: dict[str, str]) -> PolicyChange:
    """The form's fields as the JSON request; raises ValidationError as the API would."""
    body: dict[str, Any] = {"reason": values.get("reason", "")}
    for term in TERMS:
        raw = values.get(term.name, "").strip()
        if term.kind == "numbers":
            body[term.name] = [part for part in re.split(r"[,;\s]+", raw) if part]
        elif raw or not term.optional:
            body[term.name] = raw
    day = values.get("applies_from", "").strip()
    # From the start of that day, UTC (a date the reader chose; a moment the API may take).
    body["applies_from"] = f"{day}T00:00:00+00:00" if ISO_DAY.match(day) else day
    return PolicyChange.model_validate(body)


@router.get("/office/policies")
async def policies_page(page: SignedIn, done: str = "") -> Response:
    page.require(Action.READ_AUDIT)
    return await _policies(page, {}, None, done=done if done.isdigit() else "")


async def _policies(
    page: Page,
    values: dict[str, str],
    refusal: ReadableRefusal | None,
    status: int = 200,
    done: str = "",
) -> Response:
    user = page.signed_in_user()
    services = page.services
    now = datetime.now(UTC)
    configured = configured_terms(services.settings)
    versions = await run_in_threadpool(policy_versions, services.certification)
    number, terms = await run_in_threadpool(policy_at, services.certification, now, configured)
    in_force = shown_terms(terms)
    # Only the required terms are written in as they are now: an optional one left empty
    # keeps the value in force on the version's day, where today's, sent back unchanged,
    # would pin it.
    required = {term.name for term in TERMS if not term.optional}
    shown = {term.name: term.value for term in in_force if term.name in required}
    return page.render(
        "office_policies.html",
        status=status,
        title=page.gettext("Policy versions"),
        in_force_number=number,
        in_force=in_force,
        versions=[(v, shown_terms(v.terms)) for v in reversed(versions)],
        changes=policy.may(user.actor, Action.CHANGE_POLICY),
        terms=TERMS,
        values={**shown, **values},
        # A version applies from the start of a day (UTC) not begun yet.
        tomorrow=(now + timedelta(days=1)).date().isoformat(),
        refusal=refusal,
        done=done,
    )


@router.post("/office/policies")
async def record_policy(page: SignedIn) -> Response:
    """Record a new version of the policy: its terms, from when it applies, and why."""
    user = page.require(Action.CHANGE_POLICY)
    form: FormData = await page.form()
    values = dict(form_values(form))
    try:
        body = change_of(values)
    except ValidationError as invalid:
        return await _policies(page, values, page.wrong_fields(invalid), 422)
    services = page.services

    async def call(command_id: str) -> StoredResponse:
        version: PolicyVersion = await run_in_threadpool(
            record_change, services, body, user.actor, command_id
        )
        return StoredResponse(201, jsonable_encoder(version))

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        return await _policies(page, values, page.refusal(outcome), outcome.status_code)
    return page.redirect("/office/policies", done=str(outcome.body["number"]))
