"""Anyone with a certificate number learns whether its holder is listed, since when, and,
for a past date, whether they were then: from the trainer's event history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import NotFound
from domain.trainer.steps import Reinstate, RemoveForCause
from domain.values import Module
from service.app.credentials.public import certificate_standing
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
    with pytest.raises(NotFound, match="was issued by"):
        certificate_standing(story.app, number, while_listed - timedelta(days=400))


def test_a_number_never_issued_is_not_found(story: Story) -> None:
    with pytest.raises(NotFound):
        certificate_standing(story.app, "SCORE-0000-0000-0000", story.later())
