"""The key store in SQL: the keys of many people, looked up at once, are each what a look-up
of that one person finds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine, event, insert

from service.settings import Settings
from service.storage.database import create_service_engine
from service.storage.personal import KEYS_PER_QUERY, Erased, PersonKeyRow, SQLPersonKeys

PEOPLE = 2 * KEYS_PER_QUERY + 201  # three look-ups, the last one short


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = create_service_engine(settings)
    yield engine
    engine.dispose()


def people_of_every_kind(engine: Engine) -> list[str]:
    """People with a key, people erased, and people never keyed, in turn."""
    people = [str(uuid4()) for _ in range(PEOPLE)]
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for n, person in enumerate(people):
        if n % 3 == 0:
            rows.append({"person_id": person, "key": bytes(32), "created_at": now})
        elif n % 3 == 1:
            rows.append({"person_id": person, "key": None, "created_at": now, "erased_at": now})
    with engine.begin() as conn:
        conn.execute(insert(PersonKeyRow), rows)
    return people


def test_the_keys_of_more_people_than_one_query_holds_are_each_what_a_look_up_of_one_finds(
    engine: Engine,
) -> None:
    keys = SQLPersonKeys(engine)
    people = people_of_every_kind(engine)
    queries: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: queries.append(args[2]))

    at_once = keys.keys_of(people)

    assert len(queries) == 3  # KEYS_PER_QUERY people a look-up
    assert at_once == {person: keys.key_of(person) for person in people}
    kinds = [type(at_once[p]) for p in people[:3]]
    assert kinds == [bytes, Erased, type(None)]  # keyed, erased, never keyed
