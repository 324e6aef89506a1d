"""Anyone with a certificate number learns whether its holder is listed, since when, and,
for a past date, whether they were then: from the trainer's event history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.certificates import guessable
from domain.errors import NotFound
from domain.trainer.steps import Reinstate, RemoveForCause
from domain.values import Module
from service.app.credentials.public import certificate_standing
from service.app.import_rows import Kind
from service.app.imports import import_csv
from tests.stories import Story, new_id


def test_a_listed_trainers_certificate_says_listed_modules_and_since(story: Story) -> None:
    trainer = story.register_candidate("Asha Rao")
    state = story.certified_in(Module.WC, trainer, story.register_expert())
    assert state.certificate_number is not None

    answer = certificate_standing(story.app, state.certificate_number.lower(), story.later())

    assert answer.listed and answer.certified and answer.modules == (Module.WC,)
    assert answer.certified_since == state.certified_at and answer.listed_since
    assert answer.delisted_on is None and answer.credential_status == "valid"


def test_a_removed_trainers_certificate_says_why_by_category_and_when(story: Story) -> None:
    trainer = story.register_candidate()
    number = story.certified_in(Module.WC, trainer, story.register_expert()).certificate_number
    assert number is not None
    removed_on = story.later(30)
    removal = RemoveForCause("conduct", "a private matter the public need not read")
    story.app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), removed_on)

    answer = certificate_standing(story.app, number, story.later())

    assert not answer.listed and answer.delisting_category == "removed_for_cause"
    assert answer.delisted_on == removed_on and answer.credential_status == "revoked"
    assert "private" not in repr(answer), "the reason itself stays with the office"


def test_the_answer_as_of_a_past_date_comes_from_the_history(story: Story) -> None:
    trainer = story.register_candidate()
    number = story.certified_in(Module.WC, trainer, story.register_expert()).certificate_number
    assert number is not None
    while_listed = story.later(10)
    story.app.take_standing_step(
        trainer.user_id, RemoveForCause("copyright", "copies"), story.hq, new_id(), story.later()
    )
    while_removed = story.later(10)
    story.app.take_standing_step(
        trainer.user_id, Reinstate("settled"), story.hq, new_id(), story.later()
    )

    assert certificate_standing(story.app, number, while_listed).listed
    assert not certificate_standing(story.app, number, while_removed).listed
    assert certificate_standing(story.app, number, story.later()).listed
    with pytest.raises(NotFound, match="was ever issued"):
        certificate_standing(story.app, number, while_listed - timedelta(days=400))


def test_a_number_never_issued_is_not_found(story: Story) -> None:
    with pytest.raises(NotFound):
        certificate_standing(story.app, "SCORE-0000-0000-0000", story.later())


def test_a_number_tells_nothing_before_it_exists_whatever_the_date(story: Story) -> None:
    """Asking as of a date before the holder was registered answers as for a number nobody
    was ever given: the answer does not tell a number issued later from one never issued."""
    trainer = story.register_candidate()
    number = story.certified_in(Module.WC, trainer, story.register_expert()).certificate_number
    assert number is not None
    long_before = story.now - timedelta(days=400)

    with pytest.raises(NotFound) as issued_later:
        certificate_standing(story.app, number, long_before)
    with pytest.raises(NotFound) as never_issued:
        certificate_standing(story.app, "SCORE-0000-0000-0000", long_before)

    assert str(issued_later.value) == str(never_issued.value).replace(
        "SCORE-0000-0000-0000", number
    )


def test_only_the_random_numbers_are_unguessable() -> None:
    assert not guessable("SCORE-7KQM-4X2D-9HTV") and not guessable(" score-7kqm-4x2d-9htv ")
    assert guessable("SCORE-2026-00042"), "0.1's numbers were counted one by one"
    assert guessable("IND-2019-017"), "so were the programme's own, imported"


def a_legacy_holder(story: Story, number: str) -> str:
    """A trainer of the programme's past, imported with a sequential number; their id."""
    email = f"legacy-{story.tag}@example.org"
    files = {
        Kind.TRAINERS: "name,email,country,registered_on,expert\n"
        f"Leila Haddad,{email},IN,2019-01-02,no\n",
        Kind.CERTIFICATIONS: "email,module,certified_on,certificate_number\n"
        f"{email},WC,2019-09-30,{number}\n",
    }
    for kind, text in files.items():
        assert import_csv(story.app, kind, text, story.hq, story.now).problems == ()
    holder = story.app.trainer_by_email(email)
    assert holder is not None
    return holder.trainer_id


def test_a_guessable_number_shows_its_holder_only_while_the_public_list_does(story: Story) -> None:
    number = f"SCORE-2019-{int(story.tag, 16) % 10**6:06d}"
    holder = a_legacy_holder(story, number)

    listed = certificate_standing(story.app, number, story.later())
    story.app.take_standing_step(
        holder, RemoveForCause("conduct", "a private matter"), story.hq, new_id(), story.later()
    )
    delisted = certificate_standing(story.app, number, story.later())
    back_then = certificate_standing(story.app, number, listed.as_of)

    assert listed.name == "Leila Haddad" and not listed.withheld
    assert delisted.withheld and delisted.certified and not delisted.listed
    assert (delisted.name, delisted.country, delisted.modules) == (None, None, ())
    assert delisted.delisting_category is None and delisted.delisted_on is None
    assert back_then.withheld and back_then.listed, "a past date does not name them either"
