"""The public list of certified trainers, and checking a certificate number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain.trainer.state import Listing
from domain.values import Module
from projections.store import ReadModels
from projections.trainers import MODULE_SEPARATOR


@dataclass(frozen=True)
class PublicTrainer:
    """What anyone may read about a listed trainer: no e-mail address, no internal id."""

    name: str
    country: str
    modules: tuple[Module, ...]
    certificate_number: str
    listed_since: datetime


@dataclass(frozen=True)
class CertificateCheck:
    certificate_number: str
    name: str
    country: str
    modules: tuple[Module, ...]
    issued_at: datetime
    listed: bool  # False once the holder is inactive or removed


def public_list(
    read: ReadModels, country: str | None = None, module: Module | None = None
) -> list[PublicTrainer]:
    """Listed trainers by country and name, optionally of one country or holding one module."""
    p = read.tables.public_trainers
    query = select(p).order_by(p.c.country, p.c.name, p.c.certificate_number)
    if country is not None:
        query = query.where(p.c.country == country)
    with read.connect() as conn:
        rows = conn.execute(query).all()
    listed = [
        PublicTrainer(
            name=row.name,
            country=row.country,
            modules=modules(row.modules),
            certificate_number=row.certificate_number,
            listed_since=row.listed_since,
        )
        for row in rows
    ]
    return [trainer for trainer in listed if module is None or module in trainer.modules]


def verify_certificate(read: ReadModels, number: str) -> CertificateCheck | None:
    """The holder of a certificate number, for anyone who wants to check one."""
    c, tr = read.tables.certificates, read.tables.trainers
    query = (
        select(c.c.certificate_number, c.c.issued_at, tr.c.name, tr.c.country, tr.c.modules)
        .add_columns(tr.c.listing)
        .join(tr, tr.c.trainer_id == c.c.trainer_id)
        .where(c.c.certificate_number == number.strip().upper())
    )
    with read.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return CertificateCheck(
        certificate_number=row.certificate_number,
        name=row.name,
        country=row.country,
        modules=modules(row.modules),
        issued_at=row.issued_at,
        listed=row.listing == Listing.LISTED.value,
    )


def modules(joined: str) -> tuple[Module, ...]:
    return tuple(Module(m) for m in joined.split(MODULE_SEPARATOR) if m)
