"""Path and query parameters as the OpenAPI document states them: ids are UUIDs, moments are
dates or date-times, positions fit the database's 64-bit integers.

The ids stay plain strings in the handlers: an id that is no UUID names nothing, and is
answered 404 with the id in the message, like any other unknown id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from domain.certificates import CERTIFICATE_NUMBER_PATTERN
from domain.countries import country_code
from domain.errors import InvalidInput

# The largest integer a PostgreSQL BIGINT (and a SQLite INTEGER) holds: every position, id
# and count given in a URL must fit, or the database refuses the query with a 500.
MAX_POSITION = 2**63 - 1

UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
# A moment as auditors write it: a date (its start or its end, UTC, as the parameter says) or
# an RFC 3339 date-time with its zone.
MOMENT: dict[str, Any] = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
}


def documented_as(value: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """Document a parameter's values as `value`: an optional query parameter is absent,
    never null, so the `null` that FastAPI adds for `X | None` is dropped with it."""

    def document(schema: dict[str, Any]) -> None:
        schema.pop("anyOf", None)
        schema.pop("type", None)
        schema.update(value)

    return document


def _id(what: str) -> Any:
    return Path(description=f"the {what}'s id (a UUID)", json_schema_extra=documented_as(UUID))


JourneyId = Annotated[str, _id("journey")]
TrainerId = Annotated[str, _id("trainer")]
WorkshopId = Annotated[str, _id("ToT workshop")]
EnterpriseId = Annotated[str, _id("enterprise")]


# Documented, not enforced: any other text names no certificate and is answered 404, and
# the lookup forgives case and surrounding spaces.
CertificateNumber = Annotated[
    str,
    Path(
        description="a certificate number: SCORE-XXXX-XXXX-XXXX (random, Crockford base32), "
        "or SCORE-<year>-<sequence> as release 0.1 issued them",
        json_schema_extra={
            "pattern": CERTIFICATE_NUMBER_PATTERN,
            "examples": ["SCORE-7KQM-4X2D-9HTV", "SCORE-2026-00001"],
        },
    ),
]


def uuid_query(description: str) -> Any:
    return Query(description=description, json_schema_extra=documented_as(UUID))


def moment(description: str) -> Any:
    return Query(description=description, json_schema_extra=documented_as(MOMENT))


def position(description: str) -> Any:
    return Query(ge=0, le=MAX_POSITION, description=description)


def _country_code(value: str | None) -> str | None:
    """The code in capitals ("in" → "IN"); a 422 naming the code to use for a name."""
    if value is None:
        return None
    try:
        return country_code("country", value)
    except InvalidInput as refused:
        problem = refused.reason.removeprefix("country: ")
        raise PydanticCustomError("invalid_country", "{problem}", {"problem": problem}) from None


CountryFilter = Annotated[
    str | None,
    Query(
        description="only trainers of this country: its ISO 3166-1 alpha-2 code, any case",
        json_schema_extra=documented_as({"type": "string", "examples": ["IN"]}),
    ),
    AfterValidator(_country_code),
]
