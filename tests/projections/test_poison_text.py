"""Text an earlier release stored (a NUL byte, a right-to-left override) is projected cleaned,
the same way by the live projector, after a restart, and by a rebuild."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from domain.countries import UNKNOWN_COUNTRY
from domain.journey.steps import RecordToTResult, SelectEnterprise
from domain.values import Actor, Module, Role
from projections import queries
from projections.projector import Projector
from projections.rebuild import rebuild_and_compare
from projections.store import ReadModels
from projections.stored import _UNWANTED, _plain, clean_text, cleaned
from tests.projections.poison import (
    enterprise_stored_earlier,
    trainer_sealed_earlier,
    trainer_stored_earlier,
)
from tests.stories import Story


def test_the_cleaning_replaces_controls_and_removes_what_hides_or_reorders_text() -> None:
    assert clean_text("Poison\x00Works") == "Poison\ufffdWorks"
    assert clean_text("Bell\x07 \x9b Ltd") == "Bell\ufffd \ufffd Ltd"
    assert clean_text("Ana\u202eamiL\u202c") == "AnaamiL"  # the override no longer turns it
    assert clean_text("Zero\u200bWidth\ufeff") == "ZeroWidth"
    assert clean_text("lone \ud800 surrogate") == "lone \ufffd surrogate"
    # Line breaks and tabs are text; joiners are part of Indic and Persian spelling.
    kept = "two\nlines\tand \u0915\u094d\u200d\u0937 \u0645\u06cc\u200c\u062e\u0648\u0627"
    assert clean_text(kept) is kept
    nested = {"k\x00": ["a\x00", ("b", 1)], "n": 2}
    assert cleaned(nested) == {"k\ufffd": ["a\ufffd", ("b", 1)], "n": 2}
    untouched = {"name": "Acme", "sizes": [1, 2]}
    assert cleaned(untouched) is untouched


def test_a_state_counts_as_plain_exactly_when_no_character_needs_cleaning_or_escapes() -> None:
    """The shortcut for plain states follows the cleaning's own lists, for each ASCII
    character, whether the rest of the state is ASCII or not."""
    for code in range(128):
        character = chr(code)
        plain = _UNWANTED.match(character) is None and character != "\\"
        for rest in ("Acme", "Acm\u00e9"):  # the ASCII check, then the decoded one
            state = b'{"name": "' + (rest + character).encode() + b'"}'
            assert _plain(state) is plain, (code, rest)


def test_a_nul_stored_by_an_earlier_release_is_projected_cleaned_and_a_rebuild_equals_live(
    story: Story, read_models: ReadModels
) -> None:
    app = story.app
    expert = story.register_expert()
    poison = enterprise_stored_earlier(app, "Poison\x00Works", "India", story.hq, story.later())
    candidate = trainer_stored_earlier(app, "Ana\u202eamiL", "Bra\x00zil", story.hq, story.later())
    Projector(app, read_models).catch_up()  # before the fix, this failed on PostgreSQL

    (enterprise,) = queries.enterprises(read_models, poison)
    assert (enterprise.name, enterprise.country) == ("Poison\ufffdWorks", "IN")  # upcast
    with read_models.connect() as conn:
        t = read_models.tables.trainers
        name, country = conn.execute(
            select(t.c.name, t.c.country).where(t.c.trainer_id == candidate)
        ).one()
    assert (name, country) == ("AnaamiL", UNKNOWN_COUNTRY)  # no country can be read in it

    # A restarted projector knows no enterprise name: it reads the poison one from the store,
    # through the same cleaning, to name the next action.
    journey = story.enrol(_actor(candidate), Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    story.step(journey, SelectEnterprise(poison), _actor(candidate))
    Projector(app, read_models).catch_up()
    view = queries.journey(read_models, journey.journey_id)
    assert view is not None and "Poison\ufffdWorks" in view.next_action

    report = rebuild_and_compare(app, read_models)
    assert report.identical, report.differences
    assert report.position == app.recorder.max_notification_id()


def test_a_sealed_name_is_cleaned_once_opened_though_its_stored_state_needs_no_cleaning(
    story: Story, read_models: ReadModels
) -> None:
    """The projector cleans the text of a stored state only when the state holds such text
    (or an escape that could make it); a sealed field holds none until it is opened."""
    app = story.app
    candidate = trainer_sealed_earlier(app, "Ana\u202eamiL\x00", "IN", story.hq, story.later())
    (stored,) = app.recorder.select_events(UUID(candidate))
    assert stored.state.isascii() and b"\\" not in stored.state

    Projector(app, read_models).catch_up()

    with read_models.connect() as conn:
        t = read_models.tables.trainers
        name = conn.execute(select(t.c.name).where(t.c.trainer_id == candidate)).scalar_one()
    assert name == "AnaamiL\ufffd"
    assert rebuild_and_compare(app, read_models).identical


def _actor(trainer_id: str) -> Actor:
    return Actor(trainer_id, Role.TRAINER)
