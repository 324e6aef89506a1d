"""What anyone may read, without logging in: the public list, certificates, statistics.

Anonymous readers wrote nothing, so they do not wait for the projector (`CurrentReads`): they
get the read models as they are, and `X-Read-Models-Behind` when those lack events.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.encoders import jsonable_encoder

from domain.values import Module
from projections import queries
from service.http.parameters import CertificateNumber, CountryFilter
from service.http.reading import CurrentReads

router = APIRouter(prefix="/public", tags=["public"])


@router.get("/trainers")
def read_public_list(
    read: CurrentReads, country: CountryFilter = None, module: Module | None = None
) -> list[queries.PublicTrainer]:
    """The certified SCORE trainers listed today: name, country, modules, certificate, since."""
    return queries.public_list(read, country, module)


@router.get("/certificates/{number}")
def verify_certificate(number: CertificateNumber, read: CurrentReads) -> queries.CertificateCheck:
    """Check a certificate number: whose it is, for which modules, and whether still listed."""
    found = queries.verify_certificate(read, number)
    if found is None:
        raise HTTPException(404, f"No certificate {number.strip().upper()} was ever issued.")
    return found


@router.get("/statistics")
def read_statistics(read: CurrentReads) -> Any:
    """Programme results: SMEs trained, participants (managers, workers, women), improvements."""
    stats = queries.programme_statistics(read)
    body = jsonable_encoder(asdict(stats))
    body.update(
        share_managers=stats.share_managers,
        share_workers=stats.share_workers,
        share_women=stats.share_women,
    )
    return body
