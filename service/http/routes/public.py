"""What anyone may read, without logging in: the public list, certificates, statistics.

Anonymous readers wrote nothing, so they do not wait for the projector (`CurrentReads`): they
get the read models as they are, and `X-Read-Models-Behind` when those lack events.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from domain.values import Module
from projections import queries
from service.http.parameters import CertificateNumber
from service.http.reading import CurrentReads

router = APIRouter(prefix="/public", tags=["public"])
# Years the programme could have records of: it began in 2009; a year outside is a typo.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@router.get("/trainers")
def read_public_list(
    read: CurrentReads, country: str | None = None, module: Module | None = None
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
def read_statistics(
    read: CurrentReads,
    country: str | None = None,
    module: Module | None = None,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    as_at: Annotated[date | None, Query(description="the last day counted (default today)")] = None,
) -> queries.ProgrammeStatistics:
    """Programme results as the programme reports them: SMEs trained, workforce benefited,
    participants (managers, workers, women), satisfaction, certified and active trainers,
    their own training records, improvement per indicator; by country, module, year, as at
    a date. Percentages and averages are rounded to one decimal."""
    scope = queries.StatisticsScope(country, module, year, as_at)
    return queries.programme_statistics(read, scope)
