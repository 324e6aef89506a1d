"""The auditors' endpoints: history, exports, state as of a moment, the hash chain's check.

Only auditors and the programme office get in, and every call is recorded first (who, what,
when) in the audit read log, which is itself readable here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from domain.errors import InvalidInput
from domain.policy import Action
from domain.values import Module
from projections import queries
from service.app.accounts import User
from service.app.audit import history
from service.app.audit.access_log import AuditRead
from service.app.audit.as_of import JourneyAsOf, TrainerAsOf, View, journey_as_of, trainer_as_of
from service.app.audit.export import ExportFormat, export
from service.app.audit.history import HistoryFilter, HistoryPage
from service.app.audit.moments import parse_moment
from service.app.audit.verify import Anchor, VerifyReport, verify_chains
from service.http.deps import ServicesDep, allowed_to
from service.http.parameters import (
    CertificateNumber,
    CountryFilter,
    JourneyId,
    TrainerId,
    documented_as,
    moment,
    position,
)
from service.storage.chain import chain_of

Auditor = Annotated[User, Depends(allowed_to(Action.READ_AUDIT))]


def recorded_read(request: Request, user: Auditor, services: ServicesDep) -> User:
    """Let auditors and the programme office in, and record what they read before they do."""
    parameters: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        parameters.setdefault(name, []).append(value)
    # The log keeps a path of up to PATH_KEPT characters; an id that long names nothing, and
    # its read is still on record.
    path = request.url.path[:PATH_KEPT]
    services.audit.reads.record(user.username, user.role.value, path, parameters, datetime.now(UTC))
    return user


router = APIRouter(
    prefix="/audit",
    tags=["audit"],
    dependencies=[Depends(recorded_read)],
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Only auditors and the programme office read the audit"},
        422: {"description": "A malformed date, filter or page size; `detail` says which"},
    },
)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such trainer or journey"}}


EVENT_TYPES = {"type": "array", "items": {"type": "string", "enum": sorted(history.EVENT_TOPICS)}}
Since = Annotated[str | None, moment("events from this date or time on (2026-03-01, …T12:00Z)")]
Until = Annotated[str | None, moment("events up to this date (its end) or time")]
At = Annotated[str, moment("a date (its end, UTC) or a time with its zone")]
Types = Annotated[
    list[str] | None,
    Query(
        alias="type",
        description="only these event types, e.g. Journey.CycleAssessed",
        json_schema_extra=documented_as(EVENT_TYPES),
    ),
]
After = Annotated[int, position("the position after which the page starts")]
ViewOf = Annotated[
    View,
    Query(
        alias="view",
        description="as-recorded: what the service knew at `at` (corrections recorded later "
        "ignored); as-in-effect: what was true at `at`, with every correction known now",
    ),
]
PATH_KEPT = 1000  # svc_audit_reads.path is a VARCHAR(1000)
# Documented, checked by Anchor.parse, whose refusal says what an anchor looks like.
ANCHOR = r"^[0-9]+:[0-9a-fA-F]{64}$"
EXPORTED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The events, streamed: one JSON object a line, or CSV with a header",
        "content": {
            ExportFormat.NDJSON.media_type: {"schema": {"type": "string"}},
            ExportFormat.CSV.media_type: {"schema": {"type": "string"}},
        },
    }
}
Limit = Annotated[int, Query(ge=1, le=history.MAX_PAGE_SIZE, description="events per page")]
Format = Annotated[ExportFormat, Query(alias="format", description="ndjson or csv")]


def _stream(
    services: ServicesDep,
    aggregates: list[UUID] | None,
    only: HistoryFilter,
    form: ExportFormat,
    name: str,
) -> StreamingResponse:
    """Stream the export; anything that can be refused was checked before the first byte."""
    entries = history.entries(services.certification, aggregates, only)
    disposition = f'attachment; filename="{name}.{form.value}"'
    return StreamingResponse(
        export(entries, form),
        media_type=form.media_type,
        headers={"Content-Disposition": disposition},
    )


@router.get("/trainers/{trainer_id}/history", responses=NOT_FOUND)
def read_trainer_history(
    trainer_id: TrainerId,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    types: Types = None,
    after: After = 0,
    limit: Limit = 100,
) -> HistoryPage:
    """Every event of the trainer and of all their journeys, in the order stored: when,
    who (actor and role), which command, what. Page on with `after=next_after`."""
    only, app = HistoryFilter.from_text(since, until, types), services.certification
    return history.page_of(app, history.trainer_aggregates(app, trainer_id), only, after, limit)


@router.get("/journeys/{journey_id}/history", responses=NOT_FOUND)
def read_journey_history(
    journey_id: JourneyId,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    types: Types = None,
    after: After = 0,
    limit: Limit = 100,
) -> HistoryPage:
    """Every event of one journey, in order, with time, actor, role, type and payload."""
    only, app = HistoryFilter.from_text(since, until, types), services.certification
    return history.page_of(app, history.journey_aggregates(app, journey_id), only, after, limit)


@router.get(
    "/trainers/{trainer_id}/history/export",
    responses={**NOT_FOUND, **EXPORTED},
    response_class=StreamingResponse,
)
def export_trainer_history(
    trainer_id: TrainerId,
    services: ServicesDep,
    form: Format = ExportFormat.NDJSON,
    since: Since = None,
    until: Until = None,
    types: Types = None,
) -> StreamingResponse:
    """The trainer's whole history (and their journeys') as NDJSON or CSV, streamed."""
    only = HistoryFilter.from_text(since, until, types)
    aggregates = history.trainer_aggregates(services.certification, trainer_id)
    return _stream(services, aggregates, only, form, f"trainer-{trainer_id}")


@router.get(
    "/journeys/{journey_id}/history/export",
    responses={**NOT_FOUND, **EXPORTED},
    response_class=StreamingResponse,
)
def export_journey_history(
    journey_id: JourneyId,
    services: ServicesDep,
    form: Format = ExportFormat.NDJSON,
    since: Since = None,
    until: Until = None,
    types: Types = None,
) -> StreamingResponse:
    """One journey's history as NDJSON or CSV, streamed."""
    only = HistoryFilter.from_text(since, until, types)
    aggregates = history.journey_aggregates(services.certification, journey_id)
    return _stream(services, aggregates, only, form, f"journey-{journey_id}")


