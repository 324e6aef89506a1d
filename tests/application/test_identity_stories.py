"""Stories of people's identities: ids that no detail names, an e-mail register, corrections."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain import ids
from domain.enterprise import Enterprise, EnterpriseDetails, EnterpriseEdit
from domain.errors import AlreadyExists, InvalidInput, MergeRefused, NotPermitted
from domain.journey.steps import Certify, RecordToTResult
from domain.recorded import created_fields
from domain.trainer.aggregate import Trainer
from domain.trainer.rules import DetailsEdit
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from tests.stories import Story, new_id


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def mail(story: Story, who: str) -> str:
    """An address of this story's own: the stores outlive a test."""
    return f"{who}.{story.tag}@example.org"


def register(story: Story, email: str, name: str = "Asha Verma") -> UUID:
    state = story.app.register_trainer(name, email, "IN", story.hq, new_id(), story.later())
    return UUID(state.state.trainer_id)


def stored_before_the_register(story: Story, email: str) -> UUID:
    """A trainer as the release before stored them: the id from the e-mail, no index."""
    trainer_id = ids.legacy_trainer_id(email)
    trainer = Trainer._create(
        Trainer.Registered,
        id=trainer_id,
        name="Lena Legacy",
        email=email,
        country="IN",
        is_expert=False,
        country_as_recorded=None,
        **created_fields(story.hq, new_id(), story.later()),
    )
    story.app.save(trainer)
    return trainer_id


def events_of(app: Certification, trainer_id: UUID) -> list[str]:
    return [type(e).__name__ for e in app.events.get(trainer_id)]


def test_a_new_trainer_gets_a_random_id_that_no_detail_names(story: Story) -> None:
    trainer_id = register(story, mail(story, "asha"))

    assert trainer_id.version == 4
    assert trainer_id != ids.legacy_trainer_id(mail(story, "asha"))
    assert story.app.trainer_id_for_email(f" {mail(story, 'ASHA')} ") == trainer_id


def test_an_e_mail_is_registered_once_whoever_types_it(story: Story) -> None:
    register(story, mail(story, "asha"))
    written = story.app.recorder.max_notification_id()

    with pytest.raises(AlreadyExists, match="is already registered"):
        register(story, mail(story, "Asha"), name="Another Asha")
    assert story.app.recorder.max_notification_id() == written


def test_a_trainer_stored_before_the_register_keeps_their_id_and_is_found_by_e_mail(
    story: Story,
) -> None:
    legacy = stored_before_the_register(story, mail(story, "lena"))

    assert story.app.trainer_id_for_email(mail(story, "lena")) == legacy
    with pytest.raises(AlreadyExists):
        register(story, mail(story, "lena"))


def test_an_e_mail_change_keeps_the_person_and_frees_the_old_address(story: Story) -> None:
    trainer_id = register(story, mail(story, "asha"))
    expert = story.register_expert()
    story.app.enrol(
        str(trainer_id), story.schedule_workshop(Module.WC, expert), story.hq, new_id(), story.now
    )

    state = story.app.edit_trainer(
        str(trainer_id),
        DetailsEdit(email=mail(story, "asha.verma")),
        story.hq,
        new_id(),
        story.later(),
    ).state

    assert state.trainer_id == str(trainer_id) and state.email == mail(story, "asha.verma")
    assert state.open_journeys, "the journey opened under the old e-mail is still theirs"
    assert story.app.trainer_id_for_email(mail(story, "asha.verma")) == trainer_id
    assert story.app.trainer_id_for_email(mail(story, "asha")) is None
    assert events_of(story.app, trainer_id)[-1] == "EmailChanged"
    newcomer = register(story, mail(story, "asha"), name="Asha Another")
    assert newcomer != trainer_id
    assert story.app.trainer_id_for_email(mail(story, "asha")) == newcomer


