"""The training materials of each module, uploaded by the programme office.

Kept in the database (`svc_material_files`), not in the data folder: the files are few (four
per module) and at most `MAX_MATERIAL_BYTES` each, every API replica then serves the same
file without a shared disk, and the database's backup holds them with the events that
record who downloaded them. A new upload of the same module and material replaces the file.

What a file is, is read from its bytes, not from the name or the Content-Type the uploader
sent: a PDF starts with `%PDF-`; Word, PowerPoint and Excel files (OOXML) and OpenDocument
files are ZIP archives whose parts say which they are. Anything else is refused.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.text import TextRefused, TextRule, clean_text
from domain.values import Material, Module
from service.storage.database import ServiceTables

MAX_MATERIAL_BYTES = 25 * 1024 * 1024
FILENAME = TextRule(200)

# ZIP-based formats: a part that only this format has, and what it is.
ZIP_FORMATS = (
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)
OPEN_DOCUMENT = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.spreadsheet",
}
PDF = "application/pdf"
ACCEPTED = "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx) or OpenDocument"


class MaterialFileRow(ServiceTables):
    __tablename__ = "svc_material_files"

    module: Mapped[str] = mapped_column(String(32), primary_key=True)
    material: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MaterialRefused(Exception):
    """The upload is not a document of an accepted type, or is empty or too large."""


@dataclass(frozen=True)
class MaterialInfo:
    module: Module
    material: Material
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class MaterialFile:
    info: MaterialInfo
    content: bytes


def content_type_of(content: bytes) -> str:
    """The document type the bytes hold, or MaterialRefused."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        found = _zip_document_type(content)
        if found is not None:
            return found
    raise MaterialRefused(f"The file is not a {ACCEPTED} document; upload one of those.")


def _zip_document_type(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:  # OpenDocument: the first part names the type
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in OPEN_DOCUMENT else None
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in ZIP_FORMATS if part in names), None)


def clean_filename(filename: str) -> str:
    """The name shown and offered on download: no folders, no control characters."""
    try:
        name = clean_text(filename.replace("\\", "/").rsplit("/", 1)[-1], FILENAME)
    except TextRefused as refused:
        raise MaterialRefused(f"The file name {refused}") from None
    if not name or name in {".", ".."}:
        raise MaterialRefused("Give the file a name (the `filename` parameter).")
    return name


class Materials:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def upload(
        self,
        module: Module,
        material: Material,
        filename: str,
        content: bytes,
        uploaded_by: str,
        now: datetime,
    ) -> MaterialInfo:
        """Keep the file for the module's material, replacing any earlier one."""
        if not content:
            raise MaterialRefused("The file is empty.")
        if len(content) > MAX_MATERIAL_BYTES:
            raise MaterialRefused(f"The file is larger than {MAX_MATERIAL_BYTES // 2**20} MiB.")
        row = MaterialFileRow(
            module=module.value,
            material=material.value,
            filename=clean_filename(filename),
            content_type=content_type_of(content),
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_by=uploaded_by,
            uploaded_at=now,
        )
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            session.merge(row)
        return _info(row)

    def listing(self, module: Module | None = None) -> list[MaterialInfo]:
        """What is uploaded (without the files), by module and material."""
        columns = [c for c in MaterialFileRow.__table__.c if c.name != "content"]
        query = select(*columns).order_by(MaterialFileRow.module, MaterialFileRow.material)
        if module is not None:
            query = query.where(MaterialFileRow.module == module.value)
        with Session(self._engine) as session:
            rows = session.execute(query).all()
        return [_info(row) for row in rows]

    def file(self, module: Module, material: Material) -> MaterialFile | None:
        with Session(self._engine) as session:
            row = session.get(MaterialFileRow, (module.value, material.value))
            return None if row is None else MaterialFile(_info(row), row.content)


def _info(row: Any) -> MaterialInfo:
    """From an ORM row or a row of the columns but the content."""
    uploaded_at: datetime = row.uploaded_at
    return MaterialInfo(
        module=Module(row.module),
        material=Material(row.material),
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        # SQLite hands back naive datetimes: they were stored as UTC.
        uploaded_at=uploaded_at if uploaded_at.tzinfo else uploaded_at.replace(tzinfo=UTC),
    )
