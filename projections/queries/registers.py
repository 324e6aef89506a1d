"""Registers as the office and field staff read them: trainer profiles and ToT workshops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from domain.trainer.state import Listing
from domain.values import Module
from projections.queries.listing import modules
from projections.queries.people import person_id
from projections.store import ReadModels


@dataclass(frozen=True)
class TrainerProfile:
    trainer_id: str
    name: str
    email: str  # private: shown only to the trainer, their experts, hq and auditors
    country: str
    is_expert: bool
    registered_at: datetime
    certificate_number: str | None
    certified_at: datetime | None
    modules: tuple[Module, ...]
    listing: Listing | None


@dataclass(frozen=True)
class Workshop:
    workshop_id: str
    module: Module
    code: str
    starts_on: date
    ends_on: date
    venue: str
    country: str
    expert_id: str | None  # shown to the office, auditors and the expert themself
    cancelled_reason: str | None = None  # why the office cancelled it, if it did


def trainer_profile(read: ReadModels, trainer_id: str) -> TrainerProfile | None:
    t = read.tables.trainers
    person = person_id(read, trainer_id)  # a merged record reads as the person's record
    with read.connect() as conn:
        row = conn.execute(select(t).where(t.c.trainer_id == person)).first()
    if row is None:
        return None
    return TrainerProfile(
        trainer_id=row.trainer_id,
        name=row.name,
        email=row.email,
        country=row.country,
        is_expert=row.is_expert,
        registered_at=row.registered_at,
        certificate_number=row.certificate_number,
        certified_at=row.certified_at,
        modules=modules(row.modules),
        listing=Listing(row.listing) if row.listing else None,
    )


def workshops(
    read: ReadModels, module: Module | None = None, workshop_id: str | None = None
) -> list[Workshop]:
    """ToT workshops, the latest first; optionally of one module, or just one."""
    w = read.tables.workshops
    query = select(w).order_by(w.c.starts_on.desc(), w.c.code)
    if module is not None:
        query = query.where(w.c.module == module.value)
    if workshop_id is not None:
        query = query.where(w.c.workshop_id == workshop_id)
    with read.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Workshop(
            r.workshop_id,
            Module(r.module),
            r.code,
            r.starts_on,
            r.ends_on,
            r.venue,
            r.country,
            r.expert_id,
            r.cancelled_reason,
        )
        for r in rows
    ]


def trainer_countries(read: ReadModels, trainer_ids: set[str]) -> dict[str, str]:
    """Each trainer's country (ISO 3166-1 alpha-2), for lists a country office reads."""
    if not trainer_ids:
        return {}
    t = read.tables.trainers
    query = select(t.c.trainer_id, t.c.country).where(t.c.trainer_id.in_(sorted(trainer_ids)))
    with read.connect() as conn:
        return {row.trainer_id: row.country for row in conn.execute(query)}
