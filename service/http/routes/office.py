"""The programme office's searches: people, journeys, and the messages that went out.

Each is a page: `offset` and `limit` in, `items` and `total` out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from domain import policy
from domain.journey.state import Stage
from domain.policy import Action
from domain.values import Module
from projections.queries import office
from service.adapters.mail import MessagesPage, Sending
from service.app.accounts import User
from service.http.deps import ServicesDep, allowed_to
from service.http.parameters import MAX_POSITION, CountryFilter, uuid_query
from service.http.reading import FreshReads

router = APIRouter(tags=["office"])

Offset = Annotated[int, Query(ge=0, le=MAX_POSITION, description="how many rows to skip")]
Limit = Annotated[int, Query(ge=1, le=office.MAX_PAGE, description="rows per page")]
SearchText = Annotated[
    str | None, Query(min_length=1, max_length=200, description="in the name or e-mail")
]
Email = Annotated[str | None, Query(min_length=1, max_length=254, description="whole address")]
JourneyListers = Annotated[User, Depends(allowed_to(Action.LIST_JOURNEYS))]


@router.get("/trainers")
def search_people(
    user: Annotated[User, Depends(allowed_to(Action.SEARCH_PEOPLE))],
    read: FreshReads,
    q: SearchText = None,
    email: Email = None,
    country: CountryFilter = None,
    module: Module | None = None,
    status: office.PersonStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> office.PeoplePage:
    """Search registered candidates and experts by name or e-mail, country, module held and
    status (candidate, listed, inactive, removed, expert), by name, a page at a time."""
    within = policy.countries_seen(user.actor)  # a country office sees its countries only
    search = office.PeopleSearch(q, email, country, module, status, within)
    return office.search_people(read, search, offset, limit)


@router.get("/journeys")
def list_journeys(
    user: JourneyListers,
    read: FreshReads,
    expert_id: Annotated[
        str | None, uuid_query("the supervising expert's id (an expert: always their own)")
    ] = None,
    trainer_id: Annotated[str | None, uuid_query("the candidate's id")] = None,
    module: Module | None = None,
    stage: Stage | None = None,
    is_open: Annotated[bool | None, Query(alias="open")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> office.JourneysPage:
    """Journeys, the latest step first, filtered by expert, candidate, module, stage and
    whether still open. An expert trainer lists the journeys they supervise only."""
    if not policy.may(user.actor, Action.SEARCH_PEOPLE):
        expert_id = user.trainer_id  # an expert who names another still lists their own
    within = policy.countries_seen(user.actor)
    search = office.JourneySearch(expert_id, trainer_id, module, stage, is_open, within)
    return office.search_journeys(read, search, offset, limit)


@router.get("/messages", dependencies=[Depends(allowed_to(Action.READ_MESSAGES))])
def read_messages(
    services: ServicesDep,
    status: Sending | None = None,
    recipient: Email = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> MessagesPage:
    """The reminders and messages that went out, the latest first: to whom, what, when, and
    those whose delivery failed (with why; the service keeps trying them)."""
    return services.outbox.page(status, recipient, offset, limit)
