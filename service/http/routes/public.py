"""What anyone may read, without logging in: the public list, certificates, statistics.

Anonymous readers wrote nothing, so they do not wait for the projector (`CurrentReads`): they
get the read models as they are, and `X-Read-Models-Behind` when those lack events.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from domain.certificates import guessable
from domain.values import Module
from projections import queries
from service.app.credentials.public import withhold
from service.http.parameters import CertificateNumber, CountryFilter
from service.http.reading import CurrentReads
from service.i18n import choose_language
from service.i18n.countries import country_name

router = APIRouter(prefix="/public", tags=["public"])
# Years the programme could have records of: it began in 2009; a year outside is a typo.
FIRST_YEAR, LAST_YEAR = 2000, 2100

COUNTRY = "ISO 3166-1 alpha-2 code"
COUNTRY_NAME = "the country's name in the reader's language"


def reader_language(
    request: Request,
    lang: Annotated[
        Literal["en", "fr", "es"] | None,
        Query(description="the language of country names; else the browser's, else English"),
    ] = None,
) -> str:
    return choose_language(lang, request.headers.get("accept-language"))


Language = Annotated[str, Depends(reader_language)]


class ListedTrainer(BaseModel):
    """What anyone may read about a listed trainer: no e-mail address, no internal id."""

    name: str
    country: str = Field(description=COUNTRY)
    country_name: str = Field(description=COUNTRY_NAME)
    modules: tuple[Module, ...]
    certificate_number: str
    listed_since: datetime


WITHHELD = "None when withheld"


class CertificateHolder(BaseModel):
    certificate_number: str
    name: str | None = Field(description=WITHHELD)
    country: str | None = Field(description=f"{COUNTRY}; {WITHHELD}")
    country_name: str | None = Field(description=f"{COUNTRY_NAME}; {WITHHELD}")
    modules: tuple[Module, ...]
    issued_at: datetime | None = Field(description=WITHHELD)
    listed: bool = Field(description="False once the holder is inactive or removed")
    withheld: bool = Field(
        default=False,
        description="A number of an older, guessable form (0.1's sequential ones, imported "
        "ones) whose holder is not listed now: who holds it is not shown",
    )


@router.get("/trainers")
def read_public_list(
    read: CurrentReads,
    language: Language,
    country: CountryFilter = None,
    module: Module | None = None,
) -> list[ListedTrainer]:
    """The certified SCORE trainers listed today: name, country, modules, certificate, since."""
    return [
        ListedTrainer(**asdict(t), country_name=country_name(t.country, language))
        for t in queries.public_list(read, country, module)
    ]


@router.get("/certificates/{number}")
def verify_certificate(
    number: CertificateNumber, read: CurrentReads, language: Language
) -> CertificateHolder:
    """Check a certificate number: whose it is, for which modules, and whether still listed.
    A number of an older, guessable form shows its holder only while they are listed."""
    found = queries.verify_certificate(read, number)
    if found is None:
        raise HTTPException(404, f"No certificate {number.strip().upper()} was ever issued.")
    if guessable(found.certificate_number) and not found.listed:
        return CertificateHolder(**withhold(asdict(found) | {"country_name": None}))
    return CertificateHolder(**asdict(found), country_name=country_name(found.country, language))


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