def test_a_trainer_stored_before_the_register_can_change_their_e_mail(story: Story) -> None:
    legacy = stored_before_the_register(story, mail(story, "lena"))

    story.app.edit_trainer(
        str(legacy), DetailsEdit(email=mail(story, "lena.new")), story.hq, new_id(), story.later()
    )

    assert story.app.trainer_id_for_email(mail(story, "lena.new")) == legacy
    assert story.app.trainer_id_for_email(mail(story, "lena")) is None
    assert register(story, mail(story, "lena")) != legacy


def test_an_e_mail_another_trainer_holds_is_refused_and_nothing_is_written(story: Story) -> None:
    asha = register(story, mail(story, "asha"))
    register(story, mail(story, "bola"), name="Bola Ade")
    written = story.app.recorder.max_notification_id()

    with pytest.raises(AlreadyExists, match="belongs to another trainer"):
        story.app.edit_trainer(
            str(asha), DetailsEdit(email=mail(story, "Bola")), story.hq, new_id(), story.later()
        )
    assert story.app.recorder.max_notification_id() == written
    assert story.app.trainer(asha).email == mail(story, "asha")


def test_an_edit_refused_halfway_leaves_the_cached_record_as_it_was_for_its_resending(
    story: Story,
) -> None:
    """The rename is recorded on the command's copy before the e-mail is found taken; the
    cached record must not keep that half (nor the command as applied), or the resending with
    the same id would be answered as done and write nothing."""
    asha = register(story, mail(story, "asha"), name="Asha Vrema")
    register(story, mail(story, "bola"), name="Bola Ade")
    taken = DetailsEdit(name="Asha Verma", email=mail(story, "bola"))
    with pytest.raises(AlreadyExists, match="belongs to another trainer"):
        story.app.edit_trainer(str(asha), taken, story.hq, "edit-1", story.later())

    free = DetailsEdit(name="Asha Verma", email=mail(story, "asha.verma"))
    edited = story.app.edit_trainer(str(asha), free, story.hq, "edit-1", story.later())

    assert not edited.duplicate
    trainer = story.app.trainer(asha)
    assert (trainer.name, trainer.email) == ("Asha Verma", mail(story, "asha.verma"))


def test_the_office_corrects_a_name_and_the_history_keeps_both(story: Story) -> None:
    asha = register(story, mail(story, "asha"), name="Asha Vrema")

    story.app.edit_trainer(
        str(asha), DetailsEdit(name="Asha Verma"), story.hq, new_id(), story.later()
    )

    assert story.app.trainer(asha).name == "Asha Verma"
    assert story.app.trainer(asha, version=1).name == "Asha Vrema"
    (renamed,) = [e for e in story.app.events.get(asha) if isinstance(e, Trainer.Renamed)]
    assert (renamed.previous_name, renamed.name) == ("Asha Vrema", "Asha Verma")


def test_a_retried_edit_writes_nothing_more(story: Story) -> None:
    asha = register(story, mail(story, "asha"))
    edit, command_id = DetailsEdit(name="Asha V. Verma", email=mail(story, "av")), new_id()

    first = story.app.edit_trainer(str(asha), edit, story.hq, command_id, story.later())
    again = story.app.edit_trainer(str(asha), edit, story.hq, command_id, story.later())

    assert again.duplicate and again.state == first.state
    assert events_of(story.app, asha).count("EmailChanged") == 1


def test_a_retried_registration_is_answered_even_after_the_e_mail_changed(story: Story) -> None:
    command_id, at = new_id(), story.later()
    first = story.app.register_trainer("Asha", mail(story, "asha"), "IN", story.hq, command_id, at)
    asha = first.state.trainer_id
    story.app.edit_trainer(
        asha, DetailsEdit(email=mail(story, "av")), story.hq, new_id(), story.later()
    )

    again = story.app.register_trainer("Asha", mail(story, "asha"), "IN", story.hq, command_id, at)

    assert again.duplicate and again.state.trainer_id == asha
    assert story.app.trainer_id_for_email(mail(story, "asha")) is None


