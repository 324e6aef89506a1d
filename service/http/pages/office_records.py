"""The office's pages for the records themselves: importing past records from a CSV file
(as `POST /imports/{kind}`, by the same `imported`), and erasing a person's personal data
on their request (as `POST /trainers/{id}/erasure`, by `service/app/erasure.py`), each behind
the same action of domain/policy.py as its JSON endpoint."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from domain.policy import Action
from service.app.idempotency import StoredResponse
from service.app.import_rows import Kind
from service.http.pages.kit import Page, SignedIn, form_values
from service.http.pages.office_logins import trainer_record
from service.http.pages.refusals import ReadableRefusal
from service.http.routes.imports import MAX_CSV_CHARACTERS, imported
from service.http.schemas import ErasePersonalData, trainer_body

router = APIRouter(include_in_schema=False)


@router.get("/office/imports")
async def imports_page(page: SignedIn) -> Response:
    page.require(Action.IMPORT_PAST_RECORDS)
    return _imports(page)


def _imports(
    page: Page,
    report: dict[str, Any] | None = None,
    refusal: ReadableRefusal | None = None,
    status: int = 200,
) -> Response:
    return page.render(
        "office_imports.html",
        status=status,
        title=page.gettext("Import past records"),
        kinds=[kind.value for kind in Kind],
        report=report,
        refusal=refusal,
        max_kib=MAX_CSV_CHARACTERS // 1024,
    )


@router.post("/office/imports")
async def import_file(page: SignedIn) -> Response:
    """Check a CSV file (a dry run) or import it, all or nothing; the report as a table."""
    user = page.require(Action.IMPORT_PAST_RECORDS)
    form = await page.form()
    kind = next((k for k in Kind if k.value == form.get("kind")), None)
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if kind is None or not text.strip() or len(text) > MAX_CSV_CHARACTERS:
        problem = page.gettext(
            "Choose what the file holds and a CSV file in UTF-8 of at most %(kib)s KiB "
            "(a larger file goes through the command line, `score import`).",
            kib=MAX_CSV_CHARACTERS // 1024,
        )
        return _imports(page, refusal=ReadableRefusal(problem), status=422)
    dry_run = form.get("dry_run") == "yes"

    async def call(_: str) -> StoredResponse:  # the rows' ids come from their content
        answer = await imported(page.services, kind, text, user.actor, dry_run)
        return StoredResponse(200, answer.model_dump(mode="json"))

    # The form's meaning holds the file's content: the same form sent again with another
    # file (after going back) is another request, not the first one's answer.
    digest = hashlib.sha256(content).hexdigest()
    meant = FormData([(k, digest if k == "file" else v) for k, v in form.multi_items()])
    outcome = await page.submitted(meant, call)
    if outcome.status_code >= 300:
        return _imports(page, refusal=page.refusal(outcome), status=outcome.status_code)
    return _imports(page, report=outcome.body)


@router.get("/office/people/{trainer_id}/erasure")
async def erasure_page(trainer_id: str, page: SignedIn) -> Response:
    page.require(Action.ERASE_PERSONAL_DATA)
    return await _erasure(page, trainer_id)


async def _erasure(
    page: Page,
    trainer_id: str,
    values: dict[str, str] | None = None,
    refusal: ReadableRefusal | None = None,
    status: int = 200,
) -> Response:
    trainer = await run_in_threadpool(trainer_record, page, trainer_id)
    return page.render(
        "office_erasure.html",
        status=status,
        title=page.gettext("Erase the personal data of %(name)s", name=trainer.name),
        trainer=trainer,
        values=values or {},
        refusal=refusal,
    )


@router.post("/office/people/{trainer_id}/erasure")
async def erase(trainer_id: str, page: SignedIn) -> Response:
    """Erase the person's personal data, with the reason, once the form names them again."""
    user = page.require(Action.ERASE_PERSONAL_DATA)
    form = await page.form()
    values = dict(form_values(form))
    trainer = await run_in_threadpool(trainer_record, page, trainer_id)
    try:
        body = ErasePersonalData.model_validate(values)
    except ValidationError as invalid:
        return await _erasure(page, trainer_id, values, page.wrong_fields(invalid), 422)
    if body.trainer_id != trainer.trainer_id:
        said = page.gettext(
            "The confirmation does not name this person: type their id, %(id)s, to erase "
            "their personal data.",
            id=trainer.trainer_id,
        )
        return await _erasure(page, trainer_id, values, ReadableRefusal(said), 422)
    erasure = page.services.erasure

    async def call(command_id: str) -> StoredResponse:
        now = datetime.now(UTC)
        erased = await run_in_threadpool(
            erasure.erase, trainer.trainer_id, body.reason, user.actor, command_id, now
        )
        return StoredResponse(200, trainer_body(erased.state))

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        refused = page.refusal(outcome)
        return await _erasure(page, trainer_id, values, refused, outcome.status_code)
    return page.redirect(f"/office/people/{trainer.trainer_id}/erasure")
