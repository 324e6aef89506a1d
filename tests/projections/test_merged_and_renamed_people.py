"""A person whose details changed, or who was registered twice, reads as one person."""

from __future__ import annotations

from domain.journey.steps import RecordToTResult
from domain.trainer.rules import DetailsEdit
from domain.values import Module
from projections.projector import Projector
from projections.queries import journeys_of_trainer, standing
from projections.queries.registers import trainer_profile
from projections.store import ReadModels
from service.app.audit.history import trainer_aggregates
from tests.stories import Story, new_id


def test_a_corrected_name_and_a_new_e_mail_show_in_the_profile(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    asha = story.register_candidate("Asha Vrema")
    email = f"asha.verma-{new_id()[:6]}@example.org"
    edit = DetailsEdit(name="Asha Verma", email=email)
    story.app.edit_trainer(asha.user_id, edit, story.hq, new_id(), story.later())
    projector.catch_up()

    profile = trainer_profile(read_models, asha.user_id)

    assert profile is not None and (profile.name, profile.email) == ("Asha Verma", email)


def test_a_merged_record_reads_as_the_person_with_the_journeys_of_both(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    kept, twin = story.register_candidate("Asha Verma"), story.register_candidate("Asha Verma")
    story.certified_in(Module.WC, kept, expert)
    twins_journey = story.enrol(twin, Module.BASICS, expert)
    story.step(twins_journey, RecordToTResult(attended=True, completed=True), expert)
    story.app.merge_trainers(
        kept.user_id, twin.user_id, "registered twice", story.hq, new_id(), story.later()
    )
    projector.catch_up()

    profile = trainer_profile(read_models, twin.user_id)
    assert profile is not None and profile.trainer_id == kept.user_id
    for record in (kept, twin):
        journeys = journeys_of_trainer(read_models, record.user_id)
        assert [j.module for j in journeys] == [Module.WC, Module.BASICS]
        found = standing(read_models, record.user_id)
        assert found is not None and found.trainer_id == kept.user_id
    history = trainer_aggregates(story.app, twin.user_id)
    assert str(history[0]) == kept.user_id and twin.user_id in {str(a) for a in history}
    assert twins_journey.journey_id in {str(a) for a in history}
