"""A certified trainer's training materials: those of the modules they hold, each downloaded
through the session by the same application service and domain rule as the JSON API
(`GET /trainers/{id}/materials/...`), each download recorded (`Trainer.MaterialsOpened`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError
from domain.policy import About, Action
from domain.trainer.rules import check_materials_access
from domain.trainer.state import TrainerState
from domain.values import Material, Module
from service.app.idempotency import StoredResponse
from service.app.refusals import refusal_body, refusal_status
from service.http.pages.kit import FORM_KEY_FIELD, Page, PageRefused, SignedIn
from service.http.routes.materials import attachment

router = APIRouter(include_in_schema=False)

# A download's command id comes from its form's key: the same form sent twice (a double
# click, a retry) records one download, while every rendered form records its own.
DOWNLOAD_IDS = uuid.UUID("6f1d0c52-52a4-4c57-9a8e-2f0f3b1f8a13")


@router.get("/me/materials")
async def my_materials(page: SignedIn) -> Response:
    trainer = await run_in_threadpool(_reader_of_materials, page)
    uploaded = await run_in_threadpool(page.services.materials.listing)
    held = [m for m in uploaded if trainer.holds(m.module)]
    return page.render(
        "my_materials.html",
        title=page.gettext("My training materials"),
        trainer=trainer,
        materials=held,
    )


@router.post("/me/materials/{module}/{material}")
async def download_material(module: Module, material: Material, page: SignedIn) -> Response:
    """The file, to save; the download is recorded first, and refused as the API refuses."""
    trainer = await run_in_threadpool(_reader_of_materials, page)
    form = await page.form()
    key = form.get(FORM_KEY_FIELD)
    if not isinstance(key, str) or not 1 <= len(key) <= 64:
        raise PageRefused(400, page.gettext("This form has no key. Reload the page."))
    user = page.signed_in_user()
    try:  # the module's rule before the file: a refused reader learns nothing of the files
        check_materials_access(trainer, module, user.actor)
    except DomainError as refused:
        raise _refused(page, refused) from None
    found = await run_in_threadpool(page.services.materials.file, module, material)
    if found is None:
        raise PageRefused(404, page.gettext("This material is not uploaded yet; ask the office."))
    command_id = uuid.uuid5(DOWNLOAD_IDS, f"{user.username}:{key}:{module}:{material}").hex
    try:
        await run_in_threadpool(
            page.services.certification.open_materials,
            trainer.trainer_id,
            module,
            material,
            user.actor,
            command_id,
            datetime.now(UTC),
        )
    except DomainError as refused:
        raise _refused(page, refused) from None
    response = Response(
        found.content,
        media_type=found.info.content_type,
        headers={"Content-Disposition": attachment(found.info.filename)},
    )
    page.finish(response)
    return response


def _reader_of_materials(page: Page) -> TrainerState:
    """The signed-in trainer, if the domain's rule lets them open materials at all: listed,
    certified in a module (else the 403 page, in the rule's words)."""
    user = page.signed_in_user()
    if user.trainer_id is None:
        raise PageRefused(403, page.gettext("These pages are for trainers and expert trainers."))
    page.require(Action.OPEN_MATERIALS, About(trainer_id=user.trainer_id))
    trainer = page.services.certification.trainer(user.trainer_id)
    if not trainer.certified_modules:
        raise PageRefused(
            403, page.gettext("The training materials open once you are a certified trainer.")
        )
    try:
        for module in trainer.certified_modules:
            check_materials_access(trainer, module, user.actor)
    except DomainError as refused:
        raise _refused(page, refused) from None
    return trainer


def _refused(page: Page, refused: DomainError) -> PageRefused:
    status = refusal_status(refused)
    return PageRefused(status, page.refusal(StoredResponse(status, refusal_body(refused))).text)
