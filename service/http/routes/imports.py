"""The programme office imports past records and exports them, as CSV (service/app/imports.py).

The body carries the CSV file's text as JSON (`{"csv": "..."}`, within the API's 64 KiB;
larger files go through `score import`, or in parts). Rows are commands whose ids come from
their content, so sending the same file again writes nothing twice, with or without an
Idempotency-Key.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from domain.policy import Action
from domain.values import Actor
from service.app.accounts import User
from service.app.exports import export_csv
from service.app.import_rows import Kind
from service.app.imports import import_csv
from service.http.deps import Services, ServicesDep, allowed_to
from service.http.schemas import refusals

router = APIRouter(tags=["imports"])

Importers = Annotated[User, Depends(allowed_to(Action.IMPORT_PAST_RECORDS))]
MAX_CSV_CHARACTERS = 64 * 1024  # the API's body limit; a larger file goes through the CLI


class ImportFile(BaseModel):
    csv: str = Field(
        max_length=MAX_CSV_CHARACTERS,
        description="the CSV file's text: a header row, then one row per record",
    )


class ImportProblem(BaseModel):
    row: int  # the file's line, the header being 1
    column: str | None
    reason: str


class ImportAnswer(BaseModel):
    kind: Kind
    dry_run: bool
    rows: int
    written: int  # a dry run: would write
    already: int  # imported before: nothing written
    problems: list[ImportProblem]  # any problem: nothing was written
    standings: int  # standing workflows started or told


@router.post(
    "/imports/{kind}",
    responses=refusals(e403="Only the programme office imports", e422="Malformed input"),
)
async def import_past_records(
    kind: Kind,
    file: ImportFile,
    user: Importers,
    services: ServicesDep,
    dry_run: Annotated[bool, Query(description="check every row; write nothing")] = False,
) -> ImportAnswer:
    """Import past trainers, certificates (original dates and numbers) or training records.

    All or nothing: a file with any problem writes nothing, and the answer lists each problem
    by row and column. Trainers certified or with a record get their standing workflow."""
    return await imported(services, kind, file.csv, user.actor, dry_run)


async def imported(
    services: Services, kind: Kind, text: str, actor: Actor, dry_run: bool
) -> ImportAnswer:
    """The file imported (or checked, on a dry run); the standings of the trainers it
    certified or gave a record handed over to their workflows. The office's import page
    (service/http/pages/office_records.py) imports by this too."""
    now = datetime.now(UTC)
    report = await run_in_threadpool(
        import_csv, services.certification, kind, text, actor, now, dry_run=dry_run
    )
    handed_over = 0
    if not dry_run and not report.problems and report.certified:
        await services.steps.hand_over_standings(report.certified)
        handed_over = len(report.certified)
    answer = asdict(report)
    del answer["certified"]
    return ImportAnswer(**answer, standings=handed_over)


@router.get(
    "/exports/{kind}",
    dependencies=[Depends(allowed_to(Action.IMPORT_PAST_RECORDS))],
    response_class=PlainTextResponse,
    responses={
        **refusals(e403="Only the programme office exports"),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
    },
)
async def export_records(kind: Kind, services: ServicesDep) -> PlainTextResponse:
    """Every trainer, certification or training record, in the shape the import reads."""
    text = await run_in_threadpool(export_csv, services.certification, kind)
    return PlainTextResponse(text, media_type="text/csv")
