"""What anyone may read: the home page, the directory of certified trainers, a certificate check.

Like `/public/…` of the JSON API, these read the read models as they are (`CurrentReads`): a
visitor wrote nothing to wait for; the certificate check answers from the event history, by
the same function as `GET /public/certificates/{number}/standing`. Nothing here shows an
e-mail address or an internal id.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from domain.certificates import CERTIFICATE_NUMBER_PATTERN
from domain.errors import NotFound
from domain.values import Module
from projections import queries
from service.app.credentials.public import CertificateStanding, certificate_standing
from service.http.pages.kit import AnyPage
from service.http.reading import CurrentReads
from service.i18n.countries import country_name

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 120
CERTIFICATE_NUMBER = re.compile(CERTIFICATE_NUMBER_PATTERN)


@router.get("/")
def home(page: AnyPage) -> Response:
    """Where each person's work starts: their pages by role, and the public ones."""
    return page.render("home.html", title=page.gettext("SCORE trainer certification"))


@router.get("/directory")
def directory(
    page: AnyPage,
    read: CurrentReads,
    country: str = "",
    module: str = "",
    number: Annotated[str, Query(alias="page", max_length=12)] = "1",
) -> Response:
    """The certified trainers listed today, by country and module, a page at a time."""
    chosen_module = Module(module) if module in Module.__members__.values() else None
    everyone = queries.public_list(read)
    countries = sorted({trainer.country for trainer in everyone})
    chosen_country = country if country in countries else ""
    listed = queries.public_list(read, chosen_country or None, chosen_module)
    pages = max(1, math.ceil(len(listed) / PAGE_SIZE))
    at = min(max(1, int(number)), pages) if number.isdigit() else 1  # a typed URL: no 422
    shown = listed[(at - 1) * PAGE_SIZE : at * PAGE_SIZE]
    return page.render(
        "directory.html",
        title=page.gettext("Directory of certified SCORE trainers"),
        trainers=shown,
        total=len(listed),
        countries=countries,
        country_names={code: country_name(code, page.language) for code in countries},
        modules=list(Module),
        country=chosen_country,
        module=chosen_module.value if chosen_module else "",
        number=at,
        pages=pages,
    )


@router.get("/verify")
def verify(page: AnyPage, number: str = "") -> Response:
    """Is this certificate genuine, whose, for which modules, is its holder listed, and if
    not, why (a category, no personal detail) and since when? The printed certificate's QR
    code leads here."""
    typed = number.strip().upper()[:MAX_QUERY_LENGTH]
    found: CertificateStanding | None = None
    problem = ""
    if typed and not CERTIFICATE_NUMBER.match(typed):
        problem = page.gettext(
            "A certificate number looks like SCORE-7KQM-4X2D-9HTV; check what you typed."
        )
    elif typed:
        found = _standing(page, typed)
    status = 404 if typed and found is None and not problem else 422 if problem else 200
    return page.render(
        "verify.html",
        status=status,
        title=page.gettext("Verify a certificate"),
        number=typed,
        found=found,
        country=country_name(found.country, page.language) if found and found.country else "",
        problem=problem,
    )


def _standing(page: AnyPage, number: str) -> CertificateStanding | None:
    try:
        standing = certificate_standing(page.services.certification, number)
    except NotFound:
        return None
    return standing if standing.certified else None
