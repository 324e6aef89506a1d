"""Stories for the read models: trainers in several countries, and one of everything."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.calendar import add_months
from domain.journey.steps import Certify, RecordToTResult, Withdraw
from domain.trainer.steps import Reinstate, RemoveForCause, SubmitTrainingRecord
from domain.values import Actor, Material, Module, Role
from projections.projector import Projector
from projections.store import ReadModels
from tests.stories import Story, new_id


def register_candidate_in(story: Story, name: str, country: str) -> Actor:
    email = f"{name.split()[0].lower()}-{new_id()[:8]}@example.org"
    state = story.app.register_trainer(name, email, country, story.hq, new_id(), story.later())
    return Actor(state.state.trainer_id, Role.TRAINER)


def submit_training_record(story: Story, trainer: Actor, module: str = "WC") -> None:
    at = story.later()
    record = SubmitTrainingRecord(at.date(), module, enterprises=2, participants=25)
    story.app.take_standing_step(trainer.user_id, record, trainer, new_id(), at)


def remind_and_delist(story: Story, trainer: Actor) -> None:
    """The yearly clock runs out: reminders at 9 and 11 months, inactive at 12."""
    standing = story.app.trainer(trainer.user_id).standing
    assert standing is not None
    clock = standing.clock_started_at
    for months in (9, 11):
        story.app.remind_inactive_trainer(
            trainer.user_id, months, new_id(), add_months(clock, months)
        )
    story.now = add_months(clock, 12)
    story.app.delist_inactive_trainer(trainer.user_id, new_id(), story.now)


def one_of_everything(story: Story, projector: Projector | None = None) -> None:
    """Every kind of event the read models project, with the projector (if given) following
    along in small steps, the way it follows the log in production."""
    app = story.app

    def follow() -> None:
        if projector is not None:
            projector.catch_up()

    expert = story.register_expert()
    certified, dropped, provisional = (
        register_candidate_in(story, name, country)
        for name, country in [("Ana Lima", "BR"), ("Dev Shah", "IN"), ("Li Wei", "CN")]
    )
    story.certified_in(Module.WC, certified, expert)
    follow()
    story.certified_in(Module.OSH, certified, expert)
    journey = story.enrol(dropped, Module.BASICS, expert)
    story.step(journey, RecordToTResult(attended=True, completed=False), expert)
    journey = story.enrol(dropped, Module.BASICS, expert)
    app.remind_stalled_journey(
        journey.journey_id, ["e@example.org"], new_id(), story.later(61), timedelta(days=60)
    )
    follow()
    story.step(journey, Withdraw("changed employer"), dropped)
    journey = story.ready_to_assess(provisional, expert)
    journey = story.assess(journey, expert, "provisional")
    journey = story.run_cycle(journey, provisional, enterprises=2)
    follow()
    story.step(story.assess(journey, expert, "recommended"), Certify(), story.hq)
    submit_training_record(story, certified)
    app.open_materials(
        certified.user_id, Module.WC, Material.MANUAL, certified, new_id(), story.later()
    )
    removal = RemoveForCause("conduct", "harassment of a participant")
    app.take_standing_step(certified.user_id, removal, story.hq, new_id(), story.later())
    follow()
    app.take_standing_step(
        certified.user_id, Reinstate("cleared"), story.hq, new_id(), story.later()
    )
    remind_and_delist(story, certified)
    follow()


def all_rows(read_models: ReadModels) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every read model, in a stable order, for before/after comparisons."""
    with read_models.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in read_models.tables.read_models
        }
