"""The auditor's pages: a trainer's or a journey's history as a timeline with filters, the
trainer as they stood on a date, the hash chain's verdict, and the exports (NDJSON, CSV).

The same services as the audit API (service/app/audit/, service/http/routes/audit.py), behind
the same action (READ_AUDIT: auditors and the programme office); every page read is recorded
in the audit read log, as the API's reads are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError, NotFound
from domain.journey.state import RecordedStep
from domain.policy import Action
from service.app.audit import history
from service.app.audit.as_of import TrainerAsOf, View, trainer_as_of
from service.app.audit.export import ExportFormat, export
from service.app.audit.history import HistoryFilter
from service.app.audit.moments import parse_moment
from service.app.audit.verify import verify_chains
from service.http.pages.kit import Page, PageRefused, SignedIn
from service.http.pages.timeline import SHOWN_FIELDS
from service.storage.chain import chain_of

router = APIRouter(include_in_schema=False)
EVENTS_SHOWN = 200
PATH_KEPT = 1000


def _recorded(page: Page) -> None:
    """Let auditors and the office in, and record the read before it happens."""
    user = page.require(Action.READ_AUDIT)
    parameters: dict[str, list[str]] = {}
    for name, value in page.request.query_params.multi_items():
        parameters.setdefault(name, []).append(value)
    page.services.audit.reads.record(
        user.username,
        user.role.value,
        page.request.url.path[:PATH_KEPT],
        parameters,
        datetime.now(UTC),
    )


def _filter(page: Page, since: str, until: str, kind: str) -> tuple[HistoryFilter, str]:
    """The filters as typed; a malformed date is said, and the unfiltered history shown."""
    types = [kind] if kind in history.EVENT_TOPICS else None
    try:
        return HistoryFilter.from_text(since or None, until or None, types), ""
    except DomainError:
        problem = page.gettext("Write dates as 2026-03-01 (or a time with its zone).")
        return HistoryFilter.from_text(None, None, types), problem


def _aggregates(page: Page, kind: str, record_id: str) -> list[UUID]:
    app = page.services.certification
    try:
        if kind == "trainer":
            return history.trainer_aggregates(app, record_id)
        return history.journey_aggregates(app, record_id)
    except NotFound:
        raise PageRefused(404, page.gettext("There is no such record.")) from None


@dataclass(frozen=True)
class StepThen:
    """One recorded step of a journey at the moment, in both views of the past."""

    version: int
    kind: str
    as_recorded: dict[str, Any] | None  # its values as the service knew them then; None: voided
    as_in_effect: dict[str, Any] | None  # with every correction known now; None: voided
    corrected: bool  # the views differ


def _facts(entry: RecordedStep) -> dict[str, Any] | None:
    if entry.voided:
        return None
    shown = {name: getattr(entry.step, name, None) for name in SHOWN_FIELDS}
    shown["size_warning"] = entry.size_warning  # the page words it (`worded_warning`)
    return {name: value for name, value in shown.items() if value not in ("", None, {})}


def _both_views(recorded: TrainerAsOf, in_effect: TrainerAsOf) -> list[tuple[str, list[StepThen]]]:
    """Each journey then, its steps as recorded and as in effect (docs/audit.md)."""
    journeys = []
    for then, now in zip(recorded.journeys, in_effect.journeys, strict=True):
        steps = [
            StepThen(a.version, a.step.kind, _facts(a), _facts(b), a != b)
            for a, b in zip(then.state.recorded, now.state.recorded, strict=True)
        ]
        journeys.append((then.state.module.value, steps))
    return journeys


@router.get("/auditor/trainers/{trainer_id}")
async def trainer_history(
    trainer_id: str,
    page: SignedIn,
    at: str = "",
    since: str = "",
    until: str = "",
    type: str = "",
) -> Response:
    """A trainer's history and their journeys', and the trainer as they stood on `at`."""
    _recorded(page)
    aggregates = await run_in_threadpool(_aggregates, page, "trainer", trainer_id)
    only, problem = _filter(page, since, until, type)
    entries = await run_in_threadpool(_entries, page, aggregates, only)
    as_of, views, at_problem = None, None, ""
    if at:
        try:
            moment = parse_moment(at, end_of_day=True)
            app = page.services.certification
            as_of = await run_in_threadpool(trainer_as_of, app, trainer_id, moment)
            in_effect = await run_in_threadpool(
                trainer_as_of, app, trainer_id, moment, View.AS_IN_EFFECT
            )
            views = _both_views(as_of, in_effect)
        except DomainError:
            at_problem = page.gettext("Write dates as 2026-03-01 (or a time with its zone).")
    return _history_page(
        page,
        "trainer",
        trainer_id,
        entries,
        problem or at_problem,
        as_of=as_of,
        views=views,
        at=at,
        since=since,
        until=until,
        type=type,
    )


@router.get("/auditor/journeys/{journey_id}")
async def journey_history(
    journey_id: str,
    page: SignedIn,
    since: str = "",
    until: str = "",
    type: str = "",
) -> Response:
    _recorded(page)
    aggregates = await run_in_threadpool(_aggregates, page, "journey", journey_id)
    only, problem = _filter(page, since, until, type)
    entries = await run_in_threadpool(_entries, page, aggregates, only)
    return _history_page(
        page,
        "journey",
        journey_id,
        entries,
        problem,
        as_of=None,
        views=None,
        at="",
        since=since,
        until=until,
        type=type,
    )


def _entries(page: Page, aggregates: list[UUID], only: HistoryFilter) -> list[Any]:
    found = history.page_of(page.services.certification, aggregates, only, 0, EVENTS_SHOWN)
    return list(found.entries)


def _history_page(
    page: Page, kind: str, record_id: str, entries: list[Any], problem: str, **context: Any
) -> Response:
    title = (
        page.gettext("A trainer's history")
        if kind == "trainer"
        else page.gettext("A journey's history")
    )
    return page.render(
        "auditor_history.html",
        title=title,
        kind=kind,
        record_id=record_id,
        entries=entries,
        problem=problem,
        event_types=sorted(history.EVENT_TOPICS),
        **context,
    )


@router.get("/auditor/{kind}s/{record_id}/export")
async def export_history(
    kind: str, record_id: str, page: SignedIn, format: str = "csv"
) -> Response:
    """The record's whole history as a file: NDJSON or CSV."""
    if kind not in ("trainer", "journey"):
        raise PageRefused(404, page.gettext("There is no such record."))
    _recorded(page)
    aggregates = await run_in_threadpool(_aggregates, page, kind, record_id)
    form = ExportFormat.NDJSON if format == "ndjson" else ExportFormat.CSV
    rows = history.entries(page.services.certification, aggregates, HistoryFilter())
    name = f"{kind}-{record_id}.{form.value}"
    response = StreamingResponse(
        export(rows, form),
        media_type=form.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
    page.finish(response)
    return response


@router.get("/auditor/verify")
async def verify(page: SignedIn) -> Response:
    """Recompute every hash chain and say whether the store is intact."""
    _recorded(page)
    report = await run_in_threadpool(verify_chains, chain_of(page.services.certification))
    return page.render("auditor_verify.html", title=page.gettext("The hash chain"), report=report)
