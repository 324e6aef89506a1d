"""Trainer profiles and ToT workshops as the programme office reads them."""

from __future__ import annotations

from domain.trainer.state import Listing
from domain.values import Module
from projections.projector import Projector
from projections.queries.registers import trainer_profile, workshops
from projections.store import ReadModels
from tests.stories import Story


def test_a_profile_shows_registration_certificate_and_listing(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    candidate = story.register_candidate("Asha Rao")
    registered = story.app.trainer(candidate.user_id)
    certified = story.certified_in(Module.WC, candidate, story.register_expert())
    projector.catch_up()

    profile = trainer_profile(read_models, candidate.user_id)

    assert profile is not None
    assert (profile.name, profile.email, profile.country) == (
        "Asha Rao",
        registered.email,
        "IN",
    )
    assert not profile.is_expert and profile.modules == (Module.WC,)
    assert profile.certificate_number == certified.certificate_number
    assert profile.certified_at == certified.certified_at and profile.listing is Listing.LISTED
    assert trainer_profile(read_models, "no-such-trainer") is None


def test_workshops_are_listed_all_by_module_or_one_by_id(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    wc = story.schedule_workshop(Module.WC, expert)
    osh = story.schedule_workshop(Module.OSH, expert)
    projector.catch_up()

    assert {w.workshop_id for w in workshops(read_models)} == {wc, osh}
    (only_osh,) = workshops(read_models, Module.OSH)
    assert only_osh.workshop_id == osh and only_osh.expert_id == expert.user_id
    assert [w.module for w in workshops(read_models, workshop_id=wc)] == [Module.WC]