def test_only_the_office_edits_details_and_an_edit_must_change_something(story: Story) -> None:
    asha = register(story, mail(story, "asha"), name="Asha Verma")
    herself = Actor(str(asha), Role.TRAINER)

    with pytest.raises(NotPermitted, match="programme office"):
        story.app.edit_trainer(
            str(asha), DetailsEdit(name="Asha V"), herself, new_id(), story.later()
        )
    with pytest.raises(InvalidInput, match="Nothing to change"):
        story.app.edit_trainer(
            str(asha),
            DetailsEdit(name="Asha Verma", email=mail(story, "ASHA")),
            story.hq,
            new_id(),
            story.later(),
        )


def test_two_records_of_one_person_merge_and_read_as_one(story: Story) -> None:
    expert = story.register_expert()
    kept = register(story, mail(story, "asha"), name="Asha Verma")
    twin = register(story, mail(story, "a.verma"), name="Asha Verma")
    story.certified_in(Module.WC, Actor(str(kept), Role.TRAINER), expert)
    journey = story.enrol(Actor(str(twin), Role.TRAINER), Module.BASICS, expert)

    merged = story.app.merge_trainers(
        str(kept), str(twin), "one person, registered twice", story.hq, new_id(), story.later()
    ).state

    assert merged.merged_records == (str(twin),)
    assert merged.open_journeys == {"BASICS": journey.journey_id}
    assert story.app.trainer(twin).trainer_id == str(kept), "the merged id reads as the person"
    assert story.app.trainer_id_for_email(mail(story, "a.verma")) == kept
    assert events_of(story.app, kept)[-1] == "Absorbed"
    assert events_of(story.app, twin)[-1] == "MergedInto"
    assert story.app.trainer(twin, version=1).name == "Asha Verma", "its history is kept"


def test_a_journey_of_a_merged_record_certifies_the_person(story: Story) -> None:
    expert = story.register_expert()
    kept = register(story, mail(story, "asha"))
    twin = Actor(str(register(story, mail(story, "a.verma"))), Role.TRAINER)
    story.certified_in(Module.WC, Actor(str(kept), Role.TRAINER), expert)
    journey = story.enrol(twin, Module.BASICS, expert)
    story.app.merge_trainers(str(kept), twin.user_id, "duplicate", story.hq, new_id(), story.now)

    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    journey = story.assess(story.run_cycle(journey, twin), expert, "recommended")
    story.step(journey, Certify(), story.hq)

    person = story.app.trainer(kept)
    assert person.certified_modules == (Module.WC, Module.BASICS)
    assert person.open_journeys == {}


def test_a_merge_that_would_break_a_rule_is_refused_with_the_reason(story: Story) -> None:
    expert = story.register_expert()
    asha = Actor(str(register(story, mail(story, "asha"))), Role.TRAINER)
    twin = Actor(str(register(story, mail(story, "a.verma"))), Role.TRAINER)
    story.enrol(asha, Module.WC, expert)
    story.enrol(twin, Module.WC, expert)
    written = story.app.recorder.max_notification_id()

    def merge(kept: Actor, away: Actor, actor: Actor = story.hq) -> None:
        story.app.merge_trainers(
            kept.user_id, away.user_id, "duplicate", actor, new_id(), story.later()
        )

    with pytest.raises(MergeRefused, match="Both records have an open WC journey"):
        merge(asha, twin)
    with pytest.raises(MergeRefused, match="cannot be merged into itself"):
        merge(asha, asha)
    with pytest.raises(NotPermitted, match="programme office"):
        merge(asha, twin, actor=asha)
    assert story.app.recorder.max_notification_id() == written


def test_a_certified_record_is_not_merged_away(story: Story) -> None:
    expert = story.register_expert()
    certified = Actor(str(register(story, mail(story, "asha"))), Role.TRAINER)
    other = Actor(str(register(story, mail(story, "a.verma"))), Role.TRAINER)
    story.certified_in(Module.WC, certified, expert)

    with pytest.raises(MergeRefused, match="merge the other record into it instead"):
        story.app.merge_trainers(
            other.user_id, certified.user_id, "duplicate", story.hq, new_id(), story.later()
        )
    story.app.merge_trainers(
        certified.user_id, other.user_id, "duplicate", story.hq, new_id(), story.later()
    )
    with pytest.raises(MergeRefused, match="already merged into"):
        story.app.merge_trainers(
            other.user_id, certified.user_id, "again", story.hq, new_id(), story.later()
        )


