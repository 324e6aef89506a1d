"""What the programme office searches: people, journeys, and who downloaded which material.

Each answer is a page: the rows from `offset`, at most `limit`, and how many match in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from domain.journey.state import Stage
from domain.trainer.state import Listing
from domain.values import Material, Module
from projections.queries.journeys import JourneyView, journey_view, journeys_query
from projections.queries.listing import modules
from projections.store import ReadModels
from projections.trainers import MODULE_SEPARATOR

MAX_PAGE = 100


class PersonStatus(StrEnum):
    """Where a person stands, as the office filters them."""

    CANDIDATE = "candidate"  # not certified yet
    LISTED = "listed"
    INACTIVE = "inactive"
    REMOVED = "removed"
    EXPERT = "expert"  # an expert trainer, whatever their own certification


@dataclass(frozen=True)
class PersonRow:
    trainer_id: str
    name: str
    email: str
    country: str
    is_expert: bool
    modules: tuple[Module, ...]
    certificate_number: str | None
    listing: Listing | None
    registered_at: datetime


@dataclass(frozen=True)
class PeoplePage:
    items: list[PersonRow]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class JourneysPage:
    items: list[JourneyView]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class MaterialDownload:
    trainer_id: str
    trainer_name: str | None
    module: Module
    material: Material
    opened_at: datetime


@dataclass(frozen=True)
class DownloadsPage:
    items: list[MaterialDownload]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class PeopleSearch:
    text: str | None = None  # in the name or the e-mail, any case
    email: str | None = None  # the whole address, any case
    country: str | None = None
    module: Module | None = None  # certified in it
    status: PersonStatus | None = None
    within: frozenset[str] | None = None  # a country office's countries; None: every country


def search_people(read: ReadModels, search: PeopleSearch, offset: int, limit: int) -> PeoplePage:
    """Registered trainers and experts matching every filter given, by name."""
    t = read.tables.trainers
    where = _people_filters(read, search)
    listed = select(t).where(*where).order_by(func.lower(t.c.name), t.c.trainer_id)
    rows, total = _page(read, listed, where, t, offset, limit)
    items = [
        PersonRow(
            trainer_id=row.trainer_id,
            name=row.name,
            email=row.email,
            country=row.country,
            is_expert=row.is_expert,
            modules=modules(row.modules),
            certificate_number=row.certificate_number,
            listing=Listing(row.listing) if row.listing else None,
            registered_at=row.registered_at,
        )
        for row in rows
    ]
    return PeoplePage(items, total, offset, limit)


def _people_filters(read: ReadModels, search: PeopleSearch) -> list[ColumnElement[bool]]:
    t = read.tables.trainers
    where: list[ColumnElement[bool]] = []
    if search.text:
        pattern = f"%{_escaped(search.text.lower())}%"
        where.append(
            or_(
                func.lower(t.c.name).like(pattern, escape="\\"),
                func.lower(t.c.email).like(pattern, escape="\\"),
            )
        )
    if search.email:
        where.append(func.lower(t.c.email) == search.email.strip().lower())
    if search.country:
        where.append(func.lower(t.c.country) == search.country.strip().lower())
    if search.within is not None:
        where.append(t.c.country.in_(sorted(search.within)))
    if search.module is not None:
        joined = MODULE_SEPARATOR + t.c.modules + MODULE_SEPARATOR
        pattern = f"%{MODULE_SEPARATOR}{search.module.value}{MODULE_SEPARATOR}%"
        where.append(joined.like(pattern))
    if search.status is PersonStatus.CANDIDATE:
        where.append(t.c.certificate_number.is_(None))
    elif search.status is PersonStatus.EXPERT:
        where.append(t.c.is_expert)
    elif search.status is not None:
        where.append(t.c.listing == search.status.value)
    return where


@dataclass(frozen=True)
class JourneySearch:
    expert_id: str | None = None  # supervised by this expert
    trainer_id: str | None = None
    module: Module | None = None
    stage: Stage | None = None
    is_open: bool | None = None
    within: frozenset[str] | None = None  # a country office's countries: its trainers'


def search_journeys(
    read: ReadModels, search: JourneySearch, offset: int, limit: int
) -> JourneysPage:
    """Journeys matching every filter given, the latest step first."""
    j = read.tables.journeys
    where: list[ColumnElement[bool]] = []
    if search.expert_id is not None:
        where.append(j.c.expert_id == search.expert_id)
    if search.trainer_id is not None:
        where.append(j.c.trainer_id == search.trainer_id)
    if search.module is not None:
        where.append(j.c.module == search.module.value)
    if search.stage is not None:
        where.append(j.c.stage == search.stage.value)
    if search.is_open is not None:
        where.append(j.c.is_open == search.is_open)
    if search.within is not None:
        t = read.tables.trainers
        theirs = select(t.c.trainer_id).where(t.c.country.in_(sorted(search.within)))
        where.append(j.c.trainer_id.in_(theirs))
    listed = journeys_query(read).where(*where).order_by(j.c.last_step_at.desc(), j.c.journey_id)
    rows, total = _page(read, listed, where, j, offset, limit)
    return JourneysPage([journey_view(row) for row in rows], total, offset, limit)


def material_downloads(
    read: ReadModels,
    trainer_id: str | None,
    module: Module | None,
    offset: int,
    limit: int,
) -> DownloadsPage:
    """Every download of a training material, the latest first."""
    d, t = read.tables.material_downloads, read.tables.trainers
    where: list[ColumnElement[bool]] = []
    if trainer_id is not None:
        where.append(d.c.trainer_id == trainer_id)
    if module is not None:
        where.append(d.c.module == module.value)
    listed = (
        select(d, t.c.name.label("trainer_name"))
        .outerjoin(t, t.c.trainer_id == d.c.trainer_id)
        .where(*where)
        .order_by(d.c.opened_at.desc(), d.c.trainer_id, d.c.event_version.desc())
    )
    rows, total = _page(read, listed, where, d, offset, limit)
    items = [
        MaterialDownload(
            row.trainer_id,
            row.trainer_name,
            Module(row.module),
            Material(row.material),
            row.opened_at,
        )
        for row in rows
    ]
    return DownloadsPage(items, total, offset, limit)


def _page(
    read: ReadModels,
    listed: Select[Any],
    where: list[ColumnElement[bool]],
    table: Any,
    offset: int,
    limit: int,
) -> tuple[list[Any], int]:
    counted = select(func.count()).select_from(table).where(*where)
    with read.connect() as conn:
        rows = list(conn.execute(listed.offset(offset).limit(limit)).all())
        total: int = conn.execute(counted).scalar_one()
    return rows, total


def _escaped(text: str) -> str:
    """LIKE's wildcards in a person's search are letters, not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
