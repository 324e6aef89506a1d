"""Training materials: the office uploads them per module; a listed trainer downloads those
of the modules they hold, each download recorded (the trainer's `MaterialsOpened` event)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from domain import policy
from domain.policy import About, Action
from domain.values import Material, Module
from projections.queries import office
from service.app.accounts import User
from service.app.materials import (
    MAX_MATERIAL_BYTES,
    OPEN_DOCUMENT,
    PDF,
    ZIP_FORMATS,
    MaterialInfo,
    MaterialRefused,
)
from service.http.deps import ServicesDep, allowed_to
from service.http.parameters import MAX_POSITION, TrainerId, uuid_query
from service.http.reading import FreshReads
from service.http.schemas import refusals

router = APIRouter(tags=["materials"])

Office = Annotated[User, Depends(allowed_to(Action.MANAGE_MATERIALS))]
Readers = Annotated[User, Depends(allowed_to(Action.OPEN_MATERIALS))]
DOCUMENT_TYPES = [PDF, *(kind for _, kind in ZIP_FORMATS), *sorted(OPEN_DOCUMENT)]
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the file's bytes, as they are (not a form)",
        "content": {"application/octet-stream": BINARY},
    }
}
Filename = Annotated[
    str, Query(min_length=1, max_length=200, description="the file's name, offered on download")
]


@router.put(
    "/materials/{module}/{material}",
    openapi_extra=UPLOAD_BODY,
    responses={
        **refusals(e403="Wrong role"),
        413: {"description": f"The file is larger than {MAX_MATERIAL_BYTES // 2**20} MiB"},
        415: {"description": "Not a PDF, Word, PowerPoint, Excel or OpenDocument file"},
    },
)
async def upload_material(
    module: Module,
    material: Material,
    filename: Filename,
    request: Request,
    user: Office,
    services: ServicesDep,
) -> MaterialInfo:
    """Upload (or replace) a module's manual, trainer guide, presentation or enterprise
    visit guide. Its type is read from its bytes; the name is what downloads are saved as."""
    content = await request.body()
    try:
        return await run_in_threadpool(
            services.materials.upload,
            module,
            material,
            filename,
            content,
            user.username,
            datetime.now(UTC),
        )
    except MaterialRefused as refused:
        raise HTTPException(415, str(refused)) from None


@router.get("/materials", dependencies=[Depends(allowed_to(Action.MANAGE_MATERIALS))])
def read_materials(services: ServicesDep, module: Module | None = None) -> list[MaterialInfo]:
    """The materials uploaded, per module: name, type, size, checksum, who and when."""
    return services.materials.listing(module)


@router.get("/materials/downloads", dependencies=[Depends(allowed_to(Action.MANAGE_MATERIALS))])
def read_downloads(
    read: FreshReads,
    trainer_id: Annotated[str | None, uuid_query("only this trainer's downloads")] = None,
    module: Module | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    limit: Annotated[int, Query(ge=1, le=office.MAX_PAGE)] = 50,
) -> office.DownloadsPage:
    """Every download of a training material, the latest first: who, what, when."""
    return office.material_downloads(read, trainer_id, module, offset, limit)


@router.get(
    "/trainers/{trainer_id}/materials/{module}/{material}",
    response_class=Response,
    responses={
        **refusals(
            e403="Not the trainer themselves, not listed, or not certified in the module",
            e404="No such trainer, or the material is not uploaded yet",
        ),
        200: {
            "description": "The file, to save",
            "content": dict.fromkeys(DOCUMENT_TYPES, BINARY),
        },
    },
)
async def download_material(
    trainer_id: TrainerId,
    module: Module,
    material: Material,
    user: Readers,
    services: ServicesDep,
) -> Response:
    """Download a training material: only a listed trainer, only for a module they hold.
    Each download is recorded (who, what, when) and the office sees it."""
    # Only the trainer themself: decided before anything is looked up, so a refused caller
    # learns nothing of who is a trainer or which files exist.
    policy.require(user.actor, Action.OPEN_MATERIALS, About(trainer_id=trainer_id))
    found = await run_in_threadpool(services.materials.file, module, material)
    if found is None:
        raise HTTPException(
            404, f"The {material.value} of {module.value} is not uploaded yet; ask the office."
        )
    # Refused (403) unless allowed; recorded otherwise: every download is its own event.
    await run_in_threadpool(
        services.certification.open_materials,
        trainer_id,
        module,
        material,
        user.actor,
        uuid.uuid4().hex,
        datetime.now(UTC),
    )
    return Response(
        found.content,
        media_type=found.info.content_type,
        headers={"Content-Disposition": attachment(found.info.filename)},
    )


def attachment(filename: str) -> str:
    """Content-Disposition for any name: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
