"""The rows the chain is checked against, streamed in the order a check needs them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Engine, Select, select
from sqlalchemy.engine import Row

from service.storage.chain import EventChain

STREAM_PAGE = 1000  # rows held in memory at once by each streamed query

Key = tuple[UUID, int]  # (aggregate id, version)
Paired = tuple[Key, Row[Any] | None, Row[Any] | None]  # (key, event row, link row)


def paired(chain: EventChain, position: int) -> Iterator[Paired]:
    """Every event and link up to `position`, paired by (aggregate, version)."""
    return merged(events_in_chain_order(chain, position), links_in_chain_order(chain, position))


def merged(events: Iterator[Row[Any]], links: Iterator[Row[Any]]) -> Iterator[Paired]:
    """Events and links paired by (aggregate, version); both streams come in that order."""
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        event_key = _key(event)
        link_key = _key(link)
        if link_key is None or (event_key is not None and event_key < link_key):
            assert event_key is not None
            yield event_key, event, None
            event = next(events, None)
        elif event_key is None or link_key < event_key:
            yield link_key, None, link
            link = next(links, None)
        else:
            yield event_key, event, link
            event, link = next(events, None), next(links, None)


def _key(row: Row[Any] | None) -> Key | None:
    return None if row is None else (row.originator_id, row.originator_version)


def events_in_chain_order(chain: EventChain, position: int) -> Iterator[Row[Any]]:
    e = chain.events.c
    query = (
        select(e.id, e.originator_id, e.originator_version, e.topic, e.state)
        .where(e.id <= position)
        .order_by(e.originator_id, e.originator_version)
    )
    return streamed(chain.engine, query)


def links_in_chain_order(chain: EventChain, position: int) -> Iterator[Row[Any]]:
    c = chain.table.c
    query = (
        select(c.originator_id, c.originator_version, c.position, c.hash)
        .where(c.position <= position)
        .order_by(c.originator_id, c.originator_version)
    )
    return streamed(chain.engine, query)


def streamed(engine: Engine, query: Select[Any]) -> Iterator[Row[Any]]:
    """Rows of `query` a page at a time (a server-side cursor on PostgreSQL)."""
    with engine.connect() as conn:
        yield from conn.execution_options(yield_per=STREAM_PAGE).execute(query)


def as_notification(row: Row[Any]) -> Notification:
    return Notification(
        id=row.id,
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic,
        state=bytes(row.state),
    )
