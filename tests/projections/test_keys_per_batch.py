"""A projector in a process that holds no key looks up the keys of a batch's people in one
query, never person by person: on its own, and as `score rebuild-read-models` runs it (its
progress bar lends the application another mapper)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, nullcontext

import pytest
from sqlalchemy import select

from projections.projector import Projector
from projections.store import ReadModels
from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.cli.progress import progress_bar
from service.settings import Settings
from service.storage.personal import PersonKey
from tests.stories import Story, new_id

BATCH = 2  # a registration is two events: the trainer's, and their e-mail address's claim
NAMES = [f"Person {n}" for n in range(4)]

Mapping = Callable[[Certification, int], AbstractContextManager[None]]


def bare(_app: Certification, _last: int) -> AbstractContextManager[None]:
    return nullcontext()


def under_the_progress_bar(app: Certification, last: int) -> AbstractContextManager[None]:
    return progress_bar(app, "rebuilding read models", last)


@pytest.fixture
def another_process(settings: Settings) -> Iterator[Certification]:
    """An application on the same database that has looked up no key yet."""
    app = build_certification(settings)
    yield app
    app.close()


def counting_look_ups(app: Certification, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each look-up of the key store, by kind (`key_of`: one person, `keys_of`: many)."""
    keys, asked = app.personal_data.keys, []
    one, many = keys.key_of, keys.keys_of

    def key_of(person_id: str) -> PersonKey:
        asked.append("key_of")
        return one(person_id)

    def keys_of(person_ids: Collection[str]) -> dict[str, PersonKey]:
        asked.append("keys_of")
        return many(person_ids)

    monkeypatch.setattr(keys, "key_of", key_of)
    monkeypatch.setattr(keys, "keys_of", keys_of)
    return asked


@pytest.mark.parametrize("mapping", [bare, under_the_progress_bar])
def test_a_projector_looks_up_each_batchs_keys_once_and_no_person_alone(
    story: Story,
    read_models: ReadModels,
    another_process: Certification,
    mapping: Mapping,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n, name in enumerate(NAMES):
        email = f"p{n}.{story.tag}@example.org"
        story.app.register_trainer(name, email, "IN", story.hq, new_id(), story.later())
    last = another_process.recorder.max_notification_id() or 0
    assert last == BATCH * len(NAMES)  # each batch: one person's registration
    asked = counting_look_ups(another_process, monkeypatch)

    with mapping(another_process, last):
        Projector(another_process, read_models, batch_size=BATCH).catch_up()

    assert asked == ["keys_of"] * len(NAMES)
    with read_models.connect() as conn:
        names = conn.scalars(select(read_models.tables.trainers.c.name)).all()
    assert sorted(names) == NAMES  # every name opened
