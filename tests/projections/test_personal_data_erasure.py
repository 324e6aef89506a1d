"""An erased person appears in no read model, export or audit read, and the chain verifies."""

from __future__ import annotations

from datetime import datetime

from domain.journey.steps import Withdraw
from domain.trainer.steps import Reinstate, RemoveForCause
from domain.values import Actor, Module, Role
from projections.projector import Projector
from projections.queries import public_list
from projections.queries.statistics import programme_statistics
from projections.rebuild import as_of, rebuild_and_compare
from projections.store import ReadModels
from service.app.audit.as_of import trainer_as_of
from service.app.audit.history import entries, trainer_aggregates
from service.app.audit.verify import verify_chains
from service.app.certification import Certification
from service.app.exports import export_csv
from service.app.import_rows import Kind
from service.storage.chain import chain_of
from tests.projections.helpers import all_rows
from tests.stories import Story, new_id

NAME = "Zainab Qureshi-Okonkwo"


def personal(story: Story) -> tuple[str, str]:
    """A certified trainer, removed for cause and reinstated in words that name her, whose
    second journey was withdrawn in words that name her too."""
    email = f"zainab.{story.tag}@example.org"
    app = story.app
    registered = app.register_trainer(NAME, email, "IN", story.hq, new_id(), story.later())
    person = registered.state.trainer_id
    expert = story.register_expert()
    story.certified_in(Module.WC, Actor(person, Role.TRAINER), expert)
    second = story.enrol(Actor(person, Role.TRAINER), Module.QUALITY, expert)
    story.step(second, Withdraw(f"{NAME} moved to Lagos"), story.hq)
    removal = RemoveForCause("conduct", f"{NAME} sold copies of the manual")
    app.take_standing_step(person, removal, story.hq, new_id(), story.later())
    reinstated = Reinstate(f"{NAME} apologised in writing")
    app.take_standing_step(person, reinstated, story.hq, new_id(), story.later())
    return person, email


def everything_readable(
    app: Certification, read_models: ReadModels, person: str, moment: datetime
) -> str:
    """Every read there is, as text: read models, exports, the audit's history and "as of"."""
    texts = [repr(all_rows(read_models))]
    texts += [export_csv(app, kind) for kind in Kind]
    texts += [repr(entry) for entry in entries(app)]
    texts += [repr(entry) for entry in entries(app, trainer_aggregates(app, person))]
    texts.append(repr(trainer_as_of(app, person, moment)))
    return "\n".join(texts)


def test_an_erased_person_appears_nowhere_while_the_chain_verifies(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    person, email = personal(story)
    projector.catch_up()
    before = everything_readable(story.app, read_models, person, story.now)
    assert NAME in before and email in before  # the reads that must forget her do show her
    certified = programme_statistics(read_models).certified_trainers
    number = story.app.trainer(person).certificate_number
    assert number is not None and number in export_csv(story.app, Kind.CERTIFICATIONS)
    moment_before = story.now

    story.app.erase_personal_data(person, "her request", story.hq, new_id(), story.later())
    projector.catch_up()

    after = everything_readable(story.app, read_models, person, story.now)
    assert NAME not in after and email not in after
    assert "[erased]" in after
    assert number not in export_csv(story.app, Kind.CERTIFICATIONS)  # left out of exports
    assert all(row.name != NAME for row in public_list(read_models))
    past = as_of(story.app, moment_before)
    try:
        assert NAME not in repr(all_rows(past)) and email not in repr(all_rows(past))
    finally:
        past.engine.dispose()
    assert programme_statistics(read_models).certified_trainers == certified
    report = rebuild_and_compare(story.app, read_models)
    assert report.identical, report.differences
    assert verify_chains(chain_of(story.app)).intact