@router.get("/events/export", responses=EXPORTED, response_class=StreamingResponse)
def export_all_events(
    services: ServicesDep,
    form: Format = ExportFormat.NDJSON,
    since: Since = None,
    until: Until = None,
    types: Types = None,
) -> StreamingResponse:
    """Every event in the store, in order, streamed in constant memory (millions are fine)."""
    only = HistoryFilter.from_text(since, until, types)
    return _stream(services, None, only, form, "events")


@router.get("/trainers/{trainer_id}/as-of", responses=NOT_FOUND)
def read_trainer_as_of(
    trainer_id: TrainerId, services: ServicesDep, at: At, view: ViewOf = View.AS_RECORDED
) -> TrainerAsOf:
    """The trainer as they stood at `at`: record, journeys and their steps, certified
    modules, listed or not and why (the event that decided it, and who took it); their
    journeys as recorded then (default) or as in effect (docs/audit.md)."""
    moment = parse_moment(at, end_of_day=True)
    return trainer_as_of(services.certification, trainer_id, moment, view)


@router.get(
    "/journeys/{journey_id}/as-of",
    responses={404: {"description": "No such journey, or not enrolled yet at that moment"}},
)
def read_journey_as_of(
    journey_id: JourneyId, services: ServicesDep, at: At, view: ViewOf = View.AS_RECORDED
) -> JourneyAsOf:
    """The journey as it stood at `at`: its state and its events up to then, as recorded
    then (default: a correction recorded later is ignored) or as in effect (every
    correction known now applied, listed in `corrections_since`)."""
    moment = parse_moment(at, end_of_day=True)
    return journey_as_of(services.certification, journey_id, moment, view)


@router.get("/public-list")
def read_public_list_on(
    services: ServicesDep,
    on: At,
    country: CountryFilter = None,
    module: Module | None = None,
) -> list[queries.PublicTrainer]:
    """The public list of certified trainers as it stood on a date."""
    with services.audit.past.at(parse_moment(on, end_of_day=True)) as read:
        return queries.public_list(read, country, module)


@router.get("/certificates/{number}", responses={404: {"description": "Not issued by then"}})
def verify_certificate_on(
    number: CertificateNumber, services: ServicesDep, on: At
) -> queries.CertificateCheck:
    """A certificate as a verifier would have seen it on a date: holder, modules, listed."""
    with services.audit.past.at(parse_moment(on, end_of_day=True)) as read:
        found = queries.verify_certificate(read, number)
    if found is None:
        raise HTTPException(404, f"Certificate {number.strip().upper()} was not issued by {on}.")
    return found


@router.get("/verify")
def verify_event_chains(
    services: ServicesDep,
    anchor: Annotated[
        str | None,
        Query(
            description="a store digest kept from an earlier check: <position>:<hex digest>",
            json_schema_extra=documented_as({"type": "string", "pattern": ANCHOR}),
        ),
    ] = None,
) -> VerifyReport:
    """Recompute every aggregate's hash chain from the stored events; report the first
    altered, missing, unchained or reordered event of each, and the store's digest."""
    try:
        kept = Anchor.parse(anchor) if anchor else None
    except ValueError as bad:
        raise InvalidInput(str(bad)) from None
    return verify_chains(chain_of(services.certification), kept)


@router.get("/reads")
def read_audit_reads(
    services: ServicesDep,
    username: str | None = None,
    since: Since = None,
    until: Until = None,
    after: Annotated[int, position("the read id after which to start")] = 0,
    limit: Limit = 100,
) -> list[AuditRead]:
    """Who read what in the audit and when (this very read included), oldest first."""
    return services.audit.reads.reads(
        username,
        parse_moment(since, end_of_day=False) if since else None,
        parse_moment(until, end_of_day=True) if until else None,
        after,
        limit,
    )