def enterprise(story: Story, name: str, command_id: str | None = None) -> UUID:
    details = EnterpriseDetails(name, "IN", "auto components", 120, 30)
    registered = story.app.register_enterprise(
        details, story.hq, command_id or new_id(), story.later()
    )
    return UUID(registered.state.enterprise_id)


def test_a_new_enterprise_gets_a_random_id_and_its_name_stays_one_firms_through_renames(
    story: Story,
) -> None:
    name, command_id = f"Auto Parts {story.tag}", new_id()
    firm = enterprise(story, name, command_id)

    assert firm.version == 4 and firm != ids.enterprise_id("IN", name)
    assert enterprise(story, name, command_id) == firm  # a retry, answered as before
    with pytest.raises(AlreadyExists, match="already registered"):
        enterprise(story, f"  auto parts {story.tag.upper()}")
    renamed = EnterpriseEdit(name=f"Auto Parts Two {story.tag}")
    story.app.edit_enterprise(str(firm), renamed, story.hq, new_id(), story.later())
    assert story.app.enterprise(firm).details.name == renamed.name
    assert enterprise(story, name) != firm  # the old name is free for another firm now
    with pytest.raises(AlreadyExists, match=str(firm)):
        enterprise(story, f"Auto Parts Two {story.tag}")


def test_an_enterprise_stored_before_the_register_keeps_its_id_and_its_name(
    story: Story,
) -> None:
    name = f"Old Looms {story.tag}"
    legacy = ids.enterprise_id("IN", name)
    details = EnterpriseDetails(name, "IN", "textiles", 80, 40)
    story.app.save(Enterprise.register(legacy, details, story.hq, new_id(), story.later()))

    with pytest.raises(AlreadyExists, match=str(legacy)):
        enterprise(story, name)
    renamed = EnterpriseEdit(name=f"New Looms {story.tag}")
    story.app.edit_enterprise(str(legacy), renamed, story.hq, new_id(), story.later())
    assert story.app.enterprise(legacy).details.name == renamed.name
    assert enterprise(story, name) != legacy


def test_renaming_an_old_firm_does_not_free_a_name_another_firm_has_claimed(
    story: Story,
) -> None:
    # An enterprise renamed under the old code kept the id of its first name; the register
    # does not find it under its present one, so another firm could claim that name.
    name = f"Shared Looms {story.tag}"
    first = enterprise(story, name)
    renamed_before = ids.enterprise_id("IN", f"First Looms {story.tag}")
    details = EnterpriseDetails(name, "IN", "textiles", 80, 40)
    story.app.save(Enterprise.register(renamed_before, details, story.hq, new_id(), story.later()))

    renamed = EnterpriseEdit(name=f"Other Looms {story.tag}")
    story.app.edit_enterprise(str(renamed_before), renamed, story.hq, new_id(), story.later())

    with pytest.raises(AlreadyExists, match=str(first)):
        enterprise(story, name)


def test_changing_an_old_trainer_s_e_mail_does_not_free_an_address_another_holds(
    story: Story,
) -> None:
    # A trainer whose e-mail changed under the old code kept the id of their first address.
    shared = mail(story, "shared")
    holder = register(story, shared)
    changed_before = ids.legacy_trainer_id(mail(story, "first"))
    trainer = Trainer._create(
        Trainer.Registered,
        id=changed_before,
        name="Lena Legacy",
        email=shared,
        country="IN",
        is_expert=False,
        country_as_recorded=None,
        **created_fields(story.hq, new_id(), story.later()),
    )
    story.app.save(trainer)

    story.app.edit_trainer(
        str(changed_before),
        DetailsEdit(email=mail(story, "own")),
        story.hq,
        new_id(),
        story.later(),
    )

    assert story.app.trainer_id_for_email(shared) == holder
    with pytest.raises(AlreadyExists, match="is already registered"):
        register(story, shared, name="A Third")
